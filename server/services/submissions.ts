// Evidence the vendor submits itself (a report handed in, an inspection run, a roster
// change), with attachments. It counts only once the bureau's manager confirms it: the
// confirmation records it through the same evidence functions a manager uses, in the same
// transaction, so detection sees it exactly as if the manager had entered it.
import { EvidenceSubmissionRow, InspectionPlanRow, ReportPlanRow, SubmissionKind } from '../../models';
import { badRequest, conflict, invalidField, notFound, ErrorDetail } from '../errors';
import { Joi, validate } from '../validate';
import { Actor, audit, Ctx, iso, now, requireRole, toJsonText } from './context';
import { loadVisibleBundle } from './contracts';
import {
  normaliseCovers, personIssues, PersonInput, personSchema, recordInspection, runIssues, RunInput, runSchema, SubmissionInput, submissionSchema, submitReport, upsertPeople,
} from './evidence';
import { filesOf, notifyManager, notifyVendorUsers } from './inbox';

export const SUBMISSION_KINDS: Record<SubmissionKind, string> = {
  report_submission: '报告提交',
  inspection_run: '巡检记录',
  person: '人员变更',
};

const schema = Joi.object({
  kind: Joi.string().valid(...Object.keys(SUBMISSION_KINDS)).required(),
  payload: Joi.object().required(),
  attachments: Joi.array().items(Joi.number().integer().min(1)).max(20).unique().default([]),
});

function prefixed(details: ErrorDetail[] | undefined): ErrorDetail[] {
  return (details ?? []).map((d) => ({ path: `payload.${d.path}`, message: d.message }));
}

/**
 * Checks the payload as the manager's own form would (fields, the plan it names, the checklist,
 * what a report covers), so that a confirmation does not fail on something the vendor could fix.
 */
async function checkPayload(ctx: Ctx, contractId: number, contractStart: string, kind: SubmissionKind, payload: unknown): Promise<void> {
  const s = kind === 'report_submission' ? submissionSchema : kind === 'inspection_run' ? runSchema : personSchema;
  try {
    const v = validate<unknown>(s, payload);
    let issues: ErrorDetail[] = [];
    if (kind === 'person') issues = personIssues(v as PersonInput);
    if (kind === 'inspection_run') {
      const run = v as RunInput;
      const plan = (await ctx.db.models.InspectionPlan.findOne({ where: { id: run.planId, contractId, status: 'active' }, raw: true })) as unknown as InspectionPlanRow | null;
      issues = runIssues(run, plan ?? undefined);
    }
    if (kind === 'report_submission') {
      const sub = v as SubmissionInput;
      const plan = (await ctx.db.models.ReportPlan.findOne({ where: { id: sub.planId, contractId, status: 'active' }, raw: true })) as unknown as ReportPlanRow | null;
      if (!plan) issues = [{ path: 'planId', message: `报告计划 ${sub.planId} 不存在` }];
      else if (!normaliseCovers(plan.kind, sub.covers, contractStart)) {
        issues = [{ path: 'covers', message: `「${sub.covers}」不是${plan.kind === 'per_incident' ? '事件（event:编号）' : '该报告周期的有效写法'}` }];
      }
    }
    if (issues.length) throw badRequest(issues[0].message, issues);
  } catch (e) {
    const details = prefixed((e as { details?: ErrorDetail[] }).details);
    throw badRequest(details[0]?.message ?? (e as Error).message, details);
  }
}

export function serializeSubmission(s: EvidenceSubmissionRow) {
  return {
    id: s.id,
    contractId: s.contractId,
    kind: s.kind,
    kindName: SUBMISSION_KINDS[s.kind],
    payload: JSON.parse(s.payload) as Record<string, unknown>,
    attachments: JSON.parse(s.attachments) as number[],
    status: s.status,
    submittedBy: s.submittedBy,
    submittedAt: iso(s.createdAt),
    reviewNote: s.reviewNote ?? null,
    reviewedBy: s.reviewedBy ?? null,
    reviewedAt: iso(s.reviewedAt),
    version: s.version ?? 0,
  };
}

export async function submitEvidence(ctx: Ctx, actor: Actor, contractId: number, body: unknown) {
  requireRole(actor, 'vendor');
  const input = validate<{ kind: SubmissionKind; payload: Record<string, unknown>; attachments: number[] }>(schema, body);
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  await checkPayload(ctx, contractId, bundle.contract.startDate, input.kind, input.payload);
  const files = await filesOf(ctx, contractId, input.attachments);
  if (files.length !== input.attachments.length) throw invalidField('attachments', '附件不存在或不属于本合同');
  return ctx.db.sequelize.transaction(async (t) => {
    const row = (await ctx.db.models.EvidenceSubmission.create(
      {
        contractId, kind: input.kind, payload: toJsonText(input.payload) as string, attachments: JSON.stringify(input.attachments),
        status: 'pending', submittedBy: actor.id || null,
      },
      { transaction: t },
    )).get({ plain: true }) as EvidenceSubmissionRow;
    const out = serializeSubmission(row);
    await audit(ctx, t, actor, { action: 'submission.create', entity: 'evidence_submission', entityId: row.id, contractId, after: out });
    await notifyManager(ctx, t, bundle, {
      kind: 'submission.created',
      message: `${bundle.vendor.name} 提交了${SUBMISSION_KINDS[input.kind]}，待确认`,
      link: `/contracts/${contractId}/submissions`,
    });
    return out;
  });
}

const listSchema = Joi.object({ status: Joi.string().valid('pending', 'confirmed', 'rejected') });

export async function listSubmissions(ctx: Ctx, actor: Actor, contractId: number, query: unknown = {}) {
  const q = validate<{ status?: string }>(listSchema, query ?? {});
  await loadVisibleBundle(ctx, actor, contractId);
  const where: Record<string, unknown> = { contractId };
  if (q.status) where.status = q.status;
  const rows = (await ctx.db.models.EvidenceSubmission.findAll({ where, order: [['id', 'DESC']], raw: true })) as unknown as EvidenceSubmissionRow[];
  return rows.map(serializeSubmission);
}

const reviewSchema = Joi.object({
  decision: Joi.string().valid('confirm', 'reject').required(),
  note: Joi.string().trim().max(4000).allow('', null),
});

/** The manager confirms (records the evidence, detection runs) or rejects with a note. */
export async function reviewSubmission(ctx: Ctx, actor: Actor, contractId: number, id: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{ decision: 'confirm' | 'reject'; note?: string | null }>(reviewSchema, body);
  if (input.decision === 'reject' && !input.note) throw invalidField('note', '退回时请写明原因');
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const { EvidenceSubmission } = ctx.db.models;
  return ctx.db.sequelize.transaction(async (t) => {
    const s = (await EvidenceSubmission.findOne({ where: { id, contractId }, raw: true, transaction: t })) as unknown as EvidenceSubmissionRow | null;
    if (!s) throw notFound('提交记录不存在');
    if (s.status !== 'pending') throw conflict('该提交已处理');
    let result: unknown = null;
    if (input.decision === 'confirm') {
      const payload = JSON.parse(s.payload);
      try {
        if (s.kind === 'report_submission') result = await submitReport(ctx, actor, contractId, payload, t);
        else if (s.kind === 'inspection_run') result = await recordInspection(ctx, actor, contractId, payload, t);
        else result = await upsertPeople(ctx, actor, contractId, [payload], t);
      } catch (e) {
        const details = prefixed((e as { details?: ErrorDetail[] }).details);
        if (details.length) throw badRequest(`无法确认：${details[0].message}`, details);
        throw e;
      }
    }
    const [n] = await EvidenceSubmission.update(
      { status: input.decision === 'confirm' ? 'confirmed' : 'rejected', reviewNote: input.note || null, reviewedBy: actor.id || null, reviewedAt: now(ctx), version: s.version + 1 },
      { where: { id, version: s.version, status: 'pending' }, transaction: t },
    );
    if (n !== 1) throw conflict('该提交已被他人处理');
    const after = (await EvidenceSubmission.findByPk(id, { raw: true, transaction: t })) as unknown as EvidenceSubmissionRow;
    const out = serializeSubmission(after);
    await audit(ctx, t, actor, { action: `submission.${input.decision}`, entity: 'evidence_submission', entityId: id, contractId, before: serializeSubmission(s), after: out });
    await notifyVendorUsers(ctx, t, bundle.contract.vendorId, {
      contractId,
      kind: `submission.${input.decision}`,
      message: `您提交的${SUBMISSION_KINDS[s.kind]}已${input.decision === 'confirm' ? '确认' : `退回：${input.note}`}`,
      link: `/contracts/${contractId}/submissions`,
    });
    return { ...out, result };
  });
}
