// Backups and restores (`npm run cli -- backup | backup:verify | restore`).
//
// A backup is a directory backup-<UTC time>/ holding
//   database.sqlite  an online snapshot of the SQLite database (VACUUM INTO: one read
//                    transaction, so consistent while the app keeps writing), or
//   database.pgdump  pg_dump --format=custom of the PostgreSQL database, taken from a snapshot
//                    exported by a REPEATABLE READ transaction that also reads the manifest's
//                    row counts, migrations and file list, so they describe exactly the dump;
//   files/<sha256>   the uploaded evidence files (content-addressed and never modified, so
//                    copying them after the snapshot is consistent), each checked against its name;
//   signing/dev-signer.json, session-secret   the generated signing identity and session secret
//                    when DATA_DIR has them (restored exports keep verifying, sessions keep working);
//   manifest.json    what it is and the SHA-256 of every artifact; written last.
// It is written into a hidden .partial directory and renamed at the end: an interrupted backup
// never looks complete, and restore refuses a directory without a manifest.
//
// A restore checks every artifact against the manifest before it touches anything, refuses a
// non-empty target database without --force (and an SQLite database some process still has
// open, or a PostgreSQL database with other sessions), keeps the database it replaces aside
// (SQLite: <file>.before-restore-<time>; PostgreSQL: schema omscore_before_restore_<time>)
// unless it was empty, restores the files, then runs the migrations.
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { QueryTypes, Sequelize, Transaction } from 'sequelize';
import sqlite3 from 'sqlite3';
import { developmentIdentityPath } from '../exports/signing';
import type { Config } from './config';
import { openDatabase, pendingMigrations } from './db';
import { describeDatabase, sqliteFile } from './demo';
import { projectRoot } from './paths';

// ---- the manifest ------------------------------------------------------------------------------

export const MANIFEST = 'manifest.json';
const FORMAT = 'omscore-backup';
const FORMAT_VERSION = 1;
const SQLITE_ARTIFACT = 'database.sqlite';
const PG_ARTIFACT = 'database.pgdump';
const SIGNING_ARTIFACT = 'signing/dev-signer.json';
const SESSION_ARTIFACT = 'session-secret';
/** The only names a manifest may list: a restore never writes anywhere a manifest says. */
const SAFE_ARTIFACT = /^(database\.sqlite|database\.pgdump|files\/[0-9a-f]{64}|signing\/dev-signer\.json|session-secret)$/;
const SHA256_NAME = /^[0-9a-f]{64}$/;
const BACKUP_DIR_NAME = /^backup-\d{8}T\d{6}Z(-\d+)?$/;
/** Schemas a PostgreSQL restore moves the replaced tables into; never dumped. */
const PG_ASIDE_PREFIX = 'omscore_before_restore_';

export interface ArtifactEntry {
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  /** the moment of the database snapshot */
  createdAt: string;
  dialect: 'sqlite' | 'postgres';
  app: { name: string; version: string };
  source: { database: string; dataDir: string; host: string };
  database: { artifact: string; method: string; engineVersion: string | null; tool: string | null };
  /** migrations applied in the snapshot, in order */
  migrations: string[];
  /** rows per table in the snapshot (PostgreSQL: schema public) */
  rowCounts: Record<string, number>;
  files: {
    /** evidence files in the backup */
    count: number;
    totalBytes: number;
    /** distinct files the snapshot's `files` table refers to */
    referenced: number;
    /** referenced by the snapshot but absent from DATA_DIR/files */
    missing: string[];
    /** referenced, but the content no longer matches the name (not backed up) */
    corrupt: string[];
    /** present in DATA_DIR/files but not backed up, with why */
    skipped: string[];
  };
  secrets: { signingIdentity: boolean; sessionSecret: boolean; notes: string[] };
  durationMs: number;
  artifacts: Record<string, ArtifactEntry>;
}

/** A refusal or failure, in Chinese and English; the CLI prints the message and exits non-zero. */
export class BackupError extends Error {
  constructor(zh: string, en: string, readonly exitCode = 1) {
    super(`${zh}\n${en}`);
    this.name = 'BackupError';
  }
}

type Log = (line: string) => void;

// ---- small helpers --------------------------------------------------------------------------------

function stampOf(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

function appInfo(): { name: string; version: string } {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

async function hashFile(file: string): Promise<ArtifactEntry> {
  const h = crypto.createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: h.digest('hex') };
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await fsp.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Copies src to dst (which must not exist), hashing what it copies, and flushes it to disk. */
async function copyHashed(src: string, dst: string, mode = 0o644): Promise<ArtifactEntry> {
  const h = crypto.createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(fs.createReadStream(src), tap, fs.createWriteStream(dst, { flags: 'wx', mode }));
  await fsyncPath(dst);
  return { bytes, sha256: h.digest('hex') };
}

/** Runs `items` through `fn`, `width` at a time. */
async function eachLimited<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A raw SQLite connection (the sqlite3 driver Sequelize uses), promisified. */
class Lite {
  private constructor(private readonly db: sqlite3.Database) {}

  static open(file: string, mode: number): Promise<Lite> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(new Lite(db))));
    });
  }

  busyTimeout(ms: number): void {
    this.db.configure('busyTimeout', ms);
  }

  run(sql: string, params: unknown[] = []): Promise<void> {
    return new Promise((resolve, reject) => this.db.run(sql, params, (err: Error | null) => (err ? reject(err) : resolve())));
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => this.db.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows))));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}

/** What a snapshot holds, read from the snapshot itself. */
interface SnapshotFacts {
  migrations: string[];
  rowCounts: Record<string, number>;
  referenced: string[];
}

async function sqliteFacts(db: Lite): Promise<SnapshotFacts> {
  const tables = (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")).map((r) => r.name);
  if (!tables.includes('schema_migrations')) {
    throw new BackupError('数据库中没有 schema_migrations 表：不是本系统的数据库。', 'the database has no schema_migrations table: it is not this application\'s database.');
  }
  const rowCounts: Record<string, number> = {};
  for (const t of tables) rowCounts[t] = Number((await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteIdent(t)}`))[0].n);
  const migrations = (await db.all<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).map((r) => r.name);
  const referenced = tables.includes('files') ? (await db.all<{ sha256: string }>('SELECT DISTINCT sha256 FROM files ORDER BY sha256')).map((r) => r.sha256) : [];
  return { migrations, rowCounts, referenced };
}

async function pgFacts(seq: Sequelize, t?: Transaction): Promise<SnapshotFacts & { tables: string[] }> {
  const q = <T extends object>(sql: string) => seq.query<T>(sql, { type: QueryTypes.SELECT, transaction: t });
  const tables = (await q<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).map((r) => r.name);
  const rowCounts: Record<string, number> = {};
  for (const name of tables) rowCounts[name] = Number((await q<{ n: string }>(`SELECT COUNT(*) AS n FROM public.${quoteIdent(name)}`))[0].n);
  const migrations = tables.includes('schema_migrations') ? (await q<{ name: string }>('SELECT name FROM public.schema_migrations ORDER BY name')).map((r) => r.name) : [];
  const referenced = tables.includes('files') ? (await q<{ sha256: string }>('SELECT DISTINCT sha256 FROM public.files ORDER BY sha256')).map((r) => r.sha256) : [];
  return { tables, migrations, rowCounts, referenced };
}

// ---- PostgreSQL: the URL for the client tools ---------------------------------------------------------

const PG_PARAMS: Record<string, string> = {
  host: 'PGHOST', hostaddr: 'PGHOSTADDR', port: 'PGPORT', user: 'PGUSER', password: 'PGPASSWORD', dbname: 'PGDATABASE',
  sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY', sslcrl: 'PGSSLCRL',
  application_name: 'PGAPPNAME', connect_timeout: 'PGCONNECT_TIMEOUT', options: 'PGOPTIONS',
  target_session_attrs: 'PGTARGETSESSIONATTRS', channel_binding: 'PGCHANNELBINDING', gssencmode: 'PGGSSENCMODE',
};

/**
 * The environment for pg_dump / pg_restore: DATABASE_URL taken apart into PG* variables, so it
 * is never a shell string or a command-line argument (a password in the URL goes only into the
 * child's PGPASSWORD, never into `ps`).
 */
export function pgEnvironment(databaseUrl: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  let u: URL;
  try {
    u = new URL(databaseUrl);
  } catch {
    throw new BackupError('DATABASE_URL 不是有效的地址。', 'DATABASE_URL is not a valid URL.');
  }
  const env: NodeJS.ProcessEnv = { ...base };
  if (u.hostname) env.PGHOST = decodeURIComponent(u.hostname.replace(/^\[(.*)\]$/, '$1'));
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const dbName = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (dbName) env.PGDATABASE = dbName;
  for (const [key, value] of u.searchParams) {
    if (PG_PARAMS[key]) env[PG_PARAMS[key]] = value;
    else if (key === 'ssl' && ['true', '1'].includes(value) && !u.searchParams.has('sslmode')) env.PGSSLMODE = 'require';
  }
  return env;
}

/** Runs a PostgreSQL client tool (argument array, no shell); its stderr becomes the error. */
function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(new BackupError(
          `找不到 ${cmd}：请安装与数据库服务器同一主版本或更新的 PostgreSQL 客户端（如 apt-get install postgresql-client），并确保它在 PATH 中。`,
          `${cmd} not found: install the PostgreSQL client tools of the server's major version or newer (e.g. apt-get install postgresql-client) and put them on PATH.`,
        ));
      } else reject(e);
    });
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else {
        const detail = err.trim() || `exit code ${code}`;
        reject(new BackupError(`${cmd} 执行失败：${detail}`, `${cmd} failed: ${detail}`));
      }
    });
  });
}

async function pgToolVersion(cmd: string): Promise<string> {
  return (await runTool(cmd, ['--version'], process.env)).trim();
}

function pgSequelize(url: string): Sequelize {
  // one connection: a restore counts every other session of the database as someone else's
  return new Sequelize(url, { dialect: 'postgres', logging: false, pool: { max: 1, min: 0, idle: 1000 } });
}

function pgErrorCode(e: unknown): string | undefined {
  const x = e as { parent?: { code?: string }; original?: { code?: string }; code?: string };
  return x?.parent?.code ?? x?.original?.code ?? x?.code;
}

// ---- backup -----------------------------------------------------------------------------------------

export interface BackupOptions {
  /** where backup-<time>/ goes (default DATA_DIR/backups) */
  outDir?: string;
  /** after a successful backup, keep only the newest N backups in that directory */
  keep?: number;
  log?: Log;
}

export interface BackupResult {
  dir: string;
  manifest: Manifest;
  /** evidence files missing or damaged in DATA_DIR: the backup is complete, the data is not */
  warnings: string[];
  removed: string[];
}

interface DbSnapshot extends SnapshotFacts {
  createdAt: Date;
  artifact: string;
  method: string;
  engineVersion: string | null;
  tool: string | null;
}

async function snapshotSqlite(config: Config, dir: string): Promise<DbSnapshot> {
  const file = sqliteFile(config.databaseUrl);
  if (!file) throw new BackupError('内存数据库无法备份。', 'an in-memory database cannot be backed up.');
  if (!fs.existsSync(file)) throw new BackupError(`找不到数据库文件 ${file}。`, `database file not found: ${file}`);
  const dest = path.join(dir, SQLITE_ARTIFACT);
  const src = await Lite.open(file, sqlite3.OPEN_READWRITE);
  let createdAt: Date;
  let engineVersion: string;
  try {
    src.busyTimeout(15000);
    engineVersion = (await src.all<{ v: string }>('SELECT sqlite_version() AS v'))[0].v;
    createdAt = new Date();
    // one read transaction: a consistent copy while the app goes on writing (WAL)
    await src.run('VACUUM INTO ?', [dest]);
  } finally {
    await src.close();
  }
  fs.chmodSync(dest, 0o600);
  const snap = await Lite.open(dest, sqlite3.OPEN_READWRITE);
  try {
    // a self-contained file: no -wal/-shm beside it when it is opened later
    await snap.run('PRAGMA journal_mode = DELETE');
    const check = await snap.all<{ quick_check: string }>('PRAGMA quick_check');
    if (check.length !== 1 || check[0].quick_check !== 'ok') {
      throw new BackupError(
        `数据库快照未通过完整性检查：${check.map((r) => r.quick_check).join('; ')}`,
        `the database snapshot failed its integrity check: ${check.map((r) => r.quick_check).join('; ')}`,
      );
    }
    const facts = await sqliteFacts(snap);
    return { ...facts, createdAt, artifact: SQLITE_ARTIFACT, method: 'sqlite VACUUM INTO', engineVersion, tool: `sqlite ${engineVersion}` };
  } finally {
    await snap.close();
  }
}

async function snapshotPostgres(config: Config, dir: string): Promise<DbSnapshot> {
  const dest = path.join(dir, PG_ARTIFACT);
  const env = pgEnvironment(config.databaseUrl);
  const tool = await pgToolVersion('pg_dump');
  const seq = pgSequelize(config.databaseUrl);
  try {
    return await seq.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, async (t) => {
      // pg_dump reads the very snapshot this transaction holds, so the counts below describe the dump
      const [{ snapshot, server }] = await seq.query<{ snapshot: string; server: string }>(
        "SELECT pg_export_snapshot() AS snapshot, current_setting('server_version') AS server",
        { type: QueryTypes.SELECT, transaction: t },
      );
      const createdAt = new Date();
      const facts = await pgFacts(seq, t);
      if (!facts.tables.includes('schema_migrations')) {
        throw new BackupError('数据库中没有 schema_migrations 表：不是本系统的数据库。', 'the database has no schema_migrations table: it is not this application\'s database.');
      }
      await runTool('pg_dump', [
        '--format=custom', '--no-password', `--snapshot=${snapshot}`, `--exclude-schema=${PG_ASIDE_PREFIX}*`, `--file=${dest}`,
      ], env);
      return { ...facts, createdAt, artifact: PG_ARTIFACT, method: 'pg_dump --format=custom', engineVersion: `PostgreSQL ${server}`, tool };
    });
  } catch (e) {
    if (pgErrorCode(e) === '3D000') {
      throw new BackupError(`数据库不存在：${describeDatabase(config.databaseUrl)}`, `database does not exist: ${describeDatabase(config.databaseUrl)}`);
    }
    throw e;
  } finally {
    await seq.close();
  }
}

/** Takes a backup while the app keeps running; see the top of this file. */
export async function createBackup(config: Config, opts: BackupOptions = {}): Promise<BackupResult> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const dialect: Manifest['dialect'] = config.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const outDir = path.resolve(opts.outDir ?? path.join(config.dataDir, 'backups'));
  const file = sqliteFile(config.databaseUrl);
  if (dialect === 'sqlite' && file && !fs.existsSync(file)) throw new BackupError(`找不到数据库文件 ${file}。`, `database file not found: ${file}`);
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const stamp = stampOf(new Date(started));
  const tmp = path.join(outDir, `.backup-${stamp}.partial-${process.pid}-${crypto.randomBytes(3).toString('hex')}`);
  // the backup holds password hashes, tokens and (maybe) the signing key: owner only
  fs.mkdirSync(tmp, { mode: 0o700 });
  try {
    const snap = dialect === 'sqlite' ? await snapshotSqlite(config, tmp) : await snapshotPostgres(config, tmp);
    const artifacts: Record<string, ArtifactEntry> = {};
    artifacts[snap.artifact] = await hashFile(path.join(tmp, snap.artifact));

    // evidence files: those the snapshot refers to and any others present
    const srcDir = path.join(config.dataDir, 'files');
    const dstDir = path.join(tmp, 'files');
    fs.mkdirSync(dstDir, { mode: 0o700 });
    const referenced = new Set(snap.referenced);
    const present = fs.existsSync(srcDir) ? fs.readdirSync(srcDir) : [];
    const names = [...new Set([...snap.referenced, ...present])].sort();
    const files: Manifest['files'] = { count: 0, totalBytes: 0, referenced: referenced.size, missing: [], corrupt: [], skipped: [] };
    await eachLimited(names, 4, async (name) => {
      const src = path.join(srcDir, name);
      if (!SHA256_NAME.test(name)) {
        if (referenced.has(name)) files.missing.push(name);
        else files.skipped.push(`${name}: 文件名不是 SHA-256 / not named by its SHA-256`);
        return;
      }
      let st: fs.Stats;
      try {
        st = fs.statSync(src);
      } catch {
        if (referenced.has(name)) files.missing.push(name);
        return;
      }
      if (!st.isFile()) {
        files.skipped.push(`${name}: 不是普通文件 / not a regular file`);
        return;
      }
      const dst = path.join(dstDir, name);
      const got = await copyHashed(src, dst);
      if (got.sha256 !== name) {
        await fsp.rm(dst, { force: true });
        if (referenced.has(name)) files.corrupt.push(name);
        // not yet referenced: most likely an upload still being written
        else files.skipped.push(`${name}: 内容与文件名不符（可能正在上传）/ content does not match its name (an upload in progress?)`);
        return;
      }
      artifacts[`files/${name}`] = got;
      files.count++;
      files.totalBytes += got.bytes;
    });
    files.missing.sort();
    files.corrupt.sort();
    files.skipped.sort();

    // what makes restored exports verify and sessions survive
    const secrets: Manifest['secrets'] = { signingIdentity: false, sessionSecret: false, notes: [] };
    const signer = developmentIdentityPath(config.dataDir);
    if (config.signingP12) {
      secrets.notes.push(`导出文件用 SIGNING_P12（${config.signingP12}）签章，证书不在备份中，请另行妥善保管证书和口令。 / Exports are signed with SIGNING_P12 (${config.signingP12}), which is not in the backup: keep the certificate and its passphrase safe separately.`);
    }
    if (fs.existsSync(signer)) {
      fs.mkdirSync(path.join(tmp, 'signing'), { mode: 0o700 });
      artifacts[SIGNING_ARTIFACT] = await copyHashed(signer, path.join(tmp, SIGNING_ARTIFACT), 0o600);
      secrets.signingIdentity = true;
      secrets.notes.push('含开发签章身份（私钥）：备份须加密保存。 / Holds the generated development signing identity (a private key): keep the backup encrypted.');
    } else if (!config.signingP12) {
      secrets.notes.push('DATA_DIR 中还没有生成的签章身份。 / No generated signing identity in DATA_DIR yet.');
    }
    const sessionFile = path.join(config.dataDir, 'session-secret');
    if (config.sessionSecret) {
      secrets.notes.push('SESSION_SECRET 由环境变量提供，不在备份中。 / SESSION_SECRET comes from the environment and is not in the backup.');
    } else if (fs.existsSync(sessionFile)) {
      artifacts[SESSION_ARTIFACT] = await copyHashed(sessionFile, path.join(tmp, SESSION_ARTIFACT), 0o600);
      secrets.sessionSecret = true;
    }

    const sorted: Record<string, ArtifactEntry> = {};
    for (const k of Object.keys(artifacts).sort()) sorted[k] = artifacts[k];
    const manifest: Manifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      createdAt: snap.createdAt.toISOString(),
      dialect,
      app: appInfo(),
      source: { database: describeDatabase(config.databaseUrl), dataDir: config.dataDir, host: os.hostname() },
      database: { artifact: snap.artifact, method: snap.method, engineVersion: snap.engineVersion, tool: snap.tool },
      migrations: snap.migrations,
      rowCounts: snap.rowCounts,
      files,
      secrets,
      durationMs: Date.now() - started,
      artifacts: sorted,
    };
    const manifestPath = path.join(tmp, MANIFEST);
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    await fsyncPath(manifestPath);
    for (const d of [dstDir, tmp]) await fsyncPath(d);
    if (fs.existsSync(path.join(tmp, 'signing'))) await fsyncPath(path.join(tmp, 'signing'));

    // complete: give it its name
    let final = path.join(outDir, `backup-${stamp}`);
    for (let n = 2; ; n++) {
      try {
        if (fs.existsSync(final)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
        fs.renameSync(tmp, final);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'EEXIST' && code !== 'ENOTEMPTY') || n > 100) throw e;
        final = path.join(outDir, `backup-${stamp}-${n}`);
      }
    }
    await fsyncPath(outDir);

    const warnings: string[] = [];
    if (files.missing.length) {
      warnings.push(`警告：${files.missing.length} 个被引用的证据文件在 ${srcDir} 中缺失 / WARNING: ${files.missing.length} referenced evidence file(s) are missing from ${srcDir}: ${files.missing.join(', ')}`);
    }
    if (files.corrupt.length) {
      warnings.push(`警告：${files.corrupt.length} 个证据文件内容与其 SHA-256 不符，未备份 / WARNING: ${files.corrupt.length} evidence file(s) no longer match their SHA-256 and were not backed up: ${files.corrupt.join(', ')}`);
    }
    const removed = opts.keep ? pruneBackups(outDir, opts.keep, final) : [];
    for (const r of removed) log(`已删除旧备份 / removed old backup ${r}`);
    return { dir: final, manifest, warnings, removed };
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Complete backups (backup-<time>/ with a manifest) in dir, newest first. */
export function listBackups(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => BACKUP_DIR_NAME.test(n) && fs.existsSync(path.join(dir, n, MANIFEST)))
    .sort((a, b) => {
      const [sa, na] = a.slice('backup-'.length).split('-');
      const [sb, nb] = b.slice('backup-'.length).split('-');
      return sa === sb ? Number(nb ?? 1) - Number(na ?? 1) : sa < sb ? 1 : -1;
    })
    .map((n) => path.join(dir, n));
}

/** Removes all but the newest `keep` complete backups of dir (never `current`). */
function pruneBackups(dir: string, keep: number, current: string): string[] {
  const removed: string[] = [];
  for (const b of listBackups(dir).slice(keep)) {
    if (path.resolve(b) === path.resolve(current)) continue;
    fs.rmSync(b, { recursive: true, force: true });
    removed.push(b);
  }
  return removed;
}

/** The summary line of a finished backup. */
export function backupSummary(r: BackupResult): string {
  const m = r.manifest;
  const rows = Object.values(m.rowCounts).reduce((a, b) => a + b, 0);
  const total = Object.values(m.artifacts).reduce((a, b) => a + b.bytes, 0);
  return (
    `备份完成 / backup complete: ${r.dir} (${m.dialect}, ${m.migrations.length} migrations, ${rows} rows in ${Object.keys(m.rowCounts).length} tables, ` +
    `${m.files.count} files ${humanBytes(m.files.totalBytes)}, ${humanBytes(total)} in all, snapshot ${m.createdAt}, ${(m.durationMs / 1000).toFixed(1)} s)`
  );
}

// ---- verify -----------------------------------------------------------------------------------------

/**
 * Checks a backup directory against its manifest: every artifact present with its size and
 * SHA-256. Throws a BackupError naming the first bad file; returns the manifest.
 */
export async function verifyBackup(dir: string): Promise<Manifest> {
  const root = path.resolve(dir);
  const manifestPath = path.join(root, MANIFEST);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new BackupError(`备份目录不存在：${root}`, `backup directory not found: ${root}`);
  }
  if (!fs.existsSync(manifestPath)) {
    throw new BackupError(
      `${root} 中没有 manifest.json：不是完整的备份（可能是中断的备份）。`,
      `${root} has no manifest.json: not a complete backup (an interrupted one?).`,
    );
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch (e) {
    throw new BackupError(`备份已损坏：manifest.json 无法解析（${(e as Error).message}）`, `damaged backup: manifest.json cannot be parsed (${(e as Error).message})`);
  }
  if (manifest?.format !== FORMAT || typeof manifest.artifacts !== 'object' || !manifest.artifacts || !['sqlite', 'postgres'].includes(manifest.dialect)) {
    throw new BackupError('manifest.json 不是本系统的备份清单。', 'manifest.json is not a backup manifest of this application.');
  }
  if (manifest.formatVersion !== FORMAT_VERSION) {
    throw new BackupError(`不支持的备份格式版本 ${manifest.formatVersion}。`, `unsupported backup format version ${manifest.formatVersion}.`);
  }
  const dbArtifact = manifest.dialect === 'sqlite' ? SQLITE_ARTIFACT : PG_ARTIFACT;
  if (!manifest.artifacts[dbArtifact]) {
    throw new BackupError(`备份已损坏：清单中没有 ${dbArtifact}。`, `damaged backup: the manifest does not list ${dbArtifact}.`);
  }
  for (const [name, want] of Object.entries(manifest.artifacts)) {
    if (!SAFE_ARTIFACT.test(name)) {
      throw new BackupError(`备份清单列出了不允许的文件名：${name}`, `the manifest lists a file name that is not allowed: ${name}`);
    }
    const file = path.join(root, name);
    if (!fs.existsSync(file)) throw new BackupError(`备份已损坏：缺少文件 ${name}（${file}）`, `damaged backup: file ${name} is missing (${file})`);
    const got = await hashFile(file);
    if (got.bytes !== want.bytes || got.sha256 !== want.sha256) {
      throw new BackupError(
        `备份已损坏：文件 ${name} 与清单不符（${file}：${got.bytes} 字节，SHA-256 ${got.sha256}；清单：${want.bytes} 字节，${want.sha256}）`,
        `damaged backup: file ${name} does not match the manifest (${file}: ${got.bytes} bytes, SHA-256 ${got.sha256}; manifest: ${want.bytes} bytes, ${want.sha256})`,
      );
    }
  }
  return manifest;
}

// ---- restore ----------------------------------------------------------------------------------------

export interface RestoreOptions {
  from: string;
  /** replace a target database that holds data (users, vendors or contracts) */
  force?: boolean;
  log?: Log;
}

export interface RestoreResult {
  manifest: Manifest;
  /** where the replaced database was kept, null when there was none or it was empty */
  previous: string | null;
  files: { restored: number; present: number; repaired: number };
  migrationsApplied: string[];
}

/** Names of every migration this version of the app knows. */
async function knownMigrations(): Promise<string[]> {
  const mem = openDatabase('sqlite::memory:');
  try {
    return await pendingMigrations(mem);
  } finally {
    await mem.close();
  }
}

interface Occupancy {
  users: number;
  vendors: number;
  contracts: number;
}
const hasData = (o: Occupancy) => o.users + o.vendors + o.contracts > 0;

function refuseNonEmpty(o: Occupancy, where: string): never {
  throw new BackupError(
    `目标数据库 ${where} 不是空的（已有 ${o.users} 个用户、${o.vendors} 个服务商、${o.contracts} 份合同）：确认要用备份替换它时加 --force（原数据库会被保留在一旁）。`,
    `the target database ${where} is not empty (${o.users} users, ${o.vendors} vendors, ${o.contracts} contracts): add --force to replace it with the backup (the replaced database is kept aside).`,
  );
}

/**
 * Opens the SQLite file with an exclusive lock, which fails while any other connection (a
 * running app) has the database open in WAL mode; returns what it holds. Closing the probe
 * checkpoints the WAL into the file, so the file alone is the whole old database.
 */
async function probeSqlite(file: string): Promise<Occupancy> {
  const db = await Lite.open(file, sqlite3.OPEN_READWRITE);
  try {
    db.busyTimeout(1000);
    await db.run('PRAGMA locking_mode = EXCLUSIVE');
    try {
      // the first read in exclusive locking mode takes (and keeps) an exclusive lock on the file
      await db.all('SELECT COUNT(*) AS n FROM sqlite_master');
      await db.run('BEGIN EXCLUSIVE');
      await db.run('COMMIT');
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_BUSY') {
        throw new BackupError(
          `数据库 ${file} 正在被其他进程使用：请先停止应用（所有实例），再恢复。`,
          `the database ${file} is in use by another process: stop the app (every instance) before restoring.`,
        );
      }
      throw e;
    }
    const tables = new Set((await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name));
    const count = async (t: string) => (tables.has(t) ? Number((await db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0].n) : 0);
    return { users: await count('users'), vendors: await count('vendors'), contracts: await count('contracts') };
  } finally {
    await db.close();
  }
}

function compareCounts(want: Record<string, number>, got: Record<string, number>, where: string): void {
  const bad = Object.entries(want).filter(([t, n]) => got[t] !== n);
  if (bad.length) {
    const list = bad.map(([t, n]) => `${t}: ${got[t] ?? 'missing'} ≠ ${n}`).join(', ');
    throw new BackupError(`${where} 的行数与备份清单不符：${list}`, `the row counts of ${where} do not match the manifest: ${list}`);
  }
}

async function restoreSqlite(config: Config, dir: string, manifest: Manifest, force: boolean, stamp: string, log: Log, beforeSwap: () => Promise<void>): Promise<string | null> {
  const file = sqliteFile(config.databaseUrl);
  if (!file) throw new BackupError('无法恢复到内存数据库。', 'cannot restore into an in-memory database.');
  const where = describeDatabase(config.databaseUrl);
  const check = async () => {
    if (!fs.existsSync(file)) return null;
    const o = await probeSqlite(file);
    if (hasData(o) && !force) refuseNonEmpty(o, where);
    return o;
  };
  await check();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.restore-${process.pid}.tmp`;
  await fsp.rm(tmp, { force: true });
  try {
    const got = await copyHashed(path.join(dir, SQLITE_ARTIFACT), tmp, 0o600);
    if (got.sha256 !== manifest.artifacts[SQLITE_ARTIFACT].sha256) {
      throw new BackupError(`复制的数据库与备份不符：${tmp}`, `the copied database does not match the backup: ${tmp}`);
    }
    const copy = await Lite.open(tmp, sqlite3.OPEN_READONLY);
    try {
      compareCounts(manifest.rowCounts, (await sqliteFacts(copy)).rowCounts, tmp);
    } finally {
      await copy.close();
    }
    await beforeSwap();
    // again, right before the swap: nothing may have opened it meanwhile
    const occupancy = await check();
    let previous: string | null = null;
    if (occupancy) {
      if (hasData(occupancy)) {
        previous = `${file}.before-restore-${stamp}`;
        fs.renameSync(file, previous);
      } else fs.rmSync(file);
    }
    for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
    fs.renameSync(tmp, file);
    await fsyncPath(path.dirname(file));
    log(`数据库 / database: ${where} ← ${SQLITE_ARTIFACT} (${humanBytes(got.bytes)}; 行数与清单一致 / row counts match the manifest)`);
    return previous;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

async function pgOccupancy(seq: Sequelize): Promise<{ tables: string[]; occupancy: Occupancy }> {
  const tables = (await seq.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'", { type: QueryTypes.SELECT })).map((r) => r.name);
  const count = async (t: string) =>
    tables.includes(t) ? Number((await seq.query<{ n: string }>(`SELECT COUNT(*) AS n FROM public.${t}`, { type: QueryTypes.SELECT }))[0].n) : 0;
  return { tables, occupancy: { users: await count('users'), vendors: await count('vendors'), contracts: await count('contracts') } };
}

/** Moves every relation of schema `from` into schema `to` (tables carry their indexes, constraints and sequences). */
async function pgMoveRelations(seq: Sequelize, t: Transaction, from: string, to: string): Promise<void> {
  const rels = await seq.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = :from AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
      ORDER BY c.relkind, c.relname`,
    { type: QueryTypes.SELECT, transaction: t, replacements: { from } },
  );
  const verb: Record<string, string> = { r: 'TABLE', p: 'TABLE', v: 'VIEW', m: 'MATERIALIZED VIEW', S: 'SEQUENCE', f: 'FOREIGN TABLE' };
  for (const r of rels) await seq.query(`ALTER ${verb[r.kind]} ${quoteIdent(from)}.${quoteIdent(r.name)} SET SCHEMA ${quoteIdent(to)}`, { transaction: t });
}

async function restorePostgres(config: Config, dir: string, manifest: Manifest, force: boolean, stamp: string, log: Log, beforeSwap: () => Promise<void>): Promise<string | null> {
  const where = describeDatabase(config.databaseUrl);
  const env = pgEnvironment(config.databaseUrl);
  const dbName = env.PGDATABASE;
  if (!dbName) throw new BackupError('DATABASE_URL 中没有数据库名。', 'DATABASE_URL names no database.');
  await pgToolVersion('pg_restore');
  const seq = pgSequelize(config.databaseUrl);
  try {
    const check = async () => {
      let others: { pid: number; app: string; addr: string | null; since: Date }[];
      try {
        others = await seq.query(
          `SELECT pid, application_name AS app, client_addr::text AS addr, backend_start AS since FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
          { type: QueryTypes.SELECT },
        );
      } catch (e) {
        if (pgErrorCode(e) === '3D000') {
          throw new BackupError(`目标数据库不存在：${where}（请先创建，如 createdb）`, `the target database does not exist: ${where} (create it first, e.g. createdb)`);
        }
        throw e;
      }
      if (others.length) {
        const list = others.map((o) => `pid ${o.pid}${o.app ? ` ${o.app}` : ''}${o.addr ? ` from ${o.addr}` : ''}`).join('; ');
        throw new BackupError(
          `目标数据库 ${where} 还有其他连接（${list}）：请先停止应用（所有实例）和其他客户端，再恢复。`,
          `the target database ${where} has other sessions (${list}): stop the app (every instance) and other clients before restoring.`,
        );
      }
      const o = await pgOccupancy(seq);
      if (hasData(o.occupancy) && !force) refuseNonEmpty(o.occupancy, where);
      return o;
    };
    await check();
    await beforeSwap();
    const { tables, occupancy } = await check();

    // Move whatever is in schema public aside (one transaction), restore into the empty schema
    // (pg_restore in one transaction), put the old tables back if that fails.
    const aside = `${PG_ASIDE_PREFIX}${stamp.toLowerCase()}`;
    if (tables.length) {
      await seq.transaction(async (t) => {
        await seq.query(`CREATE SCHEMA ${quoteIdent(aside)}`, { transaction: t });
        await pgMoveRelations(seq, t, 'public', aside);
      });
    }
    try {
      // --dbname is only the name, as a quoted conninfo (never the URL with its password; the
      // rest comes from the PG* variables); without it pg_restore would print SQL instead
      await runTool('pg_restore', [
        '--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', '--no-password',
        `--dbname=dbname='${dbName.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`, path.join(dir, PG_ARTIFACT),
      ], env);
      const facts = await pgFacts(seq);
      compareCounts(manifest.rowCounts, facts.rowCounts, where);
    } catch (e) {
      // pg_restore rolled itself back; whatever is in public now is not the backup: drop it
      // and put the previous tables back, in one transaction
      const failed = `${aside}_failed`;
      await seq.transaction(async (t) => {
        await seq.query(`CREATE SCHEMA ${quoteIdent(failed)}`, { transaction: t });
        await pgMoveRelations(seq, t, 'public', failed);
        await seq.query(`DROP SCHEMA ${quoteIdent(failed)} CASCADE`, { transaction: t });
        if (tables.length) {
          await pgMoveRelations(seq, t, aside, 'public');
          await seq.query(`DROP SCHEMA ${quoteIdent(aside)}`, { transaction: t });
        }
      });
      if (tables.length) log('恢复失败，原数据库内容已放回 / the restore failed; the previous contents were put back into schema public');
      throw e;
    }
    log(`数据库 / database: ${where} ← ${PG_ARTIFACT} (pg_restore; 行数与清单一致 / row counts match the manifest)`);
    if (!tables.length) return null;
    if (!hasData(occupancy)) {
      await seq.query(`DROP SCHEMA ${quoteIdent(aside)} CASCADE`);
      return null;
    }
    return `schema ${aside}`;
  } finally {
    await seq.close();
  }
}

/** Restores a verified backup into the configured database and DATA_DIR; see the top of this file. */
export async function restoreBackup(config: Config, opts: RestoreOptions): Promise<RestoreResult> {
  const log = opts.log ?? (() => undefined);
  const dir = path.resolve(opts.from);
  const manifest = await verifyBackup(dir);
  log(`已校验备份 / verified ${dir}: ${Object.keys(manifest.artifacts).length} files match the manifest (snapshot ${manifest.createdAt}, app ${manifest.app?.version}, ${manifest.dialect})`);
  const dialect: Manifest['dialect'] = config.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  if (manifest.dialect !== dialect) {
    throw new BackupError(
      `备份是 ${manifest.dialect} 数据库的，而 DATABASE_URL 指向 ${dialect}：只能恢复到同类数据库。`,
      `the backup is of a ${manifest.dialect} database but DATABASE_URL is ${dialect}: restore into the same kind of database.`,
    );
  }
  const known = new Set(await knownMigrations());
  const unknown = (manifest.migrations ?? []).filter((m) => !known.has(m));
  if (unknown.length) {
    throw new BackupError(
      `备份来自更新的版本（本版本不认识迁移 ${unknown.join(', ')}）：请先升级应用再恢复。`,
      `the backup is from a newer version of the app (unknown migrations ${unknown.join(', ')}): upgrade the app first.`,
    );
  }
  const stamp = stampOf(new Date());
  const files = { restored: 0, present: 0, repaired: 0 };
  // the files go first (they only add content-addressed files), once the target has been checked
  const restoreFiles = async () => {
    const target = path.join(config.dataDir, 'files');
    fs.mkdirSync(target, { recursive: true });
    const names = Object.keys(manifest.artifacts).filter((n) => n.startsWith('files/'));
    await eachLimited(names, 4, async (name) => {
      const want = manifest.artifacts[name];
      const dst = path.join(target, name.slice('files/'.length));
      if (fs.existsSync(dst)) {
        if (fs.statSync(dst).size === want.bytes) {
          files.present++;
          return;
        }
        files.repaired++;
      } else files.restored++;
      const tmp = `${dst}.restore-${process.pid}.tmp`;
      await fsp.rm(tmp, { force: true });
      const got = await copyHashed(path.join(dir, name), tmp);
      if (got.sha256 !== want.sha256) {
        await fsp.rm(tmp, { force: true });
        throw new BackupError(`复制文件 ${name} 时内容不符`, `file ${name} changed while being copied`);
      }
      fs.renameSync(tmp, dst);
    });
    log(`证据文件 / evidence files → ${target}: ${files.restored} restored, ${files.present} already present${files.repaired ? `, ${files.repaired} damaged ones replaced` : ''}`);
  };
  const previous = dialect === 'sqlite'
    ? await restoreSqlite(config, dir, manifest, !!opts.force, stamp, log, restoreFiles)
    : await restorePostgres(config, dir, manifest, !!opts.force, stamp, log, restoreFiles);
  if (previous) {
    log(`原数据库已保留 / the replaced database is kept as ${previous}${dialect === 'postgres' ? ` (DROP SCHEMA ${previous.slice('schema '.length)} CASCADE once no longer needed)` : ' (delete it once no longer needed)'}`);
  }

  // the signing identity and the session secret, when the target has none of its own
  const secret = (artifact: string, target: string, what: string) => {
    if (!manifest.artifacts[artifact]) return;
    if (!fs.existsSync(target)) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(dir, artifact), target);
      fs.chmodSync(target, 0o600);
      log(`${what}: restored → ${target}`);
    } else if (crypto.createHash('sha256').update(fs.readFileSync(target)).digest('hex') === manifest.artifacts[artifact].sha256) {
      log(`${what}: already the same in ${target}`);
    } else {
      log(`${what}: 目标已有不同的文件，保留目标的 / the target has a different one, kept: ${target} (the backup's is ${path.join(dir, artifact)})`);
    }
  };
  if (config.signingP12) log(`签章身份 / signing identity: SIGNING_P12 is configured (${config.signingP12}); the backup's generated one is not used`);
  else secret(SIGNING_ARTIFACT, developmentIdentityPath(config.dataDir), '签章身份 / signing identity');
  if (config.sessionSecret) log('会话密钥 / session secret: SESSION_SECRET is set in the environment');
  else secret(SESSION_ARTIFACT, path.join(config.dataDir, 'session-secret'), '会话密钥 / session secret');

  // forward to this version's schema; a new data-version epoch, so nothing cached for the
  // database as it was before matches the restored one
  const db = openDatabase(config.databaseUrl);
  let migrationsApplied: string[];
  try {
    migrationsApplied = await db.migrate();
    await db.sequelize.query('UPDATE data_version SET epoch = :epoch WHERE id = 1', { replacements: { epoch: crypto.randomBytes(8).toString('hex') } });
  } finally {
    await db.close();
  }
  log(migrationsApplied.length
    ? `迁移 / migrations applied: ${migrationsApplied.join(', ')}`
    : `迁移 / migrations: up to date (${manifest.migrations.length})`);
  const lost = [...(manifest.files?.missing ?? []), ...(manifest.files?.corrupt ?? [])];
  if (lost.length) {
    log(`警告：备份时已有 ${lost.length} 个被引用的证据文件缺失或损坏，无法恢复 / WARNING: ${lost.length} referenced evidence file(s) were already missing or damaged when the backup was taken and cannot be restored: ${lost.join(', ')}`);
  }
  const rows = Object.values(manifest.rowCounts).reduce((a, b) => a + b, 0);
  log(`恢复完成 / restore complete: ${rows} rows in ${Object.keys(manifest.rowCounts).length} tables, ${manifest.files.count} evidence files, snapshot of ${manifest.createdAt}`);
  return { manifest, previous, files, migrationsApplied };
}
