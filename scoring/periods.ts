// Assessment periods (考核期) of a contract, generated from its dates. Pure; dates are
// calendar dates (YYYY-MM-DD) in the contract's time zone, so no clock or zone is involved.
import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat';

dayjs.extend(customParseFormat);

export type PeriodScheme = 'contract_quarters' | 'calendar_quarters';

export interface GeneratedPeriod {
  number: number;
  label: string;
  startDate: string;
  endDate: string;
  /** true when the period is shorter than a full quarter (contract starts or ends mid-quarter) */
  partial: boolean;
}

const FMT = 'YYYY-MM-DD';

export function isValidDate(text: unknown): text is string {
  return typeof text === 'string' && dayjs(text, FMT, true).isValid();
}

/**
 * Contract quarters: P1 = start .. start + 3 months − 1 day, P2 from there, each computed from
 * the start date (no drift at month ends); the last one ends at the contract's end date.
 * Calendar quarters: Q1-Q4 of each year, clipped to the contract's dates.
 */
export function generatePeriods(startDate: string, endDate: string, scheme: PeriodScheme): GeneratedPeriod[] {
  const start = dayjs(startDate, FMT, true);
  const end = dayjs(endDate, FMT, true);
  if (!start.isValid() || !end.isValid()) throw new RangeError('invalid contract dates');
  if (end.isBefore(start)) throw new RangeError('end date before start date');
  const out: GeneratedPeriod[] = [];
  if (scheme === 'contract_quarters') {
    for (let k = 0; ; k++) {
      const ps = start.add(3 * k, 'month');
      if (ps.isAfter(end)) break;
      const fullEnd = start.add(3 * (k + 1), 'month').subtract(1, 'day');
      const pe = fullEnd.isAfter(end) ? end : fullEnd;
      const partial = pe.isBefore(fullEnd);
      const n = k + 1;
      out.push({
        number: n,
        label: `第${n}季度（${ps.format(FMT)} 至 ${pe.format(FMT)}）${partial ? '（不足一季度）' : ''}`,
        startDate: ps.format(FMT),
        endDate: pe.format(FMT),
        partial,
      });
    }
  } else {
    let qs = start.startOf('month').month(Math.floor(start.month() / 3) * 3).startOf('month');
    let n = 0;
    while (!qs.isAfter(end)) {
      const qe = qs.add(3, 'month').subtract(1, 'day');
      const ps = qs.isBefore(start) ? start : qs;
      const pe = qe.isAfter(end) ? end : qe;
      const partial = !ps.isSame(qs, 'day') || !pe.isSame(qe, 'day');
      n += 1;
      const quarter = Math.floor(qs.month() / 3) + 1;
      out.push({
        number: n,
        label: `${qs.year()}年第${quarter}季度${partial ? `（${ps.format(FMT)} 至 ${pe.format(FMT)}，不足一季度）` : ''}`,
        startDate: ps.format(FMT),
        endDate: pe.format(FMT),
        partial,
      });
      qs = qs.add(3, 'month');
    }
  }
  return out;
}
