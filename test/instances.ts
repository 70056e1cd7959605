// Real app processes for the multi-instance and crash tests and the cluster bench: each one is
// `node --import tsx server/index.ts` (one process, so SIGKILL really kills the server and not
// only a wrapper), configured by environment variables only, as in production.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes, Sequelize } from 'sequelize';

export const ROOT = path.resolve(__dirname, '..');

export interface Instance {
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** everything the process wrote so far (stdout and stderr) */
  output(): string;
  /** SIGTERM, then wait for the exit (SIGKILL after `ms`) */
  stop(ms?: number): Promise<number | null>;
  /** SIGKILL: no shutdown handler, no flush, no rollback by the app */
  kill(): Promise<void>;
  exited: boolean;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Environment shared by the instances of one test: a temporary DATA_DIR (signing identity, files), one session secret. */
export function clusterEnv(databaseUrl: string | null, extra: Record<string, string> = {}): Record<string, string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-cluster-'));
  return {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? '',
    DEMO_DATA: 'off',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'cluster-admin-password',
    SESSION_SECRET: 's'.repeat(20) + 'cluster-secret-0123456789abcdef',
    LOGIN_MAX_FAILURES: '1000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...extra,
  };
}

/**
 * Starts one app process and resolves once it logged `listening`. PORT=0 lets the system pick
 * a port and the `listening` line says which; if the configuration refuses PORT=0, a free port
 * is picked here instead.
 */
export async function startInstance(
  name: string,
  env: Record<string, string>,
  opts: {
    timeoutMs?: number;
    port?: number;
    /** write stdout and stderr to this file instead of a pipe (no reading cost for this process) */
    logFile?: string;
    /** extra node options (e.g. --cpu-prof) */
    nodeArgs?: string[];
  } = {},
): Promise<Instance> {
  const tryStart = (port: number) =>
    new Promise<Instance>((resolve, reject) => {
      const logFd = opts.logFile ? fs.openSync(opts.logFile, 'a') : null;
      const startAt = opts.logFile && fs.existsSync(opts.logFile) ? fs.statSync(opts.logFile).size : 0;
      const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'server/index.ts'], {
        cwd: ROOT,
        env: { ...process.env, TEST_DATABASE_URL: '', ...env, PORT: String(port) },
        stdio: logFd === null ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
      });
      if (logFd !== null) fs.closeSync(logFd);
      let out = '';
      let keep = true;
      const onData = (d: Buffer) => {
        // keep the start-up output (and errors) but not an access line per request forever
        if (keep || out.length < 2_000_000) out += d.toString();
      };
      let poll: NodeJS.Timeout | undefined;
      if (opts.logFile) {
        const file = opts.logFile;
        // read the log file until the server listens (then output() reads it on demand)
        poll = setInterval(() => {
          const text = fs.readFileSync(file, 'utf8').slice(startAt);
          if (text.length > out.length) {
            out = text;
            if (!inst.port) scan();
          }
        }, 100);
      } else {
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
      }
      let exited = false;
      const exit = new Promise<number | null>((res) => child.once('exit', (code) => {
        clearInterval(poll);
        exited = true;
        inst.exited = true;
        res(code);
      }));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start within ${opts.timeoutMs ?? 60000} ms:\n${out.slice(-4000)}`));
      }, opts.timeoutMs ?? 60000);
      const inst: Instance = {
        name,
        child,
        pid: child.pid as number,
        port: 0,
        url: '',
        output: () => (opts.logFile ? fs.readFileSync(opts.logFile, 'utf8').slice(startAt) : out),
        exited: false,
        stop: async (ms = 10000) => {
          if (exited) return child.exitCode;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), ms);
          const code = await exit;
          clearTimeout(t);
          return code;
        },
        kill: async () => {
          if (exited) return;
          child.kill('SIGKILL');
          await exit;
        },
      };
      const scan = () => {
        for (const line of out.split('\n')) {
          if (!line.includes('"msg":"listening"')) continue;
          try {
            const j = JSON.parse(line) as { port?: number; url?: string };
            const p = j.port ?? Number(/:(\d+)\/?$/.exec(j.url ?? '')?.[1]);
            if (!p) continue;
            clearTimeout(timer);
            clearInterval(poll);
            keep = false;
            inst.port = p;
            inst.url = `http://127.0.0.1:${p}`;
            resolve(inst);
            return true;
          } catch {
            // a partial line: wait for the rest
          }
        }
        return false;
      };
      child.stdout?.on('data', () => {
        if (!inst.port) scan();
      });
      void exit.then((code) => {
        clearTimeout(timer);
        if (!inst.port) reject(Object.assign(new Error(`${name} exited with ${code} before listening:\n${inst.output().slice(-4000)}`), { code, output: inst.output() }));
      });
    });
  if (opts.port !== undefined) return tryStart(opts.port);
  try {
    return await tryStart(0);
  } catch (e) {
    // a configuration that does not take PORT=0 stops with exit code 2 naming PORT
    if ((e as { code?: number }).code === 2 && /PORT/.test((e as { output?: string }).output ?? '')) return tryStart(await freePort());
    throw e;
  }
}

/** Drops and recreates the public schema of a PostgreSQL database (its own: never `test` from the bench). */
export async function resetPostgres(url: string): Promise<void> {
  const s = new Sequelize(url, { logging: false });
  try {
    await s.query('DROP SCHEMA IF EXISTS public CASCADE');
    await s.query('CREATE SCHEMA public');
  } finally {
    await s.close();
  }
}

// ---- tiny HTTP client (fetch) -------------------------------------------------------------

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

export async function call(base: string, method: string, p: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) body = opts.body;
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(`${base}${p}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed, text };
}

export async function token(base: string, username: string, password: string): Promise<string> {
  const r = await call(base, 'POST', '/api/v1/auth/token', { body: { username, password } });
  if (r.status !== 200) throw new Error(`token for ${username}: ${r.status} ${r.text}`);
  return r.body.token as string;
}

// ---- database fingerprint (crash test) ---------------------------------------------------

export interface Fingerprint {
  /** table → row count */
  counts: Record<string, number>;
  /** table → SHA-256 over every row (ordered by primary key / all columns), excluded columns left out */
  hashes: Record<string, string>;
}

/**
 * Row counts and a hash of every table's rows, read through a separate connection. `exclude`
 * names whole tables or `table.column`s left out (state that legitimately records an attempt).
 */
export async function fingerprint(url: string, exclude: string[] = []): Promise<Fingerprint> {
  const crypto = await import('node:crypto');
  const s = url.startsWith('sqlite:')
    ? new Sequelize({ dialect: 'sqlite', storage: url.slice('sqlite:'.length), logging: false })
    : new Sequelize(url, { logging: false });
  try {
    const pg = s.getDialect() === 'postgres';
    const tables = pg
      ? (await s.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1", { type: QueryTypes.SELECT })).map((r) => r.name)
      : (await s.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1", { type: QueryTypes.SELECT })).map((r) => r.name);
    const counts: Record<string, number> = {};
    const hashes: Record<string, string> = {};
    for (const table of tables) {
      if (exclude.includes(table)) continue;
      const cols = pg
        ? (await s.query<{ name: string }>('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = \'public\' AND table_name = :t ORDER BY ordinal_position', { type: QueryTypes.SELECT, replacements: { t: table } })).map((r) => r.name)
        : (await s.query<{ name: string }>(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`, { type: QueryTypes.SELECT })).map((r) => r.name);
      const kept = cols.filter((c) => !exclude.includes(`${table}.${c}`));
      const q = (c: string) => `"${c}"`;
      const order = cols.includes('id') ? '"id"' : kept.map(q).join(', ');
      const h = crypto.createHash('sha256');
      let n = 0;
      // page through big tables
      const PAGE = 20000;
      for (let offset = 0; ; offset += PAGE) {
        const rows = await s.query<Record<string, unknown>>(`SELECT ${kept.map(q).join(', ')} FROM "${table}" ORDER BY ${order} LIMIT ${PAGE} OFFSET ${offset}`, { type: QueryTypes.SELECT });
        for (const r of rows) h.update(JSON.stringify(kept.map((c) => normal(r[c]))) + '\n');
        n += rows.length;
        if (rows.length < PAGE) break;
      }
      counts[table] = n;
      hashes[table] = h.digest('hex');
    }
    return { counts, hashes };
  } finally {
    await s.close();
  }
}

function normal(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (typeof v === 'bigint') return v.toString();
  return v;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
