// Loaded by mocha before any test file (.mocharc.json).
process.env.NODE_ENV = 'test';
