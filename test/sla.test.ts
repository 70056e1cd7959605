// SLA evaluation (scoring/sla.ts) against RULES.md §5: working vs calendar clocks, confirmed and
// unconfirmed pauses, breaches of either limit, open tickets, the China holiday calendar.
import { expect } from 'chai';
import { compileCalendar, DEFAULT_WORKING_HOURS } from '../scoring/calendar';
import { BUNDLED_CALENDAR_DAYS, BUNDLED_YEARS } from '../scoring/calendar-cn';
import { evaluateTicket, formatMinutes, SlaLevel, SlaTicket, TicketPause } from '../scoring/sla';
import { seededRandom } from '../server/seeded-random';

const cal = compileCalendar({ years: BUNDLED_YEARS, days: BUNDLED_CALENDAR_DAYS, hours: DEFAULT_WORKING_HOURS, timeZone: 'Asia/Shanghai' });

/** 'YYYY-MM-DD HH:mm' in China time (+08:00) */
function cst(text: string): Date {
  return new Date(`${text.replace(' ', 'T')}:00+08:00`);
}

// seed 000: 高 4, 中 12, 低 24 working hours (response limits here: 1 h / 2 h / 4 h)
const HIGH: SlaLevel = { code: 'high', name: '高', responseMinutes: 240, resolutionMinutes: 720, clock: 'working' };
const MEDIUM: SlaLevel = { code: 'medium', name: '中', responseMinutes: 240, resolutionMinutes: 720, clock: 'working' };
// seed 004: P1 2 h in calendar time
const P1: SlaLevel = { code: 'P1', responseMinutes: 30, resolutionMinutes: 120, clock: 'calendar' };

function ticket(createdAt: string, respondedAt: string | null, resolvedAt: string | null, pauses: TicketPause[] = []): SlaTicket {
  return {
    externalId: '123',
    createdAt: cst(createdAt),
    respondedAt: respondedAt === null ? null : cst(respondedAt),
    resolvedAt: resolvedAt === null ? null : cst(resolvedAt),
    pauses,
  };
}

function pause(start: string, end: string | null, confirmed: boolean, reason = '等待局方确认'): TicketPause {
  return { start: cst(start), end: end === null ? null : cst(end), reason, confirmed };
}

const LATER = cst('2026-06-01 00:00');

const rng = seededRandom;

describe('SLA: formatMinutes', () => {
  it('formats durations in Chinese', () => {
    expect(formatMinutes(312)).to.equal('5 小时 12 分钟');
    expect(formatMinutes(45)).to.equal('45 分钟');
    expect(formatMinutes(240)).to.equal('4 小时');
    expect(formatMinutes(0)).to.equal('0 分钟');
    expect(formatMinutes(240.5)).to.equal('4 小时 30 秒');
    expect(formatMinutes(2880)).to.equal('48 小时');
    expect(formatMinutes(3060, 'days')).to.equal('2 天 3 小时');
    expect(formatMinutes(10080, 'days')).to.equal('7 天');
    expect(formatMinutes(90, 'days')).to.equal('1 小时 30 分钟');
  });
});

describe('SLA: working clock, ordinary days', () => {
  // Tuesday 2025-11-04 09:00: response deadline 13:00, resolution 09:00 + 720 min = 11-05 11:30
  it('within both limits', () => {
    const e = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 10:00', '2025-11-04 15:00'), HIGH, cal, LATER);
    expect(e.breaches).to.deep.equal([]);
    expect(e.firstMissedDeadline).to.equal(null);
    expect(e.open).to.equal(false);
    expect(e.responseDeadline).to.deep.equal(cst('2025-11-04 13:00'));
    expect(e.resolutionDeadline).to.deep.equal(cst('2025-11-05 11:30'));
    expect(e.responseElapsedMinutes).to.equal(60);
    expect(e.resolutionElapsedMinutes).to.equal(360);
    expect(e.holidays).to.deep.equal([]);
    expect(e.trace[0]).to.equal('工单 #123（高）：响应时限 4 小时（工作时间），实际 1 小时，未超时（截止 2025-11-04 13:00，2025-11-04 10:00 响应）');
    expect(e.trace[e.trace.length - 1]).to.equal('结论：未超时');
  });

  it('response breach only', () => {
    const e = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 14:12', '2025-11-05 10:00'), HIGH, cal, LATER);
    expect(e.breaches).to.deep.equal(['response']);
    expect(e.firstMissedDeadline).to.deep.equal(cst('2025-11-04 13:00'));
    expect(e.responseElapsedMinutes).to.equal(312);
    expect(e.trace[0]).to.equal('工单 #123（高）：响应时限 4 小时（工作时间），实际 5 小时 12 分钟，超时（截止 2025-11-04 13:00，2025-11-04 14:12 响应）');
    expect(e.trace[e.trace.length - 1]).to.equal('结论：响应超时，最早超时时限 2025-11-04 13:00');
  });

  it('resolution breach only', () => {
    const e = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 10:00', '2025-11-05 12:00'), HIGH, cal, LATER);
    expect(e.breaches).to.deep.equal(['resolution']);
    expect(e.firstMissedDeadline).to.deep.equal(cst('2025-11-05 11:30'));
    expect(e.resolutionElapsedMinutes).to.equal(750);
  });

  it('both limits missed: one ticket, both named, the earliest deadline first', () => {
    const e = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 16:00', '2025-11-06 09:00'), HIGH, cal, LATER);
    expect(e.breaches).to.deep.equal(['response', 'resolution']);
    expect(e.firstMissedDeadline).to.deep.equal(cst('2025-11-04 13:00'));
    expect(e.trace[e.trace.length - 1]).to.equal('结论：响应超时、解决超时，最早超时时限 2025-11-04 13:00');
  });

  it('a response exactly at the deadline is on time; one minute later is late', () => {
    expect(evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 13:00', null), HIGH, cal, cst('2025-11-04 13:00')).breaches).to.deep.equal([]);
    expect(evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 13:01', null), HIGH, cal, cst('2025-11-04 13:01')).breaches).to.deep.equal(['response']);
  });

  it('a limit that runs out at 17:30: a response at 19:00 is late though no working time passed', () => {
    const e = evaluateTicket(ticket('2025-11-04 13:30', '2025-11-04 19:00', null), HIGH, cal, cst('2025-11-04 19:00'));
    expect(e.responseDeadline).to.deep.equal(cst('2025-11-04 17:30'));
    expect(e.responseElapsedMinutes).to.equal(240);
    expect(e.breaches).to.deep.equal(['response']);
  });

  it('open ticket: not breached before the deadline, breached as soon as now passes it', () => {
    const t = ticket('2025-11-04 09:00', null, null);
    const before = evaluateTicket(t, HIGH, cal, cst('2025-11-04 12:00'));
    expect(before.open).to.equal(true);
    expect(before.breaches).to.deep.equal([]);
    expect(before.responseElapsedMinutes).to.equal(180);
    expect(before.trace[0]).to.contain('截至 2025-11-04 12:00 尚未响应');
    expect(before.trace[0]).to.contain('尚未超时');
    expect(before.trace[before.trace.length - 1]).to.equal('结论：目前未超时');
    expect(evaluateTicket(t, HIGH, cal, cst('2025-11-04 13:00')).breaches).to.deep.equal([]);
    const after = evaluateTicket(t, HIGH, cal, new Date(cst('2025-11-04 13:00').getTime() + 1));
    expect(after.breaches).to.deep.equal(['response']);
    expect(after.firstMissedDeadline).to.deep.equal(cst('2025-11-04 13:00'));
    const both = evaluateTicket(t, HIGH, cal, cst('2025-11-05 11:31'));
    expect(both.breaches).to.deep.equal(['response', 'resolution']);
    // responded in time, still unresolved after its deadline
    const resp = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 09:30', null), HIGH, cal, cst('2025-11-05 11:31'));
    expect(resp.breaches).to.deep.equal(['resolution']);
    expect(resp.firstMissedDeadline).to.deep.equal(cst('2025-11-05 11:30'));
    expect(resp.resolutionElapsedMinutes).to.equal(721);
  });

  it('resolved without a recorded response: the resolution instant counts as the response', () => {
    const ok = evaluateTicket(ticket('2025-11-04 09:00', null, '2025-11-04 12:00'), HIGH, cal, LATER);
    expect(ok.breaches).to.deep.equal([]);
    expect(ok.responseElapsedMinutes).to.equal(180);
    expect(ok.trace[0]).to.contain('未记录响应时间，以解决时间 2025-11-04 12:00 作为响应时间');
    const late = evaluateTicket(ticket('2025-11-04 09:00', null, '2025-11-04 14:00'), HIGH, cal, LATER);
    expect(late.breaches).to.deep.equal(['response']);
  });

  it('a missing limit is never breached', () => {
    const level: SlaLevel = { code: 'low', name: '低', responseMinutes: null, resolutionMinutes: 60, clock: 'working' };
    const e = evaluateTicket(ticket('2025-11-04 09:00', null, null), level, cal, cst('2025-11-20 09:00'));
    expect(e.responseDeadline).to.equal(null);
    expect(e.responseElapsedMinutes).to.equal(null);
    expect(e.breaches).to.deep.equal(['resolution']);
    expect(e.trace[0]).to.equal('工单 #123（低）：响应时限未设定，不考核');
    const none: SlaLevel = { code: 'x', responseMinutes: null, resolutionMinutes: null, clock: 'working' };
    expect(evaluateTicket(ticket('2025-11-04 09:00', null, null), none, cal, cst('2026-11-20 09:00')).breaches).to.deep.equal([]);
  });
});

describe('SLA: calendar clock', () => {
  it('P1: 2 h in calendar time runs through the weekend', () => {
    // Friday 23:00 → resolution deadline Saturday 01:00
    const ok = evaluateTicket(ticket('2025-11-07 23:00', '2025-11-07 23:20', '2025-11-08 00:50'), P1, cal, LATER);
    expect(ok.resolutionDeadline).to.deep.equal(cst('2025-11-08 01:00'));
    expect(ok.breaches).to.deep.equal([]);
    expect(ok.resolutionElapsedMinutes).to.equal(110);
    expect(ok.holidays).to.deep.equal([]);
    const late = evaluateTicket(ticket('2025-11-07 23:00', '2025-11-07 23:40', '2025-11-10 09:00'), P1, cal, LATER);
    expect(late.breaches).to.deep.equal(['response', 'resolution']);
    expect(late.firstMissedDeadline).to.deep.equal(cst('2025-11-07 23:30'));
    expect(late.resolutionElapsedMinutes).to.equal(58 * 60);
    expect(late.trace[1]).to.equal('工单 #123（P1）：解决时限 2 小时（自然时间），实际 2 天 10 小时，超时（截止 2025-11-08 01:00，2025-11-10 09:00 解决）');
    // the same ticket on the working clock would be due on Monday
    const working = evaluateTicket(ticket('2025-11-07 23:00', null, null), { ...P1, clock: 'working' }, cal, LATER);
    expect(working.resolutionDeadline).to.deep.equal(cst('2025-11-10 10:00'));
  });

  it('runs through holidays and needs no holiday data', () => {
    const e = evaluateTicket(ticket('2025-10-01 10:00', null, '2025-10-01 11:00'), P1, cal, LATER);
    expect(e.breaches).to.deep.equal(['response']);
    expect(e.holidays).to.deep.equal([]);
    const y2027 = evaluateTicket(ticket('2027-03-01 10:00', '2027-03-01 10:10', null), P1, cal, cst('2027-03-01 13:00'));
    expect(y2027.breaches).to.deep.equal(['resolution']);
    expect(y2027.resolutionDeadline).to.deep.equal(cst('2027-03-01 12:00'));
  });

  it('the working clock refuses a year without calendar data', () => {
    expect(() => evaluateTicket(ticket('2027-03-01 10:00', null, null), HIGH, cal, cst('2027-03-02 10:00'))).to.throw(/2027 年/);
  });
});

describe('SLA: pauses', () => {
  it('a confirmed pause stops the working clock; an unconfirmed one does not', () => {
    const confirmed = pause('2025-11-04 10:00', '2025-11-04 11:30', true);
    const unconfirmed = pause('2025-11-04 10:00', '2025-11-04 11:30', false, '等待第三方');
    const a = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 14:00', null, [confirmed]), HIGH, cal, cst('2025-11-04 14:00'));
    expect(a.responseDeadline).to.deep.equal(cst('2025-11-04 14:30'));
    expect(a.responseElapsedMinutes).to.equal(210);
    expect(a.breaches).to.deep.equal([]);
    expect(a.pausesCounted).to.deep.equal([confirmed]);
    expect(a.pausesIgnored).to.deep.equal([]);
    expect(a.trace).to.include('暂停 2025-11-04 10:00 至 11:30（等待局方确认），已确认，不计时');
    const b = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 14:00', null, [unconfirmed]), HIGH, cal, cst('2025-11-04 14:00'));
    expect(b.responseDeadline).to.deep.equal(cst('2025-11-04 13:00'));
    expect(b.responseElapsedMinutes).to.equal(300);
    expect(b.breaches).to.deep.equal(['response']);
    expect(b.pausesCounted).to.deep.equal([]);
    expect(b.pausesIgnored).to.deep.equal([unconfirmed]);
    expect(b.trace).to.include('暂停 2025-11-04 10:00 至 11:30（等待第三方），未经局方确认，照常计时');
  });

  it('a confirmed pause stops the calendar clock too', () => {
    const p = pause('2025-11-07 23:10', '2025-11-08 09:00', true);
    const e = evaluateTicket(ticket('2025-11-07 23:00', '2025-11-07 23:05', '2025-11-08 10:00', [p]), P1, cal, LATER);
    expect(e.resolutionDeadline).to.deep.equal(cst('2025-11-08 10:50'));
    expect(e.resolutionElapsedMinutes).to.equal(70);
    expect(e.breaches).to.deep.equal([]);
  });

  it('overlapping pauses count once; pauses before creation are clipped; pauses outside working time cost nothing', () => {
    const ps = [
      pause('2025-11-04 08:00', '2025-11-04 09:30', true), // created 09:00: counts 09:00-09:30
      pause('2025-11-04 10:00', '2025-11-04 11:00', true),
      pause('2025-11-04 10:30', '2025-11-04 11:30', true), // overlaps: 10:00-11:30 in all
      pause('2025-11-04 18:00', '2025-11-05 07:00', true), // outside working hours
    ];
    const e = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 15:00', null, ps), HIGH, cal, cst('2025-11-04 15:00'));
    expect(e.responseDeadline).to.deep.equal(cst('2025-11-04 15:00'));
    expect(e.responseElapsedMinutes).to.equal(240);
    expect(e.breaches).to.deep.equal([]);
    // 720 min: 09:00-17:30 less 2 h paused = 390, then 330 on 11-05 → 13:30
    expect(e.resolutionDeadline).to.deep.equal(cst('2025-11-05 13:30'));
  });

  it('an open confirmed pause holds the clock: the deadline is unknown and cannot be missed yet', () => {
    const p = pause('2025-11-04 10:00', null, true);
    const e = evaluateTicket(ticket('2025-11-04 09:00', '2025-11-04 09:30', null, [p]), HIGH, cal, cst('2025-11-20 09:00'));
    expect(e.responseDeadline).to.equal(null); // the pause began before the limit ran out
    expect(e.responseElapsedMinutes).to.equal(30);
    expect(e.resolutionDeadline).to.equal(null);
    expect(e.resolutionElapsedMinutes).to.equal(60);
    expect(e.breaches).to.deep.equal([]);
    expect(e.trace).to.include('暂停 2025-11-04 10:00 起（等待局方确认），已确认，尚未结束，不计时');
    expect(e.trace[1]).to.contain('截止时间待定（暂停中）');
    // a deadline already passed before the pause began stays missed
    const late = evaluateTicket(ticket('2025-11-04 09:00', null, null, [pause('2025-11-04 14:00', null, true)]), HIGH, cal, cst('2025-11-20 09:00'));
    expect(late.breaches).to.deep.equal(['response']);
    expect(late.responseElapsedMinutes).to.equal(300);
  });

  it('property: the effective elapsed time at the deadline is the limit (seeded random tickets)', () => {
    const r = rng(2025);
    const lo = cst('2025-01-01 00:00').getTime();
    for (let k = 0; k < 400; k++) {
      const created = lo + Math.floor(r() * 600 * 1440) * 60_000;
      const pauses: TicketPause[] = [];
      let cursor = created;
      for (let j = 0; j < 3; j++) {
        const start = cursor + Math.floor(r() * 3 * 1440) * 60_000;
        const end = start + Math.floor(r() * 2 * 1440) * 60_000;
        pauses.push({ start: new Date(start), end: new Date(end), reason: '等待局方确认', confirmed: r() < 0.6 });
        cursor = end;
      }
      const level = r() < 0.5 ? HIGH : P1;
      const base = { externalId: String(k), createdAt: new Date(created), respondedAt: null, resolvedAt: null, pauses };
      const probe = evaluateTicket(base, level, cal, new Date(created));
      const dl = probe.resolutionDeadline as Date;
      const atDeadline = evaluateTicket({ ...base, resolvedAt: dl, respondedAt: new Date(created) }, level, cal, LATER);
      expect(atDeadline.resolutionElapsedMinutes).to.equal(level.resolutionMinutes);
      expect(atDeadline.breaches).to.deep.equal([]);
      const after = evaluateTicket({ ...base, resolvedAt: new Date(dl.getTime() + 60_000), respondedAt: new Date(created) }, level, cal, LATER);
      expect(after.breaches).to.deep.equal(['resolution']);
      expect(after.firstMissedDeadline).to.deep.equal(dl);
    }
  });
});

describe('SLA: across China holidays', () => {
  it('National Day 2025: the trace names the holiday block and the make-up days', () => {
    // Friday 2025-09-26 16:00, 中 (4 h / 12 h working): 16:00-17:30 = 90 min; Saturday 09-27 off;
    // Sunday 09-28 is a make-up day: response due 10:30, 570 min that day (660); resolution due Monday 09-29 09:00
    const e = evaluateTicket(ticket('2025-09-26 16:00', '2025-09-28 10:00', '2025-10-11 10:00'), MEDIUM, cal, LATER);
    expect(e.responseDeadline).to.deep.equal(cst('2025-09-28 10:30'));
    expect(e.resolutionDeadline).to.deep.equal(cst('2025-09-29 09:00'));
    expect(e.breaches).to.deep.equal(['resolution']);
    expect(e.firstMissedDeadline).to.deep.equal(cst('2025-09-29 09:00')); // Q3 2025: the line belongs to the period of 09-29
    expect(e.makeupDays.map((d) => d.date)).to.deep.equal(['2025-09-28', '2025-10-11']);
    expect(e.holidays.map((d) => d.date)).to.have.length(8);
    expect(e.trace).to.include('2025-10-01 至 2025-10-08 国庆节、中秋节假期不计时');
    expect(e.trace).to.include('2025-09-28（星期日）国庆节调休，按工作日计时');
    expect(e.trace).to.include('2025-10-11（星期六）国庆节调休，按工作日计时');
    // weekends in the span: 09-27 (ordinary), 09-28 and 10-11 (make-up), 10-04 and 10-05 (in the holiday block)
    expect(e.trace).to.include('期间周末 1 天不计时');
  });

  it('the working day before each 2025/2026 holiday block at 17:00 + 4 h = 11:30 the first working day after', () => {
    const blocks = [
      ['2024-12-31', '2025-01-02'], ['2025-01-27', '2025-02-05'], ['2025-04-03', '2025-04-07'], ['2025-04-30', '2025-05-06'],
      ['2025-05-30', '2025-06-03'], ['2025-09-30', '2025-10-09'], ['2025-12-31', '2026-01-04'], ['2026-02-14', '2026-02-24'],
      ['2026-04-03', '2026-04-07'], ['2026-04-30', '2026-05-06'], ['2026-06-18', '2026-06-22'], ['2026-09-24', '2026-09-28'],
      ['2026-09-30', '2026-10-08'],
    ];
    for (const [before, after] of blocks) {
      const e = evaluateTicket(ticket(`${before} 17:00`, null, null), HIGH, cal, cst(`${after} 11:30`));
      expect(e.responseDeadline, before).to.deep.equal(cst(`${after} 11:30`));
      expect(e.breaches, before).to.deep.equal([]);
      expect(e.responseElapsedMinutes, before).to.equal(240);
      expect(e.holidays.length, before).to.be.greaterThan(0);
      expect(e.trace.some((l) => l.endsWith('假期不计时')), before).to.equal(true);
      const late = evaluateTicket(ticket(`${before} 17:00`, null, null), HIGH, cal, cst(`${after} 11:31`));
      expect(late.breaches, before).to.deep.equal(['response']);
    }
  });

  it('Spring Festival 2026 with make-up Saturdays 02-14 and 02-28', () => {
    // Friday 02-13 16:00; Saturday 02-14 is a make-up day → response due 02-14 10:30
    const e = evaluateTicket(ticket('2026-02-13 16:00', '2026-02-24 09:00', '2026-03-02 09:00'), HIGH, cal, LATER);
    expect(e.responseDeadline).to.deep.equal(cst('2026-02-14 10:30'));
    expect(e.resolutionDeadline).to.deep.equal(cst('2026-02-24 09:00'));
    expect(e.breaches).to.deep.equal(['response', 'resolution']);
    expect(e.trace).to.include('2026-02-15 至 2026-02-23 春节假期不计时');
    expect(e.trace).to.include('2026-02-14（星期六）春节调休，按工作日计时');
    expect(e.trace).to.include('2026-02-28（星期六）春节调休，按工作日计时');
  });
});

describe('SLA: many tickets (sanity, not timed)', () => {
  it('evaluates 10,000 generated tickets consistently', () => {
    const r = rng(1);
    const lo = cst('2025-01-01 00:00').getTime();
    let breached = 0;
    for (let k = 0; k < 10_000; k++) {
      const created = lo + Math.floor(r() * 650 * 1440) * 60_000;
      const responded = created + Math.floor(r() * 2 * 1440) * 60_000;
      const resolved = r() < 0.9 ? responded + Math.floor(r() * 5 * 1440) * 60_000 : null;
      const t: SlaTicket = { externalId: String(k), createdAt: new Date(created), respondedAt: new Date(responded), resolvedAt: resolved === null ? null : new Date(resolved), pauses: [] };
      const e = evaluateTicket(t, k % 3 === 0 ? P1 : HIGH, cal, cst('2026-12-31 12:00'));
      if (e.breaches.length > 0) {
        breached += 1;
        expect(e.firstMissedDeadline).to.not.equal(null);
      }
      expect(e.trace.length).to.be.greaterThan(2);
    }
    expect(breached).to.be.greaterThan(1000);
  });
});
