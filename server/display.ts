// Text shown to people, shared by the pages and the exported documents: Beijing wall time
// and yuan amounts. Strings in, strings out: money is never parsed into a binary float.

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Beijing wall time (Asia/Shanghai: UTC+8, no daylight saving) of an instant:
 * "YYYY-MM-DD HH:mm" (":ss" with `seconds`). A bare date stays as it is; empty gives '';
 * text that is not a time is returned unchanged.
 */
export function beijingTime(v: string | Date | null | undefined, seconds = false): string {
  if (v === null || v === undefined || v === '') return '';
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  const t = new Date(v).getTime();
  if (Number.isNaN(t)) return String(v);
  const d = new Date(t + 8 * 3600_000);
  const s = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${s}:${pad(d.getUTCSeconds())}` : s;
}

/** "12084900.00" → "¥12,084,900.00"; empty gives ''; text that is not a decimal is returned unchanged. */
export function yuanText(v: string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '';
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(v.trim());
  if (!m) return v;
  return `${m[1]}¥${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${(m[3] ?? '').padEnd(2, '0')}`;
}
