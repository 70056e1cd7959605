// The quarterly sign-off workflow (RULES.md §3) through the API, on SQLite and (when
// TEST_DATABASE_URL is set) PostgreSQL: publish → vendor objections within the working-day
// window → uphold / reduce / withdraw → sign (409s) → admin reopen with a dry-run preview;
// interviews and the termination right; notifications; attachments; evidence the vendor
// submits for the manager to confirm.
//
// Time: the workflow reads "now" from ctx.clock. createApp(db, config, { clock }) takes it, so
// these tests run their own app on the environment's database with a clock they move. Dates
// are chosen on the bundled 2026 China calendar (春节 2026-02-15..23, 调休 workdays 02-14 and
// 02-28). Detection itself still reads the system clock; no test here depends on that beyond
// "the evidence dates below are in the past".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { closeApp, createApp } from '../server/app';
import { auth, describeEachDb, seed002Contract, TestEnv } from './helpers';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Row = Record<string, unknown>;

/** An instant given as Beijing wall-clock time. */
const bj = (local: string) => new Date(`${local}+08:00`);

describeEachDb('Sign-off workflow', (get) => {
  let clock = bj('2026-02-13T10:00:00');
  let api: ReturnType<typeof request>;
  let app: Express;
  let filesDir: string;
  let seq = 0;
  const ids: Record<string, number> = {};

  before(async () => {
    const env = get();
    // Attachments go to a temporary DATA_DIR, not the checkout's data/.
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-wf-'));
    app = createApp(env.db, { ...env.config, dataDir: filesDir }, { clock: () => clock });
    api = request(app);
    for (const name of ['admin', 'manager', 'manager2', 'finance', 'vendor', 'otherVendor']) {
      const u = (await env.db.models.User.findOne({ where: { username: name }, raw: true })) as unknown as { id: number };
      ids[name] = u.id;
    }
  });
  after(() => {
    if (app) closeApp(app);
    if (filesDir) fs.rmSync(filesDir, { recursive: true, force: true });
  });

  // ---- helpers ------------------------------------------------------------------------------

  const env = () => get();
  const tok = (who: keyof TestEnv['tokens']) => auth(env().tokens[who]);
  const setClock = (local: string) => {
    clock = bj(local);
  };

  async function newContract(extra: object = {}): Promise<number> {
    const res = await api.post('/api/v1/contracts').set(tok('manager')).send({ ...seed002Contract(env().vendorId, `WF-${++seq}`), ...extra });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id;
  }

  async function addLine(contractId: number, body: object): Promise<Body> {
    const res = await api.post(`/api/v1/contracts/${contractId}/ledger`).set(tok('manager')).send(body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }

  const publish = (contractId: number, n: number, who: keyof TestEnv['tokens'] = 'manager') =>
    api.post(`/api/v1/contracts/${contractId}/periods/${n}/publish`).set(tok(who));
  const sign = (contractId: number, n: number, body: object = {}, who: keyof TestEnv['tokens'] = 'manager') =>
    api.post(`/api/v1/contracts/${contractId}/periods/${n}/sign`).set(tok(who)).send(body);
  const acknowledge = (contractId: number, n: number, who: keyof TestEnv['tokens'] = 'vendor') =>
    api.post(`/api/v1/contracts/${contractId}/periods/${n}/acknowledge`).set(tok(who));
  const object = (contractId: number, lineId: number, body: object = { reason: '该工单超时系局方原因' }, who: keyof TestEnv['tokens'] = 'vendor') =>
    api.post(`/api/v1/contracts/${contractId}/ledger/${lineId}/objections`).set(tok(who)).send(body);
  const resolve = (objectionId: number, body: object, who: keyof TestEnv['tokens'] = 'manager') =>
    api.post(`/api/v1/objections/${objectionId}/resolve`).set(tok(who)).send(body);

  async function mustPublish(contractId: number, n: number) {
    const res = await publish(contractId, n);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }
  async function mustObject(contractId: number, lineId: number, reason = '有异议') {
    const res = await object(contractId, lineId, { reason });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body;
  }
  async function publishAndSignEarly(contractId: number, n: number) {
    await mustPublish(contractId, n);
    const res = await sign(contractId, n, { confirmEarly: true });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }

  async function payments(contractId: number, who: keyof TestEnv['tokens'] = 'finance'): Promise<Body> {
    const res = await api.get(`/api/v1/contracts/${contractId}/payments`).set(tok(who));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }
  async function scorecard(contractId: number, n: number, who: keyof TestEnv['tokens'] = 'manager'): Promise<Body> {
    const res = await api.get(`/api/v1/contracts/${contractId}/periods/${n}/scorecard`).set(tok(who));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }
  async function ledger(contractId: number, query = '', who: keyof TestEnv['tokens'] = 'manager'): Promise<Body[]> {
    const res = await api.get(`/api/v1/contracts/${contractId}/ledger${query}`).set(tok(who));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }
  async function standing(contractId: number, who: keyof TestEnv['tokens'] = 'manager'): Promise<Body> {
    const res = await api.get(`/api/v1/contracts/${contractId}`).set(tok(who));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }
  async function notifications(who: keyof TestEnv['tokens'], contractId?: number): Promise<Body[]> {
    const res = await api.get('/api/v1/notifications?limit=500').set(tok(who));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return contractId === undefined ? res.body : res.body.filter((n: Body) => n.contractId === contractId);
  }
  async function periodRow(contractId: number, n: number): Promise<Row> {
    return (await env().db.models.Period.findOne({ where: { contractId, number: n }, raw: true })) as unknown as Row;
  }

  /** Everything a rejected request must leave as it was. */
  async function snapshot(contractId: number) {
    const m = env().db.models;
    const plain = async (model: { findAll: (o: object) => Promise<unknown> }, attributes: string[], order: string) =>
      ((await model.findAll({ where: { contractId }, attributes, order: [[order, 'ASC']], raw: true })) as Row[]).map((r) =>
        attributes.map((a) => String(r[a])).join('|'),
      );
    return {
      lines: await plain(m.LedgerLine, ['id', 'periodNumber', 'status', 'units', 'version'], 'id'),
      objections: await plain(m.Objection, ['id', 'status', 'version', 'resolvedUnits'], 'id'),
      periods: await plain(m.Period, ['number', 'status', 'version', 'objectionDeadline'], 'number'),
      interviews: await m.Interview.count({ where: { contractId } }),
      submissions: await plain(m.EvidenceSubmission, ['id', 'status', 'version'], 'id'),
      files: await m.File.count({ where: { contractId } }),
      inspections: await m.InspectionRun.count({ where: { contractId } }),
      reports: await m.ReportSubmission.count({ where: { contractId } }),
      people: await m.Person.count({ where: { contractId } }),
      notifications: await m.Notification.count(),
      audit: await m.Audit.count(),
    };
  }

  function expectError(res: request.Response, status: number, code?: string) {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.body.error, JSON.stringify(res.body)).to.be.an('object');
    if (code) expect(res.body.error.code, JSON.stringify(res.body)).to.equal(code);
  }

  it('runs on the test clock (createApp(db, config, { clock }))', async () => {
    // Everything below moves "now" through objection windows. If the app ignores the clock,
    // the deadlines are computed from the real date and most window assertions fail.
    const id = await newContract();
    setClock('2026-03-02T10:00:00'); // Monday: 03-03 … 03-09
    await mustPublish(id, 1);
    expect((await periodRow(id, 1)).objectionDeadline, 'the objection deadline follows the test clock').to.equal('2026-03-09');
  });

  // ---- the happy path ---------------------------------------------------------------------

  describe('publish → objections → resolutions → sign', () => {
    it('moves scores and installment 2 exactly through reduce, withdraw and uphold', async () => {
      const id = await newContract();
      setClock('2026-02-13T10:00:00');
      // P1: 4a × 3 = 0.30, 9a × 4 = 0.40, 1a × 2 = 0.60; P2: 5a × 1 = 0.50
      const a = await addLine(id, { period: 1, item: 4, units: 3, reason: '3 张工单超时' });
      const b = await addLine(id, { period: 1, item: 9, units: 4, reason: '缺 4 份周报' });
      const c = await addLine(id, { period: 1, item: 1, units: 2, reason: '缺 2 人' });
      await addLine(id, { period: 2, item: 5, rule: '5a', units: 1, reason: '缺 1 次巡检' });
      expect([a.points, b.points, c.points]).to.deep.equal(['0.30', '0.40', '0.60']);

      // Installment 2 = 0.40 × 12,084,900.00 = 4,833,960.00, fed by P1 + P2.
      // D = 1.80: × (1 − 1.80 × 0.008) = × 0.9856 → 4,764,350.976 → 4,764,350.98
      let pay = await payments(id);
      expect(pay.installments[1]).to.include({ baseAmount: '4833960.00', accumulatedDeduction: '1.80', payable: '4764350.98', final: false });
      expect((await scorecard(id, 1)).score).to.equal('98.70');

      // draft: the vendor sees neither the scorecard nor the lines
      expectError(await api.get(`/api/v1/contracts/${id}/periods/1/scorecard`).set(tok('vendor')), 404);
      expect(await ledger(id, '', 'vendor')).to.deep.equal([]);

      const pub = await mustPublish(id, 1);
      expect(pub).to.include({ number: 1, status: 'published' });
      // published Fri 02-13: working days after it are 02-14 (调休), 02-24, 25, 26, 27 → deadline 02-27
      expect((await periodRow(id, 1)).objectionDeadline).to.equal('2026-02-27');

      // published: the vendor sees P1 (not the still-draft P2)
      expect((await scorecard(id, 1, 'vendor')).score).to.equal('98.70');
      const seen = await ledger(id, '', 'vendor');
      expect(seen.map((l) => l.id)).to.deep.equal([a.id, b.id, c.id]);

      setClock('2026-02-24T09:00:00');
      const oa = await mustObject(id, a.id, '其中 2 张工单超时系等待局方确认');
      const ob = await mustObject(id, b.id, '周报已通过邮件提交');
      const oc = await mustObject(id, c.id, '人员已到岗');
      expect(oa).to.include({ status: 'open', lineId: a.id, period: 1, originalUnits: '3', resolvedUnits: null, filedBy: ids.vendor });
      expect(oa.line).to.include({ id: a.id, units: '3', points: '0.30' });
      expect(ob.originalUnits).to.equal('4');

      const blocked = await sign(id, 1, { confirmEarly: true });
      expectError(blocked, 409, 'objections_open');

      // reduce 3 → 1: P1 1.30 → 1.10; D = 1.60 → × 0.9872 → 4,772,085.312 → 4,772,085.31
      const ra = await resolve(oa.id, { decision: 'reduce', units: 1, reason: '2 张工单暂停计时已确认' });
      expect(ra.status, JSON.stringify(ra.body)).to.equal(200);
      expect(ra.body).to.include({ status: 'reduced', decision: 'reduce', originalUnits: '3', resolvedUnits: '1', resolvedBy: ids.manager });
      expect(ra.body.replacementLineId).to.be.a('number');
      expect((await scorecard(id, 1)).score).to.equal('98.90');
      pay = await payments(id);
      expect(pay.installments[1]).to.include({ accumulatedDeduction: '1.60', payable: '4772085.31' });
      const lines = await ledger(id, '?period=1');
      expect(lines.find((l) => l.id === a.id)).to.include({ status: 'withdrawn', units: '3' });
      expect(lines.find((l) => l.id === ra.body.replacementLineId)).to.include({ status: 'active', units: '1', points: '0.10', item: 4, rule: '4a', source: 'objection' });

      // withdraw: P1 1.10 → 0.70; D = 1.20 → × 0.9904 → 4,787,553.984 → 4,787,553.98
      const rb = await resolve(ob.id, { decision: 'withdraw', reason: '已核实邮件提交记录' });
      expect(rb.status, JSON.stringify(rb.body)).to.equal(200);
      expect(rb.body).to.include({ status: 'withdrawn', resolvedUnits: '0', replacementLineId: null });
      expect((await scorecard(id, 1)).score).to.equal('99.30');
      pay = await payments(id);
      expect(pay.installments[1]).to.include({ accumulatedDeduction: '1.20', payable: '4787553.98' });

      // uphold: nothing moves
      const rc = await resolve(oc.id, { decision: 'uphold', reason: '考勤记录显示缺岗' });
      expect(rc.status, JSON.stringify(rc.body)).to.equal(200);
      expect(rc.body).to.include({ status: 'upheld', resolvedUnits: '2', replacementLineId: null });
      expect((await ledger(id, '?period=1')).find((l) => l.id === c.id)).to.include({ status: 'active' });
      expect((await scorecard(id, 1)).score).to.equal('99.30');
      expect((await payments(id)).installments[1].payable).to.equal('4787553.98');

      const list = await api.get(`/api/v1/contracts/${id}/objections`).set(tok('vendor'));
      expect(list.status).to.equal(200);
      expect(list.body.map((o: Body) => o.status)).to.deep.equal(['reduced', 'withdrawn', 'upheld']);
      const upheld = await api.get(`/api/v1/contracts/${id}/objections?status=upheld&period=1`).set(tok('manager'));
      expect(upheld.body.map((o: Body) => o.id)).to.deep.equal([oc.id]);
      expect((await api.get(`/api/v1/contracts/${id}/objections?status=open`).set(tok('manager'))).body).to.deep.equal([]);

      // still inside the window (deadline 02-27), the vendor has not acknowledged
      setClock('2026-02-25T10:00:00');
      expectError(await sign(id, 1), 409, 'objection_window_open');
      const signed = await sign(id, 1, { confirmEarly: true });
      expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
      expect(signed.body).to.include({ number: 1, status: 'signed' });
      expect(signed.body.signedAt).to.equal(bj('2026-02-25T10:00:00').toISOString());

      // signing re-ran detection but changed nothing: same figures, not final until P2 is signed
      pay = await payments(id);
      expect(pay.installments[1]).to.include({ accumulatedDeduction: '1.20', payable: '4787553.98', final: false });
      expect(pay.periods.map((p: Body) => [p.number, p.status, p.score])).to.deep.equal([
        [1, 'signed', '99.30'], [2, 'draft', '99.50'], [3, 'draft', '100.00'], [4, 'draft', '100.00'],
      ]);
      await publishAndSignEarly(id, 2);
      pay = await payments(id);
      expect(pay.installments[1]).to.include({ payable: '4787553.98', final: true });
      // 2,416,980.00 + 4,787,553.98 + 4,833,960.00
      expect(pay.totals.payable).to.equal('12038493.98');
    });

    it('after acknowledgement the bureau signs inside the window without confirmEarly', async () => {
      const id = await newContract();
      setClock('2026-03-02T10:00:00');
      const line = await addLine(id, { period: 1, item: 4, units: 1, reason: '超时' });
      await mustPublish(id, 1);
      // an open objection blocks the acknowledgement
      const o = await mustObject(id, line.id);
      let before = await snapshot(id);
      expectError(await acknowledge(id, 1), 409);
      expect(await snapshot(id)).to.deep.equal(before);
      expect((await resolve(o.id, { decision: 'uphold', reason: '属实' })).status).to.equal(200);
      // only the vendor acknowledges
      before = await snapshot(id);
      expectError(await acknowledge(id, 1, 'manager'), 403);
      expectError(await acknowledge(id, 1, 'otherVendor'), 404);
      expect(await snapshot(id)).to.deep.equal(before);
      const ack = await acknowledge(id, 1);
      expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
      expect((await periodRow(id, 1)).acknowledgedBy).to.equal(ids.vendor);
      expectError(await acknowledge(id, 1), 409);
      const signed = await sign(id, 1);
      expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
      expect(signed.body.status).to.equal('signed');
    });

    it('signs without confirmEarly once the window has run out', async () => {
      const id = await newContract();
      await addLine(id, { period: 1, item: 4, units: 1, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      setClock('2026-02-27T23:59:00'); // last day of the window, Beijing time
      expectError(await sign(id, 1), 409, 'objection_window_open');
      setClock('2026-02-28T00:01:00'); // 02-27 16:01Z: already the 28th in Beijing
      const res = await sign(id, 1);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.status).to.equal('signed');
    });
  });

  // ---- signing: every refusal --------------------------------------------------------------

  describe('signing refusals', () => {
    it('answers not_published, objections_open, objection_window_open, 403 and 409 and stores nothing', async () => {
      const id = await newContract();
      const line = await addLine(id, { period: 1, item: 4, units: 2, reason: '超时' });
      setClock('2026-02-13T10:00:00');

      let before = await snapshot(id);
      expectError(await publish(id, 1, 'vendor'), 403);
      expectError(await publish(id, 1, 'finance'), 403);
      expectError(await publish(id, 9), 404);
      expectError(await acknowledge(id, 1), 404); // a draft does not exist for the vendor
      expectError(await sign(id, 1), 409, 'not_published');
      expectError(await sign(id, 1, { confirmEarly: true }), 409, 'not_published');
      expect(await snapshot(id)).to.deep.equal(before);

      await mustPublish(id, 1);
      const o = await mustObject(id, line.id);
      before = await snapshot(id);
      expectError(await sign(id, 1), 409, 'objections_open');
      expectError(await sign(id, 1, { confirmEarly: true }), 409, 'objections_open');
      expect(await snapshot(id)).to.deep.equal(before);

      expect((await resolve(o.id, { decision: 'uphold', reason: '属实' })).status).to.equal(200);
      before = await snapshot(id);
      const open = await sign(id, 1);
      expectError(open, 409, 'objection_window_open');
      expect(open.body.error.message).to.contain('2026-02-27');
      expectError(await sign(id, 1, { confirmEarly: false }), 409, 'objection_window_open');
      expectError(await sign(id, 1, { confirmEarly: 'maybe' }), 400, 'invalid_input');
      expectError(await sign(id, 1, { confirmEarly: true }, 'vendor'), 403);
      expectError(await sign(id, 1, { confirmEarly: true }, 'finance'), 403);
      expectError(await sign(id, 9, { confirmEarly: true }), 404);
      expect(await snapshot(id)).to.deep.equal(before);

      expect((await sign(id, 1, { confirmEarly: true })).status).to.equal(200);
      before = await snapshot(id);
      expectError(await sign(id, 1, { confirmEarly: true }), 409);
      expectError(await publish(id, 1), 409);
      expect(await snapshot(id)).to.deep.equal(before);
    });
  });

  // ---- the objection window --------------------------------------------------------------

  describe('objection window (working days on the China calendar)', () => {
    it('accepts an objection on the last day of the window and refuses it the next day', async () => {
      const id = await newContract();
      const l1 = await addLine(id, { period: 1, item: 4, units: 1, reason: '超时 1' });
      const l2 = await addLine(id, { period: 1, item: 4, units: 1, reason: '超时 2' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      const deadline = '2026-02-27';
      expect((await periodRow(id, 1)).objectionDeadline).to.equal(deadline);
      const note = (await notifications('vendor', id)).find((n) => n.kind === 'period.published');
      expect(note?.message).to.contain(deadline);

      setClock('2026-02-27T23:30:00');
      expect((await object(id, l1.id)).status).to.equal(201);
      setClock('2026-02-28T00:30:00');
      const before = await snapshot(id);
      expectError(await object(id, l2.id), 409, 'objection_window_closed');
      expect(await snapshot(id)).to.deep.equal(before);
    });

    it('counts objectionWindowDays working days from the day after publication, 调休 Saturdays included', async () => {
      const three = await newContract({ objectionWindowDays: 3 });
      setClock('2026-02-13T10:00:00'); // Friday: 02-14 (调休), 02-24, 02-25
      await mustPublish(three, 1);
      expect((await periodRow(three, 1)).objectionDeadline).to.equal('2026-02-25');

      const five = await newContract();
      setClock('2026-02-14T10:00:00'); // 调休 Saturday: 02-24, 25, 26, 27, 28 (调休)
      await mustPublish(five, 1);
      expect((await periodRow(five, 1)).objectionDeadline).to.equal('2026-02-28');

      const holiday = await newContract();
      setClock('2026-09-30T16:00:00'); // before 国庆: 10-08, 09, 10 (调休), 12, 13
      await mustPublish(holiday, 4);
      expect((await periodRow(holiday, 4)).objectionDeadline).to.equal('2026-10-13');
    });

    it('republishing restarts the window and clears an acknowledgement', async () => {
      const id = await newContract();
      const line = await addLine(id, { period: 1, item: 4, units: 1, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      expect((await acknowledge(id, 1)).status).to.equal(200);
      setClock('2026-03-02T10:00:00');
      await mustPublish(id, 1);
      const row = await periodRow(id, 1);
      expect(row.acknowledgedAt).to.equal(null);
      expect(row.objectionDeadline).to.equal('2026-03-09');
      expect((await object(id, line.id)).status).to.equal(201);
    });

    it('answers 409 calendar_missing when the window runs past the bundled calendar', async () => {
      const id = await newContract();
      setClock('2026-12-28T10:00:00');
      const before = await snapshot(id);
      expectError(await publish(id, 4), 409, 'calendar_missing');
      expect(await snapshot(id)).to.deep.equal(before);
    });
  });

  // ---- objection refusals ------------------------------------------------------------------

  describe('objection refusals', () => {
    it('refuses objections by the wrong party, on the wrong line or at the wrong time, storing nothing', async () => {
      const id = await newContract();
      const other = await newContract();
      const l1 = await addLine(id, { period: 1, item: 4, units: 3, reason: '超时 3 次' });
      const l2 = await addLine(id, { period: 1, item: 9, units: 1, reason: '缺周报' });
      const l3 = await addLine(id, { period: 1, item: 1, units: 1, reason: '缺 1 人' });
      const draftLine = await addLine(id, { period: 2, item: 4, units: 1, reason: '超时' });
      const foreign = await addLine(other, { period: 1, item: 4, units: 1, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      await mustPublish(other, 1);
      setClock('2026-02-16T10:00:00');

      let before = await snapshot(id);
      expectError(await object(id, l1.id, { reason: 'x' }, 'otherVendor'), 404);
      expectError(await object(id, l1.id, { reason: 'x' }, 'manager'), 403);
      expectError(await object(id, l1.id, { reason: 'x' }, 'admin'), 403);
      expectError(await object(id, l1.id, { reason: 'x' }, 'finance'), 403);
      expectError(await object(id, draftLine.id), 404); // a draft period's line does not exist for the vendor
      expectError(await object(id, foreign.id), 404); // another contract's line
      expectError(await object(id, 999999), 404);
      expectError(await object(id, l1.id, {}), 400, 'invalid_input');
      expectError(await object(id, l1.id, { reason: '   ' }), 400, 'invalid_input');
      expectError(await object(id, l1.id, { reason: 'x', attachments: [999999] }), 400, 'invalid_input');
      expect(await snapshot(id)).to.deep.equal(before);

      // a withdrawn line
      const w = await api.post(`/api/v1/contracts/${id}/ledger/${l2.id}/withdraw`).set(tok('manager')).send({ reason: '误记' });
      expect(w.status).to.equal(200);
      before = await snapshot(id);
      expectError(await object(id, l2.id), 409);
      expect(await snapshot(id)).to.deep.equal(before);

      // twice on the same line: while open and once resolved
      const o1 = await mustObject(id, l1.id);
      before = await snapshot(id);
      expectError(await object(id, l1.id, { reason: '再次提出' }), 409);
      expect(await snapshot(id)).to.deep.equal(before);
      // the manager cannot withdraw a line under objection outside the objection
      expectError(await api.post(`/api/v1/contracts/${id}/ledger/${l1.id}/withdraw`).set(tok('manager')).send({ reason: '绕过异议' }), 409);
      expect(await snapshot(id)).to.deep.equal(before);
      const reduced = await resolve(o1.id, { decision: 'reduce', units: '2', reason: '核减 1 次' });
      expect(reduced.status, JSON.stringify(reduced.body)).to.equal(200);
      before = await snapshot(id);
      expectError(await object(id, l1.id, { reason: '再次提出' }), 409);
      // nor on the line that replaced the reduced one
      expectError(await object(id, reduced.body.replacementLineId), 409);
      expect(await snapshot(id)).to.deep.equal(before);

      // after the acknowledgement
      expect((await acknowledge(id, 1)).status).to.equal(200);
      before = await snapshot(id);
      expectError(await object(id, l3.id), 409);
      expect(await snapshot(id)).to.deep.equal(before);

      // after signing
      expect((await sign(id, 1)).status).to.equal(200);
      before = await snapshot(id);
      expectError(await object(id, l3.id), 409);
      expect(await snapshot(id)).to.deep.equal(before);
    });

    it('answers a filed objection with the same fields as GET /objections/:id', async () => {
      const id = await newContract();
      const line = await addLine(id, { period: 1, item: 4, units: 1, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      const filed = await mustObject(id, line.id);
      const got = await api.get(`/api/v1/objections/${filed.id}`).set(tok('vendor'));
      expect(got.status).to.equal(200);
      expect(got.body).to.include({ decision: null, resolutionReason: null, resolvedBy: null, resolvedAt: null, replacementLineId: null });
      // the 201 body should not lack the keys a client reads to tell an open objection
      expect(Object.keys(filed).sort(), 'keys of the POST …/objections answer').to.deep.equal(Object.keys(got.body).sort());
    });

    it('another vendor can neither read nor resolve an objection', async () => {
      const id = await newContract();
      const line = await addLine(id, { period: 1, item: 4, units: 1, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      const o = await mustObject(id, line.id);
      expectError(await api.get(`/api/v1/objections/${o.id}`).set(tok('otherVendor')), 404);
      expectError(await api.get(`/api/v1/contracts/${id}/objections`).set(tok('otherVendor')), 404);
      const mine = await api.get(`/api/v1/objections/${o.id}`).set(tok('vendor'));
      expect(mine.status).to.equal(200);
      expect(mine.body).to.include({ id: o.id, status: 'open', filedBy: ids.vendor });
    });
  });

  // ---- resolution refusals -----------------------------------------------------------------

  describe('resolution refusals', () => {
    it('refuses resolutions by vendors, bad units, missing reasons and a second resolution, storing nothing', async () => {
      const id = await newContract();
      const line = await addLine(id, { period: 1, item: 4, units: 3, reason: '超时 3 次' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      const o = await mustObject(id, line.id);

      const before = await snapshot(id);
      expectError(await resolve(o.id, { decision: 'withdraw', reason: '自己撤销' }, 'vendor'), 403);
      expectError(await resolve(o.id, { decision: 'withdraw', reason: 'x' }, 'otherVendor'), 403);
      expectError(await resolve(o.id, { decision: 'withdraw', reason: 'x' }, 'finance'), 403);
      expectError(await resolve(999999, { decision: 'uphold', reason: 'x' }), 404);
      const bad: [object, string][] = [
        [{ decision: 'reduce', units: 3, reason: '与原数量相同' }, 'units'],
        [{ decision: 'reduce', units: '3', reason: '与原数量相同' }, 'units'],
        [{ decision: 'reduce', units: 5, reason: '大于原数量' }, 'units'],
        [{ decision: 'reduce', units: 'abc', reason: '不是数字' }, 'units'],
        [{ decision: 'reduce', units: '1,5', reason: '不是数字' }, 'units'],
        [{ decision: 'reduce', units: '', reason: '空' }, 'units'],
        [{ decision: 'reduce', units: -1, reason: '负数' }, 'units'],
        [{ decision: 'reduce', units: 0, reason: '零' }, 'units'],
        [{ decision: 'reduce', units: 1.5, reason: '4a 按整数计' }, 'units'],
        [{ decision: 'reduce', units: '1.005', reason: '三位小数' }, 'units'],
        [{ decision: 'reduce', reason: '缺数量' }, 'units'],
        [{ decision: 'reduce', units: 1 }, 'reason'],
        [{ decision: 'uphold', reason: '' }, 'reason'],
        [{ decision: 'withdraw' }, 'reason'],
        [{ decision: 'maybe', reason: 'x' }, 'decision'],
        [{ reason: 'x' }, 'decision'],
      ];
      for (const [body, field] of bad) {
        const res = await resolve(o.id, body);
        expect(res.status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).to.equal(400);
        expect(res.body.error.details.map((d: Body) => d.path), JSON.stringify(body)).to.include(field);
      }
      expect(await snapshot(id)).to.deep.equal(before);

      // a stale version
      expectError(await resolve(o.id, { decision: 'uphold', reason: 'x', version: o.version + 5 }), 409);
      expect(await snapshot(id)).to.deep.equal(before);

      const ok = await resolve(o.id, { decision: 'reduce', units: '2', reason: '核减 1 次', version: o.version });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      const after = await snapshot(id);
      for (const body of [{ decision: 'uphold', reason: '再来一次' }, { decision: 'withdraw', reason: '再来一次' }, { decision: 'reduce', units: 1, reason: '再来一次' }]) {
        expectError(await resolve(o.id, body), 409);
      }
      expect(await snapshot(id)).to.deep.equal(after);
      // exactly one replacement line: 3 → 2
      const active = (await ledger(id, '?period=1&status=active')).map((l) => [l.units, l.source]);
      expect(active).to.deep.equal([['2', 'objection']]);
    });

    it('a reduced or withdrawn detected line stays as resolved when signing re-runs detection', async () => {
      const id = await newContract();
      // DBA × 3 required, nobody on the roster: detection writes 1a × 3 (0.90) in each past period
      const pos = await api.put(`/api/v1/contracts/${id}/positions`).set(tok('manager')).send([{ role: 'DBA', count: 3, toleranceWorkingDays: 5 }]);
      expect(pos.status, JSON.stringify(pos.body)).to.equal(200);
      const [p1Line] = (await ledger(id, '?period=1&status=active')).filter((l) => l.rule === '1a');
      const [p2Line] = (await ledger(id, '?period=2&status=active')).filter((l) => l.rule === '1a');
      expect(p1Line).to.include({ units: '3', points: '0.90', source: 'staffing' });
      expect(p2Line).to.include({ units: '3', points: '0.90', source: 'staffing' });
      setClock('2026-05-11T10:00:00');
      await mustPublish(id, 1);
      await mustPublish(id, 2);
      const o1 = await mustObject(id, p1Line.id, '已到岗 2 人');
      const o2 = await mustObject(id, p2Line.id, '岗位要求已调整');
      expect((await resolve(o1.id, { decision: 'reduce', units: 1, reason: '核实到岗 2 人' })).status).to.equal(200);
      expect((await resolve(o2.id, { decision: 'withdraw', reason: '岗位要求已调整' })).status).to.equal(200);
      expect((await sign(id, 1, { confirmEarly: true })).status).to.equal(200);
      expect((await sign(id, 2, { confirmEarly: true })).status).to.equal(200);
      const p1 = await ledger(id, '?period=1&status=active');
      const p2 = await ledger(id, '?period=2&status=active');
      expect(p1.map((l) => [l.rule, l.units, l.source])).to.deep.equal([['1a', '1', 'objection']]);
      expect(p2).to.deep.equal([]);
      expect((await scorecard(id, 1)).score).to.equal('99.70');
      expect((await scorecard(id, 2)).score).to.equal('100.00');
    });
  });

  // ---- at the same time --------------------------------------------------------------------

  describe('concurrent requests', () => {
    it('two objections to one line, two resolutions of one objection, two signatures: one wins, the other gets 409', async () => {
      const id = await newContract();
      const line = await addLine(id, { period: 1, item: 4, units: 3, reason: '超时 3 次' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);

      const filed = await Promise.all([object(id, line.id, { reason: '甲' }), object(id, line.id, { reason: '乙' })]);
      expect(filed.map((r) => r.status).sort(), JSON.stringify(filed.map((r) => r.body))).to.deep.equal([201, 409]);
      expect(await env().db.models.Objection.count({ where: { contractId: id } })).to.equal(1);
      const o = filed.find((r) => r.status === 201)!.body;

      const resolved = await Promise.all([
        resolve(o.id, { decision: 'reduce', units: 2, reason: '核减' }),
        resolve(o.id, { decision: 'withdraw', reason: '撤销' }, 'manager2'),
      ]);
      expect(resolved.map((r) => r.status).sort(), JSON.stringify(resolved.map((r) => r.body))).to.deep.equal([200, 409]);
      // exactly one decision took effect on the ledger
      const active = await ledger(id, '?period=1&status=active');
      const winner = resolved.find((r) => r.status === 200)!.body;
      expect(active.map((l) => l.units)).to.deep.equal(winner.decision === 'reduce' ? ['2'] : []);

      const signed = await Promise.all([sign(id, 1, { confirmEarly: true }), sign(id, 1, { confirmEarly: true }, 'manager2')]);
      expect(signed.map((r) => r.status).sort(), JSON.stringify(signed.map((r) => r.body))).to.deep.equal([200, 409]);
      expect((await periodRow(id, 1)).status).to.equal('signed');
      const audits = await env().db.models.Audit.count({ where: { contractId: id, action: 'period.sign' } });
      expect(audits).to.equal(1);
    });
  });

  // ---- reopen ------------------------------------------------------------------------------

  describe('reopen', () => {
    it('only an admin previews or reopens, with a reason, and only a signed period', async () => {
      const id = await newContract();
      await addLine(id, { period: 1, item: 4, units: 1, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      let before = await snapshot(id);
      expectError(await api.get(`/api/v1/contracts/${id}/periods/1/reopen-preview`).set(tok('admin')), 409);
      expectError(await api.post(`/api/v1/contracts/${id}/periods/1/reopen`).set(tok('admin')).send({ reason: '未签署' }), 409);
      expect(await snapshot(id)).to.deep.equal(before);
      await publishAndSignEarly(id, 1);
      before = await snapshot(id);
      for (const who of ['manager', 'vendor', 'finance', 'otherVendor'] as const) {
        expectError(await api.get(`/api/v1/contracts/${id}/periods/1/reopen-preview`).set(tok(who)), 403);
        expectError(await api.post(`/api/v1/contracts/${id}/periods/1/reopen`).set(tok(who)).send({ reason: '重新核对' }), 403);
      }
      expectError(await api.post(`/api/v1/contracts/${id}/periods/1/reopen`).set(tok('admin')).send({}), 400, 'invalid_input');
      expectError(await api.post(`/api/v1/contracts/${id}/periods/1/reopen`).set(tok('admin')).send({ reason: '  ' }), 400, 'invalid_input');
      expect(await snapshot(id)).to.deep.equal(before);
    });

    it('the preview is a dry run and equals what the reopen then reports', async () => {
      const id = await newContract();
      // P2: 5a × 10 = 5.00, item 5 at its cap (5)
      await addLine(id, { period: 2, item: 5, rule: '5a', units: 10, reason: '缺 10 次巡检' });
      setClock('2026-02-13T10:00:00');
      await publishAndSignEarly(id, 1);
      // late evidence for signed P1: a run planned for 2025-12-01 never happened → 5a, held as
      // an adjustment in P2, where item 5 is already capped
      const plan = await api.post(`/api/v1/contracts/${id}/inspection-plans`).set(tok('manager')).send({
        name: '月度巡检', frequency: 'dates', dates: ['2025-12-01'], checklist: ['CPU'],
      });
      expect(plan.status, JSON.stringify(plan.body)).to.equal(201);
      const adj = (await ledger(id, '?status=active')).filter((l) => l.source === 'inspection');
      expect(adj.map((l) => [l.period, l.rule, l.units])).to.deep.equal([[2, '5a', '1']]);

      // installment 2: P1 0 + P2 5.00 (capped) → × 0.96 = 4,640,601.60; after the reopen the
      // 5a moves into P1: 0.50 + 5.00 → × 0.956 = 4,621,265.76; difference −19,335.84
      const before = await snapshot(id);
      const preview = await api.get(`/api/v1/contracts/${id}/periods/1/reopen-preview`).set(tok('admin'));
      expect(preview.status, JSON.stringify(preview.body)).to.equal(200);
      expect(await snapshot(id)).to.deep.equal(before);
      expect((await periodRow(id, 1)).status).to.equal('signed');
      expect(preview.body.before).to.include({ score: '100.00', totalDeduction: '0.00', payableTotal: '11891541.60' });
      expect(preview.body.after).to.include({ score: '99.50', totalDeduction: '0.50', payableTotal: '11872205.76' });
      expect(preview.body.before.installments[1].payable).to.equal('4640601.60');
      expect(preview.body.after.installments[1].payable).to.equal('4621265.76');
      expect(preview.body.before.periods.map((p: Body) => p.score)).to.deep.equal(['100.00', '95.00', '100.00', '100.00']);
      expect(preview.body.after.periods.map((p: Body) => p.score)).to.deep.equal(['99.50', '95.00', '100.00', '100.00']);
      expect(preview.body.payableDifference).to.equal('-19335.84');

      const reopen = await api.post(`/api/v1/contracts/${id}/periods/1/reopen`).set(tok('admin')).send({ reason: '补录 12 月巡检缺失' });
      expect(reopen.status, JSON.stringify(reopen.body)).to.equal(200);
      expect(reopen.body).to.include({ number: 1, status: 'draft', reason: '补录 12 月巡检缺失' });
      expect(reopen.body.before).to.deep.equal(preview.body.before);
      expect(reopen.body.after).to.deep.equal(preview.body.after);
      expect(reopen.body.payableDifference).to.equal(preview.body.payableDifference);
      expect((await payments(id)).installments[1].payable).to.equal('4621265.76');
      const moved = (await ledger(id, '?status=active')).filter((l) => l.source === 'inspection');
      expect(moved.map((l) => [l.period, l.rule, l.units])).to.deep.equal([[1, '5a', '1']]);

      // back to draft: hidden from the vendor, who was told; then published and signed again
      expectError(await api.get(`/api/v1/contracts/${id}/periods/1/scorecard`).set(tok('vendor')), 404);
      expect((await notifications('vendor', id)).map((n) => n.kind)).to.include('period.reopened');
      const row = await periodRow(id, 1);
      expect(row).to.include({ status: 'draft', signedAt: null, objectionDeadline: null });
      await publishAndSignEarly(id, 1);
      expect((await scorecard(id, 1, 'vendor')).score).to.equal('99.50');
    });
  });

  // ---- interviews and the termination right ------------------------------------------------

  describe('interviews and the termination right', () => {
    /** 1a × 10 (3.00, capped 3) + 4a × 30 (3.00): 94.00 */
    async function below(id: number, n: number) {
      await addLine(id, { period: n, item: 1, units: 10, reason: '缺 10 人' });
      await addLine(id, { period: n, item: 4, units: 30, reason: '超时 30 次' });
    }
    const interview = (id: number, body: object, who: keyof TestEnv['tokens'] = 'manager') =>
      api.post(`/api/v1/contracts/${id}/interviews`).set(tok(who)).send(body);

    it('records interviews only for quarters strictly below the threshold, with valid input', async () => {
      const id = await newContract();
      await below(id, 1);
      await addLine(id, { period: 2, item: 5, rule: '5a', units: 10, reason: '缺 10 次巡检' }); // exactly 95.00
      setClock('2026-02-13T10:00:00');
      const draft = await interview(id, { period: 1, date: '2026-02-10', attendees: '王婷', outcome: '整改' });
      expectError(draft, 400, 'invalid_input'); // the vendor cannot see a draft's score yet
      expect(draft.body.error.message).to.contain('尚未发布');
      await mustPublish(id, 1);
      const ok = { period: 1, date: '2026-02-10', attendees: '局方：王婷；服务商：李明', outcome: '限期整改' };
      const before = await snapshot(id);
      const bad: [object, string][] = [
        [{ ...ok, period: 2 }, 'period'], // 95.00 is not below 95
        [{ ...ok, period: 3 }, 'period'], // 100.00
        [{ ...ok, period: 9 }, 'period'],
        [{ ...ok, period: undefined }, 'period'],
        [{ ...ok, date: '2026-02-30' }, 'date'],
        [{ ...ok, date: '10/02/2026' }, 'date'],
        [{ ...ok, date: undefined }, 'date'],
        [{ ...ok, date: '2025-10-31' }, 'date'], // before the period started
        [{ ...ok, attendees: '' }, 'attendees'],
        [{ ...ok, attendees: undefined }, 'attendees'],
        [{ ...ok, outcome: '  ' }, 'outcome'],
      ];
      for (const [body, field] of bad) {
        const res = await interview(id, body);
        expect(res.status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).to.equal(400);
        expect(res.body.error.details.map((d: Body) => d.path), JSON.stringify(body)).to.include(field);
      }
      expectError(await interview(id, ok, 'vendor'), 403);
      expectError(await interview(id, ok, 'finance'), 403);
      expectError(await interview(id, ok, 'otherVendor'), 403);
      expect(await snapshot(id)).to.deep.equal(before);

      const res = await interview(id, ok);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ period: 1, date: '2026-02-10', recordedBy: ids.manager });
      const dup = await interview(id, { ...ok, date: '2026-02-11' });
      expectError(dup, 409);
      const list = await api.get(`/api/v1/contracts/${id}/interviews`).set(tok('vendor'));
      expect(list.body.map((i: Body) => i.period)).to.deep.equal([1]);
      expect((await notifications('vendor', id)).map((n) => n.kind)).to.include('interview.recorded');
    });

    it('gives the termination right on a further SIGNED quarter below the threshold after two interviews', async () => {
      const id = await newContract();
      for (const n of [1, 2, 3]) await below(id, n);
      setClock('2026-08-10T10:00:00');
      const meet = (period: number, date: string) => interview(id, { period, date, attendees: '王婷、李明', outcome: '约谈整改' });
      await mustPublish(id, 1);
      await mustPublish(id, 2);
      expect((await meet(1, '2026-02-10')).status).to.equal(201);
      let s = await standing(id);
      expect(s).to.include({ interviewsHeld: 1, terminationRight: false, terminationPeriod: null });
      expect((await meet(2, '2026-05-10')).status).to.equal(201);
      s = await standing(id);
      expect(s).to.include({ interviewsHeld: 2, terminationRight: false });

      // the two interviewed quarters signed: still no right (they are not "further" quarters)
      await publishAndSignEarly(id, 1);
      await publishAndSignEarly(id, 2);
      expect((await standing(id)).terminationRight).to.equal(false);
      // P3 below the threshold but only published: no right yet
      await mustPublish(id, 3);
      s = await standing(id);
      expect(s.terminationRight).to.equal(false);
      expect(s.interviewsDue).to.deep.equal([3]);
      expect((await sign(id, 3, { confirmEarly: true })).status).to.equal(200);
      s = await standing(id);
      expect(s).to.include({ terminationRight: true, terminationPeriod: 3 });
      expect(s.scores.map((x: Body) => x.score)).to.deep.equal(['94.00', '94.00', '94.00', '100.00']);
      const v = await standing(id, 'vendor');
      expect(v).to.include({ terminationRight: true, terminationPeriod: 3 });
      // reopening the quarter that raised it takes the right away again
      const re = await api.post(`/api/v1/contracts/${id}/periods/3/reopen`).set(tok('admin')).send({ reason: '复核第3季度' });
      expect(re.status, JSON.stringify(re.body)).to.equal(200);
      expect(await standing(id)).to.include({ terminationRight: false, terminationPeriod: null });
    });

    it('uses the contract\'s own interview threshold', async () => {
      const id = await newContract({ interviewThreshold: '90' });
      await below(id, 1); // 94.00: below 95 but not below 90
      setClock('2026-02-13T10:00:00');
      const before = await snapshot(id);
      const res = await interview(id, { period: 1, date: '2026-02-10', attendees: '王婷', outcome: '整改' });
      expectError(res, 400, 'invalid_input');
      expect(res.body.error.details.map((d: Body) => d.path)).to.include('period');
      expect(await snapshot(id)).to.deep.equal(before);
      expect((await scorecard(id, 1)).interviewRequired).to.equal(false);
    });

    it('respects interviewsBeforeTermination of the contract', async () => {
      const id = await newContract({ interviewsBeforeTermination: 1 });
      await below(id, 1);
      await below(id, 2);
      setClock('2026-05-11T10:00:00');
      await mustPublish(id, 1);
      expect((await interview(id, { period: 1, date: '2026-02-10', attendees: '王婷', outcome: '整改' })).status).to.equal(201);
      await publishAndSignEarly(id, 1);
      expect((await standing(id)).terminationRight).to.equal(false);
      await publishAndSignEarly(id, 2);
      expect(await standing(id)).to.include({ terminationRight: true, terminationPeriod: 2 });
    });
  });

  // ---- what the vendor sees ------------------------------------------------------------------

  describe('vendor visibility', () => {
    it('hides draft periods from the vendor: scorecard 404, no ledger lines, no score on the contract', async () => {
      const id = await newContract();
      const l1 = await addLine(id, { period: 1, item: 4, units: 2, reason: '超时' });
      await addLine(id, { period: 2, item: 9, units: 5, reason: '缺周报' });
      expectError(await api.get(`/api/v1/contracts/${id}/periods/1/scorecard`).set(tok('vendor')), 404);
      expectError(await api.get(`/api/v1/contracts/${id}/periods/2/scorecard`).set(tok('vendor')), 404);
      expect(await ledger(id, '', 'vendor')).to.deep.equal([]);
      expect(await ledger(id, '?period=1', 'vendor')).to.deep.equal([]);
      const s = await standing(id, 'vendor');
      expect(s.scores.map((x: Body) => x.score)).to.deep.equal([null, null, null, null]);
      for (const p of [`/api/v1/contracts/${id}`, `/api/v1/contracts/${id}/ledger`, `/api/v1/contracts/${id}/objections`, `/api/v1/contracts/${id}/periods/1/scorecard`]) {
        expectError(await api.get(p).set(tok('otherVendor')), 404);
      }
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      expect((await scorecard(id, 1, 'vendor')).score).to.equal('99.80');
      expect((await ledger(id, '', 'vendor')).map((l) => l.id)).to.deep.equal([l1.id]);
      expect(await ledger(id, '?period=2', 'vendor')).to.deep.equal([]);
      expectError(await api.get(`/api/v1/contracts/${id}/periods/2/scorecard`).set(tok('vendor')), 404);
      expect((await standing(id, 'vendor')).scores.map((x: Body) => x.score)).to.deep.equal(['99.80', null, null, null]);
    });

    it('does not reveal a draft period\'s score through GET /payments either', async () => {
      const id = await newContract();
      await addLine(id, { period: 2, item: 9, units: 5, reason: '缺周报' }); // P2 draft: 99.50
      const pay = await payments(id, 'vendor');
      const p2 = pay.periods.find((p: Body) => p.number === 2);
      // GET /contracts/:id shows the vendor score: null for a draft period; /payments should not
      // hand out the same draft score (and its deduction) next door.
      expect(p2.score, 'draft P2 score shown to the vendor in /payments').to.not.equal('99.50');
      expect(p2.totalDeduction, 'draft P2 deduction shown to the vendor in /payments').to.not.equal('0.50');
    });
  });

  // ---- notifications -----------------------------------------------------------------------

  describe('notifications', () => {
    it('tells the vendor\'s users of publication, resolution and signing, and nobody else', async () => {
      const id = await newContract();
      const line = await addLine(id, { period: 1, item: 4, units: 2, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      let v = await notifications('vendor', id);
      expect(v.map((n) => n.kind)).to.deep.equal(['period.published']);
      expect(v[0]).to.include({ read: false, link: `/contracts/${id}/periods/1` });
      const o = await mustObject(id, line.id);
      expect((await resolve(o.id, { decision: 'reduce', units: 1, reason: '核减' })).status).to.equal(200);
      expect((await sign(id, 1, { confirmEarly: true })).status).to.equal(200);
      v = await notifications('vendor', id);
      expect(v.map((n) => n.kind)).to.deep.equal(['period.signed', 'objection.resolved', 'period.published']);
      expect(v[1].message).to.contain('核减为 1');
      expect(await notifications('otherVendor', id)).to.deep.equal([]);
      expect(await notifications('finance', id)).to.deep.equal([]);
      expect(await notifications('admin', id)).to.deep.equal([]);

      // reading: one, then all; another user's notification is not found
      const unread = await api.get('/api/v1/notifications?unread=true').set(tok('vendor'));
      expect(unread.body.length).to.be.at.least(3);
      const r = await api.post(`/api/v1/notifications/${v[0].id}/read`).set(tok('vendor'));
      expect(r.status).to.equal(200);
      expect(r.body.updated).to.equal(1);
      expect((await notifications('vendor', id)).find((n) => n.id === v[0].id)?.read).to.equal(true);
      expectError(await api.post(`/api/v1/notifications/${v[1].id}/read`).set(tok('otherVendor')), 404);
      expect((await notifications('vendor', id)).find((n) => n.id === v[1].id)?.read).to.equal(false);
      expect((await api.post('/api/v1/notifications/read-all').set(tok('vendor'))).status).to.equal(200);
      expect((await api.get('/api/v1/notifications?unread=true').set(tok('vendor'))).body).to.deep.equal([]);
    });

    it('tells every active user of the vendor, not an inactive one', async () => {
      const mk = async (username: string) => {
        const res = await api.post('/api/v1/users').set(tok('admin')).send({ username, password: 'long-enough-pw', role: 'vendor', vendorId: env().vendorId });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        const login = await api.post('/api/v1/auth/token').send({ username, password: 'long-enough-pw' });
        expect(login.status).to.equal(200);
        return { id: res.body.id as number, token: login.body.token as string };
      };
      const colleague = await mk(`vendor-colleague-${seq}`);
      const former = await mk(`vendor-former-${seq}`);
      await env().db.models.User.update({ active: false }, { where: { id: former.id } });
      const formerRows = async () => env().db.models.Notification.count({ where: { userId: former.id } });
      const id = await newContract();
      await addLine(id, { period: 1, item: 4, units: 1, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      const mine = await api.get('/api/v1/notifications').set(auth(colleague.token));
      expect(mine.status).to.equal(200);
      expect(mine.body.filter((n: Body) => n.contractId === id).map((n: Body) => n.kind)).to.deep.equal(['period.published']);
      expect(await formerRows()).to.equal(0);
      // the vendor acknowledges: the bureau side hears of it
      expect((await acknowledge(id, 1)).status).to.equal(200);
      expect((await notifications('manager', id)).map((n) => n.kind)).to.include('period.acknowledged');
      expect(await notifications('vendor', id).then((l) => l.map((n) => n.kind))).to.deep.equal(['period.published']);
    });

    it('names the creating manager as the contract\'s manager', async () => {
      const id = await newContract();
      expect((await standing(id)).managerId).to.equal(ids.manager);
      const row = (await env().db.models.Contract.findByPk(id, { raw: true })) as unknown as Row;
      expect(row.managerId, 'contracts.manager_id of a contract created through the API').to.equal(ids.manager);
    });

    it('tells the contract\'s manager, and only that manager, of an objection filed', async () => {
      const id = await newContract();
      const line = await addLine(id, { period: 1, item: 4, units: 2, reason: '超时' });
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      await mustObject(id, line.id, '等待局方确认期间不应计时');
      const m = await notifications('manager', id);
      expect(m.map((n) => n.kind)).to.deep.equal(['objection.filed']);
      expect(m[0].message).to.contain('等待局方确认期间不应计时');
      expect(await notifications('vendor', id).then((l) => l.map((n) => n.kind))).to.deep.equal(['period.published']);
      expect(await notifications('admin', id)).to.deep.equal([]);
      expect(await notifications('manager2', id), 'manager2 did not create the contract').to.deep.equal([]);
    });
  });

  // ---- files -------------------------------------------------------------------------------

  describe('files', () => {
    it('stores attachments for the contract\'s parties and serves them only to those who may see the contract', async () => {
      const id = await newContract();
      const other = await newContract({ vendorId: get().otherVendorId });
      const content = Buffer.from('%PDF-1.4\n工单截图说明\n');
      const up = await api.post(`/api/v1/contracts/${id}/files`).set(tok('vendor')).attach('file', content, '工单截图.pdf');
      expect(up.status, JSON.stringify(up.body)).to.equal(201);
      expect(up.body).to.include({ contractId: id, name: '工单截图.pdf', size: content.length, uploadedBy: ids.vendor });
      expect(up.body.sha256).to.match(/^[0-9a-f]{64}$/);

      const down = await api.get(`/api/v1/files/${up.body.id}`).set(tok('vendor')).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(down.status).to.equal(200);
      expect(Buffer.compare(down.body as Buffer, content)).to.equal(0);
      expect(down.headers['content-disposition']).to.match(/^attachment;/);
      expect((await api.get(`/api/v1/files/${up.body.id}`).set(tok('manager'))).status).to.equal(200);
      expectError(await api.get(`/api/v1/files/${up.body.id}`).set(tok('otherVendor')), 404);
      expectError(await api.get('/api/v1/files/999999').set(tok('vendor')), 404);

      const before = await snapshot(id);
      expectError(await api.post(`/api/v1/contracts/${id}/files`).set(tok('vendor')).attach('file', Buffer.from('MZ'), 'tool.exe'), 400);
      expectError(await api.post(`/api/v1/contracts/${id}/files`).set(tok('vendor')).attach('file', Buffer.from('x'), 'noext'), 400);
      expectError(await api.post(`/api/v1/contracts/${id}/files`).set(tok('vendor')).attach('file', Buffer.alloc(0), 'empty.txt'), 400);
      expectError(await api.post(`/api/v1/contracts/${id}/files`).set(tok('vendor')).field('note', 'no file'), 400);
      expectError(await api.post(`/api/v1/contracts/${id}/files`).set(tok('otherVendor')).attach('file', content, 'a.pdf'), 404);
      expect(await snapshot(id)).to.deep.equal(before);

      // a client's path never becomes part of the name
      const sneaky = await api.post(`/api/v1/contracts/${id}/files`).set(tok('manager')).attach('file', Buffer.from('a,b\n1,2\n'), '../../etc/清单.csv');
      expect(sneaky.status, JSON.stringify(sneaky.body)).to.equal(201);
      expect(sneaky.body.name).to.equal('清单.csv');

      // attached to an objection: own contract's files only
      const line = await addLine(id, { period: 1, item: 4, units: 1, reason: '超时' });
      const otherFile = await api.post(`/api/v1/contracts/${other}/files`).set(tok('otherVendor')).attach('file', content, 'b.pdf');
      expect(otherFile.status).to.equal(201);
      setClock('2026-02-13T10:00:00');
      await mustPublish(id, 1);
      const b2 = await snapshot(id);
      expectError(await object(id, line.id, { reason: '见附件', attachments: [otherFile.body.id] }), 400);
      expect(await snapshot(id)).to.deep.equal(b2);
      const o = await object(id, line.id, { reason: '见附件', attachments: [up.body.id] });
      expect(o.status, JSON.stringify(o.body)).to.equal(201);
      expect(o.body.attachments).to.deep.equal([up.body.id]);
    });
  });

  // ---- evidence the vendor submits -------------------------------------------------------

  describe('vendor evidence submissions', () => {
    const submit = (id: number, body: object, who: keyof TestEnv['tokens'] = 'vendor') =>
      api.post(`/api/v1/contracts/${id}/submissions`).set(tok(who)).send(body);
    const review = (id: number, sid: number, body: object, who: keyof TestEnv['tokens'] = 'manager') =>
      api.post(`/api/v1/contracts/${id}/submissions/${sid}/review`).set(tok(who)).send(body);

    it('a confirmed inspection run is recorded and detection runs on it', async () => {
      const id = await newContract();
      const plan = await api.post(`/api/v1/contracts/${id}/inspection-plans`).set(tok('manager')).send({
        name: '12月专项巡检', frequency: 'dates', dates: ['2025-12-01'], checklist: ['CPU', '磁盘'],
      });
      expect(plan.status, JSON.stringify(plan.body)).to.equal(201);
      // the run is missing: 5a × 1 in P1
      expect((await ledger(id, '?status=active')).map((l) => [l.period, l.rule, l.units])).to.deep.equal([[1, '5a', '1']]);

      const run = { planId: plan.body.id, performedAt: '2025-12-01T10:00:00+08:00', performer: '张三', itemsChecked: ['CPU'] };
      const s = await submit(id, { kind: 'inspection_run', payload: run });
      expect(s.status, JSON.stringify(s.body)).to.equal(201);
      expect(s.body).to.include({ status: 'pending', kind: 'inspection_run', submittedBy: ids.vendor });
      // pending: counts for nothing yet
      expect((await api.get(`/api/v1/contracts/${id}/inspections`).set(tok('manager'))).body.total).to.equal(0);

      const elsewhere = await newContract();
      const before = await snapshot(id);
      expectError(await review(id, s.body.id, { decision: 'confirm' }, 'vendor'), 403);
      expectError(await review(id, s.body.id, { decision: 'confirm' }, 'finance'), 403);
      expectError(await review(id, s.body.id, { decision: 'approve' }), 400);
      expectError(await review(id, 999999, { decision: 'confirm' }), 404);
      expectError(await review(elsewhere, s.body.id, { decision: 'confirm' }), 404); // another contract's path
      expect(await snapshot(id)).to.deep.equal(before);

      const ok = await review(id, s.body.id, { decision: 'confirm', note: '已核对' });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(ok.body).to.include({ status: 'confirmed', reviewedBy: ids.manager, reviewNote: '已核对' });
      const runs = await api.get(`/api/v1/contracts/${id}/inspections`).set(tok('vendor'));
      expect(runs.body.total).to.equal(1);
      expect(runs.body.items[0]).to.include({ performer: '张三', planId: plan.body.id });
      // detection ran: the missed run is withdrawn, the missing checklist item (磁盘) is 5b × 1
      expect((await ledger(id, '?status=active')).map((l) => [l.period, l.rule, l.units])).to.deep.equal([[1, '5b', '1']]);
      expectError(await review(id, s.body.id, { decision: 'reject', note: '再处理一次' }), 409);
      expect((await notifications('vendor', id)).map((n) => n.kind)).to.include('submission.confirm');
    });

    it('a confirmed report submission is recorded and withdraws the missing-report line', async () => {
      const id = await newContract();
      const plan = await api.post(`/api/v1/contracts/${id}/report-plans`).set(tok('manager')).send({ name: '运维月报', kind: 'monthly' });
      expect(plan.status, JSON.stringify(plan.body)).to.equal(201);
      const missing = async () => (await ledger(id, '?status=active')).filter((l) => l.rule === '9a');
      const before = await missing();
      expect(before.length).to.be.greaterThan(0);
      const nov = before.filter((l) => l.period === 1).length;
      const s = await submit(id, { kind: 'report_submission', payload: { planId: plan.body.id, covers: '2025-11', submittedAt: '2025-12-02T10:00:00+08:00', title: '11月运维月报' } });
      expect(s.status, JSON.stringify(s.body)).to.equal(201);
      const ok = await review(id, s.body.id, { decision: 'confirm' });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      const subs = await api.get(`/api/v1/contracts/${id}/report-submissions`).set(tok('vendor'));
      expect(subs.body.map((x: Body) => [x.covers, x.title])).to.deep.equal([['2025-11', '11月运维月报']]);
      const after = await missing();
      expect(after.length).to.equal(before.length - 1);
      expect(after.filter((l) => l.period === 1).length).to.equal(nov - 1);
    });

    it('a rejection needs a note and records nothing; refusals store nothing', async () => {
      const id = await newContract();
      const person = { externalId: 'P-001', name: '李四', role: 'DBA', startDate: '2025-11-01', securityAgreement: true, noCriminalRecord: true };
      let before = await snapshot(id);
      expectError(await submit(id, { kind: 'person', payload: person }, 'manager'), 403);
      expectError(await submit(id, { kind: 'person', payload: person }, 'otherVendor'), 404);
      expectError(await submit(id, { kind: 'invoice', payload: person }), 400);
      expectError(await submit(id, { kind: 'person' }), 400);
      const badPayload = await submit(id, { kind: 'person', payload: { ...person, name: undefined } });
      expectError(badPayload, 400);
      expect(badPayload.body.error.details.map((d: Body) => d.path)).to.include('payload.name');
      const badDates = await submit(id, { kind: 'person', payload: { ...person, endDate: '2025-10-01' } });
      expectError(badDates, 400);
      expect(badDates.body.error.details.map((d: Body) => d.path)).to.include('payload.endDate');
      expectError(await submit(id, { kind: 'inspection_run', payload: { planId: 1 } }), 400);
      expectError(await submit(id, { kind: 'person', payload: person, attachments: [999999] }), 400);
      expect(await snapshot(id)).to.deep.equal(before);

      const s = await submit(id, { kind: 'person', payload: person });
      expect(s.status, JSON.stringify(s.body)).to.equal(201);
      before = await snapshot(id);
      expectError(await review(id, s.body.id, { decision: 'reject' }), 400);
      expectError(await review(id, s.body.id, { decision: 'reject', note: '' }), 400);
      expectError(await review(id, s.body.id, { decision: 'reject', note: '   ' }), 400);
      expect(await snapshot(id)).to.deep.equal(before);
      const rej = await review(id, s.body.id, { decision: 'reject', note: '缺少资质证明' });
      expect(rej.status, JSON.stringify(rej.body)).to.equal(200);
      expect(rej.body).to.include({ status: 'rejected', reviewNote: '缺少资质证明' });
      expect((await api.get(`/api/v1/contracts/${id}/people`).set(tok('manager'))).body).to.deep.equal([]);
      const after = await snapshot(id);
      expectError(await review(id, s.body.id, { decision: 'confirm' }), 409);
      expect(await snapshot(id)).to.deep.equal(after);
      const note = (await notifications('vendor', id)).find((n) => n.kind === 'submission.reject');
      expect(note?.message).to.contain('缺少资质证明');
    });

    it('refuses at submission what a confirmation would refuse (an unknown plan, a bad report period) and stores nothing', async () => {
      const id = await newContract();
      const before = await snapshot(id);
      // schema-valid, but plan 999999 does not exist for this contract
      const s = await submit(id, { kind: 'inspection_run', payload: { planId: 999999, performedAt: '2025-12-01T10:00:00+08:00', performer: '张三' } });
      expectError(s, 400);
      expect(s.body.error.details.map((d: Body) => d.path)).to.include('payload.planId');
      const r = await submit(id, { kind: 'report_submission', payload: { planId: 999999, covers: '2025-12', submittedAt: '2026-01-05T10:00:00+08:00' } });
      expectError(r, 400);
      expect(r.body.error.details.map((d: Body) => d.path)).to.include('payload.planId');
      expect(await snapshot(id)).to.deep.equal(before);
    });

    it('a confirmed roster entry is recorded; the contract\'s manager is told of a new submission', async () => {
      const id = await newContract();
      const person = { externalId: 'P-002', name: '王五', role: '系统管理员', startDate: '2025-11-01', securityAgreement: true, noCriminalRecord: true };
      const s = await submit(id, { kind: 'person', payload: person });
      expect(s.status, JSON.stringify(s.body)).to.equal(201);
      expect((await review(id, s.body.id, { decision: 'confirm' })).status).to.equal(200);
      const people = await api.get(`/api/v1/contracts/${id}/people`).set(tok('vendor'));
      expect(people.body.map((p: Body) => p.name)).to.deep.equal(['王五']);
      expect((await notifications('manager', id)).map((n) => n.kind), 'the creating manager is told of the submission').to.include('submission.created');
    });
  });
});
