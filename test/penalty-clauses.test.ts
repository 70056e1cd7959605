// Editing a contract's penalty-clause catalogue (合同条款扣款) with updateContract: through the
// API (PUT /api/v1/contracts/:id with penaltyClauses) and through the settings page's form.
// A clause a proposed or approved penalty was recorded under keeps its kind and amounts and
// cannot be removed; its name and basis can change. On SQLite, and on PostgreSQL when
// TEST_DATABASE_URL is set.
import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { closeApp, createApp } from '../server/app';
import { auth, csrfOf, describeEachDb, seed002Contract, signInWeb, testId, WebAgent } from './helpers';

type Clause = { code: string; name: string; kind: string; minPercent: string | null; maxPercent: string | null; ratePercent: string | null; amount: string | null; basis: string | null };




/** The clause form's fields for a catalogue (plus blank rows), as the page posts them. */
function clauseForm(clauses: Partial<Clause>[], blankRows = 3): Record<string, string> {
  const form: Record<string, string> = {};
  const rows = [...clauses, ...Array.from({ length: blankRows }, () => ({}) as Partial<Clause>)];
  rows.forEach((c, i) => {
    const p = `penaltyClauses[${i}].`;
    form[`${p}code`] = c.code ?? '';
    form[`${p}name`] = c.name ?? '';
    form[`${p}kind`] = c.kind ?? 'percent_range';
    form[`${p}minPercent`] = c.minPercent ?? '';
    form[`${p}maxPercent`] = c.maxPercent ?? '';
    form[`${p}ratePercent`] = c.ratePercent ?? '';
    form[`${p}amount`] = c.amount ?? '';
    form[`${p}basis`] = c.basis ?? '';
  });
  return form;
}

describeEachDb('penalty-clause catalogue editing', (get) => {
  let app: Express;
  let manager: WebAgent;
  const api = () => request(app);

  before(async function () {
    this.timeout(60000);
    const env = get();
    // "now" inside the contract's term (clauses change only until the end date)
    app = createApp(env.db, { ...env.config, sessionSecret: 'penalty-clauses-test-session-secret-0123456789' }, { clock: () => new Date('2026-01-15T10:00:00+08:00') });
    manager = await signInWeb(app, 'manager');
  });
  after(() => {
    if (app) closeApp(app);
  });

  async function newContract(code: string) {
    const env = get();
    const res = await api().post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, code));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: number; version: number; penaltyClauses: Clause[] };
  }
  const load = async (id: number) => (await api().get(`/api/v1/contracts/${id}`).set(auth(get().tokens.manager)).expect(200)).body as {
    version: number; penaltyClauses: Clause[];
  };
  const clauseRows = async (id: number) =>
    (await get().db.models.PenaltyClause.findAll({ where: { contractId: id }, order: [['id', 'ASC']], raw: true })) as unknown as (Clause & { id: number })[];
  const put = (id: number, body: object) => api().put(`/api/v1/contracts/${id}`).set(auth(get().tokens.manager)).send(body);
  const addPenalty = async (id: number, clause: string, extra: Record<string, unknown>) => {
    const res = await api().post(`/api/v1/contracts/${id}/penalties`).set(auth(get().tokens.manager)).send({ installment: 2, clause, reason: '测试扣款', ...extra });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: number };
  };

  describe('through the API', () => {
    it('edits a clause\'s range and name, adds one and removes an unused one; audited with before and after', async () => {
      const c = await newContract('PC-API-1');
      const list = c.penaltyClauses.map((k) => ({ ...k }));
      expect(list.map((k) => k.code)).to.include.members(['security-incident', 'root-cause-not-found', 'termination']);
      const edited = list
        .filter((k) => k.code !== 'termination')
        .map((k) => (k.code === 'root-cause-not-found' ? { ...k, name: '无法判定问题根源', minPercent: '1', maxPercent: '8' } : k));
      edited.push({ code: 'late-report', name: '报告迟交', kind: 'fixed', minPercent: null, maxPercent: null, ratePercent: null, amount: '500', basis: '补充协议第 3 条' });
      const res = await put(c.id, { version: c.version, penaltyClauses: edited });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.changed).to.deep.equal(['penaltyClauses']);
      expect(res.body.version).to.equal(c.version + 1);
      const after = await load(c.id);
      expect(after.penaltyClauses.map((k) => k.code)).to.deep.equal(edited.map((k) => k.code));
      expect(after.penaltyClauses.find((k) => k.code === 'root-cause-not-found')).to.include({ name: '无法判定问题根源', minPercent: '1', maxPercent: '8' });
      expect(after.penaltyClauses.find((k) => k.code === 'late-report')).to.include({ kind: 'fixed', amount: '500.00', basis: '补充协议第 3 条' });
      expect(after.penaltyClauses.find((k) => k.code === 'termination')).to.equal(undefined);
      // the new clause can be used at once
      await addPenalty(c.id, 'late-report', { units: 2 });
      const audit = (await get().db.models.Audit.findOne({ where: { action: 'contract.update', contractId: c.id }, raw: true })) as unknown as { before: string; after: string };
      const before = JSON.parse(audit.before) as { penaltyClauses: Clause[] };
      const afterAudit = JSON.parse(audit.after) as { penaltyClauses: Clause[]; changed: string[] };
      expect(before.penaltyClauses.map((k) => k.code)).to.include('termination');
      expect(afterAudit.penaltyClauses.map((k) => k.code)).to.include('late-report').and.not.include('termination');
      expect(afterAudit.changed).to.deep.equal(['penaltyClauses']);
      // the same catalogue again: nothing to change
      const again = await put(c.id, { version: c.version + 1, penaltyClauses: after.penaltyClauses });
      expect(again.status).to.equal(200);
      expect(again.body.changed).to.deep.equal([]);
    });

    it('a clause used by a penalty cannot be removed or change its terms (409, nothing changed); its name can; a withdrawn penalty does not hold it', async () => {
      const c = await newContract('PC-API-2');
      const p1 = await addPenalty(c.id, 'security-incident', { percent: '25' });
      const p2 = await addPenalty(c.id, 'security-incident', { percent: '20' });
      const rowsBefore = await clauseRows(c.id);
      // removing it
      let res = await put(c.id, { version: c.version, penaltyClauses: c.penaltyClauses.filter((k) => k.code !== 'security-incident') });
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.error.message).to.contain('网络安全和数据安全事件').and.contain('security-incident').and.contain(`#${p1.id}`).and.contain(`#${p2.id}`).and.contain('不能删除');
      // changing its range
      const i = c.penaltyClauses.findIndex((k) => k.code === 'security-incident');
      const ranged = c.penaltyClauses.map((k) => (k.code === 'security-incident' ? { ...k, maxPercent: '40' } : k));
      res = await put(c.id, { version: c.version, penaltyClauses: ranged });
      expect(res.status).to.equal(409);
      expect(res.body.error.message).to.contain('网络安全和数据安全事件').and.contain(`#${p1.id}`).and.contain('不能修改');
      expect(res.body.error.details[0].path).to.equal(`penaltyClauses[${i}].maxPercent`);
      // changing its kind
      const kinded = c.penaltyClauses.map((k) => (k.code === 'security-incident' ? { ...k, kind: 'per_violation', ratePercent: '1' } : k));
      res = await put(c.id, { version: c.version, penaltyClauses: kinded });
      expect(res.status).to.equal(409);
      expect(res.body.error.details[0].path).to.equal(`penaltyClauses[${i}].kind`);
      // nothing was written: same rows (same ids), same version
      expect(await clauseRows(c.id)).to.deep.equal(rowsBefore);
      expect((await load(c.id)).version).to.equal(c.version);
      // its name and basis can change, and a clause is added alongside
      const renamed = c.penaltyClauses.map((k) => (k.code === 'security-incident' ? { ...k, name: '网络与数据安全事件', basis: '合同6.5（修订）' } : k));
      renamed.push({ code: 'extra', name: '新增条款', kind: 'per_day', minPercent: null, maxPercent: null, ratePercent: '0.05', amount: null, basis: null });
      res = await put(c.id, { version: c.version, penaltyClauses: renamed });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const penalties = await api().get(`/api/v1/contracts/${c.id}/penalties`).set(auth(get().tokens.manager)).expect(200);
      const listed = (Array.isArray(penalties.body) ? penalties.body : penalties.body.penalties ?? penalties.body.items) as { id: number; clauseName: string }[];
      expect(listed.find((p) => p.id === p1.id)!.clauseName).to.equal('网络与数据安全事件');
      // once both penalties are withdrawn the clause can go
      for (const p of [p1, p2]) {
        const w = await api().post(`/api/v1/contracts/${c.id}/penalties/${p.id}/withdraw`).set(auth(get().tokens.manager)).send({ reason: '录入错误' });
        expect(w.status, JSON.stringify(w.body)).to.equal(200);
      }
      res = await put(c.id, { version: c.version + 1, penaltyClauses: renamed.filter((k) => k.code !== 'security-incident') });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect((await load(c.id)).penaltyClauses.map((k) => k.code)).to.not.include('security-incident');
    });

    it('an invalid clause (min > max) or a repeated code answers 400 with the path; nothing changed', async () => {
      const c = await newContract('PC-API-3');
      const rowsBefore = await clauseRows(c.id);
      const bad = c.penaltyClauses.map((k, i) => (i === 2 ? { ...k, minPercent: '9', maxPercent: '3' } : k));
      let res = await put(c.id, { version: c.version, penaltyClauses: bad });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include('penaltyClauses[2].maxPercent');
      expect(res.body.error.message).to.contain('比例上限不能小于下限');
      // a repeated code
      res = await put(c.id, { version: c.version, penaltyClauses: [...c.penaltyClauses, { ...c.penaltyClauses[0], name: '重复' }] });
      expect(res.status).to.equal(400);
      expect(res.body.error.details[0].path).to.equal(`penaltyClauses[${c.penaltyClauses.length}].code`);
      // a fixed clause without an amount, a per-day clause without a rate
      res = await put(c.id, { version: c.version, penaltyClauses: [...c.penaltyClauses, { code: 'x', name: 'x', kind: 'fixed' }, { code: 'y', name: 'y', kind: 'per_day' }] });
      expect(res.status).to.equal(400);
      const n = c.penaltyClauses.length;
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include.members([`penaltyClauses[${n}].amount`, `penaltyClauses[${n + 1}].ratePercent`]);
      expect(await clauseRows(c.id)).to.deep.equal(rowsBefore);
      expect((await load(c.id)).version).to.equal(c.version);
    });

    it('a stale version answers 409 and changes nothing', async () => {
      const c = await newContract('PC-API-4');
      const ok = await put(c.id, { version: c.version, name: '先改个名称' });
      expect(ok.status).to.equal(200);
      const rowsBefore = await clauseRows(c.id);
      const res = await put(c.id, { version: c.version, penaltyClauses: c.penaltyClauses.slice(1) });
      expect(res.status).to.equal(409);
      expect(res.body.error.message).to.contain('合同已被他人修改');
      expect(await clauseRows(c.id)).to.deep.equal(rowsBefore);
    });
  });

  describe('racing a penalty against a catalogue edit', () => {
    it('never leaves a live penalty outside its clause: the penalty or the edit is refused, never neither', async () => {
      for (let i = 0; i < 6; i++) {
        const c = await newContract(`PC-RACE-${i}`);
        // the edit narrows 'security-incident' to 20-22 %; the penalty asks for 25 %
        const narrowed = c.penaltyClauses.map((k) => (k.code === 'security-incident' ? { ...k, maxPercent: '22' } : k));
        const [edit, pen] = await Promise.all([
          put(c.id, { version: c.version, penaltyClauses: narrowed }),
          api().post(`/api/v1/contracts/${c.id}/penalties`).set(auth(get().tokens.manager)).send({ installment: 2, clause: 'security-incident', percent: '25', reason: '安全事件' }),
        ]);
        const ok = [edit.status === 200, pen.status === 201];
        expect(ok, `edit ${edit.status} ${JSON.stringify(edit.body?.error ?? '')}; penalty ${pen.status} ${JSON.stringify(pen.body?.error ?? '')}`).to.not.deep.equal([true, true]);
        expect(ok.some(Boolean), 'one of the two goes through').to.equal(true);
        const clause = (await clauseRows(c.id)).find((k) => k.code === 'security-incident')!;
        const live = (await get().db.models.Penalty.findAll({ where: { contractId: c.id, status: ['proposed', 'approved'] }, raw: true })) as unknown as { percent: string }[];
        for (const p of live) expect(Number(p.percent)).to.be.at.most(Number(clause.maxPercent));
      }
    });
  });

  describe('through the page form', () => {
    it('shows the catalogue as inputs; edits a range and a name, adds a row, removes an unused clause (blank rows ignored)', async () => {
      const c = await newContract('PC-WEB-1');
      const page = await manager.get(`/contracts/${c.id}/edit`).expect(200);
      expect(page.text).to.contain('保存违约条款');
      expect(page.text).to.contain('for="f-penaltyClauses-0--code"');
      expect(page.text).to.contain(`name="penaltyClauses[0].code" value="${c.penaltyClauses[0].code}"`);
      // blank rows after the stored ones
      expect(page.text).to.contain(`name="penaltyClauses[${c.penaltyClauses.length + 2}].code" value=""`);
      const edited = c.penaltyClauses
        .map((k) => (k.code === 'root-cause-not-found' ? { ...k, name: '无法判定问题根源（改）', maxPercent: '6' } : k))
        .filter((k) => k.code !== 'other-breach');
      edited.push({ code: 'late-report', name: '报告迟交', kind: 'fixed', minPercent: null, maxPercent: null, ratePercent: null, amount: '300', basis: null });
      const res = await manager.post(`/contracts/${c.id}/penalty-clauses`).type('form').send({ ...clauseForm(edited), version: String(c.version), _csrf: csrfOf(page.text) });
      expect(res.status, res.text).to.equal(303);
      expect(res.headers.location).to.equal(`/contracts/${c.id}/edit#clauses`);
      const after = await load(c.id);
      expect(after.penaltyClauses.map((k) => k.code)).to.deep.equal(edited.map((k) => k.code));
      expect(after.penaltyClauses.find((k) => k.code === 'root-cause-not-found')).to.include({ name: '无法判定问题根源（改）', maxPercent: '6' });
      expect(after.penaltyClauses.find((k) => k.code === 'late-report')).to.include({ kind: 'fixed', amount: '300.00' });
      const shown = await manager.get(`/contracts/${c.id}/edit`).expect(200);
      expect(shown.text).to.contain('违约条款已保存');
      expect(shown.text).to.contain('value="无法判定问题根源（改）"');

      // the 删除 checkbox removes a row
      const token = csrfOf(shown.text);
      const form = { ...clauseForm(after.penaltyClauses), 'penaltyClauses[0].remove': '1', version: String(after.version), _csrf: token };
      const removed = await manager.post(`/contracts/${c.id}/penalty-clauses`).type('form').send(form);
      expect(removed.status, removed.text).to.equal(303);
      expect((await load(c.id)).penaltyClauses.map((k) => k.code)).to.deep.equal(after.penaltyClauses.slice(1).map((k) => k.code));
    });

    it('errors sit next to the field with the input kept; a used clause is refused (409); a stale version too; nothing changed', async () => {
      const c = await newContract('PC-WEB-2');
      const token = csrfOf((await manager.get(`/contracts/${c.id}/edit`).expect(200)).text);
      const rowsBefore = await clauseRows(c.id);
      // min > max in row 3, and a new row with a name kept on the page
      const bad = c.penaltyClauses.map((k, i) => (i === 2 ? { ...k, minPercent: '9', maxPercent: '3' } : k));
      const form = clauseForm([...bad, { code: 'kept-row', name: '保留我输入的条款', kind: 'per_violation', ratePercent: '2' }]);
      let res = await manager.post(`/contracts/${c.id}/penalty-clauses`).type('form').send({ ...form, version: String(c.version), _csrf: token });
      expect(res.status).to.equal(400);
      expect(testId(res.text, 'error-penaltyClauses[2].maxPercent')).to.contain('比例上限不能小于下限');
      expect(res.text).to.match(/id="f-penaltyClauses-2--maxPercent"[^>]*aria-describedby="f-penaltyClauses-2--maxPercent-err/);
      expect(res.text).to.contain('value="保留我输入的条款"');
      expect(res.text).to.contain('name="penaltyClauses[2].minPercent" value="9"');
      // a blank name in a row that has a code: named in Chinese at that row (blank rows before it skipped)
      const gap = { ...clauseForm(c.penaltyClauses, 0), ...clauseForm([], c.penaltyClauses.length + 2) };
      gap[`penaltyClauses[${c.penaltyClauses.length + 1}].code`] = 'no-name';
      gap[`penaltyClauses[${c.penaltyClauses.length + 1}].amount`] = '100';
      gap[`penaltyClauses[${c.penaltyClauses.length + 1}].kind`] = 'fixed';
      res = await manager.post(`/contracts/${c.id}/penalty-clauses`).type('form').send({ ...gap, version: String(c.version), _csrf: token });
      expect(res.status).to.equal(400);
      expect(testId(res.text, `error-penaltyClauses[${c.penaltyClauses.length + 1}].name`)).to.match(new RegExp(`^第 ${c.penaltyClauses.length + 2} 行条款名称`));
      expect(res.text).to.contain('value="no-name"');

      // a clause used by a penalty: removing it (the 删除 box) is refused at the table
      const p = await addPenalty(c.id, 'other-breach', { units: 1 });
      const i = c.penaltyClauses.findIndex((k) => k.code === 'other-breach');
      res = await manager.post(`/contracts/${c.id}/penalty-clauses`).type('form')
        .send({ ...clauseForm(c.penaltyClauses), [`penaltyClauses[${i}].remove`]: '1', version: String(c.version), _csrf: token });
      expect(res.status).to.equal(409);
      expect(testId(res.text, 'form-error')).to.contain('其他违约').and.contain(`#${p.id}`);
      expect(testId(res.text, 'error-penaltyClauses')).to.contain('other-breach');
      // changing its rate: the message is at the rate field
      res = await manager.post(`/contracts/${c.id}/penalty-clauses`).type('form')
        .send({ ...clauseForm(c.penaltyClauses), [`penaltyClauses[${i}].ratePercent`]: '2', version: String(c.version), _csrf: token });
      expect(res.status).to.equal(409);
      expect(testId(res.text, `error-penaltyClauses[${i}].ratePercent`)).to.contain('已有扣款记录');
      expect(res.text).to.contain(`name="penaltyClauses[${i}].ratePercent" value="2"`);
      expect(await clauseRows(c.id)).to.deep.equal(rowsBefore);

      // a stale version
      const ok = await put(c.id, { version: c.version, name: '他人先改了名称' });
      expect(ok.status).to.equal(200);
      res = await manager.post(`/contracts/${c.id}/penalty-clauses`).type('form')
        .send({ ...clauseForm(c.penaltyClauses.filter((k) => k.code !== 'termination')), version: String(c.version), _csrf: token });
      expect(res.status).to.equal(409);
      expect(testId(res.text, 'form-error')).to.contain('合同已被他人修改');
      expect(await clauseRows(c.id)).to.deep.equal(rowsBefore);
    });
  });
});
