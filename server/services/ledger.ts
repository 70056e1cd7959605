// The deduction ledger: manual lines, ratings for the rated items, and contract-clause
// penalties. Nothing is hard-deleted: a line is withdrawn with a reason. Every write is one
// transaction with its audit entry.
import { Transaction } from 'sequelize';
import { LedgerLineRow, PenaltyClauseRow, PenaltyRow, PeriodRow, RatingRow } from '../../models';
import { formatPoints, formatYuan, isDecimal, parseDecimal, mul, rational, isInteger } from '../../scoring/decimal';
import { computePenalty } from '../../scoring/penalties';
import { linePoints } from '../../scoring/scorecard';
import { DETECTION_REASON_PREFIX } from '../../scoring/detection';
import { findRule, isRatingItem } from '../../scoring/template';
import { beijingTime } from '../display';
import { badRequest, conflict, invalidField, notFound } from '../errors';
import { instantText, Joi, validate } from '../validate';
import { Actor, audit, big, Ctx, iso, requireRole } from './context';
import { clauseOf, ContractBundle, loadVisibleBundle } from './contracts';
import { loadTemplate } from './templates';
import { parseTrace } from './detection';

const LOCKED: PeriodRow['status'][] = ['signed', 'locked'];

/**
 * The period a write goes into; 409 when it is signed or locked. On PostgreSQL the period row
 * is locked until the write commits, so signing (which locks every period FOR UPDATE) waits
 * for it and then finds the new line. Adding a line or rating needs only a SHARE lock: it
 * neither waits for nor blocks other additions, nor an import or detection of the same
 * contract (which hold the periods FOR SHARE for their whole run). Withdrawing a ledger line
 * takes it FOR UPDATE: detection may withdraw the same line, and must not be running.
 */
async function writablePeriod(ctx: Ctx, t: Transaction, contractId: number, number: number, lock: 'share' | 'update'): Promise<PeriodRow> {
  const period = (await ctx.db.models.Period.findOne({
    where: { contractId, number },
    raw: true,
    transaction: t,
    lock: ctx.db.dialect === 'postgres' ? (lock === 'share' ? t.LOCK.SHARE : t.LOCK.UPDATE) : undefined,
  })) as unknown as PeriodRow | null;
  if (!period) throw invalidField('period', `考核期 ${number} 不存在`);
  if (LOCKED.includes(period.status)) {
    throw conflict(`考核期 ${number} 已签署锁定，不能再修改；更正请在下一个未锁定的考核期记录调整`, [
      { path: 'period', message: '考核期已锁定' },
    ]);
  }
  return period;
}

/** Who withdrew a ledger line, rating or penalty, when and why (null while active). */
function withdrawal(r: { withdrawnReason: string | null; withdrawnBy: number | null; withdrawnAt: Date | null }) {
  return { withdrawnReason: r.withdrawnReason ?? null, withdrawnBy: r.withdrawnBy ?? null, withdrawnAt: iso(r.withdrawnAt) };
}

/** The table version a period is scored with (a signed period keeps its version forever). */
async function periodTemplate(ctx: Ctx, bundle: ContractBundle, periodNumber: number) {
  const period = bundle.periods.find((p) => p.number === periodNumber);
  if (!period) throw invalidField('period', `考核期 ${periodNumber} 不存在（本合同共 ${bundle.periods.length} 期）`);
  return loadTemplate(ctx, period.templateVersion);
}

export function serializeLine(l: LedgerLineRow) {
  return {
    id: l.id,
    period: l.periodNumber,
    item: l.itemNumber,
    rule: l.ruleCode,
    units: formatUnits(l.units),
    points: formatPoints(l.points),
    reason: l.reason,
    occurredAt: iso(l.occurredAt),
    evidence: l.evidence ?? null,
    source: l.source,
    sourceKey: l.sourceKey ?? null,
    trace: parseTrace(l),
    status: l.status,
    recordedBy: l.recordedBy ?? null,
    createdAt: iso(l.createdAt),
    ...withdrawal(l),
  };
}

/** Units are stored in hundredths; whole units print without decimals. */
export function formatUnits(h: number): string {
  return h % 100 === 0 ? String(h / 100) : formatPoints(h);
}

const lineSchema = Joi.object({
  period: Joi.number().integer().min(1).required(),
  item: Joi.number().integer().min(1).required(),
  rule: Joi.string().trim().max(8).allow(null, ''),
  units: Joi.alternatives().try(Joi.number(), Joi.string().trim()).required(),
  reason: Joi.string().trim().min(1).max(4000).required(),
  occurredAt: instantText(),
  evidence: Joi.string().trim().max(20000).allow('', null),
});

export async function addLine(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{
    period: number;
    item: number;
    rule?: string | null;
    units: number | string;
    reason: string;
    occurredAt?: Date;
    evidence?: string | null;
  }>(lineSchema, body);
  const template = await periodTemplate(ctx, await loadVisibleBundle(ctx, actor, contractId), input.period);
  const { item, rule } = findRule(template, input.item, input.rule);
  if (!item) throw invalidField('item', `质量表中没有第 ${input.item} 项指标`);
  if (!rule) {
    throw invalidField(
      'rule',
      input.rule
        ? `第 ${item.number} 项没有规则 ${input.rule}（可选：${item.rules.map((r) => r.code).join('、')}）`
        : `第 ${item.number} 项有多条规则，请指定 rule（${item.rules.map((r) => r.code).join('、')}）`,
    );
  }
  if (rule.kind === 'rating') {
    throw invalidField('item', `第 ${item.number} 项是用户评价项，请通过评分（ratings）记录`);
  }
  const unitsText = String(input.units);
  if (!isDecimal(unitsText, 2)) throw invalidField('units', '数量必须是正数，最多两位小数');
  const unitsR = parseDecimal(unitsText);
  const unitsH = Number(mul(unitsR, rational(100n)).n);
  if (unitsH <= 0) throw invalidField('units', '数量必须大于 0');
  if (rule.wholeUnits && !isInteger(unitsR)) throw invalidField('units', `规则 ${rule.code} 按整数计数（每${rule.unit}），数量必须是正整数`);
  if (unitsH > 100000 * 100) throw invalidField('units', '数量过大');
  const points = linePoints(rule, unitsH);

  return ctx.db.sequelize.transaction(async (t) => {
    await writablePeriod(ctx, t, contractId, input.period, 'share');
    const row = await ctx.db.models.LedgerLine.create(
      {
        contractId,
        periodNumber: input.period,
        itemNumber: item.number,
        ruleCode: rule.code,
        units: unitsH,
        points,
        reason: input.reason,
        occurredAt: input.occurredAt ?? null,
        evidence: input.evidence || null,
        source: 'manual',
        recordedBy: actor.id || null,
        status: 'active',
      },
      { transaction: t },
    );
    const line = serializeLine(row.get({ plain: true }));
    await audit(ctx, t, actor, { action: 'ledger.add', entity: 'ledger_line', entityId: line.id, contractId, after: line });
    return line;
  });
}

const withdrawSchema = Joi.object({ reason: Joi.string().trim().min(1).max(4000).required() });

export async function withdrawLine(ctx: Ctx, actor: Actor, contractId: number, lineId: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const { reason: given } = validate<{ reason: string }>(withdrawSchema, body);
  // Reasons starting 重新检测 mark detection's own withdrawals; a person's never does.
  const reason = given.startsWith(DETECTION_REASON_PREFIX) ? `人工撤销：${given}` : given;
  await loadVisibleBundle(ctx, actor, contractId);
  const { LedgerLine } = ctx.db.models;
  return ctx.db.sequelize.transaction(async (t) => {
    const before = (await LedgerLine.findOne({ where: { id: lineId, contractId }, raw: true, transaction: t })) as unknown as LedgerLineRow | null;
    if (!before) throw notFound('扣分记录不存在');
    await writablePeriod(ctx, t, contractId, before.periodNumber, 'update');
    if (before.status !== 'active') throw await lineChanged(ctx, t, before.id);
    if (await ctx.db.models.Objection.count({ where: { lineId, status: 'open' }, transaction: t })) {
      throw conflict('服务商对该扣分记录提出了异议，请在异议处理中撤销', [{ path: 'lineId', message: '有未处理的异议' }]);
    }
    return serializeLine(await withdrawLineInTx(ctx, t, actor, before, reason));
  });
}

/**
 * The 409 for a write to a line someone else changed first (read again in the caller's
 * transaction, so it says what happened): withdrawn when, by whom and why, or its new version.
 */
async function lineChanged(ctx: Ctx, t: Transaction, lineId: number) {
  const now = (await ctx.db.models.LedgerLine.findByPk(lineId, { raw: true, transaction: t })) as unknown as LedgerLineRow | null;
  if (!now) return notFound('扣分记录不存在');
  if (now.status !== 'active') {
    const by = now.withdrawnBy ? ((await ctx.db.models.User.findByPk(now.withdrawnBy, { attributes: ['username'], raw: true, transaction: t })) as unknown as { username: string } | null) : null;
    const who = by?.username ?? (now.withdrawnBy ? `用户 ${now.withdrawnBy}` : '系统');
    const when = now.withdrawnAt ? `于 ${beijingTime(now.withdrawnAt)} ` : '';
    return conflict(`该扣分记录已${when}由 ${who} 撤销（原因：${now.withdrawnReason ?? '未填写'}），无需再次撤销`, [
      { path: 'status', message: '已撤销' },
      { path: 'withdrawnBy', message: who },
      { path: 'withdrawnReason', message: now.withdrawnReason ?? '' },
    ]);
  }
  return conflict(`该扣分记录已被他人修改（当前为第 ${now.version} 版），请刷新后重试`, [{ path: 'version', message: `当前为第 ${now.version} 版` }]);
}

/**
 * Replaces an active line by one with fewer units (an objection reduced it): the old line is
 * withdrawn with the reason, the new one keeps item, rule, evidence and trace and says why.
 * Runs inside the caller's transaction; the caller has checked the period is writable.
 */
export async function reduceLineInTx(
  ctx: Ctx,
  t: Transaction,
  actor: Actor,
  before: LedgerLineRow,
  unitsH: number,
  reason: string,
): Promise<LedgerLineRow> {
  const { LedgerLine } = ctx.db.models;
  const bundle = await loadVisibleBundle(ctx, actor, before.contractId, t);
  const template = await periodTemplate(ctx, bundle, before.periodNumber);
  const { rule } = findRule(template, before.itemNumber, before.ruleCode);
  if (!rule) throw conflict(`第 ${before.itemNumber} 项没有规则 ${before.ruleCode}`);
  if (unitsH <= 0 || unitsH >= Number(before.units)) {
    throw invalidField('units', `核减后的数量必须大于 0 且小于原数量 ${formatUnits(Number(before.units))}`);
  }
  if (rule.wholeUnits && unitsH % 100 !== 0) throw invalidField('units', `规则 ${rule.code} 按整数计数（每${rule.unit}），数量必须是正整数`);
  const [n] = await LedgerLine.update(
    { status: 'withdrawn', withdrawnReason: `异议核减：${reason}`, withdrawnBy: actor.id || null, withdrawnAt: new Date(), version: before.version + 1 },
    { where: { id: before.id, version: before.version, status: 'active' }, transaction: t },
  );
  if (n !== 1) throw await lineChanged(ctx, t, before.id);
  const row = await LedgerLine.create(
    {
      contractId: before.contractId,
      periodNumber: before.periodNumber,
      itemNumber: before.itemNumber,
      ruleCode: before.ruleCode,
      units: unitsH,
      points: linePoints(rule, unitsH),
      reason: `${before.reason}（异议核减：${reason}）`,
      occurredAt: before.occurredAt,
      evidence: before.evidence,
      source: 'objection',
      sourceKey: null,
      trace: before.trace,
      recordedBy: actor.id || null,
      status: 'active',
    },
    { transaction: t },
  );
  const replacement = row.get({ plain: true }) as LedgerLineRow;
  await audit(ctx, t, actor, {
    action: 'ledger.reduce',
    entity: 'ledger_line',
    entityId: before.id,
    contractId: before.contractId,
    before: serializeLine(before),
    after: serializeLine(replacement),
  });
  return replacement;
}

/** Withdraws an active line inside the caller's transaction (an objection was accepted). */
export async function withdrawLineInTx(ctx: Ctx, t: Transaction, actor: Actor, before: LedgerLineRow, reason: string): Promise<LedgerLineRow> {
  const { LedgerLine } = ctx.db.models;
  const [n] = await LedgerLine.update(
    { status: 'withdrawn', withdrawnReason: reason, withdrawnBy: actor.id || null, withdrawnAt: new Date(), version: before.version + 1 },
    { where: { id: before.id, version: before.version, status: 'active' }, transaction: t },
  );
  if (n !== 1) throw await lineChanged(ctx, t, before.id);
  const after = (await LedgerLine.findByPk(before.id, { raw: true, transaction: t })) as unknown as LedgerLineRow;
  await audit(ctx, t, actor, {
    action: 'ledger.withdraw',
    entity: 'ledger_line',
    entityId: before.id,
    contractId: before.contractId,
    before: serializeLine(before),
    after: serializeLine(after),
  });
  return after;
}

const listSchema = Joi.object({
  period: Joi.number().integer().min(1),
  item: Joi.number().integer().min(1),
  status: Joi.string().valid('active', 'withdrawn'),
});

export async function listLines(ctx: Ctx, actor: Actor, contractId: number, query: unknown) {
  const q = validate<{ period?: number; item?: number; status?: string }>(listSchema, query);
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const where: Record<string, unknown> = { contractId };
  if (q.period) where.periodNumber = q.period;
  if (actor.role === 'vendor') {
    // a vendor sees a period's lines once the period is published
    const shown = bundle.periods.filter((p) => p.status !== 'draft').map((p) => p.number);
    where.periodNumber = q.period ? (shown.includes(q.period) ? q.period : -1) : shown;
  }
  if (q.item) where.itemNumber = q.item;
  if (q.status) where.status = q.status;
  const rows = (await ctx.db.models.LedgerLine.findAll({ where, order: [['id', 'ASC']], raw: true })) as unknown as LedgerLineRow[];
  return rows.map(serializeLine);
}

// ---- ratings ---------------------------------------------------------------------------

export function serializeRating(r: RatingRow) {
  return {
    id: r.id,
    period: r.periodNumber,
    item: r.itemNumber,
    level: r.level,
    rater: r.rater ?? null,
    note: r.note ?? null,
    status: r.status,
    recordedBy: r.recordedBy ?? null,
    createdAt: iso(r.createdAt),
    ...withdrawal(r),
  };
}

const ratingSchema = Joi.object({
  period: Joi.number().integer().min(1).required(),
  item: Joi.number().integer().min(1).required(),
  level: Joi.number().integer().min(1).max(5).required().messages({
    'number.min': '评价等级必须是 1 到 5 的整数（5 为最好）',
    'number.max': '评价等级必须是 1 到 5 的整数（5 为最好）',
    'number.integer': '评价等级必须是 1 到 5 的整数（5 为最好）',
  }),
  rater: Joi.string().trim().max(100).allow('', null),
  note: Joi.string().trim().max(4000).allow('', null),
});

export async function addRating(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{ period: number; item: number; level: number; rater?: string | null; note?: string | null }>(ratingSchema, body);
  const template = await periodTemplate(ctx, await loadVisibleBundle(ctx, actor, contractId), input.period);
  const item = template.items.find((it) => it.number === input.item);
  if (!item) throw invalidField('item', `质量表中没有第 ${input.item} 项指标`);
  if (!isRatingItem(item)) {
    const rated = template.items.filter(isRatingItem).map((it) => it.number).join('、');
    throw invalidField('item', `第 ${item.number} 项不是用户评价项（评价项为 ${rated}）`);
  }
  return ctx.db.sequelize.transaction(async (t) => {
    await writablePeriod(ctx, t, contractId, input.period, 'share');
    const row = await ctx.db.models.Rating.create(
      {
        contractId,
        periodNumber: input.period,
        itemNumber: item.number,
        level: input.level,
        rater: input.rater || null,
        note: input.note || null,
        recordedBy: actor.id || null,
        status: 'active',
      },
      { transaction: t },
    );
    const rating = serializeRating(row.get({ plain: true }));
    await audit(ctx, t, actor, { action: 'rating.add', entity: 'rating', entityId: rating.id, contractId, after: rating });
    return rating;
  });
}

export async function withdrawRating(ctx: Ctx, actor: Actor, contractId: number, ratingId: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const { reason } = validate<{ reason: string }>(withdrawSchema, body);
  await loadVisibleBundle(ctx, actor, contractId);
  const { Rating } = ctx.db.models;
  return ctx.db.sequelize.transaction(async (t) => {
    const before = (await Rating.findOne({ where: { id: ratingId, contractId }, raw: true, transaction: t })) as unknown as RatingRow | null;
    if (!before) throw notFound('评价记录不存在');
    await writablePeriod(ctx, t, contractId, before.periodNumber, 'share');
    const [n] = await Rating.update(
      { status: 'withdrawn', withdrawnReason: reason, withdrawnBy: actor.id || null, withdrawnAt: new Date() },
      { where: { id: ratingId, status: 'active' }, transaction: t },
    );
    if (n !== 1) throw conflict('该评价记录已撤销');
    const after = (await Rating.findByPk(ratingId, { raw: true, transaction: t })) as unknown as RatingRow;
    await audit(ctx, t, actor, {
      action: 'rating.withdraw',
      entity: 'rating',
      entityId: ratingId,
      contractId,
      before: serializeRating(before),
      after: serializeRating(after),
    });
    return serializeRating(after);
  });
}

export async function listRatings(ctx: Ctx, actor: Actor, contractId: number, query: unknown) {
  const q = validate<{ period?: number; item?: number; status?: string }>(listSchema, query);
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const where: Record<string, unknown> = { contractId };
  if (q.period) where.periodNumber = q.period;
  if (actor.role === 'vendor') {
    // a vendor sees a period's lines once the period is published
    const shown = bundle.periods.filter((p) => p.status !== 'draft').map((p) => p.number);
    where.periodNumber = q.period ? (shown.includes(q.period) ? q.period : -1) : shown;
  }
  if (q.item) where.itemNumber = q.item;
  if (q.status) where.status = q.status;
  const rows = (await ctx.db.models.Rating.findAll({ where, order: [['id', 'ASC']], raw: true })) as unknown as RatingRow[];
  return rows.map(serializeRating);
}

// ---- penalties -------------------------------------------------------------------------

export function serializePenalty(p: PenaltyRow, bundle?: ContractBundle) {
  const clause = bundle?.clauses.find((c) => c.code === p.clauseCode);
  return {
    id: p.id,
    installment: p.installmentNumber,
    clause: p.clauseCode,
    clauseName: clause?.name ?? null,
    amount: formatYuan(big(p.amountFen)),
    percent: p.percent ?? null,
    units: p.units ?? null,
    reason: p.reason,
    status: p.status,
    recordedBy: p.recordedBy ?? null,
    approvedBy: p.approvedBy ?? null,
    approvedAt: iso(p.approvedAt),
    createdAt: iso(p.createdAt),
    ...withdrawal(p),
  };
}

const penaltySchema = Joi.object({
  installment: Joi.number().integer().min(1).required(),
  clause: Joi.string().trim().max(64).required(),
  amount: Joi.alternatives().try(Joi.string().trim(), Joi.number()).custom((v) => String(v)),
  percent: Joi.alternatives().try(Joi.string().trim(), Joi.number()).custom((v) => String(v)),
  units: Joi.number().integer().min(1).max(100000),
  reason: Joi.string().trim().min(1).max(4000).required(),
});

/** Checks that the installment can still take or lose a penalty (not yet paid). */
async function openInstallment(ctx: Ctx, t: Transaction, contractId: number, number: number) {
  const inst = await ctx.db.models.Installment.findOne({ where: { contractId, number }, raw: true, transaction: t });
  if (!inst) throw invalidField('installment', `第 ${number} 笔款项不存在`);
  if ((inst as unknown as { paymentStatus: string }).paymentStatus === 'paid') {
    throw conflict(`第 ${number} 笔款项已支付，不能再变更扣款`, [{ path: 'installment', message: '款项已支付' }]);
  }
}

export async function addPenalty(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{ installment: number; clause: string; amount?: string; percent?: string; units?: number; reason: string }>(
    penaltySchema,
    body,
  );
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const clauseRow = bundle.clauses.find((c) => c.code === input.clause);
  if (!clauseRow) {
    throw invalidField('clause', `合同中没有违约条款 ${input.clause}（可选：${bundle.clauses.map((c) => c.code).join('、')}）`);
  }
  const result = computePenalty(clauseOf(clauseRow), big(bundle.contract.totalAmountFen), input);
  if (!result.ok) throw badRequest(result.issues[0].message, result.issues);
  return ctx.db.sequelize.transaction(async (t) => {
    // The clause as it stands inside this transaction: an edit of the catalogue (which updates
    // the contract row first) either finishes before this reads it, or waits for this penalty
    // and then sees it (PostgreSQL: the contract row is read FOR SHARE; SQLite: writers queue).
    if (ctx.db.dialect === 'postgres') {
      await ctx.db.models.Contract.findByPk(contractId, { lock: t.LOCK.SHARE, transaction: t });
    }
    const current = (await ctx.db.models.PenaltyClause.findOne({ where: { contractId, code: input.clause }, raw: true, transaction: t })) as unknown as PenaltyClauseRow | null;
    if (!current) throw conflict(`违约条款 ${input.clause} 刚被修改或删除，请刷新后重试`, [{ path: 'clause', message: '条款已变更' }]);
    const fresh = computePenalty(clauseOf(current), big(bundle.contract.totalAmountFen), input);
    if (!fresh.ok) throw badRequest(fresh.issues[0].message, fresh.issues);
    await openInstallment(ctx, t, contractId, input.installment);
    const row = await ctx.db.models.Penalty.create(
      {
        contractId,
        installmentNumber: input.installment,
        clauseCode: current.code,
        amountFen: fresh.value.amountFen.toString(),
        percent: fresh.value.percent,
        units: fresh.value.units,
        reason: input.reason,
        recordedBy: actor.id || null,
        status: 'proposed',
      },
      { transaction: t },
    );
    const penalty = serializePenalty(row.get({ plain: true }), bundle);
    await audit(ctx, t, actor, { action: 'penalty.add', entity: 'penalty', entityId: penalty.id, contractId, after: penalty });
    return penalty;
  });
}

async function changePenalty(
  ctx: Ctx,
  actor: Actor,
  contractId: number,
  penaltyId: number,
  action: 'approve' | 'withdraw',
  reason: string | null,
) {
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const { Penalty } = ctx.db.models;
  return ctx.db.sequelize.transaction(async (t) => {
    const before = (await Penalty.findOne({ where: { id: penaltyId, contractId }, raw: true, transaction: t })) as unknown as PenaltyRow | null;
    if (!before) throw notFound('扣款记录不存在');
    await openInstallment(ctx, t, contractId, before.installmentNumber);
    let update: Record<string, unknown>;
    let fromStatus: PenaltyRow['status'][];
    if (action === 'approve') {
      if (before.status !== 'proposed') throw conflict(before.status === 'approved' ? '该扣款已审批' : '该扣款已撤销');
      if (before.recordedBy && before.recordedBy === actor.id) {
        throw conflict('扣款须由记录人以外的人员审批', [{ path: 'approvedBy', message: '审批人不能是记录人' }]);
      }
      update = { status: 'approved', approvedBy: actor.id || null, approvedAt: new Date() };
      fromStatus = ['proposed'];
    } else {
      if (before.status === 'withdrawn') throw conflict('该扣款已撤销');
      update = { status: 'withdrawn', withdrawnReason: reason, withdrawnBy: actor.id || null, withdrawnAt: new Date() };
      fromStatus = ['proposed', 'approved'];
    }
    const [n] = await Penalty.update(update, { where: { id: penaltyId, status: fromStatus }, transaction: t });
    if (n !== 1) throw conflict('该扣款已被他人修改，请刷新后重试');
    const after = (await Penalty.findByPk(penaltyId, { raw: true, transaction: t })) as unknown as PenaltyRow;
    await audit(ctx, t, actor, {
      action: `penalty.${action}`,
      entity: 'penalty',
      entityId: penaltyId,
      contractId,
      before: serializePenalty(before, bundle),
      after: serializePenalty(after, bundle),
    });
    return serializePenalty(after, bundle);
  });
}

export async function approvePenalty(ctx: Ctx, actor: Actor, contractId: number, penaltyId: number) {
  requireRole(actor, 'admin', 'manager');
  return changePenalty(ctx, actor, contractId, penaltyId, 'approve', null);
}

export async function withdrawPenalty(ctx: Ctx, actor: Actor, contractId: number, penaltyId: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const { reason } = validate<{ reason: string }>(withdrawSchema, body);
  return changePenalty(ctx, actor, contractId, penaltyId, 'withdraw', reason);
}

export async function listPenalties(ctx: Ctx, actor: Actor, contractId: number) {
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  // a penalty awaiting approval is the bureau's own business until it is approved
  const where = actor.role === 'vendor' ? { contractId, status: ['approved', 'withdrawn'] } : { contractId };
  const rows = (await ctx.db.models.Penalty.findAll({ where, order: [['id', 'ASC']], raw: true })) as unknown as PenaltyRow[];
  return rows.map((p) => serializePenalty(p, bundle));
}
