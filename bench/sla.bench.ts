// Benchmark: SLA evaluation of 100,000 generated tickets against the compiled China working
// calendar (2025-2026, Mon-Fri 08:00-17:30, Asia/Shanghai), with traces. Target: under 1 s in
// total. Prints its figures; it is not a test.
//
//   npx tsx bench/sla.bench.ts             # BENCH_TICKETS=… to change the count
import { compileCalendar, DEFAULT_WORKING_HOURS } from '../scoring/calendar';
import { BUNDLED_CALENDAR_DAYS, BUNDLED_YEARS } from '../scoring/calendar-cn';
import { evaluateTicket, SlaLevel, SlaTicket } from '../scoring/sla';
import { seededRandom } from '../server/seeded-random';

const TICKETS = Number(process.env.BENCH_TICKETS || 100_000);
const RUNS = Number(process.env.BENCH_RUNS || 5);
const MIN = 60_000;

const rng = seededRandom;

const LEVELS: SlaLevel[] = [
  { code: 'high', name: '高', responseMinutes: 30, resolutionMinutes: 240, clock: 'working' },
  { code: 'medium', name: '中', responseMinutes: 60, resolutionMinutes: 720, clock: 'working' },
  { code: 'low', name: '低', responseMinutes: 120, resolutionMinutes: 1440, clock: 'working' },
  { code: 'P1', responseMinutes: 15, resolutionMinutes: 120, clock: 'calendar' },
  { code: 'P4', responseMinutes: null, resolutionMinutes: 10_080, clock: 'calendar' },
];

function generate(n: number): { ticket: SlaTicket; level: SlaLevel }[] {
  const r = rng(20251001);
  const lo = Date.parse('2025-01-01T00:00:00+08:00');
  const span = Date.parse('2026-11-30T00:00:00+08:00') - lo;
  const out: { ticket: SlaTicket; level: SlaLevel }[] = [];
  for (let k = 0; k < n; k++) {
    const created = lo + Math.floor((r() * span) / MIN) * MIN;
    const responded = created + Math.floor(r() * 8 * 60) * MIN;
    const resolved = r() < 0.9 ? responded + Math.floor(r() * 5 * 1440) * MIN : null;
    const pauses: SlaTicket['pauses'] = [];
    if (r() < 0.3) {
      const start = responded + Math.floor(r() * 600) * MIN;
      const end = r() < 0.9 ? start + Math.floor(r() * 1440) * MIN : null;
      pauses.push({ start: new Date(start), end: end === null ? null : new Date(end), reason: '等待局方确认', confirmed: r() < 0.7 });
    }
    out.push({
      ticket: {
        externalId: `GD${k}`,
        createdAt: new Date(created),
        respondedAt: r() < 0.95 ? new Date(responded) : null,
        resolvedAt: resolved === null ? null : new Date(resolved),
        pauses,
      },
      level: LEVELS[k % LEVELS.length],
    });
  }
  return out;
}

function main() {
  const tickets = generate(TICKETS);
  const now = new Date('2026-12-15T12:00:00+08:00');
  let t0 = performance.now();
  const cal = compileCalendar({ years: BUNDLED_YEARS, days: BUNDLED_CALENDAR_DAYS, hours: DEFAULT_WORKING_HOURS, timeZone: 'Asia/Shanghai' });
  const compileMs = performance.now() - t0;
  t0 = performance.now();
  cal.workingMinutesBetween(Date.parse('2025-01-01T00:00:00+08:00'), Date.parse('2026-12-31T00:00:00+08:00'));
  const tablesMs = performance.now() - t0;
  console.log(`calendar: compile ${compileMs.toFixed(2)} ms, year tables 2025-2026 ${tablesMs.toFixed(2)} ms`);

  // every evaluation builds its deadlines, elapsed times, breaches, holidays and trace lines
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let breached = 0;
  let traceLines = 0;
  for (let run = 0; run < RUNS; run++) {
    breached = 0;
    traceLines = 0;
    const start = performance.now();
    const cpu = process.cpuUsage();
    for (const { ticket, level } of tickets) {
      const e = evaluateTicket(ticket, level, cal, now);
      if (e.breaches.length > 0) breached += 1;
      traceLines += e.trace.length;
    }
    const used = process.cpuUsage(cpu);
    times.push(performance.now() - start);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  const first = times[0];
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  const rate = (ms: number) => Math.round((TICKETS / ms) * 1000).toLocaleString('en-US');
  console.log(`tickets: ${TICKETS.toLocaleString('en-US')} (${breached} breached, ${traceLines} trace lines)`);
  const medianCpu = [...cpuTimes].sort((a, b) => a - b)[Math.floor(cpuTimes.length / 2)];
  // CPU time includes the garbage collector's helper threads; wall time suffers on a busy machine
  console.log(`first run (cold): ${first.toFixed(1)} ms total = ${rate(first)} tickets/s (CPU ${cpuTimes[0].toFixed(1)} ms)`);
  console.log(`median of ${RUNS} runs: ${median.toFixed(1)} ms total = ${rate(median)} tickets/s (CPU ${medianCpu.toFixed(1)} ms)`);
  console.log(`target < 1000 ms per 100,000 tickets: ${first < 1000 * (TICKETS / 100_000) ? 'met' : 'NOT met'}`);
}

main();
