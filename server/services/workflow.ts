// The quarterly sign-off workflow (RULES.md §3): draft → published to the vendor → the
// vendor objects to single lines within the objection window (working days on the contract
// calendar) → the manager upholds, reduces or withdraws each → signed by the bureau (which
// locks the period). An admin may reopen a signed period with a reason after seeing what
// reopening changes. Interviews (约谈) for quarters below the threshold, and the contract's
// termination right (可提前终止合同). The API and the pages both call these functions.
import { Transaction } from 'sequelize';
import { InterviewRow, LedgerLineRow, ObjectionRow, PeriodRow } from '../../models';
import { formatPoints } from '../../scoring/decimal';
import { ApiError, conflict, invalidField, notFound } from '../errors';
import { dateText, decimalText, Joi, validate } from '../validate';
import { Actor, audit, Ctx, iso, now, requireRole } from './context';
import { ContractBundle, loadBundle, loadVisibleBundle, lockContractWork, serializeContract, serializePeriod } from './contracts';
import { contractCalendar } from './calendar';
import { ALL_SOURCES, detect } from './evidence';
import { formatUnits, reduceLineInTx, serializeLine, withdrawLineInTx } from './ledger';
import { getPayments, getScorecard, periodDeductions } from './assessment';
import { filesOf, notifyManager, notifyVendorUsers } from './inbox';

function findPeriod(bundle: ContractBundle, n: number): PeriodRow {
  const period = bundle.periods.find((p) => p.number === n);
  if (!period) throw notFound(`考核期 ${n} 不存在`);
  return period;
}

/**
 * Periods of the contract, locked for update in number order on PostgreSQL (the order every
 * writer uses), after the contract's evidence lock (these transactions run detection).
 */
async function lockPeriods(ctx: Ctx, t: Transaction, contractId: number): Promise<void> {
  if (ctx.db.dialect === 'postgres') {
    await lockContractWork(ctx, t, contractId);
    await ctx.db.models.Period.findAll({ where: { contractId }, order: [['number', 'ASC']], lock: t.LOCK.UPDATE, transaction: t });
  }
}

async function reloadPeriod(ctx: Ctx, t: Transaction, id: number): Promise<PeriodRow> {
  return (await ctx.db.models.Period.findByPk(id, { raw: true, transaction: t })) as unknown as PeriodRow;
}

/** The `days`-th working day after `date` (local dates on the contract calendar). */
async function workingDaysAfter(ctx: Ctx, bundle: ContractBundle, date: string, days: number, t?: Transaction): Promise<string> {
  const cal = await contractCalendar(ctx, bundle.contract, undefined, t);
  const d = new Date(`${date}T00:00:00Z`);
  for (let found = 0; found < days; ) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (cal.isWorkingDay(d.toISOString().slice(0, 10))) found++;
  }
  return d.toISOString().slice(0, 10);
}

async function localToday(ctx: Ctx, bundle: ContractBundle): Promise<string> {
  const cal = await contractCalendar(ctx, bundle.contract);
  return cal.localDate(now(ctx).getTime());
}

export function serializeObjection(o: ObjectionRow, line?: LedgerLineRow | null) {
  return {
    id: o.id,
    contractId: o.contractId,
    period: o.periodNumber,
    lineId: o.lineId,
    line: line ? serializeLine(line) : undefined,
    reason: o.reason,
    attachments: JSON.parse(o.attachments) as number[],
    status: o.status,
    filedBy: o.filedBy,
    filedAt: iso(o.createdAt),
    decision: o.decision ?? null,
    resolutionReason: o.resolutionReason ?? null,
    resolvedBy: o.resolvedBy ?? null,
    resolvedAt: iso(o.resolvedAt),
    originalUnits: formatUnits(o.originalUnits),
    resolvedUnits: o.resolvedUnits === null || o.resolvedUnits === undefined ? null : formatUnits(o.resolvedUnits),
    replacementLineId: o.replacementLineId ?? null,
    version: o.version ?? 0,
  };
}

// ---- publish / acknowledge / sign / reopen ---------------------------------------------

/**
 * The manager publishes a period's scorecard to the vendor. Detection runs first so the
 * vendor sees every line the evidence gives; the objection window starts today. Publishing
 * again (after lines changed) restarts the window and notifies the vendor again.
 */
export async function publishPeriod(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number) {
  requireRole(actor, 'admin', 'manager');
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  findPeriod(bundle, periodNumber);
  const today = await localToday(ctx, bundle);
  const deadline = await workingDaysAfter(ctx, bundle, today, bundle.contract.objectionWindowDays);
  const { Period } = ctx.db.models;
  const row = await ctx.db.sequelize.transaction(async (t) => {
    await lockPeriods(ctx, t, contractId);
    const fresh = await loadVisibleBundle(ctx, actor, contractId, t);
    const period = findPeriod(fresh, periodNumber);
    if (!['draft', 'published'].includes(period.status)) throw conflict(`考核期 ${periodNumber} 已签署，不能再发布`);
    await detect(ctx, t, actor, fresh, ALL_SOURCES);
    const [n] = await Period.update(
      {
        status: 'published', publishedAt: now(ctx), publishedBy: actor.id || null, objectionDeadline: deadline,
        acknowledgedAt: null, acknowledgedBy: null, version: period.version + 1,
      },
      { where: { id: period.id, version: period.version }, transaction: t },
    );
    if (n !== 1) throw conflict('考核期已被他人修改，请刷新后重试');
    const after = await reloadPeriod(ctx, t, period.id);
    await audit(ctx, t, actor, { action: 'period.publish', entity: 'period', entityId: period.id, contractId, before: serializePeriod(period), after: serializePeriod(after) });
    await notifyVendorUsers(ctx, t, fresh.contract.vendorId, {
      contractId,
      kind: 'period.published',
      message: `${fresh.contract.name}「${period.label}」的考核评分已发布，如有异议请于 ${deadline} 前提出`,
      link: `/contracts/${contractId}/periods/${periodNumber}`,
    });
    return after;
  });
  return serializePeriod(row);
}

/** The vendor confirms it has no (further) objection to a published period. */
export async function acknowledgePeriod(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number) {
  requireRole(actor, 'vendor');
  const { Period } = ctx.db.models;
  const row = await ctx.db.sequelize.transaction(async (t) => {
    await lockPeriods(ctx, t, contractId);
    const bundle = await loadVisibleBundle(ctx, actor, contractId, t);
    const period = findPeriod(bundle, periodNumber);
    if (period.status === 'draft') throw notFound(`考核期 ${periodNumber} 的评分尚未发布`);
    if (period.status !== 'published') throw conflict(`考核期 ${periodNumber} 不在待确认状态`);
    if (period.acknowledgedAt) throw conflict('已确认过本期评分');
    const open = await ctx.db.models.Objection.count({ where: { contractId, periodNumber, status: 'open' }, transaction: t });
    if (open) throw conflict(`本期还有 ${open} 条异议未处理，处理完毕后再确认`);
    await Period.update(
      { acknowledgedAt: now(ctx), acknowledgedBy: actor.id || null, version: period.version + 1 },
      { where: { id: period.id, version: period.version }, transaction: t },
    );
    const after = await reloadPeriod(ctx, t, period.id);
    await audit(ctx, t, actor, { action: 'period.acknowledge', entity: 'period', entityId: period.id, contractId, before: serializePeriod(period), after: serializePeriod(after) });
    await notifyManager(ctx, t, bundle, {
      kind: 'period.acknowledged',
      message: `${bundle.vendor.name} 已确认「${period.label}」评分无异议`,
      link: `/contracts/${contractId}/periods/${periodNumber}`,
    });
    return after;
  });
  return serializePeriod(row);
}

const signSchema = Joi.object({ confirmEarly: Joi.boolean().default(false) });

/**
 * The bureau signs a published period: no objection may be open, and while the objection
 * window runs the vendor must have acknowledged the scorecard, or the signer confirms signing
 * early (confirmEarly). Signing re-runs detection first, then locks the period for good.
 */
export async function signPeriod(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number, body: unknown = {}) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{ confirmEarly: boolean }>(signSchema, body ?? {});
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  findPeriod(bundle, periodNumber);
  const today = await localToday(ctx, bundle);
  const { Period } = ctx.db.models;
  const signed = await ctx.db.sequelize.transaction(async (t) => {
    // All of the contract's periods, in number order: two signers queue here instead of
    // deadlocking; the second finds the period signed (409).
    await lockPeriods(ctx, t, contractId);
    const fresh = await loadVisibleBundle(ctx, actor, contractId, t);
    const period = findPeriod(fresh, periodNumber);
    if (period.status === 'signed' || period.status === 'locked') throw conflict(`考核期 ${periodNumber} 已签署或已锁定`);
    if (period.status !== 'published') {
      throw new ApiError(409, 'not_published', `考核期 ${periodNumber} 尚未发布给服务商确认，不能签署`, [{ path: 'period', message: '请先发布' }]);
    }
    const open = await ctx.db.models.Objection.count({ where: { contractId, periodNumber, status: 'open' }, transaction: t });
    if (open) {
      throw new ApiError(409, 'objections_open', `本期还有 ${open} 条服务商异议未处理，不能签署`, [{ path: 'objections', message: `${open} 条未处理` }]);
    }
    const windowOpen = !!period.objectionDeadline && today <= period.objectionDeadline && !period.acknowledgedAt;
    if (windowOpen && !input.confirmEarly) {
      throw new ApiError(
        409,
        'objection_window_open',
        `异议期至 ${period.objectionDeadline} 止，服务商尚未确认；如需提前签署请确认（confirmEarly）`,
        [{ path: 'confirmEarly', message: '异议期未届满' }],
      );
    }
    // The evidence is examined once more before the period is frozen.
    await detect(ctx, t, actor, fresh, ALL_SOURCES);
    const [n] = await Period.update(
      { status: 'signed', signedBy: actor.id || null, signedAt: now(ctx), version: period.version + 1 },
      { where: { id: period.id, status: 'published' }, transaction: t },
    );
    if (n !== 1) throw conflict(`考核期 ${periodNumber} 已签署或已锁定`);
    const row = await reloadPeriod(ctx, t, period.id);
    await audit(ctx, t, actor, {
      action: 'period.sign',
      entity: 'period',
      entityId: period.id,
      contractId,
      before: serializePeriod(period),
      after: { ...serializePeriod(row), signedEarly: windowOpen },
    });
    await notifyVendorUsers(ctx, t, fresh.contract.vendorId, {
      contractId,
      kind: 'period.signed',
      message: `${fresh.contract.name}「${period.label}」的考核结果已由局方签署`,
      link: `/contracts/${contractId}/periods/${periodNumber}`,
    });
    return row;
  });
  return serializePeriod(signed);
}

const reopenSchema = Joi.object({ reason: Joi.string().trim().min(1).max(4000).required() });

class DryRun extends Error {
  constructor(readonly result: unknown) {
    super('dry run');
  }
}

/** Reopens inside `t`: the period goes back to draft and detection runs with it open. */
async function reopenInTx(ctx: Ctx, t: Transaction, actor: Actor, contractId: number, periodNumber: number) {
  await lockPeriods(ctx, t, contractId);
  const bundle = await loadBundle(ctx, contractId, t);
  const period = findPeriod(bundle, periodNumber);
  if (period.status !== 'signed' && period.status !== 'locked') throw conflict(`考核期 ${periodNumber} 未签署，无需重新开启`);
  const paid = bundle.installments.filter((i) => i.paymentStatus === 'paid' && (JSON.parse(i.periods) as number[]).includes(periodNumber));
  if (paid.length) {
    throw conflict(`「${paid.map((i) => i.name).join('、')}」已按本期结果支付，不能重新开启；请在后续考核期记录调整`, [{ path: 'period', message: '关联款项已支付' }]);
  }
  const [n] = await ctx.db.models.Period.update(
    {
      status: 'draft', signedAt: null, signedBy: null, publishedAt: null, publishedBy: null, objectionDeadline: null,
      acknowledgedAt: null, acknowledgedBy: null, version: period.version + 1,
    },
    { where: { id: period.id, version: period.version }, transaction: t },
  );
  if (n !== 1) throw conflict('考核期已被他人修改，请刷新后重试');
  const detection = await detect(ctx, t, actor, await loadBundle(ctx, contractId, t), ALL_SOURCES);
  return { period, after: await reloadPeriod(ctx, t, period.id), detection };
}

async function standingFigures(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number, t?: Transaction) {
  const [scorecard, payments] = await Promise.all([
    getScorecard(ctx, actor, contractId, periodNumber, t),
    getPayments(ctx, actor, contractId, t),
  ]);
  return {
    score: scorecard.score,
    totalDeduction: scorecard.totalDeduction,
    periods: payments.periods.map((p) => ({ number: p.number, score: p.score })),
    installments: payments.installments.map((i) => ({ number: i.number, name: i.name, payable: i.payable })),
    payableTotal: payments.totals.payable as string, // an admin: never withheld
  };
}

/**
 * What reopening a signed period would change, computed by doing it in a transaction that is
 * rolled back: the score and payable before and after (late evidence held as adjustments in
 * later periods moves back into the reopened one).
 */
export async function reopenPreview(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number) {
  requireRole(actor, 'admin');
  await loadVisibleBundle(ctx, actor, contractId);
  const before = await standingFigures(ctx, actor, contractId, periodNumber);
  let after: Awaited<ReturnType<typeof standingFigures>>;
  try {
    await ctx.db.sequelize.transaction(async (t) => {
      await reopenInTx(ctx, t, actor, contractId, periodNumber);
      throw new DryRun(await standingFigures(ctx, actor, contractId, periodNumber, t));
    });
    throw new Error('unreachable');
  } catch (e) {
    if (!(e instanceof DryRun)) throw e;
    after = e.result as typeof before;
  }
  return { period: periodNumber, before, after, payableDifference: yuanDifference(after.payableTotal, before.payableTotal) };
}

function yuanDifference(a: string, b: string): string {
  const fen = (s: string) => BigInt(s.replace('.', ''));
  const d = fen(a) - fen(b);
  const abs = d < 0n ? -d : d;
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return d < 0n ? `-${text}` : text;
}

export async function reopenPeriod(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number, body: unknown) {
  requireRole(actor, 'admin');
  const { reason } = validate<{ reason: string }>(reopenSchema, body);
  await loadVisibleBundle(ctx, actor, contractId);
  const before = await standingFigures(ctx, actor, contractId, periodNumber);
  const result = await ctx.db.sequelize.transaction(async (t) => {
    const r = await reopenInTx(ctx, t, actor, contractId, periodNumber);
    const after = await standingFigures(ctx, actor, contractId, periodNumber, t);
    await audit(ctx, t, actor, {
      action: 'period.reopen',
      entity: 'period',
      entityId: r.period.id,
      contractId,
      before: { ...serializePeriod(r.period), figures: before },
      after: { ...serializePeriod(r.after), figures: after, reason },
    });
    const bundle = await loadBundle(ctx, contractId, t);
    await notifyVendorUsers(ctx, t, bundle.contract.vendorId, {
      contractId,
      kind: 'period.reopened',
      message: `${bundle.contract.name}「${r.period.label}」已由管理员重新开启：${reason}`,
      link: `/contracts/${contractId}/periods/${periodNumber}`,
    });
    await notifyManager(ctx, t, bundle, {
      kind: 'period.reopened',
      message: `「${r.period.label}」已重新开启：${reason}。请核对后重新发布、签署`,
      link: `/contracts/${contractId}/periods/${periodNumber}`,
    });
    return { period: serializePeriod(r.after), after };
  });
  return { ...result.period, reason, before, after: result.after, payableDifference: yuanDifference(result.after.payableTotal, before.payableTotal) };
}

// ---- objections --------------------------------------------------------------------------

const objectionSchema = Joi.object({
  reason: Joi.string().trim().min(1).max(4000).required(),
  attachments: Joi.array().items(Joi.number().integer().min(1)).max(20).unique().default([]),
});

/** The vendor objects to one line of a published period, within the window. */
export async function fileObjection(ctx: Ctx, actor: Actor, contractId: number, lineId: number, body: unknown) {
  requireRole(actor, 'vendor');
  const input = validate<{ reason: string; attachments: number[] }>(objectionSchema, body);
  const bundle0 = await loadVisibleBundle(ctx, actor, contractId);
  const today = await localToday(ctx, bundle0);
  const { LedgerLine, Objection } = ctx.db.models;
  const row = await ctx.db.sequelize.transaction(async (t) => {
    await lockPeriods(ctx, t, contractId);
    const bundle = await loadVisibleBundle(ctx, actor, contractId, t);
    const line = (await LedgerLine.findOne({ where: { id: lineId, contractId }, raw: true, transaction: t })) as unknown as LedgerLineRow | null;
    if (!line) throw notFound('扣分记录不存在');
    const period = findPeriod(bundle, line.periodNumber);
    if (period.status === 'draft') throw notFound('扣分记录不存在');
    if (period.status !== 'published') throw conflict(`考核期 ${period.number} 已签署，不能再提出异议`);
    if (line.status !== 'active') throw conflict('该扣分记录已撤销，无需提出异议');
    if (line.source === 'objection') throw conflict('该记录是异议处理的结果，不能再次提出异议');
    if (period.acknowledgedAt) throw conflict('贵方已确认本期评分无异议');
    if (period.objectionDeadline && today > period.objectionDeadline) {
      throw new ApiError(409, 'objection_window_closed', `异议期已于 ${period.objectionDeadline} 结束`, [{ path: 'lineId', message: '异议期已过' }]);
    }
    const earlier = (await Objection.findOne({ where: { lineId }, raw: true, transaction: t })) as unknown as ObjectionRow | null;
    if (earlier) throw conflict(earlier.status === 'open' ? '已对该扣分记录提出异议，等待处理' : '已对该扣分记录提出过异议并已处理');
    const files = await filesOf(ctx, contractId, input.attachments, t);
    if (files.length !== input.attachments.length) throw invalidField('attachments', '附件不存在或不属于本合同');
    const created = (await Objection.create(
      {
        contractId, periodNumber: line.periodNumber, lineId, reason: input.reason, attachments: JSON.stringify(input.attachments),
        status: 'open', filedBy: actor.id || null, originalUnits: Number(line.units),
      },
      { transaction: t },
    )).get({ plain: true }) as ObjectionRow;
    const out = serializeObjection(created, line);
    await audit(ctx, t, actor, { action: 'objection.file', entity: 'objection', entityId: created.id, contractId, after: out });
    await notifyManager(ctx, t, bundle, {
      kind: 'objection.filed',
      message: `${bundle.vendor.name} 对「${period.label}」第 ${line.itemNumber} 项扣分提出异议：${input.reason.slice(0, 60)}`,
      link: `/contracts/${contractId}/periods/${line.periodNumber}#line-${lineId}`,
    });
    return out;
  });
  return row;
}

const resolveSchema = Joi.object({
  decision: Joi.string().valid('uphold', 'reduce', 'withdraw').required(),
  units: Joi.alternatives().try(decimalText(2), Joi.number().positive()).when('decision', { is: 'reduce', then: Joi.required() }),
  reason: Joi.string().trim().min(1).max(4000).required(),
  version: Joi.number().integer().min(0),
});

const OUTCOME: Record<string, ObjectionRow['status']> = { uphold: 'upheld', reduce: 'reduced', withdraw: 'withdrawn' };

/** The manager decides an objection: uphold the line, reduce its units, or withdraw it. */
export async function resolveObjection(ctx: Ctx, actor: Actor, objectionId: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{ decision: 'uphold' | 'reduce' | 'withdraw'; units?: string | number; reason: string; version?: number }>(resolveSchema, body);
  const { LedgerLine, Objection } = ctx.db.models;
  const first = (await Objection.findByPk(objectionId, { raw: true })) as unknown as ObjectionRow | null;
  if (!first) throw notFound('异议不存在');
  await loadVisibleBundle(ctx, actor, first.contractId);
  let unitsH: number | null = null;
  if (input.decision === 'reduce') {
    const text = String(input.units);
    if (!/^\d+(\.\d{1,2})?$/.test(text)) throw invalidField('units', '核减后的数量必须是正数，最多两位小数');
    unitsH = Math.round(Number(text) * 100);
  }
  return ctx.db.sequelize.transaction(async (t) => {
    await lockPeriods(ctx, t, first.contractId);
    const bundle = await loadBundle(ctx, first.contractId, t);
    const o = (await Objection.findByPk(objectionId, { raw: true, transaction: t })) as unknown as ObjectionRow;
    if (o.status !== 'open') throw conflict('该异议已处理');
    if (input.version !== undefined && input.version !== o.version) throw conflict('该异议已被他人修改，请刷新后重试');
    const period = findPeriod(bundle, o.periodNumber);
    if (period.status !== 'published') throw conflict(`考核期 ${o.periodNumber} 已签署，异议不能再处理`);
    const line = (await LedgerLine.findByPk(o.lineId, { raw: true, transaction: t })) as unknown as LedgerLineRow;
    let replacement: LedgerLineRow | null = null;
    if (input.decision !== 'uphold' && line.status !== 'active') {
      throw conflict('该扣分记录已不再有效（可能已被重新检测更新），请维持原判并说明');
    }
    if (input.decision === 'withdraw') {
      await withdrawLineInTx(ctx, t, actor, line, `异议成立，撤销：${input.reason}`);
    } else if (input.decision === 'reduce') {
      replacement = await reduceLineInTx(ctx, t, actor, line, unitsH as number, input.reason);
    }
    const [n] = await Objection.update(
      {
        status: OUTCOME[input.decision], decision: input.decision, resolutionReason: input.reason, resolvedBy: actor.id || null,
        resolvedAt: now(ctx), resolvedUnits: replacement ? Number(replacement.units) : input.decision === 'withdraw' ? 0 : Number(line.units),
        replacementLineId: replacement?.id ?? null, version: o.version + 1,
      },
      { where: { id: o.id, version: o.version, status: 'open' }, transaction: t },
    );
    if (n !== 1) throw conflict('该异议已被他人处理');
    const after = (await Objection.findByPk(o.id, { raw: true, transaction: t })) as unknown as ObjectionRow;
    const lineNow = (await LedgerLine.findByPk(o.lineId, { raw: true, transaction: t })) as unknown as LedgerLineRow;
    const out = serializeObjection(after, lineNow);
    await audit(ctx, t, actor, { action: 'objection.resolve', entity: 'objection', entityId: o.id, contractId: o.contractId, before: serializeObjection(o), after: out });
    const words = { uphold: '维持原扣分', reduce: `核减为 ${out.resolvedUnits}`, withdraw: '撤销该扣分' }[input.decision];
    await notifyVendorUsers(ctx, t, bundle.contract.vendorId, {
      contractId: o.contractId,
      kind: 'objection.resolved',
      message: `您对「${period.label}」第 ${line.itemNumber} 项的异议已处理：${words}（${input.reason.slice(0, 60)}）`,
      link: `/contracts/${o.contractId}/periods/${o.periodNumber}#line-${o.lineId}`,
    });
    return out;
  });
}

const objectionListSchema = Joi.object({
  period: Joi.number().integer().min(1),
  status: Joi.string().valid('open', 'upheld', 'reduced', 'withdrawn'),
});

export async function listObjections(ctx: Ctx, actor: Actor, contractId: number, query: unknown = {}) {
  const q = validate<{ period?: number; status?: string }>(objectionListSchema, query ?? {});
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const where: Record<string, unknown> = { contractId };
  if (q.period) where.periodNumber = q.period;
  if (q.status) where.status = q.status;
  const rows = (await ctx.db.models.Objection.findAll({ where, order: [['id', 'ASC']], raw: true })) as unknown as ObjectionRow[];
  const lines = (await ctx.db.models.LedgerLine.findAll({ where: { id: rows.map((r) => r.lineId) }, raw: true })) as unknown as LedgerLineRow[];
  const byId = new Map(lines.map((l) => [l.id, l]));
  const hidden = draftPeriodsFor(actor, bundle);
  return rows.map((r) => serializeObjection(r, hidden.has(r.periodNumber) ? null : byId.get(r.lineId)));
}

/** Periods whose lines the actor may not see now: a vendor's view of draft (e.g. reopened) periods. */
function draftPeriodsFor(actor: Actor, bundle: ContractBundle): Set<number> {
  return new Set(actor.role === 'vendor' ? bundle.periods.filter((p) => p.status === 'draft').map((p) => p.number) : []);
}

export async function getObjection(ctx: Ctx, actor: Actor, objectionId: number) {
  const o = (await ctx.db.models.Objection.findByPk(objectionId, { raw: true })) as unknown as ObjectionRow | null;
  if (!o) throw notFound('异议不存在');
  const bundle = await loadVisibleBundle(ctx, actor, o.contractId);
  const line = (await ctx.db.models.LedgerLine.findByPk(o.lineId, { raw: true })) as unknown as LedgerLineRow;
  return serializeObjection(o, draftPeriodsFor(actor, bundle).has(o.periodNumber) ? null : line);
}

// ---- interviews and the termination right ------------------------------------------------

const interviewSchema = Joi.object({
  period: Joi.number().integer().min(1).required(),
  date: dateText().required(),
  attendees: Joi.string().trim().min(1).max(2000).required(),
  outcome: Joi.string().trim().min(1).max(8000).required(),
});

export function serializeInterview(i: InterviewRow) {
  return { id: i.id, period: i.periodNumber, date: i.date, attendees: i.attendees, outcome: i.outcome, recordedBy: i.recordedBy, createdAt: iso(i.createdAt) };
}

/** An interview (约谈) held because a quarter scored below the contract's threshold. */
export async function recordInterview(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{ period: number; date: string; attendees: string; outcome: string }>(interviewSchema, body);
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const period = bundle.periods.find((p) => p.number === input.period);
  if (!period) throw invalidField('period', `考核期 ${input.period} 不存在`);
  const { scores } = await periodDeductions(ctx, bundle);
  const score = scores.find((s) => s.number === input.period)!;
  if (!score.interviewRequired) {
    throw invalidField('period', `考核期 ${input.period} 得分 ${score.score}，不低于约谈分数线 ${formatPoints(bundle.contract.interviewThreshold)}，无需约谈`);
  }
  if (input.date < period.startDate) throw invalidField('date', `约谈日期不能早于考核期开始日 ${period.startDate}`);
  // the vendor is told of the interview, so the score it is about must be one it can see
  if (period.status === 'draft') throw invalidField('period', `考核期 ${input.period} 的评分尚未发布，请发布后再记录约谈`);
  return ctx.db.sequelize.transaction(async (t) => {
    if (await ctx.db.models.Interview.findOne({ where: { contractId, periodNumber: input.period }, transaction: t })) {
      throw conflict(`考核期 ${input.period} 已记录约谈`, [{ path: 'period', message: '已记录约谈' }]);
    }
    const row = (await ctx.db.models.Interview.create(
      { contractId, periodNumber: input.period, date: input.date, attendees: input.attendees, outcome: input.outcome, recordedBy: actor.id || null },
      { transaction: t },
    )).get({ plain: true }) as InterviewRow;
    const out = serializeInterview(row);
    await audit(ctx, t, actor, { action: 'interview.record', entity: 'interview', entityId: row.id, contractId, after: out });
    await notifyVendorUsers(ctx, t, bundle.contract.vendorId, {
      contractId,
      kind: 'interview.recorded',
      message: `${bundle.contract.name}「${period.label}」得分低于 ${formatPoints(bundle.contract.interviewThreshold)} 分，约谈已记录（${input.date}）`,
      link: `/contracts/${contractId}`,
    });
    return out;
  });
}

export async function listInterviews(ctx: Ctx, actor: Actor, contractId: number) {
  await loadVisibleBundle(ctx, actor, contractId);
  const rows = (await ctx.db.models.Interview.findAll({ where: { contractId }, order: [['periodNumber', 'ASC']], raw: true })) as unknown as InterviewRow[];
  return rows.map(serializeInterview);
}

/**
 * RULES.md §3: a quarter strictly below the threshold requires an interview; once
 * `interviewsBeforeTermination` interviews were held, a further signed quarter below the
 * threshold gives the bureau the right to terminate (可提前终止合同).
 */
export function standing(
  bundle: ContractBundle,
  scores: { number: number; status: string; score: string; interviewRequired: boolean }[],
  interviews: InterviewRow[],
) {
  const interviewed = [...new Set(interviews.map((i) => i.periodNumber))].sort((a, b) => a - b);
  const needed = bundle.contract.interviewsBeforeTermination;
  const final = (s: { status: string }) => s.status === 'signed' || s.status === 'locked';
  const below = scores.filter((s) => s.interviewRequired);
  const interviewsDue = below.filter((s) => s.status !== 'draft' && !interviewed.includes(s.number)).map((s) => s.number);
  let terminationRight = false;
  let terminationPeriod: number | null = null;
  if (interviewed.length >= needed) {
    const after = needed === 0 ? 0 : interviewed[needed - 1];
    const trigger = below.find((s) => final(s) && s.number > after);
    if (trigger) {
      terminationRight = true;
      terminationPeriod = trigger.number;
    }
  }
  return { interviewsHeld: interviewed.length, interviewsDue, terminationRight, terminationPeriod };
}

/** The contract with where it stands: period scores, interviews, termination right. */
export async function getContractStanding(ctx: Ctx, actor: Actor, contractId: number) {
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const [{ scores }, interviews] = await Promise.all([
    periodDeductions(ctx, bundle),
    ctx.db.models.Interview.findAll({ where: { contractId }, order: [['periodNumber', 'ASC']], raw: true }) as unknown as Promise<InterviewRow[]>,
  ]);
  const visible = actor.role === 'vendor' ? scores.map((s) => (s.status === 'draft' ? { ...s, score: null, totalDeduction: null, interviewRequired: false } : s)) : scores;
  return {
    ...serializeContract(bundle),
    scores: visible,
    interviews: interviews.map(serializeInterview),
    ...standing(bundle, scores, interviews),
  };
}
