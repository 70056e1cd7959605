// Contract-clause penalties (相应扣款): the clause catalogue and the amount of one penalty.
// Penalties are money, separate from table deductions, and never mixed into the score.
import { cmp, formatExact, formatRational, isDecimal, mul, parseDecimal, parseYuan, rational, Rational, roundHalfUp } from './decimal';
import { ValidationIssue } from './template';

/**
 * percent_range: a percentage of the contract total between minPercent and maxPercent;
 * per_day: ratePercent of the total for each day (误期违约金);
 * per_violation: ratePercent of the total for each violation;
 * fixed: a fixed amount in yuan for each occurrence.
 */
export type ClauseKind = 'percent_range' | 'per_day' | 'per_violation' | 'fixed';

export interface PenaltyClause {
  code: string;
  name: string;
  kind: ClauseKind;
  /** percent_range bounds, percent of the contract total ("20" = 20%) */
  minPercent?: string | null;
  maxPercent?: string | null;
  /** per_day / per_violation: percent of the contract total per unit ("0.03" = 0.03%) */
  ratePercent?: string | null;
  /** fixed: yuan per occurrence */
  amount?: string | null;
  /** where the clause comes from */
  basis?: string | null;
}

/** Seed 002's clause catalogue (contract 6.4-6.6, 10.2, 11.2, 14.2). */
export const DEFAULT_PENALTY_CLAUSES: PenaltyClause[] = [
  {
    code: 'security-incident',
    name: '网络安全和数据安全事件',
    kind: 'percent_range',
    minPercent: '20',
    maxPercent: '30',
    basis: '合同6.5：项目人员网络安全工作落实不到位引发安全事件，视严重程度按合同总金额的20%~30%扣减',
  },
  {
    code: 'supply-chain-incident',
    name: '供应链安全事件',
    kind: 'percent_range',
    minPercent: '20',
    maxPercent: '30',
    basis: '合同6.4.3：供应链安全管理责任落实不到位，造成安全事件或不良影响，按合同总金额的20%~30%扣减',
  },
  {
    code: 'root-cause-not-found',
    name: '跨系统问题无法判定根源',
    kind: 'percent_range',
    minPercent: '0',
    maxPercent: '5',
    basis: '合同6.6：无法判定问题根源的，视问题轻重、责任大小按不高于合同总金额的5%扣减',
  },
  {
    code: 'late-performance',
    name: '迟延履行误期违约金',
    kind: 'per_day',
    ratePercent: '0.03',
    basis: '合同10.2：每延误一天按合同总金额的万分之三计收',
  },
  {
    code: 'other-breach',
    name: '其他违约',
    kind: 'per_violation',
    ratePercent: '1',
    basis: '合同11.2：每违反一次扣除合同总金额的1%',
  },
  {
    code: 'termination',
    name: '违约解除合同',
    kind: 'percent_range',
    minPercent: '20',
    maxPercent: '20',
    basis: '合同14.2：甲方解除合同的，乙方支付合同总金额20%的违约金',
  },
];

const HUNDRED = rational(100n);

function pct(text: string | null | undefined): Rational | null {
  return text === null || text === undefined || text === '' ? null : parseDecimal(text);
}

/** Checks a clause definition; used when a contract's catalogue is saved. */
export function validateClause(c: PenaltyClause, at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const dec = (v: unknown) => typeof v === 'string' && isDecimal(v, 6) && !v.trim().startsWith('-');
  if (c.kind === 'percent_range') {
    if (!dec(c.minPercent) || !dec(c.maxPercent)) {
      issues.push({ path: `${at}.minPercent`, message: '比例区间条款需要 minPercent 和 maxPercent（百分数）' });
    } else {
      const lo = parseDecimal(c.minPercent!);
      const hi = parseDecimal(c.maxPercent!);
      if (cmp(lo, hi) > 0) issues.push({ path: `${at}.maxPercent`, message: '比例上限不能小于下限' });
      if (cmp(hi, HUNDRED) > 0) issues.push({ path: `${at}.maxPercent`, message: '比例上限不能超过 100%' });
      if (cmp(hi, rational(0n)) <= 0) issues.push({ path: `${at}.maxPercent`, message: '比例上限必须大于 0' });
    }
  } else if (c.kind === 'per_day' || c.kind === 'per_violation') {
    if (!dec(c.ratePercent) || cmp(parseDecimal(c.ratePercent!), rational(0n)) <= 0) {
      issues.push({ path: `${at}.ratePercent`, message: '按日/按次条款需要大于 0 的 ratePercent（百分数）' });
    }
  } else if (c.kind === 'fixed') {
    if (typeof c.amount !== 'string' || !isDecimal(c.amount, 2) || parseYuan(c.amount) <= 0n) {
      issues.push({ path: `${at}.amount`, message: '固定金额条款需要大于 0 的金额（元，最多两位小数）' });
    }
  } else {
    issues.push({ path: `${at}.kind`, message: '条款类型必须是 percent_range、per_day、per_violation 或 fixed' });
  }
  return issues;
}

export interface PenaltyRequest {
  /** yuan, decimal string */
  amount?: string;
  /** percent of the contract total, decimal string ("25" = 25%) */
  percent?: string;
  /** days (per_day), violations (per_violation) or occurrences (fixed) */
  units?: number;
}

export interface PenaltyAmount {
  amountFen: bigint;
  /** the percent of the contract total the amount represents, when the clause is percentage-based */
  percent: string | null;
  units: number | null;
}

export type PenaltyResult = { ok: true; value: PenaltyAmount } | { ok: false; issues: ValidationIssue[] };

function fail(path: string, message: string): PenaltyResult {
  return { ok: false, issues: [{ path, message }] };
}

/** A percent shown exactly when it has at most 6 decimals, else rounded half-up to 6. */
function percentText(p: Rational): string {
  const exact = formatExact(p);
  const decimals = exact.includes('.') ? exact.split('.')[1].length : 0;
  return decimals <= 6 ? exact : formatRational(p, 6);
}

/** The amount of one penalty under a clause, checked against the clause's bounds. */
export function computePenalty(clause: PenaltyClause, totalFen: bigint, req: PenaltyRequest): PenaltyResult {
  const total = rational(totalFen);
  const hasAmount = req.amount !== undefined && req.amount !== null;
  const hasPercent = req.percent !== undefined && req.percent !== null;
  if (clause.kind === 'percent_range') {
    if (hasAmount === hasPercent) return fail('amount', '请填写扣款金额或扣款比例（二选一）');
    if (req.units !== undefined && req.units !== null) return fail('units', '比例区间条款不按天数或次数计算');
    const lo = pct(clause.minPercent)!;
    const hi = pct(clause.maxPercent)!;
    const range = `${clause.minPercent}%~${clause.maxPercent}%`;
    if (hasPercent) {
      if (!isDecimal(req.percent, 6)) return fail('percent', '扣款比例必须是百分数，例如 25 或 2.5');
      const p = parseDecimal(req.percent!);
      if (cmp(p, rational(0n)) <= 0) return fail('percent', '扣款比例必须大于 0');
      if (cmp(p, lo) < 0 || cmp(p, hi) > 0) return fail('percent', `扣款比例超出条款范围（${range}）`);
      const amountFen = roundHalfUp(mul(total, mul(p, rational(1n, 100n))));
      return { ok: true, value: { amountFen, percent: formatExact(p), units: null } };
    }
    if (!isDecimal(req.amount, 2)) return fail('amount', '扣款金额必须是最多两位小数的元金额');
    const amountFen = parseYuan(req.amount!);
    if (amountFen <= 0n) return fail('amount', '扣款金额必须大于 0');
    const loFen = mul(total, mul(lo, rational(1n, 100n)));
    const hiFen = mul(total, mul(hi, rational(1n, 100n)));
    const a = rational(amountFen);
    // Bounds rounded to the fen: an amount equal to the rounded bound is within the clause.
    if (cmp(a, rational(roundHalfUp(loFen))) < 0 || cmp(a, rational(roundHalfUp(hiFen))) > 0) {
      return fail('amount', `扣款金额超出条款范围（合同总金额的 ${range}）`);
    }
    return { ok: true, value: { amountFen, percent: percentText(rational(amountFen * 100n, totalFen)), units: null } };
  }
  if (hasAmount || hasPercent) {
    return fail(hasAmount ? 'amount' : 'percent', '该条款的金额由天数或次数计算，请填写 units');
  }
  const units = req.units ?? (clause.kind === 'fixed' ? 1 : undefined);
  if (units === undefined || !Number.isInteger(units) || units < 1) {
    return fail('units', clause.kind === 'per_day' ? '请填写延误天数（正整数）' : '请填写次数（正整数）');
  }
  if (clause.kind === 'fixed') {
    return { ok: true, value: { amountFen: parseYuan(clause.amount!) * BigInt(units), percent: null, units } };
  }
  const rate = parseDecimal(clause.ratePercent!);
  const p = mul(rate, rational(BigInt(units)));
  const amountFen = roundHalfUp(mul(total, mul(p, rational(1n, 100n))));
  return { ok: true, value: { amountFen, percent: formatExact(p), units } };
}
