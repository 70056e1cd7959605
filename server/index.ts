// Starts the server: configuration, database (migrations run at start), first-start admin,
// HTTP listener, graceful shutdown.
import fs from 'node:fs';
import { closeApp, createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db';
import { bootstrapAdmin } from './services/users';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`配置错误 / configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(config.databaseUrl);
  const applied = await db.migrate();
  const log = (msg: string, extra: object = {}) => console.log(JSON.stringify({ level: 'info', msg, ...extra }));
  if (applied.length) log('migrations applied', { migrations: applied });
  const admin = await bootstrapAdmin({ db, config });
  if (admin) {
    if (admin.generatedPassword) {
      console.log(`首次启动：已创建管理员 ${admin.username}，初始密码 ${admin.generatedPassword}（仅显示这一次，请登录后修改）`);
      console.log(`first start: created admin "${admin.username}" with generated password ${admin.generatedPassword} (shown once)`);
    } else {
      log('first start: created admin from ADMIN_USERNAME / ADMIN_PASSWORD', { username: admin.username });
    }
  }
  const app = createApp(db, config);
  const server = app.listen(config.port, () => {
    log('listening', { url: `http://localhost:${config.port}`, database: db.dialect, dataDir: config.dataDir });
  });
  const shutdown = (signal: string) => {
    log('shutting down', { signal });
    server.close(() => {
      closeApp(app);
      db.close().then(() => process.exit(0), () => process.exit(1));
    });
    setTimeout(() => process.exit(1), 10000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e) => {
  console.error(JSON.stringify({ level: 'fatal', msg: 'start failed', error: String(e?.stack ?? e) }));
  process.exit(1);
});
