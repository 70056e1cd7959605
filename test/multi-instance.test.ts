// Two real app processes on one PostgreSQL database (only when TEST_DATABASE_URL is set), as
// several instances run behind a load balancer: one shared DATA_DIR (signing identity, files),
// one SESSION_SECRET. Users and the contract are set up through instance A; then the same
// writes race through A and B at once, and every race must end as if the writes had queued:
//
//   - 50 ledger lines posted in parallel over A and B: all 201, exactly 50 lines, both
//     instances' scorecards count every one, the audit hash chain verifies;
//   - one line withdrawn through A and B at once: one 200, one 409 saying who withdrew it;
//   - one contract edited twice from the same version (API, and the web form): one succeeds,
//     the other gets 409 naming the version and the fields the first edit changed, and the
//     form shows the current values;
//   - six simultaneous signatures of one period: one 200, five 409, one `period.sign` entry;
//   - evidence writes and re-detection of one contract racing: no 500, no line counted twice;
//   - a session signed in on A works on B (and a form rendered by A posts to B).
import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { csrfOf, seed002Contract, SEED000_POLICY, sessionCookies, signInWeb, testId } from './helpers';
import { call, clusterEnv, Instance, resetPostgres, startInstance, token } from './instances';

const DB_URL = process.env.TEST_DATABASE_URL;
const PASSWORD = 'multi-instance-password';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The fields a browser would post from the form with this action: inputs, selects, textareas (not disabled ones). */
function formFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const out: Record<string, string> = {};
  const unescape = (s: string) => s.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of form.matchAll(/<input\b([^>]*)>/g)) {
    const attrs = m[1];
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1];
    if (!name || /\bdisabled\b/.test(attrs)) continue;
    const type = /\btype="([^"]*)"/.exec(attrs)?.[1] ?? 'text';
    const value = unescape(/\bvalue="([^"]*)"/.exec(attrs)?.[1] ?? '');
    if (type === 'checkbox') {
      if (/\bchecked\b/.test(attrs)) out[unescape(name)] = value || 'on';
    } else out[unescape(name)] = value;
  }
  for (const m of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const name = /\bname="([^"]*)"/.exec(m[1])?.[1];
    if (name && !/\bdisabled\b/.test(m[1])) out[unescape(name)] = unescape(m[2]);
  }
  for (const m of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = /\bname="([^"]*)"/.exec(m[1])?.[1];
    if (!name || /\bdisabled\b/.test(m[1])) continue;
    const options = [...m[2].matchAll(/<option\b([^>]*)>/g)].map((o) => o[1]);
    const chosen = options.find((o) => /\bselected\b/.test(o)) ?? options[0];
    out[unescape(name)] = unescape(/\bvalue="([^"]*)"/.exec(chosen ?? '')?.[1] ?? '');
  }
  return out;
}

/** Statuses sorted, for "exactly one 200 and the rest 409". */
const statuses = (rs: { status: number }[]) => rs.map((r) => r.status).sort((a, b) => a - b);

/** This year (the system clock's): a contract running through it is still editable and signable. */
const YEAR = new Date().getFullYear();

/** Seed 002's contract over this calendar year (four contract quarters from 1 January). */
function contractBody(vendorId: number, code: string) {
  return { ...seed002Contract(vendorId, code), startDate: `${YEAR}-01-01`, endDate: `${YEAR}-12-31` };
}

/** The working calendar must cover the contract's year and the next (objection windows); an empty year is Mon-Fri. */
async function ensureCalendar(base: string, adminToken: string) {
  for (const y of [YEAR, YEAR + 1]) {
    const r = await call(base, 'GET', `/api/v1/calendar/${y}`, { token: adminToken });
    if (r.status === 404) {
      const put = await call(base, 'PUT', `/api/v1/calendar/${y}`, { token: adminToken, body: { source: 'multi-instance test', days: [] } });
      expect(put.status, put.text).to.equal(200);
    }
  }
}

(DB_URL ? describe : describe.skip)('two app instances on one PostgreSQL database', function () {
  this.timeout(180000);
  let A: Instance;
  let B: Instance;
  const tokens: Record<string, string> = {};
  let vendorId: number;
  let contractId: number;
  const both = () => [A, B];
  /** instance i (round-robin over A and B) */
  const at = (i: number) => (i % 2 === 0 ? A : B);

  before(async function () {
    await resetPostgres(DB_URL!);
    const env = clusterEnv(DB_URL!, { ADMIN_PASSWORD: 'multi-admin-password' });
    // A creates the schema and the admin; B starts on the migrated database (see the README:
    // instances started at the very same moment on an empty database are covered separately)
    A = await startInstance('A', env);
    B = await startInstance('B', env);
    tokens.admin = await token(A.url, 'admin', 'multi-admin-password');
    const v = await call(A.url, 'POST', '/api/v1/vendors', { token: tokens.admin, body: { name: '广西多实例信息技术有限公司' } });
    expect(v.status, v.text).to.equal(201);
    vendorId = v.body.id;
    await ensureCalendar(A.url, tokens.admin);
    for (const [username, role] of [['manager', 'manager'], ['manager2', 'manager'], ['vendor', 'vendor']] as const) {
      const u = await call(A.url, 'POST', '/api/v1/users', { token: tokens.admin, body: { username, password: PASSWORD, role, vendorId: role === 'vendor' ? vendorId : undefined } });
      expect(u.status, u.text).to.equal(201);
      // a token issued by A is good on B: tokens live in the database
      tokens[username] = await token(A.url, username, PASSWORD);
    }
    const c = await call(A.url, 'POST', '/api/v1/contracts', { token: tokens.manager, body: contractBody(vendorId, 'MULTI-1') });
    expect(c.status, c.text).to.equal(201);
    contractId = c.body.id;
    const me = await call(B.url, 'GET', '/api/v1/me', { token: tokens.manager });
    expect(me.status).to.equal(200);
    expect(me.body.username).to.equal('manager');
  });

  after(async () => {
    await Promise.all([A?.stop(), B?.stop()]);
  });

  it('both instances sign exports with the one identity kept in the shared DATA_DIR', () => {
    const certOf = (i: Instance) => /"certificateSha256":"([0-9a-f]+)"/.exec(i.output())?.[1];
    expect(certOf(A)).to.be.a('string');
    expect(certOf(B)).to.equal(certOf(A));
  });

  it('50 ledger lines posted at once over both instances: all 201, exactly 50 lines, both scorecards count them, the audit chain holds', async () => {
    const tpl = await call(A.url, 'GET', '/api/v1/templates/1', { token: tokens.manager });
    expect(tpl.status).to.equal(200);
    // items with a single per-unit rule (no rule to choose)
    const items = (tpl.body.items as Body[]).filter((it) => it.rules.length === 1 && it.rules[0].kind === 'per_unit').map((it) => it.number as number);
    expect(items.length).to.be.greaterThan(5);
    const before = await call(A.url, 'GET', `/api/v1/contracts/${contractId}/ledger?period=1`, { token: tokens.manager });
    const auditBefore = await call(A.url, 'GET', `/api/v1/audit?contractId=${contractId}&action=ledger.add&limit=500`, { token: tokens.admin });
    const posts = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      call(at(i).url, 'POST', `/api/v1/contracts/${contractId}/ledger`, {
        token: tokens[i % 3 === 0 ? 'manager2' : 'manager'],
        body: { period: 1, item: items[i % items.length], units: 1, reason: `并发写入 #${i}（${at(i).name}）` },
      })));
    expect(statuses(posts), JSON.stringify(posts.filter((p) => p.status !== 201).map((p) => p.text))).to.deep.equal(Array(50).fill(201));
    expect(new Set(posts.map((p) => p.body.id)).size).to.equal(50);
    const after = await call(B.url, 'GET', `/api/v1/contracts/${contractId}/ledger?period=1`, { token: tokens.manager });
    expect(after.body.length - before.body.length).to.equal(50);
    // the points of the 50 lines (hundredths) against both instances' scorecards (raw: before caps)
    const hundredths = (s: string) => Math.round(Number(s) * 100);
    const added = posts.reduce((s, p) => s + hundredths(p.body.points), 0);
    const allLines = (after.body as Body[]).filter((l) => l.status === 'active').reduce((s, l) => s + hundredths(l.points), 0);
    for (const inst of both()) {
      const sc = await call(inst.url, 'GET', `/api/v1/contracts/${contractId}/periods/1/scorecard`, { token: tokens.manager });
      expect(sc.status).to.equal(200);
      const lines = (sc.body.items as Body[]).flatMap((it) => it.lines as Body[]);
      const ids = new Set(lines.map((l) => l.id));
      expect(posts.every((p) => ids.has(p.body.id)), `scorecard of ${inst.name} misses lines`).to.equal(true);
      expect(hundredths(sc.body.rawTotalDeduction)).to.equal(allLines);
      expect(allLines).to.be.at.least(added);
    }
    const auditAfter = await call(B.url, 'GET', `/api/v1/audit?contractId=${contractId}&action=ledger.add&limit=500`, { token: tokens.admin });
    const count = (r: Body) => (Array.isArray(r.body) ? r.body.length : (r.body.total ?? r.body.entries?.length ?? r.body.items?.length));
    expect(count(auditAfter) - count(auditBefore)).to.equal(50);
    for (const inst of both()) {
      const v = await call(inst.url, 'GET', '/api/v1/audit/verify', { token: tokens.admin });
      expect(v.status).to.equal(200);
      expect(v.body, JSON.stringify(v.body)).to.include({ ok: true });
    }
  });

  it('one line withdrawn through A and B at once: one 200, one 409 that says it was withdrawn, by whom', async () => {
    const line = await call(A.url, 'POST', `/api/v1/contracts/${contractId}/ledger`, { token: tokens.manager, body: { period: 1, item: 4, units: 2, reason: '撤销竞争' } });
    expect(line.status, line.text).to.equal(201);
    for (let round = 0; round < 3; round++) {
      const l = round === 0 ? line : await call(A.url, 'POST', `/api/v1/contracts/${contractId}/ledger`, { token: tokens.manager, body: { period: 1, item: 4, units: 1, reason: `撤销竞争 ${round}` } });
      const rs = await Promise.all([
        call(A.url, 'POST', `/api/v1/contracts/${contractId}/ledger/${l.body.id}/withdraw`, { token: tokens.manager, body: { reason: '经核实不应扣分（A）' } }),
        call(B.url, 'POST', `/api/v1/contracts/${contractId}/ledger/${l.body.id}/withdraw`, { token: tokens.manager2, body: { reason: '经核实不应扣分（B）' } }),
      ]);
      expect(statuses(rs), rs.map((r) => r.text).join('\n')).to.deep.equal([200, 409]);
      const lost = rs.find((r) => r.status === 409)!;
      const won = rs.find((r) => r.status === 200)!;
      expect(lost.body.error.message).to.match(/已.*撤销/);
      // who withdrew it and why
      expect(lost.body.error.message).to.contain(won.body.withdrawnReason);
      const audit = await call(A.url, 'GET', `/api/v1/audit?contractId=${contractId}&action=ledger.withdraw&limit=500`, { token: tokens.admin });
      const entries = (Array.isArray(audit.body) ? audit.body : audit.body.entries ?? audit.body.items) as Body[];
      expect(entries.filter((e) => String(e.entityId) === String(l.body.id))).to.have.length(1);
    }
  });

  it('two API edits of the contract from the same version: one 200, one 409 naming the current version and what changed', async () => {
    const c = await call(A.url, 'GET', `/api/v1/contracts/${contractId}`, { token: tokens.manager });
    const version = c.body.version as number;
    const rs = await Promise.all([
      call(A.url, 'PUT', `/api/v1/contracts/${contractId}`, { token: tokens.manager, body: { version, name: '多实例合同（A 改）', interviewThreshold: '90' } }),
      call(B.url, 'PUT', `/api/v1/contracts/${contractId}`, { token: tokens.manager2, body: { version, name: '多实例合同（B 改）', objectionWindowDays: 7 } }),
    ]);
    expect(statuses(rs), rs.map((r) => r.text).join('\n')).to.deep.equal([200, 409]);
    const won = rs.find((r) => r.status === 200)!;
    const lost = rs.find((r) => r.status === 409)!;
    expect(won.body.version).to.equal(version + 1);
    const e = lost.body.error;
    expect(e.message).to.contain('合同已被他人修改');
    expect(e.message).to.contain(`第 ${version} 版`);
    expect(e.message).to.contain(`第 ${version + 1} 版`);
    expect(e.message).to.contain('合同名称');
    const paths = (e.details as Body[]).map((d) => d.path);
    expect(paths).to.include('version');
    expect(paths).to.include('name');
    const nameDetail = (e.details as Body[]).find((d) => d.path === 'name')!;
    expect(nameDetail.message).to.contain(won.body.name);
    const now = await call(B.url, 'GET', `/api/v1/contracts/${contractId}`, { token: tokens.manager });
    expect(now.body).to.include({ name: won.body.name, version: version + 1 });
  });

  it('the contract form submitted from A and B at once: one saves, the other sees 409, what changed, the current values and its own input', async () => {
    const agentA = await signInWeb(A.url as unknown as Express, 'manager', PASSWORD);
    const agentB = await signInWeb(B.url as unknown as Express, 'manager2', PASSWORD);
    const action = `/contracts/${contractId}/edit`;
    const [pageA, pageB] = await Promise.all([agentA.get(action).expect(200), agentB.get(action).expect(200)]);
    const formA: Record<string, string> = { ...formFields(pageA.text, action), name: '表单并发（A）', _csrf: csrfOf(pageA.text) };
    const formB: Record<string, string> = { ...formFields(pageB.text, action), bureau: '国家税务总局南宁市税务局', name: '表单并发（B）', _csrf: csrfOf(pageB.text) };
    expect(formA.version).to.equal(formB.version);
    const rs = await Promise.all([agentA.post(action).type('form').send(formA), agentB.post(action).type('form').send(formB)]);
    expect(statuses(rs), rs.map((r) => `${r.status} ${testId(r.text, 'form-error')}`).join('\n')).to.deep.equal([303, 409]);
    const lostIsB = rs[1].status === 409;
    const lost = rs[lostIsB ? 1 : 0];
    const winner = lostIsB ? formA : formB;
    const loser = lostIsB ? formB : formA;
    const message = testId(lost.text, 'form-error') ?? '';
    expect(message).to.contain('合同已被他人修改');
    expect(message).to.contain('合同名称');
    // the form now carries the current version, the loser's own input for the name, the
    // winner's name shown as what it is now
    const fields = formFields(lost.text, action);
    expect(fields.version).to.equal(String(Number(formA.version) + 1));
    expect(fields.name).to.equal(loser.name);
    expect(lost.text).to.contain(winner.name);
    if (lostIsB) expect(fields.bureau).to.equal(formB.bureau); // B's other change is kept
    // saving again now applies on top of the winner's edit
    const retry = await (lostIsB ? agentB : agentA).post(action).type('form').send({ ...fields, _csrf: csrfOf(lost.text) });
    expect(retry.status, testId(retry.text, 'form-error') ?? '').to.equal(303);
    const c = await call(A.url, 'GET', `/api/v1/contracts/${contractId}`, { token: tokens.manager });
    expect(c.body.name).to.equal(loser.name);
    expect(c.body.version).to.equal(Number(formA.version) + 2);
  });

  it('six simultaneous signatures of a published period over both instances: one 200, five 409, signed once', async () => {
    const pub = await call(A.url, 'POST', `/api/v1/contracts/${contractId}/periods/1/publish`, { token: tokens.manager });
    expect(pub.status, pub.text).to.equal(200);
    const rs = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      call(at(i).url, 'POST', `/api/v1/contracts/${contractId}/periods/1/sign`, { token: tokens[i % 2 ? 'manager2' : 'manager'], body: { confirmEarly: true } })));
    expect(statuses(rs), rs.map((r) => r.text).join('\n')).to.deep.equal([200, 409, 409, 409, 409, 409]);
    for (const r of rs.filter((x) => x.status === 409)) expect(r.body.error.message).to.contain('已签署');
    const audit = await call(B.url, 'GET', `/api/v1/audit?contractId=${contractId}&action=period.sign&limit=50`, { token: tokens.admin });
    const entries = (Array.isArray(audit.body) ? audit.body : audit.body.entries ?? audit.body.items) as Body[];
    expect(entries).to.have.length(1);
    const signed = rs.find((r) => r.status === 200)!.body;
    const c = await call(B.url, 'GET', `/api/v1/contracts/${contractId}`, { token: tokens.manager });
    const p1 = (c.body.periods as Body[]).find((p) => p.number === 1)!;
    expect(p1.status).to.equal('signed');
    expect(p1.signedAt).to.equal(signed.signedAt);
    // the signed period refuses writes through either instance
    for (const inst of both()) {
      const w = await call(inst.url, 'POST', `/api/v1/contracts/${contractId}/ledger`, { token: tokens.manager, body: { period: 1, item: 4, units: 1, reason: '签署后' } });
      expect(w.status).to.equal(409);
    }
    const v = await call(A.url, 'GET', '/api/v1/audit/verify', { token: tokens.admin });
    expect(v.body).to.include({ ok: true });
  });

  it('evidence writes and re-detection of one contract racing over both instances: no error, no line counted twice', async () => {
    const c = await call(A.url, 'POST', '/api/v1/contracts', { token: tokens.manager, body: contractBody(vendorId, 'MULTI-DETECT') });
    const id = c.body.id as number;
    expect((await call(A.url, 'PUT', `/api/v1/contracts/${id}/sla-policy`, { token: tokens.manager, body: SEED000_POLICY })).status).to.equal(200);
    // tickets that breach (P1: response within 5 calendar minutes; these answer after 2 hours)
    const ticket = (n: number, batch: number) => ({
      externalId: `MD-${batch}-${n}`, type: '故障', severity: 'P1',
      createdAt: `${YEAR}-03-${String(2 + (n % 20)).padStart(2, '0')}T09:00:00+08:00`, respondedAt: `${YEAR}-03-${String(2 + (n % 20)).padStart(2, '0')}T11:00:00+08:00`,
    });
    const shared = Array.from({ length: 40 }, (_, n) => ticket(n, 0));
    const jobs: Promise<{ status: number; text: string }>[] = [];
    for (let i = 0; i < 12; i++) {
      const inst = at(i);
      if (i % 3 === 0) jobs.push(call(inst.url, 'POST', `/api/v1/contracts/${id}/detect`, { token: tokens.manager }));
      else if (i % 3 === 1) jobs.push(call(inst.url, 'POST', `/api/v1/contracts/${id}/tickets`, { token: tokens.manager, body: shared }));
      else jobs.push(call(inst.url, 'POST', `/api/v1/contracts/${id}/tickets`, { token: tokens.manager2, body: Array.from({ length: 10 }, (_, n) => ticket(n, i)) }));
    }
    const rs = await Promise.all(jobs);
    expect(rs.map((r, i) => `#${i} ${r.status} ${r.status === 200 ? '' : r.text}`).filter((x) => !/ 200 $/.test(x))).to.deep.equal([]);
    const lines = await call(B.url, 'GET', `/api/v1/contracts/${id}/ledger?status=active`, { token: tokens.manager });
    const keys = (lines.body as Body[]).filter((l) => l.source === 'sla').map((l) => l.sourceKey as string);
    expect(keys.length).to.equal(new Set(keys).size);
    // every breaching ticket counted once: 40 shared + 4 batches of 10
    expect(keys.length).to.equal(40 + 4 * 10);
    const v = await call(A.url, 'GET', '/api/v1/audit/verify', { token: tokens.admin });
    expect(v.body).to.include({ ok: true });
  });

  it('while A imports 30,000 tickets into a contract, ledger lines added to it through B do not wait for the import', async () => {
    const c = await call(A.url, 'POST', '/api/v1/contracts', { token: tokens.manager, body: contractBody(vendorId, 'MULTI-IMPORT') });
    const id = c.body.id as number;
    expect((await call(A.url, 'PUT', `/api/v1/contracts/${id}/sla-policy`, { token: tokens.manager, body: SEED000_POLICY })).status).to.equal(200);
    const pad = (x: number) => String(x).padStart(2, '0');
    const rows = ['external_id,type,severity,created_at,responded_at,resolved_at'];
    for (let i = 0; i < 30000; i++) {
      const day = new Date(Date.UTC(YEAR, 0, 2) + (i % 280) * 86400000).toISOString().slice(0, 10);
      rows.push(`IMP-${i},${i % 2 ? '故障' : '需求'},${['高', '中', '低'][i % 3]},${day} ${pad(8 + (i % 9))}:00,${day} ${pad(9 + (i % 9))}:00,${day} ${pad(12 + (i % 9))}:00`);
    }
    const fd = new FormData();
    fd.append('file', new Blob([rows.join('\n') + '\n']), 'tickets.csv');
    let importDone = 0;
    const importing = call(A.url, 'POST', `/api/v1/contracts/${id}/tickets/import`, { token: tokens.manager, body: fd }).then((r) => {
      importDone = Date.now();
      return r;
    });
    // once the import's transaction has written rows (PostgreSQL gave it a transaction id)…
    const { Sequelize, QueryTypes } = await import('sequelize');
    const pg = new Sequelize(DB_URL!, { logging: false });
    try {
      const t0 = Date.now();
      for (;;) {
        const [row] = await pg.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()', { type: QueryTypes.SELECT });
        if (Number(row.n) > 0) break;
        expect(importDone, 'the import finished before it was seen writing').to.equal(0);
        expect(Date.now() - t0).to.be.below(60000);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await pg.close();
    }
    // …ledger lines go into the same contract through B, and are answered while it runs
    const writes = await Promise.all(Array.from({ length: 5 }, (_, i) =>
      call(B.url, 'POST', `/api/v1/contracts/${id}/ledger`, { token: tokens.manager2, body: { period: 1, item: 4, units: 1, reason: `导入期间 #${i}` } }).then((r) => ({ ...r, at: Date.now() }))));
    expect(writes.map((w) => w.status)).to.deep.equal([201, 201, 201, 201, 201]);
    const imp = await importing;
    expect(imp.status, imp.text.slice(0, 300)).to.equal(200);
    expect(imp.body.imported).to.equal(30000);
    expect(Math.max(...writes.map((w) => w.at)), 'the ledger writes waited for the import').to.be.below(importDone);
    const v = await call(B.url, 'GET', '/api/v1/audit/verify', { token: tokens.admin });
    expect(v.body).to.include({ ok: true });
  });

  it('a session signed in on A works on B, and a form rendered by A posts to B', async () => {
    const agent = await signInWeb(A.url as unknown as Express, 'manager', PASSWORD);
    const cookie = sessionCookies.get(agent)!;
    expect(cookie).to.match(/^sid=/);
    const home = await request(B.url).get('/').set('Cookie', cookie);
    expect(home.status, home.text.slice(0, 300)).to.equal(200);
    expect(home.text).to.contain('manager');
    // a CSRF token from a page of A is accepted by B (it lives in the session, in the database)
    const page = await agent.get(`/contracts/${contractId}/ledger/new?period=2`).expect(200);
    const post = await request(B.url).post(`/contracts/${contractId}/ledger/new`).set('Cookie', cookie).type('form')
      .send({ _csrf: csrfOf(page.text), period: '2', rule: '4:', units: '1', reason: '经 B 提交的表单' });
    expect(post.status, post.text.slice(0, 500)).to.equal(303);
    const lines = await call(A.url, 'GET', `/api/v1/contracts/${contractId}/ledger?period=2`, { token: tokens.manager });
    expect((lines.body as Body[]).some((l) => l.reason === '经 B 提交的表单')).to.equal(true);
    // signing out on B ends the session on A too
    const out = await request(B.url).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: csrfOf(page.text) });
    expect(out.status).to.equal(303);
    const after = await request(A.url).get('/').set('Cookie', cookie);
    expect(after.status).to.equal(303);
    expect(after.headers.location).to.match(/^\/login/);
  });
});

(DB_URL ? describe : describe.skip)('two app instances started at the same moment on an empty PostgreSQL database', function () {
  this.timeout(120000);
  // the migrations are serialised (an advisory lock) and the admin bootstrap takes a
  // duplicate made by the other instance as done
  it('both come up, one migrates and creates the admin, the other finds them', async () => {
    await resetPostgres(DB_URL!);
    const env = clusterEnv(DB_URL!, { ADMIN_PASSWORD: 'multi-admin-password' });
    const started = await Promise.allSettled([startInstance('A', env), startInstance('B', env)]);
    try {
      expect(started.map((s) => (s.status === 'rejected' ? String(s.reason).slice(0, 500) : 'ok'))).to.deep.equal(['ok', 'ok']);
      for (const s of started) {
        const inst = (s as PromiseFulfilledResult<Instance>).value;
        expect(await token(inst.url, 'admin', 'multi-admin-password')).to.be.a('string');
      }
    } finally {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    }
  });
});
