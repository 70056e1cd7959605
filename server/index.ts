// Starts the server: configuration, database (migrations run at start), first start (the demo
// dataset, or with DEMO_DATA=off the admin), HTTP listener, graceful shutdown.
import fs from 'node:fs';
import { closeApp, createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db';
import { DEMO_WARNING, demoCredentialLines, demoDataEnabled, isDatabaseEmpty, seedDemo, summaryLines } from './demo';
import { bootstrapAdmin } from './services/users';
import { FontError, resolveCjkFont } from '../exports/fonts';
import { SigningConfigError } from '../exports/signing';
import { signingIdentity } from './services/exports';

async function main() {
  let config;
  let demoData: boolean;
  try {
    config = loadConfig();
    demoData = demoDataEnabled(process.env.DEMO_DATA);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`配置错误 / configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  // exports need a CJK font and a signing certificate: say at start when they are unusable
  let exportSetup;
  try {
    const font = resolveCjkFont(config.cjkFont);
    const id = signingIdentity({ config });
    exportSetup = { font: `${font.path}${font.postscriptName ? '#' + font.postscriptName : ''}`, fontOrigin: font.origin, signer: id.commonName, certificate: id.origin, certificateSha256: id.certSha256 };
  } catch (e) {
    if (e instanceof FontError || e instanceof SigningConfigError) {
      console.error(`配置错误 / configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const db = openDatabase(config.databaseUrl);
  const applied = await db.migrate();
  const log = (msg: string, extra: object = {}) => console.log(JSON.stringify({ level: 'info', msg, ...extra }));
  if (applied.length) log('migrations applied', { migrations: applied });
  if (demoData && (await isDatabaseEmpty(db))) {
    // First start with an empty database: a year of demo data rather than an empty system.
    log('first start with an empty database: seeding the demo dataset (DEMO_DATA=off starts empty instead)');
    if (config.adminPassword) log('ADMIN_USERNAME / ADMIN_PASSWORD are not used for the demo dataset (they are with DEMO_DATA=off)');
    let summary;
    try {
      summary = await seedDemo({ db, config }, { log: (msg) => log(msg) });
    } catch (e) {
      console.error(JSON.stringify({ level: 'fatal', msg: 'demo data failed', error: String((e as Error)?.stack ?? e) }));
      console.error('演示数据生成失败：请运行 npm run demo -- --reset 重新生成，或以 DEMO_DATA=off 启动空系统。');
      console.error('seeding the demo data failed: run `npm run demo -- --reset` to seed it again, or start with DEMO_DATA=off for an empty system.');
      process.exit(1);
    }
    for (const line of summaryLines(summary)) console.log(line);
    console.log('演示账号 / demo accounts (username  password  role  name):');
    for (const line of demoCredentialLines()) console.log(line);
    for (const line of DEMO_WARNING) console.log(line);
  } else {
    const admin = await bootstrapAdmin({ db, config });
    if (admin) {
      if (admin.generatedPassword) {
        console.log(`首次启动：已创建管理员 ${admin.username}，初始密码 ${admin.generatedPassword}（仅显示这一次，请登录后修改）`);
        console.log(`first start: created admin "${admin.username}" with generated password ${admin.generatedPassword} (shown once)`);
      } else {
        log('first start: created admin from ADMIN_USERNAME / ADMIN_PASSWORD', { username: admin.username });
      }
    }
  }
  const app = createApp(db, config);
  const server = app.listen(config.port, () => {
    log('listening', { url: `http://localhost:${config.port}`, database: db.dialect, dataDir: config.dataDir, exports: exportSetup });
    if (exportSetup.certificate === 'generated') {
      log('signing exports with a generated development certificate (set SIGNING_P12 and SIGNING_P12_PASSPHRASE for the bureau\'s own)');
    }
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
