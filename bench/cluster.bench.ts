// Benchmark: two app instances on one PostgreSQL database under a mixed load, beside the same
// load against one instance. Prints throughput, p50/p99 latency and errors per kind of request
// and overall. Target: zero errors, p99 under 300 ms. Not a test.
//
//   npx tsx bench/cluster.bench.ts                 # 60 s of mixed load per configuration
//   npx tsx bench/cluster.bench.ts --seconds 20
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_multi   (the default; its public
//                                                   schema is dropped and recreated for each configuration)
//   --rate 50             offered load in requests per second (60% scorecards, 30% payments, 10% ledger
//                         writes), an open loop: Poisson arrivals, round-robin per request over the instances
//   --import-rows 30000   tickets in the one import made during the run
//   --capacity-seconds 15 then the same mix as fast as 40 connections go (autocannon, closed loop,
//                         connections pinned round-robin to the instances; 0: skip)
//   --only cluster|single
//   BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'   extra node options for the servers
//
// Each configuration starts from a freshly seeded demo database (three contracts, a year of
// evidence; the first instance seeds it at its first start). The servers are real processes
// (`node --import tsx server/index.ts`, NODE_ENV=production, access log at info to a file); the
// load comes from this process, as API clients with Bearer tokens that
//   - read scorecards of every period of every contract (GET …/periods/:n/scorecard),
//   - read payments (GET …/payments) as the finance user,
//   - add ledger lines to the open (draft) period (POST …/ledger),
// requests spread round-robin over the instances; 20% into the run, one import of
// `--import-rows` tickets into the contract that is being written to. Latencies are also
// given for the requests answered while the import ran and for the others.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { generateDevelopmentP12 } from '../exports/signing';
import { DEMO_USERS } from '../server/demo';
import { seededRandom } from '../server/seeded-random';
import { call, Instance, Reply, resetPostgres, sleep, startInstance, token } from '../test/instances';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

const SECONDS = Number(arg('seconds', process.env.BENCH_SECONDS || '60'));
const RATE = Number(arg('rate', '50'));
const CAPACITY_SECONDS = Number(arg('capacity-seconds', '15'));
const READ_CONNECTIONS = 32;
const WRITE_CONNECTIONS = 8;
const IMPORT_ROWS = Number(arg('import-rows', '30000'));
const ONLY = arg('only', '');
const DB_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test_multi';

if (/\/test$/.test(DB_URL)) {
  console.error('BENCH_DATABASE_URL names the database `test` (the test suite\'s): use another one, e.g. test_multi');
  process.exit(2);
}

const password = (username: string) => DEMO_USERS.find((u) => u.username === username)!.password;

/**
 * A tickets CSV inside the demo contracts' year (2025-11-01 … 2026-10-31), shaped like a real
 * export: almost every ticket answered within minutes and resolved within hours, one in 50
 * answered late (an SLA breach, a ledger line), one in 100 still open.
 */
function ticketsCsv(n: number, prefix: string): string {
  const lines = ['external_id,system,type,severity,created_at,responded_at,resolved_at'];
  const sev = ['高', '中', '低'];
  const pad = (x: number) => String(x).padStart(2, '0');
  for (let i = 0; i < n; i++) {
    const day = new Date(Date.UTC(2025, 10, 3) + (i % 330) * 86400000).toISOString().slice(0, 10);
    const h = 8 + (i % 8);
    const m = (i * 7) % 30;
    const late = i % 50 === 0;
    const responded = late ? `${day} ${pad(h + 2)}:${pad(m + 20)}` : `${day} ${pad(h)}:${pad(m + 5 + (i % 20))}`;
    const resolved = i % 100 === 1 ? '' : `${day} ${pad(h + (late ? 4 : 1 + (i % 3)))}:${pad(m)}`;
    lines.push(`${prefix}-${i},电子税务局,${i % 2 ? '故障' : '需求'},${sev[i % 3]},${day} ${pad(h)}:${pad(m)},${responded},${resolved}`);
  }
  return lines.join('\n') + '\n';
}

interface Setup {
  instances: Instance[];
  seedSeconds: number;
  tokens: { manager: string; finance: string };
  scorecards: string[];
  payments: string[];
  writes: { path: string; body: string }[];
  importContract: number;
  dataDir: string;
  logDir: string;
}

async function prepare(count: number, label: string): Promise<Setup> {
  await resetPostgres(DB_URL);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-cluster-bench-'));
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-cluster-bench-logs-'));
  // production settings: a signing certificate given as a PKCS#12 file, as production requires
  const made = generateDevelopmentP12('国家税务总局广西壮族自治区税务局');
  const p12 = path.join(dataDir, 'bench-signer.p12');
  fs.writeFileSync(p12, made.p12, { mode: 0o600 });
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    DATABASE_URL: DB_URL,
    SESSION_SECRET: 'b'.repeat(64),
    SIGNING_P12: p12,
    SIGNING_P12_PASSPHRASE: made.passphrase,
    LOG_LEVEL: 'info',
    LOGIN_MAX_FAILURES: '1000',
    DEMO_DATA: 'on',
    ADMIN_PASSWORD: '',
    ADMIN_USERNAME: '',
  };
  const t0 = Date.now();
  // e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the servers
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const first = await startInstance(`${label}-1`, env, { timeoutMs: 600000, logFile: path.join(logDir, `${label}-1.log`), nodeArgs });
  const seedSeconds = (Date.now() - t0) / 1000;
  const instances = [first];
  for (let i = 2; i <= count; i++) {
    instances.push(await startInstance(`${label}-${i}`, { ...env, DEMO_DATA: 'off' }, { logFile: path.join(logDir, `${label}-${i}.log`), nodeArgs }));
  }
  const base = first.url;
  const manager = await token(base, 'wangting', password('wangting'));
  const finance = await token(base, 'liumin', password('liumin'));
  const admin = await token(base, 'admin', password('admin'));
  const contracts = (await call(base, 'GET', '/api/v1/contracts', { token: admin })).body as Body[];
  const scorecards: string[] = [];
  const payments: string[] = [];
  const writes: { path: string; body: string }[] = [];
  const tpl = (await call(base, 'GET', '/api/v1/templates/1', { token: admin })).body as Body;
  const items = (tpl.items as Body[]).filter((it) => it.rules.length === 1 && it.rules[0].kind === 'per_unit').map((it) => it.number as number);
  let importContract = 0;
  for (const c of contracts) {
    const full = (await call(base, 'GET', `/api/v1/contracts/${c.id}`, { token: admin })).body as Body;
    payments.push(`/api/v1/contracts/${c.id}/payments`);
    for (const p of full.periods as Body[]) {
      scorecards.push(`/api/v1/contracts/${c.id}/periods/${p.number}/scorecard`);
      if (p.status === 'draft') {
        for (let k = 0; k < 4; k++) {
          writes.push({
            path: `/api/v1/contracts/${c.id}/ledger`,
            body: JSON.stringify({ period: p.number, item: items[(writes.length + k) % items.length], units: 1, reason: `压测：第 ${p.number} 期人工扣分` }),
          });
        }
        // the import goes into a contract that is also written to
        if (!importContract && full.managerId !== null) importContract = c.id;
      }
    }
  }
  // the manager may write only where they are allowed: keep the writes the manager can make
  const allowed: typeof writes = [];
  for (const w of writes) {
    const r = await call(base, 'POST', w.path, { token: manager, body: JSON.parse(w.body) });
    if (r.status === 201) allowed.push(w);
  }
  if (!allowed.length) throw new Error('no writable draft period in the demo data');
  if (!importContract) importContract = Number(/contracts\/(\d+)/.exec(allowed[0].path)![1]);
  // every read path answers 200 before the run (a 4xx would make the figures meaningless)
  for (const p of scorecards) {
    const r = await call(base, 'GET', p, { token: manager });
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  for (const p of payments) {
    const r = await call(base, 'GET', p, { token: finance });
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  return { instances, seedSeconds, tokens: { manager, finance }, scorecards, payments, writes: allowed, importContract, dataDir, logDir };
}

type Kind = 'scorecard' | 'payments' | 'ledger write';

interface KindStats {
  times: number[];
  /** when each response arrived (ms since the start) */
  at: number[];
  errors: number;
  non2xx: number;
  timeouts: number;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);

/** CPU time (clock ticks) of the whole machine and of given processes, from /proc (Linux; zeros elsewhere). */
function cpuSample(pids: number[]) {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3] + (f[4] ?? 0);
    const ticks = (pid: number) => {
      try {
        const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = st.slice(st.lastIndexOf(')') + 2).split(' ');
        return Number(fields[11]) + Number(fields[12]); // utime + stime
      } catch {
        return 0;
      }
    };
    return { total, busy: total - idle, procs: pids.map(ticks) };
  } catch {
    return { total: 0, busy: 0, procs: pids.map(() => 0) };
  }
}

/** Where the CPU went between two samples, in % of one CPU: the machine, each process. */
function cpuUse(a: ReturnType<typeof cpuSample>, b: ReturnType<typeof cpuSample>) {
  const cpus = os.cpus().length;
  const span = (b.total - a.total) / cpus; // ticks of one CPU over the interval
  if (!span) return null;
  const pct = (x: number) => (x / span) * 100;
  return { machine: pct(b.busy - a.busy), procs: b.procs.map((x, i) => pct(x - a.procs[i])) };
}

/** The requests of the mix, by kind: share of the offered rate, method, paths, token. */
function mix(s: Setup) {
  return [
    { kind: 'scorecard' as Kind, share: 0.6, connections: Math.round(READ_CONNECTIONS * 0.6), token: s.tokens.manager, requests: s.scorecards.map((p) => ({ method: 'GET', path: p, body: undefined as string | undefined })) },
    { kind: 'payments' as Kind, share: 0.3, connections: READ_CONNECTIONS - Math.round(READ_CONNECTIONS * 0.6), token: s.tokens.finance, requests: s.payments.map((p) => ({ method: 'GET', path: p, body: undefined as string | undefined })) },
    { kind: 'ledger write' as Kind, share: 0.1, connections: WRITE_CONNECTIONS, token: s.tokens.manager, requests: s.writes.map((w) => ({ method: 'POST', path: w.path, body: w.body as string | undefined })) },
  ];
}

type Stats = Record<Kind, KindStats>;
const freshStats = (): Stats => {
  const fresh = (): KindStats => ({ times: [], at: [], errors: 0, non2xx: 0, timeouts: 0 });
  return { scorecard: fresh(), payments: fresh(), 'ledger write': fresh() };
};

/**
 * Open loop at `rate` requests per second: arrivals spaced at random (exponential gaps, a
 * Poisson stream, seeded) and independent of how fast answers come, each request sent to the
 * next instance in turn (round-robin per request, keep-alive connections).
 */
async function openLoop(s: Setup, seconds: number, rate: number, stats: Stats, t0: number) {
  const rng = seededRandom(20261123);
  const kinds = mix(s);
  const pending: Promise<void>[] = [];
  let rr = 0;
  const counters = new Map<Kind, number>();
  const end = t0 + seconds * 1000;
  let next = Date.now();
  while (next < end) {
    next += (-Math.log(1 - rng()) * 1000) / rate;
    const wait = next - Date.now();
    if (wait > 1) await sleep(wait);
    // the kind by its share of the mix
    const x = rng();
    const k = x < kinds[0].share ? kinds[0] : x < kinds[0].share + kinds[1].share ? kinds[1] : kinds[2];
    const i = counters.get(k.kind) ?? 0;
    counters.set(k.kind, i + 1);
    const req = k.requests[i % k.requests.length];
    const inst = s.instances[rr++ % s.instances.length];
    const st = stats[k.kind];
    const started = performance.now();
    pending.push(
      fetch(`${inst.url}${req.path}`, {
        method: req.method,
        headers: { authorization: `Bearer ${k.token}`, ...(req.body ? { 'content-type': 'application/json' } : {}) },
        body: req.body,
        signal: AbortSignal.timeout(10000),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          st.times.push(performance.now() - started);
          st.at.push(Date.now() - t0);
          if (res.status < 200 || res.status >= 300) st.non2xx += 1;
        },
        (e: Error) => {
          if (e.name === 'TimeoutError') st.timeouts += 1;
          else st.errors += 1;
        },
      ),
    );
  }
  await Promise.all(pending);
}

/** Closed loop (autocannon): every connection sends its next request as soon as the last one is answered. */
async function closedLoop(s: Setup, seconds: number, stats: Stats, t0: number) {
  const n = s.instances.length;
  const runs: Promise<unknown>[] = [];
  for (const p of mix(s)) {
    for (let i = 0; i < n; i++) {
      const connections = Math.floor(p.connections / n) + (i < p.connections % n ? 1 : 0);
      if (!connections) continue;
      const inst = autocannon(
        {
          url: s.instances[i].url,
          connections,
          duration: seconds,
          headers: { authorization: `Bearer ${p.token}` },
          requests: p.requests.map((r) => ({ method: r.method, path: r.path, body: r.body, headers: r.body ? { 'content-type': 'application/json' } : undefined })),
          timeout: 10,
        } as unknown as autocannon.Options,
        () => undefined,
      );
      const st = stats[p.kind];
      inst.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        st.times.push(responseTime);
        st.at.push(Date.now() - t0);
        if (statusCode < 200 || statusCode >= 300) st.non2xx += 1;
      });
      inst.on('reqError', (e: Error & { code?: string }) => {
        if (/timeout/i.test(String(e?.message ?? e?.code))) st.timeouts += 1;
        else st.errors += 1;
      });
      runs.push(new Promise((ok) => inst.on('done', ok)));
    }
  }
  await Promise.all(runs);
}

/**
 * The mix against the instances: at `rate` requests per second (open loop), or as fast as the
 * connections go (rate 0: closed loop); optionally with the import 20% into the run.
 */
async function runLoad(s: Setup, seconds: number, rate: number, withImport: boolean) {
  const stats = freshStats();
  const pids = [...s.instances.map((i) => i.pid), process.pid];
  const cpu0 = cpuSample(pids);
  const t0 = Date.now();
  let imported: { status: number; ms: number; from: number; to: number; body: string } | null = null;
  let importing: Promise<void> = Promise.resolve();
  if (withImport) {
    const file = path.join(s.logDir, 'import.csv');
    fs.writeFileSync(file, ticketsCsv(IMPORT_ROWS, `BENCH${Date.now()}`));
    importing = sleep(seconds * 200).then(async () => {
      const fd = new FormData();
      fd.append('file', new Blob([fs.readFileSync(file)]), 'import.csv');
      const from = Date.now() - t0;
      const r: Reply = await call(s.instances[0].url, 'POST', `/api/v1/contracts/${s.importContract}/tickets/import`, { token: s.tokens.manager, body: fd });
      const to = Date.now() - t0;
      imported = { status: r.status, ms: to - from, from, to, body: r.text.slice(0, 200) };
    });
  }
  if (rate > 0) await openLoop(s, seconds, rate, stats, t0);
  else await closedLoop(s, seconds, stats, t0);
  const elapsed = (Date.now() - t0) / 1000;
  await importing;
  const cpu = cpuUse(cpu0, cpuSample(pids));
  const imp = imported as { status: number; ms: number; from: number; to: number; body: string } | null;
  const summarise = (kind: Kind | 'all', st: KindStats[], filter?: (at: number) => boolean) => {
    const t = st.flatMap((x) => x.times.filter((_, i) => !filter || filter(x.at[i]))).sort((a, b) => a - b);
    return {
      kind, requests: t.length, rps: t.length / elapsed, p50: percentile(t, 50), p99: percentile(t, 99), max: t[t.length - 1] ?? NaN,
      errors: st.reduce((a, x) => a + x.errors, 0), non2xx: st.reduce((a, x) => a + x.non2xx, 0), timeouts: st.reduce((a, x) => a + x.timeouts, 0),
    };
  };
  const rows = (Object.keys(stats) as Kind[]).map((k) => summarise(k, [stats[k]]));
  const total = summarise('all', Object.values(stats));
  const during = imp ? summarise('all', Object.values(stats), (at) => at >= imp.from && at <= imp.to) : null;
  const outside = imp ? summarise('all', Object.values(stats), (at) => at < imp.from || at > imp.to) : null;
  return { rows, total, during, outside, imported: imp, cpu };
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-');

function print(label: string, r: Awaited<ReturnType<typeof runLoad>>, target = true) {
  console.log(`\n${label}`);
  console.log('requests                    count    req/s   p50 ms   p99 ms   max ms  errors  non-2xx  timeouts');
  const line = (name: string, x: typeof r.total) =>
    console.log(
      `${name.padEnd(24)} ${String(x.requests).padStart(8)} ${x.rps.toFixed(0).padStart(8)} ${ms(x.p50).padStart(8)} ${ms(x.p99).padStart(8)} ${ms(x.max).padStart(8)} ${String(x.errors).padStart(7)} ${String(x.non2xx).padStart(8)} ${String(x.timeouts).padStart(9)}`,
    );
  for (const x of r.rows) line(x.kind, x);
  line('all', r.total);
  if (r.during && r.outside) {
    line('  answered during import', { ...r.during, errors: NaN, non2xx: NaN, timeouts: NaN } as typeof r.total);
    line('  answered outside it', { ...r.outside, errors: NaN, non2xx: NaN, timeouts: NaN } as typeof r.total);
  }
  if (r.cpu) {
    const servers = r.cpu.procs.slice(0, -1).reduce((a, b) => a + b, 0);
    const loader = r.cpu.procs[r.cpu.procs.length - 1];
    console.log(
      `CPU (% of one CPU, ${os.cpus().length} CPUs): machine ${r.cpu.machine.toFixed(0)}%, app servers ${servers.toFixed(0)}%, ` +
        `load generator ${loader.toFixed(0)}%, everything else (PostgreSQL, other work on the machine) ${(r.cpu.machine - servers - loader).toFixed(0)}%`,
    );
  }
  if (r.imported) console.log(`import of ${IMPORT_ROWS} tickets during the run: ${r.imported.status} in ${(r.imported.ms / 1000).toFixed(1)} s ${r.imported.status === 200 ? '' : r.imported.body}`);
  const errors = r.total.errors + r.total.non2xx + r.total.timeouts + (r.imported && r.imported.status !== 200 ? 1 : 0);
  if (!target) {
    console.log(`errors: ${errors} (a saturation run: its latency is the queue of ${READ_CONNECTIONS + WRITE_CONNECTIONS} connections, not a target)`);
    return;
  }
  console.log(`target (no errors, p99 < 300 ms): ${errors === 0 && r.total.p99 < 300 ? 'met' : 'NOT met'}`);
}

async function configuration(count: number, label: string) {
  const s = await prepare(count, label);
  try {
    console.log(`\n== ${label} on PostgreSQL (demo data seeded in ${s.seedSeconds.toFixed(1)} s; ${s.scorecards.length} scorecards, ${s.payments.length} payment schedules; logs in ${s.logDir})`);
    await runLoad(s, 3, 0, false); // warm-up: JIT, connection pools
    const mixed = await runLoad(s, SECONDS, RATE, true);
    print(`${label}: mixed load at ${RATE} req/s for ${SECONDS} s, with one import`, mixed);
    let capacity: Awaited<ReturnType<typeof runLoad>> | null = null;
    if (CAPACITY_SECONDS > 0) {
      capacity = await runLoad(s, CAPACITY_SECONDS, 0, false);
      print(`${label}: capacity, the same mix as fast as ${READ_CONNECTIONS + WRITE_CONNECTIONS} connections go for ${CAPACITY_SECONDS} s (no import)`, capacity, false);
    }
    const problems = s.instances.flatMap((i) => i.output().split('\n').filter((l) => /"level":"(error|fatal)"/.test(l))).slice(0, 5);
    if (problems.length) console.log(`server errors logged:\n${problems.join('\n')}`);
    return { mixed, capacity };
  } finally {
    await Promise.all(s.instances.map((i) => i.stop()));
    fs.rmSync(s.dataDir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`cluster bench: ${os.cpus().length} CPUs (servers, PostgreSQL and the load generator share them), ${DB_URL.replace(/\/\/[^@]*@/, '//')}`);
  const results: Record<string, Awaited<ReturnType<typeof configuration>>> = {};
  if (ONLY !== 'single') results.cluster = await configuration(2, 'two instances');
  if (ONLY !== 'cluster') results.single = await configuration(1, 'one instance');
  if (results.cluster && results.single) {
    const row = (name: string, r: Awaited<ReturnType<typeof configuration>>) => {
      const m = r.mixed.total;
      console.log(
        `${name.padEnd(14)} mixed ${RATE} req/s: p50 ${ms(m.p50)} ms, p99 ${ms(m.p99)} ms (outside the import ${ms(r.mixed.outside?.p99 ?? NaN)} ms), ` +
          `${m.errors + m.non2xx + m.timeouts} errors, import ${((r.mixed.imported?.ms ?? NaN) / 1000).toFixed(1)} s; ` +
          `capacity ${r.capacity ? r.capacity.total.rps.toFixed(0) : '-'} req/s (p99 ${ms(r.capacity?.total.p99 ?? NaN)} ms)`,
      );
    };
    console.log('\nsummary');
    row('two instances', results.cluster);
    row('one instance', results.single);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
