// The demo dataset: seeded into a fresh database (SQLite, and PostgreSQL when
// TEST_DATABASE_URL is set), then checked through the API as each demo user sees it.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { closeApp, createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { Database, openDatabase } from '../server/db';
import {
  DEMO_USERS, DEMO_VENDORS, DemoRefusedError, DemoSummary, demoDataEnabled, isDatabaseEmpty, resetDatabase, seedDemo, sqliteFile,
} from '../server/demo';
import { SYSTEM } from '../server/services/context';
import { createVendor } from '../server/services/vendors';
import { auth, dbTargets, freshDatabase } from './helpers';

interface PeriodOut {
  number: number;
  startDate: string;
  endDate: string;
  status: string;
  signedAt: string | null;
}

for (const target of dbTargets()) {
  describe(`demo dataset [${target.name}]`, function () {
    this.timeout(60000);
    let db: Database;
    let app: Express;
    let api: ReturnType<typeof request>;
    let summary: DemoSummary;
    const tokens: Record<string, string> = {};
    const contractIds: Record<string, number> = {};
    const config = { ...loadConfig({ NODE_ENV: 'test' }), databaseUrl: 'unused' };
    const get = (who: string, url: string) => api.get(`/api/v1${url}`).set(auth(tokens[who]));

    before(async function () {
      this.timeout(120000);
      db = await freshDatabase(target);
      const started = Date.now();
      summary = await seedDemo({ db, config });
      console.log(`      (seeded the demo dataset on ${target.name} in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      app = createApp(db, config);
      api = request(app);
      for (const u of DEMO_USERS) {
        const res = await api.post('/api/v1/auth/token').send({ username: u.username, password: u.password });
        if (res.status === 200) tokens[u.username] = res.body.token;
      }
      for (const c of summary.contracts) contractIds[c.code] = c.id;
    });
    after(async () => {
      if (app) closeApp(app);
      await db?.close();
    });

    const B = () => contractIds['GX2025-DLGK-C0062-B00'];
    const C = () => contractIds['GX2025-DLGK-C0071-B00'];
    const A = () => contractIds['GX2025-GK-C0118-A00'];

    it('gives every demo user a token, with the role and vendor promised', async () => {
      expect(Object.keys(tokens)).to.have.members(DEMO_USERS.map((u) => u.username));
      const vendors = (await get('admin', '/vendors')).body as { id: number; name: string; creditCode: string }[];
      expect(vendors.map((v) => v.name)).to.have.members(DEMO_VENDORS.map((v) => v.name));
      for (const v of vendors) expect(v.creditCode).to.match(/^91\d{6}[0-9A-Z]{10}$/);
      const users = (await get('admin', '/users')).body as { username: string; displayName: string }[];
      for (const u of DEMO_USERS) {
        const me = (await get(u.username, '/me')).body;
        expect(me.role).to.equal(u.role);
        expect(me.vendorId).to.equal(u.vendor ? vendors.find((v) => v.name === u.vendor)!.id : null);
        expect(users.find((x) => x.username === u.username)!.displayName).to.equal(u.displayName);
      }
      expect(new Set(DEMO_USERS.map((u) => u.role))).to.have.all.keys('admin', 'manager', 'finance', 'vendor');
    });

    it('has three contracts shaped like seeds 002, 004 and 000, each managed by the manager who created it', async () => {
      const list = (await get('liumin', '/contracts')).body as { id: number; code: string }[];
      expect(list).to.have.length(3);
      const b = (await get('admin', `/contracts/${B()}`)).body;
      expect(b.totalAmount).to.equal('12084900.00');
      expect(b.bureau).to.equal('国家税务总局广西壮族自治区税务局');
      expect(b.installments.map((i: { ratio: string; deductible: boolean; periods: number[] }) => [i.ratio, i.deductible, i.periods])).to.deep.equal([
        ['0.20', false, []], ['0.40', true, [1, 2]], ['0.40', true, [3, 4]],
      ]);
      const c = (await get('admin', `/contracts/${C()}`)).body;
      expect(c.installments.map((i: { ratio: string }) => i.ratio)).to.deep.equal(['0.30', '0.30', '0.40']);
      const a = (await get('admin', `/contracts/${A()}`)).body;
      expect(a.installments.map((i: { ratio: string; periods: number[] }) => [i.ratio, i.periods])).to.deep.equal([['0.30', []], ['0.70', [1, 2, 3, 4]]]);
      for (const x of [a, b, c]) {
        expect(x.periods).to.have.length(4);
        expect(x.startDate >= '2025-11-01' && x.endDate <= '2026-12-31', `${x.startDate}..${x.endDate}`).to.equal(true);
      }
      const users = (await get('admin', '/users')).body as { id: number; username: string }[];
      const id = (name: string) => users.find((u) => u.username === name)!.id;
      expect([b.managerId, c.managerId, a.managerId]).to.deep.equal([id('wangting'), id('huangliang'), id('wangting')]);
    });

    it('shows a vendor user only its own vendor\'s contracts', async () => {
      const one = (await get('zhaolei', '/contracts')).body as { code: string; vendor: { name: string } }[];
      expect(one.map((c) => c.code)).to.have.members(['GX2025-DLGK-C0062-B00', 'GX2025-GK-C0118-A00']);
      for (const c of one) expect(c.vendor.name).to.equal(DEMO_VENDORS[0].name);
      const two = (await get('chenjing', '/contracts')).body as { code: string }[];
      expect(two.map((c) => c.code)).to.deep.equal(['GX2025-DLGK-C0071-B00']);
      expect((await get('chenjing', `/contracts/${B()}`)).status).to.equal(404);
      expect((await get('zhaolei', `/contracts/${C()}/payments`)).status).to.equal(404);
    });

    it('has a year of evidence: hundreds of tickets, inspection runs, reports, people, events, ratings and manual lines', async () => {
      for (const id of [A(), B(), C()]) {
        expect((await get('admin', `/contracts/${id}/tickets?limit=1`)).body.total).to.be.greaterThan(300);
        expect((await get('admin', `/contracts/${id}/inspections?limit=1`)).body.total).to.be.greaterThan(40);
        expect((await get('admin', `/contracts/${id}/report-submissions`)).body.length).to.be.greaterThan(15);
        expect((await get('admin', `/contracts/${id}/people`)).body.length).to.be.greaterThan(2);
        expect((await get('admin', `/contracts/${id}/events`)).body.length).to.be.greaterThan(3);
        expect((await get('admin', `/contracts/${id}/ratings`)).body.length).to.be.greaterThan(10);
      }
      const lines = (await get('admin', `/contracts/${B()}/ledger?status=active`)).body as { source: string; rule: string; reason: string }[];
      const sources = new Set(lines.map((l) => l.source));
      for (const s of ['sla', 'inspection', 'report', 'staffing', 'event', 'manual', 'objection']) expect(sources, s).to.include(s);
      expect(lines.some((l) => l.reason.startsWith('【补记'))).to.equal(true);
      // a ticket whose pause stopped the clock, and one whose unconfirmed pause did not
      const paused = (await get('admin', `/contracts/${B()}/tickets/GXDP20251218901`)).body;
      expect(paused.sla.breached).to.include('resolution');
      expect(paused.sla.pausesIgnored).to.have.length(1);
      const penalties = (await get('liumin', `/contracts/${C()}/penalties`)).body as { status: string; amount: string }[];
      expect(penalties.map((p) => [p.status, p.amount])).to.deep.equal([['approved', '49300.00']]);
    });

    it('computes every period\'s score and every installment\'s payable', async () => {
      for (const id of [A(), B(), C()]) {
        const pay = (await get('liumin', `/contracts/${id}/payments`)).body;
        for (const p of pay.periods) expect(p.score, `contract ${id} P${p.number}`).to.match(/^\d{2,3}\.\d{2}$/);
        for (const i of pay.installments) expect(i.payable).to.match(/^\d+\.\d{2}$/);
      }
      const b = (await get('liumin', `/contracts/${B()}/payments`)).body;
      expect(b.installments[0].payable).to.equal('2416980.00');
      expect(b.installments[0].paymentStatus).to.equal('paid');
      expect(b.installments[1].paymentStatus).to.equal('paid');
      const sc = (await get('zhaolei', `/contracts/${B()}/periods/1/scorecard`)).body;
      expect(sc.items).to.have.length(33);
      expect(Number(sc.score)).to.be.within(90, 100);
    });

    it('has signed periods, a period published and awaiting the vendor, and a draft current period', async () => {
      const periods = async (id: number) => (await get('admin', `/contracts/${id}`)).body.periods as PeriodOut[];
      const [a, b, c] = [await periods(A()), await periods(B()), await periods(C())];
      expect(b.map((p) => p.status)).to.deep.equal(['signed', 'signed', 'signed', 'published']);
      expect(c.map((p) => p.status)).to.deep.equal(['signed', 'signed', 'signed', 'published']);
      expect(a.map((p) => p.status)).to.deep.equal(['signed', 'signed', 'signed', 'draft']);
      expect(b[0].signedAt!.slice(0, 10)).to.equal('2026-02-11'); // signed with a clock just after the period
      // C's last quarter was published to the vendor and waits for it: no objection, not acknowledged
      expect((await get('chenjing', `/contracts/${C()}/objections?period=4`)).body).to.deep.equal([]);
      const row = (await db.models.Period.findOne({ where: { contractId: C(), number: 4 }, raw: true })) as unknown as { acknowledgedAt: unknown };
      expect(row.acknowledgedAt).to.equal(null);
      const inbox = (await get('chenjing', '/notifications')).body as { kind: string; link: string }[] | { items: { kind: string; link: string }[] };
      const notes = Array.isArray(inbox) ? inbox : inbox.items;
      expect(notes.some((n) => n.kind === 'period.published' && n.link === `/contracts/${C()}/periods/4`)).to.equal(true);
      // the draft is A's last quarter: the vendor does not see its figures
      expect((await get('zhaolei', `/contracts/${A()}/periods/4/scorecard`)).status).to.equal(404);
      const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
      if (today <= a[3].endDate) expect(a[3].startDate <= today).to.equal(true);
    });

    it('records the interview for the quarter below 95 points', async () => {
      const standing = (await get('huangliang', `/contracts/${C()}`)).body;
      const p2 = standing.scores.find((s: { number: number }) => s.number === 2);
      expect(Number(p2.score)).to.be.below(95);
      expect(p2.interviewRequired).to.equal(true);
      expect(standing.interviews.map((i: { period: number }) => i.period)).to.deep.equal([2]);
      expect(standing.interviewsDue).to.deep.equal([]);
      expect(standing.terminationRight).to.equal(false);
      for (const s of standing.scores.filter((x: { number: number }) => x.number !== 2)) expect(Number(s.score)).to.be.at.least(95);
      const sc = (await get('chenjing', `/contracts/${C()}/periods/2/scorecard`)).body;
      expect(sc.interviewRequired).to.equal(true);
    });

    it('has an open objection filed by a vendor user, and resolved ones', async () => {
      const users = (await get('admin', '/users')).body as { id: number; username: string }[];
      const zhaolei = users.find((u) => u.username === 'zhaolei')!.id;
      const open = (await get('wangting', `/contracts/${B()}/objections?status=open`)).body as { period: number; filedBy: number; line: { rule: string } }[];
      expect(open).to.have.length(1);
      expect(open[0].period).to.equal(4);
      expect(open[0].filedBy).to.equal(zhaolei);
      expect(open[0].line.rule).to.equal('6a');
      const all = [
        ...((await get('admin', `/contracts/${B()}/objections`)).body as { status: string }[]),
        ...((await get('admin', `/contracts/${C()}/objections`)).body as { status: string }[]),
      ];
      expect(all.map((o) => o.status).sort()).to.deep.equal(['open', 'reduced', 'upheld', 'upheld', 'withdrawn']);
      // the open objection keeps period 4 from being signed
      const sign = await api.post(`/api/v1/contracts/${B()}/periods/4/sign`).set(auth(tokens.wangting)).send({ confirmEarly: true });
      expect(sign.status).to.equal(409);
      expect(sign.body.error.code).to.equal('objections_open');
    });

    it('refuses to seed into a database that is not empty', async () => {
      const before = await db.models.Contract.count();
      expect(await isDatabaseEmpty(db)).to.equal(false);
      let err: unknown;
      try {
        await seedDemo({ db, config });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(DemoRefusedError);
      expect((err as Error).message).to.contain('数据库不是空的').and.to.contain('not empty').and.to.contain('--reset');
      expect(await db.models.Contract.count()).to.equal(before);
      expect(await db.models.User.count()).to.equal(DEMO_USERS.length);
    });
  });
}

describe('demo dataset: settings and reset', () => {
  it('reads DEMO_DATA: on unless off', () => {
    expect(demoDataEnabled(undefined)).to.equal(true);
    expect(demoDataEnabled('')).to.equal(true);
    expect(demoDataEnabled('on')).to.equal(true);
    expect(demoDataEnabled('OFF')).to.equal(false);
    expect(demoDataEnabled('0')).to.equal(false);
    expect(() => demoDataEnabled('maybe')).to.throw('DEMO_DATA must be on or off');
  });

  it('--reset on SQLite deletes the database files and the uploaded files, and says so', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-reset-'));
    const config = { ...loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir }) };
    const file = sqliteFile(config.databaseUrl)!;
    expect(file).to.equal(path.join(dataDir, 'app.sqlite'));
    const db = openDatabase(config.databaseUrl);
    await db.migrate();
    await createVendor({ db, config }, SYSTEM, { name: '南宁测试服务商有限公司' });
    await db.close();
    fs.mkdirSync(path.join(dataDir, 'files'));
    fs.writeFileSync(path.join(dataDir, 'files', 'a'.repeat(64)), 'x');
    fs.writeFileSync(`${file}-wal`, '');
    const removed = await resetDatabase(config);
    expect(removed.join('\n')).to.contain(file).and.to.contain(`${file}-wal`).and.to.contain(path.join(dataDir, 'files'));
    expect(fs.existsSync(file)).to.equal(false);
    expect(fs.existsSync(`${file}-wal`)).to.equal(false);
    expect(fs.existsSync(path.join(dataDir, 'files'))).to.equal(false);
    const again = openDatabase(config.databaseUrl);
    await again.migrate();
    expect(await isDatabaseEmpty(again)).to.equal(true);
    await again.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('demo dataset: the real entry points', function () {
  this.timeout(120000);
  const root = path.resolve(__dirname, '..');
  const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
  const freePort = () =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
      srv.on('error', reject);
    });

  it('the first start seeds it and prints every demo account; `npm run demo` then refuses (exit 1) unless --reset', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-demo-start-'));
    const port = await freePort();
    const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), NODE_ENV: 'test', DATABASE_URL: '', DEMO_DATA: '', ADMIN_PASSWORD: '' };
    const child = spawn(tsx, ['server/index.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90000);
        child.stdout!.on('data', () => {
          if (out.includes('"msg":"listening"')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`server exited with ${code}:\n${out}`));
        });
      });
      const lines = out.split('\n');
      for (const u of DEMO_USERS) {
        const line = lines.find((l) => l.trim().startsWith(`${u.username} `));
        expect(line, out).to.match(new RegExp(`^\\s*${u.username}\\s+${u.password}\\s+${u.role}\\s+${u.displayName}`));
      }
      expect(out).to.contain('WARNING: these are demo accounts').and.to.contain('演示账号');
      expect(out).not.to.contain('generated password');
      const tok = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'chenjing', password: 'demo-chenjing-2026' }),
      });
      expect(tok.status).to.equal(200);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    }
    const cli = (...args: string[]) => spawnSync(tsx, ['server/cli.ts', 'demo', ...args], { cwd: root, env, encoding: 'utf8' });
    const refused = cli();
    expect(refused.status, refused.stdout + refused.stderr).to.equal(1);
    expect(refused.stderr).to.contain('数据库不是空的').and.to.contain('The database is not empty').and.to.contain('--reset');
    const reset = cli('--reset');
    expect(reset.status, reset.stdout + reset.stderr).to.equal(0);
    expect(reset.stdout).to.contain(`deleted ${path.join(dataDir, 'app.sqlite')}`).and.to.contain('demo data seeded');
    for (const u of DEMO_USERS) expect(reset.stdout).to.contain(u.password);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
