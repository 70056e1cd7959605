// The authorization matrix: EVERY operation of the OpenAPI document (server/openapi.ts) is
// called as admin, manager, finance, vendor (its own contract), otherVendor (the same, i.e.
// someone else's contract) and without a token, with the ids of real objects, and the answer's
// class is checked against the roles the document declares in `x-roles`:
//
//   allowed role                      → 2xx (a route's `tolerate` may add a 4xx about the state
//                                        or body, e.g. 409: never 401, 403 or 404)
//   role not in x-roles               → 403, and nothing stored (the audit log does not grow)
//   vendor on another vendor's object → 404 (`scoped` routes; the route is allowed to vendors)
//   no token                          → 401, except public operations (x-roles ['public'],
//                                        or `security: []`)
//
// The table ROUTES below has one entry per operation; the test walks the document, so a new
// operation without an entry fails (and so does an entry for an operation that is gone).
// List endpoints also check that a vendor sees only its own (no leaks).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { closeApp, createApp } from '../server/app';
import { openApiDocument } from '../server/openapi';
import { pendingBatches } from '../server/services/exports';
import { auth, describeEachDb, PASSWORD, SEED000_POLICY, seed002Contract, TestEnv } from './helpers';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Caller = 'admin' | 'manager' | 'finance' | 'vendor' | 'otherVendor' | 'none';
const CALLERS: Caller[] = ['none', 'admin', 'manager', 'finance', 'vendor', 'otherVendor'];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** What one call sends. */
interface Call {
  /** path parameters by their OpenAPI names */
  params?: Record<string, string | number>;
  query?: Record<string, string | number>;
  /** JSON body */
  body?: unknown;
  /** multipart: files and text fields */
  files?: { field: string; content: Buffer; name: string }[];
  fields?: Record<string, string>;
  /** send this token instead of the caller's usual one (a route that revokes it) */
  token?: string;
}

interface Route {
  /** the request for this caller; may create fresh objects so that every allowed call can succeed */
  call: (f: Fixture, who: Caller) => Call | Promise<Call>;
  /** the route concerns an object of one vendor's contract: another vendor gets 404 */
  scoped?: boolean;
  /** statuses an allowed caller may get besides 2xx (state, not rights) */
  tolerate?: number[];
  /** checks of a successful answer (leaks) */
  check?: (res: request.Response, who: Caller, f: Fixture) => void;
  /**
   * The roles the service really allows, where the document's x-roles are wrong (a documentation
   * defect: fix server/openapi.ts, then remove this; the test fails once they agree).
   */
  actualRoles?: { roles: string[]; why: string };
}

/** The objects the calls refer to (made in `before`). */
interface Fixture {
  env: TestEnv;
  /** the vendor's contract: P1 signed (a line, an upheld objection), P2 draft with a line, P4 published */
  c1: number;
  /** the vendor's contract evidence and ledger writes go to */
  cE: number;
  /** the other vendor's contract, P1 published */
  cOther: number;
  bureau: string;
  line1: number;
  objection1: number;
  file1: number;
  ticket: string;
  inspectionPlan: { id: number; name: string };
  reportPlan: { id: number; name: string };
  scorecardXlsx: number;
  /** a user the admin edits */
  targetUser: number;
  /** a vendor the admin and managers edit */
  spareVendor: number;
  /** one notification of each user, by caller */
  notification: Record<Exclude<Caller, 'none'>, number>;
  /** one finished export batch of each allowed caller */
  batch: Partial<Record<Caller, number>>;
  /** fresh objects */
  fresh: Fresh;
}

interface Fresh {
  seq(): number;
  contract(vendor?: 'vendor' | 'otherVendor'): Promise<number>;
  /** a contract with a line in P1, P1 published */
  published(): Promise<{ id: number; lineId: number }>;
  /** the same, P1 signed */
  signed(): Promise<number>;
  objection(): Promise<number>;
  line(): Promise<number>;
  rating(): Promise<number>;
  penalty(): Promise<number>;
  event(): Promise<number>;
  submission(): Promise<number>;
  token(who: Exclude<Caller, 'none'>): Promise<string>;
}

const pdf = Buffer.from('%PDF-1.4\n% 授权矩阵测试附件\n');
const csv = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n`, 'utf8');

/** The table: one entry per operation, `METHOD /path` as in the OpenAPI document. */
const ROUTES: Record<string, Route> = {
  // ---- meta and auth
  'GET /openapi.json': { call: () => ({}) },
  'POST /auth/token': { call: () => ({ body: { username: 'matrix-login', password: PASSWORD } }) },
  'POST /auth/logout': { call: async (f, who) => ({ token: who === 'none' ? undefined : await f.fresh.token(who) }) },
  'GET /me': { call: () => ({}) },
  'POST /me/password': {
    // each user changes its own password once (its tokens stay valid)
    call: (f) => ({ body: { currentPassword: PASSWORD, newPassword: `matrix-new-${f.fresh.seq()}-pw` } }),
  },

  // ---- users, vendors, templates
  'GET /users': { call: () => ({}) },
  'POST /users': { call: (f) => ({ body: { username: `mx${f.fresh.seq()}`, password: 'matrix-password-1', role: 'finance' } }) },
  'PUT /users/{id}': { call: (f) => ({ params: { id: f.targetUser }, body: { displayName: `矩阵${f.fresh.seq()}` } }) },
  'GET /vendors': {
    call: () => ({}),
    check: (res, who, f) => {
      if (who === 'vendor') expect(res.body.map((v: Body) => v.id)).to.deep.equal([f.env.vendorId]);
      if (who === 'otherVendor') expect(res.body.map((v: Body) => v.id)).to.deep.equal([f.env.otherVendorId]);
    },
  },
  'POST /vendors': { call: (f) => ({ body: { name: `矩阵测试服务商${f.fresh.seq()}` } }) },
  'GET /vendors/{id}': { scoped: true, call: (f) => ({ params: { id: f.env.vendorId } }) },
  'PUT /vendors/{id}': {
    call: async (f) => {
      const v = (await f.env.db.models.Vendor.findByPk(f.spareVendor, { raw: true })) as unknown as { version: number };
      return { params: { id: f.spareVendor }, body: { name: `备用服务商${f.fresh.seq()}`, version: v.version } };
    },
  },
  'GET /templates': { call: () => ({}) },
  'POST /templates': { call: (f) => ({ body: { basedOn: 1, name: `矩阵测试版本${f.fresh.seq()}` } }) },
  'GET /templates/{version}': { call: () => ({ params: { version: 1 } }) },

  // ---- contracts
  'GET /contracts': {
    call: () => ({}),
    check: (res, who, f) => {
      const ids = res.body.map((c: Body) => c.id);
      if (who === 'vendor') {
        expect(ids).to.include(f.c1);
        expect(ids).not.to.include(f.cOther);
        expect(res.body.every((c: Body) => c.vendorId === f.env.vendorId), 'only its own contracts').to.equal(true);
      }
      if (who === 'otherVendor') {
        expect(ids).to.include(f.cOther);
        expect(res.body.every((c: Body) => c.vendorId === f.env.otherVendorId), 'only its own contracts').to.equal(true);
      }
    },
  },
  'POST /contracts': { call: (f) => ({ body: seed002Contract(f.env.vendorId, `MX-NEW-${f.fresh.seq()}`) }) },
  'GET /contracts/{id}': {
    scoped: true,
    call: (f) => ({ params: { id: f.c1 } }),
    check: (res, who) => {
      // a draft period's score is the bureau's own
      if (who === 'vendor') expect(res.body.periods.find((p: Body) => p.number === 2)?.score ?? null).to.equal(null);
    },
  },
  'PUT /contracts/{id}': {
    scoped: true,
    call: async (f) => {
      const c = (await f.env.db.models.Contract.findByPk(f.cE, { raw: true })) as unknown as { version: number };
      return { params: { id: f.cE }, body: { version: c.version, name: `矩阵测试合同${f.fresh.seq()}` } };
    },
  },

  // ---- ledger, ratings, penalties
  'GET /contracts/{id}/ledger': {
    scoped: true,
    call: (f) => ({ params: { id: f.c1 } }),
    check: (res, who) => {
      if (who === 'vendor') expect(res.body.map((l: Body) => l.period), 'no line of a draft period').not.to.include(2);
    },
  },
  'POST /contracts/{id}/ledger': { scoped: true, call: (f) => ({ params: { id: f.cE }, body: { period: 3, item: 4, units: 1, reason: '矩阵测试扣分' } }) },
  'POST /contracts/{id}/ledger/{lineId}/withdraw': { scoped: true, call: async (f) => ({ params: { id: f.cE, lineId: await f.fresh.line() }, body: { reason: '矩阵测试撤销' } }) },
  'GET /contracts/{id}/ratings': { scoped: true, call: (f) => ({ params: { id: f.c1 } }) },
  'POST /contracts/{id}/ratings': { scoped: true, call: (f) => ({ params: { id: f.cE }, body: { period: 3, item: 28, level: 4 } }) },
  'POST /contracts/{id}/ratings/{ratingId}/withdraw': { scoped: true, call: async (f) => ({ params: { id: f.cE, ratingId: await f.fresh.rating() }, body: { reason: '重复录入' } }) },
  'GET /contracts/{id}/penalties': {
    scoped: true,
    call: (f) => ({ params: { id: f.cE } }),
    check: (res, who) => {
      if (who === 'vendor') expect(res.body.map((p: Body) => p.status), 'no penalty awaiting approval').not.to.include('proposed');
    },
  },
  'POST /contracts/{id}/penalties': {
    scoped: true,
    call: (f) => ({ params: { id: f.cE }, body: { installment: 2, clause: 'late-performance', units: 1, reason: '矩阵测试扣款' } }),
  },
  'POST /contracts/{id}/penalties/{penaltyId}/approve': { scoped: true, call: async (f) => ({ params: { id: f.cE, penaltyId: await f.fresh.penalty() } }) },
  'POST /contracts/{id}/penalties/{penaltyId}/withdraw': { scoped: true, call: async (f) => ({ params: { id: f.cE, penaltyId: await f.fresh.penalty() }, body: { reason: '经复核不构成违约' } }) },

  // ---- the sign-off workflow
  'GET /contracts/{id}/periods/{n}/scorecard': { scoped: true, call: (f) => ({ params: { id: f.c1, n: 1 } }) },
  'POST /contracts/{id}/periods/{n}/publish': { scoped: true, call: (f) => ({ params: { id: f.cE, n: 3 } }) },
  'POST /contracts/{id}/periods/{n}/acknowledge': { scoped: true, call: (f) => ({ params: { id: f.c1, n: 4 } }) },
  'POST /contracts/{id}/periods/{n}/sign': { scoped: true, call: async (f) => ({ params: { id: (await f.fresh.published()).id, n: 1 }, body: { confirmEarly: true } }) },
  'GET /contracts/{id}/periods/{n}/reopen-preview': { scoped: true, call: (f) => ({ params: { id: f.c1, n: 1 } }) },
  'POST /contracts/{id}/periods/{n}/reopen': { scoped: true, call: async (f) => ({ params: { id: await f.fresh.signed(), n: 1 }, body: { reason: '补录巡检缺失' } }) },
  'GET /contracts/{id}/objections': { scoped: true, call: (f) => ({ params: { id: f.c1 } }) },
  'POST /contracts/{id}/ledger/{lineId}/objections': {
    scoped: true,
    call: async (f) => {
      const p = await f.fresh.published();
      return { params: { id: p.id, lineId: p.lineId }, body: { reason: '该工单因局方要求暂缓处理' } };
    },
  },
  'GET /objections/{id}': { scoped: true, call: (f) => ({ params: { id: f.objection1 } }) },
  'POST /objections/{id}/resolve': { scoped: true, call: async (f) => ({ params: { id: await f.fresh.objection() }, body: { decision: 'uphold', reason: '经核实维持' } }) },
  'GET /contracts/{id}/interviews': { scoped: true, call: (f) => ({ params: { id: f.c1 } }) },
  'POST /contracts/{id}/interviews': {
    scoped: true,
    call: async (f) => {
      // a published quarter below the threshold: 5a capped at 5 points and 17a at 2 → 93
      const p = await f.fresh.published();
      return { params: { id: p.id }, body: { period: 1, date: '2026-02-14', attendees: '局方：张经理；服务商：王总', outcome: '限期整改' } };
    },
  },

  // ---- notifications, files, submissions, payments
  'GET /notifications': {
    call: () => ({ query: { limit: 500 } }),
    check: (res, who, f) => {
      // only the caller's own: a vendor never hears of another vendor's contract
      if (who === 'vendor') expect(res.body.map((n: Body) => n.contractId)).not.to.include(f.cOther);
      if (who === 'otherVendor') expect(res.body.map((n: Body) => n.contractId)).not.to.include(f.c1);
      if (who !== 'none') expect(res.body.map((n: Body) => n.id)).to.include(f.notification[who]);
      for (const other of ['admin', 'manager', 'finance', 'vendor', 'otherVendor'] as const) {
        if (other !== who) expect(res.body.map((n: Body) => n.id), `${who} sees ${other}'s notification`).not.to.include(f.notification[other]);
      }
    },
  },
  'POST /notifications/read-all': { call: () => ({}) },
  'POST /notifications/{id}/read': {
    scoped: true,
    // one's own; another vendor asks for the vendor's
    call: (f, who) => ({ params: { id: f.notification[who === 'none' || who === 'otherVendor' ? 'vendor' : who] } }),
  },
  'POST /contracts/{id}/files': {
    scoped: true,
    call: (f) => ({ params: { id: f.c1 }, files: [{ field: 'file', content: pdf, name: '矩阵附件.pdf' }] }) },
  'GET /files/{id}': { scoped: true, call: (f) => ({ params: { id: f.file1 } }) },
  'GET /contracts/{id}/submissions': { scoped: true, call: (f) => ({ params: { id: f.c1 } }) },
  'POST /contracts/{id}/submissions': {
    scoped: true,
    call: (f) => ({
      params: { id: f.c1 },
      body: { kind: 'person', payload: { externalId: `MX-P-${f.fresh.seq()}`, name: '李四', role: 'DBA', startDate: '2025-11-01', securityAgreement: true, noCriminalRecord: true } },
    }),
  },
  'POST /contracts/{id}/submissions/{sid}/review': {
    scoped: true,
    call: async (f) => ({ params: { id: f.c1, sid: await f.fresh.submission() }, body: { decision: 'reject', note: '材料不全，请补充' } }),
  },
  'GET /contracts/{id}/payments': { scoped: true, call: (f) => ({ params: { id: f.c1 } }) },
  'PUT /contracts/{id}/installments/{n}/payment-status': {
    scoped: true,
    call: (f) => ({ params: { id: f.c1, n: 1 }, body: { paymentStatus: 'invoiced', invoiceDate: '2026-01-10' } }),
  },

  // ---- exports
  'GET /contracts/{id}/periods/{n}/scorecard.pdf': { scoped: true, call: (f) => ({ params: { id: f.c1, n: 1 } }) },
  'GET /contracts/{id}/periods/{n}/scorecard.xlsx': { scoped: true, call: (f) => ({ params: { id: f.c1, n: 1 } }) },
  'GET /contracts/{id}/periods/{n}/scorecard.xlsx.p7s': { scoped: true, call: (f) => ({ params: { id: f.c1, n: 1 } }) },
  'GET /contracts/{id}/payments.xlsx': { scoped: true, call: (f) => ({ params: { id: f.c1 } }) },
  'GET /contracts/{id}/payments.xlsx.p7s': { scoped: true, call: (f) => ({ params: { id: f.c1 } }) },
  'GET /exports/payments.xlsx': { call: (f) => ({ query: { bureau: f.bureau } }) },
  'GET /exports/payments.xlsx.p7s': { call: (f) => ({ query: { bureau: f.bureau } }) },
  'GET /exports': {
    call: () => ({}),
    check: (res, who, f) => {
      if (who === 'vendor' || who === 'otherVendor') {
        const own = who === 'vendor' ? [f.c1, f.cE] : [f.cOther];
        for (const a of res.body) {
          expect(own, `${who} sees export ${a.documentNumber}`).to.include(a.contractId);
          expect(a.kind).not.to.equal('payments_xlsx');
        }
        if (who === 'vendor') expect(res.body.map((a: Body) => a.id)).to.include(f.scorecardXlsx);
      }
    },
  },
  'GET /exports/{id}': { scoped: true, call: (f) => ({ params: { id: f.scorecardXlsx } }) },
  'GET /exports/{id}/file': { scoped: true, call: (f) => ({ params: { id: f.scorecardXlsx } }) },
  'GET /exports/{id}/file.p7s': { scoped: true, call: (f) => ({ params: { id: f.scorecardXlsx } }) },
  'GET /exports/batch.zip': { call: (f) => ({ query: { bureau: f.bureau, period: 1 } }) },
  'POST /exports/batches': { call: (f) => ({ body: { bureau: f.bureau, period: 1 } }) },
  // a batch is its starter's (and the admin's): each caller asks for its own
  'GET /exports/batches/{id}': { call: (f, who) => ({ params: { id: f.batch[who] ?? f.batch.finance! } }) },
  'GET /exports/batches/{id}/download': { call: (f, who) => ({ params: { id: f.batch[who] ?? f.batch.finance! } }) },
  'POST /verify': { call: () => ({ files: [{ field: 'file', content: pdf, name: 'check.pdf' }] }) },

  // ---- audit, calendar
  'GET /audit/verify': { call: () => ({}) },
  'GET /audit': { call: () => ({ query: { limit: 5 } }) },
  'GET /calendar': { call: () => ({}) },
  'GET /calendar/{year}': { call: () => ({ params: { year: 2026 } }) },
  'PUT /calendar/{year}': { call: () => ({ params: { year: 2027 }, body: { days: [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }] } }) },
  'PUT /calendar/days/{date}': { call: () => ({ params: { date: '2026-12-31' }, body: { kind: 'holiday', name: '矩阵测试假日' } }) },

  // ---- evidence
  'GET /contracts/{id}/sla-policy': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'PUT /contracts/{id}/sla-policy': { scoped: true, call: (f) => ({ params: { id: f.cE }, body: SEED000_POLICY }) },
  'GET /contracts/{id}/tickets': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'POST /contracts/{id}/tickets': {
    scoped: true,
    call: (f) => ({ params: { id: f.cE }, body: [{ externalId: `MX-T-${f.fresh.seq()}`, severity: '高', createdAt: '2025-11-03T09:00:00+08:00', respondedAt: '2025-11-03T09:10:00+08:00' }] }),
  },
  'POST /contracts/{id}/tickets/import': {
    scoped: true,
    call: (f) => ({ params: { id: f.cE }, files: [{ field: 'file', name: 'tickets.csv', content: csv(['external_id,severity,created_at', `MX-TI-${f.fresh.seq()},中,2025-11-04 09:00`]) }] }),
  },
  'GET /contracts/{id}/tickets/{externalId}': { scoped: true, call: (f) => ({ params: { id: f.cE, externalId: f.ticket } }) },
  'GET /contracts/{id}/inspection-plans': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'POST /contracts/{id}/inspection-plans': {
    scoped: true,
    call: (f) => ({ params: { id: f.cE }, body: { name: `专项巡检${f.fresh.seq()}`, frequency: 'dates', dates: ['2025-12-01'], checklist: ['CPU'] } }),
  },
  'GET /contracts/{id}/inspections': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'POST /contracts/{id}/inspections': {
    scoped: true,
    call: (f) => ({
      params: { id: f.cE },
      body: { planId: f.inspectionPlan.id, externalId: `MX-XJ-${f.fresh.seq()}`, performedAt: '2025-12-01T10:00:00+08:00', performer: '张工', itemsChecked: ['CPU'] },
    }),
  },
  'POST /contracts/{id}/inspections/import': {
    scoped: true,
    call: (f) => ({
      params: { id: f.cE },
      files: [{ field: 'file', name: 'inspections.csv', content: csv(['external_id,plan,performed_at,performer', `MX-XI-${f.fresh.seq()},${f.inspectionPlan.name},2025-12-01 11:00,李工`]) }],
    }),
  },
  'GET /contracts/{id}/report-plans': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'POST /contracts/{id}/report-plans': { scoped: true, call: (f) => ({ params: { id: f.cE }, body: { name: `运维月报${f.fresh.seq()}`, kind: 'monthly', dueWorkingDays: 5 } }) },
  'GET /contracts/{id}/report-submissions': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'POST /contracts/{id}/report-submissions': {
    scoped: true,
    call: (f) => ({ params: { id: f.cE }, body: { planId: f.reportPlan.id, covers: monthOf(f.fresh.seq()), submittedAt: '2026-09-01T09:00:00+08:00', title: '月报' } }),
  },
  'POST /contracts/{id}/report-submissions/import': {
    scoped: true,
    call: (f) => ({
      params: { id: f.cE },
      files: [{ field: 'file', name: 'reports.csv', content: csv(['external_id,plan,covers,submitted_at', `MX-RI-${f.fresh.seq()},${f.reportPlan.name},${monthOf(f.fresh.seq())},2026-09-02 09:00`]) }],
    }),
  },
  'GET /contracts/{id}/positions': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'PUT /contracts/{id}/positions': { scoped: true, call: (f) => ({ params: { id: f.cE }, body: [{ role: '驻场工程师', count: 1, qualifications: [] }] }) },
  'GET /contracts/{id}/people': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'POST /contracts/{id}/people': {
    scoped: true,
    call: (f) => ({
      params: { id: f.cE },
      body: [{ externalId: `MX-E-${f.fresh.seq()}`, name: '李明', role: '驻场工程师', startDate: '2025-11-01', qualifications: [], securityAgreement: true, noCriminalRecord: true }],
    }),
  },
  'POST /contracts/{id}/people/import': {
    scoped: true,
    call: (f) => ({
      params: { id: f.cE },
      files: [{ field: 'file', name: 'people.csv', content: csv(['external_id,name,role,start_date,security_agreement,no_criminal_record', `MX-PI-${f.fresh.seq()},王五,驻场工程师,2025-11-01,是,是`]) }],
    }),
  },
  'GET /contracts/{id}/events': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'POST /contracts/{id}/events': {
    scoped: true,
    call: (f) => ({ params: { id: f.cE }, body: { kind: 'release', occurredAt: '2025-12-10T20:00:00+08:00', title: `版本发布${f.fresh.seq()}`, details: {} } }),
  },
  'POST /contracts/{id}/events/{eventId}/withdraw': { scoped: true, call: async (f) => ({ params: { id: f.cE, eventId: await f.fresh.event() }, body: { reason: '经核实不属于服务商责任' } }) },
  'POST /contracts/{id}/detect': { scoped: true, call: (f) => ({ params: { id: f.cE } }) },
  'GET /contracts/{id}/import-mappings/{kind}': { scoped: true, call: (f) => ({ params: { id: f.cE, kind: 'tickets' } }) },
  'PUT /contracts/{id}/import-mappings/{kind}': { scoped: true, call: (f) => ({ params: { id: f.cE, kind: 'tickets' }, body: { external_id: '工单编号' } }) },
};

/** A month of seed 002's contract year (2025-11 … 2026-10) for report submissions. */
function monthOf(n: number): string {
  const m = 10 + (n % 12); // 0-based month index from 2025-11
  return `${2025 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
}

interface Operation {
  key: string;
  method: (typeof METHODS)[number];
  path: string;
  /** the roles to test: x-roles, or the entry's actualRoles where the document is known to be wrong */
  roles: string[];
  /** x-roles as documented */
  documented: string[];
  isPublic: boolean;
}

/** Every operation of the document with its declared roles. */
function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [p, item] of Object.entries(openApiDocument.paths as Record<string, Record<string, Body>>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      // an operation without x-roles is public only when it says so by `security: []`
      const declared: string[] | undefined = op['x-roles'];
      const isPublic = declared ? declared.includes('public') : Array.isArray(op.security) && op.security.length === 0;
      const key = `${method.toUpperCase()} ${p}`;
      const documented = declared ?? (isPublic ? ['public'] : []);
      out.push({ key, method, path: p, roles: ROUTES[key]?.actualRoles?.roles ?? documented, documented, isPublic });
    }
  }
  return out;
}

/** supertest: the body as a Buffer, JSON parsed when it is JSON. */
function parse(res: request.Response, cb: (err: Error | null, body: unknown) => void): void {
  const r = res as unknown as NodeJS.ReadableStream & { headers: Record<string, string> };
  const chunks: Buffer[] = [];
  r.on('data', (c: Buffer) => chunks.push(c));
  r.on('end', () => {
    const buf = Buffer.concat(chunks);
    if (/json/.test(r.headers['content-type'] ?? '')) {
      try {
        return cb(null, JSON.parse(buf.toString('utf8')));
      } catch {
        /* fall through: the raw bytes */
      }
    }
    cb(null, buf);
  });
}

describeEachDb('Authorization matrix', (get) => {
  let app: Express;
  let api: ReturnType<typeof request>;
  let dataDir: string;
  let f: Fixture;
  const clock = new Date('2026-02-13T02:00:00Z'); // Friday 10:00 in Beijing, inside P2

  before(async function () {
    this.timeout(120_000);
    const env = get();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-matrix-'));
    app = createApp(env.db, { ...env.config, dataDir }, { clock: () => clock });
    api = request(app);
    f = await buildFixture(env, api);
  });
  after(async () => {
    await Promise.all([...pendingBatches]);
    if (app) closeApp(app);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('has one entry per operation of the OpenAPI document, and none for operations that are gone', () => {
    const keys = operations().map((o) => o.key);
    expect(keys.filter((k) => !ROUTES[k]), 'operations without a matrix entry').to.deep.equal([]);
    expect(Object.keys(ROUTES).filter((k) => !keys.includes(k)), 'matrix entries of no operation').to.deep.equal([]);
    for (const op of operations()) {
      expect(op.documented.length, `${op.key} declares no roles (x-roles)`).to.be.greaterThan(0);
      const fix = ROUTES[op.key]?.actualRoles;
      if (fix) {
        expect([...op.documented].sort(), `${op.key}: the document now agrees with the service: remove actualRoles from its matrix entry`).not.to.deep.equal([...fix.roles].sort());
        console.log(`      documentation defect, tested as the service behaves: ${op.key} x-roles ${JSON.stringify(op.documented)}, really ${JSON.stringify(fix.roles)}: ${fix.why}`);
      }
      for (const r of op.roles) expect(['public', 'admin', 'manager', 'finance', 'vendor'], `${op.key} x-roles`).to.include(r);
    }
  });

  it('answers every operation by the declared roles: 2xx / 403 / 404 for another vendor / 401 without a token', async function () {
    this.timeout(300_000);
    const failures: string[] = [];
    const tally = { calls: 0, ok: 0, forbidden: 0, notFound: 0, unauthorized: 0 };
    for (const op of operations()) {
      const route = ROUTES[op.key];
      if (!route) continue; // reported by the test above
      // refusals first (they must change nothing), then the allowed callers
      const allowed = (who: Caller) => op.isPublic || (who !== 'none' && op.roles.includes(who === 'otherVendor' ? 'vendor' : who));
      const order = [...CALLERS.filter((w) => !allowed(w) || (w === 'otherVendor' && route.scoped)), ...CALLERS.filter((w) => allowed(w) && !(w === 'otherVendor' && route.scoped))];
      for (const who of order) {
        const call = await route.call(f, who);
        let expected: string;
        if (op.isPublic) expected = '2xx';
        else if (who === 'none') expected = '401';
        else if (!allowed(who)) expected = '403';
        else if (who === 'otherVendor' && route.scoped) expected = '404';
        else expected = '2xx';
        const auditBefore = expected === '2xx' ? 0 : await f.env.db.models.Audit.count();
        const res = await send(api, op, call, who === 'none' ? undefined : call.token ?? f.env.tokens[who]);
        tally.calls++;
        const tolerated = expected === '2xx' && (route.tolerate ?? []).includes(res.status);
        const ok = expected === '2xx' ? (res.status >= 200 && res.status < 300) || tolerated : res.status === Number(expected);
        const what = `${op.key} as ${who}: expected ${expected}, got ${res.status} ${summary(res)}`;
        if (!ok) {
          failures.push(what);
          continue;
        }
        if (expected !== '2xx') {
          expect(res.body?.error, `${what}: error shape`).to.be.an('object');
          expect(res.body.error.code, what).to.be.a('string');
          expect(res.body.error.message, what).to.be.a('string').and.not.empty;
          expect(res.body.error.details, what).to.be.an('array');
          expect(await f.env.db.models.Audit.count(), `${what}: a refused call wrote`).to.equal(auditBefore);
          tally[expected === '401' ? 'unauthorized' : expected === '403' ? 'forbidden' : 'notFound']++;
        } else {
          tally.ok++;
          if (route.check && res.status < 300) {
            try {
              route.check(res, who, f);
            } catch (e) {
              failures.push(`${op.key} as ${who}: ${(e as Error).message}`);
            }
          }
        }
      }
    }
    console.log(`      ${operations().length} operations, ${tally.calls} calls: ${tally.ok} allowed, ${tally.forbidden} × 403, ${tally.notFound} × 404, ${tally.unauthorized} × 401`);
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('keeps one user\'s export batch from the others (404), the admin excepted', async () => {
    const id = f.batch.finance!;
    expect((await api.get(`/api/v1/exports/batches/${id}`).set(auth(f.env.tokens.manager))).status).to.equal(404);
    expect((await api.get(`/api/v1/exports/batches/${id}/download`).set(auth(f.env.tokens.manager))).status).to.equal(404);
    expect((await api.get(`/api/v1/exports/batches/${id}`).set(auth(f.env.tokens.admin))).status).to.equal(200);
  });

  it('does not let a vendor see another vendor\'s objects by guessing ids', async () => {
    const tok = auth(f.env.tokens.otherVendor);
    const c1 = f.c1;
    const probes = [
      `/api/v1/contracts/${c1}`, `/api/v1/contracts/${c1}/ledger`, `/api/v1/contracts/${c1}/periods/1/scorecard`,
      `/api/v1/contracts/${c1}/periods/1/scorecard.pdf`, `/api/v1/contracts/${c1}/payments`, `/api/v1/objections/${f.objection1}`,
      `/api/v1/files/${f.file1}`, `/api/v1/exports/${f.scorecardXlsx}`, `/api/v1/exports?contractId=${c1}`, `/api/v1/vendors/${f.env.vendorId}`,
      `/api/v1/contracts/${c1}/tickets/${encodeURIComponent(f.ticket)}`,
    ];
    for (const p of probes) {
      const res = await api.get(p).set(tok);
      expect(res.status, `${p}: ${JSON.stringify(res.body)}`).to.equal(404);
      // the same answer as for an id that does not exist: nothing tells the two apart
      expect(res.body.error.code).to.equal('not_found');
    }
  });
});

async function send(api: ReturnType<typeof request>, op: Operation, call: Call, token: string | undefined): Promise<request.Response> {
  let url = `/api/v1${op.path}`.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = call.params?.[name];
    if (v === undefined) throw new Error(`${op.key}: no value for path parameter ${name}`);
    return encodeURIComponent(String(v));
  });
  if (op.path === '/openapi.json') url = '/api/v1/openapi.json';
  let req = api[op.method](url);
  if (token) req = req.set(auth(token));
  if (call.query) req = req.query(call.query);
  if (call.files || call.fields) {
    for (const [k, v] of Object.entries(call.fields ?? {})) req = req.field(k, v);
    for (const file of call.files ?? []) req = req.attach(file.field, file.content, file.name);
  } else if (call.body !== undefined) {
    req = req.send(call.body as object);
  }
  return req.buffer(true).parse(parse);
}

function summary(res: request.Response): string {
  if (Buffer.isBuffer(res.body)) return `(${res.headers['content-type']}, ${res.body.length} bytes)`;
  return JSON.stringify(res.body).slice(0, 300);
}

// ---- the fixture --------------------------------------------------------------------------

async function buildFixture(env: TestEnv, api: ReturnType<typeof request>): Promise<Fixture> {
  const as = (who: Exclude<Caller, 'none'>) => auth(env.tokens[who]);
  let seq = 0;
  const must = async (p: Promise<request.Response> | request.Test, status: number, what: string): Promise<Body> => {
    const res = await p;
    if (res.status !== status) throw new Error(`fixture: ${what} answered ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const contract = async (vendor: 'vendor' | 'otherVendor' = 'vendor') => {
    const vendorId = vendor === 'vendor' ? env.vendorId : env.otherVendorId;
    return (await must(api.post('/api/v1/contracts').set(as('manager')).send(seed002Contract(vendorId, `MX-${++seq}`)), 201, 'contract')).id as number;
  };
  const line = (id: number, body: object) => must(api.post(`/api/v1/contracts/${id}/ledger`).set(as('manager')).send(body), 201, 'ledger line');
  const publish = (id: number, n: number) => must(api.post(`/api/v1/contracts/${id}/periods/${n}/publish`).set(as('manager')), 200, 'publish');
  const sign = (id: number, n: number) => must(api.post(`/api/v1/contracts/${id}/periods/${n}/sign`).set(as('manager')).send({ confirmEarly: true }), 200, 'sign');
  const published = async () => {
    const id = await contract();
    const l = await line(id, { period: 1, item: 5, rule: '5a', units: 10, reason: '巡检缺失' });
    await line(id, { period: 1, item: 17, units: 2, reason: '违规外联' });
    await publish(id, 1);
    return { id, lineId: l.id as number };
  };
  const userId = async (username: string) => ((await env.db.models.User.findOne({ where: { username }, raw: true })) as unknown as { id: number }).id;

  const c1 = await contract();
  const cE = await contract();
  const cOther = await contract('otherVendor');
  const bureau = env.config.bureauName;

  // c1: P1 with a line, an objection upheld, signed; P2 draft with a line; P4 published
  const line1 = (await line(c1, { period: 1, item: 4, units: 2, reason: '工单超时' })).id as number;
  await line(c1, { period: 2, item: 4, units: 1, reason: '草稿期扣分' });
  await publish(c1, 1);
  const file1 = (await must(api.post(`/api/v1/contracts/${c1}/files`).set(as('vendor')).attach('file', pdf, '工单截图.pdf'), 201, 'file')).id as number;
  const objection1 = (await must(api.post(`/api/v1/contracts/${c1}/ledger/${line1}/objections`).set(as('vendor')).send({ reason: '见附件', attachments: [file1] }), 201, 'objection')).id as number;
  await must(api.post(`/api/v1/objections/${objection1}/resolve`).set(as('manager')).send({ decision: 'uphold', reason: '维持' }), 200, 'resolve');
  await sign(c1, 1);
  await publish(c1, 4);
  await publish(cOther, 1);
  await must(api.post(`/api/v1/contracts/${c1}/submissions`).set(as('vendor')).send({
    kind: 'person', payload: { externalId: 'MX-P-0', name: '赵六', role: 'DBA', startDate: '2025-11-01', securityAgreement: true, noCriminalRecord: true },
  }), 201, 'submission');

  // cE: evidence to refer to
  await must(api.put(`/api/v1/contracts/${cE}/sla-policy`).set(as('manager')).send(SEED000_POLICY), 200, 'sla policy');
  const ticket = 'MX-GD-0001';
  await must(api.post(`/api/v1/contracts/${cE}/tickets`).set(as('manager')).send([{ externalId: ticket, severity: '高', createdAt: '2025-11-03T09:00:00+08:00' }]), 200, 'ticket');
  const ip = await must(api.post(`/api/v1/contracts/${cE}/inspection-plans`).set(as('manager')).send({ name: '月度巡检', frequency: 'monthly', checklist: ['CPU'] }), 201, 'inspection plan');
  const rp = await must(api.post(`/api/v1/contracts/${cE}/report-plans`).set(as('manager')).send({ name: '运维月报', kind: 'monthly', dueWorkingDays: 5 }), 201, 'report plan');

  // exports: the signed quarter's workbook, and a finished batch of each allowed role
  await must(api.get(`/api/v1/contracts/${c1}/periods/1/scorecard.xlsx`).set(as('manager')).buffer(true).parse(parse), 200, 'scorecard.xlsx');
  const artifacts = await must(api.get(`/api/v1/exports?contractId=${c1}`).set(as('manager')), 200, 'exports');
  const scorecardXlsx = (artifacts as Body[]).find((a) => a.kind === 'scorecard_xlsx')!.id as number;
  const batch: Fixture['batch'] = {};
  for (const who of ['admin', 'manager', 'finance'] as const) {
    batch[who] = (await must(api.post('/api/v1/exports/batches').set(as(who)).send({ bureau, period: 1 }), 202, 'batch')).id as number;
    await Promise.all([...pendingBatches]);
  }

  // a notification of every user (the vendors already have theirs from the publications)
  const notification = {} as Fixture['notification'];
  for (const who of ['admin', 'manager', 'finance', 'vendor', 'otherVendor'] as const) {
    const row = await env.db.models.Notification.create({ userId: await userId(who), contractId: null, kind: 'test', message: `给 ${who} 的通知`, link: null });
    notification[who] = (row.get({ plain: true }) as { id: number }).id;
  }

  const target = await must(api.post('/api/v1/users').set(as('admin')).send({ username: 'matrix-target', password: 'matrix-password-1', role: 'finance' }), 201, 'user');
  await must(api.post('/api/v1/users').set(as('admin')).send({ username: 'matrix-login', password: PASSWORD, role: 'finance' }), 201, 'user');
  const spare = await must(api.post('/api/v1/vendors').set(as('admin')).send({ name: '备用服务商' }), 201, 'vendor');

  const fresh: Fresh = {
    seq: () => ++seq,
    contract,
    published,
    signed: async () => {
      const p = await published();
      await sign(p.id, 1);
      return p.id;
    },
    objection: async () => {
      const p = await published();
      return (await must(api.post(`/api/v1/contracts/${p.id}/ledger/${p.lineId}/objections`).set(as('vendor')).send({ reason: '有异议' }), 201, 'objection')).id;
    },
    line: async () => (await line(cE, { period: 3, item: 24, units: 1, reason: '未挂牌上岗' })).id,
    rating: async () => (await must(api.post(`/api/v1/contracts/${cE}/ratings`).set(as('manager')).send({ period: 3, item: 29, level: 3 }), 201, 'rating')).id,
    // recorded by manager2, so that both the admin and the manager may approve it
    penalty: async () =>
      (await must(api.post(`/api/v1/contracts/${cE}/penalties`).set(auth(env.tokens.manager2)).send({ installment: 3, clause: 'late-performance', units: 1, reason: '迟延交付' }), 201, 'penalty')).id,
    event: async () =>
      (await must(api.post(`/api/v1/contracts/${cE}/events`).set(as('manager')).send({ kind: 'release', occurredAt: '2025-12-11T20:00:00+08:00', title: `发布${++seq}`, details: {} }), 201, 'event')).id,
    submission: async () =>
      (await must(api.post(`/api/v1/contracts/${c1}/submissions`).set(as('vendor')).send({
        kind: 'person', payload: { externalId: `MX-S-${++seq}`, name: '钱七', role: 'DBA', startDate: '2025-11-01', securityAgreement: true, noCriminalRecord: true },
      }), 201, 'submission')).id,
    token: async (who) => {
      const username = who === 'otherVendor' ? 'otherVendor' : who;
      const res = await must(api.post('/api/v1/auth/token').send({ username, password: PASSWORD }), 200, 'token');
      return res.token as string;
    },
  };

  return {
    env, c1, cE, cOther, bureau, line1, objection1, file1, ticket,
    inspectionPlan: { id: ip.id, name: ip.name }, reportPlan: { id: rp.id, name: rp.name },
    scorecardXlsx, targetUser: target.id, spareVendor: spare.id, notification, batch, fresh,
  };
}
