// Starts the server: configuration, database (migrations run at start), first start (the demo
// dataset, or with DEMO_DATA=off the admin), HTTP listener, graceful shutdown.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { closeApp, createApp, markShuttingDown } from './app';
import { Config, ConfigError, loadConfig } from './config';
import { openDatabase } from './db';
import { DEMO_WARNING, demoCredentialLines, demoDataEnabled, isDatabaseEmpty, seedDemo, summaryLines } from './demo';
import { errorFields, logger, setLogLevel } from './logging';
import { bootstrapAdmin } from './services/users';
import { FontError, resolveCjkFont } from '../exports/fonts';
import { SigningConfigError } from '../exports/signing';
import { pendingBatches, signingIdentity } from './services/exports';

// a crash still ends the process (Node's default); it is logged as one JSON line first
process.on('uncaughtExceptionMonitor', (e, origin) => {
  logger.fatal('uncaught exception', { origin, ...errorFields(e) });
});

async function main() {
  let config: Config;
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
  setLogLevel(config.logLevel);
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
  const log = (msg: string, extra: Record<string, unknown> = {}) => logger.info(msg, extra);
  if (applied.length) log('migrations applied', { migrations: applied });
  if (demoData && (await isDatabaseEmpty(db))) {
    // First start with an empty database: a year of demo data rather than an empty system.
    log('first start with an empty database: seeding the demo dataset (DEMO_DATA=off starts empty instead)');
    if (config.adminPassword) log('ADMIN_USERNAME / ADMIN_PASSWORD are not used for the demo dataset (they are with DEMO_DATA=off)');
    let summary;
    try {
      summary = await seedDemo({ db, config }, { log: (msg) => log(msg) });
    } catch (e) {
      logger.fatal('demo data failed', errorFields(e));
      console.error('演示数据生成失败：请运行 npm run demo -- --reset 重新生成，或以 DEMO_DATA=off 启动空系统。');
      console.error('seeding the demo data failed: run `npm run demo -- --reset` to seed it again, or start with DEMO_DATA=off for an empty system.');
      process.exit(1);
    }
    // for the person at the console: plain lines, as the demo accounts are meant to be read
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
    // PORT=0 takes any free port: say which, and let exports print it when PUBLIC_URL is unset
    const port = (server.address() as AddressInfo).port;
    if (config.port === 0 && config.publicUrl === 'http://localhost:0') config.publicUrl = `http://localhost:${port}`;
    log('listening', { url: `http://localhost:${port}`, port, database: db.dialect, dataDir: config.dataDir, logLevel: config.logLevel, exports: exportSetup });
    if (exportSetup.certificate === 'generated') {
      log('signing exports with a generated development certificate (set SIGNING_P12 and SIGNING_P12_PASSPHRASE for the bureau\'s own)');
    }
  });
  server.on('error', (e) => {
    logger.fatal('cannot listen', { port: config.port, ...errorFields(e) });
    process.exit(1);
  });
  // Behind a proxy that keeps upstream connections alive, the app must not close an idle one
  // first (the proxy could send a request on it as it closes: a 502); nginx's default upstream
  // keepalive_timeout is 60 s.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  // ---- graceful shutdown: stop accepting, say not ready, finish what is running, close the database
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal: exiting at once', { signal });
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    markShuttingDown(app);
    logger.info('shutting down', { signal, timeoutMs: config.shutdownTimeoutMs, exportBatches: pendingBatches.size });
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed: exiting with requests or export batches unfinished', {
        timeoutMs: config.shutdownTimeoutMs,
        exportBatches: pendingBatches.size,
      });
      process.exit(1);
    }, config.shutdownTimeoutMs);
    // no new connections; idle keep-alive connections close now, busy ones once their
    // response is out (responses from now on also say Connection: close)
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), 200);
    // a request still in flight may start another batch: wait until none is left
    const batchesDone = async () => {
      while (pendingBatches.size) {
        logger.info('waiting for export batches', { exportBatches: pendingBatches.size });
        await Promise.allSettled([...pendingBatches]);
      }
    };
    Promise.all([closed, batchesDone()])
      .then(batchesDone)
      .then(async () => {
        clearInterval(sweep);
        closeApp(app);
        await db.close();
        clearTimeout(deadline);
        logger.info('stopped', { signal, ms: Date.now() - started });
        process.exit(0);
      })
      .catch((e) => {
        logger.error('shutdown failed', errorFields(e));
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e) => {
  logger.fatal('start failed', errorFields(e));
  process.exit(1);
});
