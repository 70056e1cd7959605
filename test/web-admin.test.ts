// The finance overview and the admin pages through the real web stack (session cookie, CSRF
// token from the form, role checks in the services), on SQLite and, when TEST_DATABASE_URL
// is set, PostgreSQL.
import { expect } from 'chai';
import request from 'supertest';
import { formatYuan, parseYuan } from '../scoring/decimal';
import { fmt } from '../server/web/format';
import { auth, csrfOf, describeEachDb, PASSWORD, publishAndSign, seed002Contract, signInWeb, TestEnv } from './helpers';

type Agent = ReturnType<typeof request.agent>;
interface Session {
  agent: Agent;
  csrf: string;
}

/** Text of an HTML fragment as EJS escaped it. */
function decode(s: string): string {
  return s
    .replace(/&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The text of the element carrying data-testid (no nested tags inside). */
function testId(html: string, id: string): string | null {
  const m = new RegExp(`data-testid="${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>([^<]*)<`).exec(html);
  return m ? decode(m[1]).trim() : null;
}

/** The HTML of the table row with this id. */
function row(html: string, id: string): string {
  const start = html.indexOf(`<tr id="${id}"`);
  if (start < 0) throw new Error(`no row ${id}`);
  return html.slice(start, html.indexOf('</tr>', start));
}

async function signIn(env: TestEnv, username: string, password = PASSWORD): Promise<Session> {
  const agent = await signInWeb(env.app, username, password);
  // the token is renewed at sign-in: read it from a page of the new session
  const page = await agent.get('/account/password');
  return { agent, csrf: csrfOf(page.text) };
}

const sumYuan = (xs: string[]) => formatYuan(xs.reduce((s, x) => s + parseYuan(x), 0n));

interface ApiInstallment {
  number: number;
  baseAmount: string;
  penalties: string;
  payable: string;
  paymentStatus: string;
  invoiceDate: string | null;
  paidDate: string | null;
  periods: number[];
}

describeEachDb('web: finance and admin pages', (get) => {
  let A: number;
  let B: number;
  let finance: Session;
  let admin: Session;
  let manager: Session;
  let vendor: Session;

  async function apiPayments(id: number): Promise<{ installments: ApiInstallment[]; totals: Record<string, string> }> {
    const res = await get().api.get(`/api/v1/contracts/${id}/payments`).set(auth(get().tokens.finance));
    expect(res.status).to.equal(200);
    return res.body;
  }
  const auditCount = () => get().db.models.Audit.count();

  before(async function () {
    this.timeout(60000);
    const env = get();
    const a = await env.api.post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'GX2025-WEB-A'));
    expect(a.status, JSON.stringify(a.body)).to.equal(201);
    A = a.body.id;
    const b = await env.api
      .post('/api/v1/contracts')
      .set(auth(env.tokens.manager))
      .send({ ...seed002Contract(env.otherVendorId, 'GX2025-WEB-B'), name: '南宁市税务局办公系统运维', bureau: '国家税务总局南宁市税务局', totalAmount: '1000000.03' });
    expect(b.status, JSON.stringify(b.body)).to.equal(201);
    B = b.body.id;
    // deductions in A's first two periods, both signed: its 初验款 is final and reduced
    for (const [period, units] of [[1, 3], [2, 1]]) {
      const l = await env.api.post(`/api/v1/contracts/${A}/ledger`).set(auth(env.tokens.manager)).send({ period, item: 4, units, reason: '工单超时' });
      expect(l.status, JSON.stringify(l.body)).to.equal(201);
    }
    for (const n of [1, 2]) expect((await publishAndSign(env, A, n)).status).to.equal(200);
    const lb = await env.api.post(`/api/v1/contracts/${B}/ledger`).set(auth(env.tokens.manager)).send({ period: 1, item: 4, units: 7, reason: '工单超时' });
    expect(lb.status).to.equal(201);
    finance = await signIn(env, 'finance');
    admin = await signIn(env, 'admin');
    manager = await signIn(env, 'manager');
    vendor = await signIn(env, 'vendor');
  });

  describe('finance overview', () => {
    it('shows every installment with the API figures, and totals summed exactly', async () => {
      const res = await finance.agent.get('/finance');
      expect(res.status).to.equal(200);
      const pa = await apiPayments(A);
      const pb = await apiPayments(B);
      for (const [id, p] of [[A, pa], [B, pb]] as const) {
        for (const i of p.installments) {
          expect(testId(res.text, `payable-${id}-${i.number}`), `payable ${id}-${i.number}`).to.equal(fmt.yuan(i.payable));
        }
      }
      // A's 初验款 is reduced by its signed deductions and final; B's is provisional
      expect(pa.installments[1].payable).not.to.equal(pa.installments[1].baseAmount);
      expect(testId(res.text, `final-${A}-2`)).to.equal('最终');
      expect(testId(res.text, `final-${B}-2`)).to.equal('暂定');
      expect(testId(res.text, 'finance-total-payable')).to.equal(fmt.yuan(sumYuan([pa.totals.payable, pb.totals.payable])));
      expect(testId(res.text, 'finance-total-base')).to.equal(fmt.yuan(sumYuan([pa.totals.baseAmount, pb.totals.baseAmount])));
      expect(testId(res.text, 'finance-total-penalties')).to.equal(fmt.yuan(sumYuan([pa.totals.penalties, pb.totals.penalties])));
      // the odd fen of B's amount is kept: the total is not a float sum
      expect(sumYuan([pa.totals.baseAmount, pb.totals.baseAmount])).to.equal('13084900.03');
      // filters are labelled selects
      expect(res.text).to.match(/<label for="f-bureau">采购人/);
      expect(res.text).to.match(/<label for="f-vendor">服务商/);
      expect(res.text).to.match(/<label for="f-period">考核期/);
    });

    it('filters by bureau, vendor and feeding period, with the totals of what is shown', async () => {
      const env = get();
      const pa = await apiPayments(A);
      const pb = await apiPayments(B);
      const byBureau = await finance.agent.get('/finance').query({ bureau: '国家税务总局南宁市税务局' });
      expect(byBureau.text).to.contain(`payable-${B}-1`);
      expect(byBureau.text).not.to.contain(`payable-${A}-1`);
      expect(testId(byBureau.text, 'finance-total-payable')).to.equal(fmt.yuan(pb.totals.payable));

      const byVendor = await finance.agent.get('/finance').query({ vendor: env.vendorId });
      expect(byVendor.text).to.contain(`payable-${A}-3`);
      expect(byVendor.text).not.to.contain(`payable-${B}-3`);
      expect(testId(byVendor.text, 'finance-total-payable')).to.equal(fmt.yuan(pa.totals.payable));

      // period 3 feeds only the 终验款 of each contract
      const byPeriod = await finance.agent.get('/finance').query({ period: 3 });
      expect(byPeriod.text).to.contain(`payable-${A}-3`);
      expect(byPeriod.text).to.contain(`payable-${B}-3`);
      expect(byPeriod.text).not.to.contain(`payable-${A}-1`);
      expect(byPeriod.text).not.to.contain(`payable-${A}-2`);
      expect(testId(byPeriod.text, 'finance-total-payable')).to.equal(fmt.yuan(sumYuan([pa.installments[2].payable, pb.installments[2].payable])));
      expect(testId(byPeriod.text, 'finance-total-base')).to.equal(fmt.yuan(sumYuan([pa.installments[2].baseAmount, pb.installments[2].baseAmount])));
    });

    it('finance marks an installment invoiced, then paid', async () => {
      const res = await finance.agent
        .post(`/finance/contracts/${A}/installments/1/payment-status`)
        .type('form')
        .send({ _csrf: finance.csrf, paymentStatus: 'invoiced', invoiceDate: '2025-11-20', paidDate: '', vendor: String(get().vendorId) });
      expect(res.status, res.text).to.equal(303);
      expect(res.headers.location).to.equal(`/finance?vendor=${get().vendorId}#inst-${A}-1`);
      let api = (await apiPayments(A)).installments[0];
      expect(api.paymentStatus).to.equal('invoiced');
      expect(api.invoiceDate).to.equal('2025-11-20');
      const page = await finance.agent.get(res.headers.location);
      expect(page.text).to.contain('付款状态已更新');
      expect(testId(page.text, `status-${A}-1`)).to.equal('已收票');

      // the 初验款 is final (periods 1 and 2 signed): it can be paid
      const paid = await finance.agent
        .post(`/finance/contracts/${A}/installments/2/payment-status`)
        .type('form')
        .send({ _csrf: finance.csrf, paymentStatus: 'paid', invoiceDate: '2026-05-20', paidDate: '2026-06-02' });
      expect(paid.status, paid.text).to.equal(303);
      api = (await apiPayments(A)).installments[1];
      expect([api.paymentStatus, api.invoiceDate, api.paidDate]).to.deep.equal(['paid', '2026-05-20', '2026-06-02']);
    });

    it('a refused change shows the rule next to its form, keeps the input and changes nothing', async () => {
      const before = (await apiPayments(A)).installments[2];
      const audits = await auditCount();
      const res = await finance.agent
        .post(`/finance/contracts/${A}/installments/3/payment-status`)
        .type('form')
        .send({ _csrf: finance.csrf, paymentStatus: 'paid', invoiceDate: '2026-11-03', paidDate: '2026-11-20' });
      expect(res.status).to.equal(409);
      const r = row(res.text, `inst-${A}-3`);
      expect(testId(r, `pay-error-${A}-3`)).to.contain('考核期 3、4 尚未签署');
      expect(r).to.match(/id="paid-[\d]+-3" name="paidDate" value="2026-11-20"/);
      expect(r).to.match(/<option value="paid" selected>/);
      // other rows show their stored values, without the message
      expect(row(res.text, `inst-${A}-1`)).not.to.contain('尚未签署');
      expect((await apiPayments(A)).installments[2]).to.deep.equal(before);
      expect(await auditCount()).to.equal(audits);

      // a field error goes next to its field
      const bad = await finance.agent
        .post(`/finance/contracts/${B}/installments/1/payment-status`)
        .type('form')
        .send({ _csrf: finance.csrf, paymentStatus: 'invoiced', invoiceDate: '', paidDate: '' });
      expect(bad.status).to.equal(400);
      const br = row(bad.text, `inst-${B}-1`);
      expect(testId(br, 'error-invoiceDate')).to.contain('收票日期');
      expect(br).to.match(/aria-describedby="inv-\d+-1-err"/);
      expect((await apiPayments(B)).installments[0].paymentStatus).to.equal('pending');
    });

    it('managers look but cannot change a status; vendors are refused', async () => {
      const page = await manager.agent.get('/finance');
      expect(page.status).to.equal(200);
      expect(page.text).to.contain(`payable-${A}-1`);
      expect(page.text).not.to.contain('/payment-status');
      const audits = await auditCount();
      const res = await manager.agent
        .post(`/finance/contracts/${B}/installments/1/payment-status`)
        .type('form')
        .send({ _csrf: manager.csrf, paymentStatus: 'invoiced', invoiceDate: '2026-01-05' });
      expect(res.status).to.equal(403);
      expect((await apiPayments(B)).installments[0].paymentStatus).to.equal('pending');
      expect(await auditCount()).to.equal(audits);

      expect((await vendor.agent.get('/finance')).status).to.equal(403);
      const v = await vendor.agent
        .post(`/finance/contracts/${A}/installments/3/payment-status`)
        .type('form')
        .send({ _csrf: vendor.csrf, paymentStatus: 'invoiced', invoiceDate: '2026-01-05' });
      expect(v.status).to.equal(403);
      expect(await auditCount()).to.equal(audits);
    });
  });

  describe('access to the admin pages', () => {
    const pages = ['/admin/users', '/admin/vendors', '/admin/templates', '/admin/templates/1', '/admin/calendar', '/admin/calendar/2026', '/admin/audit'];

    it('admins open every admin page', async () => {
      for (const p of pages) {
        const res = await admin.agent.get(p);
        expect(res.status, p).to.equal(200);
        expect(res.text).not.to.match(/style=|<script>/);
      }
    });

    it('managers and vendors get the 403 page and cannot post the forms; nothing changes', async () => {
      for (const s of [manager, vendor]) {
        for (const p of pages) {
          const res = await s.agent.get(p);
          expect(res.status, p).to.equal(403);
          expect(res.text).to.contain('无权访问');
        }
      }
      const env = get();
      const m = env.db.models;
      const snapshot = async () => ({ users: await m.User.count(), vendors: await m.Vendor.count(), templates: await m.Template.count(), days: await m.CalendarDay.count(), audit: await m.Audit.count() });
      const before = await snapshot();
      const posts: [string, Record<string, string>][] = [
        ['/admin/users', { username: 'intruder', password: 'long-enough-password', role: 'admin' }],
        ['/admin/vendors', { name: '经理建的服务商' }],
        [`/admin/vendors/${env.vendorId}`, { name: '改名', version: '0' }],
        ['/admin/templates', { basedOn: '1', name: '越权版本' }],
        ['/admin/calendar/days', { date: '2026-03-10', kind: 'holiday', name: '越权' }],
        ['/admin/calendar/import', { year: '2029', csv: '2029-01-01,holiday,元旦' }],
      ];
      for (const s of [manager, vendor]) {
        for (const [p, body] of posts) {
          const res = await s.agent.post(p).type('form').send({ _csrf: s.csrf, ...body });
          expect(res.status, p).to.equal(403);
        }
        const users = (await s.agent.get('/admin/users')).status;
        expect(users).to.equal(403);
        const all = await m.User.findAll({ raw: true }) as unknown as { id: number; username: string }[];
        const self = all.find((u) => u.username === (s === manager ? 'manager' : 'vendor'))!;
        expect((await s.agent.post(`/admin/users/${self.id}`).type('form').send({ _csrf: s.csrf, role: 'admin', active: '1' })).status).to.equal(403);
      }
      expect(await snapshot()).to.deep.equal(before);
      const me = await manager.agent.get('/');
      expect(me.text).to.contain('合同管理员');
    });

    it('a form posted without the CSRF token, or with a wrong one, is refused with 403', async () => {
      const count = await get().db.models.Vendor.count();
      const none = await admin.agent.post('/admin/vendors').type('form').send({ name: '无令牌服务商' });
      expect(none.status).to.equal(403);
      expect(none.text).to.contain('表单已过期或来源不可信');
      const wrong = await admin.agent.post('/admin/vendors').type('form').send({ _csrf: 'x'.repeat(40), name: '错令牌服务商' });
      expect(wrong.status).to.equal(403);
      const payment = await finance.agent.post(`/finance/contracts/${B}/installments/1/payment-status`).type('form').send({ paymentStatus: 'invoiced', invoiceDate: '2026-01-05' });
      expect(payment.status).to.equal(403);
      expect(await get().db.models.Vendor.count()).to.equal(count);
      expect((await apiPayments(B)).installments[0].paymentStatus).to.equal('pending');
    });
  });

  describe('users', () => {
    it('shows messages next to the fields and keeps the input', async () => {
      const res = await admin.agent.post('/admin/users').type('form').send({ _csrf: admin.csrf, username: 'short.pw', displayName: '李娜', role: 'finance', password: 'short' });
      expect(res.status).to.equal(400);
      expect(testId(res.text, 'error-password')).to.contain('10');
      expect(res.text).to.match(/id="f-username" name="username" value="short.pw"/);
      expect(res.text).to.match(/id="f-password" name="password" required aria-invalid="true" aria-describedby="f-password-err/);
      const vendorless = await admin.agent.post('/admin/users').type('form').send({ _csrf: admin.csrf, username: 'no.vendor', role: 'vendor', vendorId: '', password: 'long-enough-password' });
      expect(vendorless.status).to.equal(400);
      expect(testId(vendorless.text, 'error-vendorId')).to.contain('服务商');
      expect(await get().db.models.User.count({ where: { username: ['short.pw', 'no.vendor'] } })).to.equal(0);
    });

    it('admin creates a vendor user who can then sign in', async () => {
      const env = get();
      const res = await admin.agent.post('/admin/users').type('form').send({
        _csrf: admin.csrf, username: 'chen.zq', displayName: '陈志强', role: 'vendor', vendorId: String(env.vendorId), password: 'new-user-password-1',
      });
      expect(res.status, res.text).to.equal(303);
      const list = await admin.agent.get('/admin/users');
      expect(list.text).to.contain('data-testid="user-chen.zq"');
      const u = await signIn(env, 'chen.zq', 'new-user-password-1');
      const home = await u.agent.get('/');
      expect(home.status).to.equal(200);
      expect(home.text).to.contain('陈志强');
      expect(home.text).to.contain('GX2025-WEB-A');
      expect(home.text).not.to.contain('GX2025-WEB-B');
    });

    it('admin edits a user: role, name, password reset, deactivation ends the session', async () => {
      const env = get();
      const row = (await env.db.models.User.findOne({ where: { username: 'chen.zq' }, raw: true })) as unknown as { id: number };
      const session = await signIn(env, 'chen.zq', 'new-user-password-1');
      const form = await admin.agent.get(`/admin/users/${row.id}`);
      expect(form.status).to.equal(200);
      expect(form.text).to.match(/id="f-active" name="active" value="1" checked/);
      // turning a vendor user into finance drops the vendor link; a new password is set
      const ok = await admin.agent.post(`/admin/users/${row.id}`).type('form').send({
        _csrf: admin.csrf, displayName: '陈志强（财务）', role: 'finance', vendorId: String(env.vendorId), active: '1', password: 'reset-password-22',
      });
      expect(ok.status, ok.text).to.equal(303);
      let u = (await env.db.models.User.findByPk(row.id, { raw: true })) as unknown as { role: string; vendorId: number | null; displayName: string };
      expect([u.role, u.vendorId, u.displayName]).to.deep.equal(['finance', null, '陈志强（财务）']);
      const again = await signIn(env, 'chen.zq', 'reset-password-22');
      expect((await again.agent.get('/')).headers.location).to.equal('/finance');
      // deactivated: the open session is over at the next request
      const off = await admin.agent.post(`/admin/users/${row.id}`).type('form').send({ _csrf: admin.csrf, displayName: '陈志强', role: 'finance' });
      expect(off.status).to.equal(303);
      u = (await env.db.models.User.findByPk(row.id, { raw: true })) as unknown as { role: string; vendorId: number | null; displayName: string };
      const gone = await session.agent.get('/finance');
      expect(gone.status).to.equal(303);
      expect(gone.headers.location).to.match(/^\/login/);
      // an admin cannot deactivate themselves: the message is next to the checkbox
      const adminRow = (await env.db.models.User.findOne({ where: { username: 'admin' }, raw: true })) as unknown as { id: number };
      const self = await admin.agent.post(`/admin/users/${adminRow.id}`).type('form').send({ _csrf: admin.csrf, role: 'admin' });
      expect(self.status).to.equal(400);
      expect(testId(self.text, 'error-active')).to.contain('不能停用自己');
    });

    it('the JSON API has the same updates: PUT /users/:id and POST /me/password', async () => {
      const env = get();
      const row = (await env.db.models.User.findOne({ where: { username: 'chen.zq' }, raw: true })) as unknown as { id: number };
      const put = await env.api.put(`/api/v1/users/${row.id}`).set(auth(env.tokens.admin)).send({ active: true, displayName: '陈志强' });
      expect(put.status, JSON.stringify(put.body)).to.equal(200);
      expect(put.body.active).to.equal(true);
      expect((await env.api.put(`/api/v1/users/${row.id}`).set(auth(env.tokens.manager)).send({ active: false })).status).to.equal(403);
      const token = (await env.api.post('/api/v1/auth/token').send({ username: 'chen.zq', password: 'reset-password-22' })).body.token;
      const bad = await env.api.post('/api/v1/me/password').set(auth(token)).send({ currentPassword: 'wrong-one-xx', newPassword: 'another-password-3', confirmPassword: 'another-password-3' });
      expect(bad.status).to.equal(400);
      const pw = await env.api.post('/api/v1/me/password').set(auth(token)).send({ currentPassword: 'reset-password-22', newPassword: 'another-password-3', confirmPassword: 'another-password-3' });
      expect(pw.status, JSON.stringify(pw.body)).to.equal(200);
      expect((await env.api.post('/api/v1/auth/token').send({ username: 'chen.zq', password: 'another-password-3' })).status).to.equal(200);
    });
  });

  describe('vendors', () => {
    it('admin creates a vendor and edits it; a stale version is refused with 409', async () => {
      const env = get();
      const created = await admin.agent.post('/admin/vendors').type('form').send({ _csrf: admin.csrf, name: '广西桂信运维服务有限公司', creditCode: '91450100ma5k00000x' });
      expect(created.status, created.text).to.equal(303);
      const v = (await env.db.models.Vendor.findOne({ where: { name: '广西桂信运维服务有限公司' }, raw: true })) as unknown as { id: number; version: number; creditCode: string };
      expect(v.creditCode).to.equal('91450100MA5K00000X');
      const dup = await admin.agent.post('/admin/vendors').type('form').send({ _csrf: admin.csrf, name: '广西桂信运维服务有限公司' });
      expect(dup.status).to.equal(409);
      expect(testId(dup.text, 'error-name')).to.equal('服务商名称已存在');

      const form = await admin.agent.get(`/admin/vendors/${v.id}`);
      expect(form.text).to.contain(`name="version" value="${v.version}"`);
      const ok = await admin.agent.post(`/admin/vendors/${v.id}`).type('form').send({ _csrf: admin.csrf, name: '广西桂信科技有限公司', creditCode: '', version: String(v.version) });
      expect(ok.status, ok.text).to.equal(303);
      const after = (await env.db.models.Vendor.findByPk(v.id, { raw: true })) as unknown as { name: string; version: number; creditCode: string | null };
      expect([after.name, after.creditCode, after.version]).to.deep.equal(['广西桂信科技有限公司', null, v.version + 1]);
      const audits = await auditCount();
      const stale = await admin.agent.post(`/admin/vendors/${v.id}`).type('form').send({ _csrf: admin.csrf, name: '过期的名称', version: String(v.version) });
      expect(stale.status).to.equal(409);
      expect(testId(stale.text, 'form-error')).to.contain('已被他人修改');
      expect(stale.text).to.match(/id="f-name" name="name" value="过期的名称"/);
      expect(((await env.db.models.Vendor.findByPk(v.id, { raw: true })) as unknown as { name: string }).name).to.equal('广西桂信科技有限公司');
      expect(await auditCount()).to.equal(audits);
      const entry = (await env.api.get('/api/v1/audit').query({ entity: 'vendor', action: 'vendor.update' }).set(auth(env.tokens.admin))).body[0];
      expect(entry.before.name).to.equal('广西桂信运维服务有限公司');
      expect(entry.after.name).to.equal('广西桂信科技有限公司');
    });

    it('PUT /api/v1/vendors/:id updates with the version and refuses a stale one', async () => {
      const env = get();
      const cur = (await env.api.get(`/api/v1/vendors/${env.otherVendorId}`).set(auth(env.tokens.admin))).body;
      const ok = await env.api.put(`/api/v1/vendors/${env.otherVendorId}`).set(auth(env.tokens.admin)).send({ creditCode: '91450100MA5K000002', version: cur.version });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(ok.body).to.include({ name: cur.name, creditCode: '91450100MA5K000002', version: cur.version + 1 });
      const stale = await env.api.put(`/api/v1/vendors/${env.otherVendorId}`).set(auth(env.tokens.admin)).send({ name: 'x', version: cur.version });
      expect(stale.status).to.equal(409);
      expect((await env.api.put(`/api/v1/vendors/${env.otherVendorId}`).set(auth(env.tokens.vendor)).send({ name: 'x', version: cur.version + 1 })).status).to.equal(403);
      expect((await env.api.put(`/api/v1/vendors/${env.otherVendorId}`).set(auth(env.tokens.admin)).send({ name: 'x' })).status).to.equal(400);
    });
  });

  describe('templates', () => {
    it('shows a version in the official layout', async () => {
      const res = await admin.agent.get('/admin/templates/1');
      expect(res.status).to.equal(200);
      expect(testId(res.text, 'item-count')).to.equal('33');
      expect(res.text.match(/<tr id="item-\d+"/g)).to.have.length(33);
      for (const h of ['分类', '序号', '指标名称', '指标描述', '分值', '评分标准']) expect(res.text).to.contain(`>${h}</th>`);
    });

    it('copy and edit: every validation issue is listed, a valid copy becomes a new version', async () => {
      const env = get();
      const form = await admin.agent.get('/admin/templates/new?basedOn=1');
      expect(form.status).to.equal(200);
      const text = decode(/<textarea id="f-items" name="items"[^>]*>([\s\S]*?)<\/textarea>/.exec(form.text)![1]);
      const items = JSON.parse(text) as { number: number; maxPoints: string; rules: { code: string; points: string }[] }[];
      expect(items).to.have.length(33);
      const count = await env.db.models.Template.count();

      const broken = JSON.parse(text) as typeof items;
      broken[0].maxPoints = '99';
      broken[1].rules[0].code = 'zz';
      const bad = await admin.agent.post('/admin/templates').type('form').send({ _csrf: admin.csrf, basedOn: '1', name: '坏的版本', items: JSON.stringify(broken) });
      expect(bad.status).to.equal(400);
      const issues = /<ul data-testid="template-issues">([\s\S]*?)<\/ul>/.exec(bad.text)![1].match(/<li>/g)!;
      expect(issues.length).to.be.at.least(2);
      expect(decode(bad.text)).to.contain('规则编号应为');
      expect(decode(bad.text)).to.contain('各指标分值合计必须为 100');
      expect(bad.text).to.contain('坏的版本');
      const notJson = await admin.agent.post('/admin/templates').type('form').send({ _csrf: admin.csrf, basedOn: '1', name: '坏', items: '[{' });
      expect(notJson.status).to.equal(400);
      expect(testId(notJson.text, 'error-items')).to.contain('JSON');
      expect(await env.db.models.Template.count()).to.equal(count);

      items[3].rules[0].points = '0.2';
      const ok = await admin.agent.post('/admin/templates').type('form').send({ _csrf: admin.csrf, basedOn: '1', name: '第2版（网页修订）', source: '', items: JSON.stringify(items) });
      expect(ok.status, ok.text).to.equal(303);
      expect(ok.headers.location).to.equal(`/admin/templates/${count + 1}`);
      const api = await env.api.get(`/api/v1/templates/${count + 1}`).set(auth(env.tokens.admin));
      expect(api.body.basedOn).to.equal(1);
      expect(api.body.items[3].rules[0].points).to.equal('0.2');
      expect((await admin.agent.get('/admin/templates')).text).to.contain('第2版（网页修订）');
    });
  });

  describe('working calendar', () => {
    it('an edited day shows on the year page and in the API, working days recounted', async () => {
      const env = get();
      const before = await admin.agent.get('/admin/calendar/2026');
      const wd = Number(testId(before.text, 'working-days'));
      const res = await admin.agent.post('/admin/calendar/days').type('form').send({ _csrf: admin.csrf, date: '2026-03-09', kind: 'holiday', name: '系统停机日' });
      expect(res.status, res.text).to.equal(303);
      expect(res.headers.location).to.equal('/admin/calendar/2026#day-2026-03-09');
      const page = await admin.agent.get('/admin/calendar/2026');
      expect(page.text).to.contain('重新检测 2 份合同');
      expect(row(page.text, 'day-2026-03-09')).to.contain('系统停机日');
      expect(Number(testId(page.text, 'working-days'))).to.equal(wd - 1);
      const api = await env.api.get('/api/v1/calendar/2026').set(auth(env.tokens.manager));
      expect(api.body.days).to.deep.include({ date: '2026-03-09', kind: 'holiday', name: '系统停机日' });
      // back to default
      const undo = await admin.agent.post('/admin/calendar/days').type('form').send({ _csrf: admin.csrf, date: '2026-03-09', kind: 'default', name: '' });
      expect(undo.status).to.equal(303);
      expect((await admin.agent.get('/admin/calendar/2026')).text).not.to.contain('day-2026-03-09');
      // a holiday needs a name; a year with no data is refused next to the date
      const noName = await admin.agent.post('/admin/calendar/days').type('form').send({ _csrf: admin.csrf, date: '2026-03-10', kind: 'holiday', name: '' });
      expect(noName.status).to.equal(400);
      expect(testId(noName.text, 'error-name')).to.equal('请填写名称');
      const noYear = await admin.agent.post('/admin/calendar/days').type('form').send({ _csrf: admin.csrf, date: '2031-01-02', kind: 'holiday', name: '假' });
      expect(noYear.status).to.equal(404);
      expect(testId(noYear.text, 'error-date')).to.contain('2031');
    });

    it('imports a year from pasted CSV or an uploaded file; bad rows are all listed', async () => {
      const env = get();
      const csv = '日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06,班,春节调休\n2027-02-08,holiday,春节\n';
      const res = await admin.agent.post('/admin/calendar/import').field('_csrf', admin.csrf).query({ _csrf: admin.csrf }).field('year', '2027').field('source', '测试通知').field('csv', csv);
      expect(res.status, res.text).to.equal(303);
      expect(res.headers.location).to.equal('/admin/calendar/2027');
      const y = await admin.agent.get('/admin/calendar/2027');
      expect(y.text).to.contain('已导入 2027 年工作日历');
      expect(row(y.text, 'day-2027-02-06')).to.contain('调休上班');
      expect((await admin.agent.get('/admin/calendar')).text).to.contain('data-testid="year-2027"');

      const file = await admin.agent
        .post('/admin/calendar/import')
        .query({ _csrf: admin.csrf })
        .field('year', '2028')
        .attach('file', Buffer.from('date,kind,name\n2028-01-01,holiday,元旦\n'), { filename: '2028.csv', contentType: 'text/csv' });
      expect(file.status, file.text).to.equal(303);
      expect((await env.api.get('/api/v1/calendar/2028').set(auth(env.tokens.manager))).body.days).to.have.length(1);

      const bad = await admin.agent.post('/admin/calendar/import').query({ _csrf: admin.csrf }).field('year', '2029').field('csv', '2028-12-31,holiday,跨年\n2029-01-01,休,元旦\n2029-01-01,休,元旦\n');
      expect(bad.status).to.equal(400);
      const items = /<ul data-testid="calendar-issues">([\s\S]*?)<\/ul>/.exec(bad.text)![1];
      expect(items).to.contain('不属于 2029 年');
      expect(items).to.contain('重复');
      expect((await env.api.get('/api/v1/calendar/2029').set(auth(env.tokens.manager))).status).to.equal(404);
      // multipart without the token in the query string is refused
      const noToken = await admin.agent.post('/admin/calendar/import').field('_csrf', admin.csrf).field('year', '2029').field('csv', '2029-01-01,休,元旦');
      expect(noToken.status).to.equal(403);
    });
  });

  describe('audit log', () => {
    it('filters by user, action, entity, contract and date; newest first; paged', async () => {
      const env = get();
      const byAction = await admin.agent.get('/admin/audit').query({ action: 'user.create', username: 'admin' });
      expect(byAction.status).to.equal(200);
      expect(byAction.text).to.contain('chen.zq');
      expect(byAction.text).not.to.contain('>vendor.create<');
      expect(byAction.text).not.to.contain('>installment.payment_status<');
      const rows = byAction.text.match(/data-testid="audit-\d+"/g)!;
      expect(rows).to.have.length(1);

      const byContract = await admin.agent.get('/admin/audit').query({ contractId: A, entity: 'installment' });
      const ids = (byContract.text.match(/data-testid="audit-(\d+)"/g) ?? []).map((s) => Number(/\d+/.exec(s)![0]));
      expect(ids).to.have.length(2);
      expect(ids[0]).to.be.greaterThan(ids[1]);
      expect(byContract.text).to.contain('<details class="json">');
      expect(decode(byContract.text)).to.contain('"paymentStatus": "paid"');

      const future = await admin.agent.get('/admin/audit').query({ from: '2099-01-01' });
      expect(future.text).to.contain('没有符合条件的记录');
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      const todays = await admin.agent.get('/admin/audit').query({ from: today, to: today, entity: 'vendor' });
      expect(todays.text).to.contain('vendor.update');
      const badRange = await admin.agent.get('/admin/audit').query({ from: '2026-02-01', to: '2026-01-01' });
      expect(badRange.status).to.equal(400);
      expect(testId(badRange.text, 'error-to')).to.contain('结束日期');

      // paging: 50 a page, the next link keeps the filters
      while ((await env.db.models.Audit.count()) <= 60) {
        const n = await env.db.models.Vendor.count();
        expect((await env.api.post('/api/v1/vendors').set(auth(env.tokens.admin)).send({ name: `翻页测试服务商${n}` })).status).to.equal(201);
      }
      const total = await env.db.models.Audit.count();
      const p1 = await admin.agent.get('/admin/audit');
      expect(p1.text.match(/data-testid="audit-\d+"/g)).to.have.length(50);
      const next = decode(/<a href="([^"]+)" rel="next">/.exec(p1.text)![1]);
      expect(next).to.equal('/admin/audit?page=2');
      const p2 = await admin.agent.get(next);
      expect(p2.text.match(/data-testid="audit-\d+"/g)).to.have.length(Math.min(50, total - 50));
      const api = await env.api.get('/api/v1/audit').query({ limit: 1, offset: 50 }).set(auth(env.tokens.admin));
      expect(p2.text).to.contain(`data-testid="audit-${api.body[0].id}"`);
      const filtered = await admin.agent.get('/admin/audit').query({ entity: 'ledger_line', page: 1 });
      expect(filtered.text).not.to.contain('rel="next"');
    });
  });
});
