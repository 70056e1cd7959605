// The ratings and penalties pages through the real forms: a penalty recorded by one manager
// and approved by another changes the payable; the recorder cannot approve their own; bad
// input comes back next to the field and stores nothing; a vendor reads but cannot write.
import { expect } from 'chai';
import { auth, csrfOf, describeEachDb, seed002Contract, signInWeb } from './helpers';



describeEachDb('web: ratings and penalties pages', (get) => {
  let contractId: number;
  before(async () => {
    const env = get();
    const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'WEB-LEDGER-1'));
    expect(c.status, JSON.stringify(c.body)).to.equal(201);
    contractId = c.body.id;
  });
  const payable = async (n: number) => {
    const env = get();
    const p = await env.api.get(`/api/v1/contracts/${contractId}/payments`).set(auth(env.tokens.finance));
    return p.body.installments[n - 1].payable as string;
  };
  const penalties = async () => (await get().db.models.Penalty.count({ where: { contractId } })) as number;

  it('records a penalty (pending), which another manager approves; the payable drops by its amount', async () => {
    const env = get();
    const m = await signInWeb(env.app, 'manager');
    const page = await m.get(`/contracts/${contractId}/penalties`).expect(200);
    expect(page.text).to.contain('记录扣款');
    const before = await payable(2);
    // bad input: the value outside the clause's range is reported next to the value field
    const bad = await m.post(`/contracts/${contractId}/penalties`).type('form').send({
      _csrf: csrfOf(page.text), installment: '2', clause: 'other-breach', basis: 'units', value: '零', reason: '未按约定提交资料',
    });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('data-testid="error-value"');
    expect(bad.text).to.contain('未按约定提交资料'); // input kept
    expect(await penalties()).to.equal(0);
    const ok = await m.post(`/contracts/${contractId}/penalties`).type('form').send({
      _csrf: csrfOf(page.text), installment: '2', clause: 'other-breach', basis: 'units', value: '1', reason: '未按约定提交月度资料',
    });
    expect(ok.status, ok.text.slice(0, 500)).to.equal(303);
    const [row] = (await env.db.models.Penalty.findAll({ where: { contractId }, raw: true })) as unknown as { id: number; status: string; amountFen: string | number }[];
    expect(row.status).to.equal('proposed');
    expect(await payable(2)).to.equal(before); // not before approval
    // the recorder cannot approve their own
    const self = await m.post(`/contracts/${contractId}/penalties/${row.id}/approve`).type('form').send({ _csrf: csrfOf(page.text) });
    expect(self.status).to.equal(303);
    const after = await m.get(`/contracts/${contractId}/penalties`);
    expect(after.text).to.contain('flash error');
    expect(((await env.db.models.Penalty.findByPk(row.id, { raw: true })) as unknown as { status: string }).status).to.equal('proposed');
    const m2 = await signInWeb(env.app, 'manager2');
    const p2 = await m2.get(`/contracts/${contractId}/penalties`).expect(200);
    await m2.post(`/contracts/${contractId}/penalties/${row.id}/approve`).type('form').send({ _csrf: csrfOf(p2.text) }).expect(303);
    const fen = (s: string) => BigInt(s.replace('.', ''));
    // 1% of ¥12,084,900.00 per violation = ¥120,849.00
    expect(fen(before) - fen(await payable(2))).to.equal(12084900n);
  });

  it('records a user rating for a rated item; a non-rated item is refused next to the field', async () => {
    const env = get();
    const m = await signInWeb(env.app, 'manager');
    const page = await m.get(`/contracts/${contractId}/ratings`).expect(200);
    const bad = await m.post(`/contracts/${contractId}/ratings`).type('form').send({ _csrf: csrfOf(page.text), period: '1', item: '4', level: '3' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('data-testid="error-item"');
    // a message about a field begins with the field's Chinese name, not the API's
    const noLevel = await m.post(`/contracts/${contractId}/ratings`).type('form').send({ _csrf: csrfOf(page.text), period: '1', item: '28' });
    expect(noLevel.status).to.equal(400);
    expect(noLevel.text).to.match(/data-testid="error-level">等级/);
    const ok = await m.post(`/contracts/${contractId}/ratings`).type('form').send({ _csrf: csrfOf(page.text), period: '1', item: '28', level: '3', rater: '纳税服务科 李娜' });
    expect(ok.status).to.equal(303);
    const sc = await env.api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(auth(env.tokens.manager));
    const item = sc.body.items.find((i: { number: number }) => i.number === 28);
    expect(item.ratingCount).to.equal(1);
    expect(item.deduction).to.not.equal('0.00');
  });

  it('lets the vendor read the penalties of its contract but not record or approve one', async () => {
    const env = get();
    const v = await signInWeb(env.app, 'vendor');
    const page = await v.get(`/contracts/${contractId}/penalties`).expect(200);
    expect(page.text).to.not.contain('记录扣款（待审批）');
    const before = await penalties();
    const res = await v.post(`/contracts/${contractId}/penalties`).type('form').send({
      _csrf: csrfOf(page.text), installment: '2', clause: 'other-breach', basis: 'units', value: '1', reason: 'x',
    });
    expect(res.status).to.equal(403);
    expect(await penalties()).to.equal(before);
    const other = await signInWeb(env.app, 'otherVendor');
    expect((await other.get(`/contracts/${contractId}/penalties`)).status).to.equal(404);
  });
});
