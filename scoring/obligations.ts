// Obligations coming due and missed (reports to hand in, inspections to run), for the
// vendor's and the manager's overview pages. Pure: plans, submissions, runs, the calendar
// clock and "today" in, a list out. Deductions themselves come from the detectors; this only
// tells people what is due before it becomes a deduction.
import dayjs from 'dayjs';
import { InspectionPlan, InspectionRun, LocalClock, ReportPlan, ReportSubmission, REPORT_KIND_LABEL, reportSpans, workingDaysAfter } from './detectors';

export type ObligationState = 'overdue' | 'due' | 'done_late' | 'done';

export interface Obligation {
  kind: 'report' | 'inspection';
  planId: number;
  planName: string;
  /** what is due: "2026年10月月报", "2026-11-23 日常巡检" */
  label: string;
  dueDate: string;
  /** local "HH:mm" the work is due by on dueDate */
  dueTime: string;
  state: ObligationState;
  /** when it was done (ISO), if it was */
  doneAt: string | null;
}

const addDays = (date: string, n: number) => dayjs(date).add(n, 'day').format('YYYY-MM-DD');

/**
 * Reports whose due date falls within [today − lookBackDays, today + lookAheadDays], and the
 * inspection slots of the same window (workday plans: each working day; dated plans: their
 * dates; weekly/monthly/quarterly: the span's last working day), each with its state.
 */
export function obligations(
  input: {
    contractStart: string;
    contractEnd: string;
    reportPlans: readonly ReportPlan[];
    submissions: readonly ReportSubmission[];
    inspectionPlans: readonly InspectionPlan[];
    runs: readonly InspectionRun[];
  },
  clock: LocalClock,
  now: Date,
  window: { lookBackDays: number; lookAheadDays: number } = { lookBackDays: 14, lookAheadDays: 14 },
): Obligation[] {
  const today = clock.localDate(now);
  const from = addDays(today, -window.lookBackDays);
  const to = addDays(today, window.lookAheadDays);
  const out: Obligation[] = [];
  const spanTo = to < input.contractEnd ? to : input.contractEnd;

  for (const plan of input.reportPlans) {
    if (plan.kind === 'per_incident') continue;
    for (const span of reportSpans(plan.kind, input.contractStart, input.contractEnd)) {
      if (span.end > spanTo) break;
      if (plan.kind === 'weekly' && clock.workingDaysBetween(span.start, span.end).length === 0) continue;
      const dueDate = workingDaysAfter(clock, span.end, plan.dueWorkingDays);
      if (dueDate < from || dueDate > to) continue;
      const due = clock.at(dueDate, '24:00');
      const first = input.submissions
        .filter((s) => s.planId === plan.id && s.covers === span.covers)
        .sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime())[0];
      const state: ObligationState = first
        ? first.submittedAt.getTime() <= due.getTime() ? 'done' : 'done_late'
        : now.getTime() > due.getTime() ? 'overdue' : 'due';
      out.push({
        kind: 'report', planId: plan.id, planName: plan.name, label: `${span.label}（${REPORT_KIND_LABEL[plan.kind]}）`,
        dueDate, dueTime: '24:00', state, doneAt: first ? first.submittedAt.toISOString() : null,
      });
    }
  }

  for (const plan of input.inspectionPlans) {
    const active = (d: string) =>
      d >= input.contractStart && d <= input.contractEnd && (!plan.activeFrom || d >= plan.activeFrom) && (!plan.activeTo || d <= plan.activeTo);
    const slots: { date: string; label: string; start: string }[] = [];
    if (plan.frequency === 'workday') {
      for (const d of clock.workingDaysBetween(from, to)) if (active(d)) slots.push({ date: d, label: `${d} ${plan.name}`, start: d });
    } else if (plan.frequency === 'dates') {
      for (const d of plan.dates) if (d >= from && d <= to && active(d)) slots.push({ date: d, label: `${d} ${plan.name}`, start: d });
    } else {
      // the last working day of each week / month / quarter touching the window
      let cursor = dayjs(from);
      if (plan.frequency === 'weekly') cursor = cursor.subtract((cursor.day() + 6) % 7, 'day');
      else if (plan.frequency === 'monthly') cursor = cursor.startOf('month');
      else cursor = cursor.startOf('month').subtract(cursor.month() % 3, 'month');
      while (cursor.format('YYYY-MM-DD') <= to) {
        const next = plan.frequency === 'weekly' ? cursor.add(7, 'day') : cursor.add(plan.frequency === 'monthly' ? 1 : 3, 'month');
        const start = cursor.format('YYYY-MM-DD');
        const days = clock.workingDaysBetween(start, next.subtract(1, 'day').format('YYYY-MM-DD'));
        const last = days[days.length - 1];
        if (last && last >= from && last <= to && active(last)) {
          const what = plan.frequency === 'weekly' ? `${start} 当周` : plan.frequency === 'monthly' ? cursor.format('YYYY年M月') : `${cursor.format('YYYY年')}第${Math.floor(cursor.month() / 3) + 1}季度`;
          slots.push({ date: last, label: `${what}${plan.name}`, start });
        }
        cursor = next;
      }
    }
    const time = plan.deadlineTime ?? '24:00';
    for (const slot of slots) {
      const due = clock.at(slot.date, time);
      const dayStart = clock.at(slot.start, '00:00');
      const dayEnd = clock.at(slot.date, '24:00');
      const run = input.runs
        .filter((r) => r.planId === plan.id && r.performedAt.getTime() >= dayStart.getTime() && r.performedAt.getTime() < dayEnd.getTime())
        .sort((a, b) => a.performedAt.getTime() - b.performedAt.getTime())[0];
      const state: ObligationState = run
        ? run.performedAt.getTime() <= due.getTime() ? 'done' : 'done_late'
        : now.getTime() > due.getTime() ? 'overdue' : 'due';
      out.push({
        kind: 'inspection', planId: plan.id, planName: plan.name, label: slot.label, dueDate: slot.date, dueTime: time, state,
        doneAt: run ? run.performedAt.toISOString() : null,
      });
    }
  }
  return out.sort((a, b) => (a.dueDate === b.dueDate ? a.label.localeCompare(b.label) : a.dueDate < b.dueDate ? -1 : 1));
}
