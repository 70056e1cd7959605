// Excel renderings of the exported documents (exports/document.ts): the quarter's 服务质量情况表
// and the 付款计算表. Layout only, apart from one thing: the payment sheet's figures are live
// Excel formulas (基数, 系数, 扣减后金额, 结转, 应付金额, totals) so that finance can audit them
// in Excel; each formula's cached result is the document's own figure, and before anything is
// written every row is recomputed here in exact decimals from the same inputs the formulas use
// (assertPaymentsConsistent). A document whose figures the formulas would not reproduce is
// refused rather than rendered with a sheet that contradicts itself.
//
// Every sheet is protected with a random password that is thrown away: protection only deters
// casual edits. The seal is the detached CMS signature (.p7s) the caller makes over the file;
// the last sheet (签章信息) names the document, its content digest and where to verify it.
import crypto from 'node:crypto';
import { beijingTime } from '../server/display';
import ExcelJS from '../server/import/exceljs';
import { fmt } from '../server/web/format';
import { add, cmp, formatExact, formatYuan, max, mul, ONE, parseDecimal, parsePoints, parseYuan, rational, Rational, roundHalfUp, sub, ZERO } from '../scoring/decimal';
import { contentDigest, PaymentRow, PaymentsDocument, ScorecardDocument, SignatureInfo } from './document';

export interface WorkbookOptions {
  signature: SignatureInfo | null;
  /** sheet-protection spin count (exceljs default 100000; tests use 1000) */
  spinCount?: number;
}

/** What the 签章信息 sheet says, as read back by readSignatureSheet. */
export interface SignatureSheetInfo {
  documentNumber: string;
  /** 数据摘要(SHA-256): contentDigest of the document, hex */
  contentSha256: string;
  /** null when the sheet says 未签署 */
  signer: string | null;
  /** ISO instant (to the second: the sheet shows Beijing time without milliseconds), or null */
  signedAt: string | null;
  certificateSha256: string | null;
}

/** A document whose figures do not agree with each other (the formulas would contradict it). */
export class DocumentConsistencyError extends Error {
  override name = 'DocumentConsistencyError';
}

export const WORKBOOK_CREATOR = '运维合同履约考核系统';
export const SCORECARD_SHEET = '服务质量情况表';
export const LINES_SHEET = '扣分明细';
export const OBJECTIONS_SHEET = '异议处理';
export const PAYMENTS_SHEET = '付款计算';
export const SIGNATURE_SHEET = '签章信息';
export const SIGNATURE_NOTE = '本工作簿随附 .p7s 分离式数字签名；以验证页面结果为准。';
const UNSIGNED = '未签署';

/** Labels of the 签章信息 sheet (column A); readSignatureSheet finds the values by them. */
const SIG = {
  documentNumber: '文件编号',
  title: '标题',
  bureau: '签章单位',
  periodSignOff: '考核表签署',
  signer: '签发人',
  signedAt: '签发时间',
  certificate: '签名证书指纹(SHA-256)',
  digest: '数据摘要(SHA-256)',
  issuedBy: '出具人',
  issuedAt: '出具时间',
  verifyUrl: '验证地址',
  note: '说明',
  seal: '签字/盖章',
} as const;

const FMT_MONEY = '#,##0.00';
const FMT_RATIO = '0.00##';
const FMT_FACTOR = '0.000000';
const FMT_POINTS = '0.00';
const FONT = '宋体';

// ---- small helpers ---------------------------------------------------------------------


/** Beijing wall time of an ISO instant (server/display). */
const beijing = (iso: string | null | undefined, seconds = false) => beijingTime(iso, seconds);

/** The instant of a Beijing wall time "YYYY-MM-DD HH:mm[:ss]" as ISO, or null. */
function fromBeijing(text: string): string | null {
  const m = /(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s) - 8 * 3600_000).toISOString();
}

/** Column letter of a 1-based index (1 → A, 27 → AA). */
function col(n: number): string {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Numeric cell value of a decimal string (exact text → nearest double; only for display). */
function num(text: string): number {
  const v = Number(text);
  if (!Number.isFinite(v)) throw new DocumentConsistencyError(`not a number: ${text}`);
  return v;
}

function fenNumber(fen: bigint): number {
  return Number(formatYuan(fen));
}

function sameRational(a: Rational, b: Rational): boolean {
  return cmp(a, b) === 0;
}

const THIN: Partial<ExcelJS.Border> = { style: 'thin', color: { argb: 'FF808080' } };
const BOX: Partial<ExcelJS.Borders> = { top: THIN, left: THIN, bottom: THIN, right: THIN };
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
const TOTAL_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } };

type Value = ExcelJS.CellValue;

/**
 * Characters that make a spreadsheet read a cell's text as a formula once it is typed again,
 * pasted or saved as CSV (OWASP "CSV injection"): = + - @, tab and carriage return, and their
 * full-width forms, which Excel takes as the ASCII ones when a cell is entered through an IME.
 */
const FORMULA_START = /^[=+\-@\t\r＝＋－＠]/;

/**
 * Text that no spreadsheet takes for a formula: a text beginning with one of FORMULA_START
 * gets a leading single quote (the OWASP recommendation); anything else is returned as it is.
 * Every string cell goes through it (put), so reasons, evidence, names, titles, objection texts
 * and trace lines typed by users come out inert; numbers and our own formulas are not strings.
 */
export function inertText(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function put(
  ws: ExcelJS.Worksheet,
  ref: string,
  value: Value,
  style: { numFmt?: string; bold?: boolean; size?: number; align?: 'left' | 'center' | 'right'; wrap?: boolean; box?: boolean; fill?: ExcelJS.Fill; valign?: 'top' | 'middle' } = {},
): ExcelJS.Cell {
  const cell = ws.getCell(ref);
  cell.value = typeof value === 'string' ? inertText(value) : value;
  cell.font = { name: FONT, size: style.size ?? 10.5, bold: style.bold ?? false };
  cell.alignment = { horizontal: style.align, vertical: style.valign ?? 'middle', wrapText: style.wrap ?? false };
  if (style.numFmt) cell.numFmt = style.numFmt;
  if (style.box) cell.border = BOX;
  if (style.fill) cell.fill = style.fill;
  return cell;
}

/** Styles a cell without touching its value (a merged cell's value is its master's). */
function dress(ws: ExcelJS.Worksheet, ref: string, style: { box?: boolean; fill?: ExcelJS.Fill }): void {
  const cell = ws.getCell(ref);
  if (style.box) cell.border = BOX;
  if (style.fill) cell.fill = style.fill;
}

/** Display width of text in Excel column units (CJK and full-width characters count double). */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += (ch.codePointAt(0) ?? 0) >= 0x2e80 ? 2 : 1.1;
  return w;
}

/** Lines a wrapped text takes in a column of the given width. */
function wrappedLines(text: string, width: number): number {
  const usable = Math.max(1, width - 1.5);
  return String(text)
    .split('\n')
    .reduce((n, para) => n + Math.max(1, Math.ceil(textWidth(para) / usable)), 0);
}

/**
 * Row height for wrapped cells: Excel does not grow rows of a generated file by itself, so
 * the height is estimated from the text (about 14 points a line at 10.5 pt).
 */
function fitHeight(row: ExcelJS.Row, cells: [string, number][], min = 18): void {
  const lines = Math.max(1, ...cells.map(([t, w]) => wrappedLines(t, w)));
  row.height = Math.max(min, Math.ceil(lines * 14 + 4));
}

function footerText(documentNumber: string): string {
  return `本文件由系统生成，文件编号 ${documentNumber}`;
}

function pageSetup(ws: ExcelJS.Worksheet, documentNumber: string, titleRow: number | null, landscape: boolean): void {
  ws.pageSetup = {
    paperSize: 9,
    orientation: landscape ? 'landscape' : 'portrait',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    horizontalCentered: true,
    margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.7, header: 0.3, footer: 0.3 },
    ...(titleRow ? { printTitlesRow: `${titleRow}:${titleRow}` } : {}),
  };
  ws.headerFooter = {
    oddFooter: `&L&8${footerText(documentNumber).replace(/&/g, '&&')}&R&8第 &P 页，共 &N 页`,
  };
}

function freezeAt(ws: ExcelJS.Worksheet, headerRow: number): void {
  ws.views = [{ state: 'frozen', xSplit: 0, ySplit: headerRow, topLeftCell: `A${headerRow + 1}`, activeCell: `A${headerRow + 1}` }];
}

/** The footer line under a main sheet's table. */
function footerRow(ws: ExcelJS.Worksheet, rowNo: number, lastCol: number, documentNumber: string): void {
  ws.mergeCells(rowNo, 1, rowNo, lastCol);
  put(ws, `A${rowNo}`, footerText(documentNumber), { size: 9, align: 'left' });
}

function setProperties(wb: ExcelJS.Workbook, p: { title: string; documentNumber: string; bureau: string; digest: string; issuedAt: string; category: string }): void {
  const issued = new Date(p.issuedAt);
  wb.creator = WORKBOOK_CREATOR;
  wb.lastModifiedBy = WORKBOOK_CREATOR;
  wb.title = p.title;
  wb.subject = p.documentNumber;
  wb.company = p.bureau;
  wb.category = p.category;
  wb.description = `sha256:${p.digest}`;
  wb.keywords = p.documentNumber;
  if (!Number.isNaN(issued.getTime())) {
    wb.created = issued;
    wb.modified = issued;
  }
}

/** The content digest the sheet shows; a given signature must be over this very content. */
function digestFor(doc: ScorecardDocument | PaymentsDocument, signature: SignatureInfo | null): string {
  const digest = contentDigest(doc);
  if (signature && signature.contentSha256 !== digest) {
    throw new DocumentConsistencyError(`签名的数据摘要 ${signature.contentSha256} 与文件 ${doc.documentNumber} 的内容摘要 ${digest} 不一致`);
  }
  return digest;
}

/** Protects every sheet with one random password that is not kept. */
async function protectAll(wb: ExcelJS.Workbook, spinCount: number | undefined): Promise<void> {
  const password = crypto.randomBytes(24).toString('base64url');
  for (const ws of wb.worksheets) {
    await ws.protect(password, {
      selectLockedCells: true,
      selectUnlockedCells: true,
      formatColumns: true,
      autoFilter: true,
      sort: true,
      spinCount: spinCount ?? 100000,
    });
  }
}

async function toBuffer(wb: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function signatureSheet(
  wb: ExcelJS.Workbook,
  info: { documentNumber: string; title: string; bureau: string; digest: string; issuedBy: string; issuedAt: string; verifyUrl: string; periodSignOff?: string },
  signature: SignatureInfo | null,
): void {
  const ws = wb.addWorksheet(SIGNATURE_SHEET, { properties: { tabColor: { argb: 'FFC00000' } } });
  ws.columns = [{ width: 26 }, { width: 84 }];
  ws.mergeCells('A1:B1');
  put(ws, 'A1', SIGNATURE_SHEET, { bold: true, size: 14, align: 'center' });
  ws.getRow(1).height = 26;
  const rows: [string, Value][] = [
    [SIG.documentNumber, info.documentNumber],
    [SIG.title, info.title],
    [SIG.bureau, info.bureau],
    ...(info.periodSignOff !== undefined ? [[SIG.periodSignOff, info.periodSignOff] as [string, Value]] : []),
    [SIG.signer, signature ? signature.signer : UNSIGNED],
    [SIG.signedAt, signature ? `${beijing(signature.signedAt, true)}（北京时间）` : UNSIGNED],
    [SIG.certificate, signature ? signature.certificateSha256 : UNSIGNED],
    [SIG.digest, info.digest],
    [SIG.issuedBy, info.issuedBy],
    [SIG.issuedAt, `${beijing(info.issuedAt, true)}（北京时间）`],
    [SIG.verifyUrl, info.verifyUrl ? { text: info.verifyUrl, hyperlink: info.verifyUrl } : ''],
    [SIG.note, SIGNATURE_NOTE],
    [SIG.seal, ''],
  ];
  rows.forEach(([label, value], i) => {
    const r = i + 2;
    put(ws, `A${r}`, label, { bold: true, box: true, fill: HEADER_FILL, valign: 'top' });
    put(ws, `B${r}`, value, { box: true, wrap: true, valign: 'top' });
    const row = ws.getRow(r);
    if (label === SIG.seal) row.height = 90;
    else fitHeight(row, [[typeof value === 'string' ? value : info.verifyUrl, 84]], 20);
  });
  pageSetup(ws, info.documentNumber, null, false);
}

// ---- scorecard -----------------------------------------------------------------------

/**
 * The quarter's 服务质量情况表 (official columns, 分类 merged per group, subtotals per 分类 and
 * 合计), then 扣分明细, 异议处理 and 签章信息.
 */
export async function buildScorecardWorkbook(doc: ScorecardDocument, opts: WorkbookOptions): Promise<Buffer> {
  const digest = digestFor(doc, opts.signature);
  const wb = new ExcelJS.Workbook();
  const title = `服务质量情况表（${doc.period.label}）${doc.watermark ? `（${doc.watermark}，未经签署）` : ''}`;
  setProperties(wb, {
    title: `${doc.contract.name} ${title}`,
    documentNumber: doc.documentNumber,
    bureau: doc.bureau,
    digest,
    issuedAt: doc.issuedAt,
    category: '服务质量情况表',
  });
  scorecardSheet(wb, doc, title);
  linesSheet(wb, doc);
  objectionsSheet(wb, doc);
  const so = doc.signOff;
  signatureSheet(
    wb,
    {
      documentNumber: doc.documentNumber,
      title: `${doc.contract.name} ${title}`,
      bureau: doc.bureau,
      digest,
      issuedBy: doc.issuedBy,
      issuedAt: doc.issuedAt,
      verifyUrl: doc.verifyUrl,
      periodSignOff:
        doc.watermark || !so.signedBy ? `${UNSIGNED}${doc.watermark ? `（${doc.watermark}）` : ''}` : `${so.signedBy}（${beijing(so.signedAt)}）`,
    },
    opts.signature,
  );
  await protectAll(wb, opts.spinCount);
  return toBuffer(wb);
}

const SC_COLS: { header: string; width: number }[] = [
  { header: '分类', width: 10 },
  { header: '序号', width: 6 },
  { header: '指标名称', width: 14 },
  { header: '指标描述', width: 34 },
  { header: '分值', width: 8 },
  { header: '评分标准', width: 52 },
  { header: '扣分', width: 8 },
  { header: '得分', width: 8 },
];

function scorecardSheet(wb: ExcelJS.Workbook, doc: ScorecardDocument, title: string): void {
  const ws = wb.addWorksheet(SCORECARD_SHEET);
  ws.columns = SC_COLS.map((c) => ({ width: c.width }));
  const last = SC_COLS.length;
  const band = (r: number, text: string, size: number, bold = false) => {
    ws.mergeCells(r, 1, r, last);
    put(ws, `A${r}`, text, { size, bold, align: 'center', wrap: true });
    ws.getRow(r).height = size * 1.8;
  };
  band(1, doc.bureau, 12, true);
  band(2, doc.contract.name, 12, true);
  band(3, title, 16, true);
  const pair = (r: number, left: string, right: string) => {
    ws.mergeCells(r, 1, r, 4);
    ws.mergeCells(r, 5, r, last);
    put(ws, `A${r}`, left, { align: 'left' });
    put(ws, `E${r}`, right, { align: 'left' });
    ws.getRow(r).height = 18;
  };
  pair(4, `合同编号：${doc.contract.code}`, `服务商：${doc.contract.vendorName}`);
  pair(5, `考核期：${doc.period.label}（${doc.period.startDate} 至 ${doc.period.endDate}）`, `文件编号：${doc.documentNumber}`);

  const HEADER = 8;
  // rows: items grouped by 分类 (in the order of doc.categories), a 小计 row after each group
  const known = new Set(doc.categories.map((c) => c.category));
  for (const it of doc.items) {
    if (!known.has(it.category)) throw new DocumentConsistencyError(`指标 ${it.number} 的分类 ${it.category} 不在分类汇总中`);
  }
  let r = HEADER + 1;
  const subtotalRows: number[] = [];
  for (const cat of doc.categories) {
    const items = doc.items.filter((it) => it.category === cat.category).sort((a, b) => a.number - b.number);
    const first = r;
    let sumMax = ZERO;
    let sumDed = ZERO;
    let sumScore = ZERO;
    for (const it of items) {
      const maxP = parseDecimal(it.maxPoints);
      const ded = parseDecimal(it.deduction);
      const score = parseDecimal(it.score);
      sumMax = add(sumMax, maxP);
      sumDed = add(sumDed, ded);
      sumScore = add(sumScore, score);
      put(ws, `A${r}`, it.category, { box: true, align: 'center', wrap: true });
      put(ws, `B${r}`, it.number, { box: true, align: 'center', numFmt: '0' });
      put(ws, `C${r}`, it.name, { box: true, wrap: true });
      put(ws, `D${r}`, it.description, { box: true, wrap: true });
      put(ws, `E${r}`, num(it.maxPoints), { box: true, align: 'center', numFmt: FMT_POINTS });
      put(ws, `F${r}`, it.criteria, { box: true, wrap: true });
      const dedCell = put(ws, `G${r}`, num(it.deduction), { box: true, align: 'center', numFmt: FMT_POINTS });
      const notes: string[] = [];
      if (it.ratingMean !== null) notes.push(`用户评价 ${it.ratingCount} 次，平均 ${it.ratingMean} 级`);
      if (it.capped) notes.push(`扣分合计超过分值，按分值 ${it.maxPoints} 分扣完为止`);
      const noteText = notes.join('；');
      if (noteText) dedCell.note = noteText;
      // 得分 = 分值 − 扣分 as a live formula when that is exactly the document's figure
      const scoreValue: Value = sameRational(sub(maxP, ded), score) ? { formula: `E${r}-G${r}`, result: num(it.score) } : num(it.score);
      put(ws, `H${r}`, scoreValue, { box: true, align: 'center', numFmt: FMT_POINTS });
      fitHeight(ws.getRow(r), [
        [it.name, SC_COLS[2].width],
        [it.description, SC_COLS[3].width],
        [it.criteria, SC_COLS[5].width],
      ]);
      r++;
    }
    if (items.length > 1) ws.mergeCells(first, 1, r - 1, 1);
    // 小计
    ws.mergeCells(r, 1, r, 4);
    const style = { box: true, bold: true, align: 'center' as const, fill: TOTAL_FILL, numFmt: FMT_POINTS };
    put(ws, `A${r}`, `${cat.category} 小计`, style);
    for (const c of ['B', 'C', 'D']) dress(ws, `${c}${r}`, style);
    const sumCell = (letter: string, sum: Rational, figure: string): Value =>
      items.length > 0 && sameRational(sum, parseDecimal(figure)) ? { formula: `SUM(${letter}${first}:${letter}${r - 1})`, result: num(figure) } : num(figure);
    put(ws, `E${r}`, sumCell('E', sumMax, cat.maxPoints), style);
    put(ws, `F${r}`, null, style);
    put(ws, `G${r}`, sumCell('G', sumDed, cat.deduction), style);
    put(ws, `H${r}`, sumCell('H', sumScore, cat.score), style);
    ws.getRow(r).height = 20;
    subtotalRows.push(r);
    r++;
  }
  // 合计
  const totalRow = r;
  ws.mergeCells(r, 1, r, 4);
  const tstyle = { box: true, bold: true, align: 'center' as const, fill: HEADER_FILL, numFmt: FMT_POINTS };
  put(ws, `A${r}`, '合计', tstyle);
  for (const c of ['B', 'C', 'D']) dress(ws, `${c}${r}`, tstyle);
  put(ws, `F${r}`, null, tstyle);
  const catSum = (pick: (c: ScorecardDocument['categories'][number]) => string) => doc.categories.reduce((s, c) => add(s, parseDecimal(pick(c))), ZERO);
  const totalCell = (letter: string, sum: Rational, figure: string): Value =>
    subtotalRows.length > 0 && sameRational(sum, parseDecimal(figure))
      ? { formula: `SUM(${subtotalRows.map((x) => `${letter}${x}`).join(',')})`, result: num(figure) }
      : num(figure);
  put(ws, `E${r}`, totalCell('E', catSum((c) => c.maxPoints), doc.maxPoints), tstyle);
  put(ws, `G${r}`, totalCell('G', catSum((c) => c.deduction), doc.totalDeduction), tstyle);
  put(ws, `H${r}`, totalCell('H', catSum((c) => c.score), doc.score), tstyle);
  ws.getRow(r).height = 22;
  r += 2;

  // 总得分 at the top: the 合计 row's 得分
  ws.mergeCells('A6:B6');
  put(ws, 'A6', '总得分', { bold: true, size: 12, align: 'center', box: true, fill: HEADER_FILL });
  dress(ws, 'B6', { box: true });
  put(ws, 'C6', { formula: `H${totalRow}`, result: num(doc.score) }, { bold: true, size: 14, align: 'center', numFmt: FMT_POINTS, box: true });
  ws.mergeCells(6, 4, 6, last);
  put(
    ws,
    'D6',
    `满分 ${doc.maxPoints} 分，共扣 ${doc.totalDeduction} 分；约谈线 ${doc.interviewThreshold} 分，${doc.interviewRequired ? '本期得分低于约谈线，需约谈' : '本期无需约谈'}；评分表：${doc.templateName}（第 ${doc.templateVersion} 版）`,
    { wrap: true, align: 'left' },
  );
  fitHeight(ws.getRow(6), [[ws.getCell('D6').text, SC_COLS.slice(3).reduce((s, c) => s + c.width, 0)]], 24);

  // header
  SC_COLS.forEach((c, i) => put(ws, `${col(i + 1)}${HEADER}`, c.header, { bold: true, align: 'center', box: true, fill: HEADER_FILL, wrap: true }));
  ws.getRow(HEADER).height = 22;

  // sign-off
  const so = doc.signOff;
  const signLines = [
    `发布：${so.publishedBy ? `${so.publishedBy}（${beijing(so.publishedAt)}）` : '未发布'}；异议截止日期：${so.objectionDeadline ?? '—'}`,
    `服务商确认：${so.acknowledgedBy ? `${so.acknowledgedBy}（${beijing(so.acknowledgedAt)}）` : '未确认'}`,
    `采购人签署：${doc.watermark ? `${UNSIGNED}（${doc.watermark}）` : so.signedBy ? `${so.signedBy}（${beijing(so.signedAt)}）` : UNSIGNED}`,
    `扣分明细 ${doc.lines.length} 条，异议 ${doc.objections.length} 件（见“${LINES_SHEET}”“${OBJECTIONS_SHEET}”工作表）；出具：${doc.issuedBy}，${beijing(doc.issuedAt)}（北京时间）`,
  ];
  for (const line of signLines) {
    ws.mergeCells(r, 1, r, last);
    put(ws, `A${r}`, line, { align: 'left', wrap: true });
    ws.getRow(r).height = 18;
    r++;
  }
  r++;
  footerRow(ws, r, last, doc.documentNumber);
  pageSetup(ws, doc.documentNumber, HEADER, true);
}

const LINE_COLS: { header: string; width: number }[] = [
  { header: 'ID', width: 8 },
  { header: '序号', width: 6 },
  { header: '指标名称', width: 14 },
  { header: '规则', width: 7 },
  { header: '数量', width: 7 },
  { header: '单位', width: 6 },
  { header: '扣分', width: 8 },
  { header: '原因', width: 40 },
  { header: '发生时间', width: 17 },
  { header: '证据', width: 28 },
  { header: '来源', width: 10 },
  { header: '检测过程', width: 48 },
];

function sheetTitle(ws: ExcelJS.Worksheet, text: string, lastCol: number, sub: string): void {
  ws.mergeCells(1, 1, 1, lastCol);
  put(ws, 'A1', text, { bold: true, size: 14, align: 'center' });
  ws.getRow(1).height = 26;
  ws.mergeCells(2, 1, 2, lastCol);
  put(ws, 'A2', sub, { align: 'left' });
}

function headerRow(ws: ExcelJS.Worksheet, r: number, cols: { header: string }[]): void {
  cols.forEach((c, i) => put(ws, `${col(i + 1)}${r}`, c.header, { bold: true, align: 'center', box: true, fill: HEADER_FILL, wrap: true }));
  ws.getRow(r).height = 22;
}

function linesSheet(wb: ExcelJS.Workbook, doc: ScorecardDocument): void {
  const ws = wb.addWorksheet(LINES_SHEET);
  ws.columns = LINE_COLS.map((c) => ({ width: c.width }));
  const last = LINE_COLS.length;
  const mark = doc.watermark ? `（${doc.watermark}，未经签署）` : '';
  sheetTitle(ws, `扣分明细（${doc.period.label}）${mark}`, last, `合同编号：${doc.contract.code}　服务商：${doc.contract.vendorName}　文件编号：${doc.documentNumber}`);
  const HEADER = 3;
  headerRow(ws, HEADER, LINE_COLS);
  let r = HEADER + 1;
  let sum = ZERO;
  for (const l of doc.lines) {
    sum = add(sum, parseDecimal(l.points));
    const trace = l.trace.join('\n');
    const cells: [Value, string?][] = [
      [l.id, '0'],
      [l.itemNumber, '0'],
      [l.itemName],
      [l.rule ?? ''],
      [num(l.units), 'General'],
      [l.unit],
      [num(l.points), FMT_POINTS],
      [l.reason],
      [beijing(l.occurredAt)],
      [l.evidence ?? ''],
      [fmt.source(l.source)],
      [trace],
    ];
    cells.forEach(([v, f], i) => put(ws, `${col(i + 1)}${r}`, v, { box: true, numFmt: f, wrap: !f, valign: 'top', align: f ? 'center' : undefined }));
    fitHeight(ws.getRow(r), [
      [l.itemName, LINE_COLS[2].width],
      [l.reason, LINE_COLS[7].width],
      [l.evidence ?? '', LINE_COLS[9].width],
      [trace, LINE_COLS[11].width],
    ]);
    r++;
  }
  if (doc.lines.length > 0) ws.autoFilter = { from: { row: HEADER, column: 1 }, to: { row: r - 1, column: last } };
  const style = { box: true, bold: true, fill: TOTAL_FILL, align: 'center' as const };
  ws.mergeCells(r, 1, r, 6);
  put(ws, `A${r}`, doc.lines.length ? `合计（${doc.lines.length} 条，按指标封顶前）` : '本期无扣分明细', style);
  put(ws, `G${r}`, doc.lines.length ? { formula: `SUM(G${HEADER + 1}:G${r - 1})`, result: num(formatExact(sum, 2)) } : 0, { ...style, numFmt: FMT_POINTS });
  ws.mergeCells(r, 8, r, last);
  put(ws, `H${r}`, `各指标扣分以分值为限，封顶后合计 ${doc.totalDeduction} 分（见“${SCORECARD_SHEET}”）`, { ...style, align: 'left' });
  r += 2;
  footerRow(ws, r, last, doc.documentNumber);
  freezeAt(ws, HEADER);
  pageSetup(ws, doc.documentNumber, HEADER, true);
}

const OBJ_COLS: { header: string; width: number }[] = [
  { header: 'ID', width: 7 },
  { header: '扣分明细ID', width: 10 },
  { header: '序号', width: 6 },
  { header: '提出人', width: 12 },
  { header: '提出时间', width: 17 },
  { header: '异议理由', width: 40 },
  { header: '处理结果', width: 14 },
  { header: '处理说明', width: 40 },
  { header: '处理人', width: 12 },
  { header: '处理时间', width: 17 },
];

function objectionsSheet(wb: ExcelJS.Workbook, doc: ScorecardDocument): void {
  const ws = wb.addWorksheet(OBJECTIONS_SHEET);
  ws.columns = OBJ_COLS.map((c) => ({ width: c.width }));
  const last = OBJ_COLS.length;
  const mark = doc.watermark ? `（${doc.watermark}，未经签署）` : '';
  sheetTitle(ws, `异议处理（${doc.period.label}）${mark}`, last, `合同编号：${doc.contract.code}　服务商：${doc.contract.vendorName}　文件编号：${doc.documentNumber}`);
  const HEADER = 3;
  headerRow(ws, HEADER, OBJ_COLS);
  let r = HEADER + 1;
  for (const o of doc.objections) {
    const cells: [Value, string?][] = [
      [o.id, '0'],
      [o.lineId, '0'],
      [o.itemNumber ?? ''],
      [o.filedBy ?? ''],
      [beijing(o.filedAt)],
      [o.reason],
      [o.outcome],
      [o.resolution ?? ''],
      [o.resolvedBy ?? ''],
      [beijing(o.resolvedAt)],
    ];
    cells.forEach(([v, f], i) => put(ws, `${col(i + 1)}${r}`, v, { box: true, numFmt: f, wrap: !f, valign: 'top', align: f ? 'center' : undefined }));
    fitHeight(ws.getRow(r), [
      [o.reason, OBJ_COLS[5].width],
      [o.resolution ?? '', OBJ_COLS[7].width],
    ]);
    r++;
  }
  if (doc.objections.length === 0) {
    ws.mergeCells(r, 1, r, last);
    put(ws, `A${r}`, '本期无异议', { box: true, align: 'center' });
    r++;
  } else {
    ws.autoFilter = { from: { row: HEADER, column: 1 }, to: { row: r - 1, column: last } };
  }
  r++;
  footerRow(ws, r, last, doc.documentNumber);
  freezeAt(ws, HEADER);
  pageSetup(ws, doc.documentNumber, HEADER, true);
}

// ---- payments ------------------------------------------------------------------------

/** How a row's 上期结转扣款 is written. */
export type CarrySource = { kind: 'previous' } | { kind: 'zero' } | { kind: 'external'; from: number };

export interface CheckedRow {
  row: PaymentRow;
  carry: CarrySource;
}

export interface CheckedContract {
  rows: CheckedRow[];
  base: bigint;
  gross: bigint;
  penalties: bigint;
  payable: bigint;
}

function mismatch(where: string, what: string, expected: string, shown: string): never {
  throw new DocumentConsistencyError(`付款计算不一致：${where} ${what} 按公式应为 ${expected}，文件中为 ${shown}`);
}

/**
 * Recomputes every installment the way the sheet's formulas do, in exact decimals (fen),
 * from the inputs the sheet shows (比例, 合同总金额, 是否扣减, 当期累计扣分, 点值, 相应扣款 and
 * the previous row's 结转下期), and throws DocumentConsistencyError at the first figure of
 * the document that differs: 基数, 系数, 扣减后金额, 上期结转扣款, 应付金额, 结转下期, the
 * contracts' and the document's payable.
 */
export function assertPaymentsConsistent(doc: PaymentsDocument): CheckedContract[] {
  const out: CheckedContract[] = [];
  let grand = 0n;
  for (const c of doc.contracts) {
    const total = rational(parseYuan(c.totalAmount));
    const rate = parseDecimal(c.pointRate);
    const sums = { base: 0n, gross: 0n, penalties: 0n, payable: 0n };
    const rows: CheckedRow[] = [];
    let prev: { number: number; carriedOut: bigint } | null = null;
    for (const r of c.installments) {
      const where = `合同 ${c.code} 第 ${r.number} 笔款项（${r.name}）`;
      if (prev && r.number <= prev.number) throw new DocumentConsistencyError(`付款计算不一致：合同 ${c.code} 的款项未按序号排列（${prev.number} 之后为 ${r.number}）`);
      const ratio = parseDecimal(r.ratio);
      const exactBase = mul(ratio, total);
      const base = roundHalfUp(exactBase);
      if (base !== parseYuan(r.baseAmount)) mismatch(where, '基数', formatYuan(base), r.baseAmount);
      const accumulated = parsePoints(r.accumulatedDeduction);
      const factor = r.deductible ? max(ZERO, sub(ONE, mul(rational(BigInt(accumulated), 100n), rate))) : ONE;
      if (!sameRational(factor, parseDecimal(r.factor))) mismatch(where, '系数', formatExact(factor, 2), r.factor);
      const gross = roundHalfUp(mul(exactBase, factor));
      if (gross !== parseYuan(r.grossAmount)) mismatch(where, '扣减后金额', formatYuan(gross), r.grossAmount);
      const penalties = parseYuan(r.penalties);
      let carry: CarrySource;
      let carriedIn: bigint;
      if (prev && (doc.periodNumber === null || prev.number === r.number - 1)) {
        carry = { kind: 'previous' };
        carriedIn = prev.carriedOut;
      } else if (doc.periodNumber === null || r.number <= 1) {
        // the contract's first installment: nothing to carry in
        carry = { kind: 'zero' };
        carriedIn = 0n;
      } else {
        // one period's sheet: the previous installment is not shown, its 结转下期 is an input
        carry = { kind: 'external', from: r.number - 1 };
        carriedIn = parseYuan(r.carriedIn);
      }
      if (carriedIn !== parseYuan(r.carriedIn)) mismatch(where, '上期结转扣款', formatYuan(carriedIn), r.carriedIn);
      const owed = penalties + carriedIn;
      const payable = gross > owed ? gross - owed : 0n;
      const carriedOut = owed > gross ? owed - gross : 0n;
      if (payable !== parseYuan(r.payable)) mismatch(where, '应付金额', formatYuan(payable), r.payable);
      if (carriedOut !== parseYuan(r.carriedOut)) mismatch(where, '结转下期', formatYuan(carriedOut), r.carriedOut);
      sums.base += base;
      sums.gross += gross;
      sums.penalties += penalties;
      sums.payable += payable;
      rows.push({ row: r, carry });
      prev = { number: r.number, carriedOut };
    }
    if (sums.payable !== parseYuan(c.payable)) mismatch(`合同 ${c.code}`, '应付金额合计', formatYuan(sums.payable), c.payable);
    grand += sums.payable;
    out.push({ rows, ...sums });
  }
  if (grand !== parseYuan(doc.payable)) mismatch('全部合同', '应付金额总计', formatYuan(grand), doc.payable);
  return out;
}

type PayKey =
  | 'code' | 'name' | 'vendor' | 'number' | 'instName' | 'ratio' | 'total' | 'base' | 'periods' | 'deductible'
  | 'accumulated' | 'rate' | 'factor' | 'gross' | 'penalties' | 'carriedIn' | 'payable' | 'carriedOut' | 'final' | 'status';

const PAY_COLS: { key: PayKey; header: string; width: number; numFmt?: string }[] = [
  { key: 'code', header: '合同编号', width: 20 },
  { key: 'name', header: '合同名称', width: 26 },
  { key: 'vendor', header: '服务商', width: 22 },
  { key: 'number', header: '款项序号', width: 7, numFmt: '0' },
  { key: 'instName', header: '款项名称', width: 13 },
  { key: 'ratio', header: '比例', width: 7, numFmt: FMT_RATIO },
  { key: 'total', header: '合同总金额', width: 16, numFmt: FMT_MONEY },
  { key: 'base', header: '基数', width: 15, numFmt: FMT_MONEY },
  { key: 'periods', header: '考核期', width: 10 },
  { key: 'deductible', header: '是否扣减', width: 7 },
  { key: 'accumulated', header: '当期累计扣分', width: 9, numFmt: FMT_POINTS },
  { key: 'rate', header: '点值', width: 7, numFmt: FMT_RATIO },
  { key: 'factor', header: '系数', width: 10, numFmt: FMT_FACTOR },
  { key: 'gross', header: '扣减后金额', width: 15, numFmt: FMT_MONEY },
  { key: 'penalties', header: '相应扣款', width: 14, numFmt: FMT_MONEY },
  { key: 'carriedIn', header: '上期结转扣款', width: 14, numFmt: FMT_MONEY },
  { key: 'payable', header: '应付金额', width: 15, numFmt: FMT_MONEY },
  { key: 'carriedOut', header: '结转下期', width: 14, numFmt: FMT_MONEY },
  { key: 'final', header: '状态', width: 7 },
  { key: 'status', header: '付款状态', width: 9 },
];
const PC = Object.fromEntries(PAY_COLS.map((c, i) => [c.key, col(i + 1)])) as Record<PayKey, string>;
const PAY_FMT = Object.fromEntries(PAY_COLS.map((c) => [c.key, c.numFmt])) as Record<PayKey, string | undefined>;

const CENTERED = new Set<PayKey>(['number', 'periods', 'deductible', 'final', 'status']);

/** Column headers of the 付款计算 sheet, in order (for readers and tests). */
export const PAYMENT_HEADERS = PAY_COLS.map((c) => c.header);

/**
 * The 付款计算 sheet: one row per installment with the contract's columns repeated (so the
 * table filters and sorts by any column), a 小计 row after each contract and a 总计 row. The
 * computed columns are live formulas whose cached results are the document's figures.
 */
export async function buildPaymentsWorkbook(doc: PaymentsDocument, opts: WorkbookOptions): Promise<Buffer> {
  const checked = assertPaymentsConsistent(doc);
  const digest = digestFor(doc, opts.signature);
  const wb = new ExcelJS.Workbook();
  setProperties(wb, { title: doc.title, documentNumber: doc.documentNumber, bureau: doc.bureau, digest, issuedAt: doc.issuedAt, category: '付款计算表' });
  const ws = wb.addWorksheet(PAYMENTS_SHEET);
  ws.columns = PAY_COLS.map((c) => ({ width: c.width }));
  const last = PAY_COLS.length;
  ws.mergeCells(1, 1, 1, last);
  put(ws, 'A1', doc.title, { bold: true, size: 14, align: 'center' });
  ws.getRow(1).height = 26;
  ws.mergeCells(2, 1, 2, last);
  put(ws, 'A2', `${doc.bureau}　文件编号：${doc.documentNumber}　出具：${doc.issuedBy}，${beijing(doc.issuedAt)}（北京时间）　金额单位：元`, { align: 'left' });
  ws.mergeCells(3, 1, 3, last);
  put(
    ws,
    'A3',
    '应付金额 = 比例 × 合同总金额 × 系数 − 相应扣款 − 上期结转扣款（不低于 0，不足抵扣的扣款结转下期）；系数 = 1 − 当期累计扣分 × 点值（不低于 0；不扣减的款项为 1）；扣减后金额四舍五入到分。' +
      (doc.periodNumber !== null ? `本表仅含第 ${doc.periodNumber} 期考核所涉款项。` : '') +
      '状态“暂定”：所涉考核期尚未全部签署。',
    { align: 'left', wrap: true },
  );
  fitHeight(ws.getRow(3), [[ws.getCell('A3').text, PAY_COLS.reduce((s, c) => s + c.width, 0)]], 18);
  const HEADER = 5;
  PAY_COLS.forEach((c, i) => put(ws, `${col(i + 1)}${HEADER}`, c.header, { bold: true, align: 'center', box: true, fill: HEADER_FILL, wrap: true }));
  ws.getRow(HEADER).height = 30;

  const cell = (key: PayKey, r: number, value: Value, extra: { bold?: boolean; fill?: ExcelJS.Fill } = {}) =>
    put(ws, `${PC[key]}${r}`, value, {
      box: true,
      numFmt: PAY_FMT[key],
      align: CENTERED.has(key) ? 'center' : PAY_FMT[key] ? 'right' : 'left',
      wrap: !PAY_FMT[key],
      ...extra,
    });
  const ref = (key: PayKey, r: number) => `${PC[key]}${r}`;

  let r = HEADER + 1;
  const subtotalRows: number[] = [];
  doc.contracts.forEach((c, ci) => {
    const first = r;
    for (const { row: p, carry } of checked[ci].rows) {
      cell('code', r, c.code);
      cell('name', r, c.name);
      cell('vendor', r, c.vendorName);
      cell('number', r, p.number);
      cell('instName', r, p.name);
      cell('ratio', r, num(p.ratio));
      cell('total', r, num(c.totalAmount));
      cell('base', r, { formula: `ROUND(${ref('ratio', r)}*${ref('total', r)},2)`, result: num(p.baseAmount) });
      cell('periods', r, p.periods.length ? `第${p.periods.join('、')}期` : '—');
      cell('deductible', r, p.deductible ? '是' : '否');
      cell('accumulated', r, num(p.accumulatedDeduction));
      cell('rate', r, num(c.pointRate));
      cell('factor', r, {
        formula: `IF(${ref('deductible', r)}="是",MAX(0,1-${ref('accumulated', r)}*${ref('rate', r)}),1)`,
        result: num(p.factor),
      });
      cell('gross', r, { formula: `ROUND(${ref('ratio', r)}*${ref('total', r)}*${ref('factor', r)},2)`, result: num(p.grossAmount) });
      cell('penalties', r, num(p.penalties));
      if (carry.kind === 'previous') {
        cell('carriedIn', r, { formula: ref('carriedOut', r - 1), result: num(p.carriedIn) });
      } else {
        const c2 = cell('carriedIn', r, carry.kind === 'zero' ? 0 : num(p.carriedIn));
        if (carry.kind === 'external') c2.note = `来自第 ${carry.from} 笔款项的结转下期（该款项不在本表中），按系统计算结果填入。`;
      }
      cell('payable', r, {
        formula: `ROUND(MAX(0,${ref('gross', r)}-${ref('penalties', r)}-${ref('carriedIn', r)}),2)`,
        result: num(p.payable),
      });
      cell('carriedOut', r, {
        formula: `ROUND(MAX(0,${ref('penalties', r)}+${ref('carriedIn', r)}-${ref('gross', r)}),2)`,
        result: num(p.carriedOut),
      });
      cell('final', r, p.final ? '最终' : '暂定');
      cell('status', r, fmt.paymentStatus(p.paymentStatus));
      fitHeight(ws.getRow(r), [
        [c.name, PAY_COLS[1].width],
        [c.vendorName, PAY_COLS[2].width],
        [p.name, PAY_COLS[4].width],
      ]);
      r++;
    }
    // 小计 of the contract
    const k = checked[ci];
    const t = { bold: true, fill: TOTAL_FILL };
    for (const key of PAY_COLS.map((x) => x.key)) cell(key, r, null, t);
    cell('code', r, c.code, t);
    cell('name', r, c.name, t);
    cell('vendor', r, c.vendorName, t);
    cell('instName', r, '小计', t);
    const sum = (key: PayKey, fen: bigint): Value => (r > first ? { formula: `SUM(${ref(key, first)}:${ref(key, r - 1)})`, result: fenNumber(fen) } : 0);
    cell('base', r, sum('base', k.base), t);
    cell('gross', r, sum('gross', k.gross), t);
    cell('penalties', r, sum('penalties', k.penalties), t);
    cell('payable', r, sum('payable', k.payable), t);
    fitHeight(ws.getRow(r), [
      [c.name, PAY_COLS[1].width],
      [c.vendorName, PAY_COLS[2].width],
    ]);
    subtotalRows.push(r);
    r++;
  });
  const lastTableRow = r - 1;
  ws.autoFilter = { from: { row: HEADER, column: 1 }, to: { row: Math.max(HEADER, lastTableRow), column: last } };
  freezeAt(ws, HEADER);

  // 总计 (outside the filtered range so filtering never hides it)
  r++;
  const grand = { bold: true, fill: HEADER_FILL };
  for (const key of PAY_COLS.map((x) => x.key)) cell(key, r, null, grand);
  cell('code', r, '总计', grand);
  cell('instName', r, `${doc.contracts.length} 个合同`, grand);
  const total = (key: PayKey, fen: bigint): Value =>
    subtotalRows.length ? { formula: `SUM(${subtotalRows.map((x) => ref(key, x)).join(',')})`, result: fenNumber(fen) } : 0;
  const all = (pick: (k: CheckedContract) => bigint) => checked.reduce((s, k) => s + pick(k), 0n);
  cell('base', r, total('base', all((k) => k.base)), grand);
  cell('gross', r, total('gross', all((k) => k.gross)), grand);
  cell('penalties', r, total('penalties', all((k) => k.penalties)), grand);
  cell('payable', r, total('payable', all((k) => k.payable)), grand);
  ws.getRow(r).height = 20;
  r += 2;
  footerRow(ws, r, last, doc.documentNumber);
  pageSetup(ws, doc.documentNumber, HEADER, true);

  signatureSheet(
    wb,
    { documentNumber: doc.documentNumber, title: doc.title, bureau: doc.bureau, digest, issuedBy: doc.issuedBy, issuedAt: doc.issuedAt, verifyUrl: doc.verifyUrl },
    opts.signature,
  );
  await protectAll(wb, opts.spinCount);
  return toBuffer(wb);
}

// ---- reading back --------------------------------------------------------------------

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((t) => t.text).join('');
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('hyperlink' in v && typeof v.hyperlink === 'string') return v.hyperlink;
    if ('result' in v && v.result !== undefined && v.result !== null) return cellText(v.result as ExcelJS.CellValue);
  }
  return String(v);
}

/**
 * Reads the 签章信息 sheet of a workbook made here: the document number, the content digest
 * and who signed when. Null when the workbook has no such sheet (or it lacks the number or
 * digest). Throws when the buffer is not an .xlsx at all.
 */
export async function readSignatureSheet(xlsx: Buffer): Promise<SignatureSheetInfo | null> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const ws = wb.getWorksheet(SIGNATURE_SHEET);
  if (!ws) return null;
  const values = new Map<string, string>();
  ws.eachRow((row) => {
    const label = cellText(row.getCell(1).value).trim();
    if (label && !values.has(label)) values.set(label, cellText(row.getCell(2).value).trim());
  });
  const documentNumber = values.get(SIG.documentNumber) ?? '';
  const contentSha256 = (values.get(SIG.digest) ?? '').toLowerCase();
  if (!documentNumber || !/^[0-9a-f]{64}$/.test(contentSha256)) return null;
  const signer = values.get(SIG.signer) ?? '';
  const cert = (values.get(SIG.certificate) ?? '').toLowerCase();
  return {
    documentNumber,
    contentSha256,
    signer: signer && signer !== UNSIGNED ? signer : null,
    signedAt: fromBeijing(values.get(SIG.signedAt) ?? ''),
    certificateSha256: /^[0-9a-f]{64}$/.test(cert) ? cert : null,
  };
}
