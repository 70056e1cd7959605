// Time zone offsets of IANA zones, from Intl once per zone and UTC year (transitions found to
// the second), and the instant of a local wall-clock time. One place for the whole project:
// the working calendar and the import parsers both use it. Pure apart from its caches.

const DAY_MS = 86_400_000;

interface YearOffsets {
  /** UTC range [lo, hi) of the table */
  lo: number;
  hi: number;
  /** constant offset of the whole range, or null when it has transitions */
  constant: number | null;
  starts: number[];
  offsets: number[];
}

/** Offsets (local − UTC, ms) of an IANA zone, from Intl once per UTC year, cached. */
export class ZoneOffsets {
  private readonly dtf: Intl.DateTimeFormat;
  private readonly cache = new Map<number, YearOffsets>();
  private last: YearOffsets | null = null;

  constructor(readonly timeZone: string) {
    this.dtf = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  private intlOffset(t: number): number {
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const p of this.dtf.formatToParts(t)) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        default: break;
      }
    }
    const wall = Date.UTC(y, mo - 1, d, h, mi, s);
    return wall - (t - (((t % 1000) + 1000) % 1000));
  }

  private table(year: number): YearOffsets {
    let tbl = this.cache.get(year);
    if (tbl) return tbl;
    const lo = Date.UTC(year, 0, 1);
    const hi = Date.UTC(year + 1, 0, 1);
    const starts = [lo];
    const offsets = [this.intlOffset(lo)];
    let prevT = lo;
    let prevO = offsets[0];
    for (let t = lo + DAY_MS; t <= hi; t += DAY_MS) {
      const o = this.intlOffset(t);
      if (o !== prevO) {
        // one transition within (prevT, t]: the first second at which the offset is o
        let a = prevT / 1000;
        let b = t / 1000;
        while (b - a > 1) {
          const mid = Math.floor((a + b) / 2);
          if (this.intlOffset(mid * 1000) === o) b = mid;
          else a = mid;
        }
        if (b * 1000 < hi) {
          starts.push(b * 1000);
          offsets.push(o);
        }
        prevO = o;
      }
      prevT = t;
    }
    tbl = { lo, hi, constant: offsets.length === 1 ? offsets[0] : null, starts, offsets };
    this.cache.set(year, tbl);
    return tbl;
  }

  /** local − UTC in ms at instant t */
  offsetAt(t: number): number {
    let tbl = this.last;
    if (tbl === null || t < tbl.lo || t >= tbl.hi) {
      tbl = this.table(new Date(t).getUTCFullYear());
      this.last = tbl;
    }
    if (tbl.constant !== null) return tbl.constant;
    const { starts, offsets } = tbl;
    let a = 0;
    let b = starts.length - 1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (starts[mid] <= t) a = mid;
      else b = mid - 1;
    }
    return offsets[a];
  }

  /**
   * The instant of a local wall-clock time (given as ms of that wall time read as UTC). In an
   * overlap (clocks set back) the earlier instant; in a gap (clocks set forward) the wall time is
   * moved forward by the gap.
   */
  toUtc(wall: number): number {
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    if (before === after) return wall - before;
    const t1 = wall - before;
    const t2 = wall - after;
    const ok1 = this.offsetAt(t1) === before;
    const ok2 = this.offsetAt(t2) === after;
    if (ok1 && ok2) return Math.min(t1, t2);
    if (ok1) return t1;
    if (ok2) return t2;
    return t1; // gap: shift forward
  }
}


const zones = new Map<string, ZoneOffsets>();

/** The (cached) offsets of a zone; throws RangeError for an unknown zone. */
export function zoneOffsets(timeZone: string): ZoneOffsets {
  let z = zones.get(timeZone);
  if (!z) zones.set(timeZone, (z = new ZoneOffsets(timeZone)));
  return z;
}
