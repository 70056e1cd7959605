// Detectors: from evidence records to proposed ledger lines, each with a readable trace.
// Pure: the calendar and `now` are parameters. RULES.md §2 and §5; issue [2/5].
import dayjs from 'dayjs';
import type { CompiledCalendar } from './calendar';
import { evaluateTicket, SlaLevel, SlaTicket } from './sla';
import { PeriodSpan, periodForDeduction, periodOfDate, ProposedLine } from './detection';

/** Local-time operations on the contract's working calendar (see calendar.ts). */
export interface LocalClock {
  localDate(instant: Date): string;
  /** instant of a local date and time ("09:00"); "24:00" is the end of the day */
  at(date: string, time: string): Date;
  isWorkingDay(date: string): boolean;
  workingDaysBetween(startDate: string, endDate: string): string[];
  addWorkingMinutes(from: Date, minutes: number): Date;
}

const fmtTime = (clock: LocalClock, d: Date) => `${clock.localDate(d)} ${localHm(clock, d)}`;
function localHm(clock: LocalClock, d: Date): string {
  const day = clock.at(clock.localDate(d), '00:00').getTime();
  const min = Math.floor((d.getTime() - day) / 60000);
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}
const addDays = (date: string, n: number) => dayjs(date).add(n, 'day').format('YYYY-MM-DD');
const minDate = (a: string, b: string) => (a < b ? a : b);
const maxDate = (a: string, b: string) => (a > b ? a : b);

/** The local date N working days after `date` (N = 0: the date itself). */
export function workingDaysAfter(clock: LocalClock, date: string, n: number): string {
  let d = date;
  let left = n;
  while (left > 0) {
    d = addDays(d, 1);
    if (clock.isWorkingDay(d)) left -= 1;
  }
  return d;
}

// ---- inspections (巡检): 5a missed runs, 5b missing checklist items, 5c unhandled findings ----

export type InspectionFrequency = 'workday' | 'weekly' | 'monthly' | 'quarterly' | 'dates';

export interface InspectionPlan {
  id: number;
  name: string;
  frequency: InspectionFrequency;
  dates: string[];
  /** "09:00": a run of a daily or dated slot must be done by then */
  deadlineTime: string | null;
  checklist: string[];
  /** working minutes to handle a finding */
  findingLimitMinutes: number;
  activeFrom: string | null;
  activeTo: string | null;
}

export interface InspectionFinding {
  description: string;
  handledAt: Date | null;
}

export interface InspectionRun {
  id: number;
  planId: number;
  performedAt: Date;
  performer: string;
  itemsChecked: string[];
  findings: InspectionFinding[];
}

interface Slot {
  key: string;
  label: string;
  start: string;
  end: string;
  due: Date;
}

const FREQ_LABEL: Record<InspectionFrequency, string> = {
  workday: '每个工作日',
  weekly: '每周',
  monthly: '每月',
  quarterly: '每季度',
  dates: '指定日期',
};

function planSlots(plan: InspectionPlan, clock: LocalClock, from: string, to: string, periods: readonly PeriodSpan[]): Slot[] {
  const slots: Slot[] = [];
  const dayDue = (d: string) => clock.at(d, plan.deadlineTime ?? '24:00');
  if (plan.frequency === 'workday') {
    for (const d of clock.workingDaysBetween(from, to)) slots.push({ key: d, label: d, start: d, end: d, due: dayDue(d) });
  } else if (plan.frequency === 'dates') {
    for (const d of [...plan.dates].sort()) {
      if (d >= from && d <= to) slots.push({ key: d, label: d, start: d, end: d, due: dayDue(d) });
    }
  } else if (plan.frequency === 'quarterly') {
    // "每季度" follows the contract's assessment periods (contract or calendar quarters).
    for (const p of periods) {
      const start = maxDate(p.startDate, from);
      const end = minDate(p.endDate, to);
      if (start > end) continue;
      slots.push({ key: `P${p.number}`, label: `第${p.number}考核期（${start} 至 ${end}）`, start, end, due: clock.at(end, '24:00') });
    }
  } else {
    let cursor = dayjs(from);
    if (plan.frequency === 'weekly') cursor = cursor.subtract((cursor.day() + 6) % 7, 'day');
    else cursor = cursor.startOf('month');
    while (cursor.format('YYYY-MM-DD') <= to) {
      const next = plan.frequency === 'weekly' ? cursor.add(7, 'day') : cursor.add(1, 'month');
      const start = maxDate(cursor.format('YYYY-MM-DD'), from);
      const end = minDate(next.subtract(1, 'day').format('YYYY-MM-DD'), to);
      const key = plan.frequency === 'weekly' ? `W${cursor.format('YYYY-MM-DD')}` : cursor.format('YYYY-MM');
      const label = plan.frequency === 'weekly' ? `${start} 至 ${end} 这一周` : `${cursor.format('YYYY年M月')}`;
      slots.push({ key, label, start, end, due: clock.at(end, '24:00') });
      cursor = next;
    }
  }
  // A week or period without a single working day (a weekend, the Spring Festival week) asks
  // for no inspection; listed dates are kept as listed.
  return plan.frequency === 'dates' || plan.frequency === 'workday'
    ? slots
    : slots.filter((sl) => clock.workingDaysBetween(sl.start, sl.end).length > 0);
}

export function detectInspections(
  plans: readonly InspectionPlan[],
  runs: readonly InspectionRun[],
  periods: readonly PeriodSpan[],
  clock: LocalClock,
  now: Date,
): ProposedLine[] {
  const out: ProposedLine[] = [];
  if (periods.length === 0) return out;
  const contractStart = periods[0].startDate;
  const contractEnd = periods[periods.length - 1].endDate;
  const today = clock.localDate(now);
  for (const plan of plans) {
    const from = maxDate(plan.activeFrom ?? contractStart, contractStart);
    const to = minDate(minDate(plan.activeTo ?? contractEnd, contractEnd), today);
    const planRuns = runs.filter((r) => r.planId === plan.id);
    const runDates = planRuns.map((r) => ({ run: r, date: clock.localDate(r.performedAt) }));
    if (from <= to) {
      for (const slot of planSlots(plan, clock, from, to, periods)) {
        if (slot.due.getTime() > now.getTime()) continue; // not due yet
        const period = periodOfDate(periods, slot.end);
        if (!period) continue;
        const inSlot = runDates.filter((x) => x.date >= slot.start && x.date <= slot.end);
        const onTime = inSlot.filter((x) => x.run.performedAt.getTime() <= slot.due.getTime());
        const what = `巡检计划「${plan.name}」（${FREQ_LABEL[plan.frequency]}${plan.deadlineTime ? `，${plan.deadlineTime} 前完成` : ''}）`;
        if (onTime.length === 0) {
          const late = inSlot[0];
          out.push({
            sourceKey: `inspection:${plan.id}:${slot.key}:missed`,
            periodNumber: period.number,
            itemNumber: 5,
            ruleCode: '5a',
            units: 1,
            reason: `${slot.label} 缺少一次巡检：${plan.name}`,
            trace: [
              `${what}应在 ${slot.label} 执行巡检，截止 ${fmtTime(clock, slot.due)}。`,
              late
                ? `该时段内的巡检记录 ${fmtTime(clock, late.run.performedAt)}（${late.run.performer}）晚于截止时间，视为缺少一次巡检。`
                : '该时段内没有巡检记录。',
            ],
            occurredAt: slot.due,
          });
          continue;
        }
        const checked = new Set(onTime.flatMap((x) => x.run.itemsChecked));
        const missing = plan.checklist.filter((c) => !checked.has(c));
        if (missing.length) {
          out.push({
            sourceKey: `inspection:${plan.id}:${slot.key}:items`,
            periodNumber: period.number,
            itemNumber: 5,
            ruleCode: '5b',
            units: missing.length,
            reason: `${slot.label} 巡检缺少 ${missing.length} 项内容：${missing.join('、')}`,
            trace: [
              `${what}的检查内容共 ${plan.checklist.length} 项：${plan.checklist.join('、')}。`,
              `${slot.label} 的巡检记录（${onTime.map((x) => `${fmtTime(clock, x.run.performedAt)} ${x.run.performer}`).join('；')}）未覆盖：${missing.join('、')}。`,
            ],
            occurredAt: onTime[0].run.performedAt,
          });
        }
      }
    }
    for (const run of planRuns) {
      run.findings.forEach((f, i) => {
        const deadline = clock.addWorkingMinutes(run.performedAt, plan.findingLimitMinutes);
        const late = f.handledAt ? f.handledAt.getTime() > deadline.getTime() : now.getTime() > deadline.getTime();
        if (!late) return;
        const period = periodForDeduction(periods, clock.localDate(deadline));
        if (!period) return;
        out.push({
          sourceKey: `inspection-finding:${run.id}:${i}`,
          periodNumber: period.number,
          itemNumber: 5,
          ruleCode: '5c',
          units: 1,
          reason: `巡检发现问题未及时处理：${f.description}`,
          trace: [
            `${fmtTime(clock, run.performedAt)} 巡检（${plan.name}，${run.performer}）发现问题：${f.description}。`,
            `处理时限 ${plan.findingLimitMinutes} 个工作分钟，截止 ${fmtTime(clock, deadline)}。`,
            f.handledAt ? `实际处理时间 ${fmtTime(clock, f.handledAt)}，超出时限。` : `截至 ${fmtTime(clock, now)} 仍未处理。`,
          ],
          occurredAt: deadline,
        });
      });
    }
  }
  return out;
}

// ---- reports (报告): 9a missing or late ----------------------------------------------------

export type ReportKind = 'weekly' | 'monthly' | 'annual' | 'per_incident';

export interface ReportPlan {
  id: number;
  name: string;
  kind: ReportKind;
  /** working days after the covered span (or the incident) by which the report is due */
  dueWorkingDays: number;
  /** per_incident: the event kinds that call for a report */
  eventKinds: string[];
}

export interface ReportSubmission {
  id: number;
  planId: number;
  covers: string;
  submittedAt: Date;
}

export interface IncidentRef {
  id: number;
  kind: string;
  title: string;
  occurredAt: Date;
}

export const REPORT_KIND_LABEL: Record<ReportKind, string> = { weekly: '周报', monthly: '月报', annual: '年报', per_incident: '事件报告' };

/** The spans a periodic report covers between two dates, with the key a submission names. */
export function reportSpans(kind: Exclude<ReportKind, 'per_incident'>, from: string, to: string) {
  const spans: { covers: string; label: string; start: string; end: string }[] = [];
  if (kind === 'annual') {
    // 年报 covers a contract year (from the start date), not a calendar year.
    const first = dayjs(from);
    for (let n = 0; first.add(n, 'year').format('YYYY-MM-DD') <= to; n++) {
      const start = first.add(n, 'year').format('YYYY-MM-DD');
      const end = minDate(first.add(n + 1, 'year').subtract(1, 'day').format('YYYY-MM-DD'), to);
      spans.push({ covers: `Y${n + 1}`, label: `合同第${n + 1}年（${start} 至 ${end}）年报`, start, end });
    }
    return spans;
  }
  let cursor = dayjs(from);
  if (kind === 'weekly') cursor = cursor.subtract((cursor.day() + 6) % 7, 'day');
  else cursor = cursor.startOf('month');
  while (cursor.format('YYYY-MM-DD') <= to) {
    const next = kind === 'weekly' ? cursor.add(7, 'day') : cursor.add(1, 'month');
    const start = maxDate(cursor.format('YYYY-MM-DD'), from);
    const end = minDate(next.subtract(1, 'day').format('YYYY-MM-DD'), to);
    const covers = kind === 'weekly' ? `W${cursor.format('YYYY-MM-DD')}` : cursor.format('YYYY-MM');
    const label = kind === 'weekly' ? `${start} 至 ${end} 周报` : `${cursor.format('YYYY年M月')}月报`;
    spans.push({ covers, label, start, end });
    cursor = next;
  }
  return spans;
}

export function detectReports(
  plans: readonly ReportPlan[],
  submissions: readonly ReportSubmission[],
  incidents: readonly IncidentRef[],
  periods: readonly PeriodSpan[],
  clock: LocalClock,
  now: Date,
): ProposedLine[] {
  const out: ProposedLine[] = [];
  if (periods.length === 0) return out;
  const from = periods[0].startDate;
  const to = periods[periods.length - 1].endDate;
  for (const plan of plans) {
    const expected: { covers: string; label: string; anchor: string; start?: string }[] =
      plan.kind === 'per_incident'
        ? incidents
            .filter((e) => plan.eventKinds.includes(e.kind))
            .map((e) => ({ covers: `event:${e.id}`, label: `事件「${e.title}」（${fmtTime(clock, e.occurredAt)}）的报告`, anchor: clock.localDate(e.occurredAt) }))
        : reportSpans(plan.kind, from, to).map((s) => ({ covers: s.covers, label: s.label, anchor: s.end, start: s.start }));
    const today = clock.localDate(now);
    for (const exp of expected) {
      // Not due before the span ends; skip before computing a due date that may fall in a
      // year whose calendar is not loaded yet.
      if (today <= exp.anchor) continue;
      // a week with no working day (a weekend, the Spring Festival week) needs no report
      if (plan.kind === 'weekly' && exp.start && clock.workingDaysBetween(exp.start, exp.anchor).length === 0) continue;
      const dueDate = workingDaysAfter(clock, exp.anchor, plan.dueWorkingDays);
      const due = clock.at(dueDate, '24:00');
      const subs = submissions
        .filter((s) => s.planId === plan.id && s.covers === exp.covers)
        .sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime());
      const first = subs[0];
      if (first && first.submittedAt.getTime() <= due.getTime()) continue;
      if (!first && now.getTime() <= due.getTime()) continue; // not due yet
      const period = periodForDeduction(periods, dueDate);
      if (!period) continue;
      out.push({
        sourceKey: `report:${plan.id}:${exp.covers}`,
        periodNumber: period.number,
        itemNumber: 9,
        ruleCode: '9a',
        units: 1,
        reason: first ? `${exp.label}逾期提交（${plan.name}）` : `少提交一次报告：${exp.label}（${plan.name}）`,
        trace: [
          `报告计划「${plan.name}」（${REPORT_KIND_LABEL[plan.kind]}）：${exp.label}应在 ${plan.dueWorkingDays} 个工作日内提交，截止 ${dueDate} 24:00。`,
          first ? `实际提交时间 ${fmtTime(clock, first.submittedAt)}，已逾期。` : `截至 ${fmtTime(clock, now)} 未提交。`,
        ],
        occurredAt: due,
      });
    }
  }
  return out;
}

// ---- staffing (人员): 1a short, 2a unqualified, 16a/16b agreements, 15a training ------------

export interface Position {
  id: number;
  role: string;
  count: number;
  qualifications: string[];
  /** a gap shorter than this many consecutive working days is tolerated (replacement time) */
  toleranceWorkingDays: number;
}

export interface Person {
  id: number;
  name: string;
  role: string;
  startDate: string;
  endDate: string | null;
  qualifications: string[];
  securityAgreement: boolean;
  noCriminalRecord: boolean;
  securityTrainingDate: string | null;
}

export function detectStaffing(
  positions: readonly Position[],
  people: readonly Person[],
  periods: readonly PeriodSpan[],
  clock: LocalClock,
  now: Date,
): ProposedLine[] {
  const out: ProposedLine[] = [];
  const today = clock.localDate(now);
  if (periods.length === 0 || periods[0].startDate > today) return out;
  // Shortfalls are measured over the whole term, so a gap across a period end still counts.
  const allDays = clock.workingDaysBetween(periods[0].startDate, minDate(periods[periods.length - 1].endDate, today));
  const gaps = new Map<number, { k: number; from: string; to: string; length: number; i: number; j: number }[]>();
  for (const pos of positions) {
    const short = allDays.map((d) => {
      const present = people.filter((p) => p.role === pos.role && p.startDate <= d && (!p.endDate || p.endDate >= d)).length;
      return Math.max(0, pos.count - present);
    });
    const runs: { k: number; from: string; to: string; length: number; i: number; j: number }[] = [];
    for (let k = 1; k <= pos.count; k++) {
      let i = 0;
      while (i < allDays.length) {
        if (short[i] < k) {
          i++;
          continue;
        }
        let j = i;
        while (j + 1 < allDays.length && short[j + 1] >= k) j++;
        // A gap of at most `tolerance` working days is a normal replacement.
        if (j - i + 1 > pos.toleranceWorkingDays) runs.push({ k, from: allDays[i], to: allDays[j], length: j - i + 1, i, j });
        i = j + 1;
      }
    }
    gaps.set(pos.id, runs);
  }
  for (const period of periods) {
    if (period.startDate > today) continue;
    const end = minDate(period.endDate, today);
    for (const pos of positions) {
      // A period is charged for a gap that exceeded the tolerance within it, or that lasted
      // longer than the tolerance inside it (a vacancy running all year counts every quarter;
      // one day of a gap that only grows long in the next period does not).
      const overlapping = (gaps.get(pos.id) ?? []).filter((r) => {
        if (r.from > end || r.to < period.startDate) return false;
        const exceededOn = allDays[r.i + pos.toleranceWorkingDays];
        const inside = allDays.slice(r.i, r.j + 1).filter((d) => d >= period.startDate && d <= end).length;
        return inside > pos.toleranceWorkingDays || (exceededOn >= period.startDate && exceededOn <= end);
      });
      if (overlapping.length === 0) continue;
      const worst = overlapping.reduce((a, b) => (b.k > a.k ? b : a));
      out.push({
        sourceKey: `staffing:short:${pos.id}:${period.number}`,
        periodNumber: period.number,
        itemNumber: 1,
        ruleCode: '1a',
        units: worst.k,
        reason: `${pos.role}要求 ${pos.count} 人，缺 ${worst.k} 人`,
        trace: [
          `岗位「${pos.role}」合同要求 ${pos.count} 人；人员空缺不超过 ${pos.toleranceWorkingDays} 个工作日的视为正常更替。`,
          `${worst.from} 至 ${worst.to} 连续 ${worst.length} 个工作日仅 ${pos.count - worst.k} 人到岗，缺 ${worst.k} 人${worst.from < period.startDate || worst.to > end ? '（空缺跨越考核期，计入涉及的每个考核期）' : ''}。`,
        ],
        occurredAt: clock.at(maxDate(worst.from, period.startDate), '00:00'),
      });
    }
    const active = people.filter((p) => p.startDate <= end && (!p.endDate || p.endDate >= period.startDate));
    for (const person of active) {
      const pos = positions.find((p) => p.role === person.role);
      const who = `${person.name}（${person.role}，${person.startDate} 起${person.endDate ? `至 ${person.endDate}` : ''}）`;
      const when = clock.at(maxDate(person.startDate, period.startDate), '00:00');
      if (pos) {
        const lacking = pos.qualifications.filter((q) => !person.qualifications.includes(q));
        if (lacking.length) {
          out.push({
            sourceKey: `staffing:unqualified:${person.id}:${period.number}`,
            periodNumber: period.number, itemNumber: 2, ruleCode: '2a', units: 1,
            reason: `${person.name}不具备岗位要求的资质：${lacking.join('、')}`,
            trace: [`岗位「${pos.role}」要求资质：${pos.qualifications.join('、')}。`, `${who}缺少：${lacking.join('、')}。`],
            occurredAt: when,
          });
        }
      }
      if (!person.securityAgreement) {
        out.push({
          sourceKey: `staffing:agreement:${person.id}:${period.number}`,
          periodNumber: period.number, itemNumber: 16, ruleCode: '16a', units: 1,
          reason: `${person.name}未签订安全保密协议`,
          trace: [`${who}在本考核期在岗，花名册中没有安全保密协议。`],
          occurredAt: when,
        });
      }
      if (!person.noCriminalRecord) {
        out.push({
          sourceKey: `staffing:record:${person.id}:${period.number}`,
          periodNumber: period.number, itemNumber: 16, ruleCode: '16b', units: 1,
          reason: `${person.name}未提供无犯罪记录证明`,
          trace: [`${who}在本考核期在岗，花名册中没有无犯罪记录证明。`],
          occurredAt: when,
        });
      }
      if (!person.securityTrainingDate || person.securityTrainingDate > end) {
        out.push({
          sourceKey: `staffing:training:${person.id}:${period.number}`,
          periodNumber: period.number, itemNumber: 15, ruleCode: '15a', units: 1,
          reason: `${person.name}未进行安全培训`,
          trace: [
            `${who}在本考核期在岗，${person.securityTrainingDate ? `安全培训日期 ${person.securityTrainingDate} 晚于本期` : '没有安全培训记录'}。`,
          ],
          occurredAt: when,
        });
      }
    }
  }
  return out;
}

// ---- events: releases, emergencies, security, vulnerabilities, supply chain, turnover, on-site ----

export type EventKind =
  | 'release'
  | 'emergency'
  | 'security_incident'
  | 'vulnerability'
  | 'vulnerability_report'
  | 'supply_chain'
  | 'turnover_disruption'
  | 'onsite_planned'
  | 'onsite_visit';

export interface EvidenceEvent {
  id: number;
  kind: EventKind;
  externalId: string | null;
  occurredAt: Date;
  title: string;
  details: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);
const date = (v: unknown) => (typeof v === 'string' || v instanceof Date ? new Date(v) : null);

/** Clauses a security event may call for (RULES.md §4): the manager records the penalty. */
export function suggestedPenaltyClause(e: Pick<EvidenceEvent, 'kind' | 'details'>): string | null {
  if (e.kind === 'security_incident' && e.details.category === 'network_data') return 'security-incident';
  if (e.kind === 'supply_chain' && e.details.rule === '20a') return 'supply-chain-incident';
  return null;
}

export function detectEvents(
  events: readonly EvidenceEvent[],
  periods: readonly PeriodSpan[],
  clock: LocalClock,
  now: Date,
): ProposedLine[] {
  const out: ProposedLine[] = [];
  const at = (e: EvidenceEvent) => fmtTime(clock, e.occurredAt);
  const push = (e: EvidenceEvent, suffix: string, item: number, rule: string, units: number, reason: string, trace: string[], when: Date = e.occurredAt) => {
    const period = periodForDeduction(periods, clock.localDate(when));
    if (!period || units <= 0) return;
    out.push({ sourceKey: `event:${e.id}:${suffix}`, periodNumber: period.number, itemNumber: item, ruleCode: rule, units, reason, trace, occurredAt: when });
  };
  const reported = events.filter((e) => e.kind === 'vulnerability_report');
  for (const e of events) {
    const d = e.details;
    switch (e.kind) {
      case 'release': {
        const planned = date(d.plannedAt);
        const completed = date(d.completedAt);
        const late = planned && completed && completed.getTime() > planned.getTime();
        const overdue = planned && !completed && now.getTime() > planned.getTime();
        if (late || overdue || d.complete === false) {
          push(e, '6a', 6, '6a', 1, `系统升级未按时、完整完成：${e.title}`, [
            `升级「${e.title}」计划 ${planned ? fmtTime(clock, planned) : '（未填）'} 完成，${completed ? `实际 ${fmtTime(clock, completed)} 完成` : '尚未完成'}${d.complete === false ? '，升级内容不完整' : ''}。`,
          ], planned ?? e.occurredAt);
        }
        if (d.postReleaseIssue === true && d.issueHandledInTime === false) {
          push(e, '6b', 6, '6b', 1, `升级后问题未及时反馈、解决：${e.title}`, [`升级「${e.title}」后出现问题，未能及时向上反馈、解决。${str(d.note) ?? ''}`]);
        }
        if (d.newProblemCaused === true && d.newProblemResolvedInTime === false) {
          push(e, '7a', 7, '7a', 1, `发布版本引发新问题且未及时解决：${e.title}`, [`版本（补丁）「${e.title}」（${at(e)}）引发新问题，且未能及时解决。${str(d.note) ?? ''}`]);
        }
        break;
      }
      case 'emergency': {
        const limit = typeof d.limitMinutes === 'number' ? d.limitMinutes : null;
        const handled = date(d.handledAt);
        if (limit !== null) {
          const deadline = new Date(e.occurredAt.getTime() + limit * 60000);
          const late = handled ? handled.getTime() > deadline.getTime() : now.getTime() > deadline.getTime();
          if (late) {
            push(e, '8a', 8, '8a', 1, `应急情况未在时限内处置：${e.title}`, [
              `应急事件「${e.title}」发生于 ${at(e)}，处置时限 ${limit} 分钟，截止 ${fmtTime(clock, deadline)}。`,
              handled ? `实际处置完成 ${fmtTime(clock, handled)}，超出时限。` : `截至 ${fmtTime(clock, now)} 尚未处置完成。`,
            ], deadline);
          }
        }
        const steps = Array.isArray(d.missingSteps) ? d.missingSteps.map(String) : [];
        if (steps.length) {
          push(e, '8b', 8, '8b', steps.length, `应急处置缺少 ${steps.length} 个规范步骤：${e.title}`, [`应急事件「${e.title}」（${at(e)}）处置缺少步骤：${steps.join('、')}。`]);
        }
        break;
      }
      case 'security_incident': {
        const network = d.category === 'network_data';
        push(e, network ? '18a' : '17a', network ? 18 : 17, network ? '18a' : '17a', 1,
          `${network ? '网络与数据安全事件' : '信息安全事故'}：${e.title}`,
          [`${at(e)} 发生${network ? '网络与数据安全事件' : '与运维工作相关的信息安全事故'}：${e.title}。${str(d.note) ?? ''}`,
            ...(suggestedPenaltyClause(e) ? ['该事件可能适用合同违约条款（按合同总金额 20%~30% 扣减），请在扣款中记录。'] : [])]);
        break;
      }
      case 'vulnerability': {
        const ident = str(d.identifier);
        const prior = ident ? reported.find((r) => str(r.details.identifier) === ident && r.occurredAt.getTime() <= e.occurredAt.getTime()) : undefined;
        if (!prior) {
          push(e, '12a', 12, '12a', 1, `检出安全漏洞：${e.title}`, [
            `${at(e)} ${str(d.foundBy) ?? '局方安全检测'}检出漏洞「${e.title}」${ident ? `（${ident}）` : ''}。`,
            ident ? '服务商事前未报备该漏洞。' : '未填写漏洞编号，无法与服务商事前报备的漏洞核对。',
          ]);
        }
        break;
      }
      case 'supply_chain': {
        const rule = d.rule === '20a' ? '20a' : '19a';
        push(e, rule, rule === '20a' ? 20 : 19, rule, 1,
          `${rule === '20a' ? '供应链厂商履行网络安全责任不到位' : '供应链厂商安全管理问题'}：${e.title}`,
          [`${at(e)} 发现：${e.title}。${str(d.note) ?? ''}`]);
        break;
      }
      case 'turnover_disruption':
        push(e, '3a', 3, '3a', 1, `人员变动影响正常运维工作：${e.title}`, [`${at(e)} 管理员记录：${e.title}。${str(d.note) ?? ''}`]);
        break;
      case 'onsite_planned': {
        const planned = typeof d.persons === 'number' ? d.persons : 0;
        const due = str(d.dueDate) ?? clock.localDate(e.occurredAt);
        const dueAt = clock.at(due, '24:00');
        if (now.getTime() <= dueAt.getTime()) break;
        const visits = events.filter(
          (v) => v.kind === 'onsite_visit' && (v.details.plannedId === e.id || (e.externalId !== null && v.details.plannedRef === e.externalId)) && v.occurredAt.getTime() <= dueAt.getTime(),
        );
        const delivered = visits.reduce((s, v) => s + (typeof v.details.persons === 'number' ? v.details.persons : 0), 0);
        push(e, '33a', 33, '33a', planned - delivered, `现场服务未按合同提供：${e.title}（计划 ${planned} 人次，实际 ${delivered} 人次）`, [
          `现场服务「${e.title}」计划在 ${due} 前提供 ${planned} 人次。`,
          visits.length ? `已提供：${visits.map((v) => `${fmtTime(clock, v.occurredAt)} ${v.details.persons ?? 0} 人次`).join('；')}。` : '没有现场服务记录。',
          `缺 ${planned - delivered} 人次。`,
        ], dueAt);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** The LocalClock of a compiled working calendar. */
export function localClock(cal: CompiledCalendar): LocalClock {
  return {
    localDate: (d) => cal.localDate(d),
    at: (date, time) => new Date(cal.instantOf(date, time)),
    isWorkingDay: (d) => cal.isWorkingDay(d),
    workingDaysBetween: (a, b) => cal.workingDaysBetween(a, b),
    addWorkingMinutes: (from, minutes) => new Date(cal.addWorkingMinutes(from, minutes)),
  };
}

// ---- tickets (工单): one line per ticket that missed its response or resolution limit ------

export interface SlaPolicy {
  levels: SlaLevel[];
  /** ticket type → rule code ("故障" → "10a"); "default" for every other type */
  ruleByTicketType: Record<string, string>;
}

export interface TicketRecord extends SlaTicket {
  /** database id, when stored (the ledger keys a ticket's line by its external id) */
  id?: number;
  type: string | null;
  severity: string;
  system: string | null;
}

export const DEFAULT_ITEM_BY_TICKET_TYPE: Record<string, number> = { 故障: 10, 需求: 26, default: 4 };

export function ruleForTicket(policy: SlaPolicy, type: string | null): string {
  const map = policy.ruleByTicketType;
  if (type !== null && Object.prototype.hasOwnProperty.call(map, type)) return map[type];
  return Object.prototype.hasOwnProperty.call(map, 'default') ? map.default : '4a';
}

/** The source key of a ticket's ledger line: external ids are unique within a contract. */
export const ticketKey = (externalId: string) => `ticket:${externalId}`;

export function detectSlaBreaches(
  tickets: readonly TicketRecord[],
  policy: SlaPolicy,
  cal: CompiledCalendar,
  periods: readonly PeriodSpan[],
  now: Date,
): ProposedLine[] {
  const levels = new Map(policy.levels.map((l) => [l.code, l]));
  const out: ProposedLine[] = [];
  for (const ticket of tickets) {
    const level = levels.get(ticket.severity);
    if (!level) continue; // refused on input; a level removed from the policy later stops counting
    const quick = evaluateTicket(ticket, level, cal, now, { trace: false });
    if (quick.breaches.length === 0 || !quick.firstMissedDeadline) continue;
    const ev = evaluateTicket(ticket, level, cal, now);
    if (!ev.firstMissedDeadline) continue;
    const period = periodForDeduction(periods, cal.localDate(ev.firstMissedDeadline));
    if (!period) continue;
    const rule = ruleForTicket(policy, ticket.type);
    const missed = ev.breaches.map((b) => (b === 'response' ? '响应' : '解决')).join('、');
    out.push({
      sourceKey: ticketKey(ticket.externalId),
      periodNumber: period.number,
      itemNumber: Number(rule.replace(/[a-z]+$/, '')),
      ruleCode: rule,
      units: 1,
      reason: `工单 ${ticket.externalId}（${ticket.type ?? '未分类'}，${level.name ?? level.code}）超出${missed}时限`,
      trace: ev.trace,
      occurredAt: ev.firstMissedDeadline,
    });
  }
  return out;
}
