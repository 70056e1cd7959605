// Where each contract stands this quarter, for the manager's dashboard and the vendor's home:
// the current period's score so far, lines added this week, open objections, submissions
// waiting for confirmation, obligations due or missed, interviews due, termination right.
import { Op } from 'sequelize';
import { ContractRow, InterviewRow } from '../../models';
import { Actor, Ctx, now } from './context';
import { loadVisibleBundle } from './contracts';
import { periodDeductions } from './assessment';
import { listObligations } from './evidence';
import { standing } from './workflow';
import { contractCalendar } from './calendar';

export async function contractsOf(ctx: Ctx, actor: Actor): Promise<ContractRow[]> {
  const where: Record<string, unknown> = {};
  if (actor.role === 'vendor') where.vendorId = actor.vendorId ?? -1;
  if (actor.role === 'manager') where.managerId = actor.id;
  return (await ctx.db.models.Contract.findAll({ where, order: [['id', 'ASC']], raw: true })) as unknown as ContractRow[];
}

export async function contractSummary(ctx: Ctx, actor: Actor, contractId: number) {
  const at = now(ctx);
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const m = ctx.db.models;
  const weekAgo = new Date(at.getTime() - 7 * 86400_000);
  const [{ scores }, interviews, linesThisWeek, openObjections, pendingSubmissions, obligations, cal] = await Promise.all([
    periodDeductions(ctx, bundle),
    m.Interview.findAll({ where: { contractId }, raw: true }) as unknown as Promise<InterviewRow[]>,
    m.LedgerLine.count({ where: { contractId, status: 'active', createdAt: { [Op.gte]: weekAgo } } }),
    m.Objection.count({ where: { contractId, status: 'open' } }),
    m.EvidenceSubmission.count({ where: { contractId, status: 'pending' } }),
    listObligations(ctx, actor, contractId, at),
    contractCalendar(ctx, bundle.contract),
  ]);
  const today = cal.localDate(at.getTime());
  const current =
    bundle.periods.find((p) => p.startDate <= today && today <= p.endDate) ??
    (today > bundle.contract.endDate ? bundle.periods[bundle.periods.length - 1] : bundle.periods[0]);
  const vendorView = actor.role === 'vendor';
  const shown = scores.map((s) => (vendorView && s.status === 'draft' ? { ...s, score: null as string | null, totalDeduction: null as string | null } : s));
  const cur = shown.find((s) => s.number === current.number)!;
  const st = standing(bundle, scores, interviews);
  const periodsToPublish = bundle.periods.filter((p) => p.status === 'draft' && p.endDate < today).map((p) => p.number);
  const awaiting = bundle.periods
    .filter((p) => p.status === 'published')
    .map((p) => ({ number: p.number, label: p.label, deadline: p.objectionDeadline, acknowledged: !!p.acknowledgedAt }));
  return {
    id: bundle.contract.id,
    code: bundle.contract.code,
    name: bundle.contract.name,
    vendor: bundle.vendor.name,
    today,
    current: { number: current.number, label: current.label, status: current.status, score: cur.score, totalDeduction: cur.totalDeduction },
    scores: shown,
    linesThisWeek: vendorView ? null : linesThisWeek,
    openObjections,
    pendingSubmissions,
    obligationsOverdue: obligations.filter((o) => o.state === 'overdue'),
    obligationsDue: obligations.filter((o) => o.state === 'due'),
    interviewsDue: vendorView ? [] : st.interviewsDue,
    terminationRight: vendorView ? false : st.terminationRight,
    terminationPeriod: vendorView ? null : st.terminationPeriod,
    periodsToPublish: vendorView ? [] : periodsToPublish,
    awaiting,
  };
}

export async function dashboard(ctx: Ctx, actor: Actor) {
  const rows = await contractsOf(ctx, actor);
  const out = [];
  for (const c of rows) out.push(await contractSummary(ctx, actor, c.id));
  return out;
}
