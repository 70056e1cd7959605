// Evidence records and the detection that turns them into ledger lines: SLA policy and
// tickets, inspection plans and runs, report plans and submissions, positions and people,
// events (releases, emergencies, security incidents, vulnerabilities, supply chain,
// turnover, on-site visits). Every write re-runs the detector it affects in the same
// transaction, so the ledger always reflects the evidence; signed periods never change.
import crypto from 'node:crypto';
import { Op, Transaction } from 'sequelize';
import {
  EventRow, InspectionPlanRow, InspectionRunRow, PersonRow, PositionRow, ReportPlanRow, ReportSubmissionRow, SlaPolicyRow, TicketRow,
} from '../../models';
import { CompiledCalendar, DEFAULT_WORKING_HOURS, validateWorkingHours, WorkingInterval } from '../../scoring/calendar';
import { ProposedLine } from '../../scoring/detection';
import {
  DEFAULT_ITEM_BY_TICKET_TYPE, ticketKey, detectEvents, detectInspections, detectReports, detectSlaBreaches, detectStaffing, EventKind,
  EvidenceEvent, InspectionPlan, InspectionRun, localClock, Person, ReportPlan, ReportSubmission, reportSpans, SlaPolicy, suggestedPenaltyClause, TicketRecord,
} from '../../scoring/detectors';
import { evaluateTicket, formatMinutes, SlaLevel, TicketPause } from '../../scoring/sla';
import { isRatingItem } from '../../scoring/template';
import { badRequest, conflict, ErrorDetail, invalidField, notFound } from '../errors';
import { dateText, instantText, Joi, UNSTORABLE_TEXT, validate } from '../validate';
import { Actor, audit, Ctx, iso, requireRole, sqlDate } from './context';
import { ContractBundle, loadVisibleBundle, lockContractWork } from './contracts';
import { applyDetection, DetectionSource, DetectionSummary, periodSpans } from './detection';
import { contractCalendar, loadCalendar } from './calendar';
import { obligations } from '../../scoring/obligations';
import { loadTemplate } from './templates';

export const sha256 = (value: unknown) => crypto.createHash('sha256').update(JSON.stringify(value)).digest('hex');
const parseJson = <T>(text: string | null | undefined, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};
const instant = instantText;

/** The actor may write evidence on this contract: a manager or admin who can see it. Checked before the body. */
async function writable(ctx: Ctx, actor: Actor, contractId: number): Promise<void> {
  requireRole(actor, 'admin', 'manager');
  await loadVisibleBundle(ctx, actor, contractId);
}

/** Runs `fn` in one transaction on a contract the actor may write. */
async function writeTx<T>(
  ctx: Ctx,
  actor: Actor,
  contractId: number,
  fn: (t: Transaction, bundle: ContractBundle) => Promise<T>,
  outer?: Transaction,
): Promise<T> {
  requireRole(actor, 'admin', 'manager');
  // Visibility is checked again on the bundle read inside the transaction (the one that counts).
  // The contract's evidence lock comes first (PostgreSQL: concurrent writers of the same tickets
  // or detected lines wait for each other instead of colliding).
  if (outer) {
    await lockContractWork(ctx, outer, contractId);
    return fn(outer, await loadVisibleBundle(ctx, actor, contractId, outer));
  }
  return ctx.db.sequelize.transaction(async (t) => {
    await lockContractWork(ctx, t, contractId);
    return fn(t, await loadVisibleBundle(ctx, actor, contractId, t));
  });
}

// ---- SLA policy ---------------------------------------------------------------------------

export interface StoredPolicy {
  workingHours: WorkingInterval[];
  levels: SlaLevel[];
  ruleByTicketType: Record<string, string>;
  pauseReasons: string[];
  version: number;
}

export const DEFAULT_PAUSE_REASONS = ['等待局方确认', '等待第三方厂商处理', '等待用户反馈', '局方要求暂缓'];

const policySchema = Joi.object({
  workingHours: Joi.array().items(Joi.object({ start: Joi.string().required(), end: Joi.string().required() })).min(1).max(6)
    .default(DEFAULT_WORKING_HOURS),
  levels: Joi.array().items(Joi.object({
    code: Joi.string().trim().min(1).max(50).required(),
    name: Joi.string().trim().max(50).allow('', null),
    responseMinutes: Joi.number().integer().min(1).max(525600).allow(null).required(),
    resolutionMinutes: Joi.number().integer().min(1).max(525600).allow(null).required(),
    clock: Joi.string().valid('working', 'calendar').required(),
  })).min(1).max(20).unique('code').required(),
  itemByTicketType: Joi.object().pattern(Joi.string().max(50), Joi.alternatives().try(Joi.number().integer(), Joi.string().max(8)))
    .default(DEFAULT_ITEM_BY_TICKET_TYPE),
  pauseReasons: Joi.array().items(Joi.string().trim().min(1).max(100)).max(50).unique().default(DEFAULT_PAUSE_REASONS),
});

export async function loadPolicy(ctx: Ctx, contractId: number, t?: Transaction): Promise<StoredPolicy | null> {
  const row = (await ctx.db.models.SlaPolicy.findOne({ where: { contractId }, raw: true, transaction: t })) as unknown as SlaPolicyRow | null;
  if (!row) return null;
  return {
    workingHours: parseJson(row.workingHours, DEFAULT_WORKING_HOURS),
    levels: parseJson(row.levels, []),
    ruleByTicketType: parseJson(row.itemByTicketType, {}),
    pauseReasons: parseJson(row.pauseReasons, DEFAULT_PAUSE_REASONS),
    version: row.version,
  };
}

export function serializePolicy(p: StoredPolicy) {
  return {
    workingHours: p.workingHours,
    levels: p.levels,
    itemByTicketType: Object.fromEntries(Object.entries(p.ruleByTicketType).map(([k, rule]) => [k, Number(rule.replace(/[a-z]+$/, ''))])),
    ruleByTicketType: p.ruleByTicketType,
    pauseReasons: p.pauseReasons,
    version: p.version,
  };
}

export async function getPolicy(ctx: Ctx, actor: Actor, contractId: number) {
  await loadVisibleBundle(ctx, actor, contractId);
  const p = await loadPolicy(ctx, contractId);
  if (!p) throw notFound('本合同尚未配置 SLA 策略');
  return serializePolicy(p);
}

export async function putPolicy(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  await writable(ctx, actor, contractId);
  const input = validate<{
    workingHours: WorkingInterval[];
    levels: SlaLevel[];
    itemByTicketType: Record<string, number | string>;
    pauseReasons: string[];
  }>(policySchema, body);
  const issues: ErrorDetail[] = validateWorkingHours(input.workingHours).map((i) => ({ path: `workingHours${i.path.startsWith('[') ? '' : '.'}${i.path}`, message: i.message }));
  input.levels.forEach((l, i) => {
    if (l.responseMinutes === null && l.resolutionMinutes === null) {
      issues.push({ path: `levels[${i}]`, message: `等级 ${l.code} 至少需要响应时限或解决时限之一` });
    }
    if (l.responseMinutes !== null && l.resolutionMinutes !== null && l.resolutionMinutes < l.responseMinutes) {
      issues.push({ path: `levels[${i}].resolutionMinutes`, message: `等级 ${l.code} 的解决时限不能短于响应时限` });
    }
  });
  if (issues.length) throw badRequest(issues[0].message, issues);
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const template = await loadTemplate(ctx, bundle.contract.templateVersion);
    const ruleByTicketType: Record<string, string> = {};
    for (const [type, target] of Object.entries(input.itemByTicketType)) {
      const path = `itemByTicketType.${type}`;
      if (typeof target === 'number') {
        const item = template.items.find((it) => it.number === target);
        if (!item) throw invalidField(path, `质量表中没有第 ${target} 项`);
        if (isRatingItem(item) || item.rules.length !== 1) {
          throw invalidField(path, `第 ${target} 项有多条规则或是评价项，请写规则编号（如 ${item.rules[0].code}）`);
        }
        ruleByTicketType[type] = item.rules[0].code;
      } else {
        const item = template.items.find((it) => it.rules.some((r) => r.code === target && r.kind === 'per_unit'));
        if (!item) throw invalidField(path, `质量表中没有按次扣分的规则 ${target}`);
        ruleByTicketType[type] = target;
      }
    }
    if (!ruleByTicketType.default) ruleByTicketType.default = '4a';
    const { SlaPolicy } = ctx.db.models;
    const before = await loadPolicy(ctx, contractId, t);
    const values = {
      workingHours: JSON.stringify(input.workingHours),
      levels: JSON.stringify(input.levels.map((l) => ({ ...l, name: l.name || null }))),
      itemByTicketType: JSON.stringify(ruleByTicketType),
      pauseReasons: JSON.stringify(input.pauseReasons),
    };
    if (before) {
      await SlaPolicy.update({ ...values, version: before.version + 1 }, { where: { contractId }, transaction: t });
    } else {
      await SlaPolicy.create({ contractId, ...values, version: 0 }, { transaction: t });
    }
    const after = (await loadPolicy(ctx, contractId, t)) as StoredPolicy;
    await audit(ctx, t, actor, { action: 'sla_policy.put', entity: 'sla_policy', entityId: contractId, contractId, before, after });
    // Working hours also set the finding deadlines of inspections (5c).
    const detection = await detect(ctx, t, actor, bundle, ['sla', 'inspection']);
    return { ...serializePolicy(after), detection };
  });
}

// ---- tickets ------------------------------------------------------------------------------

export interface TicketInput {
  externalId: string;
  system: string | null;
  type: string | null;
  severity: string;
  createdAt: Date;
  respondedAt: Date | null;
  resolvedAt: Date | null;
  title: string | null;
  pauses: TicketPause[];
  /** optional fields this ticket's source carried (the others keep their stored values) */
  present?: ReadonlySet<OptionalTicketField>;
  /** where it came from: array index of a JSON request, row number of an import file */
  row?: number;
}

const ticketSchema = Joi.object({
  externalId: Joi.alternatives().try(Joi.string().trim().min(1).max(100), Joi.number()).custom((v) => String(v)).required(),
  system: Joi.string().trim().max(200).allow('', null),
  type: Joi.string().trim().max(50).allow('', null),
  severity: Joi.string().trim().min(1).max(50).required(),
  title: Joi.string().trim().max(500).allow('', null),
  createdAt: instant().required(),
  respondedAt: instant().allow(null),
  resolvedAt: instant().allow(null),
  pauses: Joi.array().items(Joi.object({
    start: instant().required(),
    end: instant().allow(null),
    reason: Joi.string().trim().min(1).max(100).required(),
    confirmed: Joi.boolean().default(false),
  })).max(50).default([]),
});

/** Cross-field checks of a ticket against the contract's policy; [] when valid. */
export function ticketIssues(t: TicketInput, policy: StoredPolicy): ErrorDetail[] {
  const issues: ErrorDetail[] = [];
  if (!policy.levels.some((l) => l.code === t.severity)) {
    issues.push({ path: 'severity', message: `严重程度「${t.severity}」不在 SLA 策略中（可选：${policy.levels.map((l) => l.code).join('、')}）` });
  }
  if (t.respondedAt && t.respondedAt < t.createdAt) issues.push({ path: 'respondedAt', message: '响应时间不能早于创建时间' });
  if (t.resolvedAt && t.resolvedAt < t.createdAt) issues.push({ path: 'resolvedAt', message: '解决时间不能早于创建时间' });
  if (t.resolvedAt && t.respondedAt && t.resolvedAt < t.respondedAt) issues.push({ path: 'resolvedAt', message: '解决时间不能早于响应时间' });
  t.pauses.forEach((p, i) => {
    if (!policy.pauseReasons.includes(p.reason)) {
      issues.push({ path: `pauses[${i}].reason`, message: `暂停原因「${p.reason}」不在合同允许的列表中（${policy.pauseReasons.join('、')}）` });
    }
    if (p.end && p.end < p.start) issues.push({ path: `pauses[${i}].end`, message: '暂停结束时间不能早于开始时间' });
    if (p.start < t.createdAt) issues.push({ path: `pauses[${i}].start`, message: '暂停不能早于工单创建时间' });
  });
  return issues;
}

export function ticketHash(t: TicketInput): string {
  return sha256([t.externalId, t.system, t.type, t.severity, t.title, t.createdAt.getTime(), t.respondedAt?.getTime() ?? null,
    t.resolvedAt?.getTime() ?? null, t.pauses.map((p) => [p.start.getTime(), p.end?.getTime() ?? null, p.reason, p.confirmed])]);
}

export function ticketRow(contractId: number, t: TicketInput) {
  return {
    contractId,
    externalId: t.externalId,
    system: t.system,
    type: t.type,
    severity: t.severity,
    openedAt: t.createdAt,
    respondedAt: t.respondedAt,
    resolvedAt: t.resolvedAt,
    title: t.title,
    pauses: JSON.stringify(t.pauses.map((p) => ({ start: p.start.toISOString(), end: p.end ? p.end.toISOString() : null, reason: p.reason, confirmed: p.confirmed }))),
    contentHash: ticketHash(t),
  };
}

export function ticketRecord(row: TicketRow): TicketRecord {
  const pauses = parseJson<{ start: string; end: string | null; reason: string; confirmed: boolean }[]>(row.pauses, []);
  return {
    id: row.id,
    externalId: row.externalId,
    type: row.type,
    severity: row.severity,
    system: row.system,
    createdAt: new Date(row.openedAt),
    respondedAt: row.respondedAt ? new Date(row.respondedAt) : null,
    resolvedAt: row.resolvedAt ? new Date(row.resolvedAt) : null,
    pauses: pauses.map((p) => ({ start: new Date(p.start), end: p.end ? new Date(p.end) : null, reason: p.reason, confirmed: !!p.confirmed })),
  };
}

export function policyForDetection(p: StoredPolicy): SlaPolicy {
  return { levels: p.levels, ruleByTicketType: p.ruleByTicketType };
}

/** Ticket fields a source may leave out; the stored value is then kept. */
export type OptionalTicketField = 'system' | 'type' | 'title' | 'respondedAt' | 'resolvedAt' | 'pauses';
export const OPTIONAL_TICKET_FIELDS: OptionalTicketField[] = ['system', 'type', 'title', 'respondedAt', 'resolvedAt', 'pauses'];

/**
 * Upserts tickets by external id; returns counts and the tickets whose content is new or changed
 * (as stored). `present` names the optional fields the source carried: the others keep their
 * stored values (an export without pauses must not erase the bureau's confirmed pauses).
 * `assumeNew` skips the lookup when the caller knows the contract has no tickets yet.
 */
export async function upsertTickets(
  ctx: Ctx,
  t: Transaction,
  contractId: number,
  input: TicketInput[],
  opts: {
    present: ReadonlySet<OptionalTicketField>;
    policy: StoredPolicy;
    /** a ticket that is invalid once merged with what is stored; it is not written */
    onInvalid: (ticket: TicketInput, issues: ErrorDetail[]) => void;
    assumeNew?: boolean;
  },
) {
  const { present, assumeNew = false } = opts;
  const tickets = input;
  const { Ticket } = ctx.db.models;
  const existing = new Map<string, { id: number; contentHash: string }>();
  const stored = new Map<string, TicketRow>();
  const partial = tickets.some((tk) => OPTIONAL_TICKET_FIELDS.some((f) => !(tk.present ?? present).has(f)));
  for (let i = 0; !assumeNew && i < tickets.length; i += 500) {
    const rows = (await Ticket.findAll({
      where: { contractId, externalId: tickets.slice(i, i + 500).map((x) => x.externalId) },
      attributes: partial ? undefined : ['id', 'externalId', 'contentHash'],
      raw: true,
      transaction: t,
    })) as unknown as TicketRow[];
    for (const r of rows) {
      existing.set(r.externalId, { id: r.id, contentHash: r.contentHash });
      if (partial) stored.set(r.externalId, r);
    }
  }
  const merged: TicketInput[] = [];
  for (const tk of tickets) {
    const row = stored.get(tk.externalId);
    if (!partial || !row) {
      merged.push(tk);
      continue;
    }
    const has = tk.present ?? present;
    const old = ticketRecord(row);
    const m: TicketInput = {
      ...tk,
      system: has.has('system') ? tk.system : row.system,
      type: has.has('type') ? tk.type : row.type,
      title: has.has('title') ? tk.title : row.title,
      respondedAt: has.has('respondedAt') ? tk.respondedAt : old.respondedAt,
      resolvedAt: has.has('resolvedAt') ? tk.resolvedAt : old.resolvedAt,
      pauses: has.has('pauses') ? tk.pauses : old.pauses,
    };
    // What is stored must still make sense with the new values (e.g. a later creation time).
    const issues = ticketIssues(m, opts.policy);
    if (issues.length) opts.onInvalid(tk, issues);
    else merged.push(m);
  }
  const r = await writeTicketRows(ctx, t, contractId, merged, existing);
  const changed = new Set(r.changedExternalIds);
  return { ...r, changedTickets: merged.filter((x) => changed.has(x.externalId)) };
}

/**
 * Writes tickets given the index of the contract's existing ones (external id → id, hash):
 * new ones in one multi-row INSERT per call, changed ones updated, unchanged ones skipped.
 * Returns the external ids whose content is new or changed (their SLA lines need a look).
 */
export async function writeTicketRows(
  ctx: Ctx,
  t: Transaction,
  contractId: number,
  tickets: TicketInput[],
  existing: Map<string, { id: number; contentHash: string }>,
) {
  const { Ticket } = ctx.db.models;
  const creates: Record<string, unknown>[] = [];
  const changed: string[] = [];
  let updated = 0;
  let unchanged = 0;
  const now = sqlDate(new Date());
  for (const tk of tickets) {
    const row = ticketRow(contractId, tk);
    const old = existing.get(tk.externalId);
    if (!old) {
      creates.push({
        contract_id: contractId, external_id: row.externalId, system: row.system, type: row.type, severity: row.severity,
        opened_at: sqlDate(row.openedAt), responded_at: sqlDate(row.respondedAt), resolved_at: sqlDate(row.resolvedAt), pauses: row.pauses, title: row.title,
        content_hash: row.contentHash, created_at: now, updated_at: now,
      });
      existing.set(tk.externalId, { id: -1, contentHash: row.contentHash });
      changed.push(tk.externalId);
    } else if (old.contentHash === row.contentHash) {
      unchanged += 1;
    } else {
      await Ticket.update(row, { where: { contractId, externalId: tk.externalId }, transaction: t });
      existing.set(tk.externalId, { id: old.id, contentHash: row.contentHash });
      changed.push(tk.externalId);
      updated += 1;
    }
  }
  if (creates.length) await ctx.db.sequelize.getQueryInterface().bulkInsert('tickets', creates, { transaction: t });
  return { imported: creates.length, updated, unchanged, changedExternalIds: changed };
}

/** External ids of the contract's unresolved tickets (their SLA figures change as time passes). */
export async function openTicketExternalIds(ctx: Ctx, t: Transaction, contractId: number): Promise<string[]> {
  const rows = (await ctx.db.models.Ticket.findAll({ where: { contractId, resolvedAt: null }, attributes: ['externalId'], raw: true, transaction: t })) as unknown as { externalId: string }[];
  return rows.map((r) => r.externalId);
}

export async function postTickets(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  await writable(ctx, actor, contractId);
  if (!Array.isArray(body)) throw badRequest('请求体必须是工单数组', [{ path: '(body)', message: '必须是数组' }]);
  if (body.length === 0 || body.length > 5000) throw badRequest('每次提交 1 到 5000 张工单；更多请用文件导入', [{ path: '(body)', message: '数量超出范围' }]);
  const policy = await loadPolicy(ctx, contractId);
  if (!policy) throw conflict('请先为本合同配置 SLA 策略（PUT /sla-policy），再录入工单');
  const tickets: TicketInput[] = [];
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  body.forEach((raw, i) => {
    try {
      const v = validate<Omit<TicketInput, 'system' | 'type' | 'title'> & { system?: string | null; type?: string | null; title?: string | null }>(ticketSchema, raw);
      const tk: TicketInput = { ...v, system: v.system || null, type: v.type || null, title: v.title || null, respondedAt: v.respondedAt ?? null, resolvedAt: v.resolvedAt ?? null };
      const issues = ticketIssues(tk, policy);
      if (seen.has(tk.externalId)) issues.push({ path: 'externalId', message: `工单号 ${tk.externalId} 在本次提交中重复` });
      seen.add(tk.externalId);
      details.push(...issues.map((d) => ({ path: `[${i}].${d.path}`, message: d.message })));
      tk.present = new Set(OPTIONAL_TICKET_FIELDS.filter((f) => raw && typeof raw === 'object' && f in raw));
      tk.row = i;
      tickets.push(tk);
    } catch (e) {
      const err = e as { details?: ErrorDetail[] };
      details.push(...(err.details ?? []).map((d) => ({ path: `[${i}].${d.path}`, message: d.message })));
    }
  });
  if (details.length) throw badRequest(details[0].message, details);
  // Optional fields a ticket leaves out keep their stored values (decided ticket by ticket).
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const merged: ErrorDetail[] = [];
    const r = await upsertTickets(ctx, t, contractId, tickets, {
      present: new Set(OPTIONAL_TICKET_FIELDS),
      policy,
      onInvalid: (tk, issues) => merged.push(...issues.map((d) => ({ path: `[${tk.row}].${d.path}`, message: `${d.message}（与已存储的工单合并后）` }))),
    });
    if (merged.length) throw badRequest(merged[0].message, merged);
    await audit(ctx, t, actor, {
      action: 'tickets.upsert', entity: 'ticket', contractId,
      after: { imported: r.imported, updated: r.updated, unchanged: r.unchanged, externalIds: tickets.map((x) => x.externalId) },
    });
    // Changed tickets, and every still-open one: its deadline may have passed since last time.
    const open = await openTicketExternalIds(ctx, t, contractId);
    const detection = await detect(ctx, t, actor, bundle, ['sla'], { ticketExternalIds: [...new Set([...r.changedExternalIds, ...open])] });
    return { imported: r.imported, updated: r.updated, unchanged: r.unchanged, detection };
  });
}

export function serializeTicket(row: TicketRow) {
  const r = ticketRecord(row);
  return {
    id: row.id,
    externalId: row.externalId,
    system: row.system,
    type: row.type,
    severity: row.severity,
    title: row.title,
    createdAt: r.createdAt.toISOString(),
    respondedAt: iso(r.respondedAt),
    resolvedAt: iso(r.resolvedAt),
    pauses: r.pauses.map((p) => ({ start: p.start.toISOString(), end: iso(p.end), reason: p.reason, confirmed: p.confirmed })),
  };
}

export async function getTicket(ctx: Ctx, actor: Actor, contractId: number, externalId: string) {
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  // no ticket has a number with a NUL or a broken surrogate (the bodies refuse them), and SQLite cannot be asked about one
  const row = UNSTORABLE_TEXT.test(externalId)
    ? null
    : ((await ctx.db.models.Ticket.findOne({ where: { contractId, externalId }, raw: true })) as unknown as TicketRow | null);
  if (!row) throw notFound(`工单 ${externalId} 不存在`);
  const policy = await loadPolicy(ctx, contractId);
  const base = serializeTicket(row);
  if (!policy) return { ...base, sla: null };
  const level = policy.levels.find((l) => l.code === row.severity);
  if (!level) return { ...base, sla: null };
  const cal = await loadCalendar(ctx, bundle.contract.timeZone, policy.workingHours);
  const now = new Date();
  const ev = evaluateTicket(ticketRecord(row), level, cal, now);
  const line = (await ctx.db.models.LedgerLine.findOne({ where: { contractId, source: 'sla', sourceKey: ticketKey(row.externalId), status: 'active' }, raw: true })) as unknown as { id: number; periodNumber: number; ruleCode: string; points: number } | null;
  const clockLabel = level.clock === 'working' ? '工作时间' : '自然时间';
  return {
    ...base,
    sla: {
      level: level.code,
      clock: level.clock,
      responseMinutes: level.responseMinutes,
      resolutionMinutes: level.resolutionMinutes,
      responseDeadline: iso(ev.responseDeadline),
      resolutionDeadline: iso(ev.resolutionDeadline),
      responseElapsedMinutes: ev.responseElapsedMinutes,
      resolutionElapsedMinutes: ev.resolutionElapsedMinutes,
      responseElapsed: ev.responseElapsedMinutes === null ? null : `${formatMinutes(ev.responseElapsedMinutes)}（${clockLabel}）`,
      resolutionElapsed: ev.resolutionElapsedMinutes === null ? null : `${formatMinutes(ev.resolutionElapsedMinutes)}（${clockLabel}）`,
      breached: ev.breaches,
      firstMissedDeadline: iso(ev.firstMissedDeadline),
      open: ev.open,
      holidays: ev.holidays,
      makeupDays: ev.makeupDays,
      pausesCounted: ev.pausesCounted.map((p) => ({ start: p.start.toISOString(), end: iso(p.end), reason: p.reason })),
      pausesIgnored: ev.pausesIgnored.map((p) => ({ start: p.start.toISOString(), end: iso(p.end), reason: p.reason })),
      trace: ev.trace,
      evaluatedAt: now.toISOString(),
      ledgerLine: line ? { id: line.id, period: line.periodNumber, rule: line.ruleCode } : null,
    },
  };
}

const pageSchema = Joi.object({
  limit: Joi.number().integer().min(1).max(1000).default(100),
  offset: Joi.number().integer().min(0).default(0),
});

export async function listTickets(ctx: Ctx, actor: Actor, contractId: number, query: unknown) {
  const q = validate<{ limit: number; offset: number }>(pageSchema, query);
  await loadVisibleBundle(ctx, actor, contractId);
  const { rows, count } = await ctx.db.models.Ticket.findAndCountAll({ where: { contractId }, order: [['id', 'ASC']], limit: q.limit, offset: q.offset, raw: true });
  return { total: count, items: (rows as unknown as TicketRow[]).map(serializeTicket) };
}

// ---- inspections --------------------------------------------------------------------------

const planSchema = Joi.object({
  name: Joi.string().trim().min(1).max(200).required(),
  system: Joi.string().trim().max(200).allow('', null),
  frequency: Joi.string().valid('workday', 'weekly', 'monthly', 'quarterly', 'dates').required(),
  dates: Joi.array().items(dateText()).max(1000).unique().default([]),
  deadlineTime: Joi.string().pattern(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:mm').allow(null),
  checklist: Joi.array().items(Joi.string().trim().min(1).max(200)).min(1).max(200).unique().required(),
  findingLimitMinutes: Joi.number().integer().min(1).max(525600).default(570),
  activeFrom: dateText().allow(null),
  activeTo: dateText().allow(null),
});

function serializePlan(p: InspectionPlanRow) {
  return {
    id: p.id, name: p.name, system: p.system, frequency: p.frequency, dates: parseJson<string[]>(p.dates, []),
    deadlineTime: p.deadlineTime, checklist: parseJson<string[]>(p.checklist, []), findingLimitMinutes: p.findingLimitMinutes,
    activeFrom: p.activeFrom, activeTo: p.activeTo, status: p.status,
  };
}

export async function createInspectionPlan(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  await writable(ctx, actor, contractId);
  const input = validate<ReturnType<typeof serializePlan>>(planSchema, body);
  if (input.frequency === 'dates' && input.dates.length === 0) throw invalidField('dates', '按指定日期巡检时需要填写日期列表');
  if (input.activeFrom && input.activeTo && input.activeTo < input.activeFrom) throw invalidField('activeTo', '结束日期不能早于开始日期');
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const row = await ctx.db.models.InspectionPlan.create({
      contractId, name: input.name, system: input.system || null, frequency: input.frequency, dates: JSON.stringify(input.dates),
      deadlineTime: input.deadlineTime ?? null, checklist: JSON.stringify(input.checklist), findingLimitMinutes: input.findingLimitMinutes,
      activeFrom: input.activeFrom ?? null, activeTo: input.activeTo ?? null, status: 'active',
    }, { transaction: t });
    const plan = serializePlan(row.get({ plain: true }));
    await audit(ctx, t, actor, { action: 'inspection_plan.create', entity: 'inspection_plan', entityId: plan.id, contractId, after: plan });
    const detection = await detect(ctx, t, actor, bundle, ['inspection']);
    return { ...plan, detection };
  });
}

export async function listInspectionPlans(ctx: Ctx, actor: Actor, contractId: number) {
  await loadVisibleBundle(ctx, actor, contractId);
  const rows = (await ctx.db.models.InspectionPlan.findAll({ where: { contractId }, order: [['id', 'ASC']], raw: true })) as unknown as InspectionPlanRow[];
  return rows.map(serializePlan);
}

export interface RunInput {
  planId: number;
  externalId: string | null;
  performedAt: Date;
  performer: string;
  itemsChecked: string[];
  findings: { description: string; handledAt: Date | null }[];
}

export const runSchema = Joi.object({
  planId: Joi.number().integer().min(1).required(),
  externalId: Joi.alternatives().try(Joi.string().trim().max(100), Joi.number()).custom((v) => String(v)).allow(null, ''),
  performedAt: instant().required(),
  performer: Joi.string().trim().min(1).max(100).required(),
  itemsChecked: Joi.array().items(Joi.string().trim().min(1).max(200)).max(200).unique().default([]),
  findings: Joi.array().items(Joi.object({
    description: Joi.string().trim().min(1).max(2000).required(),
    handledAt: instant().allow(null),
  })).max(100).default([]),
});

export function runIssues(run: RunInput, plan: InspectionPlanRow | undefined): ErrorDetail[] {
  if (!plan) return [{ path: 'planId', message: `巡检计划 ${run.planId} 不存在` }];
  const checklist = parseJson<string[]>(plan.checklist, []);
  const unknown = run.itemsChecked.filter((i) => !checklist.includes(i));
  const issues: ErrorDetail[] = [];
  if (unknown.length) issues.push({ path: 'itemsChecked', message: `不在巡检计划「${plan.name}」检查内容中的项目：${unknown.join('、')}` });
  run.findings.forEach((f, i) => {
    if (f.handledAt && f.handledAt < run.performedAt) issues.push({ path: `findings[${i}].handledAt`, message: '问题处理时间不能早于巡检时间' });
  });
  return issues;
}

export function runRow(contractId: number, r: RunInput) {
  const findings = r.findings.map((f) => ({ description: f.description, handledAt: f.handledAt ? f.handledAt.toISOString() : null }));
  return {
    contractId, planId: r.planId, externalId: r.externalId || null, performedAt: r.performedAt, performer: r.performer,
    itemsChecked: JSON.stringify(r.itemsChecked), findings: JSON.stringify(findings),
    contentHash: sha256([r.planId, r.performedAt.getTime(), r.performer, r.itemsChecked, findings]),
  };
}

function serializeRun(r: InspectionRunRow) {
  return {
    id: r.id, planId: r.planId, externalId: r.externalId, performedAt: iso(r.performedAt), performer: r.performer,
    itemsChecked: parseJson<string[]>(r.itemsChecked, []),
    findings: parseJson<{ description: string; handledAt: string | null }[]>(r.findings, []),
  };
}

/** `outer`: run inside the caller's transaction (a vendor's submission being confirmed). */
export async function recordInspection(ctx: Ctx, actor: Actor, contractId: number, body: unknown, outer?: Transaction) {
  await writable(ctx, actor, contractId);
  const input = validate<RunInput>(runSchema, body);
  const plan = (await ctx.db.models.InspectionPlan.findOne({ where: { id: input.planId, contractId }, raw: true })) as unknown as InspectionPlanRow | null;
  const issues = runIssues(input, plan ?? undefined);
  if (issues.length) throw badRequest(issues[0].message, issues);
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const values = runRow(contractId, input);
    let row: InspectionRunRow;
    const old = values.externalId
      ? ((await ctx.db.models.InspectionRun.findOne({ where: { contractId, externalId: values.externalId }, raw: true, transaction: t })) as unknown as InspectionRunRow | null)
      : null;
    if (old) {
      await ctx.db.models.InspectionRun.update(values, { where: { id: old.id }, transaction: t });
      row = (await ctx.db.models.InspectionRun.findByPk(old.id, { raw: true, transaction: t })) as unknown as InspectionRunRow;
    } else {
      row = (await ctx.db.models.InspectionRun.create(values, { transaction: t })).get({ plain: true });
    }
    const run = serializeRun(row);
    await audit(ctx, t, actor, { action: old ? 'inspection.update' : 'inspection.record', entity: 'inspection_run', entityId: run.id, contractId, before: old ? serializeRun(old) : null, after: run });
    const detection = await detect(ctx, t, actor, bundle, ['inspection']);
    return { ...run, detection };
  }, outer);
}

export async function listInspections(ctx: Ctx, actor: Actor, contractId: number, query: unknown) {
  const q = validate<{ limit: number; offset: number }>(pageSchema, query);
  await loadVisibleBundle(ctx, actor, contractId);
  const { rows, count } = await ctx.db.models.InspectionRun.findAndCountAll({ where: { contractId }, order: [['performedAt', 'ASC']], limit: q.limit, offset: q.offset, raw: true });
  return { total: count, items: (rows as unknown as InspectionRunRow[]).map(serializeRun) };
}

// ---- reports ------------------------------------------------------------------------------

const DEFAULT_DUE: Record<string, number> = { weekly: 1, monthly: 5, annual: 10, per_incident: 3 };
const reportPlanSchema = Joi.object({
  name: Joi.string().trim().min(1).max(200).required(),
  kind: Joi.string().valid('weekly', 'monthly', 'annual', 'per_incident').required(),
  dueWorkingDays: Joi.number().integer().min(0).max(60),
  eventKinds: Joi.array().items(Joi.string().valid('emergency', 'security_incident', 'release', 'vulnerability', 'supply_chain')).unique().default([]),
});

function serializeReportPlan(p: ReportPlanRow) {
  return { id: p.id, name: p.name, kind: p.kind, dueWorkingDays: p.dueWorkingDays, eventKinds: parseJson<string[]>(p.eventKinds, []), status: p.status };
}

export async function createReportPlan(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  await writable(ctx, actor, contractId);
  const input = validate<{ name: string; kind: ReportPlanRow['kind']; dueWorkingDays?: number; eventKinds: string[] }>(reportPlanSchema, body);
  if (input.kind === 'per_incident' && input.eventKinds.length === 0) throw invalidField('eventKinds', '事件报告需要指定触发的事件类型（如 emergency、security_incident）');
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const row = await ctx.db.models.ReportPlan.create({
      contractId, name: input.name, kind: input.kind, dueWorkingDays: input.dueWorkingDays ?? DEFAULT_DUE[input.kind],
      eventKinds: JSON.stringify(input.eventKinds), status: 'active',
    }, { transaction: t });
    const plan = serializeReportPlan(row.get({ plain: true }));
    await audit(ctx, t, actor, { action: 'report_plan.create', entity: 'report_plan', entityId: plan.id, contractId, after: plan });
    const detection = await detect(ctx, t, actor, bundle, ['report']);
    return { ...plan, detection };
  });
}

export async function listReportPlans(ctx: Ctx, actor: Actor, contractId: number) {
  await loadVisibleBundle(ctx, actor, contractId);
  const rows = (await ctx.db.models.ReportPlan.findAll({ where: { contractId }, order: [['id', 'ASC']], raw: true })) as unknown as ReportPlanRow[];
  return rows.map(serializeReportPlan);
}

export interface SubmissionInput {
  planId: number;
  covers: string;
  submittedAt: Date;
  title: string | null;
  externalId: string | null;
}

export const submissionSchema = Joi.object({
  planId: Joi.number().integer().min(1).required(),
  covers: Joi.string().trim().min(1).max(40).required(),
  submittedAt: instant().required(),
  title: Joi.string().trim().max(300).allow('', null),
  externalId: Joi.alternatives().try(Joi.string().trim().max(100), Joi.number()).custom((v) => String(v)).allow(null, ''),
});

/**
 * Normalises what a submission covers: weekly "W<Monday>" or any date of the week; monthly
 * "YYYY-MM" or a date; annual the contract year "Y1" or a date within it; per incident
 * "event:<id>". null if invalid.
 */
export function normaliseCovers(kind: ReportPlanRow['kind'], covers: string, contractStart?: string): string | null {
  const c = covers.trim();
  const realDate = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(new Date(`${d}T00:00:00Z`).getTime()) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
  const isDate = realDate(c);
  if (kind === 'per_incident') return /^event:\d+$/.test(c) ? c : null;
  if (kind === 'weekly') {
    const d = c.startsWith('W') ? c.slice(1) : c;
    if (!realDate(d)) return null;
    return reportSpans('weekly', d, d)[0].covers;
  }
  if (kind === 'monthly') return /^\d{4}-(0[1-9]|1[0-2])$/.test(c) ? c : isDate ? c.slice(0, 7) : null;
  // annual: the contract year, "Y1", or any date within it
  if (/^Y[1-9]\d?$/.test(c)) return c;
  if (!isDate || !contractStart || c < contractStart) return null;
  const years = reportSpans('annual', contractStart, c);
  return years[years.length - 1].covers;
}

function serializeSubmission(s: ReportSubmissionRow) {
  return { id: s.id, planId: s.planId, covers: s.covers, submittedAt: iso(s.submittedAt), title: s.title, externalId: s.externalId };
}

export function submissionRow(contractId: number, s: SubmissionInput) {
  return {
    contractId, planId: s.planId, covers: s.covers, submittedAt: s.submittedAt, title: s.title || null, externalId: s.externalId || null,
    contentHash: sha256([s.planId, s.covers, s.submittedAt.getTime(), s.title || null]),
  };
}

/** `outer`: run inside the caller's transaction (a vendor's submission being confirmed). */
export async function submitReport(ctx: Ctx, actor: Actor, contractId: number, body: unknown, outer?: Transaction) {
  await writable(ctx, actor, contractId);
  const input = validate<SubmissionInput>(submissionSchema, body);
  const plan = (await ctx.db.models.ReportPlan.findOne({ where: { id: input.planId, contractId }, raw: true })) as unknown as ReportPlanRow | null;
  if (!plan) throw invalidField('planId', `报告计划 ${input.planId} 不存在`);
  const covers = normaliseCovers(plan.kind, input.covers, (await loadVisibleBundle(ctx, actor, contractId)).contract.startDate);
  if (!covers) throw invalidField('covers', `「${input.covers}」不是${plan.kind === 'per_incident' ? '事件（event:编号）' : '该报告周期的有效写法'}`);
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const values = submissionRow(contractId, { ...input, covers });
    const old = values.externalId
      ? ((await ctx.db.models.ReportSubmission.findOne({ where: { contractId, externalId: values.externalId }, raw: true, transaction: t })) as unknown as ReportSubmissionRow | null)
      : null;
    let row: ReportSubmissionRow;
    if (old) {
      await ctx.db.models.ReportSubmission.update(values, { where: { id: old.id }, transaction: t });
      row = (await ctx.db.models.ReportSubmission.findByPk(old.id, { raw: true, transaction: t })) as unknown as ReportSubmissionRow;
    } else {
      row = (await ctx.db.models.ReportSubmission.create(values, { transaction: t })).get({ plain: true });
    }
    const sub = serializeSubmission(row);
    await audit(ctx, t, actor, { action: 'report.submit', entity: 'report_submission', entityId: sub.id, contractId, before: old ? serializeSubmission(old) : null, after: sub });
    const detection = await detect(ctx, t, actor, bundle, ['report']);
    return { ...sub, detection };
  }, outer);
}

export async function listReportSubmissions(ctx: Ctx, actor: Actor, contractId: number) {
  await loadVisibleBundle(ctx, actor, contractId);
  const rows = (await ctx.db.models.ReportSubmission.findAll({ where: { contractId }, order: [['submittedAt', 'ASC']], raw: true })) as unknown as ReportSubmissionRow[];
  return rows.map(serializeSubmission);
}

// ---- staffing -----------------------------------------------------------------------------

const positionsSchema = Joi.array().items(Joi.object({
  role: Joi.string().trim().min(1).max(100).required(),
  count: Joi.number().integer().min(1).max(1000).required(),
  qualifications: Joi.array().items(Joi.string().trim().min(1).max(100)).max(50).unique().default([]),
  toleranceWorkingDays: Joi.number().integer().min(1).max(120).default(10),
})).max(100).unique('role').required();

function serializePosition(p: PositionRow) {
  return { id: p.id, role: p.role, count: p.count, qualifications: parseJson<string[]>(p.qualifications, []), toleranceWorkingDays: p.toleranceWorkingDays };
}

/** Replaces the contract's required positions (岗位要求). */
export async function putPositions(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  await writable(ctx, actor, contractId);
  const input = validate<{ role: string; count: number; qualifications: string[]; toleranceWorkingDays: number }[]>(positionsSchema, body);
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const { Position } = ctx.db.models;
    const before = ((await Position.findAll({ where: { contractId }, raw: true, transaction: t })) as unknown as PositionRow[]).map(serializePosition);
    const keep = new Map(before.map((p) => [p.role, p]));
    for (const p of input) {
      const values = { contractId, role: p.role, count: p.count, qualifications: JSON.stringify(p.qualifications), toleranceWorkingDays: p.toleranceWorkingDays };
      const old = keep.get(p.role);
      if (old) await Position.update(values, { where: { id: old.id }, transaction: t });
      else await Position.create(values, { transaction: t });
      keep.delete(p.role);
    }
    if (keep.size) await Position.destroy({ where: { id: [...keep.values()].map((p) => p.id) }, transaction: t });
    const after = ((await Position.findAll({ where: { contractId }, order: [['id', 'ASC']], raw: true, transaction: t })) as unknown as PositionRow[]).map(serializePosition);
    await audit(ctx, t, actor, { action: 'positions.put', entity: 'position', contractId, before, after });
    const detection = await detect(ctx, t, actor, bundle, ['staffing']);
    return { positions: after, detection };
  });
}

export async function listPositions(ctx: Ctx, actor: Actor, contractId: number) {
  await loadVisibleBundle(ctx, actor, contractId);
  const rows = (await ctx.db.models.Position.findAll({ where: { contractId }, order: [['id', 'ASC']], raw: true })) as unknown as PositionRow[];
  return rows.map(serializePosition);
}

/** A roster entry as written: the detector's Person, keyed by the bureau's own id. */
export type PersonInput = Omit<Person, 'id'> & { externalId: string };

export const personSchema = Joi.object({
  externalId: Joi.alternatives().try(Joi.string().trim().min(1).max(100), Joi.number()).custom((v) => String(v)).required(),
  name: Joi.string().trim().min(1).max(100).required(),
  role: Joi.string().trim().min(1).max(100).required(),
  startDate: dateText().required(),
  endDate: dateText().allow(null),
  qualifications: Joi.array().items(Joi.string().trim().min(1).max(100)).max(50).unique().default([]),
  securityAgreement: Joi.boolean().required(),
  noCriminalRecord: Joi.boolean().required(),
  securityTrainingDate: dateText().allow(null),
});

export function personIssues(p: PersonInput): ErrorDetail[] {
  return p.endDate && p.endDate < p.startDate ? [{ path: 'endDate', message: '离岗日期不能早于到岗日期' }] : [];
}

export function personRow(contractId: number, p: PersonInput) {
  const values = {
    contractId, externalId: p.externalId, name: p.name, role: p.role, startDate: p.startDate, endDate: p.endDate ?? null,
    qualifications: JSON.stringify(p.qualifications), securityAgreement: p.securityAgreement, noCriminalRecord: p.noCriminalRecord,
    securityTrainingDate: p.securityTrainingDate ?? null,
  };
  return { ...values, contentHash: sha256(values) };
}

function serializePerson(p: PersonRow) {
  return {
    id: p.id, externalId: p.externalId, name: p.name, role: p.role, startDate: p.startDate, endDate: p.endDate,
    qualifications: parseJson<string[]>(p.qualifications, []), securityAgreement: !!p.securityAgreement, noCriminalRecord: !!p.noCriminalRecord,
    securityTrainingDate: p.securityTrainingDate,
  };
}

/** `outer`: run inside the caller's transaction (a vendor's submission being confirmed). */
export async function upsertPeople(ctx: Ctx, actor: Actor, contractId: number, body: unknown, outer?: Transaction) {
  await writable(ctx, actor, contractId);
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > 2000) throw badRequest('每次提交 1 到 2000 人', [{ path: '(body)', message: '数量超出范围' }]);
  const people: PersonInput[] = [];
  const details: ErrorDetail[] = [];
  list.forEach((raw, i) => {
    try {
      const p = validate<PersonInput>(personSchema, raw);
      details.push(...personIssues(p).map((d) => ({ path: `[${i}].${d.path}`, message: d.message })));
      people.push(p);
    } catch (e) {
      details.push(...((e as { details?: ErrorDetail[] }).details ?? []).map((d) => ({ path: `[${i}].${d.path}`, message: d.message })));
    }
  });
  if (details.length) throw badRequest(details[0].message, details);
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const counts = await writePeople(ctx, t, contractId, people);
    await audit(ctx, t, actor, { action: 'people.upsert', entity: 'person', contractId, after: { ...counts, people: people.map((p) => p.externalId) } });
    const detection = await detect(ctx, t, actor, bundle, ['staffing']);
    return { ...counts, detection };
  }, outer);
}

export async function writePeople(ctx: Ctx, t: Transaction, contractId: number, people: PersonInput[]) {
  const { Person } = ctx.db.models;
  const existing = new Map(((await Person.findAll({ where: { contractId }, attributes: ['id', 'externalId', 'contentHash'], raw: true, transaction: t })) as unknown as PersonRow[]).map((p) => [p.externalId, p]));
  let imported = 0;
  let updated = 0;
  let unchanged = 0;
  for (const p of people) {
    const values = personRow(contractId, p);
    const old = existing.get(p.externalId);
    if (!old) {
      await Person.create(values, { transaction: t });
      imported += 1;
    } else if (old.contentHash === values.contentHash) {
      unchanged += 1;
    } else {
      await Person.update(values, { where: { id: old.id }, transaction: t });
      updated += 1;
    }
  }
  return { imported, updated, unchanged };
}

export async function listPeople(ctx: Ctx, actor: Actor, contractId: number) {
  await loadVisibleBundle(ctx, actor, contractId);
  const rows = (await ctx.db.models.Person.findAll({ where: { contractId }, order: [['id', 'ASC']], raw: true })) as unknown as PersonRow[];
  return rows.map(serializePerson);
}

// ---- events -------------------------------------------------------------------------------

const EVENT_KINDS: EventKind[] = [
  'release', 'emergency', 'security_incident', 'vulnerability', 'vulnerability_report', 'supply_chain', 'turnover_disruption', 'onsite_planned', 'onsite_visit',
];

const detailsSchemas: Record<EventKind, Joi.ObjectSchema> = {
  release: Joi.object({
    plannedAt: instant().allow(null), completedAt: instant().allow(null), complete: Joi.boolean().default(true),
    postReleaseIssue: Joi.boolean().default(false), issueHandledInTime: Joi.boolean().default(true),
    newProblemCaused: Joi.boolean().default(false), newProblemResolvedInTime: Joi.boolean().default(true), note: Joi.string().max(2000).allow(''),
  }),
  emergency: Joi.object({
    limitMinutes: Joi.number().integer().min(1).max(525600).allow(null), handledAt: instant().allow(null),
    missingSteps: Joi.array().items(Joi.string().trim().min(1).max(200)).max(50).default([]), note: Joi.string().max(2000).allow(''),
  }),
  security_incident: Joi.object({ category: Joi.string().valid('incident', 'network_data').required(), note: Joi.string().max(2000).allow('') }),
  vulnerability: Joi.object({ identifier: Joi.string().trim().max(100).allow('', null), foundBy: Joi.string().trim().max(100).allow('', null), note: Joi.string().max(2000).allow('') }),
  vulnerability_report: Joi.object({ identifier: Joi.string().trim().min(1).max(100).required(), reason: Joi.string().trim().max(2000).required() }),
  supply_chain: Joi.object({ rule: Joi.string().valid('19a', '20a').required(), note: Joi.string().max(2000).allow('') }),
  turnover_disruption: Joi.object({ note: Joi.string().max(2000).allow('') }),
  onsite_planned: Joi.object({ dueDate: dateText().required(), persons: Joi.number().integer().min(1).max(1000).required() }),
  onsite_visit: Joi.object({ plannedId: Joi.number().integer().min(1), plannedRef: Joi.string().max(100), persons: Joi.number().integer().min(1).max(1000).required(), note: Joi.string().max(2000).allow('') }),
};

const eventSchema = Joi.object({
  kind: Joi.string().valid(...EVENT_KINDS).required(),
  occurredAt: instant().required(),
  title: Joi.string().trim().min(1).max(500).required(),
  system: Joi.string().trim().max(200).allow('', null),
  externalId: Joi.alternatives().try(Joi.string().trim().max(100), Joi.number()).custom((v) => String(v)).allow(null, ''),
  details: Joi.object().default({}),
});

function serializeEvent(e: EventRow) {
  const details = parseJson<Record<string, unknown>>(e.details, {});
  return {
    id: e.id, kind: e.kind, externalId: e.externalId, occurredAt: iso(e.occurredAt), system: e.system, title: e.title, details,
    status: e.status, withdrawnReason: e.withdrawnReason ?? null, recordedBy: e.recordedBy ?? null,
    suggestedPenaltyClause: suggestedPenaltyClause({ kind: e.kind as EventKind, details }),
  };
}

export async function recordEvent(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  await writable(ctx, actor, contractId);
  const input = validate<{ kind: EventKind; occurredAt: Date; title: string; system?: string | null; externalId?: string | null; details: object }>(eventSchema, body);
  let details: Record<string, unknown>;
  try {
    details = validate<Record<string, unknown>>(detailsSchemas[input.kind], input.details);
  } catch (e) {
    const err = e as { details?: ErrorDetail[] };
    const paths = (err.details ?? []).map((d) => ({ path: `details.${d.path}`, message: d.message }));
    throw badRequest(paths[0]?.message ?? '事件详情无效', paths);
  }
  if (input.kind === 'onsite_visit' && !details.plannedId && !details.plannedRef) {
    throw invalidField('details.plannedId', '现场服务记录需要关联计划（plannedId 或 plannedRef）');
  }
  if (input.kind === 'onsite_visit' && details.plannedId) {
    const planned = await ctx.db.models.Event.findOne({ where: { id: details.plannedId as number, contractId, kind: 'onsite_planned' } });
    if (!planned) throw invalidField('details.plannedId', `现场服务计划 ${details.plannedId} 不存在`);
  }
  for (const k of ['plannedAt', 'completedAt', 'handledAt']) {
    if (details[k] instanceof Date) details[k] = (details[k] as Date).toISOString();
  }
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const row = await ctx.db.models.Event.create({
      contractId, kind: input.kind, occurredAt: input.occurredAt, title: input.title, system: input.system || null,
      externalId: input.externalId || null, details: JSON.stringify(details), recordedBy: actor.id || null, status: 'active',
    }, { transaction: t });
    const event = serializeEvent(row.get({ plain: true }));
    await audit(ctx, t, actor, { action: 'event.record', entity: 'event', entityId: event.id, contractId, after: event });
    const detection = await detect(ctx, t, actor, bundle, ['event', 'report']);
    return { ...event, detection };
  });
}

export async function withdrawEvent(ctx: Ctx, actor: Actor, contractId: number, eventId: number, body: unknown) {
  await writable(ctx, actor, contractId);
  const { reason } = validate<{ reason: string }>(Joi.object({ reason: Joi.string().trim().min(1).max(2000).required() }), body);
  return writeTx(ctx, actor, contractId, async (t, bundle) => {
    const old = (await ctx.db.models.Event.findOne({ where: { id: eventId, contractId }, raw: true, transaction: t })) as unknown as EventRow | null;
    if (!old) throw notFound('事件不存在');
    if (old.status !== 'active') throw conflict('该事件已撤销');
    await ctx.db.models.Event.update({ status: 'withdrawn', withdrawnReason: reason }, { where: { id: eventId }, transaction: t });
    const row = (await ctx.db.models.Event.findByPk(eventId, { raw: true, transaction: t })) as unknown as EventRow;
    await audit(ctx, t, actor, { action: 'event.withdraw', entity: 'event', entityId: eventId, contractId, before: serializeEvent(old), after: serializeEvent(row) });
    const detection = await detect(ctx, t, actor, bundle, ['event', 'report']);
    return { ...serializeEvent(row), detection };
  });
}

export async function listEvents(ctx: Ctx, actor: Actor, contractId: number, query: unknown) {
  const q = validate<{ kind?: string }>(Joi.object({ kind: Joi.string().valid(...EVENT_KINDS) }), query);
  await loadVisibleBundle(ctx, actor, contractId);
  const where: Record<string, unknown> = { contractId };
  if (q.kind) where.kind = q.kind;
  const rows = (await ctx.db.models.Event.findAll({ where, order: [['occurredAt', 'ASC']], raw: true })) as unknown as EventRow[];
  return rows.map(serializeEvent);
}

// ---- detection ----------------------------------------------------------------------------

const toInspectionPlan = (p: InspectionPlanRow): InspectionPlan => ({ ...serializePlan(p) });
const toInspectionRun = (r: InspectionRunRow): InspectionRun => ({
  id: r.id, planId: r.planId, performedAt: new Date(r.performedAt), performer: r.performer, itemsChecked: parseJson<string[]>(r.itemsChecked, []),
  findings: parseJson<{ description: string; handledAt: string | null }[]>(r.findings, []).map((f) => ({ description: f.description, handledAt: f.handledAt ? new Date(f.handledAt) : null })),
});
const toReportPlan = (p: ReportPlanRow): ReportPlan => ({ id: p.id, name: p.name, kind: p.kind, dueWorkingDays: p.dueWorkingDays, eventKinds: parseJson<string[]>(p.eventKinds, []) });
const toReportSubmission = (s: ReportSubmissionRow): ReportSubmission => ({ id: s.id, planId: s.planId, covers: s.covers, submittedAt: new Date(s.submittedAt) });

/** Reports and inspections due around today (two weeks back and ahead), with their state. */
export async function listObligations(ctx: Ctx, actor: Actor, contractId: number, at: Date = new Date()) {
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const m = ctx.db.models;
  const [rPlans, subs, iPlans, runs] = await Promise.all([
    m.ReportPlan.findAll({ where: { contractId, status: 'active' }, raw: true }) as unknown as Promise<ReportPlanRow[]>,
    m.ReportSubmission.findAll({ where: { contractId }, raw: true }) as unknown as Promise<ReportSubmissionRow[]>,
    m.InspectionPlan.findAll({ where: { contractId, status: 'active' }, raw: true }) as unknown as Promise<InspectionPlanRow[]>,
    m.InspectionRun.findAll({ where: { contractId, performedAt: { [Op.gte]: new Date(at.getTime() - 100 * 86400_000) } }, raw: true }) as unknown as Promise<InspectionRunRow[]>,
  ]);
  const clock = localClock(await contractCalendar(ctx, bundle.contract));
  return obligations(
    {
      contractStart: bundle.contract.startDate, contractEnd: bundle.contract.endDate,
      reportPlans: rPlans.map(toReportPlan), submissions: subs.map(toReportSubmission),
      inspectionPlans: iPlans.map(toInspectionPlan), runs: runs.map(toInspectionRun),
    },
    clock,
    at,
  );
}

export const ALL_SOURCES: DetectionSource[] = ['sla', 'inspection', 'report', 'staffing', 'event'];

/**
 * Re-runs detectors for a contract inside the caller's transaction. `ticketExternalIds` limits the SLA
 * detector to those tickets (a change to some tickets re-examines only their lines).
 */
export async function detect(
  ctx: Ctx,
  t: Transaction,
  actor: Actor,
  bundle: ContractBundle,
  sources: DetectionSource[],
  opts: { now?: Date; ticketExternalIds?: string[] } = {},
): Promise<Partial<Record<DetectionSource, DetectionSummary>>> {
  const now = opts.now ?? new Date();
  const contractId = bundle.contract.id;
  // callers took it first in their transaction; here it only guards against one that did not
  await lockContractWork(ctx, t, contractId);
  const periods = periodSpans(bundle);
  const m = ctx.db.models;
  const out: Partial<Record<DetectionSource, DetectionSummary>> = {};
  const policy = await loadPolicy(ctx, contractId, t);
  const calendars = new Map<string, CompiledCalendar>();
  const calendar = async (hours: readonly WorkingInterval[]) => {
    const key = JSON.stringify(hours);
    let cal = calendars.get(key);
    if (!cal) calendars.set(key, (cal = await loadCalendar(ctx, bundle.contract.timeZone, hours, t)));
    return cal;
  };
  const hours = policy?.workingHours ?? DEFAULT_WORKING_HOURS;
  // Events feed the event detector and per-incident reports only.
  const needEvents = sources.includes('event') || sources.includes('report');
  const events = (needEvents ? ((await m.Event.findAll({ where: { contractId, status: 'active' }, raw: true, transaction: t })) as unknown as EventRow[]) : []).map(
    (e): EvidenceEvent => ({ id: e.id, kind: e.kind as EventKind, externalId: e.externalId, occurredAt: new Date(e.occurredAt), title: e.title, details: parseJson(e.details, {}) }),
  );
  for (const source of sources) {
    let proposed: ProposedLine[] = [];
    let keys: string[] | undefined;
    const clock = localClock(await calendar(hours));
    if (source === 'sla') {
      if (!policy) continue;
      const only = opts.ticketExternalIds ? new Set(opts.ticketExternalIds) : null;
      if (only && only.size === 0) continue;
      const cal = await calendar(policy.workingHours);
      const detectionPolicy = policyForDetection(policy);
      const examined: string[] = [];
      // Page through the tickets so 100,000 of them never sit in memory at once.
      const PAGE = 5000;
      let lastId = 0;
      for (;;) {
        const where: Record<string | symbol, unknown> = { contractId, id: { [Op.gt]: lastId } };
        if (only && only.size <= 1000) where.externalId = { [Op.in]: [...only] };
        const rows = (await m.Ticket.findAll({
          where,
          attributes: ['id', 'externalId', 'type', 'severity', 'system', 'openedAt', 'respondedAt', 'resolvedAt', 'pauses'],
          order: [['id', 'ASC']],
          limit: PAGE,
          raw: true,
          transaction: t,
        })) as unknown as TicketRow[];
        if (rows.length === 0) break;
        lastId = rows[rows.length - 1].id;
        const page = (only ? rows.filter((r) => only.has(r.externalId)) : rows).map(ticketRecord);
        for (const tk of page) examined.push(ticketKey(tk.externalId));
        proposed.push(...detectSlaBreaches(page, detectionPolicy, cal, periods, now));
        if (rows.length < PAGE) break;
      }
      if (only) keys = examined;
    } else if (source === 'inspection') {
      const plans = (await m.InspectionPlan.findAll({ where: { contractId, status: 'active' }, raw: true, transaction: t })) as unknown as InspectionPlanRow[];
      const runs = (await m.InspectionRun.findAll({ where: { contractId }, raw: true, transaction: t })) as unknown as InspectionRunRow[];
      proposed = detectInspections(plans.map(toInspectionPlan), runs.map(toInspectionRun), periods, clock, now);
    } else if (source === 'report') {
      const plans = (await m.ReportPlan.findAll({ where: { contractId, status: 'active' }, raw: true, transaction: t })) as unknown as ReportPlanRow[];
      const subs = (await m.ReportSubmission.findAll({ where: { contractId }, raw: true, transaction: t })) as unknown as ReportSubmissionRow[];
      proposed = detectReports(
        plans.map(toReportPlan),
        subs.map(toReportSubmission),
        events.map((e) => ({ id: e.id, kind: e.kind, title: e.title, occurredAt: e.occurredAt })),
        periods, clock, now,
      );
    } else if (source === 'staffing') {
      const positions = (await m.Position.findAll({ where: { contractId }, raw: true, transaction: t })) as unknown as PositionRow[];
      const people = (await m.Person.findAll({ where: { contractId }, raw: true, transaction: t })) as unknown as PersonRow[];
      proposed = detectStaffing(positions.map(serializePosition), people.map(serializePerson), periods, clock, now);
    } else {
      proposed = detectEvents(events, periods, clock, now);
    }
    out[source] = await applyDetection(ctx, t, actor, bundle, source, proposed, keys);
  }
  return out;
}

/** Re-runs every detector for a contract (evidence does not change, but time passes). */
export async function detectAll(ctx: Ctx, actor: Actor, contractId: number) {
  return writeTx(ctx, actor, contractId, async (t, bundle) => ({ detection: await detect(ctx, t, actor, bundle, ALL_SOURCES) }));
}

/** What re-detecting every contract did: how many, and those whose computation failed. */
export interface Redetection {
  contracts: number;
  failed: { contractId: number; message: string }[];
}

/**
 * A change of the working calendar (`write`) and the re-detection of every contract it calls
 * for (SLA deadlines and working days moved), as ONE transaction: a crash half-way leaves
 * neither the calendar nor any contract's ledger changed, and no reader ever sees the new
 * calendar with ledgers computed on the old one. Each contract is detected in a savepoint: one
 * whose computation fails (e.g. a year still missing) is rolled back alone and reported, the
 * others and the calendar change go through. On PostgreSQL every contract's evidence lock is
 * taken first, in id order, before anything is written (see contracts.lockContractWork).
 */
export async function withRedetection(ctx: Ctx, actor: Actor, write: (t: Transaction) => Promise<void>): Promise<Redetection> {
  requireRole(actor, 'admin');
  return ctx.db.sequelize.transaction(async (t) => {
    const ids = ((await ctx.db.models.Contract.findAll({ attributes: ['id'], order: [['id', 'ASC']], raw: true, transaction: t })) as unknown as { id: number }[]).map((c) => c.id);
    for (const id of ids) await lockContractWork(ctx, t, id);
    await write(t);
    const failed: Redetection['failed'] = [];
    for (const id of ids) {
      try {
        await ctx.db.sequelize.transaction({ transaction: t }, async (sp) => detect(ctx, sp, actor, await loadVisibleBundle(ctx, actor, id, sp), ALL_SOURCES));
      } catch (e) {
        failed.push({ contractId: id, message: e instanceof Error ? e.message : String(e) });
      }
    }
    return { contracts: ids.length, failed };
  });
}

/** Re-runs every detector of every contract (one transaction; see withRedetection). */
export async function detectEveryContract(ctx: Ctx, actor: Actor): Promise<Redetection> {
  return withRedetection(ctx, actor, async () => undefined);
}
