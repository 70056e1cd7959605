// The JSON API end to end, on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL.
import { expect } from 'chai';
import { auth, describeEachDb, PASSWORD, publishAndSign, seed002Contract, TestEnv } from './helpers';

async function counts(env: TestEnv) {
  const m = env.db.models;
  return {
    contracts: await m.Contract.count(),
    lines: await m.LedgerLine.count(),
    ratings: await m.Rating.count(),
    penalties: await m.Penalty.count(),
    audit: await m.Audit.count(),
    templates: await m.Template.count(),
    vendors: await m.Vendor.count(),
  };
}

describeEachDb('API', (get) => {
  let contractId: number;

  describe('authentication', () => {
    it('issues a token for valid credentials and refuses wrong ones', async () => {
      const env = get();
      const ok = await env.api.post('/api/v1/auth/token').send({ username: 'manager', password: PASSWORD });
      expect(ok.status).to.equal(200);
      expect(ok.body.token).to.be.a('string').with.length.greaterThan(20);
      expect(ok.body.user.role).to.equal('manager');
      const bad = await env.api.post('/api/v1/auth/token').send({ username: 'manager', password: 'wrong-password' });
      expect(bad.status).to.equal(401);
      expect(bad.body.error.code).to.equal('unauthorized');
      const unknown = await env.api.post('/api/v1/auth/token').send({ username: 'nobody', password: 'x' });
      expect(unknown.status).to.equal(401);
    });

    it('answers 401 without a token or with a bad one, and after logout', async () => {
      const env = get();
      expect((await env.api.get('/api/v1/contracts')).status).to.equal(401);
      expect((await env.api.get('/api/v1/contracts').set(auth('not-a-token'))).status).to.equal(401);
      const login = await env.api.post('/api/v1/auth/token').send({ username: 'finance', password: PASSWORD });
      const t = login.body.token;
      expect((await env.api.get('/api/v1/me').set(auth(t))).body.role).to.equal('finance');
      expect((await env.api.post('/api/v1/auth/logout').set(auth(t))).status).to.equal(200);
      expect((await env.api.get('/api/v1/me').set(auth(t))).status).to.equal(401);
    });

    it('stores passwords as argon2id hashes, never in clear', async () => {
      const row = (await get().db.models.User.findOne({ where: { username: 'manager' }, raw: true })) as unknown as { passwordHash: string };
      expect(row.passwordHash).to.match(/^\$argon2id\$/);
      expect(row.passwordHash).not.to.contain(PASSWORD);
    });

    it('answers malformed JSON with a structured 400', async () => {
      const env = get();
      const res = await env.api
        .post('/api/v1/contracts')
        .set(auth(env.tokens.manager))
        .set('Content-Type', 'application/json')
        .send('{"code": ');
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_json');
    });
  });

  describe('contracts', () => {
    it('creates seed 002 contract with 4 contract quarters and the default clause catalogue', async () => {
      const env = get();
      const res = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      contractId = res.body.id;
      expect(res.body.totalAmount).to.equal('12084900.00');
      expect(res.body.pointRate).to.equal('0.008');
      expect(res.body.interviewThreshold).to.equal('95.00');
      expect(res.body.interviewsBeforeTermination).to.equal(2);
      expect(res.body.objectionWindowDays).to.equal(5);
      expect(res.body.timeZone).to.equal('Asia/Shanghai');
      expect(res.body.templateVersion).to.equal(1);
      expect(res.body.bureau).to.equal('国家税务总局广西壮族自治区税务局');
      expect(res.body.periods.map((p: { number: number; startDate: string; endDate: string }) => [p.number, p.startDate, p.endDate])).to.deep.equal([
        [1, '2025-11-01', '2026-01-31'],
        [2, '2026-02-01', '2026-04-30'],
        [3, '2026-05-01', '2026-07-31'],
        [4, '2026-08-01', '2026-10-31'],
      ]);
      expect(res.body.installments.map((i: { ratio: string }) => i.ratio)).to.deep.equal(['0.20', '0.40', '0.40']);
      const codes = res.body.penaltyClauses.map((c: { code: string }) => c.code);
      expect(codes).to.include.members(['security-incident', 'supply-chain-incident', 'root-cause-not-found', 'late-performance', 'other-breach', 'termination']);
      const got = await env.api.get(`/api/v1/contracts/${contractId}`).set(auth(env.tokens.finance));
      expect(got.status).to.equal(200);
      expect(got.body.code).to.equal('GX2025-DLGK-C0062-B00');
      expect(got.body.systems).to.have.length(7);
    });

    it('generates calendar quarters with labelled partial periods', async () => {
      const env = get();
      const body = { ...seed002Contract(env.vendorId, 'CAL-001'), periodScheme: 'calendar_quarters' };
      body.installments = [
        { name: '预付款', ratio: '0.3', deductible: false, periods: [] },
        { name: '尾款', ratio: '0.7', deductible: true, periods: [1, 2, 3, 4, 5] },
      ];
      const res = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(body);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.periods).to.have.length(5);
      expect(res.body.periods[0]).to.include({ startDate: '2025-11-01', endDate: '2025-12-31', partial: true });
      expect(res.body.periods[0].label).to.contain('2025年第4季度');
      expect(res.body.periods[4]).to.include({ startDate: '2026-10-01', endDate: '2026-10-31', partial: true });
      expect(res.body.periods[2]).to.include({ startDate: '2026-04-01', endDate: '2026-06-30', partial: false });
    });

    it('refuses installment ratios that do not sum to 1, and stores nothing', async () => {
      const env = get();
      const before = await counts(env);
      const body = seed002Contract(env.vendorId, 'BAD-RATIO');
      body.installments[2].ratio = '0.39';
      const res = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(body);
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_input');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include('installments');
      expect(await counts(env)).to.deep.equal(before);
    });

    it('refuses bad contract input with every problem listed', async () => {
      const env = get();
      const before = await counts(env);
      const cases: [object, string][] = [
        [{ ...seed002Contract(env.vendorId, 'X1'), totalAmount: '-5' }, 'totalAmount'],
        [{ ...seed002Contract(env.vendorId, 'X2'), totalAmount: '1.005' }, 'totalAmount'],
        [{ ...seed002Contract(env.vendorId, 'X3'), endDate: '2025-01-01' }, 'endDate'],
        [{ ...seed002Contract(env.vendorId, 'X4'), startDate: '2025-02-30' }, 'startDate'],
        [{ ...seed002Contract(env.vendorId, 'X5'), vendorId: 9999 }, 'vendorId'],
        [{ ...seed002Contract(env.vendorId, 'X6'), timeZone: 'Mars/Olympus' }, 'timeZone'],
        [{ ...seed002Contract(env.vendorId, 'X7'), periodScheme: 'monthly' }, 'periodScheme'],
        [{ ...seed002Contract(env.vendorId, 'X8'), templateVersion: 99 }, 'templateVersion'],
        [{ ...seed002Contract(env.vendorId, 'X9'), installments: [{ name: 'a', ratio: '1', deductible: true, periods: [1, 9] }] }, 'installments[0].periods'],
        [{ ...seed002Contract(env.vendorId, 'X10'), installments: [
          { name: 'a', ratio: '0.5', deductible: true, periods: [1, 2] },
          { name: 'b', ratio: '0.5', deductible: true, periods: [2, 3] },
        ] }, 'installments[1].periods'],
        [{ ...seed002Contract(env.vendorId, 'X11'), penaltyClauses: [{ code: 'p', name: 'p', kind: 'percent_range', minPercent: '30', maxPercent: '20' }] }, 'penaltyClauses[0].maxPercent'],
        [{ name: 'no code' }, 'code'],
      ];
      for (const [body, path] of cases) {
        const res = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(body);
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(res.body)).to.include(path);
        expect(res.body.error.message).to.be.a('string').and.not.empty;
      }
      expect(await counts(env)).to.deep.equal(before);
    });

    it('refuses a duplicate contract code with 409', async () => {
      const env = get();
      const res = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId));
      expect(res.status).to.equal(409);
    });
  });

  describe('ledger and scorecard', () => {
    it('adds a manual line with its points and shows it on the scorecard', async () => {
      const env = get();
      const res = await env.api.post(`/api/v1/contracts/${contractId}/ledger`).set(auth(env.tokens.manager)).send({
        period: 1, item: 5, rule: '5a', units: 2, reason: '11月3日、11月4日未执行日常巡检', occurredAt: '2025-11-04T09:00:00+08:00', evidence: '巡检记录缺失',
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ period: 1, item: 5, rule: '5a', units: '2', points: '1.00', status: 'active', source: 'manual' });
      expect(res.body.occurredAt).to.equal('2025-11-04T01:00:00.000Z');
      const single = await env.api.post(`/api/v1/contracts/${contractId}/ledger`).set(auth(env.tokens.manager)).send({
        period: 1, item: 4, units: 3, reason: '3 张工单超时',
      });
      expect(single.status).to.equal(201);
      expect(single.body).to.include({ rule: '4a', points: '0.30' });

      // a draft is the bureau's own: the vendor sees the period once it is published
      expect((await env.api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(auth(env.tokens.vendor))).status).to.equal(404);
      const sc = await env.api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(auth(env.tokens.manager));
      expect(sc.status).to.equal(200);
      expect(sc.body.status).to.equal('draft');
      expect(sc.body.templateVersion).to.equal(1);
      expect(sc.body.items).to.have.length(33);
      const item5 = sc.body.items.find((i: { number: number }) => i.number === 5);
      expect(item5).to.include({ maxPoints: '5.00', rawDeduction: '1.00', deduction: '1.00', score: '4.00', rated: true });
      expect(item5.lines).to.have.length(1);
      expect(item5.lines[0].reason).to.contain('巡检');
      expect(sc.body.totalDeduction).to.equal('1.30');
      expect(sc.body.score).to.equal('98.70');
      expect(sc.body.interviewRequired).to.equal(false);
      const item28 = sc.body.items.find((i: { number: number }) => i.number === 28);
      expect(item28).to.include({ rated: false, deduction: '0.00', score: '2.00', kind: 'rating' });
      const cat = sc.body.categories.find((c: { category: string }) => c.category === '工作质效');
      expect(cat).to.include({ maxPoints: '30.00', deduction: '1.30', score: '28.70' });
    });

    it('caps an item at its max but keeps the raw deduction', async () => {
      const env = get();
      const res = await env.api.post(`/api/v1/contracts/${contractId}/ledger`).set(auth(env.tokens.manager)).send({
        period: 2, item: 17, units: 3, reason: '违规外联 3 次',
      });
      expect(res.status).to.equal(201);
      expect(res.body.points).to.equal('3.00');
      const sc = await env.api.get(`/api/v1/contracts/${contractId}/periods/2/scorecard`).set(auth(env.tokens.manager));
      const item17 = sc.body.items.find((i: { number: number }) => i.number === 17);
      expect(item17).to.include({ maxPoints: '2.00', rawDeduction: '3.00', deduction: '2.00', score: '0.00', capped: true });
      expect(sc.body.rawTotalDeduction).to.equal('3.00');
      expect(sc.body.totalDeduction).to.equal('2.00');
      expect(sc.body.score).to.equal('98.00');
    });

    it('refuses invalid lines (item 34, rule 5d, units −1 or 1.5, no reason, missing rule) and stores nothing', async () => {
      const env = get();
      const before = await counts(env);
      const base = { period: 1, item: 5, rule: '5a', units: 1, reason: '测试' };
      const cases: [object, string][] = [
        [{ ...base, item: 34 }, 'item'],
        [{ ...base, rule: '5d' }, 'rule'],
        [{ ...base, rule: undefined }, 'rule'],
        [{ ...base, units: -1 }, 'units'],
        [{ ...base, units: 1.5 }, 'units'],
        [{ ...base, units: 0 }, 'units'],
        [{ ...base, units: 'abc' }, 'units'],
        [{ ...base, reason: '' }, 'reason'],
        [{ ...base, period: 9 }, 'period'],
        [{ ...base, item: 28, rule: undefined }, 'item'],
        [{ ...base, occurredAt: 'yesterday' }, 'occurredAt'],
      ];
      for (const [body, path] of cases) {
        const res = await env.api.post(`/api/v1/contracts/${contractId}/ledger`).set(auth(env.tokens.manager)).send(body);
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(400);
        expect(res.body.error.code).to.equal('invalid_input');
        expect(res.body.error.details.map((d: { path: string }) => d.path), JSON.stringify(res.body)).to.include(path);
      }
      expect(await counts(env)).to.deep.equal(before);
    });

    it('withdraws a line with a reason: it leaves the score but stays in the ledger', async () => {
      const env = get();
      const add = await env.api.post(`/api/v1/contracts/${contractId}/ledger`).set(auth(env.tokens.manager)).send({
        period: 1, item: 24, units: 1, reason: '未挂牌上岗',
      });
      const lineId = add.body.id;
      let sc = await env.api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(auth(env.tokens.manager));
      expect(sc.body.score).to.equal('98.50');
      const noReason = await env.api.post(`/api/v1/contracts/${contractId}/ledger/${lineId}/withdraw`).set(auth(env.tokens.manager)).send({});
      expect(noReason.status).to.equal(400);
      const w = await env.api.post(`/api/v1/contracts/${contractId}/ledger/${lineId}/withdraw`).set(auth(env.tokens.manager)).send({ reason: '经核实已挂牌，误记' });
      expect(w.status, JSON.stringify(w.body)).to.equal(200);
      expect(w.body).to.include({ status: 'withdrawn', withdrawnReason: '经核实已挂牌，误记' });
      sc = await env.api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(auth(env.tokens.manager));
      expect(sc.body.score).to.equal('98.70');
      const again = await env.api.post(`/api/v1/contracts/${contractId}/ledger/${lineId}/withdraw`).set(auth(env.tokens.manager)).send({ reason: 'again' });
      expect(again.status).to.equal(409);
      const all = await env.api.get(`/api/v1/contracts/${contractId}/ledger?period=1`).set(auth(env.tokens.manager));
      const line = all.body.find((l: { id: number }) => l.id === lineId);
      expect(line).to.include({ status: 'withdrawn' });
      const stored = await env.db.models.LedgerLine.count({ where: { id: lineId } });
      expect(stored).to.equal(1);
    });

    it('records ratings: none, one, several (mean, rounded once)', async () => {
      const env = get();
      const r1 = await env.api.post(`/api/v1/contracts/${contractId}/ratings`).set(auth(env.tokens.manager)).send({ period: 1, item: 28, level: 4, rater: '征管科 王婷' });
      expect(r1.status, JSON.stringify(r1.body)).to.equal(201);
      let sc = await env.api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(auth(env.tokens.manager));
      let item28 = sc.body.items.find((i: { number: number }) => i.number === 28);
      expect(item28).to.include({ rated: true, ratingCount: 1, deduction: '0.40', score: '1.60' });
      for (const level of [5, 4]) {
        await env.api.post(`/api/v1/contracts/${contractId}/ratings`).set(auth(env.tokens.manager)).send({ period: 1, item: 29, level });
      }
      await env.api.post(`/api/v1/contracts/${contractId}/ratings`).set(auth(env.tokens.manager)).send({ period: 1, item: 29, level: 4 });
      sc = await env.api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(auth(env.tokens.manager));
      item28 = sc.body.items.find((i: { number: number }) => i.number === 28);
      const item29 = sc.body.items.find((i: { number: number }) => i.number === 29);
      // levels 5, 4, 4: mean 4.333…, (5 − 4.333…) × 0.2 = 0.1333… → 0.13
      expect(item29).to.include({ rated: true, ratingCount: 3, deduction: '0.13', score: '0.87', ratingMean: '4.33' });
      const item30 = sc.body.items.find((i: { number: number }) => i.number === 30);
      expect(item30).to.include({ rated: false, deduction: '0.00' });
      expect(sc.body.totalDeduction).to.equal('1.83');
    });

    it('refuses a rating of level 6 or on a non-rated item', async () => {
      const env = get();
      const before = await counts(env);
      for (const [body, path] of [
        [{ period: 1, item: 28, level: 6 }, 'level'],
        [{ period: 1, item: 28, level: 0 }, 'level'],
        [{ period: 1, item: 28, level: 3.5 }, 'level'],
        [{ period: 1, item: 5, level: 3 }, 'item'],
      ] as [object, string][]) {
        const res = await env.api.post(`/api/v1/contracts/${contractId}/ratings`).set(auth(env.tokens.manager)).send(body);
        expect(res.status).to.equal(400);
        expect(res.body.error.details[0].path).to.equal(path);
      }
      expect(await counts(env)).to.deep.equal(before);
    });
  });

  describe('payments and penalties', () => {
    it('reproduces the worked example: P1 2.0 + P2 1.5 points → ¥4,698,609.12', async () => {
      const env = get();
      const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'WORKED-EXAMPLE'));
      const id = c.body.id;
      const post = (body: object) => env.api.post(`/api/v1/contracts/${id}/ledger`).set(auth(env.tokens.manager)).send(body);
      expect((await post({ period: 1, item: 1, units: 5, reason: '缺 5 人' })).body.points).to.equal('1.50');
      expect((await post({ period: 1, item: 9, units: 5, reason: '缺 5 份周报' })).body.points).to.equal('0.50');
      expect((await post({ period: 2, item: 5, rule: '5a', units: 3, reason: '缺 3 次巡检' })).body.points).to.equal('1.50');
      const pay = await env.api.get(`/api/v1/contracts/${id}/payments`).set(auth(env.tokens.finance));
      expect(pay.status).to.equal(200);
      const [adv, first, last] = pay.body.installments;
      expect(adv).to.include({ baseAmount: '2416980.00', factor: '1.00', payable: '2416980.00', deductible: false });
      expect(first).to.include({ baseAmount: '4833960.00', accumulatedDeduction: '3.50', factor: '0.972', payable: '4698609.12', penalties: '0.00', carriedIn: '0.00' });
      expect(first.periods).to.deep.equal([1, 2]);
      expect(last).to.include({ baseAmount: '4833960.00', accumulatedDeduction: '0.00', factor: '1.00', payable: '4833960.00' });
      expect(pay.body.totals.payable).to.equal('11949549.12');
      expect(pay.body.periods.map((p: { score: string }) => p.score)).to.deep.equal(['98.00', '98.50', '100.00', '100.00']);
    });

    it('penalties: within the clause bounds, approved by someone else, carried over when larger than an installment', async () => {
      const env = get();
      const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'PENALTY-CARRY'));
      const id = c.body.id;
      const before = await counts(env);
      const bad = [
        { installment: 2, clause: 'security-incident', percent: '31', reason: '越界' },
        { installment: 2, clause: 'security-incident', percent: '19.99', reason: '越界' },
        { installment: 2, clause: 'security-incident', amount: '1000.00', reason: '低于下限' },
        { installment: 2, clause: 'security-incident', amount: '3000000.00', percent: '25', reason: '二选一' },
        { installment: 2, clause: 'no-such-clause', percent: '25', reason: 'x' },
        { installment: 9, clause: 'security-incident', percent: '25', reason: 'x' },
        { installment: 2, clause: 'late-performance', reason: '缺天数' },
        { installment: 2, clause: 'security-incident', percent: '25' },
      ];
      for (const body of bad) {
        const res = await env.api.post(`/api/v1/contracts/${id}/penalties`).set(auth(env.tokens.manager)).send(body);
        expect(res.status, JSON.stringify(body)).to.equal(400);
      }
      expect(await counts(env)).to.deep.equal(before);

      // 25% of 12,084,900.00 = 3,021,225.00 on the 20% advance (2,416,980.00): 604,245.00 carries on.
      const p = await env.api.post(`/api/v1/contracts/${id}/penalties`).set(auth(env.tokens.manager)).send({
        installment: 1, clause: 'security-incident', percent: '25', reason: '2025-12-02 服务器被控制并被通报',
      });
      expect(p.status, JSON.stringify(p.body)).to.equal(201);
      expect(p.body).to.include({ amount: '3021225.00', percent: '25', status: 'proposed' });
      const late = await env.api.post(`/api/v1/contracts/${id}/penalties`).set(auth(env.tokens.manager)).send({
        installment: 2, clause: 'late-performance', units: 10, reason: '系统升级延误 10 天',
      });
      expect(late.body).to.include({ amount: '36254.70', percent: '0.3', units: 10 });

      let pay = await env.api.get(`/api/v1/contracts/${id}/payments`).set(auth(env.tokens.finance));
      expect(pay.body.installments[0]).to.include({ penalties: '0.00', pendingPenalties: '3021225.00', payable: '2416980.00' });

      const self = await env.api.post(`/api/v1/contracts/${id}/penalties/${p.body.id}/approve`).set(auth(env.tokens.manager));
      expect(self.status).to.equal(409);
      const ok = await env.api.post(`/api/v1/contracts/${id}/penalties/${p.body.id}/approve`).set(auth(env.tokens.manager2));
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(ok.body.status).to.equal('approved');
      await env.api.post(`/api/v1/contracts/${id}/penalties/${late.body.id}/approve`).set(auth(env.tokens.admin)).expect(200);

      pay = await env.api.get(`/api/v1/contracts/${id}/payments`).set(auth(env.tokens.finance));
      const [adv, first, last] = pay.body.installments;
      expect(adv).to.include({ penalties: '3021225.00', payable: '0.00', carriedOut: '604245.00' });
      expect(first).to.include({ carriedIn: '604245.00', penalties: '36254.70', payable: '4193460.30' });
      expect(last).to.include({ carriedIn: '0.00', payable: '4833960.00' });
      expect(pay.body.totals).to.include({ penalties: '3057479.70', payable: '9027420.30', uncollected: '0.00' });

      const w = await env.api.post(`/api/v1/contracts/${id}/penalties/${late.body.id}/withdraw`).set(auth(env.tokens.manager)).send({ reason: '延误系甲方原因' });
      expect(w.body.status).to.equal('withdrawn');
      pay = await env.api.get(`/api/v1/contracts/${id}/payments`).set(auth(env.tokens.finance));
      expect(pay.body.installments[1]).to.include({ penalties: '0.00', payable: '4229715.00' });
      const list = await env.api.get(`/api/v1/contracts/${id}/penalties`).set(auth(env.tokens.vendor));
      expect(list.body).to.have.length(2);
    });

    it('finance records payment status; a paid installment takes no new penalty', async () => {
      const env = get();
      const url = `/api/v1/contracts/${contractId}/installments/1/payment-status`;
      expect((await env.api.put(url).set(auth(env.tokens.manager)).send({ paymentStatus: 'invoiced' })).status).to.equal(403);
      const missing = await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'paid' });
      expect(missing.status).to.equal(400);
      const inv = await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'invoiced', invoiceDate: '2025-11-20' });
      expect(inv.status, JSON.stringify(inv.body)).to.equal(200);
      const paid = await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'paid', paidDate: '2025-11-28' });
      expect(paid.body).to.include({ paymentStatus: 'paid', invoiceDate: '2025-11-20', paidDate: '2025-11-28' });
      const pen = await env.api.post(`/api/v1/contracts/${contractId}/penalties`).set(auth(env.tokens.manager)).send({
        installment: 1, clause: 'other-breach', units: 1, reason: '未按约定提交资料',
      });
      expect(pen.status).to.equal(409);
    });
  });

  describe('signed periods', () => {
    it('locks a signed period: no new lines, ratings or withdrawals (409)', async () => {
      const env = get();
      const lines = await env.api.get(`/api/v1/contracts/${contractId}/ledger?period=2&status=active`).set(auth(env.tokens.manager));
      const sign = await publishAndSign(env, contractId, 2);
      expect(sign.status, JSON.stringify(sign.body)).to.equal(200);
      expect(sign.body.status).to.equal('signed');
      expect((await env.api.post(`/api/v1/contracts/${contractId}/periods/2/sign`).set(auth(env.tokens.manager))).status).to.equal(409);
      const before = await counts(env);
      const add = await env.api.post(`/api/v1/contracts/${contractId}/ledger`).set(auth(env.tokens.manager)).send({ period: 2, item: 4, units: 1, reason: 'late' });
      expect(add.status).to.equal(409);
      expect(add.body.error.code).to.equal('conflict');
      const rate = await env.api.post(`/api/v1/contracts/${contractId}/ratings`).set(auth(env.tokens.manager)).send({ period: 2, item: 28, level: 3 });
      expect(rate.status).to.equal(409);
      const w = await env.api.post(`/api/v1/contracts/${contractId}/ledger/${lines.body[0].id}/withdraw`).set(auth(env.tokens.manager)).send({ reason: 'x' });
      expect(w.status).to.equal(409);
      expect(await counts(env)).to.deep.equal(before);
      const sc = await env.api.get(`/api/v1/contracts/${contractId}/periods/2/scorecard`).set(auth(env.tokens.vendor));
      expect(sc.body.status).to.equal('signed');
    });
  });

  describe('payment status rules', () => {
    it('pays an installment only when its amount is final; only an admin takes a payment back', async () => {
      const env = get();
      const url = `/api/v1/contracts/${contractId}/installments/2/payment-status`;
      const early = await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'paid', invoiceDate: '2026-05-10', paidDate: '2026-05-20' });
      expect(early.status).to.equal(409);
      expect(early.body.error.message).to.contain('考核期 1');
      const order = await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'invoiced', invoiceDate: '2026-05-10', paidDate: '2026-05-01' });
      expect(order.status).to.equal(400);
      const noDate = await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'invoiced' });
      expect(noDate.status).to.equal(400);
      expect(noDate.body.error.details[0].path).to.equal('invoiceDate');
      expect((await publishAndSign(env, contractId, 1)).status).to.equal(200);
      const backwards = await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'paid', invoiceDate: '2026-05-10', paidDate: '2026-05-01' });
      expect(backwards.status).to.equal(400);
      const paid = await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'paid', invoiceDate: '2026-05-10', paidDate: '2026-05-20' });
      expect(paid.status, JSON.stringify(paid.body)).to.equal(200);
      const pay = await env.api.get(`/api/v1/contracts/${contractId}/payments`).set(auth(env.tokens.finance));
      expect(pay.body.installments[1]).to.include({ final: true, paymentStatus: 'paid', paidDate: '2026-05-20' });
      expect((await env.api.put(url).set(auth(env.tokens.finance)).send({ paymentStatus: 'pending' })).status).to.equal(409);
      const undo = await env.api.put(url).set(auth(env.tokens.admin)).send({ paymentStatus: 'invoiced' });
      expect(undo.status).to.equal(200);
      expect(undo.body).to.include({ paymentStatus: 'invoiced', invoiceDate: '2026-05-10', paidDate: null });
    });

    it('reports nested input errors with one path style', async () => {
      const env = get();
      const body = seed002Contract(env.vendorId, 'PATH-STYLE');
      (body.installments[1] as { ratio: string }).ratio = 'forty';
      const res = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(body);
      expect(res.status).to.equal(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include('installments[1].ratio');
    });
  });

  describe('authorization', () => {
    it('vendors see only their own contracts and write nothing', async () => {
      const env = get();
      const mine = await env.api.get('/api/v1/contracts').set(auth(env.tokens.vendor));
      expect(mine.body.length).to.be.greaterThan(0);
      const theirs = await env.api.get('/api/v1/contracts').set(auth(env.tokens.otherVendor));
      expect(theirs.body).to.deep.equal([]);
      for (const path of [`/api/v1/contracts/${contractId}`, `/api/v1/contracts/${contractId}/periods/1/scorecard`, `/api/v1/contracts/${contractId}/payments`, `/api/v1/contracts/${contractId}/ledger`, `/api/v1/contracts/${contractId}/penalties`]) {
        expect((await env.api.get(path).set(auth(env.tokens.otherVendor))).status, path).to.equal(404);
        expect((await env.api.get(path).set(auth(env.tokens.vendor))).status, path).to.equal(200);
      }
      const before = await counts(env);
      const writes: [string, object][] = [
        [`/api/v1/contracts/${contractId}/ledger`, { period: 1, item: 4, units: 1, reason: 'x' }],
        [`/api/v1/contracts/${contractId}/ratings`, { period: 1, item: 28, level: 5 }],
        [`/api/v1/contracts/${contractId}/penalties`, { installment: 2, clause: 'other-breach', units: 1, reason: 'x' }],
        ['/api/v1/contracts', seed002Contract(env.vendorId, 'VENDOR-TRY')],
        ['/api/v1/vendors', { name: '自建服务商' }],
        ['/api/v1/templates', { basedOn: 1, name: 'v2' }],
        ['/api/v1/users', { username: 'x', password: 'xxxxxxxxxxxx', role: 'admin' }],
      ];
      for (const [path, body] of writes) {
        expect((await env.api.post(path).set(auth(env.tokens.vendor)).send(body)).status, path).to.equal(403);
      }
      expect(await counts(env)).to.deep.equal(before);
    });

    it('finance reads everything and writes nothing but payment status', async () => {
      const env = get();
      expect((await env.api.get(`/api/v1/contracts/${contractId}/payments`).set(auth(env.tokens.finance))).status).to.equal(200);
      expect((await env.api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(auth(env.tokens.finance))).status).to.equal(200);
      const before = await counts(env);
      for (const [path, body] of [
        [`/api/v1/contracts/${contractId}/ledger`, { period: 1, item: 4, units: 1, reason: 'x' }],
        [`/api/v1/contracts/${contractId}/ratings`, { period: 1, item: 28, level: 5 }],
        [`/api/v1/contracts/${contractId}/penalties`, { installment: 2, clause: 'other-breach', units: 1, reason: 'x' }],
        [`/api/v1/contracts/${contractId}/periods/3/sign`, {}],
        ['/api/v1/contracts', seed002Contract(env.vendorId, 'FIN-TRY')],
        ['/api/v1/vendors', { name: '财务建的服务商' }],
      ] as [string, object][]) {
        expect((await env.api.post(path).set(auth(env.tokens.finance)).send(body)).status, path).to.equal(403);
      }
      expect(await counts(env)).to.deep.equal(before);
    });

    it('managers cannot manage users or table versions; admins can', async () => {
      const env = get();
      expect((await env.api.post('/api/v1/users').set(auth(env.tokens.manager)).send({ username: 'mgr3', password: 'long-enough-pw', role: 'manager' })).status).to.equal(403);
      expect((await env.api.get('/api/v1/users').set(auth(env.tokens.manager))).status).to.equal(403);
      const u = await env.api.post('/api/v1/users').set(auth(env.tokens.admin)).send({ username: 'vendor3', password: 'long-enough-pw', role: 'vendor', vendorId: env.vendorId });
      expect(u.status, JSON.stringify(u.body)).to.equal(201);
      expect(u.body).not.to.have.property('passwordHash');
      const noVendor = await env.api.post('/api/v1/users').set(auth(env.tokens.admin)).send({ username: 'vendor4', password: 'long-enough-pw', role: 'vendor' });
      expect(noVendor.status).to.equal(400);
      const dup = await env.api.post('/api/v1/users').set(auth(env.tokens.admin)).send({ username: 'vendor3', password: 'long-enough-pw', role: 'finance' });
      expect(dup.status).to.equal(409);
    });
  });

  describe('template versions', () => {
    it('serves version 1 with 33 items', async () => {
      const env = get();
      const res = await env.api.get('/api/v1/templates/1').set(auth(env.tokens.vendor));
      expect(res.status).to.equal(200);
      expect(res.body.items).to.have.length(33);
      expect(res.body.items[4].rules.map((r: { code: string }) => r.code)).to.deep.equal(['5a', '5b', '5c']);
    });

    it('admins create a new version by copying and editing; invalid versions are refused', async () => {
      const env = get();
      const v1 = (await env.api.get('/api/v1/templates/1').set(auth(env.tokens.admin))).body;
      const before = await counts(env);
      const edit = (fn: (items: typeof v1.items) => void) => {
        const items = JSON.parse(JSON.stringify(v1.items));
        fn(items);
        return items;
      };
      const bad: [object, string][] = [
        [edit((items) => { items[32].maxPoints = '10'; }), '100'],
        [edit((items) => { items[3].rules[0].points = '0'; }), '大于 0'],
        [edit((items) => { items[3].rules[0].points = '-0.1'; }), '大于 0'],
        [edit((items) => { items[27].rules[0].points = '0.3'; }), '级差'],
      ];
      for (const [items, msg] of bad) {
        const res = await env.api.post('/api/v1/templates').set(auth(env.tokens.admin)).send({ basedOn: 1, name: '第2版', items });
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expect(JSON.stringify(res.body.error.details)).to.contain(msg);
      }
      expect(await counts(env)).to.deep.equal(before);
      // Move one point from item 33 to item 4 and make 4a cost 0.2 per breach.
      const items = edit((list) => {
        list[32].maxPoints = '10';
        list[3].maxPoints = '5';
        list[3].rules[0].points = '0.2';
      });
      const ok = await env.api.post('/api/v1/templates').set(auth(env.tokens.admin)).send({ basedOn: 1, name: '第2版（2026年新规）', items });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      expect(ok.body.version).to.equal(2);
      const copy = await env.api.post('/api/v1/templates').set(auth(env.tokens.admin)).send({ basedOn: 1, name: '第3版（原样复制）' });
      expect(copy.body.version).to.equal(3);
      // A contract on version 2 scores with version 2's rules; version 1 is unchanged.
      const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send({ ...seed002Contract(env.vendorId, 'V2-CONTRACT'), templateVersion: 2 });
      expect(c.status).to.equal(201);
      const line = await env.api.post(`/api/v1/contracts/${c.body.id}/ledger`).set(auth(env.tokens.manager)).send({ period: 1, item: 4, units: 2, reason: '两次超时' });
      expect(line.body.points).to.equal('0.40');
      const v1again = await env.api.get('/api/v1/templates/1').set(auth(env.tokens.admin));
      expect(v1again.body.items[3].rules[0].points).to.equal('0.1');
      const list = await env.api.get('/api/v1/templates').set(auth(env.tokens.manager));
      expect(list.body.map((t: { version: number }) => t.version)).to.deep.equal([1, 2, 3]);
    });
  });

  describe('audit log', () => {
    it('records who did what, with before and after', async () => {
      const env = get();
      const res = await env.api.get(`/api/v1/audit?contractId=${contractId}`).set(auth(env.tokens.admin));
      expect(res.status).to.equal(200);
      const actions = res.body.map((a: { action: string }) => a.action);
      expect(actions).to.include.members(['contract.create', 'ledger.add', 'ledger.withdraw', 'rating.add', 'period.sign', 'installment.payment_status']);
      const withdraw = res.body.find((a: { action: string }) => a.action === 'ledger.withdraw');
      expect(withdraw.username).to.equal('manager');
      expect(withdraw.before.status).to.equal('active');
      expect(withdraw.after.status).to.equal('withdrawn');
      expect(withdraw.at).to.be.a('string');
      expect((await env.api.get('/api/v1/audit').set(auth(env.tokens.vendor))).status).to.equal(403);
    });
  });

  describe('API description', () => {
    it('serves /api/v1/openapi.json', async () => {
      const res = await get().api.get('/api/v1/openapi.json');
      expect(res.status).to.equal(200);
      expect(res.body.openapi).to.match(/^3\./);
      expect(res.body.paths).to.have.property('/contracts/{id}/periods/{n}/scorecard');
    });
  });
});
