// Installment payments as a pure function of the contract's terms, the periods' deductions
// and the penalties:
//   应付金额 = 比例 × 合同总金额 × (1 − 当期累计扣分 × 点值) − 相应扣款
// Money is in fen, exact; each installment line is rounded half-up to the fen once.
// Penalties beyond an installment's amount carry into the next installment, shown explicitly.
import { add, cmp, formatExact, max, mul, ONE, Rational, rational, roundHalfUp, sub, ZERO } from './decimal';

export interface InstallmentTerms {
  number: number;
  name: string;
  ratio: Rational;
  /** whether the deduction formula applies (预付款 usually does not) */
  deductible: boolean;
  /** period numbers feeding 当期累计扣分 */
  periods: number[];
}

export interface PenaltyCharge {
  installmentNumber: number;
  amountFen: bigint;
}

export interface InstallmentPayment {
  number: number;
  name: string;
  ratio: Rational;
  deductible: boolean;
  periods: number[];
  /** 比例 × 合同总金额, rounded half-up to the fen (display only; payable uses the exact value) */
  baseAmount: bigint;
  /** 当期累计扣分, hundredths of a point */
  accumulatedDeduction: number;
  /** 1 − 当期累计扣分 × 点值, never below 0 (exact) */
  factor: Rational;
  /** 比例 × 合同总金额 × 系数, rounded half-up to the fen once */
  grossAmount: bigint;
  /** penalties assigned to this installment (相应扣款) */
  penalties: bigint;
  /** penalties left over from the previous installment */
  carriedIn: bigint;
  payable: bigint;
  /** penalties this installment could not absorb, carried into the next one */
  carriedOut: bigint;
}

export interface PaymentSchedule {
  installments: InstallmentPayment[];
  totals: {
    baseAmount: bigint;
    grossAmount: bigint;
    penalties: bigint;
    payable: bigint;
    /** penalties that no installment could absorb (carried out of the last one) */
    uncollected: bigint;
  };
}

export function formatFactor(f: Rational): string {
  return formatExact(f, 2);
}

/**
 * @param totalFen 合同总金额 in fen
 * @param pointRate 每扣 1 分扣减的比例 (0.008)
 * @param periodDeductions capped total deduction of each period, hundredths of a point
 */
export function computePayments(
  totalFen: bigint,
  pointRate: Rational,
  installments: readonly InstallmentTerms[],
  periodDeductions: ReadonlyMap<number, number>,
  penalties: readonly PenaltyCharge[],
): PaymentSchedule {
  const total = rational(totalFen);
  const numbers = new Set(installments.map((i) => i.number));
  for (const p of penalties) {
    // A penalty on an installment that does not exist would vanish from every total.
    if (!numbers.has(p.installmentNumber)) throw new RangeError(`penalty on installment ${p.installmentNumber}, which the contract does not have`);
  }
  const sorted = [...installments].sort((a, b) => a.number - b.number);
  const out: InstallmentPayment[] = [];
  let carry = 0n;
  const totals = { baseAmount: 0n, grossAmount: 0n, penalties: 0n, payable: 0n, uncollected: 0n };
  for (const inst of sorted) {
    const base = mul(inst.ratio, total);
    let accumulated = 0;
    let factor = ONE;
    if (inst.deductible) {
      for (const p of inst.periods) accumulated += periodDeductions.get(p) ?? 0;
      factor = max(ZERO, sub(ONE, mul(rational(BigInt(accumulated), 100n), pointRate)));
    }
    const gross = roundHalfUp(mul(base, factor));
    const own = penalties
      .filter((p) => p.installmentNumber === inst.number)
      .reduce((s, p) => s + p.amountFen, 0n);
    const owed = own + carry;
    const payable = gross > owed ? gross - owed : 0n;
    const carriedOut = owed > gross ? owed - gross : 0n;
    out.push({
      number: inst.number,
      name: inst.name,
      ratio: inst.ratio,
      deductible: inst.deductible,
      periods: [...inst.periods],
      baseAmount: roundHalfUp(base),
      accumulatedDeduction: accumulated,
      factor,
      grossAmount: gross,
      penalties: own,
      carriedIn: carry,
      payable,
      carriedOut,
    });
    totals.baseAmount += roundHalfUp(base);
    totals.grossAmount += gross;
    totals.penalties += own;
    totals.payable += payable;
    carry = carriedOut;
  }
  totals.uncollected = carry;
  return { installments: out, totals };
}

/** Ratios of a contract's installments must sum to exactly 1. */
export function ratiosSumToOne(ratios: readonly Rational[]): boolean {
  return cmp(ratios.reduce((s, r) => add(s, r), ZERO), ONE) === 0;
}
