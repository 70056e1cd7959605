// The real entry points, as separate processes: `node dist/server/index.js` is what
// `npm start` runs after the build; here the same module runs through tsx.
import { expect } from 'chai';
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './instances';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');


function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(tsx, ['server/index.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30000);
    child.stdout!.on('data', () => {
      if (out.includes('"msg":"listening"')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('processes', function () {
  this.timeout(60000);

  it('starts on an empty DATA_DIR without demo data (DEMO_DATA=off): creates the SQLite file, the admin with a generated password printed once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-start-'));
    const port = await freePort();
    const env = { DATA_DIR: path.join(dataDir, 'nested'), PORT: String(port), NODE_ENV: 'test', DATABASE_URL: '', ADMIN_PASSWORD: '', ADMIN_USERNAME: '', DEMO_DATA: 'off' };
    const { child, output } = await startServer(env);
    try {
      expect(fs.existsSync(path.join(dataDir, 'nested', 'app.sqlite'))).to.equal(true);
      const m = /generated password (\S+)/.exec(output());
      expect(m, output()).to.not.equal(null);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).to.equal(200);
      const tok = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: m![1] }),
      });
      expect(tok.status).to.equal(200);
      const { token } = (await tok.json()) as { token: string };
      const templates = await fetch(`http://127.0.0.1:${port}/api/v1/templates`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await templates.json()) as unknown[]).length).to.equal(1);
    } finally {
      expect(await stop(child)).to.equal(0);
    }
    // A second start on the same data keeps the admin and prints no new password.
    const again = await startServer(env);
    try {
      expect(again.output()).not.to.contain('generated password');
    } finally {
      await stop(again.child);
    }
  });

  it('refuses a bad configuration with a clear message', () => {
    const r = spawnSync(tsx, ['server/index.ts'], { cwd: root, env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('PORT must be a whole number');
    const d = spawnSync(tsx, ['server/index.ts'], { cwd: root, env: { ...process.env, DATABASE_URL: 'mysql://x' }, encoding: 'utf8' });
    expect(d.status).to.equal(2);
    expect(d.stderr).to.contain('DATABASE_URL');
  });

  it('`npm run cli -- user:create` adds a user who can then sign in', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-cli-'));
    const env = { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test', DATABASE_URL: '' };
    const ok = spawnSync(tsx, ['server/cli.ts', 'user:create', '--username', 'zhangli', '--role', 'finance', '--password', 'cli-password-1'], { cwd: root, env, encoding: 'utf8' });
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain('created user zhangli (finance)');
    const dup = spawnSync(tsx, ['server/cli.ts', 'user:create', '--username', 'zhangli', '--role', 'finance', '--password', 'cli-password-1'], { cwd: root, env, encoding: 'utf8' });
    expect(dup.status).to.equal(1);
    expect(dup.stderr).to.contain('已存在');
    const badRole = spawnSync(tsx, ['server/cli.ts', 'user:create', '--username', 'li', '--role', 'boss'], { cwd: root, env, encoding: 'utf8' });
    expect(badRole.status).to.equal(1);
    expect(badRole.stderr).to.contain('role');
    const port = await freePort();
    const { child } = await startServer({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'test', DATABASE_URL: '', ADMIN_PASSWORD: 'admin-password-x' });
    try {
      const tok = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'zhangli', password: 'cli-password-1' }),
      });
      expect(tok.status).to.equal(200);
    } finally {
      await stop(child);
    }
  });
});
