// Cell value parsing shared by all importers (工单、巡检记录、报告、人员名册). Input is the
// trimmed cell text produced by reader.ts; every parser answers null for text it cannot read
// so that the importer can report the row and column instead of guessing.

import { zoneOffsets } from '../../scoring/timezone';

// ---- instants -------------------------------------------------------------------------------

// 2025-10-09T10:00:00+08:00 · 2025-10-09 10:00 · 2025/10/9 9:05:07 · 2025-10-09T02:00:00.5Z
// Month, day and hour may have one digit (Excel's zh-CN display and CSV export: 2025/1/5 9:03).
const INSTANT_RE =
  /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const MINUTE = 60_000;
const HOUR = 3_600_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return DAYS_IN_MONTH[month - 1];
}

function validYmd(year: number, month: number, day: number): boolean {
  return year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Zones whose offset is a constant +08:00 for every instant we can meet in O&M data (≥ 1992). */
const FIXED_PLUS_8 = new Set(['Asia/Shanghai', 'Asia/Chongqing', 'Asia/Chungking', 'Asia/Harbin', 'PRC']);
/** Asia/Shanghai observed DST 1986-1991; from 1992 on it is +08:00 all year. */
const SHANGHAI_FIXED_FROM_YEAR = 1992;
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'Zulu', 'Universal']);

/**
 * An instant from a cell: ISO 8601 with an offset (`2025-10-09T10:00:00+08:00`, `…Z`,
 * `+0800`, `+08`), or a local date-time `YYYY-MM-DD HH:mm[:ss]` / `YYYY/MM/DD HH:mm[:ss]`
 * (also with `T`, one-digit month/day/hour and fractional seconds) read as wall-clock time of
 * `timeZone` (the contract's IANA zone). null when the text is not such a date-time or names
 * a day, hour … that does not exist (2025-02-30, 24:00, 10:60). A date without a time is null.
 */
export function parseInstant(text: string, timeZone: string): Date | null {
  const m = INSTANT_RE.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[3]);
  const day = Number(m[4]);
  const hour = Number(m[5]);
  const minute = Number(m[6]);
  const second = m[7] === undefined ? 0 : Number(m[7]);
  const millis = m[8] === undefined ? 0 : Number(m[8].slice(0, 3).padEnd(3, '0'));
  if (!validYmd(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const off = m[9];
  if (off !== undefined) {
    if (off === 'Z' || off === 'z') return new Date(wall);
    const digits = off.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 18 || om > 59) return null;
    const sign = off[0] === '-' ? -1 : 1;
    return new Date(wall - sign * (oh * HOUR + om * MINUTE));
  }
  if (FIXED_PLUS_8.has(timeZone) && year >= SHANGHAI_FIXED_FROM_YEAR) return new Date(wall - 8 * HOUR);
  if (UTC_ZONES.has(timeZone)) return new Date(wall);
  return new Date(zoneOffsets(timeZone).toUtc(wall));
}

// ---- dates ---------------------------------------------------------------------------------

// The optional midnight time is what reader.ts gives for an Excel cell formatted as a date
// (Date cells are always 'YYYY-MM-DD HH:mm:ss').
const DATE_RE = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[T ]0?0:00(?::00(?:\.0+)?)?)?$/;

/**
 * A calendar date `YYYY-MM-DD` or `YYYY/MM/DD` (one-digit month/day allowed, and a trailing
 * midnight time `00:00[:00]` as Excel date cells produce) → 'YYYY-MM-DD'; null when not such a
 * date or the day does not exist.
 */
export function parseLocalDate(text: string): string | null {
  const m = DATE_RE.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[3]);
  const day = Number(m[4]);
  if (!validYmd(year, month, day)) return null;
  return `${m[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// ---- booleans ------------------------------------------------------------------------------

const TRUE_WORDS = new Set(['是', '有', 'y', 'yes', 'true', '1', '√', '✓']);
const FALSE_WORDS = new Set(['否', '无', 'n', 'no', 'false', '0', '×', '✗']);

/** 是/否, 有/无, Y/N, yes/no, true/false (any case, so Excel's TRUE/FALSE too), 1/0; else null. */
export function parseBool(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  return null;
}

// ---- column mapping ------------------------------------------------------------------------

/** our field name → the file's header text */
export interface ColumnMapping {
  [field: string]: string;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The header a field is read from: the mapping's (trimmed) text, else the field name itself. */
function headerOf(mapping: ColumnMapping, field: string): string {
  if (hasOwn(mapping, field)) {
    const h = mapping[field];
    if (typeof h === 'string' && h.trim() !== '') return h.trim();
  }
  return field;
}

/**
 * The values of `fields` from one row (`RawRow.values`): each field is read from the header
 * the mapping names, or, when the mapping has no (non-blank) entry for it, from a header equal
 * to the field name. A field whose column is absent gets ''. The result has exactly `fields`.
 */
export function applyMapping(
  values: Record<string, string>,
  mapping: ColumnMapping,
  fields: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields) {
    const header = headerOf(mapping, field);
    out[field] = hasOwn(values, header) ? values[header] : '';
  }
  return out;
}

/**
 * The header texts (as `applyMapping` would look them up) of the `required` fields that are not
 * among `headers`, in the order of `required`; [] when all are present. Header comparison is
 * exact after trimming.
 */
export function missingColumns(headers: string[], mapping: ColumnMapping, required: readonly string[]): string[] {
  const present = new Set(headers.map((h) => h.trim()));
  const missing: string[] = [];
  for (const field of required) {
    const header = headerOf(mapping, field);
    if (!present.has(header) && !missing.includes(header)) missing.push(header);
  }
  return missing;
}
