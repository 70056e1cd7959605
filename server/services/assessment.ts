// Scorecards and payments: load the data, call the pure functions in scoring/, serialise.
import { Op, QueryTypes, Transaction } from 'sequelize';
import { InstallmentRow, PenaltyRow, PeriodRow } from '../../models';
import { formatExact, formatPoints, formatYuan, parseDecimal } from '../../scoring/decimal';
import { computePayments, formatFactor } from '../../scoring/payments';
import { computeScorecard, Scorecard, ScoredLine, ScoredRating } from '../../scoring/scorecard';
import { conflict, invalidField, notFound } from '../errors';
import { dateText, Joi, validate } from '../validate';
import { Actor, audit, big, bool, Ctx, iso, requireRole } from './context';
import { ContractBundle, loadVisibleBundle, serializeInstallment, serializePeriod } from './contracts';
import { formatUnits } from './ledger';
import { ALL_SOURCES, detect } from './evidence';
import { loadTemplate } from './templates';
import { parseTrace } from './detection';

interface LineRecord extends ScoredLine {
  periodNumber: number;
  reason: string;
  occurredAt: string | Date | null;
  evidence: string | null;
  source: string;
  sourceKey: string | null;
  trace: string | null;
  recordedBy: number | null;
  createdAt: string | Date;
}
interface RatingRecord extends ScoredRating {
  periodNumber: number;
  rater: string | null;
  note: string | null;
  createdAt: string | Date;
}

// Plain SQL for the hot path: the scorecard of a period with tens of thousands of lines.
async function activeLines(ctx: Ctx, contractId: number, period?: number, transaction?: Transaction): Promise<LineRecord[]> {
  const sql =
    'SELECT id, period_number AS "periodNumber", item_number AS "itemNumber", rule_code AS "ruleCode", units, points, ' +
    'reason, occurred_at AS "occurredAt", evidence, source, source_key AS "sourceKey", trace, recorded_by AS "recordedBy", created_at AS "createdAt", status ' +
    `FROM ledger_lines WHERE contract_id = :contractId AND status = 'active'` +
    (period ? ' AND period_number = :period' : '') +
    ' ORDER BY id';
  return ctx.db.sequelize.query<LineRecord>(sql, {
    type: QueryTypes.SELECT,
    replacements: { contractId, period: period ?? null },
    transaction,
  });
}

async function activeRatings(ctx: Ctx, contractId: number, period?: number, transaction?: Transaction): Promise<RatingRecord[]> {
  const sql =
    'SELECT id, period_number AS "periodNumber", item_number AS "itemNumber", level, rater, note, created_at AS "createdAt", status ' +
    `FROM ratings WHERE contract_id = :contractId AND status = 'active'` +
    (period ? ' AND period_number = :period' : '') +
    ' ORDER BY id';
  return ctx.db.sequelize.query<RatingRecord>(sql, {
    type: QueryTypes.SELECT,
    replacements: { contractId, period: period ?? null },
    transaction,
  });
}

/**
 * Two reads at once outside a transaction; one after the other inside one (a transaction is
 * one connection, which runs one query at a time: pg deprecates queueing them).
 */
async function inTurnInTransaction<A, B>(t: Transaction | undefined, reads: readonly [() => Promise<A>, () => Promise<B>]): Promise<[A, B]> {
  if (!t) return Promise.all([reads[0](), reads[1]()]);
  const a = await reads[0]();
  return [a, await reads[1]()];
}

function isoText(v: string | Date | null): string | null {
  return v === null ? null : iso(v);
}

function serializeScorecard(bundle: ContractBundle, period: PeriodRow, sc: Scorecard<LineRecord, RatingRecord>) {
  return {
    contractId: bundle.contract.id,
    period: serializePeriod(period),
    status: period.status,
    templateVersion: period.templateVersion,
    items: sc.items.map((it) => ({
      number: it.number,
      category: it.category,
      name: it.name,
      kind: it.kind,
      maxPoints: formatPoints(it.maxPoints),
      rawDeduction: formatPoints(it.rawDeduction),
      deduction: formatPoints(it.deduction),
      score: formatPoints(it.score),
      capped: it.rawDeduction > it.deduction,
      rated: it.rated,
      ratingCount: it.ratingCount,
      ratingMean: it.ratingMean,
      lines: it.lines.map((l) => ({
        id: l.id,
        rule: l.ruleCode,
        units: formatUnits(Number(l.units)),
        points: formatPoints(Number(l.points)),
        reason: l.reason,
        occurredAt: isoText(l.occurredAt),
        evidence: l.evidence,
        source: l.source,
        sourceKey: l.sourceKey,
        trace: parseTrace(l),
        recordedBy: l.recordedBy,
        createdAt: isoText(l.createdAt),
      })),
      ratings: it.ratings.map((r) => ({ id: r.id, level: r.level, rater: r.rater, note: r.note, createdAt: isoText(r.createdAt) })),
    })),
    categories: sc.categories.map((c) => ({
      category: c.category,
      maxPoints: formatPoints(c.maxPoints),
      rawDeduction: formatPoints(c.rawDeduction),
      deduction: formatPoints(c.deduction),
      score: formatPoints(c.score),
    })),
    maxPoints: formatPoints(sc.maxPoints),
    rawTotalDeduction: formatPoints(sc.rawTotalDeduction),
    totalDeduction: formatPoints(sc.totalDeduction),
    score: formatPoints(sc.score),
    interviewThreshold: formatPoints(bundle.contract.interviewThreshold),
    interviewRequired: sc.interviewRequired,
  };
}

function findPeriod(bundle: ContractBundle, n: number): PeriodRow {
  const period = bundle.periods.find((p) => p.number === n);
  if (!period) throw notFound(`考核期 ${n} 不存在`);
  return period;
}

export async function getScorecard(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number, t?: Transaction) {
  const bundle = await loadVisibleBundle(ctx, actor, contractId, t);
  const period = findPeriod(bundle, periodNumber);
  if (actor.role === 'vendor' && period.status === 'draft') {
    throw notFound(`考核期 ${periodNumber} 的评分尚未发布`);
  }
  const template = await loadTemplate(ctx, period.templateVersion);
  const [lines, ratings] = await inTurnInTransaction(t, [
    () => activeLines(ctx, contractId, periodNumber, t),
    () => activeRatings(ctx, contractId, periodNumber, t),
  ] as const);
  for (const l of lines) {
    l.units = Number(l.units);
    l.points = Number(l.points);
  }
  const sc = computeScorecard(template, lines, ratings, { interviewThreshold: bundle.contract.interviewThreshold });
  return serializeScorecard(bundle, period, sc);
}

/** Each period's capped total deduction (hundredths), from all active lines and ratings. */
export async function periodDeductions(ctx: Ctx, bundle: ContractBundle, t?: Transaction) {
  const contractId = bundle.contract.id;
  const [lines, ratings] = await inTurnInTransaction(t, [
    () => activeLines(ctx, contractId, undefined, t),
    () => activeRatings(ctx, contractId, undefined, t),
  ] as const);
  const out = new Map<number, number>();
  const scores: { number: number; label: string; status: string; score: string; totalDeduction: string; interviewRequired: boolean }[] = [];
  for (const period of bundle.periods) {
    const template = await loadTemplate(ctx, period.templateVersion);
    const pl = lines
      .filter((l) => l.periodNumber === period.number)
      .map((l) => ({ ...l, units: Number(l.units), points: Number(l.points) }));
    const pr = ratings.filter((r) => r.periodNumber === period.number);
    const sc = computeScorecard(template, pl, pr, { interviewThreshold: bundle.contract.interviewThreshold });
    out.set(period.number, sc.totalDeduction);
    scores.push({
      number: period.number,
      label: period.label,
      status: period.status,
      score: formatPoints(sc.score),
      totalDeduction: formatPoints(sc.totalDeduction),
      interviewRequired: sc.interviewRequired,
    });
  }
  return { deductions: out, scores };
}

export async function getPayments(ctx: Ctx, actor: Actor, contractId: number, t?: Transaction) {
  const bundle = await loadVisibleBundle(ctx, actor, contractId, t);
  const { deductions, scores } = await periodDeductions(ctx, bundle, t);
  const penalties = (await ctx.db.models.Penalty.findAll({ where: { contractId }, raw: true, transaction: t })) as unknown as PenaltyRow[];
  const approved = penalties.filter((p) => p.status === 'approved');
  const pending = penalties.filter((p) => p.status === 'proposed');
  const schedule = computePayments(
    big(bundle.contract.totalAmountFen),
    parseDecimal(bundle.contract.pointRate),
    bundle.installments.map((i) => ({
      number: i.number,
      name: i.name,
      ratio: parseDecimal(i.ratio),
      deductible: bool(i.deductible),
      periods: JSON.parse(i.periods) as number[],
    })),
    deductions,
    approved.map((p) => ({ installmentNumber: p.installmentNumber, amountFen: big(p.amountFen) })),
  );
  const statusOf = new Map(bundle.periods.map((p) => [p.number, p.status]));
  const instRow = new Map(bundle.installments.map((i) => [i.number, i]));
  // A vendor does not see the bureau's drafts: a draft period's score, and the figures of an
  // installment it feeds, are withheld (null) until the period is published.
  const vendorView = actor.role === 'vendor';
  const hidden = (periods: number[]) => vendorView && periods.some((n) => statusOf.get(n) === 'draft');
  const out = {
    contractId,
    totalAmount: formatYuan(big(bundle.contract.totalAmountFen)),
    pointRate: bundle.contract.pointRate,
    periods: vendorView
      ? scores.map((s) => (s.status === 'draft' ? { ...s, score: null as string | null, totalDeduction: null as string | null, interviewRequired: false } : s))
      : (scores as (Omit<(typeof scores)[number], 'score' | 'totalDeduction'> & { score: string | null; totalDeduction: string | null })[]),
    installments: schedule.installments.map((p) => {
      const row = instRow.get(p.number) as InstallmentRow;
      const pendingFen = pending.filter((x) => x.installmentNumber === p.number).reduce((s, x) => s + big(x.amountFen), 0n);
      return {
        number: p.number,
        name: p.name,
        ratio: formatExact(p.ratio, 2),
        deductible: p.deductible,
        baseAmount: formatYuan(p.baseAmount),
        periods: p.periods,
        accumulatedDeduction: formatPoints(p.accumulatedDeduction),
        factor: formatFactor(p.factor),
        grossAmount: formatYuan(p.grossAmount),
        penalties: formatYuan(p.penalties),
        pendingPenalties: actor.role === 'vendor' ? null : formatYuan(pendingFen),
        carriedIn: formatYuan(p.carriedIn),
        carriedOut: formatYuan(p.carriedOut),
        payable: formatYuan(p.payable),
        // final once every feeding period is signed; until then the figure is provisional
        final: p.periods.every((n) => statusOf.get(n) === 'signed' || statusOf.get(n) === 'locked'),
        paymentStatus: row.paymentStatus,
        invoiceDate: row.invoiceDate,
        paidDate: row.paidDate,
        withheld: false,
      };
    }),
    totals: {
      baseAmount: formatYuan(schedule.totals.baseAmount),
      grossAmount: formatYuan(schedule.totals.grossAmount),
      penalties: formatYuan(schedule.totals.penalties),
      payable: formatYuan(schedule.totals.payable),
      uncollected: formatYuan(schedule.totals.uncollected),
    } as Record<string, string | null>,
  };
  if (vendorView && out.installments.some((i) => hidden(i.periods))) {
    // carry-over links installments, so once one is withheld the later ones and the totals are too
    let withhold = false;
    out.installments = out.installments.map((i) => {
      withhold = withhold || hidden(i.periods);
      return withhold
        ? { ...i, accumulatedDeduction: null, factor: null, grossAmount: null, carriedIn: null, carriedOut: null, payable: null, withheld: true }
        : i;
    }) as typeof out.installments;
    out.totals = { ...out.totals, grossAmount: null, payable: null, uncollected: null };
  }
  return out;
}

const paymentStatusSchema = Joi.object({
  paymentStatus: Joi.string().valid('pending', 'invoiced', 'paid').required(),
  invoiceDate: dateText().allow(null),
  paidDate: dateText().allow(null),
});

/**
 * Finance records invoice received / paid for an installment. An installment is paid only
 * once its amount is final: every feeding period signed and no penalty awaiting approval.
 * Only an admin can take back a "paid".
 */
export async function setPaymentStatus(ctx: Ctx, actor: Actor, contractId: number, number: number, body: unknown) {
  requireRole(actor, 'admin', 'finance');
  const input = validate<{ paymentStatus: InstallmentRow['paymentStatus']; invoiceDate?: string | null; paidDate?: string | null }>(
    paymentStatusSchema,
    body,
  );
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const inst = bundle.installments.find((i) => i.number === number);
  if (!inst) throw notFound(`第 ${number} 笔款项不存在`);
  const status = input.paymentStatus;
  const invoiceDate = status === 'pending' ? null : input.invoiceDate !== undefined ? input.invoiceDate : inst.invoiceDate;
  const paidDate = input.paidDate ?? null;
  if (status === 'invoiced' && !invoiceDate) throw invalidField('invoiceDate', '标记为已收票时需要填写收票日期（invoiceDate）');
  if (status === 'paid' && !paidDate) throw invalidField('paidDate', '标记为已支付时需要填写支付日期（paidDate）');
  if (status !== 'paid' && paidDate) throw invalidField('paidDate', '只有已支付的款项才有支付日期');
  if (paidDate && invoiceDate && paidDate < invoiceDate) throw invalidField('paidDate', '支付日期不能早于收票日期');
  if (inst.paymentStatus === 'paid' && status !== 'paid' && actor.role !== 'admin') {
    throw conflict('已支付的款项只能由管理员撤回');
  }
  if (status === 'paid') {
    const feeding = JSON.parse(inst.periods) as number[];
    const open = bundle.periods.filter((p) => feeding.includes(p.number) && p.status !== 'signed' && p.status !== 'locked');
    if (bool(inst.deductible) && open.length) {
      throw conflict(`考核期 ${open.map((p) => p.number).join('、')} 尚未签署，应付金额还不是最终结果`);
    }
    const proposed = await ctx.db.models.Penalty.count({ where: { contractId, installmentNumber: number, status: 'proposed' } });
    if (proposed) throw conflict(`本笔款项还有 ${proposed} 条扣款待审批`);
  }
  const { Installment } = ctx.db.models;
  return ctx.db.sequelize.transaction(async (t) => {
    const [n] = await Installment.update(
      { paymentStatus: status, invoiceDate, paidDate, version: inst.version + 1 },
      { where: { id: inst.id, version: inst.version }, transaction: t },
    );
    if (n !== 1) throw conflict('该款项已被他人修改，请刷新后重试');
    const row = (await Installment.findByPk(inst.id, { raw: true, transaction: t })) as unknown as InstallmentRow;
    await audit(ctx, t, actor, {
      action: 'installment.payment_status',
      entity: 'installment',
      entityId: inst.id,
      contractId,
      before: serializeInstallment(inst),
      after: serializeInstallment(row),
    });
    return serializeInstallment(row);
  });
}

const auditSchema = Joi.object({
  contractId: Joi.number().integer().min(1),
  entity: Joi.string().max(64),
  action: Joi.string().max(64),
  username: Joi.string().max(64),
  // Beijing dates, both inclusive
  from: dateText(),
  to: dateText(),
  limit: Joi.number().integer().min(1).max(1000).default(200),
  offset: Joi.number().integer().min(0).max(10_000_000).default(0),
});

/** Midnight at the start of a Beijing date, as an instant. */
function beijingMidnight(date: string, addDays = 0): Date {
  return new Date(new Date(`${date}T00:00:00+08:00`).getTime() + addDays * 86_400_000);
}

export async function listAudit(ctx: Ctx, actor: Actor, query: unknown) {
  requireRole(actor, 'admin', 'manager');
  const q = validate<{
    contractId?: number; entity?: string; action?: string; username?: string; from?: string; to?: string; limit: number; offset: number;
  }>(auditSchema, query);
  if (q.from && q.to && q.to < q.from) throw invalidField('to', '结束日期不能早于开始日期');
  const where: Record<string | symbol, unknown> = {};
  if (q.contractId) where.contractId = q.contractId;
  if (q.entity) where.entity = q.entity;
  if (q.action) where.action = q.action;
  if (q.username) where.username = q.username;
  if (q.from || q.to) {
    const at: Record<symbol, Date> = {};
    if (q.from) at[Op.gte] = beijingMidnight(q.from);
    if (q.to) at[Op.lt] = beijingMidnight(q.to, 1);
    where.at = at;
  }
  const rows = (await ctx.db.models.Audit.findAll({ where, order: [['id', 'DESC']], limit: q.limit, offset: q.offset, raw: true })) as unknown as {
    id: number; at: Date; userId: number | null; username: string | null; action: string; entity: string;
    entityId: string | null; contractId: number | null; before: string | null; after: string | null;
  }[];
  return rows.map((r) => ({
    id: r.id,
    at: iso(r.at),
    userId: r.userId,
    username: r.username,
    action: r.action,
    entity: r.entity,
    entityId: r.entityId,
    contractId: r.contractId,
    before: r.before ? JSON.parse(r.before) : null,
    after: r.after ? JSON.parse(r.after) : null,
  }));
}
