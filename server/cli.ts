// Command line: `npm run cli -- <command> [--flags]`.
//   user:create --username NAME --role admin|manager|vendor|finance [--password P] [--vendor ID] [--name 显示名]
//   migrate
//   demo [--reset]        (also `npm run demo [-- --reset]`)
import fs from 'node:fs';
import { Config, loadConfig } from './config';
import { openDatabase } from './db';
import {
  databaseCounts, DEMO_WARNING, DemoRefusedError, demoCredentialLines, describeDatabase, isDatabaseEmpty, resetDatabase, seedDemo, summaryLines,
} from './demo';
import { ApiError } from './errors';
import { generatePassword } from './passwords';
import { SYSTEM } from './services/context';
import { createUser } from './services/users';

function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument: ${argv[i]}`);
    if (m[2] !== undefined) out[m[1]] = m[2];
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[m[1]] = argv[++i];
    else out[m[1]] = 'true';
  }
  return out;
}

const USAGE = `usage:
  npm run cli -- user:create --username NAME --role admin|manager|vendor|finance [--password P] [--vendor VENDOR_ID] [--name 显示名]
  npm run cli -- migrate
  npm run demo [-- --reset]     seed the demo dataset into the (empty) database; --reset deletes everything first`;

/**
 * `npm run demo [-- --reset]`: seeds the demo dataset into the configured database if it is
 * empty; refuses otherwise (exit 1). --reset first removes everything (SQLite: the database
 * files; PostgreSQL: schema public) and says what it removed.
 */
async function demo(config: Config, f: Record<string, string>): Promise<number> {
  const unknown = Object.keys(f).filter((k) => k !== 'reset');
  if (unknown.length) {
    console.error(`unknown option: --${unknown[0]}\n${USAGE}`);
    return 2;
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const where = describeDatabase(config.databaseUrl);
  if (f.reset === 'true') {
    const removed = await resetDatabase(config);
    if (removed.length === 0) console.log(`没有需要删除的数据 / nothing to remove (${where})`);
    for (const line of removed) console.log(line);
  }
  const db = openDatabase(config.databaseUrl);
  try {
    await db.migrate();
    if (!(await isDatabaseEmpty(db))) throw new DemoRefusedError(await databaseCounts(db));
    console.log(`正在生成演示数据 / seeding the demo data into ${where} ...`);
    const summary = await seedDemo({ db, config }, { log: (m) => console.log(`  ${m}`) });
    for (const line of summaryLines(summary)) console.log(line);
    console.log('演示账号 / demo accounts (username  password  role  name):');
    for (const line of demoCredentialLines()) console.log(line);
    for (const line of DEMO_WARNING) console.log(line);
    return 0;
  } catch (e) {
    if (e instanceof DemoRefusedError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  } finally {
    await db.close();
  }
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  if (command === 'demo') return demo(config, flags(rest));
  const db = openDatabase(config.databaseUrl);
  try {
    await db.migrate();
    if (command === 'migrate') {
      console.log('migrations up to date');
      return 0;
    }
    if (command === 'user:create') {
      const f = flags(rest);
      const password = f.password ?? generatePassword();
      const user = await createUser({ db, config }, SYSTEM, {
        username: f.username,
        password,
        role: f.role,
        vendorId: f.vendor ? Number(f.vendor) : null,
        displayName: f.name ?? null,
      });
      console.log(`created user ${user.username} (${user.role}${user.vendorId ? `, vendor ${user.vendorId}` : ''})`);
      if (!f.password) console.log(`password: ${password}`);
      return 0;
    }
    console.error(`unknown command: ${command}\n${USAGE}`);
    return 2;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof ApiError) {
      console.error(`error: ${e.message}${e.details.length ? '\n' + e.details.map((d) => `  ${d.path}: ${d.message}`).join('\n') : ''}`);
    } else {
      console.error(`error: ${e?.message ?? e}`);
    }
    process.exit(1);
  },
);
