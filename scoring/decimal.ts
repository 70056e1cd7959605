// Exact decimal arithmetic for points, money and ratios. No binary floats touch the maths:
// - points are integers in hundredths of a point (3.50 points = 350),
// - money is a bigint in fen (分; ¥12,084,900.00 = 1208490000n),
// - ratios and rates are exact rationals parsed from decimal strings ("0.40", "0.008").

/** An exact rational number n/d with d > 0. */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

export class DecimalFormatError extends Error {}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rational(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

/** Parses a plain decimal string ("0.40", "-3", "12084900.00") into an exact rational. */
export function parseDecimal(text: string): Rational {
  const m = DECIMAL_RE.exec(String(text).trim());
  if (!m) throw new DecimalFormatError(`not a decimal number: ${text}`);
  const frac = m[3] ?? '';
  const n = BigInt(m[2] + frac) * (m[1] === '-' ? -1n : 1n);
  return rational(n, 10n ** BigInt(frac.length));
}

/** True when the text is a decimal number with at most `places` fractional digits. */
export function isDecimal(text: unknown, places = Infinity): boolean {
  if (typeof text !== 'string' && typeof text !== 'number') return false;
  const m = DECIMAL_RE.exec(String(text).trim());
  return !!m && (m[3] ?? '').length <= places;
}

export const ZERO = rational(0n);
export const ONE = rational(1n);

export function add(a: Rational, b: Rational): Rational {
  return rational(a.n * b.d + b.n * a.d, a.d * b.d);
}
export function sub(a: Rational, b: Rational): Rational {
  return rational(a.n * b.d - b.n * a.d, a.d * b.d);
}
export function mul(a: Rational, b: Rational): Rational {
  return rational(a.n * b.n, a.d * b.d);
}
export function div(a: Rational, b: Rational): Rational {
  return rational(a.n * b.d, a.d * b.n);
}
export function cmp(a: Rational, b: Rational): number {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
}
export function max(a: Rational, b: Rational): Rational {
  return cmp(a, b) >= 0 ? a : b;
}
export function min(a: Rational, b: Rational): Rational {
  return cmp(a, b) <= 0 ? a : b;
}
export function isInteger(a: Rational): boolean {
  return a.d === 1n;
}

/** Rounds half away from zero (四舍五入) to an integer. */
export function roundHalfUp(a: Rational): bigint {
  const sign = a.n < 0n ? -1n : 1n;
  const abs = a.n < 0n ? -a.n : a.n;
  const q = abs / a.d;
  const r = abs % a.d;
  return sign * (r * 2n >= a.d ? q + 1n : q);
}

/** Formats a rational exactly with `places` decimals, rounding half-up. */
export function formatRational(a: Rational, places: number): string {
  const scaled = roundHalfUp(mul(a, rational(10n ** BigInt(places))));
  return formatScaled(scaled, places);
}

/** Formats an integer that holds `places` implied decimals: (350n, 2) → "3.50". */
export function formatScaled(value: bigint | number, places: number): string {
  let v = BigInt(value);
  const neg = v < 0n;
  if (neg) v = -v;
  const s = v.toString().padStart(places + 1, '0');
  const out = places > 0 ? `${s.slice(0, s.length - places)}.${s.slice(s.length - places)}` : s;
  return neg ? `-${out}` : out;
}

/** Shortest exact decimal text of a rational whose denominator divides a power of ten. */
export function formatExact(a: Rational, minPlaces = 0): string {
  for (let places = minPlaces; places <= 12; places++) {
    const scaled = mul(a, rational(10n ** BigInt(places)));
    if (isInteger(scaled)) return formatScaled(scaled.n, places);
  }
  return formatRational(a, 12);
}

// ---- points: integer hundredths ------------------------------------------------------

/** Parses "3.5" / "3.50" / 3.5 into hundredths (350). Refuses more than two decimals. */
export function parsePoints(text: string | number): number {
  const r = parseDecimal(String(text));
  const scaled = mul(r, rational(100n));
  if (!isInteger(scaled)) throw new DecimalFormatError(`points have at most 2 decimals: ${text}`);
  return Number(scaled.n);
}

/** Hundredths to "3.50". */
export function formatPoints(hundredths: number | bigint): string {
  return formatScaled(BigInt(hundredths), 2);
}

export function pointsToRational(hundredths: number): Rational {
  return rational(BigInt(hundredths), 100n);
}

// ---- money: bigint fen ---------------------------------------------------------------

/** Parses a yuan amount with at most 2 decimals ("12084900.00") into fen. */
export function parseYuan(text: string | number): bigint {
  const r = parseDecimal(String(text));
  const scaled = mul(r, rational(100n));
  if (!isInteger(scaled)) throw new DecimalFormatError(`money has at most 2 decimals: ${text}`);
  return scaled.n;
}

/** Fen to a yuan string with 2 places: 1208490000n → "12084900.00". */
export function formatYuan(fen: bigint | number): string {
  return formatScaled(BigInt(fen), 2);
}

export function fenToRational(fen: bigint): Rational {
  return rational(fen);
}
