// Benchmark: the dashboard and the scorecard page under 50 concurrent signed-in users (each
// connection its own session) on the demo dataset, beside a static file served by the same
// process in the same run. Target: p99 under 200 ms on SQLite. Prints its figures; not a test.
//
//   npx tsx bench/pages.bench.ts                      # SQLite (temporary file)
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/pages.bench.ts
//                                                     # (drops and recreates that database's public schema)
//   BENCH_SECONDS=20 BENCH_CONNECTIONS=50             # duration per target, concurrent users
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { closeApp, createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db';
import { DEMO_USERS, seedDemo } from '../server/demo';

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);

async function signIn(base: string, username: string, password: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  const jar = (page.headers.get('set-cookie') ?? '').split(';')[0];
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar },
    body: new URLSearchParams({ _csrf: token, username, password, next: '/' }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in of ${username} failed: ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

function run(url: string, cookies: string[], duration = SECONDS): Promise<autocannon.Result> {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration,
        // each connection keeps one user's session cookie
        requests: [
          {
            setupRequest: (req: autocannon.Request, context: Record<string, unknown>) => {
              if (!context.cookie) context.cookie = cookies[next++ % cookies.length];
              return { ...req, headers: { ...(req.headers ?? {}), cookie: context.cookie as string } };
            },
          },
        ],
        initialContext: {},
      } as autocannon.Options,
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

/** The server process: seeds the demo data, listens, reports its port and the demo contract. */
async function serve() {
  // tsx maps stack traces to the TypeScript sources; the built server (npm start) does not
  process.setSourceMapsEnabled(false);
  const url = process.env.BENCH_DATABASE_URL || `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-bench-')), 'bench.sqlite')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-bench-data-'));
  const db = openDatabase(url);
  if (db.dialect === 'postgres') {
    await db.sequelize.query('DROP SCHEMA IF EXISTS public CASCADE');
    await db.sequelize.query('CREATE SCHEMA public');
  }
  await db.migrate();
  // production settings: compiled view cache, full-strength password hashing
  const config = { ...loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, SESSION_SECRET: 'b'.repeat(64), LOGIN_MAX_FAILURES: '1000' }), databaseUrl: url };
  const t0 = Date.now();
  const summary = await seedDemo({ db, config });
  const seconds = (Date.now() - t0) / 1000;
  const app = createApp(db, config);
  const server = app.listen(0, () => {
    process.send!({ port: (server.address() as AddressInfo).port, contractId: summary.contracts[0].id, dialect: db.dialect, seconds, contracts: summary.contracts.length });
  });
  process.on('message', async () => {
    await new Promise((ok) => server.close(ok));
    closeApp(app);
    await db.close();
    process.exit(0);
  });
}

/** The load generator: its own process, so it does not take the server's CPU. */
async function main() {
  const child = fork(__filename, [], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [])], env: { ...process.env, BENCH_ROLE: 'server' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const info = await new Promise<{ port: number; contractId: number; dialect: string; seconds: number; contracts: number }>((ok, ko) => {
    child.once('message', (m) => ok(m as never));
    child.once('exit', (code) => ko(new Error(`server exited with ${code}`)));
  });
  console.log(`demo data (${info.dialect}): ${info.contracts} contracts, seeded in ${info.seconds.toFixed(1)} s`);
  const base = `http://127.0.0.1:${info.port}`;
  const manager = DEMO_USERS.find((u) => u.role === 'manager')!;
  const cookies: string[] = [];
  for (let i = 0; i < CONNECTIONS; i++) cookies.push(await signIn(base, manager.username, manager.password));
  const scorecardUrl = `${base}/contracts/${info.contractId}/periods/1`;
  // the pages answer 200 for these sessions (a redirect to /login would make the figures meaningless)
  for (const u of [`${base}/`, scorecardUrl]) {
    const r = await fetch(u, { headers: { cookie: cookies[0] }, redirect: 'manual' });
    if (r.status !== 200) throw new Error(`${u} answered ${r.status}`);
  }

  console.log(`${CONNECTIONS} concurrent signed-in users (${manager.username}), ${SECONDS} s per target, ${info.dialect}, load from a separate process`);
  console.log('target                           req/s    p50 ms   p99 ms   errors  non-2xx');
  const rows: [string, string][] = [
    ['static file (baseline)', `${base}/assets/app.css`],
    ['dashboard /', `${base}/`],
    [`scorecard page (contract ${info.contractId} P1)`, scorecardUrl],
  ];
  const results: Record<string, autocannon.Result> = {};
  for (const [name, u] of rows) {
    await run(u, cookies, 2); // warm-up: compiled views, caches, JIT
    const r = await run(u, cookies);
    results[name] = r;
    console.log(
      `${name.padEnd(32)} ${r.requests.average.toFixed(0).padStart(6)} ${String(r.latency.p50).padStart(9)} ${String(r.latency.p99).padStart(8)} ${String(r.errors).padStart(8)} ${String(r.non2xx).padStart(8)}`,
    );
  }
  const baseline = results['static file (baseline)'];
  for (const [name] of rows.slice(1)) {
    const r = results[name];
    console.log(
      `${name}: p99 ${r.latency.p99} ms (target < 200 ms: ${r.latency.p99 < 200 ? 'met' : 'NOT met'}); ` +
        `${(r.latency.p99 / (baseline.latency.p99 || 1)).toFixed(1)}× the static file's p99, ${((r.requests.average / baseline.requests.average) * 100).toFixed(1)}% of its throughput`,
    );
  }
  child.send('stop');
  await new Promise((ok) => child.once('exit', ok));
}

(process.env.BENCH_ROLE === 'server' ? serve() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
