// The evidence page of a contract (managers and admins): forms that record one ticket, an
// inspection run, a report submission, a roster entry or an event, each with the recent
// records under it. Every save re-runs the detector it affects (in the service); the flash
// message after the redirect says what detection changed in the ledger.
import { Request, Response, Router } from 'express';
import { Ctx } from '../../services/context';
import * as contracts from '../../services/contracts';
import * as evidence from '../../services/evidence';
import { checkImportAllowed } from '../../services/imports';
import { actor, checkbox, flash, FormErrors, formErrors, intParam, localDateTime, page, str, submitForm } from '../render';
import { detectionText, FINDING_ROWS, inspectionRunOf, lines, opt, relabel, savedWith, show } from './setup';

const RECENT = 20;
const PAUSE_ROWS = 2;

export const TICKET_TYPES = ['故障', '需求', '咨询', '变更'];

const LABELS: Record<string, Record<string, string>> = {
  ticket: {
    externalId: '工单号', type: '类型', severity: '严重程度', system: '系统', title: '标题', createdAt: '创建时间', respondedAt: '响应时间', resolvedAt: '解决时间',
  },
  inspection: { planId: '巡检计划', externalId: '记录编号', performedAt: '巡检时间', performer: '巡检人', itemsChecked: '已检查项目', findings: '发现的问题' },
  report: { planId: '报告计划', covers: '报告周期', submittedAt: '提交时间', title: '报告标题', externalId: '记录编号' },
  person: {
    externalId: '人员编号', name: '姓名', role: '岗位', startDate: '到岗日期', endDate: '离岗日期', qualifications: '资质', securityAgreement: '保密协议',
    noCriminalRecord: '无犯罪记录证明', securityTrainingDate: '安全培训日期',
  },
  event: { kind: '事件类型', occurredAt: '发生时间', title: '事件标题', system: '系统', externalId: '外部编号' },
};

type DetailField = { name: string; label: string; type: 'datetime' | 'bool' | 'text' | 'textarea' | 'int' | 'date' | 'select' | 'lines'; options?: { value: string; label: string }[]; default?: string; required?: boolean; hint?: string };

export const EVENT_KINDS: { value: string; label: string; hint: string }[] = [
  { value: 'release', label: '系统升级 / 版本发布', hint: '未按时或不完整 → 6a；升级后问题未及时解决 → 6b；引发新问题未及时解决 → 7a' },
  { value: 'emergency', label: '应急事件', hint: '超出处置时限 → 8a；缺少规范步骤 → 8b（每步）' },
  { value: 'security_incident', label: '安全事件', hint: '信息安全事故 → 17a，网络与数据安全事件 → 18a（可能适用违约扣款条款）' },
  { value: 'vulnerability', label: '安全漏洞（局方检出）', hint: '服务商事前未报备 → 12a' },
  { value: 'vulnerability_report', label: '漏洞报备（服务商事前报备）', hint: '之后检出同编号漏洞不扣分' },
  { value: 'supply_chain', label: '供应链安全问题', hint: '19a 或 20a' },
  { value: 'turnover_disruption', label: '人员变动影响运维', hint: '3a' },
  { value: 'onsite_planned', label: '现场服务计划', hint: '到期未提供的人次 → 33a' },
  { value: 'onsite_visit', label: '现场服务记录', hint: '关联一项现场服务计划' },
];

const YES_NO = (dflt: boolean): Pick<DetailField, 'type' | 'options' | 'default'> => ({
  type: 'bool', options: [{ value: '1', label: '是' }, { value: '0', label: '否' }], default: dflt ? '1' : '0',
});
const NOTE: DetailField = { name: 'note', label: '说明', type: 'textarea' };

export const EVENT_FIELDS: Record<string, DetailField[]> = {
  release: [
    { name: 'plannedAt', label: '计划完成时间', type: 'datetime' },
    { name: 'completedAt', label: '实际完成时间', type: 'datetime', hint: '尚未完成则留空' },
    { name: 'complete', label: '升级内容完整', ...YES_NO(true) },
    { name: 'postReleaseIssue', label: '升级后出现问题', ...YES_NO(false) },
    { name: 'issueHandledInTime', label: '升级后问题已及时反馈、解决', ...YES_NO(true) },
    { name: 'newProblemCaused', label: '版本（补丁）引发新问题', ...YES_NO(false) },
    { name: 'newProblemResolvedInTime', label: '新问题已及时解决', ...YES_NO(true) },
    NOTE,
  ],
  emergency: [
    { name: 'limitMinutes', label: '处置时限（分钟）', type: 'int' },
    { name: 'handledAt', label: '处置完成时间', type: 'datetime', hint: '尚未处置完成则留空' },
    { name: 'missingSteps', label: '缺少的处置步骤', type: 'lines', hint: '每行一个步骤' },
    NOTE,
  ],
  security_incident: [
    { name: 'category', label: '类别', type: 'select', required: true, options: [{ value: 'incident', label: '与运维工作相关的信息安全事故（17a）' }, { value: 'network_data', label: '网络与数据安全事件（18a）' }] },
    NOTE,
  ],
  vulnerability: [
    { name: 'identifier', label: '漏洞编号', type: 'text', hint: '如 CVE 编号；与服务商报备的编号核对' },
    { name: 'foundBy', label: '检出方', type: 'text' },
    NOTE,
  ],
  vulnerability_report: [
    { name: 'identifier', label: '漏洞编号', type: 'text', required: true },
    { name: 'reason', label: '报备说明', type: 'textarea', required: true },
  ],
  supply_chain: [
    { name: 'rule', label: '扣分规则', type: 'select', required: true, options: [{ value: '19a', label: '19a 供应链厂商安全管理问题' }, { value: '20a', label: '20a 供应链厂商履行网络安全责任不到位' }] },
    NOTE,
  ],
  turnover_disruption: [NOTE],
  onsite_planned: [
    { name: 'dueDate', label: '应提供日期（截止）', type: 'date', required: true },
    { name: 'persons', label: '计划人次', type: 'int', required: true },
  ],
  onsite_visit: [
    { name: 'plannedId', label: '关联的现场服务计划', type: 'select', required: true },
    { name: 'persons', label: '实际人次', type: 'int', required: true },
    NOTE,
  ],
};

const detailKey = (kind: string, name: string) => `d_${kind}_${name}`;

/** An event's details from the form fields of its kind. */
function eventDetails(kind: string, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of EVENT_FIELDS[kind] ?? []) {
    const raw = b[detailKey(kind, f.name)];
    if (f.type === 'bool') {
      const v = str(raw);
      if (v !== undefined) out[f.name] = v === '1';
    } else if (f.type === 'datetime') {
      const v = localDateTime(raw);
      if (v !== undefined) out[f.name] = v;
    } else if (f.type === 'lines') {
      out[f.name] = lines(raw);
    } else {
      const v = str(raw);
      if (v !== undefined) out[f.name] = v;
    }
  }
  return out;
}

/** "[0].pauses[1].reason" → "pauses[1].reason": the single record of a list-taking service. */
const unlist = (key: string) => key.replace(/^\[\d+\]\.?/, '');

function labelled(form: string, errors: FormErrors, remap: (k: string) => string = unlist, extra?: (k: string) => string | undefined): FormErrors {
  const labels = LABELS[form] ?? {};
  return relabel(errors, (k) => extra?.(k) ?? labels[k], remap);
}

export function registerEvidencePages(r: Router, ctx: Ctx): void {
  /** The recent records of a paged list service (oldest first in the service): the last RECENT, newest first. */
  async function recent<T>(fetch: (q: { limit: number; offset: number }) => Promise<{ total: number; items: T[] }>) {
    const head = await fetch({ limit: 1, offset: 0 });
    if (head.total <= 1) return { total: head.total, items: head.items };
    const page = await fetch({ limit: RECENT, offset: Math.max(0, head.total - RECENT) });
    return { total: page.total, items: page.items.reverse() };
  }

  async function evidencePage(req: Request, res: Response, extra: { form?: string; values?: Record<string, unknown>; errors?: FormErrors } = {}) {
    const me = actor(req);
    const id = intParam(req, 'id');
    const c = await contracts.getContract(ctx, me, id); // another vendor's contract: 404
    await checkImportAllowed(ctx, me, id); // evidence is written by managers and admins: 403
    let policy: ReturnType<typeof evidence.serializePolicy> | null = null;
    try {
      policy = await evidence.getPolicy(ctx, me, id);
    } catch (e) {
      if ((e as { status?: number }).status !== 404) throw e;
    }
    const [tickets, inspections, inspectionPlans, reportPlans, reports, positions, people, events] = await Promise.all([
      recent((q) => evidence.listTickets(ctx, me, id, q)),
      recent((q) => evidence.listInspections(ctx, me, id, q)),
      evidence.listInspectionPlans(ctx, me, id),
      evidence.listReportPlans(ctx, me, id),
      evidence.listReportSubmissions(ctx, me, id),
      evidence.listPositions(ctx, me, id),
      evidence.listPeople(ctx, me, id),
      evidence.listEvents(ctx, me, id, {}),
    ]);
    const form = extra.form;
    const scoped = (f: string, dflt: Record<string, unknown> = {}) =>
      form === f ? { values: extra.values ?? {}, errors: extra.errors ?? null } : { values: dflt, errors: null };
    const eventDefaults: Record<string, unknown> = { kind: 'release' };
    for (const [kind, fields] of Object.entries(EVENT_FIELDS)) for (const f of fields) if (f.default !== undefined) eventDefaults[detailKey(kind, f.name)] = f.default;
    show(res, 'evidence/index', {
      title: `证据记录 · ${c.name}`,
      c, policy, inspectionPlans, reportPlans, positions,
      tickets, inspections,
      reports: { total: reports.length, items: reports.slice(-RECENT).reverse() },
      people,
      events: { total: events.length, items: events.slice(-RECENT).reverse() },
      onsitePlans: events.filter((e) => e.kind === 'onsite_planned' && e.status === 'active'),
      ticketTypes: TICKET_TYPES, eventKinds: EVENT_KINDS, eventFields: EVENT_FIELDS, detailKey,
      pauseRows: PAUSE_ROWS, findingRows: FINDING_ROWS,
      planName: (list: { id: number; name: string }[], pid: number) => list.find((p) => p.id === pid)?.name ?? `#${pid}`,
      ticket: scoped('ticket'),
      inspection: scoped('inspection'),
      report: scoped('report'),
      person: scoped('person', { securityAgreement: '1', noCriminalRecord: '1' }),
      event: scoped('event', eventDefaults),
      openSection: form ?? null,
      errors: extra.errors ? { message: extra.errors.message, fields: {} } : null,
    });
  }

  const base = (req: Request) => `/contracts/${intParam(req, 'id')}/evidence`;
  r.get('/contracts/:id/evidence', page(async (req, res) => evidencePage(req, res)));

  // ---- one ticket
  r.post('/contracts/:id/evidence/tickets', page(async (req, res) => {
    const id = intParam(req, 'id');
    const b = req.body;
    const ticket: Record<string, unknown> = {
      externalId: opt(b.externalId), severity: opt(b.severity), type: opt(b.type) ?? null, system: opt(b.system) ?? null, title: opt(b.title) ?? null,
      createdAt: localDateTime(b.createdAt), respondedAt: localDateTime(b.respondedAt) ?? null, resolvedAt: localDateTime(b.resolvedAt) ?? null,
    };
    // Pauses only when given: otherwise the pauses already stored for this ticket are kept.
    const pauses: unknown[] = [];
    const pauseIndex: number[] = [];
    for (let i = 0; i < PAUSE_ROWS; i++) {
      const f = (x: string) => b[`pauses[${i}].${x}`];
      if (!str(f('start')) && !str(f('end'))) continue;
      pauses.push({ start: localDateTime(f('start')), end: localDateTime(f('end')) ?? null, reason: opt(f('reason')), confirmed: checkbox(f('confirmed')) });
      pauseIndex.push(i);
    }
    if (pauses.length) ticket.pauses = pauses;
    await submitForm(req, res, {
      run: async () => {
        const out = await evidence.postTickets(ctx, actor(req), id, [ticket]);
        const what = out.imported ? '工单已录入' : out.updated ? '工单已更新' : '工单内容没有变化';
        flash(req, savedWith(`${what}（${ticket.externalId}）`, out));
        return `${base(req)}#tickets`;
      },
      rerender: async (errors) => evidencePage(req, res, {
        form: 'ticket', values: b,
        errors: labelled('ticket', errors, (k) => {
          const key = unlist(k);
          const m = /^pauses\[(\d+)\](?:\.(\w+))?/.exec(key);
          return m ? `pauses[${pauseIndex[Number(m[1])] ?? Number(m[1])}].${m[2] ?? 'start'}` : key;
        }, (k) => {
          const m = /^pauses\[(\d+)\]\.(\w+)$/.exec(k);
          return m ? `第 ${Number(m[1]) + 1} 段暂停的${({ start: '开始时间', end: '结束时间', reason: '原因' } as Record<string, string>)[m[2]] ?? ''}` : undefined;
        }),
      }),
    });
  }));

  // ---- an inspection run
  r.post('/contracts/:id/evidence/inspections', page(async (req, res) => {
    const id = intParam(req, 'id');
    const b = req.body;
    const { run: body, findingIndex } = inspectionRunOf(b);
    await submitForm(req, res, {
      run: async () => {
        const out = await evidence.recordInspection(ctx, actor(req), id, body);
        flash(req, savedWith('巡检记录已保存', out));
        return `${base(req)}#inspections`;
      },
      rerender: async (errors) => evidencePage(req, res, {
        form: 'inspection', values: b,
        errors: labelled('inspection', errors, (k) => {
          const m = /^findings\[(\d+)\](?:\.(\w+))?/.exec(k);
          if (m) return `findings[${findingIndex[Number(m[1])] ?? Number(m[1])}].${m[2] ?? 'description'}`;
          return k.replace(/^itemsChecked\[\d+\]$/, 'itemsChecked');
        }, (k) => {
          const m = /^findings\[(\d+)\]\.(\w+)$/.exec(k);
          return m ? `第 ${Number(m[1]) + 1} 个问题的${m[2] === 'handledAt' ? '处理时间' : '描述'}` : undefined;
        }),
      }),
    });
  }));

  // ---- a report submission
  r.post('/contracts/:id/evidence/reports', page(async (req, res) => {
    const id = intParam(req, 'id');
    const b = req.body;
    const body = { planId: opt(b.planId), covers: opt(b.covers), submittedAt: localDateTime(b.submittedAt), title: opt(b.title) ?? null, externalId: opt(b.externalId) ?? null };
    await submitForm(req, res, {
      run: async () => {
        const out = await evidence.submitReport(ctx, actor(req), id, body);
        flash(req, savedWith('报告提交记录已保存', out));
        return `${base(req)}#reports`;
      },
      rerender: async (errors) => evidencePage(req, res, { form: 'report', values: b, errors: labelled('report', errors) }),
    });
  }));

  // ---- a roster entry
  r.post('/contracts/:id/evidence/people', page(async (req, res) => {
    const id = intParam(req, 'id');
    const b = req.body;
    const body = {
      externalId: opt(b.externalId), name: opt(b.name), role: opt(b.role), startDate: opt(b.startDate), endDate: opt(b.endDate) ?? null,
      qualifications: [...new Set((opt(b.qualifications) ?? '').split(/[,，、;；\n]+/).map((s) => s.trim()).filter(Boolean))],
      securityAgreement: checkbox(b.securityAgreement), noCriminalRecord: checkbox(b.noCriminalRecord), securityTrainingDate: opt(b.securityTrainingDate) ?? null,
    };
    await submitForm(req, res, {
      run: async () => {
        const out = await evidence.upsertPeople(ctx, actor(req), id, body);
        flash(req, savedWith(out.imported ? `人员 ${body.name} 已加入名册` : out.updated ? `人员 ${body.name} 的信息已更新` : '人员信息没有变化', out));
        return `${base(req)}#people`;
      },
      rerender: async (errors) => evidencePage(req, res, {
        form: 'person', values: { ...b, securityAgreement: b.securityAgreement ?? '', noCriminalRecord: b.noCriminalRecord ?? '' },
        errors: labelled('person', errors, (k) => unlist(k).replace(/^qualifications\[\d+\]$/, 'qualifications')),
      }),
    });
  }));

  // ---- an event
  r.post('/contracts/:id/evidence/events', page(async (req, res) => {
    const id = intParam(req, 'id');
    const b = req.body;
    const kind = opt(b.kind) ?? '';
    const body = {
      kind: kind || undefined, occurredAt: localDateTime(b.occurredAt), title: opt(b.title), system: opt(b.system) ?? null, externalId: opt(b.externalId) ?? null,
      details: eventDetails(kind, b),
    };
    await submitForm(req, res, {
      run: async () => {
        const out = await evidence.recordEvent(ctx, actor(req), id, body);
        const clause = out.suggestedPenaltyClause ? `该事件可能适用违约条款 ${out.suggestedPenaltyClause}，请在付款计算中记录相应扣款` : '';
        flash(req, savedWith(`事件已记录${clause ? `。${clause}` : ''}`, out));
        return `${base(req)}#events`;
      },
      rerender: async (errors) => evidencePage(req, res, {
        form: 'event', values: b,
        errors: labelled('event', errors, (k) => {
          const m = /^details\.(\w+)/.exec(k);
          return m ? detailKey(kind, m[1]) : k;
        }, (k) => {
          const f = (EVENT_FIELDS[kind] ?? []).find((x) => detailKey(kind, x.name) === k);
          return f?.label;
        }),
      }),
    });
  }));

  r.post('/contracts/:id/evidence/events/:eventId/withdraw', page(async (req, res) => {
    const id = intParam(req, 'id');
    try {
      const out = await evidence.withdrawEvent(ctx, actor(req), id, intParam(req, 'eventId'), { reason: str(req.body.reason) });
      flash(req, savedWith('事件已撤销', out));
    } catch (e) {
      const errors = formErrors(e);
      if (!errors) throw e;
      flash(req, `未能撤销：${errors.fields.reason ? `撤销理由 ${errors.fields.reason.replace(/^reason ?/, '')}` : errors.message}`, 'error');
    }
    res.redirect(303, `${base(req)}#events`);
  }));

  // ---- re-run every detector (time passes: open tickets breach, plans fall due)
  r.post('/contracts/:id/evidence/detect', page(async (req, res) => {
    const id = intParam(req, 'id');
    const out = await evidence.detectAll(ctx, actor(req), id);
    flash(req, detectionText(out.detection) || '自动检测已完成');
    res.redirect(303, base(req));
  }));
}
