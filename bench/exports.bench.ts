// Benchmark of the exports, in two parts. Prints its figures; it is not a test.
//
// 1. One signed scorecard PDF (33 items of TEMPLATE_V1, 40 deduction lines with detection
//    traces, 2 objections) against a plain pdfkit document with the same content, measured in
//    the same run, interleaved:
//      (a) baseline: unsigned pdfkit A4, same CJK font registered the same way as pdf.ts (one
//          parsed fontkit face shared by every document, its unused OpenType features
//          off), one doc.text() per cell at the score
//          table's column positions and widths, pdfkit wrapping and adding pages; then the
//          deduction lines as plain rows (their trace steps as one text below each row). No
//          borders, merged cells, header rows, page headers/footers, watermark, signature.
//      (b) renderScorecardPdf, unsigned;
//      (c) renderScorecardPdf with the signature placeholder, signed by @signpdf/signpdf with
//          BureauSigner (a development identity generated once, before timing).
//      (ref) the baseline with fontkit's default shaping, for reference only (no ratio uses it).
//    Target: "signing and our layout add under 2× on top", read strictly: c/a < 2 in all.
// 2. The batch ZIP of one bureau's period 1 over N contracts (default 200) on SQLite, through
//    streamBatchZip as the finance user, consumed into a byte counter: cold (every document
//    rendered, signed and registered) and warm (the registry serves the stored bytes).
//
//   npx tsx bench/exports.bench.ts                    # both parts, 200 contracts
//   npx tsx bench/exports.bench.ts --contracts 20     # smaller batch
//   npx tsx bench/exports.bench.ts --only pdf|zip     # one part (so the batch's RSS is its own)
//   --runs 20 --warmup 3                              # part 1: timed runs and warm-up runs per variant
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import signpdf from '@signpdf/signpdf';
import { contentDigest, ScorecardDocument, ScorecardLineRow, SignatureInfo } from '../exports/document';
import { CjkFont, resolveCjkFont } from '../exports/fonts';
import { fontFace, formatBeijingTime, renderScorecardPdf } from '../exports/pdf';
import { BureauSigner, loadSigningIdentity, SigningIdentity } from '../exports/signing';
import { verifyPdf } from '../exports/verify';
import { TEMPLATE_V1 } from '../scoring/template-v1';
import { seededRandom } from '../server/seeded-random';
import type { Actor, Ctx } from '../server/services/context';
import { createContract } from '../server/services/contracts';
import { streamBatchZip } from '../server/services/exports';
import { addLine } from '../server/services/ledger';
import { publishPeriod, signPeriod } from '../server/services/workflow';
import { dbTargets, seed002Contract, startEnv } from '../test/helpers';

const BUREAU = '国家税务总局广西壮族自治区税务局';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : dflt;
}
function intArg(name: string, dflt: number, min: number): number {
  const n = Number(arg(name, String(dflt)));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return n;
}

const CONTRACTS = intArg('contracts', 200, 1);
const RUNS = intArg('runs', 20, 1);
const WARMUP = intArg('warmup', 3, 0);
const ONLY = arg('only', 'all');
if (!['all', 'pdf', 'zip'].includes(ONLY)) throw new Error('--only must be pdf or zip');

// ---------------------------------------------------------------------------------------
// small helpers

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
function sorted(xs: number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}
function median(xs: number[]): number {
  const s = sorted(xs);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
/** nearest-rank 90th percentile */
function p90(xs: number[]): number {
  const s = sorted(xs);
  return s[Math.max(0, Math.ceil(0.9 * s.length) - 1)];
}
/** pages of a PDF: its /Type /Page objects (pdfkit writes them uncompressed) */
function pageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length;
}
/** hundredths of a point → "0.60" */
const pts = (h: number) => `${Math.floor(h / 100)}.${String(h % 100).padStart(2, '0')}`;
/** "0.3" → 30 */
const hundredths = (s: string) => Math.round(Number(s) * 100);
const mb = (bytes: number) => bytes / (1024 * 1024);

// ---------------------------------------------------------------------------------------
// Part 1: the document

/** A signed period's scorecard with 40 lines (most with detection traces) and 2 objections. */
function buildDocument(): ScorecardDocument {
  const rnd = seededRandom(20251101);
  const perUnit = TEMPLATE_V1.items.flatMap((it) => it.rules.filter((r) => r.kind === 'per_unit').map((r) => ({ it, r })));
  const sources = ['tickets', 'inspections', 'sla', 'obligations', 'manual'];
  const lines: ScorecardLineRow[] = [];
  for (let i = 0; i < 40; i++) {
    const { it, r } = perUnit[Math.floor(rnd() * perUnit.length)];
    const units = 1 + Math.floor(rnd() * 3);
    const source = sources[i % sources.length];
    const day = 1 + Math.floor(rnd() * 28);
    const month = [11, 12, 1][i % 3];
    const year = month === 1 ? 2026 : 2025;
    const ticket = `GD-${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}-${String(1000 + i * 37).padStart(5, '0')}`;
    const trace =
      source === 'manual'
        ? []
        : [
            `读取${source === 'tickets' ? '工单' : source === 'inspections' ? '巡检记录' : source === 'sla' ? '服务时限记录' : '合同义务清单'} ${ticket}（电子发票服务平台，优先级 高）`,
            `受理时间 ${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')} 09:${String(10 + (i % 40)).padStart(2, '0')}，按工作时间（08:00-17:30，扣除法定节假日）计时`,
            `规定时限 ${[30, 60, 120, 240][i % 4]} 分钟，实际用时 ${[30, 60, 120, 240][i % 4] + 17 + i} 分钟，超出 ${17 + i} 分钟`,
            `适用规则 ${r.code}：${r.description}，计 ${units} ${r.unit}，每${r.unit}扣 ${r.points} 分`,
            ...(i % 4 === 0 ? [`同一工单已于 ${year}-${String(month).padStart(2, '0')}-${String(Math.min(28, day + 1)).padStart(2, '0')} 复核，维持检测结果`] : []),
          ];
    lines.push({
      id: 5000 + i,
      itemNumber: it.number,
      itemName: it.name,
      rule: r.code,
      units: String(units),
      unit: r.unit,
      points: pts(units * hundredths(r.points)),
      reason: `${r.description}：${['南宁市税务局办税服务厅反映', '柳州市税务局第一税务分局报告', '自治区税务局信息中心巡检发现', '桂林市税务局纳税服务科投诉'][i % 4]}，${it.name}不符合合同约定，经核实属实。`,
      occurredAt: new Date(Date.UTC(year, month - 1, day, 1 + (i % 8), (i * 7) % 60)).toISOString(),
      evidence: `${ticket}；附件：现场照片${1 + (i % 3)}张、系统截图、处理记录.pdf`,
      source,
      trace,
    });
  }
  lines.sort((a, b) => a.itemNumber - b.itemNumber || a.id - b.id);

  // per item: the lines' sum, capped at the item's max; rating items get a mean rating
  const items = TEMPLATE_V1.items.map((it) => {
    const max = hundredths(it.maxPoints);
    const rating = it.rules.find((r) => r.kind === 'rating');
    let raw: number;
    let ratingMean: string | null = null;
    let ratingCount = 0;
    if (rating) {
      const mean10 = 38 + ((it.number * 3) % 12); // 3.8 … 4.9
      ratingMean = (mean10 / 10).toFixed(1);
      ratingCount = 8 + it.number;
      raw = Math.round(((50 - mean10) * hundredths(rating.points)) / 10);
    } else {
      raw = lines.filter((l) => l.itemNumber === it.number).reduce((s, l) => s + hundredths(l.points), 0);
    }
    const ded = Math.min(raw, max);
    return {
      number: it.number,
      category: it.category,
      name: it.name,
      description: it.description,
      maxPoints: it.maxPoints,
      criteria: it.criteria,
      deduction: pts(ded),
      score: pts(max - ded),
      capped: raw > max,
      ratingMean,
      ratingCount,
      _max: max,
      _ded: ded,
    };
  });
  const categories: ScorecardDocument['categories'] = [];
  for (const it of items) {
    let c = categories.find((x) => x.category === it.category);
    if (!c) categories.push((c = { category: it.category, maxPoints: '0', deduction: '0', score: '0' }));
  }
  for (const c of categories) {
    const of = items.filter((i) => i.category === c.category);
    const max = of.reduce((s, i) => s + i._max, 0);
    const ded = of.reduce((s, i) => s + i._ded, 0);
    Object.assign(c, { maxPoints: pts(max), deduction: pts(ded), score: pts(max - ded) });
  }
  const maxAll = items.reduce((s, i) => s + i._max, 0);
  const dedAll = items.reduce((s, i) => s + i._ded, 0);
  return {
    documentNumber: 'SC-GX2025-DLGK-C0062-B00-P1-V1',
    bureau: BUREAU,
    contract: {
      id: 1,
      code: 'GX2025-DLGK-C0062-B00',
      name: '广西税务2025年电子发票服务平台等相关系统运行维护',
      vendorName: '广西壹零贰肆信息技术有限公司',
      totalAmount: '12084900.00',
      startDate: '2025-11-01',
      endDate: '2026-10-31',
    },
    period: { number: 1, label: '第1期（2025-11-01至2026-01-31）', startDate: '2025-11-01', endDate: '2026-01-31', status: 'signed' },
    templateVersion: 1,
    templateName: TEMPLATE_V1.name,
    score: pts(maxAll - dedAll),
    maxPoints: pts(maxAll),
    totalDeduction: pts(dedAll),
    interviewThreshold: '95.00',
    interviewRequired: maxAll - dedAll < 9500,
    categories,
    items: items.map(({ _max: _m, _ded: _d, ...row }) => row),
    lines,
    objections: [
      {
        id: 301,
        lineId: lines[3].id,
        itemNumber: lines[3].itemNumber,
        filedBy: '服务商项目经理 覃镕喆',
        filedAt: '2026-02-03T02:15:00.000Z',
        reason: '该工单超时系因税务局网络专线中断所致，已附运营商故障证明，不应计入服务商责任。',
        status: 'reduced',
        outcome: '核减为 1（原 2）',
        resolution: '经核实专线中断时段 40 分钟，扣除后仍超时一次，核减为 1 次。',
        resolvedBy: '信息中心 黄鑫',
        resolvedAt: '2026-02-05T07:40:00.000Z',
      },
      {
        id: 302,
        lineId: lines[17].id,
        itemNumber: lines[17].itemNumber,
        filedBy: '服务商项目经理 覃镕喆',
        filedAt: '2026-02-03T02:20:00.000Z',
        reason: '巡检内容已在次日补做，请求撤销扣分。',
        status: 'upheld',
        outcome: '维持扣分',
        resolution: '补做不改变当日未按要求巡检的事实，维持扣分。',
        resolvedBy: '信息中心 黄鑫',
        resolvedAt: '2026-02-05T07:45:00.000Z',
      },
    ],
    signOff: {
      signedBy: '信息中心 黄鑫',
      signedAt: '2026-02-10T03:00:00.000Z',
      acknowledgedBy: '服务商项目经理 覃镕喆',
      acknowledgedAt: '2026-02-06T01:00:00.000Z',
      publishedBy: '信息中心 黄鑫',
      publishedAt: '2026-02-02T01:00:00.000Z',
      objectionDeadline: '2026-02-09',
    },
    issuedBy: 'finance',
    issuedAt: '2026-02-10T03:05:00.000Z',
    watermark: null,
    verifyUrl: 'https://kaohe.example.gov.cn/verify',
  };
}

// --- (a) the baseline: plain pdfkit, same font, same columns -------------------------------

const MARGIN = { top: 50, bottom: 46, left: 36, right: 36 };
const CONTENT_W = 595.28 - MARGIN.left - MARGIN.right;
const PAD_X = 2.5;
const TABLE_SIZE = 7.5;
const LINE_GAP = -1.2;

/** fixed widths, then the rest shared by the 0-width columns in proportion to flex (as pdf.ts) */
function columns(spec: [number, number?][]): { xs: number[]; ws: number[] } {
  const fixed = spec.reduce((s, [w]) => s + w, 0);
  const shares = spec.reduce((s, [w, f]) => s + (w === 0 ? (f ?? 1) : 0), 0);
  const ws = spec.map(([w, f]) => (w === 0 ? ((CONTENT_W - fixed) * (f ?? 1)) / shares : w));
  const xs = [MARGIN.left];
  for (const w of ws) xs.push(xs[xs.length - 1] + w);
  return { xs, ws };
}
// the score table of pdf.ts: 分类 序号 指标名称 指标描述 分值 评分标准 扣分 得分
const ITEM_COLS = columns([[40], [22], [58], [0, 42], [27], [0, 58], [33], [33]]);
// the deduction lines of pdf.ts: 序号 指标 规则 数量 扣分 原因 发生时间 证据
const LINE_COLS = columns([[22], [70], [28], [34], [30], [0], [50], [96]]);

/**
 * The face as exports/pdf.ts registers it (its fontFace(): one parsed face per process, with
 * the OpenType features that change nothing for Chinese switched off), or with
 * `plainShaping: false` as pdfkit would use the font by default, for the extra reference row.
 */
const defaultFaces = new Map<string, fontkit.Font>();
function face(font: CjkFont, plainShaping: boolean): fontkit.Font {
  if (plainShaping) return fontFace(font);
  const key = `${font.path}#${font.postscriptName ?? ''}`;
  let f = defaultFaces.get(key);
  if (!f) {
    f = fontkit.create(fs.readFileSync(font.path), font.postscriptName) as fontkit.Font;
    defaultFaces.set(key, f);
  }
  return f;
}

function renderBaseline(d: ScorecardDocument, font: CjkFont, plainShaping = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margins: MARGIN });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('cjk', face(font, plainShaping) as unknown as PDFKit.Mixins.PDFFontSource);
    doc.font('cjk').fontSize(TABLE_SIZE);
    const bottom = doc.page.height - MARGIN.bottom;

    /** one doc.text() per cell at the column's x; the row ends below its tallest cell */
    const row = (cols: { xs: number[]; ws: number[] }, cells: string[]) => {
      // no measuring: start a new page only when the row would begin in the last 80 pt;
      // a cell running past the bottom is continued on a new page by pdfkit itself
      if (doc.y > bottom - 80) doc.addPage();
      const top = doc.y;
      const page = doc.page;
      let lowest = top;
      cells.forEach((text, i) => {
        if (!text) return;
        doc.text(text, cols.xs[i] + PAD_X, top, { width: cols.ws[i] - 2 * PAD_X, lineGap: LINE_GAP });
        if (doc.page === page) lowest = Math.max(lowest, doc.y);
        else lowest = doc.y; // pdfkit broke the page inside this cell
      });
      doc.y = lowest + 3;
    };

    doc.text(`服务质量情况表（${d.period.label}）`, MARGIN.left, MARGIN.top);
    doc.y += 4;
    for (const it of d.items) {
      row(ITEM_COLS, [it.category, String(it.number), it.name, it.description, it.maxPoints, it.criteria, it.deduction, it.score]);
    }
    doc.y += 8;
    d.lines.forEach((l, i) => {
      row(LINE_COLS, [
        String(i + 1),
        `${l.itemNumber}. ${l.itemName}`,
        l.rule ?? '',
        `${l.units} ${l.unit}`,
        l.points,
        l.reason,
        formatBeijingTime(l.occurredAt), // the same text ours prints (an ISO instant would not wrap)
        l.evidence ?? '',
      ]);
      if (l.trace.length) {
        if (doc.y > bottom - 40) doc.addPage();
        doc.text(l.trace.map((s, j) => `${j + 1}. ${s}`).join('\n'), LINE_COLS.xs[1] + PAD_X, doc.y, {
          width: LINE_COLS.xs[8] - LINE_COLS.xs[1] - 2 * PAD_X,
          lineGap: LINE_GAP,
        });
        doc.y += 3;
      }
    });
    doc.end();
  });
}

// --- (b) and (c) ----------------------------------------------------------------------------

function placeholderOf(d: ScorecardDocument, signer: string) {
  return { reason: `${d.period.label}服务质量考核结果签署`, name: signer, location: d.bureau, contactInfo: d.verifyUrl };
}

async function renderSigned(
  d: ScorecardDocument,
  font: CjkFont,
  id: SigningIdentity,
  split?: { render: number[]; sign: number[] },
): Promise<Buffer> {
  const signedAt = new Date();
  const signature: SignatureInfo = { signer: id.commonName, certificateSha256: id.certSha256, signedAt: signedAt.toISOString(), contentSha256: contentDigest(d) };
  const t0 = process.hrtime.bigint();
  const unsigned = await renderScorecardPdf(d, { font, signature, placeholder: placeholderOf(d, id.commonName) });
  const t1 = process.hrtime.bigint();
  const signed = await signpdf.sign(unsigned, new BureauSigner(id), signedAt);
  if (split) {
    split.render.push(Number(t1 - t0) / 1e6);
    split.sign.push(ms(t1));
  }
  return signed;
}

async function benchPdf(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-bench-pdf-'));
  try {
    const font = resolveCjkFont(null);
    const t0 = process.hrtime.bigint();
    const id = loadSigningIdentity({ p12Path: null, p12Passphrase: '', dataDir: tmp, bureauName: BUREAU, production: false });
    const idMs = ms(t0);
    const d = buildDocument();

    const variants: { key: 'a' | 'b' | 'c' | 'r'; name: string; run: () => Promise<Buffer> }[] = [
      { key: 'a', name: '(a) baseline: plain pdfkit, unsigned', run: () => renderBaseline(d, font) },
      { key: 'b', name: '(b) renderScorecardPdf, unsigned', run: () => renderScorecardPdf(d, { font, signature: null }) },
      { key: 'c', name: '(c) renderScorecardPdf + placeholder + signpdf', run: () => renderSigned(d, font, id) },
      // reference only: the baseline with the face as pdfkit/fontkit use it by default (full shaping)
      { key: 'r', name: '(ref) baseline, default fontkit shaping', run: () => renderBaseline(d, font, false) },
    ];
    const out: Record<string, Buffer> = {};
    const first: Record<string, number> = {};
    for (const v of variants) {
      const t = process.hrtime.bigint();
      out[v.key] = await v.run();
      first[v.key] = ms(t);
    }
    for (let i = 1; i < WARMUP; i++) for (const v of variants) await v.run();

    const times: Record<string, number[]> = { a: [], b: [], c: [], r: [] };
    const split = { render: [] as number[], sign: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      // interleaved, the order rotated each round so no variant always runs first
      for (let j = 0; j < variants.length; j++) {
        const v = variants[(i + j) % variants.length];
        const t = process.hrtime.bigint();
        if (v.key === 'c') await renderSigned(d, font, id, split);
        else await v.run();
        times[v.key].push(ms(t));
      }
    }

    const check = verifyPdf(out.c);
    console.log('== 1. One signed scorecard PDF vs a plain pdfkit document with the same table ==');
    console.log(
      `document: ${d.items.length} items, ${d.lines.length} deduction lines (${d.lines.filter((l) => l.trace.length).length} with traces, ` +
        `${d.lines.reduce((s, l) => s + l.trace.length, 0)} trace steps), ${d.objections.length} objections`,
    );
    console.log(`font: ${font.path}${font.postscriptName ? '#' + font.postscriptName : ''} (${font.origin}); signing identity generated in ${idMs.toFixed(0)} ms (before timing)`);
    console.log(
      `first run (cold: font parse, JIT) a/b/c/ref: ${first.a.toFixed(0)} / ${first.b.toFixed(0)} / ${first.c.toFixed(0)} / ${first.r.toFixed(0)} ms; ` +
        `then ${Math.max(0, WARMUP - 1)} more warm-up runs each`,
    );
    console.log('(a), (b), (c) register the face as exports/pdf.ts does (features that do nothing for Chinese off); (ref) does not');
    console.log(`${RUNS} timed runs each, interleaved`);
    console.log('variant                                          median ms   p90 ms    size KB  pages');
    for (const v of variants) {
      console.log(
        `${v.name.padEnd(48)} ${median(times[v.key]).toFixed(1).padStart(9)} ${p90(times[v.key]).toFixed(1).padStart(8)} ${(out[v.key].length / 1024).toFixed(1).padStart(10)} ${String(pageCount(out[v.key])).padStart(6)}`,
      );
    }
    console.log(`  (c) split, medians: render with placeholder ${median(split.render).toFixed(1)} ms + signpdf.sign ${median(split.sign).toFixed(1)} ms`);
    console.log(`  signed PDF verifies in-process (exports/verify.ts): ${check.valid ? 'yes' : `NO — ${check.problem}`}; covers whole file: ${check.coversWholeFile}`);
    const a = median(times.a);
    const b = median(times.b);
    const c = median(times.c);
    const met = c / a < 2;
    console.log(`ratio (b)/(a) = ${(b / a).toFixed(2)}×   overhead (b−a)/a = ${(((b - a) / a) * 100).toFixed(0)}%  (our layout alone)`);
    console.log(`ratio (c)/(a) = ${(c / a).toFixed(2)}×   overhead (c−a)/a = ${(((c - a) / a) * 100).toFixed(0)}%  (layout + placeholder + signing)`);
    console.log(
      `target "signing and our layout add under 2× on top", read strictly as (c)/(a) < 2× in all: ${met ? 'met' : 'NOT met'} (on medians)`,
    );
    const a9 = p90(times.a);
    console.log(`on p90s: (b)/(a) = ${(p90(times.b) / a9).toFixed(2)}×, (c)/(a) = ${(p90(times.c) / a9).toFixed(2)}×`);
    console.log(`reference: (ref)/(a) = ${(median(times.r) / a).toFixed(2)}× (what the shaping setting alone is worth on the baseline)`);
    console.log('');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// Part 2: the batch ZIP

/** Consumes the stream, counting bytes and keeping the last bytes for the ZIP's end record. */
async function consumeZip(ctx: Ctx, actor: Actor): Promise<{ seconds: number; bytes: number; entries: number; peakRss: number }> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 25);
  const t0 = process.hrtime.bigint();
  try {
    const { stream, done } = streamBatchZip(ctx, actor, { bureau: BUREAU, period: 1 });
    let bytes = 0;
    let tail = Buffer.alloc(0);
    const ended = new Promise<void>((ok, ko) => {
      stream.on('data', (c: Buffer) => {
        bytes += c.length;
        tail = Buffer.concat([tail, c]).subarray(-1024);
      });
      stream.on('end', ok);
      stream.on('error', ko);
    });
    await Promise.all([done, ended]);
    const seconds = ms(t0) / 1000;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    // end of central directory record: PK\x05\x06 … total entries at +10
    const at = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const entries = at >= 0 ? tail.readUInt16LE(at + 10) : -1;
    return { seconds, bytes, entries, peakRss };
  } finally {
    clearInterval(sampler);
  }
}

async function benchZip(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-bench-zip-'));
  // the helpers' SQLite target, with the database file in our own temp dir (removed at the end)
  const target = { ...dbTargets()[0], url: () => `sqlite:${path.join(tmp, 'bench.sqlite')}` };
  const env = await startEnv(target);
  try {
    const dataDir = path.join(tmp, 'data');
    fs.mkdirSync(dataDir);
    const ctx: Ctx = { db: env.db, config: { ...env.config, dataDir } };
    const actorOf = async (username: string): Promise<Actor> => {
      const u = (await env.db.models.User.findOne({ where: { username }, raw: true })) as unknown as { id: number; username: string; role: Actor['role']; vendorId: number | null };
      return { id: u.id, username: u.username, role: u.role, vendorId: u.vendorId ?? null };
    };
    const manager = await actorOf('manager');
    const finance = await actorOf('finance');

    // N contracts of one bureau, 3-6 lines each in period 1; ~85% signed, ~5% published, ~10% draft
    const rnd = seededRandom(200);
    const perUnit = TEMPLATE_V1.items.flatMap((it) => it.rules.filter((r) => r.kind === 'per_unit').map((r) => ({ item: it.number, rule: r.code })));
    const state = (i: number) => (i % 20 === 19 || i % 20 === 9 ? 'draft' : i % 20 === 14 ? 'published' : 'signed');
    const counts = { signed: 0, published: 0, draft: 0, lines: 0 };
    const setup = { contract: 0, lines: 0, publish: 0, sign: 0 };
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < CONTRACTS; i++) {
      let t = process.hrtime.bigint();
      const c = (await createContract(ctx, manager, { ...seed002Contract(env.vendorId, `BENCH-${String(i).padStart(4, '0')}`), bureau: BUREAU })) as { id: number };
      setup.contract += ms(t);
      t = process.hrtime.bigint();
      const n = 3 + Math.floor(rnd() * 4);
      for (let k = 0; k < n; k++) {
        const { item, rule } = perUnit[Math.floor(rnd() * perUnit.length)];
        await addLine(ctx, manager, c.id, {
          period: 1,
          item,
          rule,
          units: 1 + Math.floor(rnd() * 3),
          reason: `基准测试扣分：工单 GD-${i}-${k} 未按合同约定时限处理，经核实属实`,
          evidence: `GD-${i}-${k}；现场照片 2 张`,
        });
      }
      counts.lines += n;
      setup.lines += ms(t);
      const s = state(i);
      if (s !== 'draft') {
        t = process.hrtime.bigint();
        await publishPeriod(ctx, manager, c.id, 1);
        setup.publish += ms(t);
      }
      if (s === 'signed') {
        t = process.hrtime.bigint();
        await signPeriod(ctx, manager, c.id, 1, { confirmEarly: true });
        setup.sign += ms(t);
      }
      counts[s]++;
    }
    const setupS = ms(t0) / 1000;

    console.log(`== 2. Batch ZIP of one bureau's period 1 over ${CONTRACTS} contracts (SQLite, streamBatchZip as finance) ==`);
    console.log(
      `setup: ${CONTRACTS} contracts (${counts.signed} signed, ${counts.published} published, ${counts.draft} draft), ${counts.lines} ledger lines, in ${setupS.toFixed(1)} s ` +
        `(create ${(setup.contract / 1000).toFixed(1)} s, lines ${(setup.lines / 1000).toFixed(1)} s, publish ${(setup.publish / 1000).toFixed(1)} s, sign ${(setup.sign / 1000).toFixed(1)} s)`,
    );
    console.log(`workbook sheet protection spin count: ${ctx.config.sheetProtectionSpinCount} (the default)`);

    const artifacts = () => env.db.models.ExportArtifact.count();
    const rssBefore = process.memoryUsage().rss;
    // Sequelize's SQLite driver reads an Error's .stack on every query; under tsx that maps it
    // through the source maps, which the built server (npm start) does not do (pages.bench.ts
    // switches them off too). Off while timing only, so an error shows TypeScript lines.
    process.setSourceMapsEnabled(false);
    let cold: Awaited<ReturnType<typeof consumeZip>>;
    let warm: typeof cold;
    let afterCold: number;
    let afterWarm: number;
    try {
      cold = await consumeZip(ctx, finance);
      afterCold = await artifacts();
      warm = await consumeZip(ctx, finance);
      afterWarm = await artifacts();
    } finally {
      process.setSourceMapsEnabled(true);
    }

    const line = (name: string, r: typeof cold) =>
      console.log(
        `${name.padEnd(5)} ${r.seconds.toFixed(2).padStart(8)} s  ${(CONTRACTS / r.seconds).toFixed(1).padStart(7)} contracts/s  ${(r.entries / r.seconds).toFixed(1).padStart(7)} files/s  ` +
          `${mb(r.bytes).toFixed(2).padStart(7)} MB ZIP  ${String(r.entries).padStart(5)} files  peak RSS ${mb(r.peakRss).toFixed(0)} MB`,
      );
    console.log(`RSS before the first batch: ${mb(rssBefore).toFixed(0)} MB (peak RSS sampled every 25 ms during each batch; process max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`);
    line('cold', cold);
    line('warm', warm);
    console.log('files = ZIP entries: per contract its PDF and workbook, plus the .p7s of a signed workbook; the bureau\'s payments workbook and its .p7s; manifest.json');
    console.log(`registry: ${afterCold} artifacts after the cold batch, ${afterWarm - afterCold} new after the warm one (0 = every file served from stored bytes)`);
    console.log(`ratio cold / warm: ${(cold.seconds / warm.seconds).toFixed(2)}×`);
  } finally {
    await env.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  process.env.NODE_ENV = 'test';
  if (ONLY !== 'zip') await benchPdf();
  if (ONLY !== 'pdf') await benchZip();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
