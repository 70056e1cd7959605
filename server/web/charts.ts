// Charts drawn on the server as SVG: no chart library, no CDN, nothing for the CSP to allow.
// Colours and strokes are SVG attributes (not style=), so `style-src 'self'` holds.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n2 = (v: number) => (Math.round(v * 10) / 10).toString();

/** Quarterly scores as a line against the interview threshold. Scores are decimal text; null = not shown. */
export function trendChart(points: { label: string; score: string | null }[], threshold: string, title = '季度得分趋势'): string {
  const W = 560;
  const H = 240;
  const L = 44;
  const R = 40;
  const T = 40;
  const B = 44;
  const values = points.map((p) => (p.score === null ? null : Number(p.score)));
  const shown = values.filter((v): v is number => v !== null);
  const th = Number(threshold);
  const lo = Math.max(0, Math.floor(Math.min(th - 3, ...(shown.length ? shown : [th])) / 5) * 5);
  const hi = 100;
  const x = (i: number) => L + (points.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (points.length - 1));
  const y = (v: number) => T + ((hi - v) * (H - T - B)) / (hi - lo || 1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`);
  parts.push(`<title>${esc(title)}</title>`);
  for (let v = lo; v <= hi; v += 5) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${n2(y(v))}" y2="${n2(y(v))}" stroke="#e3e7eb" stroke-width="1"/>`);
    parts.push(`<text x="${L - 6}" y="${n2(y(v) + 4)}" font-size="11" text-anchor="end" fill="#5b6776">${v}</text>`);
  }
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${n2(y(th))}" y2="${n2(y(th))}" stroke="#b3261e" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  parts.push(`<text x="${W - R}" y="${n2(y(th) - 5)}" font-size="11" text-anchor="end" fill="#b3261e">约谈线 ${esc(threshold)}</text>`);
  let path = '';
  values.forEach((v, i) => {
    if (v === null) return;
    path += `${path ? 'L' : 'M'}${n2(x(i))},${n2(y(v))} `;
  });
  if (path) parts.push(`<path d="${path.trim()}" fill="none" stroke="#1f5fa8" stroke-width="2.5"/>`);
  values.forEach((v, i) => {
    parts.push(`<text x="${n2(x(i))}" y="${H - B + 18}" font-size="11" text-anchor="middle" fill="#1d2733">${esc(points[i].label)}</text>`);
    if (v === null) {
      parts.push(`<text x="${n2(x(i))}" y="${n2(y(hi) + 14)}" font-size="10" text-anchor="middle" fill="#9aa6b2">未发布</text>`);
      return;
    }
    const below = v < th;
    parts.push(`<circle cx="${n2(x(i))}" cy="${n2(y(v))}" r="4.5" fill="${below ? '#b3261e' : '#1f5fa8'}"/>`);
    parts.push(`<text x="${n2(x(i))}" y="${n2(y(v) - 9)}" font-size="12" font-weight="600" text-anchor="middle" fill="${below ? '#b3261e' : '#1d2733'}">${esc(points[i].score as string)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Deductions by category as horizontal bars (decimal text values). */
export function categoryChart(rows: { label: string; value: string }[], title = '各类别扣分'): string {
  const W = 560;
  const rowH = 26;
  const L = 150;
  const R = 60;
  const T = 10;
  const H = T * 2 + rows.length * rowH;
  const max = Math.max(1, ...rows.map((r) => Number(r.value)));
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`, `<title>${esc(title)}</title>`];
  rows.forEach((r, i) => {
    const v = Number(r.value);
    const yy = T + i * rowH;
    const w = ((W - L - R) * v) / max;
    parts.push(`<text x="${L - 8}" y="${yy + 17}" font-size="12" text-anchor="end" fill="#1d2733">${esc(r.label)}</text>`);
    parts.push(`<rect x="${L}" y="${yy + 5}" width="${n2(Math.max(w, v > 0 ? 2 : 0))}" height="${rowH - 10}" fill="${v > 0 ? '#b3261e' : '#d7dde4'}" rx="2"/>`);
    parts.push(`<text x="${n2(L + w + 6)}" y="${yy + 17}" font-size="12" fill="#1d2733">${esc(r.value)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
