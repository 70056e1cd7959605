// Sign-in lockout per account, kept in the database (services/users.ts): after
// LOGIN_MAX_FAILURES consecutive wrong passwords the account is refused for 15 minutes, by the
// API (423 account_locked) and by the sign-in page, even with the right password; a success
// resets the count; an admin's password reset or re-activation unlocks; unknown usernames
// always get the ordinary 401 at the same cost; concurrent attempts on two app instances
// (two connections to one database) all count and lock exactly once.
import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { closeApp, createApp } from '../server/app';
import { Config } from '../server/config';
import { Database, openDatabase } from '../server/db';
import { Ctx, SYSTEM } from '../server/services/context';
import { createUser, LOCKOUT_MINUTES } from '../server/services/users';
import { auth, csrfOf, describeEachDb, PASSWORD, testId, TestEnv } from './helpers';

const LIMIT = 4;
const WRONG = 'not-the-password';
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describeEachDb('Sign-in lockout', (get, target) => {
  let clock = new Date('2026-03-02T02:00:00Z');
  let app: Express;
  let api: ReturnType<typeof request>;
  let config: Config;
  let seq = 0;
  const env = (): TestEnv => get();

  before(() => {
    // the account limit is the configuration's LOGIN_MAX_FAILURES; the page's per-address
    // limiter is set far above it so that it never answers first here
    config = { ...env().config, loginMaxFailures: LIMIT };
    app = createApp(env().db, config, { clock: () => clock, loginMaxFailures: 10_000 });
    api = request(app);
  });
  after(() => {
    if (app) closeApp(app);
  });

  async function newUser(role: 'manager' | 'finance' = 'manager', c: Config = config): Promise<{ id: number; username: string }> {
    const ctx: Ctx = { db: env().db, config: c };
    const u = await createUser(ctx, SYSTEM, { username: `lock${++seq}`, password: PASSWORD, role });
    return { id: u.id, username: u.username };
  }
  const token = (username: string, password: string, a = api) => a.post('/api/v1/auth/token').send({ username, password });
  const row = async (id: number) =>
    (await env().db.models.User.findByPk(id, { attributes: ['failedLogins', 'lockedUntil'], raw: true })) as unknown as { failedLogins: number; lockedUntil: unknown };
  const locks = async (id: number) => env().db.models.Audit.count({ where: { action: 'user.lock', entityId: String(id) } });

  function expectRefused(res: request.Response) {
    expect(res.status, JSON.stringify(res.body)).to.equal(401);
    expect(res.body.error).to.include({ code: 'unauthorized', message: '用户名或密码错误' });
    expect(res.body.error.details).to.deep.equal([]);
  }
  function expectLocked(res: request.Response) {
    expect(res.status, JSON.stringify(res.body)).to.equal(423);
    expect(res.body.error.code).to.equal('account_locked');
    expect(res.body.error.message).to.match(/锁定/);
    expect(res.body.error.details).to.be.an('array');
  }

  it(`locks the account after ${LIMIT} wrong passwords in a row, for ${LOCKOUT_MINUTES} minutes, even with the right password`, async () => {
    const u = await newUser();
    for (let i = 1; i < LIMIT; i++) expectRefused(await token(u.username, WRONG));
    expect((await row(u.id)).failedLogins).to.equal(LIMIT - 1);
    expect(await locks(u.id)).to.equal(0);
    // the attempt that reaches the limit already says so, with the time it ends (Beijing time)
    const last = await token(u.username, WRONG);
    expectLocked(last);
    const until = new Date(clock.getTime() + LOCKOUT_MINUTES * 60_000 + 8 * 3600_000);
    const hhmm = `${String(until.getUTCHours()).padStart(2, '0')}:${String(until.getUTCMinutes()).padStart(2, '0')}`;
    expect(last.body.error.message).to.contain(hhmm).and.contain('北京时间');
    expectLocked(await token(u.username, PASSWORD));
    expectLocked(await token(u.username, WRONG));
    // the lock is audited once, by the system, naming the account
    expect(await locks(u.id)).to.equal(1);
    const entry = (await env().db.models.Audit.findOne({ where: { action: 'user.lock', entityId: String(u.id) }, raw: true })) as unknown as Body;
    expect(entry.username).to.equal('system');
    expect(JSON.parse(entry.after)).to.include({ username: u.username, failedLogins: LIMIT });
    // attempts while locked do not extend it: just before the end still locked, just after open
    clock = new Date(clock.getTime() + LOCKOUT_MINUTES * 60_000 - 1000);
    expectLocked(await token(u.username, PASSWORD));
    clock = new Date(clock.getTime() + 2000);
    const ok = await token(u.username, PASSWORD);
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(await row(u.id)).to.deep.include({ failedLogins: 0, lockedUntil: null });
  });

  it('a successful sign-in resets the count; a lock that ran out starts it again', async () => {
    const u = await newUser();
    for (let i = 1; i < LIMIT; i++) expectRefused(await token(u.username, WRONG));
    expect((await token(u.username, PASSWORD)).status).to.equal(200);
    expect((await row(u.id)).failedLogins).to.equal(0);
    for (let i = 1; i < LIMIT; i++) expectRefused(await token(u.username, WRONG));
    expectLocked(await token(u.username, WRONG));
    clock = new Date(clock.getTime() + (LOCKOUT_MINUTES + 1) * 60_000);
    // after the lock one wrong password is one failure, not a new lock
    expectRefused(await token(u.username, WRONG));
    expect((await row(u.id)).failedLogins).to.equal(1);
    expect((await token(u.username, PASSWORD)).status).to.equal(200);
  });

  it('unknown usernames always get the ordinary 401 (never a lock), the same answer as a wrong password', async () => {
    const u = await newUser();
    const wrong = await token(u.username, WRONG);
    for (let i = 0; i < LIMIT * 3; i++) {
      const res = await token('no-such-user', WRONG);
      expectRefused(res);
      expect(res.body.error.code).to.equal(wrong.body.error.code);
      expect(res.body.error.message).to.equal(wrong.body.error.message);
      expect(res.body.error.details).to.deep.equal(wrong.body.error.details);
    }
    expect(await env().db.models.Audit.count({ where: { action: 'user.lock', entityId: null } })).to.equal(0);
    // a deactivated account with its right password: the same 401, nothing counted
    await env().db.models.User.update({ active: false }, { where: { id: u.id } });
    expectRefused(await token(u.username, PASSWORD));
    expect((await row(u.id)).failedLogins).to.equal(1);
    expect((await token(u.username, PASSWORD)).status).to.equal(401);
  });

  it('an unknown username costs one argon2 verification, like a wrong password', async function () {
    this.timeout(60_000);
    // a memory cost where argon2 dominates the answer's time (the suite's 1 MiB would not show it)
    const heavy: Config = { ...config, argon2MemoryKiB: 32 * 1024, loginMaxFailures: 1000 };
    const heavyApp = createApp(env().db, heavy, { clock: () => clock, loginMaxFailures: 10_000 });
    try {
      const a = request(heavyApp);
      const u = await newUser('manager', heavy);
      const time = async (username: string) => {
        const t0 = process.hrtime.bigint();
        const res = await token(username, WRONG, a);
        expect(res.status).to.equal(401);
        return Number(process.hrtime.bigint() - t0) / 1e6;
      };
      await time('warm-up-unknown'); // the dummy hash is made once
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 7; i++) {
        known.push(await time(u.username));
        unknown.push(await time(`nobody-${i}`));
      }
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
      const ratio = median(unknown) / median(known);
      // without the dummy verification an unknown username answers several times faster
      expect(ratio, `unknown ${median(unknown).toFixed(1)} ms vs wrong password ${median(known).toFixed(1)} ms`).to.be.within(0.6, 1.6);
    } finally {
      closeApp(heavyApp);
    }
  });

  it('an admin unlocks by resetting the password or re-activating the account (audited)', async () => {
    const admin = env().tokens.admin;
    const a = await newUser();
    for (let i = 0; i < LIMIT; i++) await token(a.username, WRONG);
    expectLocked(await token(a.username, PASSWORD));
    // an edit that is neither does not unlock
    expect((await api.put(`/api/v1/users/${a.id}`).set(auth(admin)).send({ displayName: '张三' })).status).to.equal(200);
    expectLocked(await token(a.username, PASSWORD));
    const reset = await api.put(`/api/v1/users/${a.id}`).set(auth(admin)).send({ password: 'a-brand-new-password' });
    expect(reset.status, JSON.stringify(reset.body)).to.equal(200);
    expect((await token(a.username, 'a-brand-new-password')).status).to.equal(200);
    const audit = (await env().db.models.Audit.findOne({ where: { action: 'user.update', entityId: String(a.id) }, order: [['id', 'DESC']], raw: true })) as unknown as Body;
    expect(JSON.parse(audit.after)).to.include({ unlocked: true, passwordChanged: true });

    const b = await newUser('finance');
    for (let i = 0; i < LIMIT; i++) await token(b.username, WRONG);
    expectLocked(await token(b.username, PASSWORD));
    const react = await api.put(`/api/v1/users/${b.id}`).set(auth(admin)).send({ active: true });
    expect(react.status, JSON.stringify(react.body)).to.equal(200);
    expect((await token(b.username, PASSWORD)).status).to.equal(200);
    expect(await row(b.id)).to.deep.include({ failedLogins: 0, lockedUntil: null });
  });

  it('the sign-in page refuses a locked account with the message next to the form, and never tells of unknown users', async () => {
    const u = await newUser();
    const signIn = async (username: string, password: string) => {
      const agent = request.agent(app);
      const page = await agent.get('/login');
      return agent.post('/login').type('form').send({ username, password, next: '/', _csrf: csrfOf(page.text) });
    };
    for (let i = 1; i < LIMIT; i++) {
      const res = await signIn(u.username, WRONG);
      expect(res.status).to.equal(401);
      expect(testId(res.text, 'form-error')).to.equal('用户名或密码错误');
    }
    const locked = await signIn(u.username, WRONG);
    expect(locked.status).to.equal(423);
    expect(testId(locked.text, 'form-error')).to.match(/锁定.*北京时间/);
    const right = await signIn(u.username, PASSWORD);
    expect(right.status).to.equal(423);
    expect(right.text).to.contain('name="password"');
    // the API refuses it too: one lock for both doors
    expectLocked(await token(u.username, PASSWORD));
    for (let i = 0; i < LIMIT + 1; i++) {
      const res = await signIn('nobody-at-all', WRONG);
      expect(res.status).to.equal(401);
      expect(testId(res.text, 'form-error')).to.equal('用户名或密码错误');
    }
  });

  it('counts concurrent wrong passwords on two instances exactly and locks once', async function () {
    this.timeout(60_000);
    // a second instance: its own connection (pool) to the same database, its own app
    const url = target.name === 'sqlite' ? `sqlite:${(env().db.sequelize as unknown as { options: { storage: string } }).options.storage}` : (process.env.TEST_DATABASE_URL as string);
    const db2: Database = openDatabase(url);
    const app2 = createApp(db2, config, { clock: () => clock, loginMaxFailures: 10_000 });
    try {
      const apis = [api, request(app2)];
      // far from the limit: every attempt must be counted (no lost updates)
      const big: Config = { ...config, loginMaxFailures: 1000 };
      const appsBig = [createApp(env().db, big, { clock: () => clock, loginMaxFailures: 10_000 }), createApp(db2, big, { clock: () => clock, loginMaxFailures: 10_000 })];
      try {
        const u = await newUser();
        const n = 24;
        const res = await Promise.all(Array.from({ length: n }, (_, i) => token(u.username, WRONG, request(appsBig[i % 2]))));
        expect(res.map((r) => r.status)).to.deep.equal(Array(n).fill(401));
        expect((await row(u.id)).failedLogins).to.equal(n);
      } finally {
        appsBig.forEach(closeApp);
      }
      // at the limit: many at once, from both instances, lock the account exactly once
      const v = await newUser();
      const res = await Promise.all(Array.from({ length: LIMIT * 4 }, (_, i) => token(v.username, WRONG, apis[i % 2])));
      const statuses = res.map((r) => r.status).sort();
      // an attempt counted before the lock may already find it set when it answers: 423 then
      expect(statuses.every((s) => s === 401 || s === 423), String(statuses)).to.equal(true);
      expect(statuses.filter((s) => s === 401).length, String(statuses)).to.be.at.most(LIMIT - 1);
      expect(statuses.filter((s) => s === 423).length, String(statuses)).to.be.at.least(LIMIT * 3 + 1);
      expect(await locks(v.id)).to.equal(1);
      expectLocked(await token(v.username, PASSWORD, apis[1]));
      expect((await row(v.id)).failedLogins).to.equal(LIMIT);
    } finally {
      closeApp(app2);
      await db2.close();
    }
  });
});
