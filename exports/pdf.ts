// The quarterly service-quality scorecard (服务质量情况表) of one period as an A4 PDF.
//
// Pure layout: every figure in the ScorecardDocument is already a formatted string and is
// printed as given (no arithmetic). The page is drawn top to bottom with a small table engine
// (measured rows, repeated header rows, vertically merged cells); page headers, footers
// (第 N 页 / 共 M 页) and the draft watermark are written at the end over the buffered pages.
// When asked, a signature placeholder is added last, for @signpdf/signpdf to fill in.
import nodeFs from 'node:fs';
import { beijingTime, yuanText } from '../server/display';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { pdfkitAddPlaceholder } from '@signpdf/placeholder-pdfkit';
import { SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import type {
  ScorecardDocument,
  ScorecardItemRow,
  ScorecardLineRow,
  ScorecardObjectionRow,
  SignatureInfo,
} from './document';
import { FontError, type CjkFont } from './fonts';

export interface RenderOptions {
  font: CjkFont;
  /** when set, a signature placeholder is added (the caller signs the buffer afterwards with @signpdf/signpdf) */
  placeholder?: { reason: string; name: string; location: string; contactInfo: string };
  /** shown in the sign-off block when signed: signer CN, certificate SHA-256, signing time */
  signature?: SignatureInfo | null;
}

/** Bytes reserved for the CMS signature (hex-encoded twice that in the file). */
export const SIGNATURE_LENGTH = 16384;

// ---------------------------------------------------------------------------------------
// Page geometry and styles (PDF points)

const PAGE_W = 595.28;
const PAGE_H = 841.89;
const MARGIN = { top: 50, bottom: 46, left: 36, right: 36 };
const CONTENT_W = PAGE_W - MARGIN.left - MARGIN.right;
/** lowest y a row may reach */
const BODY_BOTTOM = PAGE_H - MARGIN.bottom;

const FONT = 'cjk';
/** Noto Sans CJK's line height is 1.45 em; tighten it a little for dense tables. */
const LINE_GAP = -1.2;
const SIZE = { title: 17, subtitle: 11, heading: 10.5, body: 8, table: 7.5, small: 6.5, header: 7, score: 26 };
const COLOR = {
  text: '#000000',
  grey: '#555555',
  light: '#8a8a8a',
  border: '#404040',
  headerFill: '#e4e4e4',
  subtotalFill: '#f2f2f2',
  totalFill: '#e4e4e4',
  warn: '#b00000',
  watermark: '#7a7a7a',
};
const PAD_X = 2.5;
const PAD_Y = 3;
/** height a wet stamp (公章, ~42 mm) needs in the sign-off block */
const STAMP_MIN_H = 124;

// ---------------------------------------------------------------------------------------
// Text formatting (strings in, strings out: figures are never parsed as numbers)

const NONE = '—';

/** "12084900.00" → "¥12,084,900.00" (server/display). */
export const formatYuan = yuanText;

/** ISO instant → Beijing time "YYYY-MM-DD HH:mm"; a bare date as it is; "—" when empty. */
export function formatBeijingTime(iso: string | null | undefined): string {
  return beijingTime(iso) || NONE;
}

/** SHA-256 hex in groups of 8, upper case, so it wraps cleanly and reads like a fingerprint. */
function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{1,8}/g) ?? [hex]).join(' ');
}

/** Chinese names of line sources (明细来源). */
const SOURCE_LABELS: Record<string, string> = {
  manual: '人工录入',
  tickets: '工单',
  inspections: '巡检记录',
  objection: '异议处理',
  ratings: '用户评价',
  sla: '服务时限',
  obligations: '合同义务',
};

// ---------------------------------------------------------------------------------------
// A small table engine

type Align = 'left' | 'center' | 'right';

/** One paragraph inside a cell. */
interface Part {
  text: string;
  size?: number;
  color?: string;
  bold?: boolean;
}

interface Cell {
  col: number;
  span?: number;
  parts: Part[];
  align?: Align;
  valign?: 'top' | 'middle';
  /** no border above: the cell continues the one above (vertically merged) */
  mergeUp?: boolean;
  fill?: string;
}

interface Row {
  cells: Cell[];
  fill?: string;
  minHeight?: number;
  /** space above and below the text (PAD_Y each by default) */
  pad?: { top: number; bottom: number };
}

interface Column {
  title: string;
  /** width in points; 0 = a share of the remaining width, in proportion to `flex` (default 1) */
  width: number;
  flex?: number;
}

interface Table {
  x: number;
  widths: number[];
  /** left edge of each column, plus the right edge of the table at the end */
  xs: number[];
  width: number;
  header: Row | null;
}

const part = (text: string, extra: Omit<Part, 'text'> = {}): Part => ({ text, ...extra });
const small = (text: string): Part => ({ text, size: SIZE.small, color: COLOR.grey });
const cell = (col: number, parts: Part[] | string, extra: Omit<Cell, 'col' | 'parts'> = {}): Cell => ({
  col,
  parts: typeof parts === 'string' ? [part(parts)] : parts,
  ...extra,
});

/** Fixed widths plus flexible columns sharing what is left of `total`. */
function makeTable(columns: Column[], total = CONTENT_W, x = MARGIN.left, withHeader = true): Table {
  const fixed = columns.reduce((s, c) => s + c.width, 0);
  const shares = columns.reduce((s, c) => s + (c.width === 0 ? (c.flex ?? 1) : 0), 0);
  const widths = columns.map((c) => (c.width === 0 ? ((total - fixed) * (c.flex ?? 1)) / shares : c.width));
  const xs = [x];
  for (const w of widths) xs.push(xs[xs.length - 1] + w);
  const header: Row | null = withHeader
    ? {
        fill: COLOR.headerFill,
        cells: columns.map((c, i) => cell(i, [part(c.title, { bold: true })], { align: 'center' })),
      }
    : null;
  return { x, widths, xs, width: total, header };
}

/** Draws the document top to bottom, adding pages (with repeated table headers) as needed. */
class Painter {
  y = MARGIN.top;
  /** the table being drawn: its header is repeated after a page break */
  private table: Table | null = null;
  /** called just before a page break inside a table (to close merged cells) */
  private onBreak: (() => void) | null = null;
  /** nothing but the repeated header has been drawn on this page yet */
  private fresh = true;
  private readonly heights = new Map<string, number>();

  constructor(readonly doc: PDFKit.PDFDocument) {}

  // --- text ---

  private style(p: Part): void {
    this.doc.font(FONT).fontSize(p.size ?? SIZE.table);
  }

  /** Height of one paragraph at `width` (each text is measured once, then looked up). */
  partHeight(p: Part, width: number): number {
    if (!p.text) return 0;
    const key = `${p.size ?? SIZE.table}|${width}|${p.text}`;
    let h = this.heights.get(key);
    if (h === undefined) {
      this.style(p);
      h = this.doc.heightOfString(p.text, { width, lineGap: LINE_GAP });
      this.heights.set(key, h);
    }
    return h;
  }

  textWidth(text: string, size: number): number {
    return this.doc.font(FONT).fontSize(size).widthOfString(text);
  }

  /**
   * Writes one paragraph in a box; the `height` option stops pdfkit from ever adding a page.
   * With `room` less than the text's height, it is cut there and ends with an ellipsis.
   */
  drawPart(p: Part, x: number, y: number, width: number, align: Align = 'left', height?: number, room = Infinity): number {
    const h = height ?? this.partHeight(p, width);
    if (!p.text || room <= 0) return 0;
    this.style(p);
    const color = p.color ?? COLOR.text;
    this.doc.fillColor(color);
    // pdfkit stops at `height` instead of adding a page. Its overflow test uses the line height
    // without the (negative) gap, so allow one extra line: the measured text has no more lines.
    const options: PDFKit.Mixins.TextOptions = {
      width,
      align,
      lineGap: LINE_GAP,
      height: h + this.doc.currentLineHeight(true),
    };
    if (room < h - 0.5) {
      options.height = room;
      options.ellipsis = true;
    }
    if (p.bold) {
      // the font has one weight: a hairline stroke of the glyph outlines reads as bold
      this.doc.lineWidth(0.28).strokeColor(color);
      options.stroke = true;
      options.fill = true;
    }
    this.doc.text(p.text, x, y, options);
    return h;
  }

  /** Free-standing paragraph across the content width, moving y down. */
  paragraph(p: Part, align: Align = 'left', gapAfter = 2): void {
    const h = this.partHeight(p, CONTENT_W);
    this.ensure(h);
    this.drawPart(p, MARGIN.left, this.y, CONTENT_W, align, h);
    this.advance(h + gapAfter);
  }

  // --- pages ---

  /** Starts a new page when `h` does not fit below y; true when it did. */
  ensure(h: number): boolean {
    if (this.y + h <= BODY_BOTTOM + 0.01 || this.fresh) return false;
    this.pageBreak();
    return true;
  }

  private pageBreak(): void {
    const t = this.table;
    if (t) {
      this.onBreak?.();
      this.hline(t.x, t.x + t.width, this.y);
    }
    this.doc.addPage();
    this.y = MARGIN.top;
    this.fresh = true;
    if (t?.header) this.drawRow(t, t.header, this.measureRow(t, t.header), true);
  }

  // --- tables ---

  beginTable(t: Table, onBreak: (() => void) | null = null): void {
    this.table = t;
    this.onBreak = onBreak;
    if (t.header) this.drawRow(t, t.header, this.measureRow(t, t.header), true);
  }

  endTable(): void {
    const t = this.table;
    if (!t) return;
    this.hline(t.x, t.x + t.width, this.y);
    this.table = null;
    this.onBreak = null;
  }

  cellWidth(t: Table, c: Cell): number {
    return t.xs[c.col + (c.span ?? 1)] - t.xs[c.col];
  }

  measureRow(t: Table, row: Row): number {
    const pad = row.pad ?? { top: PAD_Y, bottom: PAD_Y };
    let h = row.minHeight ?? 0;
    for (const c of row.cells) {
      const inner = this.cellWidth(t, c) - 2 * PAD_X;
      const content = c.parts.reduce((s, p) => s + this.partHeight(p, inner), 0);
      if (content > 0) h = Math.max(h, content + pad.top + pad.bottom);
    }
    return h;
  }

  /** Places a row (breaking the page first when it does not fit); returns its top y. */
  row(row: Row, h = this.measureRow(this.table as Table, row)): number {
    const t = this.table as Table;
    this.ensure(h);
    // a row taller than a whole page (never with real tables) is cut at the page bottom
    return this.drawRow(t, row, Math.min(h, BODY_BOTTOM - this.y));
  }

  /** Draws a row at y: fills, text, then its top and left borders and the table's right border. */
  drawRow(t: Table, row: Row, h: number, isHeader = false): number {
    const y = this.y;
    const doc = this.doc;
    const padTop = row.pad?.top ?? PAD_Y;
    const textBottom = y + h - (row.pad?.bottom ?? PAD_Y);
    // merged cells still get a top border when they open a page
    const firstOnPage = this.fresh;
    for (const c of row.cells) {
      const fill = c.fill ?? row.fill;
      if (fill) doc.rect(t.xs[c.col], y, this.cellWidth(t, c), h).fill(fill);
    }
    for (const c of row.cells) {
      const inner = this.cellWidth(t, c) - 2 * PAD_X;
      const heights = c.parts.map((p) => this.partHeight(p, inner));
      const content = heights.reduce((s, v) => s + v, 0);
      const middle = (c.valign ?? 'middle') === 'middle' && y + padTop + content <= textBottom + 0.5;
      let ty = middle ? y + (h - content) / 2 : y + padTop;
      c.parts.forEach((p, i) => {
        ty += this.drawPart(p, t.xs[c.col] + PAD_X, ty, inner, c.align ?? 'left', heights[i], textBottom - ty);
      });
    }
    doc.lineWidth(0.5).strokeColor(COLOR.border);
    for (const c of row.cells) {
      const x0 = t.xs[c.col];
      if (!c.mergeUp || firstOnPage) doc.moveTo(x0, y).lineTo(x0 + this.cellWidth(t, c), y);
      doc.moveTo(x0, y).lineTo(x0, y + h);
    }
    doc.moveTo(t.x + t.width, y).lineTo(t.x + t.width, y + h);
    doc.stroke();
    this.y = y + h;
    this.fresh = isHeader;
    return y;
  }

  /** Moves down past something drawn outside the table engine. */
  advance(h: number): void {
    this.y += h;
    this.fresh = false;
  }

  hline(x0: number, x1: number, y: number, width = 0.5, color = COLOR.border): void {
    this.doc.lineWidth(width).strokeColor(color).moveTo(x0, y).lineTo(x1, y).stroke();
  }
}

// ---------------------------------------------------------------------------------------
// Sections

function drawTitleBlock(p: Painter, d: ScorecardDocument): void {
  p.paragraph(part(d.bureau, { size: SIZE.subtitle }), 'center', 1);
  p.paragraph(part(d.contract.name, { size: SIZE.subtitle }), 'center', 4);
  p.paragraph(part(`服务质量情况表（${d.period.label}）`, { size: SIZE.title, bold: true }), 'center', 6);
  if (d.watermark) {
    p.paragraph(part(`【${d.watermark}】本文件未经签署，不作为付款依据`, { size: SIZE.body, color: COLOR.warn }), 'center', 4);
  }
  p.advance(4);

  // Key facts (left) and the score box (right), side by side and equally tall.
  const scoreW = 150;
  const gap = 8;
  const facts = makeTable(
    [
      { title: '', width: 50 },
      { title: '', width: 0 },
      { title: '', width: 50 },
      { title: '', width: 0 },
    ],
    CONTENT_W - scoreW - gap,
    MARGIN.left,
    false,
  );
  const label = (col: number, text: string) =>
    cell(col, [part(text, { size: SIZE.body, color: COLOR.grey })], { align: 'center', fill: COLOR.subtotalFill });
  const value = (col: number, text: string, span = 1) => cell(col, [part(text, { size: SIZE.body })], { span });
  const rows: Row[] = [
    { cells: [label(0, '合同编号'), value(1, d.contract.code), label(2, '服务商'), value(3, d.contract.vendorName)] },
    {
      cells: [
        label(0, '考核期'),
        value(1, `${d.period.startDate} 至 ${d.period.endDate}`),
        label(2, '合同金额'),
        value(3, formatYuan(d.contract.totalAmount)),
      ],
    },
    { cells: [label(0, '评分表版本'), value(1, `第 ${d.templateVersion} 版　${d.templateName}`, 3)] },
    {
      cells: [
        label(0, '文件编号'),
        value(1, d.documentNumber),
        label(2, '导出'),
        value(3, `${d.issuedBy}　${formatBeijingTime(d.issuedAt)}`),
      ],
    },
  ];
  for (const r of rows) r.minHeight = 20;

  const scoreParts: Part[] = [
    part('总得分', { size: SIZE.body + 1, color: COLOR.grey }),
    part(d.score, { size: SIZE.score, bold: true, color: d.interviewRequired ? COLOR.warn : COLOR.text }),
    part(`满分 ${d.maxPoints}　扣分合计 ${d.totalDeduction}`, { size: SIZE.body }),
  ];
  if (d.interviewRequired) {
    scoreParts.push(
      part(`总得分低于 ${d.interviewThreshold} 分，须约谈服务商`, { size: SIZE.body, color: COLOR.warn, bold: true }),
    );
  }
  const scoreInner = scoreW - 2 * 6;
  const scoreH = scoreParts.reduce((s, sp) => s + p.partHeight(sp, scoreInner), 0) + 2 * 8;

  const heights = rows.map((r) => p.measureRow(facts, r));
  const factsH = heights.reduce((s, h) => s + h, 0);
  if (scoreH > factsH) heights[heights.length - 1] += scoreH - factsH;
  const boxH = Math.max(scoreH, factsH);

  const top = p.y;
  p.beginTable(facts);
  rows.forEach((r, i) => p.row(r, heights[i]));
  p.endTable();

  const bx = MARGIN.left + CONTENT_W - scoreW;
  p.doc.lineWidth(1).strokeColor(COLOR.border).rect(bx, top, scoreW, boxH).stroke();
  const contentH = scoreParts.reduce((s, sp) => s + p.partHeight(sp, scoreInner), 0);
  let y = top + (boxH - contentH) / 2;
  for (const sp of scoreParts) y += p.drawPart(sp, bx + 6, y, scoreInner, 'center');
  p.y = top + boxH;
  p.advance(12);
}

/** Section title (一、评分表 …), kept on the same page as the first `keep` points below it. */
function heading(p: Painter, title: string, keep: number): void {
  const h = p.partHeight(part(title, { size: SIZE.heading }), CONTENT_W);
  p.ensure(h + 4 + keep);
  p.drawPart(part(title, { size: SIZE.heading, bold: true }), MARGIN.left, p.y, CONTENT_W);
  p.advance(h + 4);
}

/** 一、评分表: the official columns, category cells merged, subtotals and the total. */
function drawScoreTable(p: Painter, d: ScorecardDocument): void {
  const t = makeTable([
    { title: '分类', width: 40 },
    { title: '序号', width: 22 },
    { title: '指标名称', width: 58 },
    { title: '指标描述', width: 0, flex: 42 },
    { title: '分值', width: 27 },
    { title: '评分标准', width: 0, flex: 58 },
    { title: '扣分', width: 33 },
    { title: '得分', width: 33 },
  ]);
  const catInner = t.widths[0] - 2 * PAD_X;
  const catPart = (category: string): Part => part(category, { bold: true });

  // A run of rows of one category on one page; its label is drawn once, centred in the run.
  let run: { category: string; top: number } | null = null;
  const closeRun = () => {
    if (!run) return;
    const lp = catPart(run.category);
    const h = p.partHeight(lp, catInner);
    p.drawPart(lp, t.xs[0] + PAD_X, run.top + (p.y - run.top - h) / 2, catInner, 'center', h);
    run = null;
  };

  const lastOfCategory = new Map<string, number>();
  d.items.forEach((it, i) => lastOfCategory.set(it.category, i));

  p.beginTable(t, closeRun);
  d.items.forEach((it, i) => {
    const r = itemRow(it);
    // a row is never shorter than its category label, so a run of one row still shows it
    r.minHeight = p.partHeight(catPart(it.category), catInner) + 2 * PAD_Y;
    const h = p.measureRow(t, r);
    p.ensure(h); // may break the page and close the run
    const continues = run !== null && run.category === it.category;
    if (!continues) {
      closeRun();
      run = { category: it.category, top: p.y };
    }
    r.cells[0].mergeUp = continues;
    p.row(r, h);

    if (lastOfCategory.get(it.category) === i) {
      const c = d.categories.find((x) => x.category === it.category);
      if (c) {
        const sub = subtotalRow(`${c.category}　小计`, c.maxPoints, c.deduction, c.score, COLOR.subtotalFill, false);
        const sh = p.measureRow(t, sub);
        p.ensure(sh);
        closeRun();
        p.row(sub, sh);
      } else {
        closeRun();
      }
    }
  });
  closeRun();
  p.row(subtotalRow('合计', d.maxPoints, d.totalDeduction, d.score, COLOR.totalFill, true));
  p.endTable();
  p.advance(10);
}

function itemRow(it: ScorecardItemRow): Row {
  const name: Part[] = [part(it.name)];
  if (it.ratingMean !== null) name.push(small(`评价均值 ${it.ratingMean} 级（${it.ratingCount} 份）`));
  const deduction: Part[] = [part(it.deduction)];
  if (it.capped) deduction.push(part('扣完为止', { size: SIZE.small - 0.5, color: COLOR.warn }));
  return {
    cells: [
      cell(0, []),
      cell(1, String(it.number), { align: 'center' }),
      cell(2, name, { align: 'center' }),
      cell(3, it.description),
      cell(4, it.maxPoints, { align: 'center' }),
      cell(5, it.criteria),
      cell(6, deduction, { align: 'center' }),
      cell(7, [part(it.score, { bold: true })], { align: 'center' }),
    ],
  };
}

function subtotalRow(label: string, max: string, deduction: string, score: string, fill: string, bold: boolean): Row {
  const v = (text: string) => [part(text, { bold, size: SIZE.table + (bold ? 0.5 : 0) })];
  return {
    fill,
    minHeight: 16,
    cells: [
      cell(0, v(label), { span: 4, align: 'center' }),
      cell(4, v(max), { align: 'center' }),
      cell(5, []),
      cell(6, v(deduction), { align: 'center' }),
      cell(7, v(score), { align: 'center' }),
    ],
  };
}

/** 二、扣分明细: every active line, with the detector's trace below it. */
function drawLines(p: Painter, d: ScorecardDocument): void {
  heading(p, `二、扣分明细（共 ${d.lines.length} 条）`, 60);
  if (d.lines.length === 0) {
    p.paragraph(part('本期无扣分。', { size: SIZE.body }), 'left', 10);
    return;
  }
  const t = makeTable([
    { title: '序号', width: 22 },
    { title: '指标', width: 70 },
    { title: '规则', width: 28 },
    { title: '数量', width: 34 },
    { title: '扣分', width: 30 },
    { title: '原因', width: 0 },
    { title: '发生时间', width: 50 },
    { title: '证据', width: 96 },
  ]);
  const headerH = p.measureRow(t, t.header as Row);
  p.beginTable(t);
  d.lines.forEach((line, i) => {
    const rows = lineRows(line, i + 1, t.xs.length - 1);
    const heights = rows.map((r) => p.measureRow(t, r));
    // keep a line with its trace unless together they are taller than a page
    const total = heights.reduce((s, h) => s + h, 0);
    if (total <= BODY_BOTTOM - MARGIN.top - headerH) p.ensure(total);
    rows.forEach((r, j) => p.row(r, heights[j]));
  });
  p.endTable();
  p.advance(10);
}

function lineRows(line: ScorecardLineRow, index: number, columns: number): Row[] {
  const main: Row = {
    cells: [
      cell(0, String(index), { align: 'center' }),
      cell(1, [part(`${line.itemNumber}. ${line.itemName}`), small(`明细号 ${line.id}`)]),
      cell(2, line.rule ?? NONE, { align: 'center' }),
      cell(3, `${line.units} ${line.unit}`, { align: 'center' }),
      cell(4, [part(line.points, { bold: true })], { align: 'center' }),
      cell(5, line.reason),
      cell(6, formatBeijingTime(line.occurredAt), { align: 'center' }),
      cell(7, line.evidence ?? NONE),
    ],
  };
  if (line.trace.length === 0) return [main];
  // The trace: a title and one sub-row per step (so a long trace can continue on the next
  // page), spanning every column but the first, in small grey text, with no rules between.
  const source = SOURCE_LABELS[line.source] ?? line.source;
  const texts = [
    part(`检测过程（来源：${source}）`, { size: SIZE.small, color: COLOR.grey }),
    ...line.trace.map((step, j) => part(`${j + 1}. ${step}`, { size: SIZE.small, color: COLOR.light })),
  ];
  const rows = texts.map(
    (t, j): Row => ({
      pad: { top: j === 0 ? 2 : 0.5, bottom: j === texts.length - 1 ? 3 : 0.5 },
      cells: [cell(0, [], { mergeUp: true }), cell(1, [t], { span: columns - 1, mergeUp: true, valign: 'top' })],
    }),
  );
  return [main, ...rows];
}

/** 三、异议及处理结果 */
function drawObjections(p: Painter, d: ScorecardDocument): void {
  heading(p, `三、异议及处理结果（共 ${d.objections.length} 件）`, 50);
  if (d.objections.length === 0) {
    p.paragraph(part('本期无异议。', { size: SIZE.body }), 'left', 10);
    return;
  }
  const t = makeTable([
    { title: '编号', width: 26 },
    { title: '扣分明细', width: 54 },
    { title: '提出人 / 时间', width: 66 },
    { title: '理由', width: 0 },
    { title: '结果', width: 50 },
    { title: '处理说明', width: 0 },
    { title: '处理人 / 时间', width: 66 },
  ]);
  p.beginTable(t);
  for (const o of d.objections) p.row(objectionRow(o));
  p.endTable();
  p.advance(10);
}

function objectionRow(o: ScorecardObjectionRow): Row {
  const lineRef: Part[] = [part(`明细号 ${o.lineId}`)];
  if (o.itemNumber !== null) lineRef.push(small(`第 ${o.itemNumber} 项`));
  return {
    cells: [
      cell(0, String(o.id), { align: 'center' }),
      cell(1, lineRef, { align: 'center' }),
      cell(2, [part(o.filedBy ?? NONE), small(formatBeijingTime(o.filedAt))], { align: 'center' }),
      cell(3, o.reason),
      cell(4, [part(o.outcome, { bold: true, color: o.status === 'open' ? COLOR.warn : COLOR.text })], { align: 'center' }),
      cell(5, o.resolution ?? NONE),
      cell(6, o.resolvedAt ? [part(o.resolvedBy ?? NONE), small(formatBeijingTime(o.resolvedAt))] : [part(o.resolvedBy ?? NONE)], {
        align: 'center',
      }),
    ],
  };
}

/** 四、签署: who signed, acknowledged and published; the digital signature; room for the stamp. */
function drawSignOff(p: Painter, d: ScorecardDocument, sig: SignatureInfo | null): void {
  const s = d.signOff;
  const t = makeTable([
    { title: '事项', width: 92 },
    { title: '签署人', width: 0 },
    { title: '时间', width: 92 },
    { title: '盖章处', width: 170 },
  ]);
  const label = (text: string) => cell(0, [part(text, { size: SIZE.body, color: COLOR.grey })], { align: 'center' });
  const val = (col: number, text: string | null, span = 1) =>
    cell(col, [part(text ?? NONE, { size: SIZE.body })], { span, align: col === 2 ? 'center' : 'left' });
  const stamp = (first: boolean) => cell(3, [], { mergeUp: !first });
  const rows: Row[] = [
    { cells: [label('采购人（签章）'), val(1, s.signedBy), val(2, formatBeijingTime(s.signedAt)), stamp(true)] },
    { cells: [label('服务商确认'), val(1, s.acknowledgedBy), val(2, formatBeijingTime(s.acknowledgedAt)), stamp(false)] },
    { cells: [label('发布'), val(1, s.publishedBy), val(2, formatBeijingTime(s.publishedAt)), stamp(false)] },
    { cells: [label('异议截止日'), val(1, s.objectionDeadline, 2), stamp(false)] },
  ];
  if (sig) {
    rows.push(
      { cells: [label('数字签名'), val(1, sig.signer), val(2, formatBeijingTime(sig.signedAt)), stamp(false)] },
      {
        cells: [
          label('证书指纹（SHA-256）'),
          cell(1, [part(formatFingerprint(sig.certificateSha256), { size: SIZE.small + 0.5 })], { span: 2 }),
          stamp(false),
        ],
      },
      {
        cells: [
          cell(0, [part(`本文件经数字签名，可在 ${d.verifyUrl} 验证真伪。`, { size: SIZE.body })], { span: 3 }),
          stamp(false),
        ],
      },
    );
  } else {
    rows.push({ cells: [label('数字签名'), val(1, '未经数字签名', 2), stamp(false)] });
  }
  for (const r of rows) r.minHeight = 20;

  const headerH = p.measureRow(t, t.header as Row);
  const heights = rows.map((r) => p.measureRow(t, r));
  const body = heights.reduce((s, h) => s + h, 0);
  if (body < STAMP_MIN_H) heights[heights.length - 1] += STAMP_MIN_H - body;
  const total = headerH + Math.max(body, STAMP_MIN_H);

  heading(p, '四、签署', total);
  p.ensure(total); // the block is never split
  p.beginTable(t);
  rows.forEach((r, i) => p.row(r, heights[i]));
  p.endTable();
}

// ---------------------------------------------------------------------------------------
// Page furniture, written last over the buffered pages

function drawWatermark(p: Painter, word: string): void {
  const doc = p.doc;
  const size = Math.min(190, 480 / word.length);
  const w = p.textWidth(word, size);
  doc.save();
  doc.rotate(-35, { origin: [PAGE_W / 2, PAGE_H / 2] });
  doc.fillOpacity(0.2).fillColor(COLOR.watermark).font(FONT).fontSize(size);
  doc.text(word, PAGE_W / 2 - w / 2, PAGE_H / 2 - size * 0.72, { lineBreak: false });
  doc.restore();
}

const PAGE_WORD_SPACING = 2;

function drawHeaderFooter(p: Painter, d: ScorecardDocument, n: number, of: number): void {
  const doc = p.doc;
  const size = SIZE.header;
  const left = MARGIN.left;
  const right = PAGE_W - MARGIN.right;
  const at = (text: string, x: number, y: number, color = COLOR.grey) => {
    doc.font(FONT).fontSize(size).fillColor(color).text(text, x, y, { lineBreak: false });
  };

  // header: title of the document; right: a warning while unsigned, else the contract code
  const headerY = 24;
  at(`${d.bureau}　服务质量情况表（${d.period.label}）`, left, headerY);
  const notice = d.watermark ? `【${d.watermark}】本文件未经签署，不作为付款依据` : `合同编号 ${d.contract.code}`;
  at(notice, right - p.textWidth(notice, size), headerY, d.watermark ? COLOR.warn : COLOR.grey);
  p.hline(left, right, headerY + 13, 0.4, COLOR.light);

  // footer: document number, page N of M, contract code
  const footerY = PAGE_H - 32;
  p.hline(left, right, footerY - 5, 0.4, COLOR.light);
  at(`文件编号 ${d.documentNumber}`, left, footerY);
  // wider word spaces, so text extraction (pdftotext -layout) keeps "第 1 页" apart
  const page = `第 ${n} 页 / 共 ${of} 页`;
  const pageW = p.textWidth(page, size) + PAGE_WORD_SPACING * (page.split(' ').length - 1);
  doc.font(FONT).fontSize(size).fillColor(COLOR.text);
  doc.text(page, PAGE_W / 2 - pageW / 2, footerY, { lineBreak: false, wordSpacing: PAGE_WORD_SPACING });
  const code = `合同编号 ${d.contract.code}`;
  at(code, right - p.textWidth(code, size), footerY);
}

// ---------------------------------------------------------------------------------------
// Entry point

/**
 * fontkit applies these OpenType features by default. For Chinese text they change nothing
 * (the SC face already maps to Simplified forms; ccmp/locl/liga… have no effect on hanzi), but
 * Noto CJK's contextual ccmp lookups make every layout call ~10× slower. Only kerning (for
 * Latin letters and digits) is kept.
 */
const UNUSED_FEATURES = ['rvrn', 'ltra', 'ltrm', 'ccmp', 'locl', 'rlig', 'mark', 'mkmk', 'calt', 'clig', 'liga', 'rclt', 'curs', 'frac', 'numr', 'dnom'];
const PLAIN_SHAPING: Record<string, boolean> = Object.fromEntries(UNUSED_FEATURES.map((f) => [f, false]));

/**
 * Parsed font faces, one per file and face, kept for the life of the process. pdfkit accepts
 * a fontkit font in place of a file (PDFFontFactory.open), which saves reading and parsing the
 * ~19 MB system .ttc per document and keeps fontkit's glyph and table caches warm; pdfkit
 * still subsets the font per document. The face handed to pdfkit is a thin view of the parsed
 * one whose layout() switches off UNUSED_FEATURES unless pdfkit asks for features itself
 * (pdfkit only caches layouts made without explicit features, so the text options cannot be
 * used for this). Together these make a render 2–3× faster.
 */
const faces = new Map<string, fontkit.Font>();
export function fontFace(font: CjkFont): fontkit.Font {
  const key = `${font.path}#${font.postscriptName ?? ''}`;
  let face = faces.get(key);
  if (!face) {
    const opened = fontkit.create(nodeFs.readFileSync(font.path), font.postscriptName);
    if (!opened || 'fonts' in opened) {
      throw new FontError(`${font.path} 是字体集合，请用 #PostScript名 指定字体`);
    }
    const parsed = opened as fontkit.Font;
    const view = Object.create(parsed) as fontkit.Font;
    view.layout = (text, features, script, language, direction) =>
      parsed.layout(text, features ?? PLAIN_SHAPING, script, language, direction);
    face = view;
    faces.set(key, face);
  }
  return face;
}

function validDate(iso: string | null | undefined): Date | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Lays out the scorecard of one period as an A4 PDF (Simplified Chinese). */
export function renderScorecardPdf(d: ScorecardDocument, opts: RenderOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    try {
      const doc = new PDFDocument({
        size: 'A4',
        margins: MARGIN,
        bufferPages: true,
        pdfVersion: '1.7',
        lang: 'zh-CN',
        displayTitle: true,
        info: {
          Title: `服务质量情况表 ${d.contract.code} ${d.period.label}`,
          Author: d.bureau,
          Subject: d.documentNumber,
          Creator: '运维合同履约考核系统',
          // a fixed date also fixes the file ID, so equal documents give equal bytes
          CreationDate: validDate(d.issuedAt) ?? new Date(0),
        },
      });
      const chunks: Buffer[] = [];
      doc.on('data', (c: Buffer) => chunks.push(c));
      doc.on('end', () => resolve(Buffer.concat(chunks)));
      doc.on('error', reject);

      doc.registerFont(FONT, fontFace(opts.font) as unknown as PDFKit.Mixins.PDFFontSource);
      doc.font(FONT);

      const p = new Painter(doc);
      drawTitleBlock(p, d);
      heading(p, '一、评分表', 60);
      drawScoreTable(p, d);
      drawLines(p, d);
      drawObjections(p, d);
      drawSignOff(p, d, opts.signature ?? null);

      // Page furniture on every page. Writing below the bottom margin would make pdfkit add a
      // page, so the margin is lifted while the footer is written.
      const range = doc.bufferedPageRange();
      for (let i = range.start; i < range.start + range.count; i++) {
        doc.switchToPage(i);
        const bottom = doc.page.margins.bottom;
        doc.page.margins.bottom = 0;
        if (d.watermark) drawWatermark(p, d.watermark);
        drawHeaderFooter(p, d, i - range.start + 1, range.count);
        doc.page.margins.bottom = bottom;
      }

      if (opts.placeholder) {
        // after all content, on the last page: the caller fills it with @signpdf/signpdf
        pdfkitAddPlaceholder({
          pdf: doc,
          pdfBuffer: Buffer.alloc(0),
          reason: opts.placeholder.reason,
          contactInfo: opts.placeholder.contactInfo,
          name: opts.placeholder.name,
          location: opts.placeholder.location,
          signatureLength: SIGNATURE_LENGTH,
          subFilter: SUBFILTER_ETSI_CADES_DETACHED,
          signingTime: validDate(opts.signature?.signedAt) ?? validDate(d.issuedAt),
        });
      }
      doc.end();
    } catch (e) {
      reject(e);
    }
  });
}
