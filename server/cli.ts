// Command line: `npm run cli -- <command> [--flags]`.
//   user:create --username NAME --role admin|manager|vendor|finance [--password P] [--vendor ID] [--name 显示名]
//   migrate
//   demo [--reset]        (also `npm run demo [-- --reset]`)
//   backup [--out DIR] [--keep N]
//   backup:verify --from DIR
//   restore --from DIR [--force]
//   audit:verify
import fs from 'node:fs';
import { BackupError, backupSummary, createBackup, restoreBackup, verifyBackup } from './backup';
import { Config, ConfigError, loadConfig } from './config';
import { openDatabase } from './db';
import {
  databaseCounts, DEMO_WARNING, DemoRefusedError, demoCredentialLines, describeDatabase, isDatabaseEmpty, resetDatabase, seedDemo, summaryLines,
} from './demo';
import { ApiError } from './errors';
import { generatePassword } from './passwords';
import { SYSTEM } from './services/context';
import { createUser } from './services/users';
import { verifyAuditChain } from './services/auditchain';

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
  npm run demo [-- --reset]     seed the demo dataset into the (empty) database; --reset deletes everything first
  npm run cli -- backup [--out DIR] [--keep N]
                                consistent snapshot of the database, the evidence files and the generated
                                signing identity / session secret into DIR/backup-<UTC time>/ (default
                                DATA_DIR/backups) while the app runs; --keep N: then keep only the newest N there
  npm run cli -- backup:verify --from DIR
                                check a backup against its manifest (SHA-256 of every file)
  npm run cli -- restore --from DIR [--force]
                                verify, then restore into DATABASE_URL and DATA_DIR (stop the app first);
                                --force replaces a database that holds data (it is kept aside)
  npm run cli -- audit:verify   check the audit log's hash chain; names the first changed, removed or inserted entry (exit 1)`;

function onlyFlags(f: Record<string, string>, allowed: string[]): string | null {
  const unknown = Object.keys(f).filter((k) => !allowed.includes(k));
  return unknown.length ? `unknown option: --${unknown[0]}\n${USAGE}` : null;
}

/** Any failure of a backup or restore, said in both languages. */
function asBackupError(e: unknown, zh: string, en: string): BackupError {
  if (e instanceof BackupError) return new BackupError(`${zh}：${e.message.split('\n')[0]}`, `${en}: ${e.message.split('\n').slice(1).join('\n')}`, e.exitCode);
  const msg = (e as Error)?.message ?? String(e);
  return new BackupError(`${zh}：${msg}`, `${en}: ${msg}`);
}

/** `backup`: exit 0 when complete; 3 when written but evidence files were missing or damaged in DATA_DIR. */
async function backup(config: Config, f: Record<string, string>): Promise<number> {
  const bad = onlyFlags(f, ['out', 'keep']);
  if (bad) {
    console.error(bad);
    return 2;
  }
  if (f.out === 'true') {
    console.error(`--out needs a directory\n${USAGE}`);
    return 2;
  }
  let keep: number | undefined;
  if (f.keep !== undefined) {
    keep = Number(f.keep);
    if (!Number.isInteger(keep) || keep < 1) {
      console.error(`--keep must be a whole number of at least 1 (got "${f.keep}")`);
      return 2;
    }
  }
  const result = await createBackup(config, { outDir: f.out, keep, log: (l) => console.log(l) }).catch((e) => {
    throw asBackupError(e, '备份失败', 'backup failed');
  });
  for (const w of result.warnings) console.error(w);
  console.log(backupSummary(result));
  return result.warnings.length ? 3 : 0;
}

async function verify(f: Record<string, string>): Promise<number> {
  const bad = onlyFlags(f, ['from']);
  if (bad || !f.from || f.from === 'true') {
    console.error(bad ?? `backup:verify needs --from DIR\n${USAGE}`);
    return 2;
  }
  const m = await verifyBackup(f.from);
  console.log(`备份完好 / backup intact: ${Object.keys(m.artifacts).length} files match the manifest (${m.dialect}, snapshot ${m.createdAt}, app ${m.app.version}, ${m.files.count} evidence files)`);
  return 0;
}

async function restore(config: Config, f: Record<string, string>): Promise<number> {
  const bad = onlyFlags(f, ['from', 'force']);
  if (bad || !f.from || f.from === 'true') {
    console.error(bad ?? `restore needs --from DIR\n${USAGE}`);
    return 2;
  }
  await restoreBackup(config, { from: f.from, force: f.force === 'true', log: (l) => console.log(l) }).catch((e) => {
    throw asBackupError(e, '恢复失败', 'restore failed');
  });
  return 0;
}

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
  if (command === 'backup:verify') return verify(flags(rest));
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`配置错误 / configuration error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (command === 'demo') return demo(config, flags(rest));
  // never migrate before these: a backup reads the database as it is; a restore migrates at its end
  if (command === 'backup') return backup(config, flags(rest));
  if (command === 'restore') return restore(config, flags(rest));
  const db = openDatabase(config.databaseUrl);
  try {
    await db.migrate();
    if (command === 'migrate') {
      console.log('migrations up to date');
      return 0;
    }
    if (command === 'audit:verify') {
      const r = await verifyAuditChain({ db, config });
      if (r.ok) {
        console.log(`审计日志哈希链完整：已校验 ${r.entries} 条记录 / audit chain intact: ${r.entries} entries checked`);
        return 0;
      }
      const b = r.break as NonNullable<typeof r.break>;
      console.error(
        `审计日志哈希链断裂 / audit chain broken at entry seq ${b.seq}${b.id ? ` (id ${b.id})` : ''}: ${b.problem}` +
          `（此前 ${r.entries} 条完好 / the ${r.entries} entries before it are intact）`,
      );
      return 1;
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
    if (e instanceof BackupError) {
      console.error(`错误 / error: ${e.message}`);
      process.exit(e.exitCode);
    }
    if (e instanceof ApiError) {
      console.error(`error: ${e.message}${e.details.length ? '\n' + e.details.map((d) => `  ${d.path}: ${d.message}`).join('\n') : ''}`);
    } else {
      console.error(`error: ${e?.message ?? e}`);
    }
    process.exit(1);
  },
);
