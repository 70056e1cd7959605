// Test helpers: a real database (an SQLite file, and PostgreSQL when TEST_DATABASE_URL is
// set), migrated from scratch, with users of every role and their tokens.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { closeApp, createApp } from '../server/app';
import { Config, loadConfig } from '../server/config';
import { Database, openDatabase } from '../server/db';
import { Ctx, SYSTEM } from '../server/services/context';
import { createUser } from '../server/services/users';
import { createVendor } from '../server/services/vendors';

export interface DbTarget {
  name: 'sqlite' | 'postgres';
  url: () => string;
}

export function dbTargets(): DbTarget[] {
  const out: DbTarget[] = [
    {
      name: 'sqlite',
      url: () => `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-')), 'test.sqlite')}`,
    },
  ];
  if (process.env.TEST_DATABASE_URL) out.push({ name: 'postgres', url: () => process.env.TEST_DATABASE_URL as string });
  return out;
}

/** Opens a migrated, empty database. PostgreSQL gets its public schema dropped first. */
export async function freshDatabase(target: DbTarget): Promise<Database> {
  const db = openDatabase(target.url());
  if (db.dialect === 'postgres') {
    await db.sequelize.query('DROP SCHEMA IF EXISTS public CASCADE');
    await db.sequelize.query('CREATE SCHEMA public');
  }
  await db.migrate();
  return db;
}

export const PASSWORD = 'correct-horse-battery';

export interface TestEnv {
  db: Database;
  config: Config;
  ctx: Ctx;
  app: Express;
  api: ReturnType<typeof request>;
  vendorId: number;
  otherVendorId: number;
  tokens: Record<'admin' | 'manager' | 'manager2' | 'finance' | 'vendor' | 'otherVendor', string>;
  close(): Promise<void>;
}

export async function startEnv(target: DbTarget): Promise<TestEnv> {
  const db = await freshDatabase(target);
  const config = { ...loadConfig({ NODE_ENV: 'test' }), databaseUrl: 'unused' };
  const ctx: Ctx = { db, config };
  const app = createApp(db, config);
  const api = request(app);
  const vendor = await createVendor(ctx, SYSTEM, { name: '广西壹零贰肆信息技术有限公司', creditCode: '91450100MA5K000001' });
  const other = await createVendor(ctx, SYSTEM, { name: '南宁甄選软件服务有限公司' });
  const users: [keyof TestEnv['tokens'], string, number | null][] = [
    ['admin', 'admin', null],
    ['manager', 'manager', null],
    ['manager2', 'manager', null],
    ['finance', 'finance', null],
    ['vendor', 'vendor', vendor.id],
    ['otherVendor', 'vendor', other.id],
  ];
  const tokens = {} as TestEnv['tokens'];
  for (const [name, role, vendorId] of users) {
    await createUser(ctx, SYSTEM, { username: name, password: PASSWORD, role, vendorId });
    const res = await api.post('/api/v1/auth/token').send({ username: name, password: PASSWORD });
    if (res.status !== 200) throw new Error(`login ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    tokens[name] = res.body.token;
  }
  return {
    db,
    config,
    ctx,
    app,
    api,
    vendorId: vendor.id,
    otherVendorId: other.id,
    tokens,
    close: async () => {
      closeApp(app);
      await db.close();
    },
  };
}

/** Runs a describe block once per database target. */
export function describeEachDb(title: string, body: (get: () => TestEnv, target: DbTarget) => void): void {
  for (const target of dbTargets()) {
    describe(`${title} [${target.name}]`, function () {
      let env: TestEnv;
      before(async function () {
        this.timeout(60000);
        env = await startEnv(target);
      });
      after(async () => {
        await env?.close();
      });
      body(() => env, target);
    });
  }
}

export const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Seed 002's contract: ¥12,084,900.00, 20% advance / 40% P1+P2 / 40% P3+P4. */
export function seed002Contract(vendorId: number, code = 'GX2025-DLGK-C0062-B00') {
  return {
    code,
    name: '广西税务2025年电子发票服务平台等相关系统运行维护',
    vendorId,
    systems: ['电子发票服务平台', '全国统一规范电子税务局', '税务人智慧办公平台', '决策管理指挥平台', '统一身份管理平台', '金四多云运维管理平台', '金税云平台'],
    totalAmount: '12084900.00',
    startDate: '2025-11-01',
    endDate: '2026-10-31',
    installments: [
      { name: '预付款', ratio: '0.20', deductible: false, periods: [] },
      { name: '初验款', ratio: '0.40', deductible: true, periods: [1, 2] },
      { name: '终验款', ratio: '0.40', deductible: true, periods: [3, 4] },
    ],
  };
}

/** Seed 000's tiers as an SLA policy (高/中/低 in working time) plus a calendar-time P1. */
export const SEED000_POLICY = {
  workingHours: [{ start: '08:00', end: '17:30' }],
  levels: [
    { code: '高', responseMinutes: 30, resolutionMinutes: 240, clock: 'working' },
    { code: '中', responseMinutes: 60, resolutionMinutes: 720, clock: 'working' },
    { code: '低', responseMinutes: 120, resolutionMinutes: 1440, clock: 'working' },
    { code: 'P1', responseMinutes: 5, resolutionMinutes: 120, clock: 'calendar' },
  ],
};

/** Publishes a period and signs it at once (the manager confirms signing inside the objection window). */
export async function publishAndSign(env: TestEnv, contractId: number, period: number, token = env.tokens.manager) {
  const pub = await env.api.post(`/api/v1/contracts/${contractId}/periods/${period}/publish`).set(auth(token));
  if (pub.status !== 200) return pub;
  return env.api.post(`/api/v1/contracts/${contractId}/periods/${period}/sign`).set(auth(token)).send({ confirmEarly: true });
}

// ---- the pages, through the real sign-in form -------------------------------------------

export type WebAgent = ReturnType<typeof request.agent>;

/** The CSRF token of a rendered page (hidden input `_csrf`); throws when the page has none. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in the page');
  return m[1].replace(/&#43;/g, '+').replace(/&#x2F;/g, '/').replace(/&#61;/g, '=').replace(/&amp;/g, '&');
}

/** The text of the element with data-testid, as rendered (entities left as they are). */
export function testId(html: string, id: string): string | null {
  const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`data-testid="${esc}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return m ? m[1].trim() : null;
}

/** The session cookie (`sid=...`) each signed-in agent got, e.g. to show a second app instance the same session. */
export const sessionCookies = new WeakMap<WebAgent, string>();

/** A cookie-keeping agent signed in through GET/POST /login (fails the test unless it answers 303). */
export async function signInWeb(app: Express, username: string, password = PASSWORD): Promise<WebAgent> {
  const agent = request.agent(app);
  const page = await agent.get('/login');
  if (page.status !== 200) throw new Error(`GET /login answered ${page.status}`);
  const res = await agent.post('/login').type('form').send({ username, password, next: '/', _csrf: csrfOf(page.text) });
  if (res.status !== 303) throw new Error(`sign-in of ${username} answered ${res.status}: ${res.text.slice(0, 300)}`);
  const sid = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('sid='));
  if (sid) sessionCookies.set(agent, sid.split(';')[0]);
  return agent;
}
