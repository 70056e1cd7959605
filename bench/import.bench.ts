// Benchmark: import a generated 100,000-ticket XLSX export and compute its SLA figures.
// Prints rows/second for the import and for the SLA computation and the peak memory, beside
// a raw bulk insert of the same rows into the same database in the same run.
// Targets: import within 3× of the raw insert; SLA over 100,000 tickets under 1 s; peak < 300 MB.
//
//   npx tsx bench/import.bench.ts                      # SQLite (temporary file)
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/import.bench.ts
//   BENCH_TICKETS=20000 npx tsx bench/import.bench.ts  # smaller
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db';
import { writeXlsxStream, XlsxCell } from '../server/import/xlsx-writer';
import { loadCalendar } from '../server/services/calendar';
import { sqlDate, SYSTEM } from '../server/services/context';
import { createContract, loadBundle } from '../server/services/contracts';
import { loadPolicy, policyForDetection, putPolicy, ticketHash, ticketRecord } from '../server/services/evidence';
import { importFile } from '../server/services/imports';
import { createVendor } from '../server/services/vendors';
import { periodSpans } from '../server/services/detection';
import { detectSlaBreaches } from '../scoring/detectors';
import { TicketRow } from '../models';

const N = Number(process.env.BENCH_TICKETS || 100000);
const TYPES = ['故障', '需求', '咨询', '变更'];
const LEVELS = ['高', '中', '低'];
const SYSTEMS = ['电子税务局', '电子发票服务平台', '金税云平台', '统一身份管理平台'];

/** Deterministic generator: tickets spread over the working hours of 2025-11 .. 2026-09. */
function* tickets(): Generator<XlsxCell[]> {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const start = Date.UTC(2025, 10, 3, 0, 0); // 2025-11-03 08:00 +08:00
  const span = 300 * 24 * 3600_000;
  for (let i = 0; i < N; i++) {
    const created = start + Math.floor(rnd() * span);
    const local = (ms: number) => new Date(ms + 8 * 3600_000); // Excel wall-clock in +08:00
    const responded = created + Math.floor(rnd() * 90) * 60_000;
    const resolved = rnd() < 0.97 ? responded + Math.floor(rnd() * 2000) * 60_000 : null;
    yield [`GD-${String(i).padStart(7, '0')}`, SYSTEMS[i % 4], TYPES[i % 4], LEVELS[i % 3], local(created), local(responded), resolved === null ? null : local(resolved)];
  }
}

/** Child process: only the import, so its peak memory is its own (not the generator's or the baseline's). */
async function child(url: string, dir: string, contractId: number, file: string) {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const db = openDatabase(url);
  const ctx = { db, config: { ...loadConfig({ NODE_ENV: 'test', DATA_DIR: dir }), databaseUrl: url } };
  const rssBefore = process.memoryUsage().rss;
  const t0 = Date.now();
  const result = await importFile(ctx, SYSTEM, contractId, 'tickets', { path: file, originalname: 'tickets.xlsx' }, undefined);
  const ms = Date.now() - t0;
  clearInterval(sampler);
  await db.close();
  process.stdout.write(JSON.stringify({ ms, peak: Math.max(peak, process.memoryUsage().rss), rssBefore, imported: result.imported, lines: result.detection.sla?.added ?? 0 }));
}

async function main() {
  process.env.NODE_ENV = 'test';
  if (process.argv[2] === '--child') {
    const [, , , url, dir, id, file] = process.argv;
    return child(url, dir, Number(id), file);
  }
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-import-bench-'));
  const url = process.env.BENCH_DATABASE_URL || `sqlite:${path.join(dir, 'bench.sqlite')}`;
  const db = openDatabase(url);
  if (db.dialect === 'postgres') {
    await db.sequelize.query('DROP SCHEMA IF EXISTS public CASCADE');
    await db.sequelize.query('CREATE SCHEMA public');
  }
  await db.migrate();
  const config = { ...loadConfig({ NODE_ENV: 'test', DATA_DIR: dir }), databaseUrl: url };
  const ctx = { db, config };
  const vendor = await createVendor(ctx, SYSTEM, { name: '基准测试服务商' });
  const mk = (code: string) => createContract(ctx, SYSTEM, {
    code, name: '导入基准测试', vendorId: vendor.id, totalAmount: '12084900.00', startDate: '2025-11-01', endDate: '2026-10-31',
    installments: [{ name: '预付款', ratio: '0.2', deductible: false }, { name: '初验款', ratio: '0.4', deductible: true, periods: [1, 2] }, { name: '终验款', ratio: '0.4', deductible: true, periods: [3, 4] }],
  });
  const policy = {
    levels: [
      { code: '高', responseMinutes: 30, resolutionMinutes: 240, clock: 'working' },
      { code: '中', responseMinutes: 60, resolutionMinutes: 720, clock: 'working' },
      { code: '低', responseMinutes: 120, resolutionMinutes: 1440, clock: 'working' },
    ],
  };
  const raw = await mk('RAW');
  const imported = await mk('IMPORT');
  await putPolicy(ctx, SYSTEM, raw.id, policy);
  await putPolicy(ctx, SYSTEM, imported.id, policy);

  const xlsx = path.join(dir, 'tickets.xlsx');
  let t0 = Date.now();
  await writeXlsxStream(xlsx, ['external_id', 'system', 'type', 'severity', 'created_at', 'responded_at', 'resolved_at'], tickets());
  const genMs = Date.now() - t0;
  const phasePeaks: string[] = [];
  const mark = (name: string) => phasePeaks.push(`${name} ${(Math.max(peak, process.memoryUsage().rss) / 1048576).toFixed(0)} MB`);
  mark('after generating the file');

  // Baseline: a raw bulk insert of the same rows (already parsed) in one transaction.
  t0 = Date.now();
  await db.sequelize.transaction(async (t) => {
    let batch: object[] = [];
    const qi = db.sequelize.getQueryInterface();
    const now = new Date();
    for (const r of tickets()) {
      const created = new Date((r[4] as Date).getTime() - 8 * 3600_000);
      const input = {
        externalId: r[0] as string, system: r[1] as string, type: r[2] as string, severity: r[3] as string, title: null, pauses: [],
        createdAt: created, respondedAt: new Date((r[5] as Date).getTime() - 8 * 3600_000), resolvedAt: r[6] ? new Date((r[6] as Date).getTime() - 8 * 3600_000) : null,
      };
      batch.push({
        contract_id: raw.id, external_id: input.externalId, system: input.system, type: input.type, severity: input.severity,
        opened_at: sqlDate(input.createdAt), responded_at: sqlDate(input.respondedAt), resolved_at: sqlDate(input.resolvedAt), pauses: '[]', title: null,
        content_hash: ticketHash(input), created_at: sqlDate(now), updated_at: sqlDate(now),
      });
      if (batch.length === 1000) {
        await qi.bulkInsert('tickets', batch, { transaction: t });
        batch = [];
      }
    }
    if (batch.length) await qi.bulkInsert('tickets', batch, { transaction: t });
  });
  const rawMs = Date.now() - t0;
  mark('after the raw insert');

  // The full import (stream, parse, validate, write, detect SLA breaches into the ledger), in a
  // child process of its own so that its peak memory is measured alone.
  await db.close(); // the child has the database to itself
  const out = execFileSync(process.execPath, [...process.execArgv, ...(process.env.BENCH_CHILD_FLAGS ? process.env.BENCH_CHILD_FLAGS.split(' ') : []), __filename, '--child', url, dir, String(imported.id), xlsx], {
    encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test' }, maxBuffer: 1 << 20,
  });
  const result = JSON.parse(out.slice(out.indexOf('{'))) as { ms: number; peak: number; rssBefore: number; imported: number; lines: number };
  const importMs = result.ms;
  mark('after the import');

  const db2 = openDatabase(url);
  Object.assign(ctx, { db: db2 });
  // SLA computation alone over the 100,000 stored tickets (pure, after loading).
  const rows = (await db2.models.Ticket.findAll({ where: { contractId: imported.id }, raw: true })) as unknown as TicketRow[];
  const records = rows.map(ticketRecord);
  const bundle = await loadBundle(ctx, imported.id);
  const p = (await loadPolicy(ctx, imported.id))!;
  const cal = await loadCalendar(ctx, 'Asia/Shanghai', p.workingHours);
  detectSlaBreaches(records.slice(0, 1000), policyForDetection(p), cal, periodSpans(bundle), new Date()); // warm-up
  t0 = process.hrtime.bigint() as unknown as number;
  const h0 = process.hrtime.bigint();
  const lines = detectSlaBreaches(records, policyForDetection(p), cal, periodSpans(bundle), new Date());
  const slaMs = Number(process.hrtime.bigint() - h0) / 1e6;

  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await db2.close();
  const rate = (ms: number) => Math.round(N / (ms / 1000)).toLocaleString('en-US');
  console.log(`database: ${db.dialect}; ${N} tickets; XLSX ${(fs.statSync(xlsx).size / 1e6).toFixed(1)} MB generated in ${genMs} ms`);
  console.log(`raw bulk insert (baseline)     : ${rawMs} ms  (${rate(rawMs)} rows/s)`);
  console.log(`full import (XLSX → ledger)    : ${importMs} ms  (${rate(importMs)} rows/s); imported ${result.imported}, SLA lines ${result.lines}`);
  console.log(`ratio import / raw insert      : ${(importMs / rawMs).toFixed(2)}x (target ≤ 3x)`);
  console.log(`SLA computation, ${N} tickets : ${slaMs.toFixed(0)} ms  (${rate(slaMs)} tickets/s; ${lines.length} breaches; target < 1000 ms)`);
  console.log(`peak RSS of the import process : ${(result.peak / 1048576).toFixed(0)} MB (target < 300 MB; ${(result.rssBefore / 1048576).toFixed(0)} MB before it started)`);
  console.log(`peak RSS of this process       : ${(peak / 1048576).toFixed(0)} MB (${phasePeaks.join(', ')})`);
  if (process.env.BENCH_KEEP) console.log(`kept ${dir} (contract ${imported.id}, raw ${raw.id})`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
