// The administrator's pages: users, vendors, quality-table versions, the working calendar and
// the audit log. Every path under /admin is refused to anyone but an admin, and every write
// goes through a service that checks the role again.
import { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import multer from 'multer';
import type { Transaction } from 'sequelize';
import { ApiError, ErrorDetail } from '../../errors';
import { Ctx, requireRole } from '../../services/context';
import { verifyAuditChain } from '../../services/auditchain';
import * as assessment from '../../services/assessment';
import * as calendar from '../../services/calendar';
import * as contracts from '../../services/contracts';
import * as evidence from '../../services/evidence';
import * as templates from '../../services/templates';
import * as users from '../../services/users';
import * as vendors from '../../services/vendors';
import { actor, checkbox, flash, FormErrors, formErrors, intParam, page, render, str, submitForm } from '../render';

const ROLE_OPTIONS = [
  { value: 'manager', label: '合同管理员（采购人）' },
  { value: 'finance', label: '财务' },
  { value: 'vendor', label: '服务商' },
  { value: 'admin', label: '系统管理员' },
];

/** Entity types the services write to the audit log, with their Chinese names. */
const AUDIT_ENTITIES: [string, string][] = [
  ['user', '用户'], ['vendor', '服务商'], ['template', '质量表版本'], ['contract', '合同'], ['period', '考核期'],
  ['ledger_line', '扣分记录'], ['rating', '用户评价'], ['penalty', '违约扣款'], ['installment', '款项'], ['objection', '异议'],
  ['interview', '约谈'], ['evidence_submission', '服务商提交的材料'], ['file', '附件'], ['calendar_year', '工作日历年度'],
  ['calendar_day', '工作日历日期'], ['sla_policy', '工单时限策略'], ['ticket', '工单'], ['inspection_plan', '巡检计划'],
  ['inspection_run', '巡检记录'], ['report_plan', '报告计划'], ['report_submission', '报告提交'], ['position', '岗位'],
  ['person', '人员'], ['event', '事件'], ['import_mapping', '导入映射'], ['tickets', '工单导入'], ['inspections', '巡检导入'],
  ['report_submissions', '报告导入'], ['people', '人员导入'],
];
const AUDIT_PAGE = 50;

/** The raw text of a password field (never trimmed). */
function secret(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Every problem a service reported, for forms where one message per field is not enough. */
function issuesOf(e: unknown): ErrorDetail[] {
  return e instanceof ApiError ? e.details : [];
}

/** Renders keeping a status set before (render() alone would answer a refused form with 200). */
function show(res: Response, view: string, data: Record<string, unknown>): void {
  render(res, view, data, res.statusCode);
}

export function registerAdminPages(r: Router, ctx: Ctx): void {
  // Only admins past this point, whatever the method: a link that is hidden is not a guard.
  r.use('/admin', (req: Request, _res: Response, next: NextFunction) => {
    try {
      requireRole(actor(req), 'admin');
      next();
    } catch (e) {
      next(e);
    }
  });
  r.get('/admin', (_req, res) => res.redirect(303, '/admin/users'));

  // ---- users
  async function usersPage(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const me = actor(req);
    const [list, vendorList] = await Promise.all([users.listUsers(ctx, me), vendors.listVendors(ctx, me)]);
    show(res, 'admin/users', { title: '用户', list, vendorNames: new Map(vendorList.map((v) => [v.id, v.name])), vendorList, roles: ROLE_OPTIONS, ...extra });
  }
  const vendorOf = (body: Record<string, unknown>) => {
    if (str(body.role) !== 'vendor') return null;
    const v = str(body.vendorId);
    return v ? Number(v) : null;
  };

  r.get('/admin/users', page(async (req, res) => usersPage(req, res, { values: { role: 'manager' } })));
  r.post('/admin/users', page(async (req, res) => {
    await submitForm(req, res, {
      run: async () => {
        const u = await users.createUser(ctx, actor(req), {
          username: str(req.body.username) ?? '',
          password: secret(req.body.password),
          role: str(req.body.role),
          vendorId: vendorOf(req.body),
          displayName: str(req.body.displayName) ?? null,
        });
        return `/admin/users#user-${u.id}`;
      },
      ok: '用户已创建',
      rerender: async (errors) => usersPage(req, res, { values: req.body, errors }),
    });
  }));

  async function userForm(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const me = actor(req);
    const id = intParam(req, 'id');
    const user = (await users.listUsers(ctx, me)).find((u) => u.id === id);
    if (!user) throw new ApiError(404, 'not_found', '用户不存在');
    const vendorList = await vendors.listVendors(ctx, me);
    show(res, 'admin/user-edit', {
      title: `编辑用户 ${user.username}`,
      user,
      vendorList,
      roles: ROLE_OPTIONS,
      values: { role: user.role, vendorId: user.vendorId ?? '', displayName: user.displayName ?? '', active: user.active ? '1' : '' },
      ...extra,
    });
  }
  r.get('/admin/users/:id', page(async (req, res) => userForm(req, res)));
  r.post('/admin/users/:id', page(async (req, res) => {
    const id = intParam(req, 'id');
    await submitForm(req, res, {
      run: async () => {
        await users.updateUser(ctx, actor(req), id, {
          role: str(req.body.role),
          vendorId: vendorOf(req.body),
          displayName: str(req.body.displayName) ?? null,
          active: checkbox(req.body.active),
          password: secret(req.body.password) || null,
        });
        return `/admin/users#user-${id}`;
      },
      ok: '用户已更新',
      rerender: async (errors) => userForm(req, res, { values: req.body, errors }),
    });
  }));

  // ---- vendors
  async function vendorsPage(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    show(res, 'admin/vendors', { title: '服务商', list: await vendors.listVendors(ctx, actor(req)), ...extra });
  }
  r.get('/admin/vendors', page(async (req, res) => vendorsPage(req, res)));
  r.post('/admin/vendors', page(async (req, res) => {
    await submitForm(req, res, {
      run: async () => {
        const v = await vendors.createVendor(ctx, actor(req), { name: str(req.body.name) ?? '', creditCode: str(req.body.creditCode) ?? null });
        return `/admin/vendors#vendor-${v.id}`;
      },
      ok: '服务商已创建',
      rerender: async (errors) => vendorsPage(req, res, { values: req.body, errors }),
    });
  }));
  async function vendorForm(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const v = await vendors.getVendor(ctx, actor(req), intParam(req, 'id'));
    show(res, 'admin/vendor-edit', {
      title: `编辑服务商 ${v.name}`,
      vendor: v,
      values: { name: v.name, creditCode: v.creditCode ?? '', version: v.version },
      ...extra,
    });
  }
  r.get('/admin/vendors/:id', page(async (req, res) => vendorForm(req, res)));
  r.post('/admin/vendors/:id', page(async (req, res) => {
    const id = intParam(req, 'id');
    await submitForm(req, res, {
      run: async () => {
        const version = str(req.body.version);
        await vendors.updateVendor(ctx, actor(req), id, {
          name: str(req.body.name) ?? '',
          creditCode: str(req.body.creditCode) ?? null,
          version: version && /^\d{1,9}$/.test(version) ? Number(version) : undefined,
        });
        return `/admin/vendors#vendor-${id}`;
      },
      ok: '服务商已更新',
      rerender: async (errors) => vendorForm(req, res, { values: req.body, errors }),
    });
  }));

  // ---- quality-table versions
  r.get('/admin/templates', page(async (req, res) => {
    show(res, 'admin/templates', { title: '质量表版本', list: await templates.listTemplates(ctx) });
  }));

  async function templateForm(req: Request, res: Response, basedOn: number, extra: Record<string, unknown> = {}) {
    const list = await templates.listTemplates(ctx);
    const base = await templates.getTemplate(ctx, basedOn);
    show(res, 'admin/template-new', {
      title: '复制并编辑质量表',
      list,
      base,
      issues: [] as ErrorDetail[],
      values: {
        basedOn: base.version,
        name: `${base.name}（修订）`,
        source: base.source ?? '',
        items: JSON.stringify(base.items, null, 2),
      },
      ...extra,
    });
  }
  r.get('/admin/templates/new', page(async (req, res) => {
    const b = str(req.query.basedOn);
    const basedOn = b && /^\d{1,9}$/.test(b) ? Number(b) : await templates.latestTemplateVersion(ctx);
    await templateForm(req, res, basedOn);
  }));
  r.post('/admin/templates', page(async (req, res) => {
    const b = str(req.body.basedOn);
    const basedOn = b && /^\d{1,9}$/.test(b) ? Number(b) : 0;
    const text = str(req.body.items);
    const fail = async (errors: FormErrors, issues: ErrorDetail[], status: number) => {
      res.status(status);
      const known = (await templates.listTemplates(ctx)).map((t) => t.version);
      const shown = known.includes(basedOn) ? basedOn : await templates.latestTemplateVersion(ctx);
      await templateForm(req, res, shown, { values: req.body, errors, issues });
    };
    let items: unknown;
    if (text) {
      try {
        items = JSON.parse(text);
      } catch (e) {
        const message = `指标定义不是有效的 JSON：${(e as Error).message}`;
        return fail({ message, fields: { items: message } }, [], 400);
      }
      if (!Array.isArray(items)) {
        const message = '指标定义必须是指标的数组（[ {...}, {...} ]）';
        return fail({ message, fields: { items: message } }, [], 400);
      }
    }
    try {
      const t = await templates.createTemplate(ctx, actor(req), {
        basedOn: basedOn || undefined,
        name: str(req.body.name) ?? '',
        source: str(req.body.source) ?? null,
        items,
      });
      flash(req, `已创建质量表第 ${t.version} 版`);
      res.redirect(303, `/admin/templates/${t.version}`);
    } catch (e) {
      const errors = formErrors(e);
      if (!errors) throw e;
      // the item-level problems go with the JSON field
      const itemIssues = issuesOf(e).filter((d) => d.path.startsWith('items'));
      if (itemIssues.length && !errors.fields.items) errors.fields.items = `共 ${itemIssues.length} 处问题，见下方列表`;
      await fail(errors, issuesOf(e), e instanceof ApiError ? e.status : 400);
    }
  }));
  r.get('/admin/templates/:version', page(async (req, res) => {
    const t = await templates.getTemplate(ctx, intParam(req, 'version'));
    show(res, 'admin/template', { title: `质量表第 ${t.version} 版`, t });
  }));

  // ---- working calendar
  const csvUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 1024 * 1024, files: 1, fields: 10 } });
  /** Optional CSV file in field `file` (the CSRF token of a multipart form is in the query string). */
  const optionalCsv: RequestHandler = (req, res, next) => {
    csvUpload.single('file')(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { code?: string };
      next(new ApiError(e.code === 'LIMIT_FILE_SIZE' ? 413 : 400, 'invalid_upload', e.code === 'LIMIT_FILE_SIZE' ? 'CSV 文件过大（最大 1 MB）' : '上传内容无效'));
    });
  };
  /**
   * A calendar write together with the re-detection of every contract, in one transaction
   * (evidence.withRedetection); `said` flashes how it went once the write has been made.
   */
  function redetecting(req: Request) {
    let d: evidence.Redetection | null = null;
    return {
      run: async (write: (t: Transaction) => Promise<void>) => {
        d = await evidence.withRedetection(ctx, actor(req), write);
      },
      said(what: string) {
        if (!d) return;
        flash(req, `${what}；已按新日历重新检测 ${d.contracts} 份合同`);
        if (d.failed.length) {
          flash(req, `以下合同重新检测失败：${d.failed.map((f) => `合同 ${f.contractId}（${f.message}）`).join('；')}`, 'error');
        }
      },
    };
  }

  async function calendarPage(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    show(res, 'admin/calendar', { title: '工作日历', years: await calendar.listYears(ctx), issues: [] as ErrorDetail[], ...extra });
  }
  r.get('/admin/calendar', page(async (req, res) => calendarPage(req, res, { values: { year: String(new Date().getFullYear() + 1), source: '国务院办公厅通知' } })));
  r.post('/admin/calendar/import', optionalCsv, page(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const year = Number(str(body.year) ?? NaN);
    const text = req.file ? req.file.buffer.toString('utf8') : str(body.csv);
    const values = { year: body.year, source: body.source, csv: body.csv };
    if (!text) {
      const message = '请上传 CSV 文件或粘贴 CSV 内容';
      res.status(400);
      return calendarPage(req, res, { values, errors: { message, fields: { csv: message } } });
    }
    try {
      const re = redetecting(req);
      const y = await calendar.importYear(ctx, actor(req), year, { source: str(body.source) ?? '管理员导入', days: calendar.parseCalendarCsv(text) }, re.run);
      re.said(`已导入 ${y.year} 年工作日历（${y.days.length} 个节假日与调休日）`);
      res.redirect(303, `/admin/calendar/${y.year}`);
    } catch (e) {
      const errors = formErrors(e);
      if (!errors) throw e;
      const rowIssues = issuesOf(e).filter((d) => d.path.startsWith('days'));
      if (rowIssues.length && !errors.fields.csv) errors.fields.csv = `共 ${rowIssues.length} 处问题，见下方列表`;
      res.status(e instanceof ApiError ? e.status : 400);
      await calendarPage(req, res, { values, errors, issues: rowIssues });
    }
  }));

  async function yearPage(req: Request, res: Response, year: number, extra: Record<string, unknown> = {}) {
    const y = await calendar.getYear(ctx, year);
    const pick = str(req.query.date);
    const day = pick ? y.days.find((d) => d.date === pick) : undefined;
    show(res, 'admin/calendar-year', {
      title: `${year} 年工作日历`,
      y,
      values: { date: pick ?? '', kind: day?.kind ?? 'holiday', name: day?.name ?? '' },
      ...extra,
    });
  }
  r.get('/admin/calendar/:year', page(async (req, res) => yearPage(req, res, intParam(req, 'year'))));
  r.post('/admin/calendar/days', page(async (req, res) => {
    const date = str(req.body.date) ?? '';
    const back = /^\d{4}-/.test(date) ? Number(date.slice(0, 4)) : 0;
    const re = redetecting(req);
    try {
      await calendar.setDay(ctx, actor(req), date, { kind: str(req.body.kind), name: str(req.body.name) ?? null }, re.run);
    } catch (e) {
      // a date of a year with no calendar (404) belongs next to the date field too
      const errors = formErrors(e) ?? (e instanceof ApiError && e.status === 404 ? { message: e.message, fields: { date: e.message } } : null);
      if (!errors) throw e;
      res.status(e instanceof ApiError ? e.status : 400);
      const years = (await calendar.listYears(ctx)).map((y) => y.year);
      const shown = years.includes(back) ? back : years[years.length - 1];
      if (!shown) return calendarPage(req, res, { values: {}, errors });
      return yearPage(req, res, shown, { values: req.body, errors });
    }
    re.said(`${date} 已保存`);
    res.redirect(303, `/admin/calendar/${back}#day-${date}`);
  }));

  // ---- audit log
  r.get('/admin/audit', page(async (req, res) => {
    const me = actor(req);
    const q = req.query as Record<string, unknown>;
    const filters = {
      contractId: str(q.contractId),
      entity: str(q.entity),
      action: str(q.action),
      username: str(q.username),
      from: str(q.from),
      to: str(q.to),
    };
    const p = str(q.page);
    const pageNo = p && /^\d{1,6}$/.test(p) && Number(p) >= 1 ? Number(p) : 1;
    const query: Record<string, unknown> = { limit: AUDIT_PAGE + 1, offset: (pageNo - 1) * AUDIT_PAGE };
    for (const [k, v] of Object.entries(filters)) if (v !== undefined) query[k] = v;
    let rows: Awaited<ReturnType<typeof assessment.listAudit>> = [];
    let errors: FormErrors | null = null;
    try {
      rows = await assessment.listAudit(ctx, me, query);
    } catch (e) {
      errors = formErrors(e);
      if (!errors) throw e;
      res.status(400);
    }
    const link = (n: number) => {
      const s = new URLSearchParams();
      for (const [k, v] of Object.entries(filters)) if (v !== undefined) s.set(k, v);
      if (n > 1) s.set('page', String(n));
      const t = s.toString();
      return `/admin/audit${t ? `?${t}` : ''}`;
    };
    const contractList = await contracts.listContracts(ctx, me);
    // the hash chain is checked on request (it reads the whole log); only an admin may ask
    const chain = str(q.verify) && me.role === 'admin' ? await verifyAuditChain(ctx, me) : null;
    show(res, 'admin/audit', {
      title: '审计日志',
      chain,
      rows: rows.slice(0, AUDIT_PAGE),
      pageNo,
      prev: pageNo > 1 ? link(pageNo - 1) : null,
      next: rows.length > AUDIT_PAGE ? link(pageNo + 1) : null,
      contracts: contractList,
      contractNames: new Map(contractList.map((c) => [c.id, c.code])),
      entities: AUDIT_ENTITIES,
      entityNames: new Map(AUDIT_ENTITIES),
      values: filters,
      errors,
    });
  }));
}
