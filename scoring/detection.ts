// What detectors produce: proposed ledger lines, each keyed by the evidence that caused it,
// and the reconciliation of proposed lines with the lines already in the ledger. Pure.

export interface ProposedLine {
  /** identifies the evidence (ticket:12, inspection:3:2025-11-03:missed ...); one line per key */
  sourceKey: string;
  periodNumber: number;
  itemNumber: number;
  ruleCode: string;
  /** whole units */
  units: number;
  reason: string;
  /** readable "why", one Chinese sentence per entry */
  trace: string[];
  occurredAt: Date | null;
}

export interface PeriodSpan {
  number: number;
  startDate: string;
  endDate: string;
  locked: boolean;
}

/** The period whose dates contain a local date; null outside the contract. */
export function periodOfDate(periods: readonly PeriodSpan[], date: string): PeriodSpan | null {
  for (const p of periods) if (p.startDate <= date && date <= p.endDate) return p;
  return null;
}

/**
 * The period a deduction dated `date` belongs to: the containing period, or the last period
 * for a date after the contract's end (a report due after the term still counts in it).
 */
export function periodForDeduction(periods: readonly PeriodSpan[], date: string): PeriodSpan | null {
  const p = periodOfDate(periods, date);
  if (p) return p;
  const last = periods[periods.length - 1];
  return last && date > last.endDate ? last : null;
}

export interface ExistingLine {
  id: number;
  sourceKey: string | null;
  periodNumber: number;
  itemNumber: number;
  ruleCode: string;
  /** hundredths */
  units: number;
  reason: string;
  trace: string | null;
  version?: number;
}

export interface Reconciliation {
  add: ProposedLine[];
  withdraw: { line: ExistingLine; reason: string }[];
  /** same numbers, new wording of reason or trace */
  retrace: { line: ExistingLine; proposed: ProposedLine }[];
  unchanged: number;
  /** proposed lines that fall in a signed (locked) period with no open period after it: not written */
  skippedLocked: ProposedLine[];
  /** late evidence for a signed period, written as an adjustment in the next open period */
  adjusted: ProposedLine[];
  /** proposed lines whose evidence a person already judged: their line was withdrawn by hand */
  suppressed: ProposedLine[];
}

export const DETECTION_REASON_PREFIX = '重新检测';

export const traceText = (trace: readonly string[]) => JSON.stringify(trace);

/**
 * Compares what the evidence says now with the detected lines already in the ledger.
 * Locked periods never change: their existing lines stay, their new proposals are skipped.
 * A line whose numbers changed is withdrawn and added anew, so its history stays readable.
 * Detection withdraws with reasons starting 重新检测 (DETECTION_REASON_PREFIX); any other
 * withdrawal was a person's, and `withdrawnByHand` lists those keys.
 */
export function reconcile(
  existing: readonly ExistingLine[],
  proposed: readonly ProposedLine[],
  periods: readonly PeriodSpan[],
  withdrawnByHand: ReadonlySet<string> = new Set(),
): Reconciliation {
  const locked = new Set(periods.filter((p) => p.locked).map((p) => p.number));
  const out: Reconciliation = { add: [], withdraw: [], retrace: [], unchanged: 0, skippedLocked: [], suppressed: [], adjusted: [] };
  const byKey = new Map<string, ExistingLine>();
  for (const line of existing) {
    if (line.sourceKey === null) continue;
    if (locked.has(line.periodNumber)) continue;
    if (byKey.has(line.sourceKey)) {
      // Two active lines for one piece of evidence: keep one, withdraw the duplicate.
      out.withdraw.push({ line, reason: '重新检测：同一证据的重复扣分记录' });
      continue;
    }
    byKey.set(line.sourceKey, line);
  }
  const lockedKeys = new Set(existing.filter((l) => l.sourceKey && locked.has(l.periodNumber)).map((l) => l.sourceKey));
  const seen = new Set<string>();
  for (const original of proposed) {
    let p = original;
    if (seen.has(p.sourceKey)) throw new Error(`detector proposed ${p.sourceKey} twice`);
    seen.add(p.sourceKey);
    if (lockedKeys.has(p.sourceKey)) continue; // already counted in a signed period
    const old = byKey.get(p.sourceKey);
    if (!old && withdrawnByHand.has(p.sourceKey)) {
      // A manager withdrew this evidence's line (e.g. an upheld objection): detection does not
      // bring it back; a person can record it again by hand.
      out.suppressed.push(p);
      continue;
    }
    if (locked.has(p.periodNumber)) {
      // RULES §3: a signed period never changes; late evidence becomes an adjustment line in
      // the next open period.
      const next = periods.find((x) => x.number > p.periodNumber && !x.locked);
      if (!next) {
        out.skippedLocked.push(p);
        if (old) byKey.delete(p.sourceKey);
        continue;
      }
      p = {
        ...p,
        periodNumber: next.number,
        reason: `【补记：原属第${original.periodNumber}考核期】${p.reason}`,
        trace: [...p.trace, `该扣分属于第 ${original.periodNumber} 考核期，但该期已签署锁定，按规则作为调整记入第 ${next.number} 考核期。`],
      };
      out.adjusted.push(p);
    }
    if (!old) {
      out.add.push(p);
      continue;
    }
    byKey.delete(p.sourceKey);
    const same =
      old.periodNumber === p.periodNumber &&
      old.itemNumber === p.itemNumber &&
      old.ruleCode === p.ruleCode &&
      old.units === p.units * 100;
    if (!same) {
      out.withdraw.push({ line: old, reason: '重新检测：证据已更新，按新结果重新记录' });
      out.add.push(p);
    } else if (old.reason !== p.reason || old.trace !== traceText(p.trace)) {
      out.retrace.push({ line: old, proposed: p });
    } else {
      out.unchanged += 1;
    }
  }
  for (const line of byKey.values()) {
    out.withdraw.push({ line, reason: '重新检测：证据已更新，不再构成扣分' });
  }
  return out;
}
