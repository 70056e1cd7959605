// Bulk import pages (managers and admins), in four steps:
//   1. upload a CSV or XLSX file: it waits under DATA_DIR/uploads/pending/<random>, owned by
//      the user who uploaded it, recorded as an import job (a database row);
//   2. map the file's columns to our fields, prefilled from the mapping saved for the contract;
//   3. preview the first rows as they will be read, with each row's problems;
//   4. run the import (imports.importFile, all or nothing) in the background: the job row
//      carries its state, so the progress page can be polled on any app instance; then the
//      result (rows inserted or updated, what detection changed) or every row error.
// The file is removed once the import ran, and when the job was abandoned for over an hour.
import fs from 'node:fs';
import path from 'node:path';
import { Request, RequestHandler, Response, Router } from 'express';
import { errorFields, logger } from '../../logging';
import multer from 'multer';
import { Op } from 'sequelize';
import { ImportJobRow } from '../../../models';
import { ApiError, badRequest, notFound } from '../../errors';
import { detectFormat, readRows } from '../../import/reader';
import { Actor, Ctx, iso } from '../../services/context';
import * as contracts from '../../services/contracts';
import * as imports from '../../services/imports';
import { cleanFileName } from '../../services/inbox';
import { actor, flash, FormErrors, formErrors, intParam, page, str, WebActor } from '../render';
import { detectionText, show } from './setup';

const ABANDONED_MS = 3600_000;
const STALE_RUN_MS = 6 * 3600_000;
const PREVIEW_ROWS = 20;
const PROGRESS_WRITE_MS = 1000;

export const KIND_LABELS: Record<string, string> = { tickets: '工单', inspections: '巡检记录', report_submissions: '报告提交记录', people: '人员名册' };

export const FIELD_LABELS: Record<string, Record<string, string>> = {
  tickets: {
    external_id: '工单号', system: '系统', type: '类型', severity: '严重程度', title: '标题', created_at: '创建时间', responded_at: '响应时间', resolved_at: '解决时间',
  },
  inspections: {
    external_id: '记录编号', plan: '巡检计划（名称或编号）', performed_at: '巡检时间', performer: '巡检人', items_checked: '已检查项目（; 分隔）', findings: '发现问题（描述@处理时间; …）',
  },
  report_submissions: { external_id: '记录编号', plan: '报告计划（名称或编号）', covers: '报告周期', submitted_at: '提交时间', title: '标题' },
  people: {
    external_id: '人员编号', name: '姓名', role: '岗位', start_date: '到岗日期', end_date: '离岗日期', qualifications: '资质', security_agreement: '保密协议（是/否）',
    no_criminal_record: '无犯罪记录证明（是/否）', security_training_date: '安全培训日期',
  },
};

/** Column headers a bureau's exports commonly use, for the first guess of a mapping. */
const ALIASES: Record<string, string[]> = {
  external_id: ['工单号', '工单编号', '单号', '编号', '记录编号', '人员编号', 'id', 'ID'],
  system: ['系统', '系统名称', '所属系统'],
  type: ['类型', '工单类型'],
  severity: ['严重程度', '优先级', '级别', '紧急程度'],
  title: ['标题', '摘要', '报告标题', '工单标题'],
  created_at: ['创建时间', '提单时间', '报告时间', '受理时间'],
  responded_at: ['响应时间', '首次响应时间'],
  resolved_at: ['解决时间', '完成时间', '关闭时间'],
  plan: ['计划', '巡检计划', '报告计划', '计划名称'],
  performed_at: ['巡检时间', '执行时间'],
  performer: ['巡检人', '执行人'],
  items_checked: ['已检查项目', '检查项目', '检查内容'],
  findings: ['发现问题', '问题'],
  covers: ['报告周期', '周期'],
  submitted_at: ['提交时间'],
  name: ['姓名'],
  role: ['岗位'],
  start_date: ['到岗日期', '入场日期'],
  end_date: ['离岗日期', '离场日期'],
  qualifications: ['资质', '证书'],
  security_agreement: ['保密协议'],
  no_criminal_record: ['无犯罪记录证明', '无犯罪记录'],
  security_training_date: ['安全培训日期', '培训日期'],
};

const norm = (s: string) => s.replace(/[\s（）()]/g, '').toLowerCase();

/** A first mapping for a file: the saved one where its column exists, else a column named like the field. */
function guessMapping(fields: string[], headers: string[], saved: Record<string, string>, labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const byNorm = new Map(headers.map((h) => [norm(h), h]));
  for (const f of fields) {
    if (saved[f] && headers.includes(saved[f])) {
      out[f] = saved[f];
      continue;
    }
    const candidates = [f, labels[f] ?? '', (labels[f] ?? '').replace(/（.*$/, ''), ...(ALIASES[f] ?? [])].filter(Boolean);
    const hit = candidates.map((x) => byNorm.get(norm(x))).find(Boolean);
    if (hit) out[f] = hit;
  }
  return out;
}

type Job = ImportJobRow;

interface Progress {
  done: number;
  total: number | null;
  message: string;
}

export function registerImportPages(r: Router, ctx: Ctx): void {
  const pendingDir = path.join(ctx.config.dataDir, 'uploads', 'pending');
  const uploader = multer({ dest: pendingDir, limits: { fileSize: ctx.config.uploadMaxMb * 1024 * 1024, files: 1, fields: 10 } });
  /** Progress of the jobs this process runs (SQLite cannot take a progress write while the import holds the write lock). */
  const live = new Map<number, Progress>();
  const { ImportJob } = ctx.db.models;

  const filePath = (token: string) => path.join(pendingDir, path.basename(token));
  const removeFile = (token: string | null) => {
    if (token && /^[0-9a-f]{16,64}$/.test(token)) fs.rm(filePath(token), { force: true }, () => undefined);
  };

  /** Removes files of jobs abandoned for over an hour (and leftovers nobody owns); ends runs that died with their process. */
  async function sweep(): Promise<void> {
    const now = Date.now();
    const abandoned = (await ImportJob.findAll({ where: { state: 'uploaded', updatedAt: { [Op.lt]: new Date(now - ABANDONED_MS) } }, raw: true })) as unknown as Job[];
    for (const j of abandoned) {
      removeFile(j.token);
      await ImportJob.update({ state: 'expired', token: null, message: '超过 1 小时未继续，上传的文件已删除' }, { where: { id: j.id, state: 'uploaded' } });
    }
    const dead = (await ImportJob.findAll({ where: { state: ['queued', 'running'], updatedAt: { [Op.lt]: new Date(now - STALE_RUN_MS) } }, raw: true })) as unknown as Job[];
    for (const j of dead) {
      if (live.has(j.id)) continue;
      removeFile(j.token);
      await ImportJob.update({ state: 'failed', token: null, message: '导入已中断（服务器重启或超时），未导入任何数据，请重新上传', finishedAt: new Date() }, { where: { id: j.id } });
    }
    // files of no waiting job, older than an hour
    let names: string[] = [];
    try {
      names = fs.readdirSync(pendingDir);
    } catch {
      return;
    }
    if (!names.length) return;
    const kept = new Set(((await ImportJob.findAll({ where: { state: ['uploaded', 'queued', 'running'] }, attributes: ['token'], raw: true })) as unknown as { token: string | null }[])
      .map((j) => j.token).filter(Boolean));
    for (const n of names) {
      if (kept.has(n)) continue;
      try {
        if (now - fs.statSync(path.join(pendingDir, n)).mtimeMs > ABANDONED_MS) fs.rmSync(path.join(pendingDir, n), { force: true, recursive: true });
      } catch {
        // gone meanwhile
      }
    }
  }

  /** The job, if it is the actor's own on this contract (and the actor may import here). */
  async function loadJob(req: Request): Promise<{ me: WebActor; id: number; job: Job }> {
    const me = actor(req);
    const id = intParam(req, 'id');
    await contracts.getContract(ctx, me, id); // another vendor's contract: 404
    await imports.checkImportAllowed(ctx, me, id); // managers and admins: 403
    const job = (await ImportJob.findByPk(intParam(req, 'job'), { raw: true })) as unknown as Job | null;
    if (!job || job.contractId !== id || job.userId !== me.id) throw notFound('导入任务不存在');
    return { me, id, job };
  }

  const jobUrl = (job: Job, step = '') => `/contracts/${job.contractId}/import/${job.id}${step ? `/${step}` : ''}`;
  const uploaded = (job: Job) => ({ path: filePath(job.token ?? ''), originalname: job.fileName });
  const fileThere = (job: Job) => !!job.token && fs.existsSync(filePath(job.token));
  const mappingOf = (job: Job): Record<string, string> => (job.mapping ? (JSON.parse(job.mapping) as Record<string, string>) : {});

  /** A waiting job's steps need its file; an expired or finished one goes to its page. */
  function waiting(req: Request, res: Response, job: Job): boolean {
    if (job.state !== 'uploaded') {
      res.redirect(303, jobUrl(job));
      return false;
    }
    if (!fileThere(job)) {
      flash(req, '上传的文件已不存在（已过期或在另一台服务器上），请重新上传', 'error');
      res.redirect(303, `/contracts/${job.contractId}/import`);
      return false;
    }
    return true;
  }

  // ---- step 1: upload
  async function uploadPage(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const me = actor(req);
    const id = intParam(req, 'id');
    const c = await contracts.getContract(ctx, me, id);
    await imports.checkImportAllowed(ctx, me, id);
    const jobs = (await ImportJob.findAll({ where: { contractId: id, userId: me.id }, order: [['id', 'DESC']], limit: 15, raw: true })) as unknown as Job[];
    show(res, 'imports/upload', {
      title: `批量导入 · ${c.name}`, c, jobs, kinds: KIND_LABELS, fieldLabels: FIELD_LABELS, fields: imports.IMPORT_FIELDS,
      maxMb: ctx.config.uploadMaxMb, ...extra,
    });
  }

  r.get('/contracts/:id/import', page(async (req, res) => {
    await sweep();
    const kind = str(req.query.kind);
    await uploadPage(req, res, { values: { kind: kind && KIND_LABELS[kind] ? kind : 'tickets' } });
  }));

  /** multipart: kind and file; who and which contract are checked before the file is received. */
  const receive: RequestHandler = (req, res, next) => {
    let id: number;
    try {
      id = intParam(req, 'id');
    } catch (e) {
      return next(e);
    }
    const me = actor(req);
    contracts.getContract(ctx, me, id)
      .then(() => imports.checkImportAllowed(ctx, me, id))
      .then(() => {
        fs.mkdirSync(pendingDir, { recursive: true });
        uploader.single('file')(req, res, (err?: unknown) => {
          if (err) {
            if (req.file?.path) fs.rm(req.file.path, { force: true }, () => undefined);
            const e = err as { code?: string };
            const tooBig = e.code === 'LIMIT_FILE_SIZE';
            return next(new ApiError(tooBig ? 413 : 400, 'invalid_upload', tooBig ? `文件超过 ${ctx.config.uploadMaxMb} MB` : '上传内容无效', [
              { path: 'file', message: tooBig ? `文件超过 ${ctx.config.uploadMaxMb} MB` : '上传内容无效' },
            ]));
          }
          next();
        });
      }, next);
  };

  r.post('/contracts/:id/import', receive, page(async (req, res) => {
    const me = actor(req);
    const id = intParam(req, 'id');
    const kind = str(req.body?.kind) ?? '';
    const file = req.file;
    try {
      if (!KIND_LABELS[kind]) throw badRequest('请选择导入的数据类型', [{ path: 'kind', message: '请选择导入的数据类型' }]);
      if (!file || file.size === 0) throw badRequest('请选择要上传的 CSV 或 XLSX 文件', [{ path: 'file', message: file ? '文件为空' : '请选择文件' }]);
      const fd = fs.openSync(file.path, 'r');
      const head = Buffer.alloc(4096);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      if (!detectFormat(file.originalname, head.subarray(0, n))) {
        throw badRequest('文件不是 CSV 或 XLSX 表格', [{ path: 'file', message: '只接受 CSV（UTF-8 或 GBK）或 XLSX 文件；.xls 请先另存为 .xlsx' }]);
      }
    } catch (e) {
      if (file) fs.rm(file.path, { force: true }, () => undefined);
      const errors = formErrors(e);
      if (!errors) throw e;
      res.status(400);
      return uploadPage(req, res, { values: { kind }, errors });
    }
    await sweep();
    const row = await ImportJob.create({
      contractId: id, userId: me.id, kind, state: 'uploaded', token: path.basename(file.path), fileName: cleanFileName(file.originalname), fileSize: file.size,
    });
    res.redirect(303, jobUrl(row.get({ plain: true }) as Job, 'mapping'));
  }));

  // ---- step 2: the column mapping
  async function mappingPage(req: Request, res: Response, job: Job, me: Actor, extra: { values?: Record<string, unknown>; errors?: FormErrors } = {}) {
    const c = await contracts.getContract(ctx, me, job.contractId);
    const preview = await imports.previewFile(ctx, me, job.contractId, job.kind, uploaded(job), {}, 0);
    const saved = (await imports.getMapping(ctx, me, job.contractId, job.kind)).mapping;
    const { fields, required } = imports.IMPORT_FIELDS[job.kind as imports.ImportKind];
    const current = job.mapping ? mappingOf(job) : guessMapping(fields, preview.headers, saved, FIELD_LABELS[job.kind]);
    const values: Record<string, unknown> = {};
    for (const f of fields) values[`map.${f}`] = current[f] ?? '';
    show(res, 'imports/mapping', {
      title: `列映射 · ${KIND_LABELS[job.kind]}导入`, c, job, kindLabel: KIND_LABELS[job.kind], headers: preview.headers, fields, required,
      labels: FIELD_LABELS[job.kind], savedMapping: Object.keys(saved).length > 0, values: extra.values ?? values, errors: extra.errors ?? null,
    });
  }

  r.get('/contracts/:id/import/:job/mapping', page(async (req, res) => {
    const { me, job } = await loadJob(req);
    if (!waiting(req, res, job)) return;
    try {
      await mappingPage(req, res, job, me);
    } catch (e) {
      // an unreadable file: back to step 1 with the reason
      const errors = formErrors(e);
      if (!errors) throw e;
      removeFile(job.token);
      await ImportJob.update({ state: 'failed', token: null, message: errors.message, finishedAt: new Date() }, { where: { id: job.id } });
      res.status(400);
      await uploadPage(req, res, { values: { kind: job.kind }, errors: { message: errors.message, fields: { file: errors.message } } });
    }
  }));

  r.post('/contracts/:id/import/:job/mapping', page(async (req, res) => {
    const { me, job } = await loadJob(req);
    if (!waiting(req, res, job)) return;
    const { fields, required } = imports.IMPORT_FIELDS[job.kind as imports.ImportKind];
    const preview = await imports.previewFile(ctx, me, job.contractId, job.kind, uploaded(job), {}, 0);
    const mapping: Record<string, string> = {};
    const errors: FormErrors = { message: '', fields: {} };
    for (const f of fields) {
      const h = str(req.body[`map.${f}`]);
      if (h && !preview.headers.includes(h)) errors.fields[`map.${f}`] = `文件中没有列「${h}」`;
      else if (h) mapping[f] = h;
      else if (required.includes(f)) errors.fields[`map.${f}`] = '必填字段，请选择文件中对应的列';
    }
    if (Object.keys(errors.fields).length) {
      errors.message = `还有 ${Object.keys(errors.fields).length} 个字段需要选择对应的列`;
      res.status(400);
      return mappingPage(req, res, job, me, { values: req.body, errors });
    }
    await ImportJob.update({ mapping: JSON.stringify(mapping) }, { where: { id: job.id, state: 'uploaded' } });
    res.redirect(303, jobUrl(job, 'preview'));
  }));

  // ---- step 3: preview
  r.get('/contracts/:id/import/:job/preview', page(async (req, res) => {
    const { me, job } = await loadJob(req);
    if (!waiting(req, res, job)) return;
    if (!job.mapping) return res.redirect(303, jobUrl(job, 'mapping'));
    const c = await contracts.getContract(ctx, me, job.contractId);
    const mapping = mappingOf(job);
    const preview = await imports.previewFile(ctx, me, job.contractId, job.kind, uploaded(job), mapping, PREVIEW_ROWS);
    const { fields } = imports.IMPORT_FIELDS[job.kind as imports.ImportKind];
    show(res, 'imports/preview', {
      title: `预览 · ${KIND_LABELS[job.kind]}导入`, c, job, kindLabel: KIND_LABELS[job.kind], fields, labels: FIELD_LABELS[job.kind], mapping, preview,
      problemRows: preview.rows.filter((x) => x.errors.length).length,
    });
  }));

  // ---- step 4: run, progress, result
  r.post('/contracts/:id/import/:job/run', page(async (req, res) => {
    const { me, job } = await loadJob(req);
    if (!waiting(req, res, job)) return;
    if (!job.mapping) return res.redirect(303, jobUrl(job, 'mapping'));
    const [n] = await ImportJob.update({ state: 'queued', message: '排队中…', done: 0, startedAt: new Date() }, { where: { id: job.id, state: 'uploaded' } });
    if (n === 1) {
      live.set(job.id, { done: 0, total: null, message: '排队中…' });
      setImmediate(() => {
        runJob(me, job).catch((e) => logger.error('import job', { job: job.id, ...errorFields(e) }));
      });
    }
    res.redirect(303, jobUrl(job));
  }));

  r.post('/contracts/:id/import/:job/cancel', page(async (req, res) => {
    const { job } = await loadJob(req);
    if (job.state === 'uploaded') {
      removeFile(job.token);
      await ImportJob.update({ state: 'expired', token: null, message: '已取消，上传的文件已删除' }, { where: { id: job.id, state: 'uploaded' } });
      flash(req, '已取消导入，上传的文件已删除');
    }
    res.redirect(303, `/contracts/${job.contractId}/import`);
  }));

  /** What the status endpoint and the page show: the row, with this process's live progress over it. */
  function statusOf(job: Job) {
    const p = live.get(job.id);
    const running = job.state === 'queued' || job.state === 'running';
    return {
      state: job.state,
      done: running && p ? p.done : job.done,
      total: running && p ? p.total : job.total,
      message: running && p ? p.message : job.message ?? '',
      redirect: running ? null : job.state === 'uploaded' ? jobUrl(job, 'preview') : jobUrl(job),
    };
  }

  r.get('/contracts/:id/import/:job/status', page(async (req, res) => {
    const { job } = await loadJob(req);
    res.set('Cache-Control', 'no-store');
    res.json({ id: job.id, ...statusOf(job), startedAt: iso(job.startedAt), finishedAt: iso(job.finishedAt) });
  }));

  r.get('/contracts/:id/import/:job', page(async (req, res) => {
    const { me, job } = await loadJob(req);
    if (job.state === 'uploaded') return res.redirect(303, jobUrl(job, job.mapping ? 'preview' : 'mapping'));
    const c = await contracts.getContract(ctx, me, job.contractId);
    const result = job.result ? JSON.parse(job.result) : null;
    show(res, 'imports/job', {
      title: `${KIND_LABELS[job.kind]}导入`, c, job, status: statusOf(job), kindLabel: KIND_LABELS[job.kind], labels: FIELD_LABELS[job.kind],
      mapping: mappingOf(job), result, detection: job.state === 'done' && result ? detectionText(result.detection) : '',
    });
  }));

  // ---- the background run
  async function runJob(me: Actor, job: Job): Promise<void> {
    const progress = live.get(job.id) ?? { done: 0, total: null, message: '' };
    live.set(job.id, progress);
    const canWriteProgress = ctx.db.dialect === 'postgres';
    let lastWrite = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const publish = (force = false) => {
      if (!canWriteProgress) return;
      const t = Date.now();
      if (!force && t - lastWrite < PROGRESS_WRITE_MS) return;
      lastWrite = t;
      const values = { done: progress.done, total: progress.total, message: progress.message };
      writing = writing.then(() => ImportJob.update(values, { where: { id: job.id, state: 'running' } })).catch(() => undefined);
    };
    const file = uploaded(job);
    try {
      await ImportJob.update({ state: 'running', message: '正在统计行数…' }, { where: { id: job.id } });
      progress.message = '正在统计行数…';
      progress.total = await countRows(file.path, file.originalname);
      progress.message = progress.total !== null ? `共 ${progress.total} 行，正在导入…` : '正在导入…';
      publish(true);
      const result = await imports.importFile(ctx, me, job.contractId, job.kind, file, JSON.stringify(mappingOf(job)), (p) => {
        progress.done = p.rows;
        progress.message = p.phase === 'detecting'
          ? `${p.rows} 行已写入，正在自动检测扣分…`
          : `已读取 ${p.rows}${progress.total !== null ? ` / ${progress.total}` : ''} 行${p.badRows ? `，其中 ${p.badRows} 行有问题` : ''}`;
        publish();
      });
      await writing;
      await ImportJob.update({
        state: 'done', done: result.rows, total: result.rows, token: null, finishedAt: new Date(),
        message: `导入完成：共 ${result.rows} 行，新增 ${result.imported}，更新 ${result.updated}，未变 ${result.unchanged}`,
        result: JSON.stringify(result),
      }, { where: { id: job.id } });
    } catch (e) {
      await writing;
      const failure = failureOf(e);
      if (!failure) logger.error('import job failed', { job: job.id, ...errorFields(e) });
      const f = failure ?? { message: '导入时发生内部错误，未导入任何数据，请稍后重试或联系管理员', rows: [], details: [], truncated: false };
      await ImportJob.update({ state: 'failed', token: null, finishedAt: new Date(), message: f.message, result: JSON.stringify(f) }, { where: { id: job.id } });
    } finally {
      live.delete(job.id);
      removeFile(job.token);
    }
  }
}

/** Data rows of a file (for the progress bar); null when it cannot be read (the import says why). */
async function countRows(file: string, name: string): Promise<number | null> {
  try {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4096);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const format = detectFormat(name, head.subarray(0, n));
    if (!format) return null;
    let rows = 0;
    for await (const row of readRows(file, format)) {
      void row;
      rows += 1;
    }
    return rows;
  } catch {
    return null;
  }
}

/** An import's refusal as the result page shows it: the message, every row error, other problems. */
function failureOf(e: unknown) {
  if (!(e instanceof ApiError)) return null;
  const x = e as ApiError & { rows?: imports.RowError[]; truncated?: boolean };
  return {
    message: e.message,
    rows: x.rows ?? [],
    truncated: !!x.truncated,
    details: x.rows ? [] : e.details,
  };
}
