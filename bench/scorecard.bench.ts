// Benchmark: the scorecard endpoint of a period holding 50,000 ledger lines, against a raw
// SQL SELECT of the same lines in the same run. Target: the endpoint within 3× of the select.
// Prints its figures; it is not a test.
//
//   npm run bench                          # SQLite (temporary file)
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench   # PostgreSQL
//                                          # (drops and recreates that database's public schema)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AddressInfo } from 'node:net';
import { QueryTypes } from 'sequelize';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db';
import { SYSTEM } from '../server/services/context';
import { createContract } from '../server/services/contracts';
import { createUser } from '../server/services/users';
import { createVendor } from '../server/services/vendors';
import { TEMPLATE_V1 } from '../scoring/template-v1';

const LINES = Number(process.env.BENCH_LINES || 50000);
const RUNS = Number(process.env.BENCH_RUNS || 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  process.env.NODE_ENV = 'test';
  const url =
    process.env.BENCH_DATABASE_URL || `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-bench-')), 'bench.sqlite')}`;
  const db = openDatabase(url);
  if (db.dialect === 'postgres') {
    await db.sequelize.query('DROP SCHEMA IF EXISTS public CASCADE');
    await db.sequelize.query('CREATE SCHEMA public');
  }
  await db.migrate();
  const config = { ...loadConfig({ NODE_ENV: 'test' }), databaseUrl: url };
  const ctx = { db, config };
  const vendor = await createVendor(ctx, SYSTEM, { name: '基准测试服务商' });
  await createUser(ctx, SYSTEM, { username: 'bench', password: 'bench-password', role: 'manager' });
  const contract = await createContract(ctx, SYSTEM, {
    code: 'BENCH-1', name: '基准测试合同', vendorId: vendor.id, totalAmount: '12084900.00',
    startDate: '2025-11-01', endDate: '2026-10-31',
    installments: [
      { name: '预付款', ratio: '0.2', deductible: false, periods: [] },
      { name: '初验款', ratio: '0.4', deductible: true, periods: [1, 2] },
      { name: '终验款', ratio: '0.4', deductible: true, periods: [3, 4] },
    ],
  });

  // Fill period 1 with LINES lines spread over every per-unit rule.
  const rules = TEMPLATE_V1.items.flatMap((it) => it.rules.filter((r) => r.kind === 'per_unit').map((r) => ({ item: it.number, r })));
  const t0 = Date.now();
  const now = new Date();
  for (let start = 0; start < LINES; start += 2000) {
    const chunk = [];
    for (let i = start; i < Math.min(LINES, start + 2000); i++) {
      const { item, r } = rules[i % rules.length];
      chunk.push({
        contractId: contract.id, periodNumber: 1, itemNumber: item, ruleCode: r.code, units: 100,
        points: Math.round(Number(r.points) * 100), reason: `基准测试扣分记录 #${i}：工单超时，详见证据`,
        occurredAt: now, evidence: `ticket-${i}`, source: 'manual', status: 'active', recordedBy: null,
      });
    }
    await db.models.LedgerLine.bulkCreate(chunk);
  }
  const fillMs = Date.now() - t0;

  const app = createApp(db, config);
  const server = app.listen(0);
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/api/v1`;
  const tok = await (await fetch(`${base}/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'bench-password' }),
  })).json() as { token: string };

  const endpoint = async () => {
    const t = process.hrtime.bigint();
    const res = await fetch(`${base}/contracts/${contract.id}/periods/1/scorecard`, { headers: { authorization: `Bearer ${tok.token}` } });
    const body = (await res.json()) as { score: string; items: { lines: unknown[] }[] };
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const n = body.items.reduce((s, it) => s + it.lines.length, 0);
    if (n !== LINES) throw new Error(`scorecard returned ${n} lines, expected ${LINES}`);
    return ms;
  };
  const rawSelect = async () => {
    const t = process.hrtime.bigint();
    const rows = await db.sequelize.query(
      `SELECT * FROM ledger_lines WHERE contract_id = :c AND period_number = 1 AND status = 'active' ORDER BY id`,
      { type: QueryTypes.SELECT, replacements: { c: contract.id } },
    );
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (rows.length !== LINES) throw new Error(`select returned ${rows.length} rows`);
    return ms;
  };

  await endpoint();
  await rawSelect();
  const e: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    r.push(await rawSelect());
    e.push(await endpoint());
  }
  server.close();
  await db.close();
  const em = median(e);
  const rm = median(r);
  console.log(`database: ${db.dialect}; ${LINES} ledger lines in one period (filled in ${fillMs} ms); ${RUNS} runs, medians`);
  console.log(`raw SQL SELECT of the lines      : ${rm.toFixed(1)} ms`);
  console.log(`GET .../periods/1/scorecard (HTTP): ${em.toFixed(1)} ms`);
  console.log(`ratio endpoint / raw select       : ${(em / rm).toFixed(2)}x (target ≤ 3x)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
