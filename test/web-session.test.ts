// Sessions and the page cache: a password change ends the user's other sessions; a page shows
// a write at once (the data version moves after the commit, not for a rolled-back write); a
// vendor never sees a penalty awaiting approval.
import { expect } from 'chai';
import { auth, csrfOf, describeEachDb, PASSWORD, seed002Contract, signInWeb } from './helpers';
import { dataVersion } from '../server/services/readcache';



describeEachDb('web: sessions and the page cache', (get) => {
  let contractId: number;
  before(async () => {
    const env = get();
    const c = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'WEB-SESSION-1'));
    contractId = c.body.id;
  });

  it('shows a new ledger line on the next page view (the cached scorecard is replaced)', async () => {
    const env = get();
    const m = await signInWeb(env.app, 'manager');
    const score = async () => /data-testid="score">([^<]+)</.exec((await m.get(`/contracts/${contractId}/periods/1`).expect(200)).text)?.[1];
    expect(await score()).to.equal('100.00');
    expect(await score()).to.equal('100.00'); // served from the cache
    const v0 = await dataVersion(env.ctx);
    await env.api.post(`/api/v1/contracts/${contractId}/ledger`).set(auth(env.tokens.manager)).send({ period: 1, item: 4, units: 1, reason: '一张工单超时' }).expect(201);
    expect(await dataVersion(env.ctx)).to.not.equal(v0);
    expect(await score()).to.equal('99.90');
    // a refused write (a signed period does not exist yet, but a bad item does) moves nothing
    const v1 = await dataVersion(env.ctx);
    await env.api.post(`/api/v1/contracts/${contractId}/ledger`).set(auth(env.tokens.manager)).send({ period: 1, item: 99, units: 1, reason: 'x' }).expect(400);
    expect(await dataVersion(env.ctx)).to.equal(v1);
  });

  it("ends a user's other sessions when an admin resets the password or the user changes it", async () => {
    const env = get();
    const a = await signInWeb(env.app, 'manager2');
    const b = await signInWeb(env.app, 'manager2');
    await a.get('/contracts').expect(200);
    // the user changes it in session a: a stays signed in, b is signed out
    const form = await a.get('/account/password').expect(200);
    const res = await a.post('/account/password').type('form').send({
      _csrf: csrfOf(form.text), currentPassword: PASSWORD, newPassword: 'another-long-password', confirmPassword: 'another-long-password',
    });
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    await a.get('/contracts').expect(200);
    const gone = await b.get('/contracts');
    expect(gone.status).to.equal(303);
    expect(gone.headers.location).to.match(/^\/login/);
    // the admin resets it: session a ends too
    const admin = await signInWeb(env.app, 'admin');
    const users = await env.api.get('/api/v1/users').set(auth(env.tokens.admin));
    const id = users.body.find((u: { username: string }) => u.username === 'manager2').id;
    const page = await admin.get(`/admin/users/${id}`).expect(200);
    await env.api.put(`/api/v1/users/${id}`).set(auth(env.tokens.admin)).send({ password: 'reset-by-admin-123' }).expect(200);
    void page;
    expect((await a.get('/contracts')).status).to.equal(303);
    // and the new password works
    const c = await signInWeb(env.app, 'manager2', 'reset-by-admin-123');
    await c.get('/contracts').expect(200);
  });

  it('hides a penalty awaiting approval from the vendor', async () => {
    const env = get();
    await env.api.post(`/api/v1/contracts/${contractId}/penalties`).set(auth(env.tokens.manager)).send({
      installment: 2, clause: 'other-breach', units: 1, reason: '待审批的扣款',
    }).expect(201);
    const mine = await env.api.get(`/api/v1/contracts/${contractId}/penalties`).set(auth(env.tokens.manager));
    expect(mine.body.map((p: { status: string }) => p.status)).to.include('proposed');
    const theirs = await env.api.get(`/api/v1/contracts/${contractId}/penalties`).set(auth(env.tokens.vendor));
    expect(theirs.body.map((p: { status: string }) => p.status)).to.not.include('proposed');
    const pay = await env.api.get(`/api/v1/contracts/${contractId}/payments`).set(auth(env.tokens.vendor));
    expect(pay.body.installments[1].pendingPenalties).to.equal(null);
  });

  it('answers a database failure with the Chinese error page, no stack trace or SQL', async () => {
    const env = get();
    const m = await signInWeb(env.app, 'manager');
    await env.db.sequelize.query('ALTER TABLE data_version RENAME TO data_version_moved');
    try {
      const res = await m.get('/contracts');
      expect(res.status).to.equal(500);
      expect(res.text).to.contain('服务器内部错误');
      expect(res.text).to.not.match(/data_version|SELECT|at \//);
    } finally {
      await env.db.sequelize.query('ALTER TABLE data_version_moved RENAME TO data_version');
    }
    await m.get('/contracts').expect(200);
  });
});
