// The working calendar of the SLA clock and of planned obligations (RULES.md §5): weekly working
// hours (default Mon-Fri 08:00-17:30), China's statutory holidays off and make-up working days
// (调休) on, in the contract's time zone (default Asia/Shanghai). Pure: no clock, no database.
//
// Instants: the compiled calendar takes an `Instant` (epoch milliseconds or a Date) and returns
// epoch milliseconds (`number`). Dates are local calendar dates 'YYYY-MM-DD' in the calendar's zone.
//
// A year not listed in `years` is refused with CalendarYearMissingError; it is never silently
// treated as Mon-Fri (ecosystem-notes §4: chinese-days falls back to weekends-only for 2027).
//
// Performance: compilation is cheap; per local year, on first use, the calendar builds the year's
// working intervals as UTC instants with prefix sums of working time, so every call afterwards is
// a binary search (O(log n)), with no Intl call. Time-zone offsets are taken from Intl once per
// UTC year (daily samples, transitions located to the second) and cached; a zone whose offset
// does not change during a year (Asia/Shanghai) is a constant for that year.
import { ZoneOffsets, zoneOffsets } from './timezone';

export type DayKind = 'holiday' | 'workday';

/** One day that differs from the Mon-Fri default: a day off ('holiday') or a working day ('workday', 调休). */
export interface CalendarDay {
  /** local date YYYY-MM-DD */
  date: string;
  kind: DayKind;
  /** Chinese name, e.g. '国庆节', '国庆节调休' */
  name: string;
}

/** A working interval within one day, "HH:mm" local time; start < end ("24:00" allowed as an end). */
export interface WorkingInterval {
  start: string;
  end: string;
}

export interface WorkingCalendarSpec {
  /** years whose holiday data is complete; any other year is refused */
  years: readonly number[];
  days: readonly CalendarDay[];
  /** working intervals of every working day, sorted and non-overlapping */
  hours: readonly WorkingInterval[];
  /** IANA time zone, e.g. 'Asia/Shanghai' */
  timeZone: string;
}

/** Epoch milliseconds or a Date. */
export type Instant = number | Date;

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
export const DEFAULT_WORKING_HOURS: WorkingInterval[] = [{ start: '08:00', end: '17:30' }];

export class CalendarYearMissingError extends Error {
  constructor(readonly year: number) {
    super(`工作日历缺少 ${year} 年的节假日数据，请管理员先导入该年度日历`);
    this.name = 'CalendarYearMissingError';
  }
}

/** An invalid calendar specification (bad hours, dates, duplicate days, unknown time zone). */
export class CalendarSpecError extends Error {
  constructor(readonly details: { path: string; message: string }[]) {
    super(`工作日历设置无效：${details.map((d) => `${d.path} ${d.message}`).join('；')}`);
    this.name = 'CalendarSpecError';
  }
}

/** What a span of time skipped or added, for traces. */
export interface CalendarExplanation {
  /** first and last local dates of the span (inclusive) */
  fromDate: string;
  toDate: string;
  /** days off from the calendar data within the span, in date order */
  holidays: CalendarDay[];
  /** make-up working days (调休) within the span, in date order */
  makeupDays: CalendarDay[];
  /** Saturdays and Sundays within the span that are not in the calendar data (ordinary weekends) */
  weekendDays: number;
}

export interface CompiledCalendar {
  readonly timeZone: string;
  readonly years: readonly number[];
  readonly hours: readonly WorkingInterval[];
  /** Mon-Fri by default, overridden by the calendar's days. Throws CalendarYearMissingError. */
  isWorkingDay(date: string): boolean;
  /** Working minutes in [from, to) (fractional when the instants are not whole minutes); 0 if to <= from. */
  workingMinutesBetween(from: Instant, to: Instant): number;
  /** Working milliseconds in [from, to); 0 if to <= from. */
  workingMillisBetween(from: Instant, to: Instant): number;
  /**
   * The instant `minutes` working minutes after `from` (minutes >= 0). The clock starts at the next
   * working moment when `from` is outside working time. The result is the earliest instant at which
   * that much working time has passed, so a limit that runs out exactly at the end of a working
   * interval ends there (17:30), not at the next morning's start. Adding 0 returns `from` when it is
   * inside working time, otherwise the start of the next working interval.
   */
  addWorkingMinutes(from: Instant, minutes: number): number;
  /** Same as addWorkingMinutes, in milliseconds. */
  addWorkingMillis(from: Instant, ms: number): number;
  /** The working days from startDate to endDate, both local dates, inclusive; [] if end < start. */
  workingDaysBetween(startDate: string, endDate: string): string[];
  /** Holidays, make-up days and ordinary weekend days of the local dates of from..to (inclusive). */
  explain(from: Instant, to: Instant): CalendarExplanation;
  /** Local date 'YYYY-MM-DD' of an instant (no year check). */
  localDate(t: Instant): string;
  /** Local 'YYYY-MM-DD HH:mm' of an instant (no year check). */
  formatLocal(t: Instant): string;
  /** The instant of a local date and time 'HH:mm' (no year check). */
  instantOf(date: string, time?: string): number;
}

// ---- validation ----------------------------------------------------------------------------

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Minutes after midnight of "HH:mm" ("24:00" = 1440 when allowEnd), or null. */
function parseTime(text: unknown, allowEnd: boolean): number | null {
  if (typeof text !== 'string') return null;
  if (allowEnd && text === '24:00') return 1440;
  const m = TIME_RE.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Errors of a list of working intervals, in Chinese; [] when valid. */
export function validateWorkingHours(hours: unknown): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  if (!Array.isArray(hours)) return [{ path: 'hours', message: '工作时段必须是列表' }];
  if (hours.length === 0) return [{ path: 'hours', message: '至少需要一个工作时段' }];
  let prevEnd: number | null = null;
  hours.forEach((h: unknown, i) => {
    const at = `hours[${i}]`;
    if (typeof h !== 'object' || h === null) {
      errors.push({ path: at, message: '工作时段必须包含开始时间和结束时间' });
      prevEnd = null;
      return;
    }
    const { start, end } = h as { start?: unknown; end?: unknown };
    const s = parseTime(start, false);
    const e = parseTime(end, true);
    if (s === null) errors.push({ path: `${at}.start`, message: '开始时间格式应为 HH:mm（00:00-23:59）' });
    if (e === null) errors.push({ path: `${at}.end`, message: '结束时间格式应为 HH:mm（00:01-24:00）' });
    if (s === null || e === null) {
      prevEnd = null;
      return;
    }
    if (s >= e) errors.push({ path: at, message: '开始时间必须早于结束时间' });
    else if (prevEnd !== null && s < prevEnd) errors.push({ path: at, message: '工作时段必须按时间先后排列且互不重叠' });
    prevEnd = Math.max(prevEnd ?? 0, e);
  });
  return errors;
}

// ---- civil dates (days since 1970-01-01, proleptic Gregorian; H. Hinnant's algorithms) -----

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d];
}

/** 0 = Sunday … 6 = Saturday */
function weekdayOf(dayIndex: number): number {
  return (((dayIndex + 4) % 7) + 7) % 7;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const CLOCK_TEXT: string[] = [];
/** "HH:mm" of a minute of the day */
function clockText(minute: number): string {
  if (CLOCK_TEXT.length === 0) for (let m = 0; m < 1440; m++) CLOCK_TEXT.push(`${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`);
  return CLOCK_TEXT[minute];
}

function formatDay(dayIndex: number): string {
  const [y, m, d] = civilFromDays(dayIndex);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** Day index of a strict 'YYYY-MM-DD', or null. */
function parseDate(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const idx = daysFromCivil(y, mo, d);
  const [y2, m2, d2] = civilFromDays(idx);
  return y2 === y && m2 === mo && d2 === d ? idx : null;
}

function dateOrThrow(text: string): number {
  const idx = parseDate(text);
  if (idx === null) throw new RangeError(`日期格式应为 YYYY-MM-DD：${String(text)}`);
  return idx;
}

function toMs(t: Instant): number {
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`无效的时间：${String(t)}`);
  return ms;
}

// ---- per-year working tables ---------------------------------------------------------------

interface YearTable {
  year: number;
  /** UTC instants of local Jan 1 00:00 of this year and of the next */
  startUtc: number;
  endUtc: number;
  /** working intervals [ivStart[i], ivEnd[i]) as UTC ms, sorted, disjoint */
  ivStart: Float64Array;
  ivEnd: Float64Array;
  /** working ms before interval i within the year, and through its end */
  cumBefore: Float64Array;
  cumEnd: Float64Array;
  total: number;
}

interface IndexedDay {
  index: number;
  day: CalendarDay;
}

/** Compiles a calendar specification; throws CalendarSpecError when it is invalid. */
export function compileCalendar(spec: WorkingCalendarSpec): CompiledCalendar {
  const errors: { path: string; message: string }[] = [];
  errors.push(...validateWorkingHours(spec.hours));
  const years = new Set<number>();
  (spec.years ?? []).forEach((y, i) => {
    if (!Number.isInteger(y) || y < 1900 || y > 9999) errors.push({ path: `years[${i}]`, message: '年度必须是 1900-9999 之间的整数' });
    else years.add(y);
  });
  const overrides = new Map<number, CalendarDay>();
  (spec.days ?? []).forEach((d, i) => {
    const idx = parseDate(d?.date);
    if (idx === null) errors.push({ path: `days[${i}].date`, message: '日期格式应为 YYYY-MM-DD' });
    if (d?.kind !== 'holiday' && d?.kind !== 'workday') errors.push({ path: `days[${i}].kind`, message: '类型必须是 holiday 或 workday' });
    if (idx !== null) {
      if (overrides.has(idx)) errors.push({ path: `days[${i}].date`, message: `日期 ${d.date} 重复` });
      else overrides.set(idx, Object.freeze({ date: d.date, kind: d.kind, name: String(d.name ?? '') }));
    }
  });
  let zone: ZoneOffsets | null = null;
  try {
    zone = zoneOffsets(spec.timeZone);
  } catch {
    errors.push({ path: 'timeZone', message: `无效的时区：${String(spec.timeZone)}` });
  }
  if (errors.length > 0 || zone === null) throw new CalendarSpecError(errors);
  const tz = zone;

  const hours = spec.hours.map((h) => ({ start: h.start, end: h.end }));
  const hourMins = hours.map((h) => [parseTime(h.start, false) as number, parseTime(h.end, true) as number] as const);
  const sortedDays: IndexedDay[] = [...overrides.entries()].sort((a, b) => a[0] - b[0]).map(([index, day]) => ({ index, day }));
  const dayIndexes = sortedDays.map((d) => d.index);
  const yearList = [...years].sort((a, b) => a - b);

  function requireYear(year: number): void {
    if (!years.has(year)) throw new CalendarYearMissingError(year);
  }

  function workingDayIndex(idx: number): boolean {
    const o = overrides.get(idx);
    if (o) return o.kind === 'workday';
    const wd = weekdayOf(idx);
    return wd >= 1 && wd <= 5;
  }

  const tables = new Map<number, YearTable>();
  const yearStarts = new Map<number, number>();

  function yearStartUtc(year: number): number {
    let t = yearStarts.get(year);
    if (t === undefined) {
      t = tz.toUtc(daysFromCivil(year, 1, 1) * DAY_MS);
      yearStarts.set(year, t);
    }
    return t;
  }

  function table(year: number): YearTable {
    let tbl = tables.get(year);
    if (tbl) return tbl;
    requireYear(year);
    const first = daysFromCivil(year, 1, 1);
    const last = daysFromCivil(year + 1, 1, 1);
    const starts: number[] = [];
    const ends: number[] = [];
    let prevEnd = -Infinity;
    for (let idx = first; idx < last; idx++) {
      if (!workingDayIndex(idx)) continue;
      const wall = idx * DAY_MS;
      for (const [sm, em] of hourMins) {
        const s = Math.max(tz.toUtc(wall + sm * MIN_MS), prevEnd);
        const e = tz.toUtc(wall + em * MIN_MS);
        if (e <= s) continue;
        if (s === prevEnd && ends.length > 0) ends[ends.length - 1] = e; // contiguous: merge
        else {
          starts.push(s);
          ends.push(e);
        }
        prevEnd = e;
      }
    }
    const n = starts.length;
    const ivStart = Float64Array.from(starts);
    const ivEnd = Float64Array.from(ends);
    const cumBefore = new Float64Array(n);
    const cumEnd = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      cumBefore[i] = acc;
      acc += ivEnd[i] - ivStart[i];
      cumEnd[i] = acc;
    }
    tbl = { year, startUtc: yearStartUtc(year), endUtc: yearStartUtc(year + 1), ivStart, ivEnd, cumBefore, cumEnd, total: acc };
    tables.set(year, tbl);
    return tbl;
  }

  // the last local year looked up and its UTC range [lastLo, lastHi)
  let lastYear = NaN;
  let lastLo = 0;
  let lastHi = -1;

  /** Local year of an instant. */
  function localYear(t: number): number {
    if (t >= lastLo && t < lastHi) return lastYear;
    const year = civilFromDays(Math.floor((t + tz.offsetAt(t)) / DAY_MS))[0];
    lastYear = year;
    lastLo = yearStartUtc(year);
    lastHi = yearStartUtc(year + 1);
    return year;
  }

  function localDayIndex(t: number): number {
    return Math.floor((t + tz.offsetAt(t)) / DAY_MS);
  }

  /** Index of the last interval starting at or before t, or -1. */
  function lastStartAtOrBefore(tbl: YearTable, t: number): number {
    const a = tbl.ivStart;
    let lo = 0;
    let hi = a.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] <= t) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Working ms of the year before instant t. */
  function cumAt(tbl: YearTable, t: number): number {
    const i = lastStartAtOrBefore(tbl, t);
    if (i < 0) return 0;
    return tbl.cumBefore[i] + Math.min(t, tbl.ivEnd[i]) - tbl.ivStart[i];
  }

  function workingMillisBetween(fromI: Instant, toI: Instant): number {
    const from = toMs(fromI);
    const to = toMs(toI);
    if (to <= from) return 0;
    const yf = localYear(from);
    const yt = localYear(to - 1);
    if (yf === yt) {
      const tbl = table(yf);
      return cumAt(tbl, to) - cumAt(tbl, from);
    }
    for (let y = yf; y <= yt; y++) requireYear(y);
    const tf = table(yf);
    let total = tf.total - cumAt(tf, from);
    for (let y = yf + 1; y < yt; y++) total += table(y).total;
    total += cumAt(table(yt), to);
    return total;
  }

  function addWorkingMillis(fromI: Instant, msIn: number): number {
    const from = toMs(fromI);
    if (!Number.isFinite(msIn) || msIn < 0) throw new RangeError(`工作时长必须是非负数：${msIn}`);
    const ms = Math.round(msIn);
    let year = localYear(from);
    let tbl = table(year);
    if (ms === 0) {
      // next working moment at or after `from`
      const i = lastStartAtOrBefore(tbl, from);
      if (i >= 0 && from < tbl.ivEnd[i]) return from;
      let j = i + 1;
      for (;;) {
        if (j < tbl.ivStart.length) return tbl.ivStart[j];
        year += 1;
        tbl = table(year);
        j = 0;
      }
    }
    let target = cumAt(tbl, from) + ms;
    for (;;) {
      if (target <= tbl.total) {
        // first interval whose cumulative end reaches target (target > 0)
        const c = tbl.cumEnd;
        let lo = 0;
        let hi = c.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (c[mid] >= target) hi = mid;
          else lo = mid + 1;
        }
        return tbl.ivStart[lo] + (target - tbl.cumBefore[lo]);
      }
      target -= tbl.total;
      year += 1;
      tbl = table(year);
    }
  }

  function isWorkingDay(date: string): boolean {
    const idx = dateOrThrow(date);
    requireYear(civilFromDays(idx)[0]);
    return workingDayIndex(idx);
  }

  function workingDaysBetween(startDate: string, endDate: string): string[] {
    const a = dateOrThrow(startDate);
    const b = dateOrThrow(endDate);
    const out: string[] = [];
    if (b < a) return out;
    for (let y = civilFromDays(a)[0]; y <= civilFromDays(b)[0]; y++) requireYear(y);
    for (let idx = a; idx <= b; idx++) if (workingDayIndex(idx)) out.push(formatDay(idx));
    return out;
  }

  /** Index into sortedDays of the first day with index >= idx. */
  function firstDayAtOrAfter(idx: number): number {
    let lo = 0;
    let hi = dayIndexes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (dayIndexes[mid] < idx) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function explain(fromI: Instant, toI: Instant): CalendarExplanation {
    const from = toMs(fromI);
    const to = Math.max(from, toMs(toI));
    const a = localDayIndex(from);
    const b = localDayIndex(to);
    const yb = localYear(to);
    for (let y = localYear(from); y <= yb; y++) requireYear(y);
    const holidays: CalendarDay[] = [];
    const makeupDays: CalendarDay[] = [];
    let overriddenWeekend = 0;
    for (let k = firstDayAtOrAfter(a); k < sortedDays.length && dayIndexes[k] <= b; k++) {
      const { index, day } = sortedDays[k];
      if (day.kind === 'holiday') holidays.push(day);
      else makeupDays.push(day);
      const wd = weekdayOf(index);
      if (wd === 0 || wd === 6) overriddenWeekend += 1;
    }
    return {
      fromDate: dayName(a),
      toDate: dayName(b),
      holidays,
      makeupDays,
      weekendDays: weekendDaysIn(a, b) - overriddenWeekend,
    };
  }

  // formatted local dates by day index, for traces (bounded by the days actually formatted)
  const dayNames = new Map<number, string>();
  function dayName(idx: number): string {
    let s = dayNames.get(idx);
    if (s === undefined) {
      s = formatDay(idx);
      if (dayNames.size < 100_000) dayNames.set(idx, s);
    }
    return s;
  }

  function localDate(t: Instant): string {
    return dayName(localDayIndex(toMs(t)));
  }

  function formatLocal(tI: Instant): string {
    const t = toMs(tI);
    const wall = t + tz.offsetAt(t);
    const day = Math.floor(wall / DAY_MS);
    return `${dayName(day)} ${clockText(Math.floor((wall - day * DAY_MS) / MIN_MS))}`;
  }

  function instantOf(date: string, time = '00:00'): number {
    const idx = dateOrThrow(date);
    const m = parseTime(time, true);
    if (m === null) throw new RangeError(`时间格式应为 HH:mm：${time}`);
    return tz.toUtc(idx * DAY_MS + m * MIN_MS);
  }

  return {
    timeZone: spec.timeZone,
    years: yearList,
    hours,
    isWorkingDay,
    workingMillisBetween,
    workingMinutesBetween: (from, to) => workingMillisBetween(from, to) / MIN_MS,
    addWorkingMillis,
    addWorkingMinutes: (from, minutes) => addWorkingMillis(from, minutes * MIN_MS),
    workingDaysBetween,
    explain,
    localDate,
    formatLocal,
    instantOf,
  };
}

/** Number of Saturdays and Sundays among day indexes a..b inclusive. */
function weekendDaysIn(a: number, b: number): number {
  if (b < a) return 0;
  const n = b - a + 1;
  const full = Math.floor(n / 7);
  let count = full * 2;
  const start = weekdayOf(a);
  for (let k = 0; k < n % 7; k++) {
    const wd = (start + k) % 7;
    if (wd === 0 || wd === 6) count += 1;
  }
  return count;
}
