// Contract pages: the list, a contract's overview (periods, standing, interviews), the
// scorecard of a period with the sign-off workflow (publish, objections and their
// resolution, acknowledgement, signing, reopening), and the manual deduction form.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Request, RequestHandler, Response, Router } from 'express';
import multer from 'multer';
import { ApiError } from '../../errors';
import { Ctx, requireRole } from '../../services/context';
import * as assessment from '../../services/assessment';
import * as contracts from '../../services/contracts';
import * as inbox from '../../services/inbox';
import * as ledger from '../../services/ledger';
import * as workflow from '../../services/workflow';
import { loadTemplate } from '../../services/templates';
import { actorKey, cached } from '../../services/readcache';
import { categoryChart, trendChart } from '../charts';
import { actor, flash, formErrors, intParam, localDateTime, page, render, str, submitForm } from '../render';

export function registerContractPages(r: Router, ctx: Ctx): void {
  const tmpDir = path.join(ctx.config.dataDir, 'uploads', 'tmp');
  const uploader = multer({ dest: tmpDir, limits: { fileSize: Math.min(ctx.config.uploadMaxMb, 50) * 1024 * 1024, files: 1, fields: 20 } });
  /** Optional single attachment in field `file`; the temporary file is removed after the response. */
  const optionalFile: RequestHandler = (req, res, next) => {
    fs.mkdirSync(tmpDir, { recursive: true });
    uploader.single('file')(req, res, (err?: unknown) => {
      res.on('finish', () => {
        if (req.file?.path) fs.rm(req.file.path, { force: true }, () => undefined);
      });
      if (err) {
        const e = err as { code?: string };
        return next(new ApiError(e.code === 'LIMIT_FILE_SIZE' ? 413 : 400, 'invalid_upload', e.code === 'LIMIT_FILE_SIZE' ? '附件过大' : '上传内容无效'));
      }
      next();
    });
  };

  r.get('/contracts', page(async (req, res) => {
    const list = await contracts.listContracts(ctx, actor(req));
    render(res, 'contracts/list', { title: '合同', list });
  }));

  /** A contract's standing, scorecards, objections and payments, cached per data version (see readcache). */
  const standingOf = (req: Request, id: number) =>
    cached(ctx, `standing:${id}:${actorKey(actor(req))}`, () => workflow.getContractStanding(ctx, actor(req), id), req.dataVersion);
  const scorecardOf = (req: Request, id: number, n: number) =>
    cached(ctx, `scorecard:${id}:${n}:${actorKey(actor(req))}`, () => assessment.getScorecard(ctx, actor(req), id, n), req.dataVersion);
  const objectionsOf = (req: Request, id: number, n?: number) =>
    cached(ctx, `objections:${id}:${n ?? '*'}:${actorKey(actor(req))}`, () => workflow.listObjections(ctx, actor(req), id, n ? { period: n } : {}), req.dataVersion);
  const paymentsOf = (req: Request, id: number) =>
    cached(ctx, `payments:${id}:${actorKey(actor(req))}`, () => assessment.getPayments(ctx, actor(req), id), req.dataVersion);

  r.get('/contracts/:id', page(async (req, res) => {
    const c = await standingOf(req, intParam(req, 'id'));
    await showContract(req, res, c);
  }));

  async function showContract(req: Request, res: Response, c: Awaited<ReturnType<typeof workflow.getContractStanding>>, extra: Record<string, unknown> = {}) {
    const me = actor(req);
    const payments = me.role === 'vendor' ? null : await paymentsOf(req, c.id);
    const objections = await objectionsOf(req, c.id);
    const chart = trendChart(c.scores.map((s) => ({ label: `第${s.number}期`, score: s.score })), c.interviewThreshold);
    render(res, 'contracts/show', { title: c.name, c, payments, objections, chart, ...extra });
  }

  // ---- interviews (约谈)
  r.post('/contracts/:id/interviews', page(async (req, res) => {
    const id = intParam(req, 'id');
    await submitForm(req, res, {
      run: async () => {
        await workflow.recordInterview(ctx, actor(req), id, {
          period: str(req.body.period) ? Number(req.body.period) : undefined,
          date: str(req.body.date),
          attendees: str(req.body.attendees),
          outcome: str(req.body.outcome),
        });
        return `/contracts/${id}#interviews`;
      },
      ok: '约谈记录已保存',
      labels: { period: '考核期', date: '约谈日期', attendees: '参加人员', outcome: '约谈结果' },
      rerender: async (errors) => {
        const c = await standingOf(req, id);
        await showContract(req, res, c, { values: req.body, errors });
      },
    });
  }));

  // ---- the scorecard of a period and its workflow
  /**
   * The page between header and footer depends only on the data, the period, the role and the
   * vendor: it is rendered once per data version and kept, with a random marker where each
   * session's CSRF token goes (filled in as the page is sent). A form shown again with errors
   * is rendered afresh.
   */
  // random per process: text a user typed can never contain it
  const CSRF_SLOT = `csrf-${crypto.randomBytes(12).toString('hex')}`;
  async function scorecardBody(req: Request, res: Response, extra: Record<string, unknown>) {
    const id = intParam(req, 'id');
    const n = intParam(req, 'n');
    const [c, sc] = await Promise.all([standingOf(req, id), scorecardOf(req, id, n)]);
    const objections = await objectionsOf(req, id, n);
    const byLine = new Map(objections.map((o) => [o.lineId, o]));
    const period = c.periods.find((p) => p.number === n)!;
    const files = new Map<number, { id: number; name: string }>();
    for (const f of await inbox.filesOf(ctx, id, [...new Set(objections.flatMap((o) => o.attachments))])) files.set(f.id, f);
    // each rule's unit (次, 人, 项 ...) and wording, to say what a line counts
    const template = await loadTemplate(ctx, sc.templateVersion);
    const rules = new Map(template.items.flatMap((it) => it.rules.map((r) => [r.code, r] as const)));
    const data = {
      ...res.locals,
      values: {},
      errors: null,
      c,
      sc,
      rules,
      period,
      objections,
      byLine,
      files,
      openCount: objections.filter((o) => o.status === 'open').length,
      trend: trendChart(c.scores.map((s) => ({ label: `第${s.number}期`, score: s.score })), c.interviewThreshold),
      byCategory: categoryChart(sc.categories.map((x) => ({ label: x.category, value: x.deduction }))),
      ...extra,
      csrfToken: () => CSRF_SLOT,
    };
    const body = await new Promise<string>((ok, ko) => res.app.render('contracts/scorecard-body', data, (err, html) => (err ? ko(err) : ok(html))));
    return { title: `${c.name} · ${period.label}`, body };
  }

  async function showScorecard(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const me = actor(req);
    const id = intParam(req, 'id');
    const n = intParam(req, 'n');
    const view = Object.keys(extra).length
      ? await scorecardBody(req, res, extra)
      : await cached(ctx, `scorecard-page:${id}:${n}:${actorKey(me)}`, () => scorecardBody(req, res, {}), req.dataVersion);
    render(res, 'contracts/scorecard', { title: view.title, body: view.body, csrfSlot: CSRF_SLOT, ...extra });
  }

  r.get('/contracts/:id/periods/:n', page(async (req, res) => showScorecard(req, res)));

  /** Runs a workflow action; a refused action (409/400) comes back as a message on the scorecard. */
  const action = (fn: (req: Request) => Promise<unknown>, ok: string, target?: (req: Request) => string): RequestHandler =>
    page(async (req, res) => {
      const url = target ? target(req) : `/contracts/${intParam(req, 'id')}/periods/${intParam(req, 'n')}`;
      try {
        await fn(req);
      } catch (e) {
        const errors = formErrors(e);
        if (!errors) throw e;
        flash(req, errors.message, 'error');
        return res.redirect(303, url);
      }
      flash(req, ok);
      res.redirect(303, url);
    });

  const pn = (req: Request) => [intParam(req, 'id'), intParam(req, 'n')] as const;
  r.post('/contracts/:id/periods/:n/publish', action((req) => workflow.publishPeriod(ctx, actor(req), ...pn(req)), '已发布给服务商，服务商已收到通知'));
  r.post('/contracts/:id/periods/:n/acknowledge', action((req) => workflow.acknowledgePeriod(ctx, actor(req), ...pn(req)), '已确认本期评分无异议'));
  r.post('/contracts/:id/periods/:n/sign', action(
    (req) => workflow.signPeriod(ctx, actor(req), ...pn(req), { confirmEarly: !!str(req.body.confirmEarly) }),
    '本期考核结果已签署并锁定',
  ));

  /** Only a vendor who can see the contract may send an objection's attachment: checked before any byte is read. */
  const objectionAllowed: RequestHandler = (req, _res, next) => {
    (async () => {
      requireRole(actor(req), 'vendor');
      await contracts.loadVisibleBundle(ctx, actor(req), intParam(req, 'id'));
    })().then(() => next(), next);
  };
  r.post('/contracts/:id/lines/:lineId/objection', objectionAllowed, optionalFile, page(async (req, res) => {
    const me = actor(req);
    const id = intParam(req, 'id');
    const lineId = intParam(req, 'lineId');
    const n = Number(req.body.period) || 1;
    await submitForm(req, res, {
      run: async () => {
        const attachments: number[] = [];
        if (req.file) attachments.push((await inbox.saveFile(ctx, me, id, req.file)).id);
        await workflow.fileObjection(ctx, me, id, lineId, { reason: str(req.body.reason), attachments });
        return `/contracts/${id}/periods/${n}#line-${lineId}`;
      },
      ok: '异议已提交，等待局方处理',
      labels: { reason: '异议理由', attachments: '证明材料' },
      rerender: async (errors) => {
        req.params.n = String(n);
        await showScorecard(req, res, { values: { ...req.body, lineId }, errors, objectionLine: lineId });
      },
    });
  }));

  r.post('/objections/:oid/resolve', page(async (req, res) => {
    const me = actor(req);
    const o = await workflow.getObjection(ctx, me, intParam(req, 'oid'));
    await submitForm(req, res, {
      run: async () => {
        await workflow.resolveObjection(ctx, me, o.id, {
          decision: str(req.body.decision),
          units: str(req.body.decision) === 'reduce' ? str(req.body.units) ?? '' : undefined,
          reason: str(req.body.reason),
          version: str(req.body.version) ? Number(req.body.version) : undefined,
        });
        return `/contracts/${o.contractId}/periods/${o.period}#line-${o.lineId}`;
      },
      ok: '异议已处理，服务商已收到通知',
      labels: { decision: '处理决定', units: '核减后的数量', reason: '处理理由' },
      rerender: async (errors) => {
        req.params.id = String(o.contractId);
        req.params.n = String(o.period);
        await showScorecard(req, res, { values: { ...req.body }, errors, resolveObjection: o.id });
      },
    });
  }));

  r.get('/files/:fid', page(async (req, res) => {
    const { file, path: p } = await inbox.openFile(ctx, actor(req), intParam(req, 'fid'));
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`);
    res.type('application/octet-stream');
    res.sendFile(p);
  }));

  // ---- reopening a signed period (admin): preview first, then confirm with a reason
  r.get('/contracts/:id/periods/:n/reopen', page(async (req, res) => {
    const [id, n] = pn(req);
    const preview = await workflow.reopenPreview(ctx, actor(req), id, n);
    const c = await contracts.getContract(ctx, actor(req), id);
    render(res, 'contracts/reopen', { title: '重新开启考核期', c, n, preview });
  }));
  r.post('/contracts/:id/periods/:n/reopen', page(async (req, res) => {
    const [id, n] = pn(req);
    await submitForm(req, res, {
      run: async () => {
        await workflow.reopenPeriod(ctx, actor(req), id, n, { reason: str(req.body.reason) });
        return `/contracts/${id}/periods/${n}`;
      },
      ok: '考核期已重新开启（回到草稿状态），请核对后重新发布、签署',
      labels: { reason: '重新开启的理由' },
      rerender: async (errors) => {
        const preview = await workflow.reopenPreview(ctx, actor(req), id, n);
        const c = await contracts.getContract(ctx, actor(req), id);
        render(res, 'contracts/reopen', { title: '重新开启考核期', c, n, preview, values: req.body, errors });
      },
    });
  }));

  // ---- a manual deduction line
  async function lineForm(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const id = intParam(req, 'id');
    const c = await contracts.getContract(ctx, actor(req), id);
    const template = await loadTemplate(ctx, c.templateVersion);
    const open = c.periods.filter((p) => p.status !== 'signed' && p.status !== 'locked');
    render(res, 'contracts/line-new', { title: '记录扣分', c, template, open, ...extra });
  }
  r.get('/contracts/:id/ledger/new', page(async (req, res) => {
    requireRole(actor(req), 'admin', 'manager');
    const period = str(req.query.period);
    const item = str(req.query.item);
    await lineForm(req, res, { values: { period, rule: item ? `${item}:` : undefined } });
  }));
  r.post('/contracts/:id/ledger/new', page(async (req, res) => {
    const id = intParam(req, 'id');
    const [item, rule] = String(req.body.rule ?? '').split(':');
    await submitForm(req, res, {
      run: async () => {
        const line = await ledger.addLine(ctx, actor(req), id, {
          period: str(req.body.period) ? Number(req.body.period) : undefined,
          item: item ? Number(item) : undefined,
          rule: rule || undefined,
          units: str(req.body.units) ?? '',
          reason: str(req.body.reason),
          occurredAt: localDateTime(req.body.occurredAt),
          evidence: str(req.body.evidence) ?? null,
        });
        return `/contracts/${id}/periods/${line.period}#line-${line.id}`;
      },
      ok: '扣分已记录',
      labels: { period: '考核期', item: '指标', rule: '扣分规则', units: '数量', reason: '扣分原因', occurredAt: '发生时间', evidence: '证据说明' },
      rerender: async (errors) => {
        // the combined item/rule select shows the service's item or rule message
        const fields = { ...errors.fields };
        if (!fields.rule && (fields.item || fields.rule)) fields.rule = fields.item;
        if (fields.item && !fields.rule) fields.rule = fields.item;
        await lineForm(req, res, { values: req.body, errors: { ...errors, fields } });
      },
    });
  }));
  r.post('/contracts/:id/ledger/:lineId/withdraw', page(async (req, res) => {
    const id = intParam(req, 'id');
    const lineId = intParam(req, 'lineId');
    const n = Number(req.body.period) || 1;
    try {
      await ledger.withdrawLine(ctx, actor(req), id, lineId, { reason: str(req.body.reason) });
      flash(req, '扣分记录已撤销');
    } catch (e) {
      const errors = formErrors(e);
      if (!errors) throw e;
      flash(req, `未能撤销：${errors.fields.reason ?? errors.message}`, 'error');
    }
    res.redirect(303, `/contracts/${id}/periods/${n}#line-${lineId}`);
  }));
}
