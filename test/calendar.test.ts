// The working calendar (scoring/calendar.ts) and the bundled China holiday data
// (scoring/calendar-cn.ts), against RULES.md §5 and the State Council notices. The expected
// 2025/2026 dates below are our own transcription of the notices (国办发明电〔2024〕12号 and the
// 2026 notice), independent of the generated data file.
import { expect } from 'chai';
import {
  CalendarDay,
  CalendarSpecError,
  CalendarYearMissingError,
  compileCalendar,
  CompiledCalendar,
  DEFAULT_WORKING_HOURS,
  validateWorkingHours,
  WorkingInterval,
} from '../scoring/calendar';
import { BUNDLED_CALENDAR_DAYS, BUNDLED_YEARS } from '../scoring/calendar-cn';
import { seededRandom } from '../server/seeded-random';

const MIN = 60_000;
const DAY = 86_400_000;

/** 'YYYY-MM-DD HH:mm' in China time (+08:00) */
function cst(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}:00+08:00`);
}

function chinaCalendar(hours: WorkingInterval[] = DEFAULT_WORKING_HOURS, timeZone = 'Asia/Shanghai'): CompiledCalendar {
  return compileCalendar({ years: BUNDLED_YEARS, days: BUNDLED_CALENDAR_DAYS, hours, timeZone });
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

const rng = seededRandom;

/** Holiday blocks: first and last day off, the working day before and the working day after. */
const BLOCKS: { name: string; from: string; to: string; before: string; after: string }[] = [
  { name: '2025 元旦', from: '2025-01-01', to: '2025-01-01', before: '2024-12-31', after: '2025-01-02' },
  { name: '2025 春节', from: '2025-01-28', to: '2025-02-04', before: '2025-01-27', after: '2025-02-05' },
  { name: '2025 清明节', from: '2025-04-04', to: '2025-04-06', before: '2025-04-03', after: '2025-04-07' },
  { name: '2025 劳动节', from: '2025-05-01', to: '2025-05-05', before: '2025-04-30', after: '2025-05-06' },
  { name: '2025 端午节', from: '2025-05-31', to: '2025-06-02', before: '2025-05-30', after: '2025-06-03' },
  { name: '2025 国庆节、中秋节', from: '2025-10-01', to: '2025-10-08', before: '2025-09-30', after: '2025-10-09' },
  { name: '2026 元旦', from: '2026-01-01', to: '2026-01-03', before: '2025-12-31', after: '2026-01-04' },
  { name: '2026 春节', from: '2026-02-15', to: '2026-02-23', before: '2026-02-14', after: '2026-02-24' },
  { name: '2026 清明节', from: '2026-04-04', to: '2026-04-06', before: '2026-04-03', after: '2026-04-07' },
  { name: '2026 劳动节', from: '2026-05-01', to: '2026-05-05', before: '2026-04-30', after: '2026-05-06' },
  { name: '2026 端午节', from: '2026-06-19', to: '2026-06-21', before: '2026-06-18', after: '2026-06-22' },
  { name: '2026 中秋节', from: '2026-09-25', to: '2026-09-27', before: '2026-09-24', after: '2026-09-28' },
  { name: '2026 国庆节', from: '2026-10-01', to: '2026-10-07', before: '2026-09-30', after: '2026-10-08' },
];

const MAKEUP_2025_2026 = [
  '2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11',
  '2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10',
];

const DAYS_2025_2026 = BUNDLED_CALENDAR_DAYS.filter((d) => d.date.startsWith('2025') || d.date.startsWith('2026'));

describe('bundled China calendar data (calendar-cn)', () => {
  it('covers 2020-2026, sorted, no duplicate dates, make-up days only on weekends', () => {
    expect([...BUNDLED_YEARS]).to.deep.equal([2020, 2021, 2022, 2023, 2024, 2025, 2026]);
    const dates = BUNDLED_CALENDAR_DAYS.map((d) => d.date);
    expect(dates).to.deep.equal([...dates].sort());
    expect(new Set(dates).size).to.equal(dates.length);
    for (const y of BUNDLED_YEARS) expect(dates.some((d) => d.startsWith(String(y))), String(y)).to.equal(true);
    for (const d of BUNDLED_CALENDAR_DAYS) {
      expect(['holiday', 'workday']).to.include(d.kind);
      expect(d.name).to.match(/^(元旦|春节|清明节|劳动节|端午节|中秋节|国庆节)(调休)?$/);
      if (d.kind === 'workday') {
        expect([0, 6], d.date).to.include(weekday(d.date));
        expect(d.name.endsWith('调休')).to.equal(true);
      }
    }
  });

  it('2025 and 2026 match the State Council notices exactly', () => {
    const offDays = new Set<string>();
    for (const b of BLOCKS) for (let d = b.from; d <= b.to; d = addDays(d, 1)) offDays.add(d);
    for (const d of DAYS_2025_2026) {
      if (d.kind === 'holiday') expect(offDays.has(d.date), `${d.date} ${d.name}`).to.equal(true);
    }
    // every weekday inside a block is listed as a holiday
    for (const d of offDays) {
      if (weekday(d) !== 0 && weekday(d) !== 6) {
        expect(DAYS_2025_2026.some((x) => x.date === d && x.kind === 'holiday'), d).to.equal(true);
      }
    }
    expect(DAYS_2025_2026.filter((d) => d.kind === 'workday').map((d) => d.date)).to.deep.equal(MAKEUP_2025_2026);
    const byDate = new Map(BUNDLED_CALENDAR_DAYS.map((d) => [d.date, d]));
    expect(byDate.get('2025-09-28')).to.deep.equal({ date: '2025-09-28', kind: 'workday', name: '国庆节调休' });
    expect(byDate.get('2025-10-11')).to.deep.equal({ date: '2025-10-11', kind: 'workday', name: '国庆节调休' });
    expect(byDate.get('2025-10-01')).to.deep.equal({ date: '2025-10-01', kind: 'holiday', name: '国庆节' });
    expect(byDate.get('2026-02-28')?.name).to.equal('春节调休');
  });

  it('spot checks of earlier years', () => {
    const byDate = new Map(BUNDLED_CALENDAR_DAYS.map((d) => [d.date, d]));
    expect(byDate.get('2024-02-18')?.kind).to.equal('workday'); // Sunday after Spring Festival 2024
    expect(byDate.get('2024-10-12')?.kind).to.equal('workday');
    expect(byDate.get('2023-09-29')?.kind).to.equal('holiday'); // Mid-Autumn + National Day 2023
    expect(byDate.get('2022-12-31')?.name).to.equal('元旦'); // New Year 2023 starts on 2022-12-31
    expect(byDate.get('2020-01-31')?.kind).to.equal('holiday'); // 2020 Spring Festival extended to 02-02
    expect(byDate.get('2020-02-01')?.kind).to.equal('holiday'); // its original make-up Saturday was cancelled
  });
});

describe('working calendar: days', () => {
  const cal = chinaCalendar();

  it('every 2025 and 2026 holiday and make-up day: isWorkingDay and working minutes of the day', () => {
    expect(DAYS_2025_2026.length).to.be.greaterThan(60);
    for (const d of DAYS_2025_2026) {
      expect(cal.isWorkingDay(d.date), d.date).to.equal(d.kind === 'workday');
      const minutes = cal.workingMinutesBetween(cal.instantOf(d.date), cal.instantOf(addDays(d.date, 1)));
      expect(minutes, d.date).to.equal(d.kind === 'workday' ? 570 : 0);
      if (d.kind === 'workday') {
        expect(cal.addWorkingMinutes(cal.instantOf(d.date, '08:00'), 60), d.date).to.equal(cal.instantOf(d.date, '09:00'));
        // a ticket at 17:00 the day before (a Friday or Saturday) counts the make-up day
        expect(cal.addWorkingMinutes(cal.instantOf(d.date, '07:00'), 240), d.date).to.equal(cal.instantOf(d.date, '12:00'));
      }
    }
  });

  it('ordinary weekdays and weekends follow Mon-Fri', () => {
    expect(cal.isWorkingDay('2025-11-03')).to.equal(true); // Monday
    expect(cal.isWorkingDay('2025-11-08')).to.equal(false); // Saturday
    expect(cal.isWorkingDay('2025-11-09')).to.equal(false); // Sunday
  });

  it('around every 2025/2026 holiday block: 17:00 the working day before + 4 working hours = 11:30 the first working day after', () => {
    for (const b of BLOCKS) {
      expect(cal.isWorkingDay(b.before), b.name).to.equal(true);
      expect(cal.isWorkingDay(b.after), b.name).to.equal(true);
      for (let d = addDays(b.before, 1); d < b.after; d = addDays(d, 1)) expect(cal.isWorkingDay(d), `${b.name} ${d}`).to.equal(false);
      const from = cal.instantOf(b.before, '17:00');
      const deadline = cal.addWorkingMinutes(from, 240);
      expect(cal.formatLocal(deadline), b.name).to.equal(`${b.after} 11:30`);
      expect(cal.workingMinutesBetween(from, deadline), b.name).to.equal(240);
      expect(cal.workingMinutesBetween(cal.instantOf(b.before, '17:30'), cal.instantOf(b.after, '08:00')), b.name).to.equal(0);
    }
  });

  it('October 2025 has 18 working days (1-8 off, Saturday 11 on); October 2026 too', () => {
    const oct = cal.workingDaysBetween('2025-10-01', '2025-10-31');
    expect(oct).to.have.length(18);
    expect(oct[0]).to.equal('2025-10-09');
    expect(oct).to.include('2025-10-11');
    expect(oct).to.not.include('2025-10-12');
    expect(cal.workingDaysBetween('2026-10-01', '2026-10-31')).to.have.length(18);
    expect(cal.workingDaysBetween('2025-09-27', '2025-09-28')).to.deep.equal(['2025-09-28']);
    expect(cal.workingDaysBetween('2025-10-31', '2025-10-01')).to.deep.equal([]);
  });

  it('2025 and 2026 each have 248 working days', () => {
    expect(cal.workingDaysBetween('2025-01-01', '2025-12-31')).to.have.length(248);
    expect(cal.workingDaysBetween('2026-01-01', '2026-12-31')).to.have.length(248);
    expect(cal.workingMinutesBetween(cal.instantOf('2025-01-01'), cal.instantOf('2026-01-01'))).to.equal(248 * 570);
  });

  it('explain lists holidays, make-up days and ordinary weekend days of the span', () => {
    const ex = cal.explain(cst('2025-09-26 16:00'), cst('2025-10-13 10:00'));
    expect(ex.fromDate).to.equal('2025-09-26');
    expect(ex.toDate).to.equal('2025-10-13');
    expect(ex.holidays.map((d) => d.date)).to.deep.equal([
      '2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05', '2025-10-06', '2025-10-07', '2025-10-08',
    ]);
    expect(ex.makeupDays.map((d) => d.date)).to.deep.equal(['2025-09-28', '2025-10-11']);
    // weekends 09-27, 09-28(make-up), 10-04, 10-05 (holidays), 10-11 (make-up), 10-12: ordinary ones 09-27 and 10-12
    expect(ex.weekendDays).to.equal(2);
    // UTC input is read in China time: 2025-09-30T16:30Z is 10-01 00:30 in Shanghai
    expect(cal.explain(Date.parse('2025-09-30T16:30:00Z'), Date.parse('2025-09-30T17:00:00Z')).holidays.map((d) => d.date)).to.deep.equal(['2025-10-01']);
  });
});

describe('working calendar: minutes', () => {
  const cal = chinaCalendar();

  it('verified fixtures (ecosystem-notes §4.3)', () => {
    expect(cal.workingMinutesBetween(cst('2025-09-30 16:00'), cst('2025-10-09 09:00'))).to.equal(150);
    expect(cal.workingMinutesBetween(cst('2025-09-27 10:00'), cst('2025-09-28 10:00'))).to.equal(120);
    expect(cal.workingMinutesBetween(cst('2025-10-10 17:00'), cst('2025-10-13 08:30'))).to.equal(630);
    expect(cal.workingMinutesBetween(new Date('2025-10-09T07:00:00Z'), new Date('2025-10-09T08:00:00Z'))).to.equal(60);
  });

  it('boundaries: empty and reversed spans, exact ends, fractional minutes, Date and number inputs', () => {
    expect(cal.workingMinutesBetween(cst('2025-11-04 10:00'), cst('2025-11-04 10:00'))).to.equal(0);
    expect(cal.workingMinutesBetween(cst('2025-11-04 12:00'), cst('2025-11-04 10:00'))).to.equal(0);
    expect(cal.workingMinutesBetween(cst('2025-11-04 17:00'), cst('2025-11-05 08:00'))).to.equal(30);
    expect(cal.workingMinutesBetween(cst('2025-11-04 10:00'), cst('2025-11-04 10:00') + 30_000)).to.equal(0.5);
    expect(cal.workingMinutesBetween(new Date(cst('2025-11-04 08:00')), new Date(cst('2025-11-04 17:30')))).to.equal(570);
    // a limit that runs out at 17:30 ends at 17:30, not at the next morning
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2025-11-04 13:30'), 240))).to.equal('2025-11-04 17:30');
    // the clock starts at the next working moment
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2025-11-04 19:00'), 60))).to.equal('2025-11-05 09:00');
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2025-11-08 10:00'), 60))).to.equal('2025-11-10 09:00'); // Saturday
    // adding 0: unchanged inside working time, the next start outside it
    expect(cal.addWorkingMinutes(cst('2025-11-04 10:15'), 0)).to.equal(cst('2025-11-04 10:15'));
    expect(cal.addWorkingMinutes(cst('2025-11-04 17:30'), 0)).to.equal(cst('2025-11-05 08:00'));
    expect(cal.addWorkingMinutes(cst('2025-09-30 18:00'), 0)).to.equal(cst('2025-10-09 08:00'));
    expect(() => cal.addWorkingMinutes(cst('2025-11-04 10:00'), -1)).to.throw(RangeError);
    expect(() => cal.workingMinutesBetween(new Date(NaN), cst('2025-11-04 10:00'))).to.throw(RangeError);
  });

  it('spans across years', () => {
    expect(cal.workingMinutesBetween(cst('2024-12-31 17:00'), cst('2025-01-02 09:00'))).to.equal(90);
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2024-12-31 17:00'), 90))).to.equal('2025-01-02 09:00');
    expect(cal.workingMinutesBetween(cst('2023-06-01 00:00'), cst('2026-06-01 00:00'))).to.be.greaterThan(3 * 240 * 570);
  });

  it('round trip: addWorkingMinutes and workingMinutesBetween agree on many random instants (seeded)', () => {
    for (const hours of [DEFAULT_WORKING_HOURS, [{ start: '08:00', end: '12:00' }, { start: '13:30', end: '17:30' }]]) {
      const c = chinaCalendar(hours);
      const r = rng(20251001);
      const lo = cst('2024-12-01 00:00');
      const hi = cst('2026-11-01 00:00');
      for (let k = 0; k < 3000; k++) {
        const a = lo + Math.floor(r() * (hi - lo));
        const b = a + Math.floor(r() * 20 * DAY);
        const m = c.workingMinutesBetween(a, b);
        const t = c.addWorkingMinutes(a, m);
        if (m > 0) expect(t).to.be.at.most(b); // (adding 0 may move to the next working moment)
        expect(c.workingMinutesBetween(a, t)).to.equal(m);
        // when the minute before b is working time, the round trip lands exactly on b
        if (m > 0 && c.workingMillisBetween(b - MIN, b) === MIN) expect(t).to.equal(b);
        const n = Math.floor(r() * 5000);
        const u = c.addWorkingMinutes(a, n);
        expect(c.workingMinutesBetween(a, u)).to.equal(n);
        if (n > 0) expect(c.workingMinutesBetween(a, u - 1)).to.be.below(n); // earliest such instant
      }
    }
  });

  it('agrees with a naive minute-by-minute count (seeded)', () => {
    const hours = [{ start: '08:00', end: '12:00' }, { start: '13:30', end: '17:30' }];
    const c = chinaCalendar(hours);
    const isWorking = new Map<string, boolean>();
    const working = (date: string) => {
      let w = isWorking.get(date);
      if (w === undefined) isWorking.set(date, (w = c.isWorkingDay(date)));
      return w;
    };
    const r = rng(7);
    const lo = cst('2025-01-01 00:00');
    for (let k = 0; k < 200; k++) {
      const a = lo + Math.floor(r() * 700 * 1440) * MIN;
      const b = a + Math.floor(r() * 4 * 1440) * MIN;
      let naive = 0;
      for (let t = a; t < b; t += MIN) {
        const local = new Date(t + 8 * 3600_000);
        const mod = local.getUTCHours() * 60 + local.getUTCMinutes();
        if (working(local.toISOString().slice(0, 10)) && ((mod >= 480 && mod < 720) || (mod >= 810 && mod < 1050))) naive += 1;
      }
      expect(c.workingMinutesBetween(a, b), `${c.formatLocal(a)} → ${c.formatLocal(b)}`).to.equal(naive);
    }
  });
});

describe('working calendar: a year without data is refused', () => {
  const cal = chinaCalendar();

  function expectMissing(fn: () => unknown, year: number) {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(CalendarYearMissingError);
    expect((error as CalendarYearMissingError).year).to.equal(year);
    expect((error as Error).message).to.equal(`工作日历缺少 ${year} 年的节假日数据，请管理员先导入该年度日历`);
  }

  it('2027 and 2019 are never treated as Mon-Fri', () => {
    expectMissing(() => cal.isWorkingDay('2027-10-01'), 2027);
    expectMissing(() => cal.isWorkingDay('2019-12-31'), 2019);
    expectMissing(() => cal.workingMinutesBetween(cst('2026-12-31 10:00'), cst('2027-01-04 10:00')), 2027);
    expectMissing(() => cal.workingMinutesBetween(cst('2019-12-31 10:00'), cst('2020-01-02 10:00')), 2019);
    expectMissing(() => cal.addWorkingMinutes(cst('2026-12-31 16:00'), 240), 2027);
    expectMissing(() => cal.addWorkingMinutes(cst('2026-12-31 17:30'), 0), 2027);
    expectMissing(() => cal.workingDaysBetween('2026-12-01', '2027-01-31'), 2027);
    expectMissing(() => cal.explain(cst('2019-12-30 10:00'), cst('2020-01-02 10:00')), 2019);
  });

  it('the last covered day still works up to its end', () => {
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2026-12-31 16:00'), 90))).to.equal('2026-12-31 17:30');
    expect(cal.workingMinutesBetween(cst('2026-12-31 16:00'), cst('2027-01-01 00:00'))).to.equal(90);
  });

  it('a gap in the years is refused too', () => {
    const gap = compileCalendar({ years: [2024, 2026], days: BUNDLED_CALENDAR_DAYS, hours: DEFAULT_WORKING_HOURS, timeZone: 'Asia/Shanghai' });
    expectMissing(() => gap.workingMinutesBetween(cst('2024-12-31 10:00'), cst('2026-01-05 10:00')), 2025);
    expect(gap.isWorkingDay('2026-01-04')).to.equal(true);
  });
});

describe('working hours validation and calendar specification', () => {
  it('validateWorkingHours', () => {
    expect(validateWorkingHours(DEFAULT_WORKING_HOURS)).to.deep.equal([]);
    expect(validateWorkingHours([{ start: '08:00', end: '12:00' }, { start: '13:30', end: '17:30' }])).to.deep.equal([]);
    expect(validateWorkingHours([{ start: '00:00', end: '24:00' }])).to.deep.equal([]);
    expect(validateWorkingHours([])).to.deep.equal([{ path: 'hours', message: '至少需要一个工作时段' }]);
    expect(validateWorkingHours('08:00-17:30')[0].path).to.equal('hours');
    expect(validateWorkingHours([{ start: '8:00', end: '17:30' }])[0].path).to.equal('hours[0].start');
    expect(validateWorkingHours([{ start: '08:00', end: '25:00' }])[0].path).to.equal('hours[0].end');
    expect(validateWorkingHours([{ start: '12:00', end: '08:00' }])).to.deep.equal([{ path: 'hours[0]', message: '开始时间必须早于结束时间' }]);
    expect(validateWorkingHours([{ start: '08:00', end: '12:00' }, { start: '11:00', end: '17:30' }])).to.deep.equal([
      { path: 'hours[1]', message: '工作时段必须按时间先后排列且互不重叠' },
    ]);
    expect(validateWorkingHours([{ start: '13:30', end: '17:30' }, { start: '08:00', end: '12:00' }])[0].path).to.equal('hours[1]');
  });

  it('compileCalendar refuses bad hours, days and zones', () => {
    const base = { years: [2025], days: [] as CalendarDay[], hours: DEFAULT_WORKING_HOURS, timeZone: 'Asia/Shanghai' };
    expect(() => compileCalendar({ ...base, hours: [] })).to.throw(CalendarSpecError);
    expect(() => compileCalendar({ ...base, timeZone: 'Mars/Olympus' })).to.throw(CalendarSpecError, /时区/);
    expect(() => compileCalendar({ ...base, days: [{ date: '2025-02-30', kind: 'holiday', name: 'x' }] })).to.throw(CalendarSpecError);
    expect(() =>
      compileCalendar({
        ...base,
        days: [
          { date: '2025-10-01', kind: 'holiday', name: '国庆节' },
          { date: '2025-10-01', kind: 'workday', name: '国庆节调休' },
        ],
      }),
    ).to.throw(CalendarSpecError, /重复/);
    expect(() => compileCalendar(base).isWorkingDay('2025-13-01')).to.throw(RangeError);
  });

  it('lunch break: 08:00-12:00 and 13:30-17:30', () => {
    const cal = chinaCalendar([{ start: '08:00', end: '12:00' }, { start: '13:30', end: '17:30' }]);
    expect(cal.workingMinutesBetween(cst('2025-11-04 00:00'), cst('2025-11-05 00:00'))).to.equal(480);
    expect(cal.workingMinutesBetween(cst('2025-11-04 11:00'), cst('2025-11-04 14:30'))).to.equal(120);
    expect(cal.workingMinutesBetween(cst('2025-11-04 12:10'), cst('2025-11-04 13:20'))).to.equal(0);
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2025-11-04 11:00'), 60))).to.equal('2025-11-04 12:00');
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2025-11-04 11:00'), 90))).to.equal('2025-11-04 14:00');
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2025-11-04 12:30'), 0))).to.equal('2025-11-04 13:30');
    // 17:00 before National Day + 4 h = 30 min + 08:00-11:30 on 10-09
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2025-09-30 17:00'), 240))).to.equal('2025-10-09 11:30');
    // + 5 h crosses lunch: 30 min + 08:00-12:00 + 13:30-14:00
    expect(cal.formatLocal(cal.addWorkingMinutes(cst('2025-09-30 17:00'), 300))).to.equal('2025-10-09 14:00');
    expect(cal.workingDaysBetween('2025-10-01', '2025-10-31')).to.have.length(18);
  });
});

describe('working calendar: time zones', () => {
  it('after a year is first used, calls make no Intl call (Asia/Shanghai and a DST zone)', () => {
    for (const zone of ['Asia/Shanghai', 'Europe/Berlin']) {
      const c = chinaCalendar(DEFAULT_WORKING_HOURS, zone);
      c.workingMinutesBetween(c.instantOf('2025-01-01'), c.instantOf('2025-12-31')); // builds 2025
      const proto = Intl.DateTimeFormat.prototype;
      const original = proto.formatToParts;
      let calls = 0;
      proto.formatToParts = function (this: Intl.DateTimeFormat, date?: Date | number) {
        calls += 1;
        return original.call(this, date);
      };
      try {
        const r = rng(5);
        const lo = cst('2025-02-01 00:00');
        for (let k = 0; k < 1000; k++) {
          const a = lo + Math.floor(r() * 250 * DAY);
          const b = a + Math.floor(r() * 10 * DAY);
          c.workingMinutesBetween(a, b);
          c.addWorkingMinutes(a, 600);
          c.explain(a, b);
          c.formatLocal(b);
          c.isWorkingDay(c.localDate(a));
        }
      } finally {
        proto.formatToParts = original;
      }
      expect(calls, zone).to.equal(0);
    }
  });

  it('a fixed +08:00 zone gives the same results as Asia/Shanghai', () => {
    const sh = chinaCalendar();
    const fixed = chinaCalendar(DEFAULT_WORKING_HOURS, 'Etc/GMT-8'); // POSIX sign: GMT-8 is UTC+08:00
    const r = rng(42);
    const lo = cst('2025-01-01 00:00');
    for (let k = 0; k < 500; k++) {
      const a = lo + Math.floor(r() * 700 * DAY);
      const b = a + Math.floor(r() * 15 * DAY);
      expect(fixed.workingMinutesBetween(a, b)).to.equal(sh.workingMinutesBetween(a, b));
      expect(fixed.addWorkingMinutes(a, 333)).to.equal(sh.addWorkingMinutes(a, 333));
      expect(fixed.formatLocal(a)).to.equal(sh.formatLocal(a));
    }
  });

  it('UTC: working hours are read in UTC', () => {
    const utc = chinaCalendar(DEFAULT_WORKING_HOURS, 'UTC');
    expect(utc.instantOf('2025-11-04', '08:00')).to.equal(Date.parse('2025-11-04T08:00:00Z'));
    expect(utc.workingMinutesBetween(Date.parse('2025-11-04T00:00:00Z'), Date.parse('2025-11-05T00:00:00Z'))).to.equal(570);
  });

  it('a DST zone (Europe/Berlin): local wall times, consistent across the transitions', () => {
    const berlin = chinaCalendar(DEFAULT_WORKING_HOURS, 'Europe/Berlin');
    const utc = chinaCalendar(DEFAULT_WORKING_HOURS, 'UTC');
    // CET (+01:00) before 2025-03-30, CEST (+02:00) after; back on 2025-10-26
    expect(berlin.instantOf('2025-03-28', '08:00')).to.equal(Date.parse('2025-03-28T07:00:00Z'));
    expect(berlin.instantOf('2025-03-31', '08:00')).to.equal(Date.parse('2025-03-31T06:00:00Z'));
    expect(berlin.instantOf('2025-10-27', '08:00')).to.equal(Date.parse('2025-10-27T07:00:00Z'));
    expect(berlin.workingMinutesBetween(berlin.instantOf('2025-03-28', '17:00'), berlin.instantOf('2025-03-31', '09:00'))).to.equal(90);
    expect(berlin.workingMinutesBetween(berlin.instantOf('2025-10-24', '17:00'), berlin.instantOf('2025-10-27', '09:00'))).to.equal(90);
    expect(berlin.formatLocal(berlin.addWorkingMinutes(berlin.instantOf('2025-03-28', '17:00'), 90))).to.equal('2025-03-31 09:00');
    expect(berlin.formatLocal(Date.parse('2025-03-30T00:59:00Z'))).to.equal('2025-03-30 01:59');
    expect(berlin.formatLocal(Date.parse('2025-03-30T01:00:00Z'))).to.equal('2025-03-30 03:00');
    // the same wall times give the same working minutes as in a zone without DST
    const r = rng(99);
    for (let k = 0; k < 300; k++) {
      const d1 = addDays('2025-01-01', Math.floor(r() * 700));
      const d2 = addDays(d1, Math.floor(r() * 40));
      const t1 = `${String(6 + Math.floor(r() * 14)).padStart(2, '0')}:${String(Math.floor(r() * 60)).padStart(2, '0')}`;
      const t2 = `${String(6 + Math.floor(r() * 14)).padStart(2, '0')}:${String(Math.floor(r() * 60)).padStart(2, '0')}`;
      const wb = berlin.workingMinutesBetween(berlin.instantOf(d1, t1), berlin.instantOf(d2, t2));
      const wu = utc.workingMinutesBetween(utc.instantOf(d1, t1), utc.instantOf(d2, t2));
      expect(wb, `${d1} ${t1} → ${d2} ${t2}`).to.equal(wu);
      expect(berlin.formatLocal(berlin.instantOf(d1, t1))).to.equal(`${d1} ${t1}`);
      const a = berlin.instantOf(d1, t1);
      expect(berlin.workingMinutesBetween(a, berlin.addWorkingMinutes(a, 777))).to.equal(777);
    }
  });
});
