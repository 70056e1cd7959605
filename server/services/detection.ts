// Writes what a detector proposes into the ledger, inside the caller's transaction:
// new lines added, lines whose evidence changed withdrawn (never deleted), signed periods
// untouched. One audit entry per run lists what changed.
import { Op, Transaction } from 'sequelize';
import { LedgerLineRow } from '../../models';
import { DETECTION_REASON_PREFIX, ExistingLine, PeriodSpan, ProposedLine, reconcile, traceText } from '../../scoring/detection';
import { linePoints } from '../../scoring/scorecard';
import { findRule } from '../../scoring/template';
import { Actor, audit, Ctx, sqlDate } from './context';
import { ContractBundle } from './contracts';
import { loadTemplate } from './templates';

export type DetectionSource = 'sla' | 'inspection' | 'report' | 'staffing' | 'event';

export interface DetectionSummary {
  added: number;
  withdrawn: number;
  retraced: number;
  unchanged: number;
  skippedLocked: number;
  /** lines a person withdrew, which detection leaves withdrawn */
  suppressed?: number;
  /** late evidence for a signed period, written into the next open period */
  adjusted?: number;
}

export function periodSpans(bundle: ContractBundle): PeriodSpan[] {
  return bundle.periods.map((p) => ({
    number: p.number,
    startDate: p.startDate,
    endDate: p.endDate,
    locked: p.status === 'signed' || p.status === 'locked',
  }));
}

/**
 * @param scopeKeys when given, only existing lines with one of these source keys are compared
 *   (a change to one ticket re-examines that ticket's line only).
 */
export async function applyDetection(
  ctx: Ctx,
  t: Transaction,
  actor: Actor,
  bundle: ContractBundle,
  source: DetectionSource,
  proposed: readonly ProposedLine[],
  scopeKeys?: readonly string[],
  opts: { audit?: boolean; noExisting?: boolean } = {},
): Promise<DetectionSummary> {
  const contractId = bundle.contract.id;
  const { LedgerLine } = ctx.db.models;
  const where: Record<string | symbol, unknown> = { contractId, source, status: 'active' };
  if (scopeKeys) {
    if (scopeKeys.length === 0) return { added: 0, withdrawn: 0, retraced: 0, unchanged: 0, skippedLocked: 0 };
    // A small scope is filtered in SQL; a large one is filtered in memory below.
    if (scopeKeys.length <= 500) where.sourceKey = { [Op.in]: [...scopeKeys] };
  }
  const existing = opts.noExisting ? [] : (await LedgerLine.findAll({
    where,
    attributes: ['id', 'sourceKey', 'periodNumber', 'itemNumber', 'ruleCode', 'units', 'reason', 'trace', 'version'],
    raw: true,
    transaction: t,
  })) as unknown as ExistingLine[];
  const scope = scopeKeys ? new Set(scopeKeys) : null;
  const scoped = scope ? existing.filter((l) => l.sourceKey !== null && scope.has(l.sourceKey)) : existing;
  const periods = periodSpans(bundle);
  const byHandWhere: Record<string | symbol, unknown> = {
    contractId, source, status: 'withdrawn', withdrawnReason: { [Op.notLike]: `${DETECTION_REASON_PREFIX}%` },
  };
  if (scopeKeys && scopeKeys.length <= 500) byHandWhere.sourceKey = { [Op.in]: [...scopeKeys] };
  const byHand = opts.noExisting ? [] : ((await LedgerLine.findAll({ where: byHandWhere, attributes: ['sourceKey'], raw: true, transaction: t })) as unknown as { sourceKey: string | null }[]);
  const r = reconcile(scoped, proposed, periods, new Set(byHand.map((l) => l.sourceKey).filter((k): k is string => k !== null)));

  const now = new Date();
  if (r.withdraw.length) {
    // Group by reason so each update is one statement.
    const byReason = new Map<string, number[]>();
    for (const w of r.withdraw) byReason.set(w.reason, [...(byReason.get(w.reason) ?? []), w.line.id]);
    for (const [reason, ids] of byReason) {
      for (let i = 0; i < ids.length; i += 500) {
        await LedgerLine.update(
          { status: 'withdrawn', withdrawnReason: reason, withdrawnBy: actor.id || null, withdrawnAt: now },
          { where: { id: ids.slice(i, i + 500), status: 'active' }, transaction: t },
        );
      }
    }
  }
  for (const { line, proposed: p } of r.retrace) {
    await LedgerLine.update(
      { reason: p.reason, trace: traceText(p.trace), occurredAt: p.occurredAt, version: (line.version ?? 0) + 1 },
      { where: { id: line.id, status: 'active' }, transaction: t },
    );
  }
  if (r.add.length) {
    const rows = [];
    for (const p of r.add) {
      const period = bundle.periods.find((x) => x.number === p.periodNumber)!;
      const template = await loadTemplate(ctx, period.templateVersion);
      const { rule } = findRule(template, p.itemNumber, p.ruleCode);
      if (!rule) throw new Error(`detector proposed rule ${p.ruleCode} not in table version ${template.version}`);
      rows.push({
        contract_id: contractId,
        period_number: p.periodNumber,
        item_number: p.itemNumber,
        rule_code: p.ruleCode,
        units: p.units * 100,
        points: linePoints(rule, p.units * 100),
        reason: p.reason,
        occurred_at: sqlDate(p.occurredAt),
        evidence: null,
        source,
        source_key: p.sourceKey,
        trace: traceText(p.trace),
        recorded_by: actor.id || null,
        status: 'active',
        version: 0,
        created_at: sqlDate(now),
        updated_at: sqlDate(now),
      });
    }
    // One multi-row INSERT per 1,000 lines: a 100,000-ticket import can add tens of thousands.
    const qi = ctx.db.sequelize.getQueryInterface();
    for (let i = 0; i < rows.length; i += 1000) await qi.bulkInsert('ledger_lines', rows.slice(i, i + 1000), { transaction: t });
  }
  const summary: DetectionSummary = {
    added: r.add.length,
    withdrawn: r.withdraw.length,
    retraced: r.retrace.length,
    unchanged: r.unchanged,
    skippedLocked: r.skippedLocked.length,
    suppressed: r.suppressed.length,
    adjusted: r.adjusted.length,
  };
  if (opts.audit !== false && (summary.added || summary.withdrawn || summary.retraced || summary.skippedLocked)) {
    await audit(ctx, t, actor, {
      action: `detection.${source}`,
      entity: 'ledger_line',
      contractId,
      before: { withdrawn: r.withdraw.map((w) => ({ id: w.line.id, sourceKey: w.line.sourceKey, reason: w.reason })) },
      after: {
        ...summary,
        added: r.add.map((p) => ({ sourceKey: p.sourceKey, period: p.periodNumber, item: p.itemNumber, rule: p.ruleCode, units: p.units })),
        retraced: r.retrace.map((x) => x.line.id),
        skippedLocked: r.skippedLocked.map((p) => ({ sourceKey: p.sourceKey, period: p.periodNumber, item: p.itemNumber, rule: p.ruleCode })),
      },
    });
  }
  return summary;
}

export function addSummaries(a: DetectionSummary, b: DetectionSummary): DetectionSummary {
  return {
    added: a.added + b.added,
    withdrawn: a.withdrawn + b.withdrawn,
    retraced: a.retraced + b.retraced,
    unchanged: a.unchanged + b.unchanged,
    skippedLocked: a.skippedLocked + b.skippedLocked,
    suppressed: (a.suppressed ?? 0) + (b.suppressed ?? 0),
    adjusted: (a.adjusted ?? 0) + (b.adjusted ?? 0),
  };
}

export function parseTrace(line: Pick<LedgerLineRow, 'trace'>): string[] {
  if (!line.trace) return [];
  try {
    const t = JSON.parse(line.trace);
    return Array.isArray(t) ? t.map(String) : [String(t)];
  } catch {
    return [line.trace];
  }
}
