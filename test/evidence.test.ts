// Evidence through the API: SLA policy and tickets, inspections, reports, staffing, events,
// detection into the ledger, signed periods left alone. SQLite and PostgreSQL.
import { expect } from 'chai';
import { auth, describeEachDb, publishAndSign, SEED000_POLICY, seed002Contract, TestEnv } from './helpers';

type Line = { id: number; item: number; rule: string; units: string; points: string; period: number; status: string; source: string; sourceKey: string; trace: string[]; reason: string };

async function lines(env: TestEnv, contractId: number, source?: string): Promise<Line[]> {
  const res = await env.api.get(`/api/v1/contracts/${contractId}/ledger?status=active`).set(auth(env.tokens.manager));
  expect(res.status).to.equal(200);
  return (res.body as Line[]).filter((l) => !source || l.source === source);
}

describeEachDb('evidence', (get) => {
  let id: number;
  const url = (p: string) => `/api/v1/contracts/${id}${p}`;
  const post = (p: string, body: unknown) => get().api.post(url(p)).set(auth(get().tokens.manager)).send(body as object);
  const put = (p: string, body: unknown) => get().api.put(url(p)).set(auth(get().tokens.manager)).send(body as object);

  before(async () => {
    const env = get();
    const res = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'EVIDENCE-1'));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    id = res.body.id;
  });

  describe('SLA policy and tickets', () => {
    it('refuses tickets before a policy exists, and a bad policy', async () => {
      const t = await post('/tickets', [{ externalId: 'T-0', severity: '高', createdAt: '2025-11-03T09:00:00+08:00' }]);
      expect(t.status).to.equal(409);
      const bad = await put('/sla-policy', { levels: [{ code: '高', responseMinutes: 300, resolutionMinutes: 60, clock: 'working' }], workingHours: [{ start: '17:30', end: '08:00' }] });
      expect(bad.status).to.equal(400);
      const paths = bad.body.error.details.map((d: { path: string }) => d.path);
      expect(paths.some((p: string) => p.startsWith('workingHours'))).to.equal(true);
      expect(paths).to.include('levels[0].resolutionMinutes');
      const badItem = await put('/sla-policy', { ...SEED000_POLICY, itemByTicketType: { 故障: 5 } });
      expect(badItem.status).to.equal(400);
      expect(badItem.body.error.details[0].path).to.equal('itemByTicketType.故障');
    });

    it('stores the policy with the default ticket-type mapping', async () => {
      const res = await put('/sla-policy', SEED000_POLICY);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.itemByTicketType).to.deep.equal({ 故障: 10, 需求: 26, default: 4 });
      expect(res.body.pauseReasons).to.include('等待局方确认');
    });

    it('detects a resolution breach across the National Day holiday, with make-up days in the trace', async () => {
      const env = get();
      // 2025-09-30 (Tue) 16:00, limit 4 working hours: 1.5 h on 09-30, then 10-01..10-08 off,
      // 10-09 08:00 + 2.5 h → deadline 2025-10-09 10:30. Resolved 10-09 15:00: breached.
      // The contract starts 2025-11-01, so use a contract that covers October.
      const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send({
        ...seed002Contract(env.vendorId, 'EVIDENCE-OCT'), startDate: '2025-09-01', endDate: '2026-08-31',
      });
      const cid = c.body.id;
      await env.api.put(`/api/v1/contracts/${cid}/sla-policy`).set(auth(env.tokens.manager)).send(SEED000_POLICY).expect(200);
      const res = await env.api.post(`/api/v1/contracts/${cid}/tickets`).set(auth(env.tokens.manager)).send([
        { externalId: 'GD-20250930-01', system: '电子税务局', type: '故障', severity: '高', createdAt: '2025-09-30T16:00:00+08:00', respondedAt: '2025-09-30T16:10:00+08:00', resolvedAt: '2025-10-09T15:00:00+08:00' },
        { externalId: 'GD-20250930-02', type: '故障', severity: '高', createdAt: '2025-09-30T16:00:00+08:00', respondedAt: '2025-09-30T16:10:00+08:00', resolvedAt: '2025-10-09T10:00:00+08:00' },
      ]);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ imported: 2, updated: 0, unchanged: 0 });
      expect(res.body.detection.sla.added).to.equal(1);
      const t1 = await env.api.get(`/api/v1/contracts/${cid}/tickets/GD-20250930-01`).set(auth(env.tokens.vendor));
      expect(t1.status).to.equal(200);
      expect(t1.body.sla.resolutionDeadline).to.equal('2025-10-09T02:30:00.000Z');
      expect(t1.body.sla.breached).to.deep.equal(['resolution']);
      const trace = t1.body.sla.trace.join('\n');
      expect(trace).to.contain('国庆');
      expect(t1.body.sla.holidays.map((d: { date: string }) => d.date)).to.include('2025-10-01');
      const t2 = await env.api.get(`/api/v1/contracts/${cid}/tickets/GD-20250930-02`).set(auth(env.tokens.manager));
      expect(t2.body.sla.breached).to.deep.equal([]);
      const ls = await lines(env, cid, 'sla');
      expect(ls).to.have.length(1);
      expect(ls[0]).to.include({ item: 10, rule: '10a', points: '0.10', period: 1, sourceKey: 'ticket:GD-20250930-01' });
      expect(ls[0].trace.join('\n')).to.contain('国庆');
      expect(t1.body.sla.ledgerLine.id).to.equal(ls[0].id);

      // Friday 2025-10-10 16:00 + 240 working minutes: 1.5 h on Friday, then Saturday 10-11 is a
      // make-up working day (国庆节调休) → deadline 2025-10-11 10:30, not Monday.
      const mk = await env.api.post(`/api/v1/contracts/${cid}/tickets`).set(auth(env.tokens.manager)).send([
        { externalId: 'GD-20251010-01', type: '故障', severity: '高', createdAt: '2025-10-10T16:00:00+08:00', respondedAt: '2025-10-10T16:05:00+08:00', resolvedAt: '2025-10-13T09:00:00+08:00' },
      ]);
      expect(mk.status, JSON.stringify(mk.body)).to.equal(200);
      const t3 = await env.api.get(`/api/v1/contracts/${cid}/tickets/GD-20251010-01`).set(auth(env.tokens.manager));
      expect(t3.body.sla.resolutionDeadline).to.equal('2025-10-11T02:30:00.000Z');
      expect(t3.body.sla.makeupDays.map((d: { date: string }) => d.date)).to.deep.equal(['2025-10-11']);
      expect(t3.body.sla.trace.join('\n')).to.contain('2025-10-11');
      expect(t3.body.sla.breached).to.deep.equal(['resolution']);
    });

    it('counts an open ticket in the period where its deadline passed, and by type', async () => {
      // Created 2026-01-30 (Fri) 17:00 in period 1 (ends 01-31); 需求 ticket, 中 level: response
      // 60 working minutes → deadline 2026-02-02 08:30, in period 2. Never responded or resolved.
      const res = await post('/tickets', [
        { externalId: 'XQ-0130', type: '需求', severity: '中', createdAt: '2026-01-30T17:00:00+08:00' },
        { externalId: 'ZX-0105', type: '咨询', severity: '低', createdAt: '2026-01-05T09:00:00+08:00', respondedAt: '2026-01-05T13:00:00+08:00', resolvedAt: '2026-01-05T15:00:00+08:00' },
      ]);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const ls = await lines(get(), id, 'sla');
      const xq = ls.find((l) => l.reason.includes('XQ-0130'))!;
      expect(xq).to.include({ item: 26, rule: '26a', points: '0.50', period: 2 });
      const zx = ls.find((l) => l.reason.includes('ZX-0105'))!;
      // 低: response limit 120 working minutes, responded after 240 → item 4 (default mapping)
      expect(zx).to.include({ item: 4, rule: '4a', period: 1 });
      const t = await get().api.get(url('/tickets/XQ-0130')).set(auth(get().tokens.manager));
      expect(t.body.sla.open).to.equal(true);
      expect(t.body.sla.breached).to.include('response');
      expect(t.body.sla.responseDeadline).to.equal('2026-02-02T00:30:00.000Z');
    });

    it('confirmed pauses stop the clock; unconfirmed ones do not', async () => {
      // 高: resolution 240 working minutes. Created Mon 2025-11-03 09:00, resolved 15:00 = 360 min
      // elapsed; a confirmed 2 h pause (10:00-12:00) brings it to 240: within the limit.
      const base = { type: '故障', severity: '高', createdAt: '2025-11-03T09:00:00+08:00', respondedAt: '2025-11-03T09:05:00+08:00', resolvedAt: '2025-11-03T15:00:00+08:00' };
      const pause = { start: '2025-11-03T10:00:00+08:00', end: '2025-11-03T12:00:00+08:00', reason: '等待局方确认' };
      const res = await post('/tickets', [
        { ...base, externalId: 'P-OK', pauses: [{ ...pause, confirmed: true }] },
        { ...base, externalId: 'P-NO', pauses: [{ ...pause, confirmed: false }] },
      ]);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const ok = await get().api.get(url('/tickets/P-OK')).set(auth(get().tokens.manager));
      expect(ok.body.sla.breached).to.deep.equal([]);
      expect(ok.body.sla.pausesCounted).to.have.length(1);
      const no = await get().api.get(url('/tickets/P-NO')).set(auth(get().tokens.manager));
      expect(no.body.sla.breached).to.deep.equal(['resolution']);
      expect(no.body.sla.pausesIgnored).to.have.length(1);
      const bad = await post('/tickets', [{ ...base, externalId: 'P-BAD', pauses: [{ ...pause, reason: '午休', confirmed: true }] }]);
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details[0].path).to.equal('[0].pauses[0].reason');
    });

    it('re-posting the same tickets changes nothing; a change recomputes the line', async () => {
      const before = await lines(get(), id, 'sla');
      const again = await post('/tickets', [{ externalId: 'P-NO', type: '故障', severity: '高', createdAt: '2025-11-03T09:00:00+08:00', respondedAt: '2025-11-03T09:05:00+08:00', resolvedAt: '2025-11-03T15:00:00+08:00', pauses: [{ start: '2025-11-03T10:00:00+08:00', end: '2025-11-03T12:00:00+08:00', reason: '等待局方确认', confirmed: false }] }]);
      expect(again.body).to.include({ imported: 0, updated: 0, unchanged: 1 });
      expect((await lines(get(), id, 'sla')).map((l) => l.id)).to.deep.equal(before.map((l) => l.id));
      // The bureau confirms the pause: the breach disappears, the old line is withdrawn (not deleted).
      const fixed = await post('/tickets', [{ externalId: 'P-NO', type: '故障', severity: '高', createdAt: '2025-11-03T09:00:00+08:00', respondedAt: '2025-11-03T09:05:00+08:00', resolvedAt: '2025-11-03T15:00:00+08:00', pauses: [{ start: '2025-11-03T10:00:00+08:00', end: '2025-11-03T12:00:00+08:00', reason: '等待局方确认', confirmed: true }] }]);
      expect(fixed.body).to.include({ updated: 1 });
      expect(fixed.body.detection.sla.withdrawn).to.equal(1);
      const after = await lines(get(), id, 'sla');
      expect(after.length).to.equal(before.length - 1);
      const all = await get().api.get(url('/ledger?status=withdrawn')).set(auth(get().tokens.manager));
      expect(all.body.some((l: Line & { withdrawnReason: string }) => l.reason.includes('P-NO') && l.withdrawnReason.includes('重新检测'))).to.equal(true);
    });

    it('a policy change recomputes unlocked periods and never touches a signed one', async () => {
      const env = get();
      const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'EVIDENCE-SIGN'));
      const cid = c.body.id;
      const cu = (p: string) => `/api/v1/contracts/${cid}${p}`;
      await env.api.put(cu('/sla-policy')).set(auth(env.tokens.manager)).send(SEED000_POLICY).expect(200);
      await env.api.post(cu('/tickets')).set(auth(env.tokens.manager)).send([
        { externalId: 'S-P1', type: '故障', severity: '低', createdAt: '2026-01-05T09:00:00+08:00', respondedAt: '2026-01-05T13:00:00+08:00', resolvedAt: '2026-01-05T15:00:00+08:00' },
        { externalId: 'S-P2', type: '故障', severity: '低', createdAt: '2026-03-02T09:00:00+08:00', respondedAt: '2026-03-02T13:00:00+08:00', resolvedAt: '2026-03-02T15:00:00+08:00' },
      ]).expect(200);
      const before = await lines(env, cid, 'sla');
      expect(before.map((l) => l.period).sort()).to.deep.equal([1, 2]);
      expect((await publishAndSign(env, cid, 1)).status).to.equal(200);
      // Generous limits: nothing breaches any more, but the signed period keeps its line.
      const res = await env.api.put(cu('/sla-policy')).set(auth(env.tokens.manager))
        .send({ ...SEED000_POLICY, levels: SEED000_POLICY.levels.map((l) => ({ ...l, responseMinutes: 3000, resolutionMinutes: 6000 })) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.detection.sla).to.include({ withdrawn: 1, added: 0 });
      const after = await lines(env, cid, 'sla');
      expect(after.map((l) => l.id)).to.deep.equal(before.filter((l) => l.period === 1).map((l) => l.id));
      // A ticket changed after signing: the signed period is still not touched.
      const late = await env.api.put(cu('/sla-policy')).set(auth(env.tokens.manager)).send(SEED000_POLICY);
      expect(late.body.detection.sla).to.include({ added: 1, withdrawn: 0 });
      expect((await lines(env, cid, 'sla')).map((l) => l.period).sort()).to.deep.equal([1, 2]);
      // Late evidence for the signed period: an adjustment line in the next open period.
      const lateTicket = await env.api.post(cu('/tickets')).set(auth(env.tokens.manager)).send([
        { externalId: 'S-LATE', type: '故障', severity: '低', createdAt: '2026-01-06T09:00:00+08:00', respondedAt: '2026-01-06T13:00:00+08:00', resolvedAt: '2026-01-06T15:00:00+08:00' },
      ]);
      expect(lateTicket.body.detection.sla).to.include({ added: 1, adjusted: 1 });
      const adj = (await lines(env, cid, 'sla')).find((l) => l.sourceKey === 'ticket:S-LATE')!;
      expect(adj.period).to.equal(2);
      expect(adj.reason).to.contain('补记');
      expect(adj.trace.join('')).to.contain('已签署锁定');
      const p1 = await env.api.get(cu('/periods/1/scorecard')).set(auth(env.tokens.manager));
      expect(p1.body.totalDeduction).to.equal('0.10');
    });
  });

  describe('detected lines and people', () => {
    it('a detected line a manager withdrew stays withdrawn when detection runs again', async () => {
      const env = get();
      const ls = await lines(env, id, 'sla');
      const target = ls.find((l) => l.reason.includes('ZX-0105'))!;
      const w = await post(`/ledger/${target.id}/withdraw`, { reason: '异议成立：用户确认已电话响应' });
      expect(w.status).to.equal(200);
      const again = await post('/detect', {});
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.body.detection.sla.suppressed).to.equal(1);
      expect((await lines(env, id, 'sla')).some((l) => l.reason.includes('ZX-0105'))).to.equal(false);
    });

    it('a ticket leaving a field out keeps its stored value; a merge that makes no sense is refused', async () => {
      const base = { type: '咨询', severity: '低', createdAt: '2025-11-10T09:00:00+08:00', respondedAt: '2025-11-10T09:30:00+08:00' };
      await post('/tickets', [{ ...base, externalId: 'M-A', resolvedAt: '2025-11-10T10:00:00+08:00' }, { ...base, externalId: 'M-B', resolvedAt: '2025-11-10T10:00:00+08:00' }]).expect(200);
      const res = await post('/tickets', [{ ...base, externalId: 'M-A', resolvedAt: '2025-11-10T11:00:00+08:00' }, { externalId: 'M-B', type: '咨询', severity: '低', createdAt: base.createdAt }]);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const b = await get().api.get(url('/tickets/M-B')).set(auth(get().tokens.manager));
      expect(b.body.resolvedAt).to.equal('2025-11-10T02:00:00.000Z');
      const bad = await post('/tickets', [{ externalId: 'M-B', type: '咨询', severity: '低', createdAt: '2025-11-12T09:00:00+08:00' }]);
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details[0].path).to.equal('[0].respondedAt');
    });

    it('refuses times without an offset in JSON (they would be read in the server zone)', async () => {
      const res = await post('/tickets', [{ externalId: 'TZ-1', severity: '高', createdAt: '2025-11-03 09:00' }]);
      expect(res.status).to.equal(400);
      expect(res.body.error.details[0].path).to.equal('[0].createdAt');
      expect(res.body.error.details[0].message).to.contain('带时区');
    });
  });

  describe('inspections', () => {
    let planId: number;
    it('creates a daily plan and records missed runs (5a) for working days without a run by 09:00', async () => {
      // 2025-11-03 (Mon) .. 2025-11-07 (Fri): 5 working days.
      const res = await post('/inspection-plans', {
        name: '电子税务局日常巡检', frequency: 'workday', deadlineTime: '09:00', checklist: ['CPU/内存/磁盘', '数据库连接', '消息队列积压'],
        activeFrom: '2025-11-03', activeTo: '2025-11-07', findingLimitMinutes: 240,
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      planId = res.body.id;
      expect(res.body.detection.inspection.added).to.equal(5);
      const run = (day: string, time: string, items: string[], findings: object[] = []) =>
        post('/inspections', { planId, performedAt: `${day}T${time}:00+08:00`, performer: '覃海燕', itemsChecked: items, findings });
      const all = ['CPU/内存/磁盘', '数据库连接', '消息队列积压'];
      expect((await run('2025-11-03', '08:30', all)).status).to.equal(201);
      await run('2025-11-04', '08:40', ['CPU/内存/磁盘']); // 2 items missing → 5b × 2
      await run('2025-11-05', '10:15', all); // after 09:00 → still a missed run
      await run('2025-11-06', '08:50', all, [{ description: '数据库连接数接近上限', handledAt: '2025-11-06T16:00:00+08:00' }]);
      const last = await run('2025-11-07', '08:55', all, [{ description: '磁盘使用率 85%', handledAt: null }]);
      expect(last.status).to.equal(201);
      const ls = await lines(get(), id, 'inspection');
      const missed = ls.filter((l) => l.rule === '5a');
      expect(missed.map((l) => l.sourceKey).sort()).to.deep.equal([`inspection:${planId}:2025-11-05:missed`]);
      expect(missed[0].trace.join('')).to.contain('晚于截止时间');
      const items = ls.filter((l) => l.rule === '5b');
      expect(items).to.have.length(1);
      expect(items[0]).to.include({ units: '2', points: '0.20' });
      const findings = ls.filter((l) => l.rule === '5c');
      // 11-06 08:50 + 240 working min = 12:50, handled 16:00: late; 11-07 never handled: late.
      expect(findings).to.have.length(2);
      const sc = await get().api.get(url('/periods/1/scorecard')).set(auth(get().tokens.manager));
      const item5 = sc.body.items.find((i: { number: number }) => i.number === 5);
      expect(item5.deduction).to.equal('0.90');
      expect(item5.lines.every((l: { trace: string[] }) => l.trace.length > 0)).to.equal(true);
    });

    it('refuses a run with checklist items the plan does not have', async () => {
      const res = await post('/inspections', { planId, performedAt: '2025-11-10T08:00:00+08:00', performer: '覃海燕', itemsChecked: ['机房温度'] });
      expect(res.status).to.equal(400);
      expect(res.body.error.details[0].path).to.equal('itemsChecked');
    });

    it('counts October 2025 as 18 working days for an every-working-day plan', async () => {
      const env = get();
      const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send({ ...seed002Contract(env.vendorId, 'INSPECT-OCT'), startDate: '2025-10-01', endDate: '2026-09-30' });
      const res = await env.api.post(`/api/v1/contracts/${c.body.id}/inspection-plans`).set(auth(env.tokens.manager)).send({
        name: '每日巡检', frequency: 'workday', checklist: ['健康检查'], activeFrom: '2025-10-01', activeTo: '2025-10-31',
      });
      expect(res.body.detection.inspection.added).to.equal(18);
    });
  });

  describe('reports', () => {
    it('a weekly plan on a contract running into a year without calendar data is accepted', async () => {
      const env = get();
      const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send({ ...seed002Contract(env.vendorId, 'WEEKLY-2027'), startDate: '2026-03-01', endDate: '2027-02-28' });
      const res = await env.api.post(`/api/v1/contracts/${c.body.id}/report-plans`).set(auth(env.tokens.manager)).send({ name: '周报', kind: 'weekly', dueWorkingDays: 1 });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });

    it('a monthly report missing or late is a 9a line; on time it is not', async () => {
      const plan = await post('/report-plans', { name: '运维月报', kind: 'monthly', dueWorkingDays: 5 });
      expect(plan.status, JSON.stringify(plan.body)).to.equal(201);
      // The contract runs 2025-11 .. 2026-10: 12 monthly reports, all past due now.
      expect(plan.body.detection.report.added).to.equal(12);
      // November 2025 report: 5 working days after 11-30 → due 2025-12-05.
      const onTime = await post('/report-submissions', { planId: plan.body.id, covers: '2025-11', submittedAt: '2025-12-04T10:00:00+08:00', title: '2025年11月运维月报' });
      expect(onTime.status, JSON.stringify(onTime.body)).to.equal(201);
      expect(onTime.body.detection.report.withdrawn).to.equal(1);
      const late = await post('/report-submissions', { planId: plan.body.id, covers: '2025-12-15', submittedAt: '2026-01-20T10:00:00+08:00' });
      expect(late.body.covers).to.equal('2025-12');
      const ls = await lines(get(), id, 'report');
      expect(ls).to.have.length(11);
      const dec = ls.find((l) => l.sourceKey === `report:${plan.body.id}:2025-12`)!;
      expect(dec.reason).to.contain('逾期');
      expect(dec.trace.join('')).to.contain('2026-01-08');
      const bad = await post('/report-submissions', { planId: plan.body.id, covers: '2025-13', submittedAt: '2026-01-20T10:00:00+08:00' });
      expect(bad.status).to.equal(400);
    });
  });

  describe('staffing', () => {
    it('detects shortfalls, unqualified people, missing agreements, certificates and training', async () => {
      const pos = await put('/positions', [
        { role: '问题处理岗', count: 2, qualifications: ['软考中级'], toleranceWorkingDays: 10 },
        { role: '项目经理岗', count: 1, qualifications: [] },
      ]);
      expect(pos.status, JSON.stringify(pos.body)).to.equal(200);
      const people = await post('/people', [
        { externalId: 'E01', name: '黄志强', role: '项目经理岗', startDate: '2025-11-01', securityAgreement: true, noCriminalRecord: true, securityTrainingDate: '2025-11-01' },
        { externalId: 'E02', name: '韦丽萍', role: '问题处理岗', startDate: '2025-11-01', qualifications: ['软考中级'], securityAgreement: true, noCriminalRecord: true, securityTrainingDate: '2025-11-02' },
        { externalId: 'E03', name: '覃斌', role: '问题处理岗', startDate: '2025-11-01', endDate: '2025-12-31', qualifications: [], securityAgreement: false, noCriminalRecord: true, securityTrainingDate: null },
      ]);
      expect(people.status, JSON.stringify(people.body)).to.equal(200);
      expect(people.body.imported).to.equal(3);
      const ls = await lines(get(), id, 'staffing');
      const p1 = ls.filter((l) => l.period === 1);
      // Period 1 (2025-11-01..2026-01-31): 覃斌 leaves 12-31, so January is one short for > 10 working days.
      expect(p1.find((l) => l.rule === '1a')).to.include({ units: '1', points: '0.30' });
      expect(p1.find((l) => l.rule === '2a')!.reason).to.contain('覃斌');
      expect(p1.find((l) => l.rule === '16a')!.reason).to.contain('覃斌');
      expect(p1.find((l) => l.rule === '15a')!.reason).to.contain('覃斌');
      expect(p1.filter((l) => l.rule === '16b')).to.have.length(0);
      // 覃斌 is gone after period 1: no more 2a/16a/15a for him in period 2.
      expect(ls.filter((l) => l.period === 2 && l.reason.includes('覃斌'))).to.have.length(0);
      // A replacement from 2026-01-05 closes the gap within tolerance: no 1a in period 1 any more.
      const fix = await post('/people', [{ externalId: 'E04', name: '蒙晓雯', role: '问题处理岗', startDate: '2026-01-05', qualifications: ['软考中级'], securityAgreement: true, noCriminalRecord: true, securityTrainingDate: '2026-01-05' }]);
      expect(fix.body.detection.staffing.withdrawn).to.be.greaterThan(0);
      expect((await lines(get(), id, 'staffing')).filter((l) => l.rule === '1a' && l.period === 1)).to.have.length(0);
    });
  });

  describe('events', () => {
    it('maps releases, emergencies, security incidents, vulnerabilities, supply chain, turnover and on-site visits to their rules', async () => {
      const ev = (body: object) => post('/events', body);
      expect((await ev({ kind: 'release', occurredAt: '2025-11-12T20:00:00+08:00', title: 'V3.2.1 升级', details: { plannedAt: '2025-11-12T22:00:00+08:00', completedAt: '2025-11-13T01:30:00+08:00', newProblemCaused: true, newProblemResolvedInTime: false } })).status).to.equal(201);
      await ev({ kind: 'emergency', occurredAt: '2025-11-20T10:00:00+08:00', title: '发票开具接口中断', details: { limitMinutes: 120, handledAt: '2025-11-20T13:00:00+08:00', missingSteps: ['启动应急预案', '事后复盘'] } });
      const sec = await ev({ kind: 'security_incident', occurredAt: '2025-12-02T15:00:00+08:00', title: '服务器被控制并被通报', details: { category: 'network_data' } });
      expect(sec.body.suggestedPenaltyClause).to.equal('security-incident');
      await ev({ kind: 'vulnerability_report', occurredAt: '2025-11-05T10:00:00+08:00', title: '中间件漏洞报备', details: { identifier: 'CVE-2025-1111', reason: '厂商补丁未发布' } });
      await ev({ kind: 'vulnerability', occurredAt: '2025-12-10T10:00:00+08:00', title: '中间件远程执行漏洞', details: { identifier: 'CVE-2025-1111', foundBy: '第三方检测' } });
      await ev({ kind: 'vulnerability', occurredAt: '2025-12-11T10:00:00+08:00', title: '弱口令', details: { identifier: 'WEAK-PWD-01', foundBy: '局方安全系统' } });
      await ev({ kind: 'supply_chain', occurredAt: '2025-12-15T10:00:00+08:00', title: '供应链厂商未做渗透测试', details: { rule: '19a' } });
      await ev({ kind: 'turnover_disruption', occurredAt: '2025-12-20T10:00:00+08:00', title: '数据库工程师离职交接不到位致同步中断' });
      const planned = await ev({ kind: 'onsite_planned', occurredAt: '2025-11-01T00:00:00+08:00', title: '大征期重保', details: { dueDate: '2026-01-15', persons: 6 } });
      await ev({ kind: 'onsite_visit', occurredAt: '2026-01-10T09:00:00+08:00', title: '原厂工程师到场', details: { plannedId: planned.body.id, persons: 4 } });
      const ls = await lines(get(), id, 'event');
      const rules = ls.map((l) => l.rule).sort();
      expect(rules).to.deep.equal(['12a', '18a', '19a', '33a', '3a', '6a', '7a', '8a', '8b'].sort());
      expect(ls.find((l) => l.rule === '8b')).to.include({ units: '2', points: '0.20' });
      expect(ls.find((l) => l.rule === '33a')).to.include({ units: '2', points: '2.00' });
      expect(ls.find((l) => l.rule === '12a')!.reason).to.contain('弱口令');
      const bad = await ev({ kind: 'security_incident', occurredAt: '2025-12-02T15:00:00+08:00', title: 'x', details: { category: 'other' } });
      expect(bad.status).to.equal(400);
    });

    it('withdrawing an event withdraws its lines', async () => {
      const list = await get().api.get(url('/events?kind=turnover_disruption')).set(auth(get().tokens.manager));
      const res = await post(`/events/${list.body[0].id}/withdraw`, { reason: '经核实非服务商原因' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect((await lines(get(), id, 'event')).some((l) => l.rule === '3a')).to.equal(false);
    });
  });

  describe('authorization and calendar', () => {
    it('vendors and finance read evidence but cannot write it', async () => {
      const env = get();
      expect((await env.api.get(url('/tickets')).set(auth(env.tokens.vendor))).status).to.equal(200);
      expect((await env.api.get(url('/tickets')).set(auth(env.tokens.otherVendor))).status).to.equal(404);
      for (const who of ['vendor', 'finance'] as const) {
        expect((await env.api.post(url('/tickets')).set(auth(env.tokens[who])).send([{ externalId: 'X', severity: '高', createdAt: '2025-11-03T09:00:00+08:00' }])).status).to.equal(403);
        expect((await env.api.put(url('/sla-policy')).set(auth(env.tokens[who])).send(SEED000_POLICY)).status).to.equal(403);
        expect((await env.api.post(url('/events')).set(auth(env.tokens[who])).send({ kind: 'turnover_disruption', occurredAt: '2025-12-20T10:00:00+08:00', title: 'x' })).status).to.equal(403);
        expect((await env.api.post(url('/detect')).set(auth(env.tokens[who]))).status).to.equal(403);
      }
    });

    it('serves the bundled calendar and refuses a year without data until an admin imports it', async () => {
      const env = get();
      const y = await env.api.get('/api/v1/calendar/2025').set(auth(env.tokens.vendor));
      expect(y.status).to.equal(200);
      expect(y.body.days.find((d: { date: string }) => d.date === '2025-09-28')).to.include({ kind: 'workday' });
      expect(y.body.days.find((d: { date: string }) => d.date === '2025-10-01')).to.include({ kind: 'holiday' });
      expect((await env.api.get('/api/v1/calendar/2027').set(auth(env.tokens.admin))).status).to.equal(404);

      const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send({ ...seed002Contract(env.vendorId, 'Y2027'), startDate: '2027-01-01', endDate: '2027-12-31' });
      const cid = c.body.id;
      await env.api.put(`/api/v1/contracts/${cid}/sla-policy`).set(auth(env.tokens.manager)).send(SEED000_POLICY).expect(200);
      const t = await env.api.post(`/api/v1/contracts/${cid}/tickets`).set(auth(env.tokens.manager)).send([{ externalId: 'Y-1', type: '故障', severity: '高', createdAt: '2027-02-01T09:00:00+08:00', resolvedAt: '2027-02-01T10:00:00+08:00', respondedAt: '2027-02-01T09:10:00+08:00' }]);
      expect(t.status).to.equal(409);
      expect(t.body.error.code).to.equal('calendar_missing');
      expect(t.body.error.message).to.contain('2027');
      expect((await env.api.get(`/api/v1/contracts/${cid}/tickets`).set(auth(env.tokens.manager))).body.total).to.equal(0);

      expect((await env.api.put('/api/v1/calendar/2027').set(auth(env.tokens.manager)).send({ days: [] })).status).to.equal(403);
      const csv = 'date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n2027-02-08,休,春节\n';
      const imp = await env.api.put('/api/v1/calendar/2027').set(auth(env.tokens.admin)).set('Content-Type', 'text/csv').send(csv);
      expect(imp.status, JSON.stringify(imp.body)).to.equal(200);
      expect(imp.body.days).to.have.length(3);
      const again = await env.api.post(`/api/v1/contracts/${cid}/tickets`).set(auth(env.tokens.manager)).send([{ externalId: 'Y-1', type: '故障', severity: '高', createdAt: '2027-02-01T09:00:00+08:00', resolvedAt: '2027-02-01T10:00:00+08:00', respondedAt: '2027-02-01T09:10:00+08:00' }]);
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      // Y-1 (高: resolution 240 working min from Mon 2027-03-01 09:00) is fine; resolved 11:00.
      await env.api.post(`/api/v1/contracts/${cid}/tickets`).set(auth(env.tokens.manager)).send([{ externalId: 'Y-2', type: '故障', severity: '高', createdAt: '2027-02-26T16:00:00+08:00', respondedAt: '2027-02-26T16:05:00+08:00', resolvedAt: '2027-03-01T11:00:00+08:00' }]).expect(200);
      // 2027-02-26 (Fri) 16:00 + 240 → Mon 03-01 10:30: resolved 11:00 is a breach.
      expect((await lines(env, cid, 'sla')).map((l) => l.reason).join()).to.contain('Y-2');
      // The admin makes Monday 03-01 a holiday: the deadline moves to Tuesday and the line goes.
      const day = await env.api.put('/api/v1/calendar/days/2027-03-01').set(auth(env.tokens.admin)).send({ kind: 'holiday', name: '地方假日' });
      expect(day.status, JSON.stringify(day.body)).to.equal(200);
      expect(day.body.days.map((d: { date: string }) => d.date)).to.include('2027-03-01');
      expect(day.body.detection.failed).to.deep.equal([]);
      expect((await lines(env, cid, 'sla')).map((l) => l.reason).join()).not.to.contain('Y-2');
      const badDay = await env.api.put('/api/v1/calendar/2027').set(auth(env.tokens.admin)).send({ days: [{ date: '2026-01-01', kind: 'holiday', name: 'x' }] });
      expect(badDay.status).to.equal(400);
    });
  });
});
