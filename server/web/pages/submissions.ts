// Evidence the vendor submits itself: a report handed in, an inspection run or a roster
// change, with an optional attachment. Vendors submit and follow their submissions (status and
// the manager's note); managers confirm (the evidence is recorded and detection runs) or
// reject with a note. Finance sees the list.
import fs from 'node:fs';
import path from 'node:path';
import { Request, RequestHandler, Response, Router } from 'express';
import multer from 'multer';
import { ApiError } from '../../errors';
import { Ctx } from '../../services/context';
import * as contracts from '../../services/contracts';
import * as evidence from '../../services/evidence';
import * as inbox from '../../services/inbox';
import * as submissions from '../../services/submissions';
import { actor, checkbox, flash, FormErrors, intParam, localDateTime, page, str, submitForm } from '../render';
import { FINDING_ROWS, inspectionRunOf, lines, opt, relabel, savedWith, show } from './setup';


const LABELS: Record<string, Record<string, string>> = {
  report_submission: { planId: '报告计划', covers: '报告周期', submittedAt: '提交时间', title: '报告标题', externalId: '报告编号' },
  inspection_run: { planId: '巡检计划', externalId: '记录编号', performedAt: '巡检时间', performer: '巡检人', itemsChecked: '已检查项目', findings: '发现的问题' },
  person: {
    externalId: '人员编号', name: '姓名', role: '岗位', startDate: '到岗日期', endDate: '离岗日期', qualifications: '资质', securityAgreement: '保密协议',
    noCriminalRecord: '无犯罪记录证明', securityTrainingDate: '安全培训日期',
  },
};
const STATUS: Record<string, string> = { pending: '待确认', confirmed: '已确认', rejected: '已退回' };

/** The payload of a submission from its form. */
function payloadOf(kind: string, b: Record<string, unknown>): { payload: Record<string, unknown>; findingIndex: number[] } {
  const findingIndex: number[] = [];
  if (kind === 'report_submission') {
    return { payload: { planId: opt(b.planId), covers: opt(b.covers), submittedAt: localDateTime(b.submittedAt), title: opt(b.title) ?? null, externalId: opt(b.externalId) ?? null }, findingIndex };
  }
  if (kind === 'inspection_run') {
    const { run, findingIndex: rows } = inspectionRunOf(b);
    return { payload: run, findingIndex: rows };
  }
  return {
    payload: {
      externalId: opt(b.externalId), name: opt(b.name), role: opt(b.role), startDate: opt(b.startDate), endDate: opt(b.endDate) ?? null,
      qualifications: [...new Set((opt(b.qualifications) ?? '').split(/[,，、;；\n]+/).map((s) => s.trim()).filter(Boolean))],
      securityAgreement: checkbox(b.securityAgreement), noCriminalRecord: checkbox(b.noCriminalRecord), securityTrainingDate: opt(b.securityTrainingDate) ?? null,
    },
    findingIndex,
  };
}

function payloadErrors(kind: string, errors: FormErrors, findingIndex: number[]): FormErrors {
  const labels = LABELS[kind] ?? {};
  return relabel(
    errors,
    (k) => {
      const m = /^findings\[(\d+)\]\.(\w+)$/.exec(k);
      if (m) return `第 ${Number(m[1]) + 1} 个问题的${m[2] === 'handledAt' ? '处理时间' : '描述'}`;
      return labels[k] ?? (k === 'file' ? '附件' : undefined);
    },
    (k) => {
      if (k === 'attachments') return 'file';
      const key = k.replace(/^payload\./, '').replace(/^\[\d+\]\.?/, '');
      const m = /^findings\[(\d+)\](?:\.(\w+))?/.exec(key);
      if (m) return `findings[${findingIndex[Number(m[1])] ?? Number(m[1])}].${m[2] ?? 'description'}`;
      return key.replace(/^(itemsChecked|qualifications)\[\d+\]$/, '$1') || 'kind';
    },
  );
}

export function registerSubmissionPages(r: Router, ctx: Ctx): void {
  const tmpDir = path.join(ctx.config.dataDir, 'uploads', 'tmp');
  const uploader = multer({ dest: tmpDir, limits: { fileSize: Math.min(ctx.config.uploadMaxMb, 50) * 1024 * 1024, files: 1, fields: 40 } });
  /** Optional attachment in field `file`, received only on a contract the user can see; removed after the response. */
  const optionalFile: RequestHandler = (req, res, next) => {
    let id: number;
    try {
      id = intParam(req, 'id');
    } catch (e) {
      return next(e);
    }
    contracts.getContract(ctx, actor(req), id).then(() => {
      fs.mkdirSync(tmpDir, { recursive: true });
      uploader.single('file')(req, res, (err?: unknown) => {
        res.on('finish', () => {
          if (req.file?.path) fs.rm(req.file.path, { force: true }, () => undefined);
        });
        if (err) {
          if (req.file?.path) fs.rm(req.file.path, { force: true }, () => undefined);
          const e = err as { code?: string };
          return next(new ApiError(e.code === 'LIMIT_FILE_SIZE' ? 413 : 400, 'invalid_upload', e.code === 'LIMIT_FILE_SIZE' ? '附件过大' : '上传内容无效'));
        }
        next();
      });
    }, next);
  };

  async function submissionsPage(req: Request, res: Response, extra: { form?: string; values?: Record<string, unknown>; errors?: FormErrors } = {}) {
    const me = actor(req);
    const id = intParam(req, 'id');
    const c = await contracts.getContract(ctx, me, id); // another vendor's contract: 404
    const [list, inspectionPlans, reportPlans, positions] = await Promise.all([
      submissions.listSubmissions(ctx, me, id),
      evidence.listInspectionPlans(ctx, me, id),
      evidence.listReportPlans(ctx, me, id),
      evidence.listPositions(ctx, me, id),
    ]);
    const files = new Map((await inbox.filesOf(ctx, id, [...new Set(list.flatMap((s) => s.attachments))])).map((f) => [f.id, f]));
    const scoped = (f: string, dflt: Record<string, unknown> = {}) =>
      extra.form === f ? { values: extra.values ?? {}, errors: extra.errors ?? null } : { values: dflt, errors: null };
    show(res, 'submissions/index', {
      title: `服务商提交 · ${c.name}`,
      c,
      isVendor: me.role === 'vendor',
      canReview: me.role === 'manager' || me.role === 'admin',
      pending: list.filter((s) => s.status === 'pending'),
      done: list.filter((s) => s.status !== 'pending'),
      files,
      inspectionPlans, reportPlans, positions,
      labels: LABELS, status: STATUS, findingRows: FINDING_ROWS,
      planName: (plans: { id: number; name: string }[], pid: unknown) => plans.find((p) => String(p.id) === String(pid))?.name ?? `#${String(pid)}`,
      report: scoped('report_submission'),
      inspection: scoped('inspection_run'),
      person: scoped('person', { securityAgreement: '1', noCriminalRecord: '1' }),
      review: extra.form?.startsWith('review-') ? { id: Number(extra.form.slice(7)), values: extra.values ?? {}, errors: extra.errors ?? null } : { id: 0, values: {}, errors: null },
      openSection: extra.form ?? null,
      errors: extra.errors ? { message: extra.errors.message, fields: {} } : null,
    });
  }

  r.get('/contracts/:id/submissions', page(async (req, res) => submissionsPage(req, res)));

  // ---- the vendor submits (multipart: the CSRF token is in the query string)
  r.post('/contracts/:id/submissions', optionalFile, page(async (req, res) => {
    const me = actor(req);
    const id = intParam(req, 'id');
    const b = req.body ?? {};
    const kind = str(b.kind) ?? '';
    const { payload, findingIndex } = payloadOf(kind, b);
    await submitForm(req, res, {
      run: async () => {
        const attachments: number[] = [];
        // Only a vendor's submission keeps a file (submitEvidence refuses everyone else).
        if (req.file && me.role === 'vendor') attachments.push((await inbox.saveFile(ctx, me, id, req.file)).id);
        await submissions.submitEvidence(ctx, me, id, { kind: kind || undefined, payload, attachments });
        return `/contracts/${id}/submissions#mine`;
      },
      ok: '已提交，等待局方合同管理员确认',
      rerender: async (errors) => submissionsPage(req, res, {
        form: ['report_submission', 'inspection_run', 'person'].includes(kind) ? kind : 'report_submission',
        values: { ...b, securityAgreement: b.securityAgreement ?? '', noCriminalRecord: b.noCriminalRecord ?? '' },
        errors: payloadErrors(kind, errors, findingIndex),
      }),
    });
  }));

  // ---- the manager confirms or rejects
  r.post('/contracts/:id/submissions/:sid/review', page(async (req, res) => {
    const id = intParam(req, 'id');
    const sid = intParam(req, 'sid');
    const decision = str(req.body.decision);
    await submitForm(req, res, {
      run: async () => {
        const out = await submissions.reviewSubmission(ctx, actor(req), id, sid, { decision, note: str(req.body.note) ?? null });
        flash(req, decision === 'confirm' ? savedWith('已确认，证据已记录', out.result) : '已退回，服务商已收到通知');
        return `/contracts/${id}/submissions`;
      },
      rerender: async (errors) => submissionsPage(req, res, {
        form: `review-${sid}`, values: req.body,
        errors: relabel(errors, (k) => ({ note: '退回原因', decision: '处理决定' } as Record<string, string>)[k], (k) => (k.startsWith('payload') ? 'decision' : k)),
      }),
    });
  }));
}
