// Contract setup pages (managers and admins): a new contract, and a contract's settings —
// its terms and installments (edited under optimistic locking), the SLA policy, inspection
// and report plans, required positions, and the penalty-clause catalogue. Also the form
// helpers the evidence, import and submission pages share: list fields, error messages with
// Chinese field names instead of the API's paths, and the detection summary in words.
import { Request, Response, Router } from 'express';
import { DEFAULT_PENALTY_CLAUSES } from '../../../scoring/penalties';
import { DEFAULT_WORKING_HOURS } from '../../../scoring/calendar';
import { Ctx, now } from '../../services/context';
import * as contracts from '../../services/contracts';
import * as evidence from '../../services/evidence';
import { listTemplates } from '../../services/templates';
import { listVendors } from '../../services/vendors';
import { fmt } from '../format';
import { badRequest } from '../../errors';
import { actor, checkbox, flash, FormErrors, intParam, localDateTime, page, relabel, render, str, submitForm } from '../render';

// ---- shared form helpers ------------------------------------------------------------------

/** A multi-value field (repeated checkboxes) as a list of strings. */
export function arr(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x).trim()).filter(Boolean);
}

/** A textarea of items, one a line (also separated by ; or ，): the non-blank items. */
export function lines(v: unknown): string[] {
  const s = typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '';
  return s.split(/[\r\n;；]+/).map((x) => x.trim()).filter(Boolean);
}

/** A text field as the service should see it: blank → undefined, else the trimmed text. */
export const opt = (v: unknown) => str(v);

/** Rows of findings on an inspection-run form */
export const FINDING_ROWS = 3;

/**
 * An inspection run from its form fields (the manager's evidence form and the vendor's
 * submission share it), with the form row of each finding kept so errors find their row.
 */
export function inspectionRunOf(b: Record<string, unknown>): { run: Record<string, unknown>; findingIndex: number[] } {
  const findings: unknown[] = [];
  const findingIndex: number[] = [];
  for (let i = 0; i < FINDING_ROWS; i++) {
    const d = opt(b[`findings[${i}].description`]);
    const h = localDateTime(b[`findings[${i}].handledAt`]);
    if (!d && !h) continue;
    findings.push({ description: d, handledAt: h ?? null });
    findingIndex.push(i);
  }
  return {
    run: {
      planId: opt(b.planId), externalId: opt(b.externalId) ?? null, performedAt: localDateTime(b.performedAt), performer: opt(b.performer),
      itemsChecked: [...new Set(lines(b.itemsChecked))], findings,
    },
    findingIndex,
  };
}

export { relabel };

const SOURCE_WORDS: Record<string, string> = { sla: '工单时限', inspection: '巡检', report: '报告', staffing: '人员', event: '事件' };

/** A detection summary ({sla: {added, withdrawn, ...}, ...}) in one sentence. */
export function detectionText(detection: unknown): string {
  if (!detection || typeof detection !== 'object') return '';
  const parts: string[] = [];
  for (const [source, s] of Object.entries(detection as Record<string, { added?: number; withdrawn?: number; retraced?: number; adjusted?: number; skippedLocked?: number } | undefined>)) {
    if (!s) continue;
    const bits: string[] = [];
    if (s.added) bits.push(`新增扣分 ${s.added} 条`);
    if (s.withdrawn) bits.push(`撤销 ${s.withdrawn} 条`);
    if (s.retraced) bits.push(`更新说明 ${s.retraced} 条`);
    if (s.adjusted) bits.push(`其中 ${s.adjusted} 条记入下一未签署考核期`);
    if (s.skippedLocked) bits.push(`${s.skippedLocked} 条涉及已签署考核期未改动`);
    if (bits.length) parts.push(`${SOURCE_WORDS[source] ?? fmt.source(source)}：${bits.join('，')}`);
  }
  return parts.length ? `自动检测结果 — ${parts.join('；')}。` : '自动检测：扣分记录无变化。';
}

/** "保存成功。" plus the detection summary of what the service returned. */
export function savedWith(message: string, result: unknown): string {
  const d = result && typeof result === 'object' ? (result as { detection?: unknown }).detection : undefined;
  const t = detectionText(d);
  return t ? `${message}。${t}` : `${message}。`;
}

/** Renders a page keeping the status already set (a form re-rendered after a 400 or 409 answers with it). */
export function show(res: Response, view: string, data: Record<string, unknown>): void {
  render(res, view, data, res.statusCode);
}

// ---- labels ---------------------------------------------------------------------------------

const TERM_LABELS: Record<string, string> = {
  code: '合同编号', name: '合同名称', bureau: '采购人', vendorId: '服务商', systems: '运维系统', totalAmount: '合同总金额',
  startDate: '开始日期', endDate: '结束日期', timeZone: '时区', templateVersion: '质量表版本', periodScheme: '考核期划分', pointRate: '每分扣减比例',
  interviewThreshold: '约谈分数线', interviewsBeforeTermination: '终止前约谈次数', objectionWindowDays: '异议期（工作日）', managerId: '负责人',
  installments: '付款安排', version: '版本',
};
const INSTALLMENT_LABELS: Record<string, string> = { name: '款项名称', ratio: '付款比例', deductible: '参与考核扣减', periods: '关联考核期' };

export const PERIOD_SCHEMES = [
  { value: 'contract_quarters', label: '按合同季度（自开始日起每 3 个月）' },
  { value: 'calendar_quarters', label: '按自然季度' },
];
export const FREQUENCIES = [
  { value: 'workday', label: '每个工作日' }, { value: 'weekly', label: '每周' }, { value: 'monthly', label: '每月' },
  { value: 'quarterly', label: '每季度' }, { value: 'dates', label: '指定日期' },
];
export const REPORT_KINDS = [
  { value: 'weekly', label: '周报' }, { value: 'monthly', label: '月报' }, { value: 'annual', label: '年报（合同年度）' }, { value: 'per_incident', label: '事件报告' },
];
export const REPORT_EVENT_KINDS = [
  { value: 'emergency', label: '应急事件' }, { value: 'security_incident', label: '安全事件' }, { value: 'release', label: '系统升级/发布' },
  { value: 'vulnerability', label: '安全漏洞' }, { value: 'supply_chain', label: '供应链事件' },
];
const CLAUSE_KINDS: Record<string, string> = { percent_range: '按合同总额比例区间', per_day: '按日', per_violation: '按次', fixed: '固定金额' };

/** Rows a form shows at least (more when the contract already has more); the services' maximums. */
const INSTALLMENT_ROWS = 6;
const MAX_INSTALLMENTS = 24;
const LEVEL_ROWS = 8;
const MAX_LEVELS = 20;
const HOUR_ROWS = 3;
const MAX_HOURS = 6;
const rowsFor = (count: number, min: number, max: number) => Math.min(max, Math.max(min, count + 1));
const POSITION_BLANK_ROWS = 3;
const CLAUSE_BLANK_ROWS = 3;
const MAX_CLAUSE_ROWS = 110;

// ---- the terms form ↔ the service's body --------------------------------------------------

/** The contract form's fields as createContract / updateContract take them, and the form row of each installment. */
function termsBody(b: Record<string, unknown>, mode: 'create' | 'edit') {
  const body: Record<string, unknown> = {};
  const has = (k: string) => Object.prototype.hasOwnProperty.call(b, k);
  for (const k of ['code', 'name', 'bureau', 'totalAmount', 'startDate', 'endDate', 'periodScheme', 'pointRate', 'interviewThreshold']) {
    if (!has(k)) continue;
    // editing: a cleared required text is an error, not "keep the old value"
    const v = str(b[k]);
    if (v !== undefined) body[k] = v;
    else if (mode === 'edit' && ['code', 'name', 'bureau', 'totalAmount', 'startDate', 'endDate'].includes(k)) body[k] = '';
  }
  for (const k of ['vendorId', 'interviewsBeforeTermination', 'objectionWindowDays', 'templateVersion']) {
    if (has(k) && str(b[k]) !== undefined) body[k] = str(b[k]);
  }
  if (has('managerId')) {
    const m = str(b.managerId);
    if (m !== undefined) body.managerId = m;
    else if (mode === 'edit') body.managerId = null;
  }
  if (has('systems')) body.systems = [...new Set(lines(b.systems))];
  const rowIndex: number[] = [];
  if (Object.keys(b).some((k) => k.startsWith('installments['))) {
    const rows: unknown[] = [];
    for (let i = 0; i < MAX_INSTALLMENTS; i++) {
      const f = (x: string) => b[`installments[${i}].${x}`];
      const name = str(f('name'));
      const ratio = str(f('ratio'));
      const periods = str(f('periods'));
      if (!name && !ratio && !periods) continue; // a blank row
      rows.push({ name, ratio, deductible: checkbox(f('deductible')), periods: periods ? periods.split(/[\s,，、;；]+/).filter(Boolean) : [] });
      rowIndex.push(i);
    }
    body.installments = rows;
  }
  return { body, rowIndex };
}

function termsErrors(errors: FormErrors, rowIndex: number[]): FormErrors {
  const remap = (key: string) => {
    const m = /^installments\[(\d+)\](?:\.(name|ratio|deductible|periods))?/.exec(key);
    if (m) return `installments[${rowIndex[Number(m[1])] ?? Number(m[1])}].${m[2] ?? 'name'}`;
    if (/^systems\[/.test(key)) return 'systems';
    return key;
  };
  const label = (key: string) => {
    const m = /^installments\[(\d+)\]\.(\w+)$/.exec(key);
    if (m) return `第 ${Number(m[1]) + 1} 行${INSTALLMENT_LABELS[m[2]] ?? ''}`;
    return TERM_LABELS[key];
  };
  return relabel(errors, label, remap);
}

/** A contract as the terms form shows it. */
function termsValues(c: Awaited<ReturnType<typeof contracts.getContract>>): Record<string, unknown> {
  const v: Record<string, unknown> = {
    code: c.code, name: c.name, bureau: c.bureau, vendorId: c.vendorId, systems: c.systems.join('\n'), totalAmount: c.totalAmount,
    startDate: c.startDate, endDate: c.endDate, periodScheme: c.periodScheme, pointRate: c.pointRate, interviewThreshold: c.interviewThreshold,
    interviewsBeforeTermination: c.interviewsBeforeTermination, objectionWindowDays: c.objectionWindowDays, managerId: c.managerId ?? '',
    templateVersion: c.templateVersion, version: c.version,
  };
  c.installments.forEach((i, k) => {
    v[`installments[${k}].name`] = i.name;
    v[`installments[${k}].ratio`] = i.ratio;
    v[`installments[${k}].deductible`] = i.deductible ? '1' : '';
    v[`installments[${k}].periods`] = i.periods.join(',');
  });
  return v;
}

/** The stored terms overlaid with what was posted (an unticked checkbox is not posted). */
function keptTerms(stored: Record<string, unknown>, posted: Record<string, unknown>): Record<string, unknown> {
  const out = { ...stored, ...posted };
  if (Object.keys(posted).some((k) => k.startsWith('installments['))) {
    for (let i = 0; i < MAX_INSTALLMENTS; i++) out[`installments[${i}].deductible`] = posted[`installments[${i}].deductible`] ?? '';
  }
  return out;
}

/** How many rows of a repeated group were posted (the highest index + 1). */
function postedRows(values: Record<string, unknown> | undefined, re: RegExp): number {
  let n = 0;
  for (const k of Object.keys(values ?? {})) {
    const m = re.exec(k);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

// ---- SLA policy form ----------------------------------------------------------------------

const SUGGESTED_LEVELS = [
  { code: '高', name: '紧急', responseMinutes: 30, resolutionMinutes: 240, clock: 'working' },
  { code: '中', name: '一般', responseMinutes: 60, resolutionMinutes: 720, clock: 'working' },
  { code: '低', name: '较低', responseMinutes: 120, resolutionMinutes: 1440, clock: 'working' },
];

function policyValues(p: { workingHours: { start: string; end: string }[]; levels: { code: string; name?: string | null; responseMinutes: number | null; resolutionMinutes: number | null; clock: string }[]; ruleByTicketType: Record<string, string>; pauseReasons: string[] }) {
  const v: Record<string, unknown> = {};
  p.workingHours.forEach((h, i) => {
    v[`workingHours[${i}].start`] = h.start;
    v[`workingHours[${i}].end`] = h.end;
  });
  p.levels.forEach((l, i) => {
    v[`levels[${i}].code`] = l.code;
    v[`levels[${i}].name`] = l.name ?? '';
    v[`levels[${i}].responseMinutes`] = l.responseMinutes ?? '';
    v[`levels[${i}].resolutionMinutes`] = l.resolutionMinutes ?? '';
    v[`levels[${i}].clock`] = l.clock;
  });
  v.itemByTicketType = Object.entries(p.ruleByTicketType).map(([k, r]) => `${k}=${r}`).join('\n');
  v.pauseReasons = p.pauseReasons.join('\n');
  return v;
}

function policyBody(b: Record<string, unknown>) {
  const workingHours: { start: string; end: string }[] = [];
  const hourIndex: number[] = [];
  for (let i = 0; i < MAX_HOURS; i++) {
    const start = str(b[`workingHours[${i}].start`]);
    const end = str(b[`workingHours[${i}].end`]);
    if (!start && !end) continue;
    workingHours.push({ start: start ?? '', end: end ?? '' });
    hourIndex.push(i);
  }
  const levels: unknown[] = [];
  const levelIndex: number[] = [];
  for (let i = 0; i < MAX_LEVELS; i++) {
    const f = (x: string) => str(b[`levels[${i}].${x}`]);
    const code = f('code');
    if (!code && !f('responseMinutes') && !f('resolutionMinutes') && !f('name')) continue;
    levels.push({ code, name: f('name') ?? null, responseMinutes: f('responseMinutes') ?? null, resolutionMinutes: f('resolutionMinutes') ?? null, clock: f('clock') ?? 'working' });
    levelIndex.push(i);
  }
  const itemByTicketType: Record<string, string | number> = {};
  const badMapping: string[] = [];
  for (const line of lines(b.itemByTicketType)) {
    const m = /^(.+?)\s*[=＝:：]\s*(\S+)$/.exec(line);
    if (!m) {
      badMapping.push(line);
      continue;
    }
    itemByTicketType[m[1].trim()] = /^\d+$/.test(m[2]) ? Number(m[2]) : m[2];
  }
  const body: Record<string, unknown> = { workingHours, levels };
  // blank: the default reasons
  if (lines(b.pauseReasons).length) body.pauseReasons = lines(b.pauseReasons);
  if (Object.keys(itemByTicketType).length) body.itemByTicketType = itemByTicketType;
  return { body, hourIndex, levelIndex, badMapping };
}

const LEVEL_LABELS: Record<string, string> = { code: '等级代码', name: '名称', responseMinutes: '响应时限', resolutionMinutes: '解决时限', clock: '计时方式' };

function policyErrors(errors: FormErrors, hourIndex: number[], levelIndex: number[]): FormErrors {
  const remap = (key: string) => {
    let m = /^workingHours(?:\.hours)?\[(\d+)\](?:\.(start|end))?/.exec(key);
    if (m) return `workingHours[${hourIndex[Number(m[1])] ?? Number(m[1])}].${m[2] ?? 'start'}`;
    if (/^workingHours(\.hours)?$/.test(key)) return 'workingHours[0].start';
    m = /^levels\[(\d+)\](?:\.(\w+))?/.exec(key);
    if (m) return `levels[${levelIndex[Number(m[1])] ?? Number(m[1])}].${m[2] ?? 'code'}`;
    if (key === 'levels') return 'levels[0].code';
    if (key.startsWith('itemByTicketType')) return 'itemByTicketType';
    if (key.startsWith('pauseReasons')) return 'pauseReasons';
    return key;
  };
  const label = (key: string) => {
    const m = /^levels\[(\d+)\]\.(\w+)$/.exec(key);
    if (m) return `第 ${Number(m[1]) + 1} 行${LEVEL_LABELS[m[2]] ?? ''}`;
    const h = /^workingHours\[(\d+)\]\.(start|end)$/.exec(key);
    if (h) return `第 ${Number(h[1]) + 1} 个工作时段${h[2] === 'start' ? '开始' : '结束'}时间`;
    return ({ itemByTicketType: '工单类型对应的扣分规则', pauseReasons: '允许的暂停原因' } as Record<string, string>)[key];
  };
  return relabel(errors, label, remap);
}

// ---- plans and positions ------------------------------------------------------------------

const PLAN_LABELS: Record<string, string> = {
  name: '计划名称', system: '系统', frequency: '频率', dates: '巡检日期', deadlineTime: '当日截止时间', checklist: '检查内容',
  findingLimitMinutes: '问题处理时限', activeFrom: '生效日期', activeTo: '截止日期', kind: '报告类型', dueWorkingDays: '提交期限', eventKinds: '触发的事件类型',
};
const POSITION_LABELS: Record<string, string> = { role: '岗位', count: '人数', qualifications: '资质要求', toleranceWorkingDays: '缺岗容忍期' };

function positionsBody(b: Record<string, unknown>) {
  const rows: unknown[] = [];
  const index: number[] = [];
  for (let i = 0; i < 100; i++) {
    if (!Object.prototype.hasOwnProperty.call(b, `positions[${i}].role`)) break;
    const f = (x: string) => str(b[`positions[${i}].${x}`]);
    if (!f('role') && !f('count') && !f('qualifications')) continue;
    const row: Record<string, unknown> = { role: f('role'), count: f('count'), qualifications: [...new Set((f('qualifications') ?? '').split(/[,，、;；\n]+/).map((s) => s.trim()).filter(Boolean))] };
    if (f('toleranceWorkingDays')) row.toleranceWorkingDays = f('toleranceWorkingDays');
    rows.push(row);
    index.push(i);
  }
  return { rows, index };
}

// ---- penalty-clause catalogue form -------------------------------------------------------

const CLAUSE_FIELDS = ['code', 'name', 'kind', 'minPercent', 'maxPercent', 'ratePercent', 'amount', 'basis'] as const;
const CLAUSE_LABELS: Record<string, string> = {
  code: '条款编号', name: '条款名称', kind: '计算方式', minPercent: '比例下限（%）', maxPercent: '比例上限（%）',
  ratePercent: '每日/每次比例（%）', amount: '固定金额（元）', basis: '合同依据', remove: '删除',
};

/** The stored catalogue as the form's rows. */
function clauseValues(c: Awaited<ReturnType<typeof contracts.getContract>>): Record<string, unknown> {
  const v: Record<string, unknown> = { version: c.version };
  c.penaltyClauses.forEach((k, i) => {
    for (const f of CLAUSE_FIELDS) v[`penaltyClauses[${i}].${f}`] = k[f] ?? '';
  });
  return v;
}

/** The posted rows as updateContract's `penaltyClauses` (blank rows and rows marked 删除 left out). */
function clausesBody(b: Record<string, unknown>) {
  const rows: Record<string, unknown>[] = [];
  const index: number[] = [];
  for (let i = 0; i < MAX_CLAUSE_ROWS; i++) {
    const f = (x: string) => str(b[`penaltyClauses[${i}].${x}`]);
    if (checkbox(b[`penaltyClauses[${i}].remove`])) continue;
    // the kind is a select (always posted): a row is blank when everything else is
    if (CLAUSE_FIELDS.every((x) => x === 'kind' || !f(x))) continue;
    const row: Record<string, unknown> = { code: f('code') ?? '', name: f('name') ?? '', kind: f('kind') ?? '' };
    for (const x of ['minPercent', 'maxPercent', 'ratePercent', 'amount'] as const) row[x] = f(x) ?? null;
    row.basis = f('basis') ?? null;
    rows.push(row);
    index.push(i);
  }
  return { rows, index };
}

function clauseErrors(errors: FormErrors, index: number[]): FormErrors {
  const remap = (key: string) => {
    const m = /^penaltyClauses\[(\d+)\](?:\.(\w+))?/.exec(key);
    if (m) return `penaltyClauses[${index[Number(m[1])] ?? Number(m[1])}].${m[2] && (CLAUSE_FIELDS as readonly string[]).includes(m[2]) ? m[2] : 'code'}`;
    return key === '' || key === '(body)' ? 'penaltyClauses' : key;
  };
  const label = (key: string) => {
    const m = /^penaltyClauses\[(\d+)\]\.(\w+)$/.exec(key);
    if (m) return `第 ${Number(m[1]) + 1} 行${CLAUSE_LABELS[m[2]] ?? ''}`;
    return key === 'penaltyClauses' ? '违约条款' : undefined;
  };
  return relabel(errors, label, remap);
}

// ---- pages ----------------------------------------------------------------------------------

export function registerSetupPages(r: Router, ctx: Ctx): void {
  async function choices(req: Request) {
    const me = actor(req);
    const [vendors, managers, templates] = await Promise.all([listVendors(ctx, me), contracts.listManagers(ctx, me), listTemplates(ctx)]);
    return { vendors, managers, templates };
  }

  // ---- a new contract
  async function newForm(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const ch = await choices(req);
    const latest = ch.templates[ch.templates.length - 1]?.version;
    const defaults: Record<string, unknown> = {
      bureau: ctx.config.bureauName, periodScheme: 'contract_quarters', pointRate: '0.008', interviewThreshold: '95',
      interviewsBeforeTermination: 2, objectionWindowDays: 5, templateVersion: latest, managerId: actor(req).role === 'manager' ? actor(req).id : '',
    };
    show(res, 'setup/new', {
      title: '新建合同', ...ch, clauses: DEFAULT_PENALTY_CLAUSES, clauseKinds: CLAUSE_KINDS, schemes: PERIOD_SCHEMES,
      installmentRows: INSTALLMENT_ROWS, ...extra, values: { ...defaults, ...((extra.values as object) ?? {}) },
    });
  }
  // Express matches routes in order and the contract pages' "/contracts/:id" comes first: this
  // route is moved in front of it (a 404 for "new" as a contract id otherwise).
  r.get('/contracts/new', page(async (req, res) => newForm(req, res)));
  r.post('/contracts/new', page(async (req, res) => {
    const { body, rowIndex } = termsBody(req.body, 'create');
    await submitForm(req, res, {
      run: async () => {
        const c = await contracts.createContract(ctx, actor(req), body);
        return `/contracts/${c.id}/edit`;
      },
      ok: '合同已创建。请继续配置 SLA 策略、巡检与报告计划、岗位要求',
      rerender: async (errors) => newForm(req, res, { values: req.body, errors: termsErrors(errors, rowIndex) }),
    });
  }));
  hoist(r, ['/contracts/new'], '/contracts/:id');

  // ---- a contract's settings
  async function editPage(req: Request, res: Response, extra: { form?: string; values?: Record<string, unknown>; errors?: FormErrors } = {}) {
    const me = actor(req);
    const id = intParam(req, 'id');
    const c = await contracts.getContract(ctx, me, id); // another vendor's contract: 404
    const ch = await choices(req); // managers and admins only: 403
    let policy: ReturnType<typeof evidence.serializePolicy> | null = null;
    try {
      policy = await evidence.getPolicy(ctx, me, id);
    } catch (e) {
      if ((e as { status?: number }).status !== 404) throw e;
    }
    const [inspectionPlans, reportPlans, positions] = await Promise.all([
      evidence.listInspectionPlans(ctx, me, id), evidence.listReportPlans(ctx, me, id), evidence.listPositions(ctx, me, id),
    ]);
    const started = c.periods.filter((p) => p.status !== 'draft').map((p) => p.number);
    const billed = c.installments.filter((i) => i.paymentStatus !== 'pending').map((i) => i.name);
    const form = extra.form;
    const mine = (f: string) => (form === f ? { values: extra.values ?? {}, errors: extra.errors ?? null } : { values: {}, errors: null });
    const positionValues: Record<string, unknown> = {};
    positions.forEach((p, i) => {
      positionValues[`positions[${i}].role`] = p.role;
      positionValues[`positions[${i}].count`] = p.count;
      positionValues[`positions[${i}].qualifications`] = p.qualifications.join('、');
      positionValues[`positions[${i}].toleranceWorkingDays`] = p.toleranceWorkingDays;
    });
    const positionRows = Math.max(positions.length, form === 'positions' ? Object.keys(extra.values ?? {}).filter((k) => /^positions\[\d+\]\.role$/.test(k)).length : 0) + POSITION_BLANK_ROWS;
    show(res, 'setup/edit', {
      title: `合同设置 · ${c.name}`,
      c, ...ch,
      locked: started.length > 0 || billed.length > 0,
      ended: fmt.date(now(ctx)) > c.endDate,
      started, billed,
      policy,
      inspectionPlans, reportPlans, positions,
      clauseKinds: CLAUSE_KINDS, schemes: PERIOD_SCHEMES, frequencies: FREQUENCIES, reportKinds: REPORT_KINDS, reportEventKinds: REPORT_EVENT_KINDS,
      installmentRows: rowsFor(Math.max(c.installments.length, postedRows(extra.values, /^installments\[(\d+)\]\.name$/)), INSTALLMENT_ROWS, MAX_INSTALLMENTS),
      levelRows: rowsFor(Math.max(policy?.levels.length ?? 0, postedRows(extra.values, /^levels\[(\d+)\]\.code$/)), LEVEL_ROWS, MAX_LEVELS),
      hourRows: rowsFor(Math.max(policy?.workingHours.length ?? 0, postedRows(extra.values, /^workingHours\[(\d+)\]\.start$/)), HOUR_ROWS, MAX_HOURS),
      positionRows,
      terms: form === 'terms' ? { values: keptTerms(termsValues(c), extra.values ?? {}), errors: extra.errors } : { values: termsValues(c), errors: null },
      sla: form === 'sla' ? mine('sla') : { values: policyValues(policy ?? { workingHours: DEFAULT_WORKING_HOURS, levels: SUGGESTED_LEVELS, ruleByTicketType: { 故障: '10a', 需求: '26a', default: '4a' }, pauseReasons: evidence.DEFAULT_PAUSE_REASONS }), errors: null },
      iplan: form === 'iplan' ? mine('iplan') : { values: { frequency: 'workday', findingLimitMinutes: 570 }, errors: null },
      rplan: form === 'rplan' ? mine('rplan') : { values: { kind: 'monthly' }, errors: null },
      pos: form === 'positions' ? mine('positions') : { values: positionValues, errors: null },
      cl: form === 'clauses' ? { values: { ...clauseValues(c), ...extra.values }, errors: extra.errors ?? null } : { values: clauseValues(c), errors: null },
      clauseRows: Math.min(MAX_CLAUSE_ROWS, Math.max(c.penaltyClauses.length, postedRows(extra.values, /^penaltyClauses\[(\d+)\]\.code$/)) + CLAUSE_BLANK_ROWS),
      // the layout shows errors.message at the top
      errors: extra.errors ? { message: extra.errors.message, fields: {} } : null,
    });
  }

  r.get('/contracts/:id/edit', page(async (req, res) => editPage(req, res)));

  r.post('/contracts/:id/edit', page(async (req, res) => {
    const id = intParam(req, 'id');
    const { body, rowIndex } = termsBody(req.body, 'edit');
    body.version = str(req.body.version) ?? '';
    await submitForm(req, res, {
      run: async () => {
        const out = await contracts.updateContract(ctx, actor(req), id, body);
        flash(req, out.changed.length ? savedWith('合同条款已保存', out) : '没有需要保存的修改');
        return `/contracts/${id}/edit`;
      },
      rerender: async (errors) => {
        const merged = await afterOtherEdits(req, id, termsErrors(errors, rowIndex));
        await editPage(req, res, { form: 'terms', values: merged?.values ?? req.body, errors: merged?.errors ?? termsErrors(errors, rowIndex) });
      },
    });
  }));

  /**
   * The terms form posted from an old version (someone saved in between): the form comes back
   * with the current version and the current values, except the fields this user changed,
   * which keep their input; a field both changed says what it is now. Saving again then
   * applies this user's changes on top of the other edit. Null when the version is current.
   */
  async function afterOtherEdits(req: Request, id: number, errors: FormErrors): Promise<{ values: Record<string, unknown>; errors: FormErrors } | null> {
    const posted = Number(str(req.body.version));
    if (!Number.isInteger(posted) || posted < 0) return null;
    const since = await contracts.editsSince(ctx, actor(req), id, posted);
    if (since.current.version === posted) return null;
    const current = termsValues(since.current);
    const base = since.base ? termsValues(since.base) : null;
    const norm = (v: unknown) => {
      const t = v === undefined || v === null ? '' : String(Array.isArray(v) ? v[0] : v).replace(/\r\n/g, '\n').trim();
      return /^-?\d+(\.\d+)?$/.test(t) ? String(Number(t)) : t;
    };
    const b = req.body as Record<string, unknown>;
    const rowsPosted = Object.keys(b).some((k) => k.startsWith('installments['));
    const values: Record<string, unknown> = { ...current };
    const fields = { ...errors.fields };
    const keys = new Set([...Object.keys(current), ...Object.keys(b)]);
    for (const k of keys) {
      if (k === '_csrf' || k === 'version') continue;
      // an unticked checkbox is not posted: absent means unticked when its rows were posted
      const isBox = /^installments\[\d+\]\.deductible$/.test(k);
      if (!(k in b) && !(isBox && rowsPosted)) continue; // not in the form (a locked field): as it is now
      const mine = isBox ? (checkbox(b[k]) ? '1' : '') : b[k];
      // without the old version's values every posted field counts as this user's input
      const changedByMe = !base || norm(mine) !== norm(base[k]);
      if (!changedByMe) continue;
      values[k] = mine;
      const theirs = base ? norm(current[k]) !== norm(base[k]) : norm(current[k]) !== norm(mine);
      if (theirs && norm(current[k]) !== norm(mine) && !fields[k]) {
        const now = current[k] === undefined || current[k] === '' ? '（空）' : String(current[k]);
        fields[k] = `${since.by.length ? since.by.join('、') : '他人'}已改为「${now}」；再次保存将以您填写的内容为准`;
      }
    }
    values.version = since.current.version;
    return { values, errors: { message: errors.message, fields } };
  }

  r.post('/contracts/:id/penalty-clauses', page(async (req, res) => {
    const id = intParam(req, 'id');
    const { rows, index } = clausesBody(req.body);
    await submitForm(req, res, {
      run: async () => {
        const out = await contracts.updateContract(ctx, actor(req), id, { version: str(req.body.version) ?? '', penaltyClauses: rows });
        flash(req, out.changed.length ? '违约条款已保存。' : '没有需要保存的修改');
        return `/contracts/${id}/edit#clauses`;
      },
      rerender: async (errors) => editPage(req, res, { form: 'clauses', values: req.body, errors: clauseErrors(errors, index) }),
    });
  }));

  r.post('/contracts/:id/sla-policy', page(async (req, res) => {
    const id = intParam(req, 'id');
    const { body, hourIndex, levelIndex, badMapping } = policyBody(req.body);
    await submitForm(req, res, {
      run: async () => {
        if (badMapping.length) {
          throw badRequest(`无法识别「${badMapping[0]}」，请写成 类型=规则，如 故障=10a`, [{ path: 'itemByTicketType', message: `无法识别「${badMapping[0]}」，请写成 类型=规则，如 故障=10a` }]);
        }
        const out = await evidence.putPolicy(ctx, actor(req), id, body);
        flash(req, savedWith('SLA 策略已保存', out));
        return `/contracts/${id}/edit#sla`;
      },
      rerender: async (errors) => editPage(req, res, { form: 'sla', values: req.body, errors: policyErrors(errors, hourIndex, levelIndex) }),
    });
  }));

  r.post('/contracts/:id/inspection-plans', page(async (req, res) => {
    const id = intParam(req, 'id');
    const b = req.body;
    const body: Record<string, unknown> = {
      name: opt(b.name), system: opt(b.system) ?? null, frequency: opt(b.frequency), dates: lines(b.dates), deadlineTime: opt(b.deadlineTime) ?? null,
      checklist: lines(b.checklist),
    };
    if (opt(b.findingLimitMinutes)) body.findingLimitMinutes = opt(b.findingLimitMinutes);
    if (opt(b.activeFrom)) body.activeFrom = opt(b.activeFrom);
    if (opt(b.activeTo)) body.activeTo = opt(b.activeTo);
    await submitForm(req, res, {
      run: async () => {
        const out = await evidence.createInspectionPlan(ctx, actor(req), id, body);
        flash(req, savedWith(`巡检计划「${out.name}」已添加`, out));
        return `/contracts/${id}/edit#inspection-plans`;
      },
      rerender: async (errors) => editPage(req, res, {
        form: 'iplan', values: b,
        errors: relabel(errors, (k) => PLAN_LABELS[k], (k) => k.replace(/\[\d+\]$/, '')),
      }),
    });
  }));

  r.post('/contracts/:id/report-plans', page(async (req, res) => {
    const id = intParam(req, 'id');
    const b = req.body;
    const body: Record<string, unknown> = { name: opt(b.name), kind: opt(b.kind), eventKinds: arr(b.eventKinds) };
    if (opt(b.dueWorkingDays)) body.dueWorkingDays = opt(b.dueWorkingDays);
    await submitForm(req, res, {
      run: async () => {
        const out = await evidence.createReportPlan(ctx, actor(req), id, body);
        flash(req, savedWith(`报告计划「${out.name}」已添加`, out));
        return `/contracts/${id}/edit#report-plans`;
      },
      rerender: async (errors) => editPage(req, res, {
        form: 'rplan', values: { ...b, eventKinds: arr(b.eventKinds) },
        errors: relabel(errors, (k) => PLAN_LABELS[k], (k) => k.replace(/\[\d+\]$/, '')),
      }),
    });
  }));

  r.post('/contracts/:id/positions', page(async (req, res) => {
    const id = intParam(req, 'id');
    const { rows, index } = positionsBody(req.body);
    await submitForm(req, res, {
      run: async () => {
        const out = await evidence.putPositions(ctx, actor(req), id, rows);
        flash(req, savedWith('岗位要求已保存', out));
        return `/contracts/${id}/edit#positions`;
      },
      rerender: async (errors) => editPage(req, res, {
        form: 'positions', values: req.body,
        errors: relabel(
          errors,
          (k) => {
            const m = /^positions\[(\d+)\]\.(\w+)$/.exec(k);
            return m ? `第 ${Number(m[1]) + 1} 行${POSITION_LABELS[m[2]] ?? ''}` : undefined;
          },
          (k) => {
            const m = /^\[(\d+)\](?:\.(\w+))?/.exec(k);
            return m ? `positions[${index[Number(m[1])] ?? Number(m[1])}].${m[2] ?? 'role'}` : k === '(body)' || k === '' ? 'positions[0].role' : k;
          },
        ),
      }),
    });
  }));
}

/**
 * Moves the routes just registered for `paths` in front of the route `before` (Express tries
 * routes in registration order; the contract pages registered "/contracts/:id" earlier).
 */
function hoist(r: Router, paths: string[], before: string): void {
  const stack = (r as unknown as { stack: { route?: { path?: unknown } }[] }).stack;
  const target = stack.findIndex((l) => l.route?.path === before);
  if (target < 0) return;
  const moving = stack.filter((l, i) => i > target && typeof l.route?.path === 'string' && paths.includes(l.route.path as string));
  for (const l of moving) stack.splice(stack.indexOf(l), 1);
  stack.splice(target, 0, ...moving);
}
