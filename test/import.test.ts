// Bulk import through the API: CSV and XLSX, column mappings, all-or-nothing, idempotence.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRows } from '../server/import/reader';
import { writeXlsxStream } from '../server/import/xlsx-writer';
import { auth, describeEachDb, SEED000_POLICY, seed002Contract, TestEnv } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-import-'));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

async function snapshot(env: TestEnv) {
  const m = env.db.models;
  return {
    tickets: await m.Ticket.count(),
    lines: await m.LedgerLine.count(),
    people: await m.Person.count(),
    runs: await m.InspectionRun.count(),
    subs: await m.ReportSubmission.count(),
    audit: await m.Audit.count(),
    mappings: await m.ImportMapping.count(),
  };
}

const TICKETS_CSV = [
  'external_id,system,type,severity,created_at,responded_at,resolved_at',
  'GD-1001,电子税务局,故障,高,2025-11-03 09:00,2025-11-03 09:10,2025-11-03 11:00',
  'GD-1002,电子税务局,故障,高,2025-11-03 09:00,2025-11-03 09:10,2025-11-03 16:00',
  '"GD-1003","金税云, 平台",需求,中,2025-11-04T10:00:00+08:00,,',
  '',
].join('\n');

describeEachDb('import', (get) => {
  let id: number;
  const url = (p: string) => `/api/v1/contracts/${id}${p}`;
  const upload = (p: string, filePath: string, mapping?: object) => {
    const req = get().api.post(url(p)).set(auth(get().tokens.manager)).attach('file', filePath);
    return mapping ? req.field('mapping', JSON.stringify(mapping)) : req;
  };

  before(async () => {
    const env = get();
    const res = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'IMPORT-1'));
    id = res.body.id;
    await env.api.put(url('/sla-policy')).set(auth(env.tokens.manager)).send(SEED000_POLICY).expect(200);
  });

  it('imports tickets from CSV (local times in the contract zone) and detects breaches', async () => {
    const res = await upload('/tickets/import', file('t.csv', '\uFEFF' + TICKETS_CSV));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ rows: 3, imported: 3, updated: 0, unchanged: 0 });
    // GD-1002: 高 resolution 240 working min from 09:00 → 13:00 (no lunch break), resolved 16:00.
    expect(res.body.detection.sla.added).to.equal(2);
    const t = await get().api.get(url('/tickets/GD-1003')).set(auth(get().tokens.manager));
    expect(t.body).to.include({ system: '金税云, 平台', type: '需求', createdAt: '2025-11-04T02:00:00.000Z' });
    const t1 = await get().api.get(url('/tickets/GD-1001')).set(auth(get().tokens.manager));
    expect(t1.body.createdAt).to.equal('2025-11-03T01:00:00.000Z');
  });

  it('an export without a column keeps what is stored for it (confirmed pauses survive)', async () => {
    const env = get();
    // 高: resolution 240 working min. 09:00 → 15:00 is 360 min, less a confirmed 2 h pause = 240: no breach.
    await env.api.post(url('/tickets')).set(auth(env.tokens.manager)).send([{
      externalId: 'GD-9001', title: '申报页面报错', type: '故障', severity: '高', createdAt: '2025-11-05T09:00:00+08:00', respondedAt: '2025-11-05T09:05:00+08:00', resolvedAt: '2025-11-05T15:00:00+08:00',
      pauses: [{ start: '2025-11-05T10:00:00+08:00', end: '2025-11-05T12:00:00+08:00', reason: '等待局方确认', confirmed: true }],
    }]).expect(200);
    const csv = ['external_id,type,severity,created_at,responded_at,resolved_at', 'GD-9001,故障,高,2025-11-05 09:00,2025-11-05 09:05,2025-11-05 15:00'].join('\n');
    const res = await upload('/tickets/import', file('nopause.csv', csv));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ unchanged: 1, updated: 0 });
    const t = await env.api.get(url('/tickets/GD-9001')).set(auth(env.tokens.manager));
    expect(t.body.pauses).to.have.length(1);
    expect(t.body.title).to.equal('申报页面报错');
    expect(t.body.sla.breached).to.deep.equal([]);
  });

  it('re-importing the same file changes nothing', async () => {
    const before = await snapshot(get());
    const res = await upload('/tickets/import', file('t2.csv', TICKETS_CSV));
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ imported: 0, updated: 0, unchanged: 3 });
    const after = await snapshot(get());
    expect({ ...after, audit: 0 }).to.deep.equal({ ...before, audit: 0 });
  });

  it('a file with bad rows writes nothing and names every bad row', async () => {
    const env = get();
    const before = await snapshot(env);
    const bad = [
      'external_id,type,severity,created_at,responded_at,resolved_at',
      'GD-2001,故障,高,2025-11-05 09:00,,',
      'GD-2002,故障,紧急,2025-11-05 09:00,,', // unknown severity
      'GD-2003,故障,高,2025-02-30 09:00,,', // no such day
      ',故障,高,2025-11-05 09:00,,', // no id
      'GD-2001,故障,高,2025-11-05 09:00,,', // duplicate id
      'GD-2005,故障,高,2025-11-05 09:00,2025-11-05 08:00,', // response before creation
    ].join('\n');
    const res = await upload('/tickets/import', file('bad.csv', bad));
    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('invalid_file');
    const rows = res.body.error.rows.map((r: { row: number; errors: { field: string }[] }) => [r.row, r.errors[0].field]);
    expect(rows).to.deep.equal([[3, 'severity'], [4, 'created_at'], [5, 'external_id'], [6, 'external_id'], [7, 'responded_at']]);
    expect(res.body.error.message).to.contain('5 行无效');
    expect(await snapshot(env)).to.deep.equal(before);
  });

  it('refuses a file without the required columns, and a file that is not a table', async () => {
    const env = get();
    const before = await snapshot(env);
    const res = await upload('/tickets/import', file('cols.csv', 'id,level\nA,高\n'));
    expect(res.status).to.equal(400);
    expect(res.body.error.message).to.contain('external_id');
    const bin = path.join(tmp, 'x.png');
    fs.writeFileSync(bin, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]));
    const png = await upload('/tickets/import', bin);
    expect(png.status).to.equal(400);
    const none = await env.api.post(url('/tickets/import')).set(auth(env.tokens.manager));
    expect(none.status).to.equal(400);
    expect(await snapshot(env)).to.deep.equal(before);
  });

  it('imports an XLSX export with its own column names through a saved mapping', async () => {
    const env = get();
    const p = path.join(tmp, 'export.xlsx');
    await writeXlsxStream(p, ['工单编号', '所属系统', '工单类型', '优先级', '创建时间', '首次响应时间', '解决时间'], [
      ['GD-3001', '电子税务局', '故障', '低', new Date(Date.UTC(2025, 10, 10, 9, 0)), new Date(Date.UTC(2025, 10, 10, 13, 30)), new Date(Date.UTC(2025, 10, 10, 15, 0))],
      ['GD-3002', '统一身份', '咨询', '低', '2025-11-11 09:00:00', '2025-11-11 09:30:00', null],
    ]);
    const mapping = { external_id: '工单编号', system: '所属系统', type: '工单类型', severity: '优先级', created_at: '创建时间', responded_at: '首次响应时间', resolved_at: '解决时间' };
    const res = await upload('/tickets/import', p, mapping);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ rows: 2, imported: 2 });
    const t = await env.api.get(url('/tickets/GD-3001')).set(auth(env.tokens.manager));
    // Excel wall-clock 09:00 in Asia/Shanghai
    expect(t.body.createdAt).to.equal('2025-11-10T01:00:00.000Z');
    const saved = await env.api.get(url('/import-mappings/tickets')).set(auth(env.tokens.vendor));
    expect(saved.body.mapping).to.deep.equal(mapping);
    // The saved mapping is used when none is sent.
    const again = await upload('/tickets/import', p);
    expect(again.body).to.include({ unchanged: 2 });
    const badMap = await upload('/tickets/import', p, { nonsense: 'x' });
    expect(badMap.status).to.equal(400);
  });

  it('imports the staff roster, inspection runs and report submissions', async () => {
    const env = get();
    await env.api.put(url('/positions')).set(auth(env.tokens.manager)).send([{ role: '环境保障岗', count: 1, qualifications: ['数据库认证'] }]).expect(200);
    const roster = [
      'external_id,name,role,start_date,end_date,qualifications,security_agreement,no_criminal_record,security_training_date',
      'R01,陆晓燕,环境保障岗,2025-11-01,,数据库认证;软考中级,是,是,2025-11-01',
      'R02,农志刚,环境保障岗,2025/11/01,2025-11-20,,否,是,',
    ].join('\n');
    const r = await upload('/people/import', file('roster.csv', roster));
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.include({ imported: 2 });
    expect(r.body.detection.staffing.added).to.be.greaterThan(0);

    const plan = await env.api.post(url('/inspection-plans')).set(auth(env.tokens.manager)).send({ name: '金税云周巡检', frequency: 'weekly', checklist: ['告警', '容量'], activeFrom: '2025-11-03', activeTo: '2025-11-16' });
    expect(plan.body.detection.inspection.added).to.equal(2);
    const runs = ['external_id,plan,performed_at,performer,items_checked,findings', 'X1,金税云周巡检,2025-11-05 10:00,陆晓燕,告警;容量,', 'X2,金税云周巡检,2025-11-12 10:00,陆晓燕,告警,磁盘告警@2025-11-12 11:00'].join('\n');
    const ir = await upload('/inspections/import', file('runs.csv', runs));
    expect(ir.status, JSON.stringify(ir.body)).to.equal(200);
    expect(ir.body.detection.inspection).to.include({ withdrawn: 2, added: 1 }); // both weeks done; week 2 misses 容量
    const badRuns = await upload('/inspections/import', file('runs-bad.csv', 'external_id,plan,performed_at,performer\nX9,不存在的计划,2025-11-05 10:00,某人\n'));
    expect(badRuns.status).to.equal(400);
    expect(badRuns.body.error.rows[0].errors[0].field).to.equal('plan');

    const rp = await env.api.post(url('/report-plans')).set(auth(env.tokens.manager)).send({ name: '运维周报', kind: 'weekly', dueWorkingDays: 1 });
    expect(rp.status).to.equal(201);
    const subs = ['external_id,plan,covers,submitted_at,title', 'B1,运维周报,2025-11-03,2025-11-10 09:00,第一周周报'].join('\n');
    const sr = await upload('/report-submissions/import', file('subs.csv', subs));
    expect(sr.status, JSON.stringify(sr.body)).to.equal(200);
    expect(sr.body.detection.report.withdrawn).to.equal(1);
  });

  it('only managers and admins import; the file is refused before it is received', async () => {
    const env = get();
    const uploads = path.join(env.config.dataDir, 'uploads', 'tmp');
    const list = () => (fs.existsSync(uploads) ? fs.readdirSync(uploads) : []);
    const before = new Set(list());
    for (const who of ['finance', 'vendor', 'otherVendor'] as const) {
      const res = await env.api.post(url('/tickets/import')).set(auth(env.tokens[who])).attach('file', file('f.csv', TICKETS_CSV));
      expect(res.status, who).to.equal(403);
    }
    // No new temporary file: the uploads were refused before being received.
    expect(list().filter((f) => !before.has(f))).to.deep.equal([]);
  });

  it('a malformed contract id in an import URL is a 400, not a crash', async () => {
    const env = get();
    const res = await env.api.post('/api/v1/contracts/abc/tickets/import').set(auth(env.tokens.manager)).attach('file', file('g.csv', TICKETS_CSV));
    expect(res.status).to.equal(400);
    const ok = await env.api.get(url('/tickets')).set(auth(env.tokens.manager));
    expect(ok.status).to.equal(200);
  });
});

describe('XLSX streaming with Chinese text', () => {
  it('reads 20,000 rows of Chinese cells back intact (exceljs chunk-boundary bug fixed)', async function () {
    this.timeout(60000);

    const p = path.join(tmp, 'zh.xlsx');
    const levels = ['高', '中', '低'];
    function* rows() {
      for (let i = 0; i < 20000; i++) yield [`GD-${i}`, levels[i % 3], '电子税务局运维服务'];
    }
    await writeXlsxStream(p, ['编号', '级别', '系统'], rows());
    let n = 0;
    const bad: number[] = [];
    for await (const r of readRows(p, 'xlsx')) {
      if (r.values['级别'] !== levels[n % 3] || r.values['系统'] !== '电子税务局运维服务') bad.push(r.row);
      n += 1;
    }
    expect(n).to.equal(20000);
    expect(bad).to.deep.equal([]);
  });
});
