// SLA evaluation of one ticket against its severity level (RULES.md §5). Pure: the calendar is
// compiled beforehand and `now` is a parameter.
//
// - Each level counts both its limits either on the working calendar ('working') or in
//   calendar time ('calendar').
// - Confirmed pauses stop the clock for both clock types; unconfirmed pauses do not stop it and
//   are listed in `pausesIgnored`. A confirmed pause with no end holds the clock until it ends,
//   so a deadline not reached before it started is unknown (null) and cannot be missed yet.
// - A deadline is the earliest instant at which the effective elapsed time reaches the limit
//   (for the working clock a limit that runs out at 17:30 ends at 17:30, not at 08:00 the next
//   working day). A limit is missed when the response/resolution comes strictly after the
//   deadline, or, while it has not come, as soon as `now` is strictly after the deadline. So a
//   response at 19:00 after a 17:30 deadline is late, although no working time passed between.
// - A ticket resolved without a recorded response is taken to have responded when it was
//   resolved (the resolution instant stands for the response).
// - A null limit is not assessed: no deadline, no elapsed time, never breached.
// - Elapsed minutes are exact (fractional when instants are not whole minutes).
import type { CalendarDay, CompiledCalendar } from './calendar';

export type Clock = 'working' | 'calendar';

export interface SlaLevel {
  code: string;
  name?: string;
  responseMinutes: number | null;
  resolutionMinutes: number | null;
  clock: Clock;
}

export interface TicketPause {
  start: Date;
  end: Date | null;
  reason: string;
  confirmed: boolean;
}

export interface SlaTicket {
  externalId: string;
  createdAt: Date;
  respondedAt: Date | null;
  resolvedAt: Date | null;
  pauses: TicketPause[];
}

export type SlaLimitKind = 'response' | 'resolution';

export interface SlaEvaluation {
  responseDeadline: Date | null;
  resolutionDeadline: Date | null;
  /** effective (clock-type) minutes until response/resolution, or until `now` while it has not come; null when the limit is null */
  responseElapsedMinutes: number | null;
  resolutionElapsedMinutes: number | null;
  /** limits missed, in this order */
  breaches: SlaLimitKind[];
  /** the earliest missed deadline: the ledger line belongs to the period containing it */
  firstMissedDeadline: Date | null;
  /** not resolved yet */
  open: boolean;
  /** holidays and make-up days within the ticket's clock span (working clock only) */
  holidays: CalendarDay[];
  makeupDays: CalendarDay[];
  pausesCounted: TicketPause[];
  pausesIgnored: TicketPause[];
  /** human-readable Chinese lines */
  trace: string[];
}

const MIN_MS = 60_000;
const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];
const LIMIT_NAMES: Record<SlaLimitKind, { limit: string; event: string }> = {
  response: { limit: '响应', event: '响应' },
  resolution: { limit: '解决', event: '解决' },
};

/**
 * A duration in Chinese: "5 小时 12 分钟", "45 分钟", "0 分钟"; with style 'days' and at least
 * a day, "2 天 3 小时". Seconds are shown only when the duration is not a whole minute.
 */
export function formatMinutes(min: number, style: 'hours' | 'days' = 'hours'): string {
  if (!Number.isFinite(min)) return String(min);
  const totalSec = Math.round(Math.abs(min) * 60);
  let m = Math.floor(totalSec / 60);
  const s = totalSec % 60;
  let out = '';
  if (style === 'days' && m >= 1440) {
    out = `${Math.floor(m / 1440)} 天`;
    m %= 1440;
  }
  const h = Math.floor(m / 60);
  const mm = m % 60;
  if (h > 0) out = out ? `${out} ${h} 小时` : `${h} 小时`;
  if (mm > 0) out = out ? `${out} ${mm} 分钟` : `${mm} 分钟`;
  if (s > 0) out = out ? `${out} ${s} 秒` : `${s} 秒`;
  if (!out) out = '0 分钟';
  return min < 0 && totalSec > 0 ? `-${out}` : out;
}

interface Span {
  start: number;
  end: number; // Infinity for an open pause
}

/** Confirmed pauses from `created` on, sorted and merged. */
function mergePauses(pauses: TicketPause[], created: number): Span[] {
  const spans: Span[] = [];
  for (const p of pauses) {
    const start = Math.max(p.start.getTime(), created);
    const end = p.end === null ? Infinity : p.end.getTime();
    if (end > start) spans.push({ start, end });
  }
  spans.sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** What the clock of one evaluation needs: the calendar, the clock type, creation and pauses. */
interface ClockCtx {
  cal: CompiledCalendar;
  working: boolean;
  created: number;
  paused: Span[];
}

/** clock time (ms) in [a, b) */
function clockSpan(ctx: ClockCtx, a: number, b: number): number {
  if (ctx.working) return ctx.cal.workingMillisBetween(a, b);
  return b > a ? b - a : 0;
}

/** the instant `ms` of clock time after a */
function clockAdd(ctx: ClockCtx, a: number, ms: number): number {
  return ctx.working ? ctx.cal.addWorkingMillis(a, ms) : a + ms;
}

/** effective (clock time less confirmed pauses) ms from creation to t */
function effectiveMs(ctx: ClockCtx, t: number): number {
  if (t <= ctx.created) return 0;
  let total = clockSpan(ctx, ctx.created, t);
  for (const p of ctx.paused) {
    if (p.start >= t) break;
    total -= clockSpan(ctx, p.start, p.end < t ? p.end : t);
  }
  return total;
}

/** the instant the effective time reaches limitMs, or null while an open pause holds the clock */
function deadlineMs(ctx: ClockCtx, limitMs: number): number | null {
  let cursor = ctx.created;
  let remaining = limitMs;
  for (const p of ctx.paused) {
    const budget = clockSpan(ctx, cursor, p.start);
    if (remaining <= budget) return clockAdd(ctx, cursor, remaining);
    remaining -= budget;
    if (p.end === Infinity) return null;
    cursor = p.end;
  }
  return clockAdd(ctx, cursor, remaining);
}

interface LimitResult {
  kind: SlaLimitKind;
  limit: number | null;
  deadline: number | null;
  elapsed: number | null;
  /** the response/resolution instant, or null while it has not come */
  event: number | null;
  missed: boolean;
}

function assessLimit(ctx: ClockCtx, kind: SlaLimitKind, limitMinutes: number | null, event: number | null, now: number): LimitResult {
  if (limitMinutes === null || limitMinutes === undefined) return { kind, limit: null, deadline: null, elapsed: null, event, missed: false };
  if (!Number.isFinite(limitMinutes) || limitMinutes < 0) throw new RangeError(`时限必须是非负数：${limitMinutes}`);
  const deadline = deadlineMs(ctx, Math.round(limitMinutes * MIN_MS));
  const until = event ?? now;
  const elapsed = effectiveMs(ctx, until) / MIN_MS;
  const missed = deadline !== null && until > deadline;
  return { kind, limit: limitMinutes, deadline, elapsed, event, missed };
}

/** What the trace is made of. */
interface TraceInput {
  cal: CompiledCalendar;
  ticket: SlaTicket;
  levelName: string;
  working: boolean;
  now: number;
  open: boolean;
  results: LimitResult[];
  breaches: SlaLimitKind[];
  firstMissed: number | null;
  holidays: CalendarDay[];
  makeupDays: CalendarDay[];
  weekendDays: number;
}

/**
 * @param opts.trace false skips the explanation (holidays, make-up days, trace lines are left
 *   empty): the figures are the same. Bulk detection evaluates every ticket this way and
 *   explains only the breaching ones.
 */
export function evaluateTicket(
  ticket: SlaTicket,
  level: SlaLevel,
  cal: CompiledCalendar,
  now: Date,
  opts: { trace?: boolean } = {},
): SlaEvaluation {
  const explainIt = opts.trace !== false;
  const created = ticket.createdAt.getTime();
  const nowMs = now.getTime();
  const working = level.clock === 'working';

  const pausesCounted: TicketPause[] = [];
  const pausesIgnored: TicketPause[] = [];
  for (const p of ticket.pauses) (p.confirmed ? pausesCounted : pausesIgnored).push(p);
  const ctx: ClockCtx = { cal, working, created, paused: pausesCounted.length > 0 ? mergePauses(pausesCounted, created) : [] };

  const resolvedAt = ticket.resolvedAt ? ticket.resolvedAt.getTime() : null;
  const respondedAt = ticket.respondedAt ? ticket.respondedAt.getTime() : resolvedAt;
  const open = resolvedAt === null;

  const response = assessLimit(ctx, 'response', level.responseMinutes, respondedAt, nowMs);
  const resolution = assessLimit(ctx, 'resolution', level.resolutionMinutes, resolvedAt, nowMs);
  const results = [response, resolution];
  const breaches: SlaLimitKind[] = [];
  let firstMissed: number | null = null;
  for (const r of results) {
    if (!r.missed) continue;
    breaches.push(r.kind);
    if (firstMissed === null || (r.deadline as number) < firstMissed) firstMissed = r.deadline;
  }

  // holidays, make-up days and weekends of the clock span: creation to resolution (or now)
  let holidays: CalendarDay[] = [];
  let makeupDays: CalendarDay[] = [];
  let weekendDays = 0;
  const spanEnd = resolvedAt ?? nowMs;
  if (explainIt && working && spanEnd > created) {
    const ex = cal.explain(created, spanEnd);
    holidays = ex.holidays;
    makeupDays = ex.makeupDays;
    weekendDays = ex.weekendDays;
  }

  const trace = !explainIt ? [] : buildTrace({
    cal,
    ticket,
    levelName: level.name ?? level.code,
    working,
    now: nowMs,
    open,
    results,
    breaches,
    firstMissed,
    holidays,
    makeupDays,
    weekendDays,
  });

  return {
    responseDeadline: response.deadline === null ? null : new Date(response.deadline),
    resolutionDeadline: resolution.deadline === null ? null : new Date(resolution.deadline),
    responseElapsedMinutes: response.elapsed,
    resolutionElapsedMinutes: resolution.elapsed,
    breaches,
    firstMissedDeadline: firstMissed === null ? null : new Date(firstMissed),
    open,
    holidays,
    makeupDays,
    pausesCounted,
    pausesIgnored,
    trace,
  };
}

function buildTrace(t: TraceInput): string[] {
  const { cal } = t;
  const trace: string[] = [];
  const clockName = t.working ? '工作时间' : '自然时间';
  const style = t.working ? 'hours' : 'days';
  for (const r of t.results) {
    const names = LIMIT_NAMES[r.kind];
    const head = `工单 #${t.ticket.externalId}（${t.levelName}）：${names.limit}时限`;
    if (r.limit === null) {
      trace.push(`${head}未设定，不考核`);
      continue;
    }
    let when: string;
    if (r.event !== null) {
      when =
        r.kind === 'response' && t.ticket.respondedAt === null
          ? `未记录响应时间，以解决时间 ${cal.formatLocal(r.event)} 作为响应时间`
          : `${cal.formatLocal(r.event)} ${names.event}`;
    } else when = `截至 ${cal.formatLocal(t.now)} 尚未${names.event}`;
    const dl = r.deadline === null ? '截止时间待定（暂停中）' : `截止 ${cal.formatLocal(r.deadline)}`;
    const verdict = r.missed ? '超时' : r.event === null ? '尚未超时' : '未超时';
    trace.push(
      `${head} ${formatMinutes(r.limit, style)}（${clockName}），实际 ${formatMinutes(r.elapsed as number, style)}，${verdict}（${dl}，${when}）`,
    );
  }

  if (t.holidays.length > 0) {
    for (const run of holidayRuns(t.holidays)) {
      const range = run.from === run.to ? run.from : `${run.from} 至 ${run.to}`;
      trace.push(`${range} ${run.names.join('、')}假期不计时`);
    }
  }
  for (const d of t.makeupDays) trace.push(`${d.date}（${weekdayName(d.date)}）${d.name}，按工作日计时`);
  if (t.weekendDays > 0) trace.push(`期间周末 ${t.weekendDays} 天不计时`);

  for (const p of t.ticket.pauses) {
    const start = cal.formatLocal(p.start);
    let range: string;
    if (p.end === null) range = `${start} 起`;
    else {
      const end = cal.formatLocal(p.end);
      range = `${start} 至 ${end.slice(0, 10) === start.slice(0, 10) ? end.slice(11) : end}`;
    }
    const reason = p.reason ? `（${p.reason}）` : '';
    if (p.confirmed) trace.push(`暂停 ${range}${reason}，已确认，${p.end === null ? '尚未结束，' : ''}不计时`);
    else trace.push(`暂停 ${range}${reason}，未经局方确认，照常计时`);
  }

  if (t.breaches.length > 0) {
    trace.push(
      `结论：${t.breaches.map((b) => `${LIMIT_NAMES[b].limit}超时`).join('、')}，最早超时时限 ${cal.formatLocal(t.firstMissed as number)}`,
    );
  } else trace.push(t.open ? '结论：目前未超时' : '结论：未超时');
  return trace;
}

/** days since 1970-01-01 of 'YYYY-MM-DD' (no allocation; the dates come from a compiled calendar) */
function dayNumber(date: string): number {
  let y = (date.charCodeAt(0) - 48) * 1000 + (date.charCodeAt(1) - 48) * 100 + (date.charCodeAt(2) - 48) * 10 + date.charCodeAt(3) - 48;
  const m = (date.charCodeAt(5) - 48) * 10 + date.charCodeAt(6) - 48;
  const day = (date.charCodeAt(8) - 48) * 10 + date.charCodeAt(9) - 48;
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

function weekdayName(date: string): string {
  return WEEKDAYS[(((dayNumber(date) + 4) % 7) + 7) % 7];
}

/** Consecutive holiday dates grouped, with their distinct names in order. */
function holidayRuns(days: CalendarDay[]): { from: string; to: string; names: string[] }[] {
  const runs: { from: string; to: string; names: string[]; last: number }[] = [];
  for (const d of days) {
    const n = dayNumber(d.date);
    const run = runs[runs.length - 1];
    if (run && n === run.last + 1) {
      run.to = d.date;
      run.last = n;
      if (!run.names.includes(d.name)) run.names.push(d.name);
    } else runs.push({ from: d.date, to: d.date, names: [d.name], last: n });
  }
  return runs.map(({ from, to, names }) => ({ from, to, names }));
}
