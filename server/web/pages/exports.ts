// Export downloads for signed-in users (the same services and bytes as the API), the batch
// export page finance uses (one bureau, one period, one ZIP, with progress), the export
// registry, and the public verification page (/verify) where anyone holding a file can
// check it without an account.
import { Request, Response, Router } from 'express';
import { MulterError } from 'multer';
import { Ctx, requireRole } from '../../services/context';
import * as exportsSvc from '../../services/exports';
import { exportDownloadRoutes, sendZip, uploadedBuffers, verifyUploader } from '../../routes/exports';
import { ApiError } from '../../errors';
import { actor, formErrors, intParam, page, render, str, submitForm } from '../render';

export function registerExportPages(r: Router, ctx: Ctx): void {
  exportDownloadRoutes(r, ctx, actor, intParam);

  // ---- batch export and the registry (finance, managers, admins)
  async function exportsPage(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const me = actor(req);
    requireRole(me, 'admin', 'manager', 'finance');
    const [bureaus, artifacts, batches] = await Promise.all([
      exportsSvc.listBureaus(ctx, me),
      exportsSvc.listArtifacts(ctx, me, { limit: 50 }),
      ctx.db.models.ExportBatch.findAll({ where: me.role === 'admin' ? {} : { userId: me.id }, order: [['id', 'DESC']], limit: 10, raw: true }),
    ]);
    render(res, 'exports/index', {
      title: '导出与归档',
      bureaus,
      artifacts,
      batches: (batches as unknown as Parameters<typeof exportsSvc.serializeBatch>[0][]).map(exportsSvc.serializeBatch),
      values: {},
      errors: null,
      ...extra,
    }, res.statusCode);
  }
  r.get('/finance/exports', page((req, res) => exportsPage(req, res)));
  r.post('/finance/exports', page(async (req, res) => {
    await submitForm(req, res, {
      run: async () => {
        const b = await exportsSvc.startBatch(ctx, actor(req), { bureau: str(req.body.bureau), period: str(req.body.period) });
        return `/finance/exports/${b.id}`;
      },
      ok: '已开始生成，完成后可下载 ZIP',
      labels: { bureau: '采购人', period: '考核期' },
      rerender: (errors) => exportsPage(req, res, { values: req.body, errors }),
    });
  }));
  r.get('/finance/exports/:id', page(async (req, res) => {
    const batch = exportsSvc.serializeBatch(await exportsSvc.getBatch(ctx, actor(req), intParam(req, 'id')));
    render(res, 'exports/batch', { title: `批量导出 · ${batch.bureau} 第${batch.period}期`, batch });
  }));
  r.get('/finance/exports/:id/status', page(async (req, res) => {
    const b = exportsSvc.serializeBatch(await exportsSvc.getBatch(ctx, actor(req), intParam(req, 'id')));
    res.json({ state: b.state, done: b.done, total: b.total, message: b.message, redirect: b.state === 'running' ? null : `/finance/exports/${b.id}` });
  }));
  r.get('/finance/exports/:id/download', page(async (req, res) => {
    sendZip(res, await exportsSvc.batchZip(ctx, actor(req), intParam(req, 'id')));
  }));
}

/** The public verification page: registered before the sign-in guard (no account needed). */
export function registerVerifyPages(r: Router, ctx: Ctx): void {
  r.get('/verify', (_req, res) => render(res, 'exports/verify', { title: '文件验证', answer: null, error: null }));
  const upload = verifyUploader();
  r.post('/verify', (req, res, next) => {
    upload(req, res, (err?: unknown) => {
      const fail = (message: string, status: number) => render(res, 'exports/verify', { title: '文件验证', answer: null, error: message }, status);
      if (err) {
        if (err instanceof MulterError) return fail(err.code === 'LIMIT_FILE_SIZE' ? '文件超过 20 MB，不是本系统导出的文件' : '上传的内容无效，请重新选择文件', 400);
        if (err instanceof ApiError) return fail(err.message, err.status);
        return next(err);
      }
      const up = uploadedBuffers(req);
      exportsSvc.verifyUpload(ctx, up.file, up.signature).then(
        (answer) => render(res, 'exports/verify', { title: '文件验证', answer, error: null }),
        (e) => {
          const fe = e instanceof ApiError && e.status === 400 ? formErrors(e) : null;
          if (fe) return fail(fe.message, 400);
          next(e);
        },
      );
    });
  });
}
