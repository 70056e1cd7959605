// server/import/xlsx-fast.ts: the fast XLSX reader yields exactly what the exceljs-based reader
// (readXlsxExceljs) yields, falls back cleanly, and reads 100,000 rows intact.
import { expect } from 'chai';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import zlib from 'zlib';
import ExcelJS from '../server/import/exceljs';
import { ImportFileError, RawRow, readRows, readXlsxExceljs, ReadOptions } from '../server/import/reader';
import { FastXlsxUnsupported, readXlsxFast } from '../server/import/xlsx-fast';
import { writeXlsxStream, XlsxCell } from '../server/import/xlsx-writer';

let dir: string;
const file = (name: string) => path.join(dir, name);

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xlsx-fast-'));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

type Reader = (file: string, opts?: ReadOptions) => AsyncGenerator<RawRow>;

interface Outcome {
  rows: { row: number; values: Record<string, string> }[];
  headers: [string[], number][];
  error: { name: string; message: string } | null;
}

/** Everything a reader produces for a file: rows (as plain objects), onHeaders calls, error. */
async function outcome(read: Reader, p: string, opts: ReadOptions = {}): Promise<Outcome> {
  const out: Outcome = { rows: [], headers: [], error: null };
  try {
    for await (const r of read(p, { ...opts, onHeaders: (h, row) => out.headers.push([h, row]) })) {
      out.rows.push({ row: r.row, values: { ...r.values } });
      // values are prototype-less objects with the headers as keys, in column order
      expect(Object.getPrototypeOf(r.values)).to.equal(null);
    }
  } catch (e) {
    const err = e as Error;
    out.error = { name: err.constructor.name, message: err.message };
  }
  return out;
}

const BROKEN = '无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式（.xls 请先在 Excel 中另存为 .xlsx）';

/**
 * The outcome of an exceljs-based read. exceljs fails now and then on small files that it spools
 * to temp files: unzipper.Parse emits 'end' on 'finish', while the last entries (for files from
 * exceljs's Workbook API, xl/workbook.xml) can still be buffered, and exceljs's entry iterator
 * then stops without them ("Cannot read properties of undefined (reading 'sheets')"). Such a
 * read is retried; a file that always fails still fails.
 */
async function exceljsOutcome(read: Reader, p: string, opts: ReadOptions = {}): Promise<Outcome> {
  // The same race can also drop sheet entries ("没有第 4 个工作表（共 1 个）" for a 3-sheet file):
  // such a read is retried too, and the most complete of the reads (most sheets seen) is kept.
  const sheetsSeen = (o: Outcome) => Number(/共 (\d+) 个/.exec(o.error?.message ?? '')?.[1] ?? NaN);
  let best: Outcome | null = null;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const out = await outcome(read, p, opts);
    const missingSheet = !Number.isNaN(sheetsSeen(out));
    if (out.error?.message !== BROKEN && !missingSheet) return out;
    if (!best || best.error?.message === BROKEN || (missingSheet && sheetsSeen(out) > sheetsSeen(best))) best = out;
  }
  return best as Outcome;
}

/** Asserts that the fast reader and the exceljs reader give the same outcome; returns it. */
async function same(p: string, opts: ReadOptions = {}): Promise<Outcome> {
  const expected = await exceljsOutcome(readXlsxExceljs, p, opts);
  const actual = await outcome(readXlsxFast, p, opts);
  expect(actual).to.deep.equal(expected);
  const viaReadRows = await outcome((f, o) => readRows(f, 'xlsx', o), p, opts);
  expect(viaReadRows).to.deep.equal(expected);
  return actual;
}

async function fastUnsupported(p: string, opts: ReadOptions = {}): Promise<FastXlsxUnsupported> {
  let headersCalled = false;
  let rows = 0;
  try {
    for await (const _ of readXlsxFast(p, { ...opts, onHeaders: () => (headersCalled = true) })) rows++;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(FastXlsxUnsupported);
    expect(rows).to.equal(0);
    expect(headersCalled).to.equal(false);
    return e as FastXlsxUnsupported;
  }
  throw new Error('expected FastXlsxUnsupported');
}

// ---- a minimal zip / XLSX writer, for files exceljs cannot write ---------------------------

interface ZipPart {
  name: string;
  data: string | Buffer;
  /** stored instead of deflated */
  store?: boolean;
  /** sizes and CRC in a data descriptor after the data (flag bit 3) */
  descriptor?: boolean;
}

function writeZip(p: string, parts: ZipPart[], comment = ''): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const raw = Buffer.isBuffer(part.data) ? part.data : Buffer.from(part.data, 'utf8');
    const data = part.store ? raw : zlib.deflateRawSync(raw);
    const name = Buffer.from(part.name, 'utf8');
    const crc = zlib.crc32(raw);
    const method = part.store ? 0 : 8;
    const flags = 0x800 | (part.descriptor ? 0x8 : 0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x6000, 10);
    local.writeUInt16LE(0x5a21, 12);
    if (!part.descriptor) {
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(data.length, 18);
      local.writeUInt32LE(raw.length, 22);
    }
    local.writeUInt16LE(name.length, 26);
    const descriptor = Buffer.alloc(part.descriptor ? 16 : 0);
    if (part.descriptor) {
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(data.length, 8);
      descriptor.writeUInt32LE(raw.length, 12);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x6000, 12);
    central.writeUInt16LE(0x5a21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data, descriptor);
    centrals.push(central, name);
    offset += local.length + name.length + data.length + descriptor.length;
  }
  const cd = Buffer.concat(centrals);
  const commentBuf = Buffer.from(comment, 'utf8');
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(parts.length, 8);
  eocd.writeUInt16LE(parts.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(commentBuf.length, 20);
  fs.writeFileSync(p, Buffer.concat([...locals, cd, eocd, commentBuf]));
}

const METADATA_FIRST = ['xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/styles.xml', 'xl/sharedStrings.xml'];
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

interface SheetDef {
  name: string;
  /** worksheet part number: xl/worksheets/sheet<file>.xml */
  file: number;
  sheetId?: number;
  state?: string;
  /** <sheetData> content, or a whole worksheet document when it starts with '<?xml' or '<!' */
  data: string;
}

interface BookDef {
  sheets: SheetDef[];
  /** <si> elements of xl/sharedStrings.xml (omitted: no shared-string part) */
  sst?: string[];
  /** whole sharedStrings.xml, instead of `sst` */
  sstXml?: string;
  /** <numFmts> and <cellXfs> content of xl/styles.xml (omitted: no styles part) */
  numFmts?: string;
  cellXfs?: string;
  stylesXml?: string;
  date1904?: boolean;
  /**
   * zip entry order by part name; other parts follow in the default order. The default puts
   * the workbook parts first, so that exceljs reads the sheets as it meets them: with sheets
   * first it spools them to temp files, and then unzipper.Parse can end the entry stream while
   * entries of a tiny zip are still buffered ('end' on 'finish'), losing e.g. the shared strings.
   */
  order?: string[];
  store?: boolean;
  descriptor?: boolean;
  /** replaces the worksheet root's start tag */
  worksheetOpen?: string;
}

const sheetXml = (def: BookDef, data: string) =>
  data.startsWith('<?xml') || data.startsWith('<!')
    ? data
    : `${XML_DECL}${def.worksheetOpen ?? `<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">`}<dimension ref="A1"/>` +
      `<sheetData>${data}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>` +
      `${def.worksheetOpen ? def.worksheetOpen.replace(/^<([\w:]+).*$/s, '</$1>') : '</worksheet>'}`;

function writeBook(p: string, def: BookDef): void {
  const parts = new Map<string, string>();
  parts.set(
    '[Content_Types].xml',
    `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
  );
  parts.set(
    '_rels/.rels',
    `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  );
  parts.set(
    'xl/workbook.xml',
    `${XML_DECL}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><workbookPr${def.date1904 ? ' date1904="1"' : ''}/><sheets>` +
      def.sheets
        .map((s, i) => `<sheet name="${s.name}" sheetId="${s.sheetId ?? i + 1}"${s.state ? ` state="${s.state}"` : ''} r:id="rIdS${s.file}"/>`)
        .join('') +
      '</sheets></workbook>',
  );
  parts.set(
    'xl/_rels/workbook.xml.rels',
    `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      def.sheets.map((s) => `<Relationship Id="rIdS${s.file}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${s.file}.xml"/>`).join('') +
      `<Relationship Id="rIdSt" Type="${REL_NS}/styles" Target="styles.xml"/><Relationship Id="rIdSs" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/>` +
      '</Relationships>',
  );
  for (const s of [...def.sheets].sort((a, b) => a.file - b.file)) parts.set(`xl/worksheets/sheet${s.file}.xml`, sheetXml(def, s.data));
  if (def.stylesXml !== undefined || def.numFmts !== undefined || def.cellXfs !== undefined) {
    parts.set(
      'xl/styles.xml',
      def.stylesXml ??
        `${XML_DECL}<styleSheet xmlns="${MAIN_NS}">${def.numFmts ? `<numFmts>${def.numFmts}</numFmts>` : ''}` +
          '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>' +
          '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>' +
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
          `<cellXfs>${def.cellXfs ?? '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'}</cellXfs></styleSheet>`,
    );
  }
  if (def.sstXml !== undefined || def.sst !== undefined) {
    parts.set('xl/sharedStrings.xml', def.sstXml ?? `${XML_DECL}<sst xmlns="${MAIN_NS}">${def.sst!.join('')}</sst>`);
  }
  const order = def.order ?? METADATA_FIRST;
  const names = [...order.filter((n) => parts.has(n)), ...[...parts.keys()].filter((n) => !order.includes(n))];
  writeZip(
    p,
    names.map((name) => ({ name, data: parts.get(name)!, store: def.store, descriptor: def.descriptor })),
  );
}

/** cellXfs: 0 General, 1 yyyy-mm-dd hh:mm (164), 2 built-in 14, 3 h:mm (20), 4 built-in 22, 5 CJK 31, 6 0.00 (2), 7 [h]:mm (165), 8 "日期"0 (166), 9 yyyy\-mm\-dd (167) */
const NUM_FMTS =
  '<numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="165" formatCode="[h]:mm"/>' +
  '<numFmt numFmtId="166" formatCode="&quot;日期&quot;0"/><numFmt numFmtId="167" formatCode="yyyy\\-mm\\-dd"/>';
const CELL_XFS = [0, 164, 14, 20, 22, 31, 2, 165, 166, 167]
  .map((id) => `<xf numFmtId="${id}" fontId="0" fillId="0" borderId="0" xfId="0"${id ? ' applyNumberFormat="1"' : ''}/>`)
  .join('');

// ---- files written by the project and by exceljs -------------------------------------------

describe('xlsx-fast: same rows as the exceljs reader', () => {
  it('files from writeXlsxStream: strings with markup characters, dates, numbers, nulls, blank rows', async () => {
    const p = file('written.xlsx');
    const rows: XlsxCell[][] = [
      ['GD001', 'a<b & "c" \'d\' >', new Date(Date.UTC(2025, 9, 9, 10, 0, 0)), 12084900.5, 3],
      [null, null, null, null, null],
      ['GD002', null, new Date(Date.UTC(2025, 11, 31, 23, 59, 59)), 0.1 + 0.2, 1e21],
      ['GD003', '  空格  ', null, 1.5e-7, -42],
      ['GD004', '第一行\r\n第二行\t制表', new Date(Date.UTC(1899, 11, 30, 9, 30)), 0, -0.000001],
      ['GD005', '&amp; &lt;已转义&gt; &#20013; _x000D_', new Date(Date.UTC(1900, 0, 1)), 123456789012345680000, Number.MAX_SAFE_INTEGER],
      [null, null, null, null, 'only a number'],
      ['😀 emoji 𠀀', '工单', new Date(Date.UTC(2038, 0, 19, 3, 14, 8, 499)), 1 / 3, 2 / 3],
    ];
    await writeXlsxStream(p, ['工单编号', '标题', '报修时间', '金额', '次数'], rows);
    const out = await same(p);
    expect(out.rows.map((r) => r.row)).to.deep.equal([2, 4, 5, 6, 7, 8, 9]);
    expect(out.rows[0].values['标题']).to.equal('a<b & "c" \'d\' >');
    expect(out.headers).to.deep.equal([[['工单编号', '标题', '报修时间', '金额', '次数'], 1]]);

    const dup = file('written-dup.xlsx');
    await writeXlsxStream(dup, ['姓名', '岗位', '姓名'], [['a', 'b', 'c']]);
    expect((await same(dup)).error?.message).to.contain('A 列').and.contain('C 列');

    const empty = file('written-empty.xlsx');
    await writeXlsxStream(empty, [], []);
    expect((await same(empty)).error?.message).to.contain('表头');

    const headerOnly = file('written-header-only.xlsx');
    await writeXlsxStream(headerOnly, ['a', '', 'b'], []);
    expect((await same(headerOnly)).headers).to.deep.equal([[['a', 'b'], 1]]);
  });

  it('exceljs workbooks: shared strings, Date cells, formulas, rich text, hyperlinks, errors, blank rows and columns, sheets', async () => {
    const p = file('full.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('工单');
    ws.getRow(2).values = [
      '工单编号', '报修时间', '报修日期', '到场时间', '金额', '合计', '截止日', '说明', '链接', '已解决', '错误', '公式错误',
      '零', '文本公式', '布尔公式', '', '  空白列后  ',
    ];
    const r3 = ws.getRow(3);
    r3.getCell(1).value = 'GD001';
    r3.getCell(2).value = new Date(Date.UTC(2025, 9, 9, 10, 30, 0));
    r3.getCell(2).numFmt = 'yyyy-mm-dd hh:mm';
    r3.getCell(3).value = new Date(Date.UTC(2025, 2, 30));
    r3.getCell(4).value = new Date(Date.UTC(1899, 11, 30, 9, 30));
    r3.getCell(4).numFmt = 'hh:mm';
    r3.getCell(5).value = 0.1 + 0.2;
    r3.getCell(6).value = { formula: 'E3*2', result: 2469.12 };
    r3.getCell(7).value = { formula: 'B3+1', result: new Date(Date.UTC(2025, 9, 10, 10, 30)) };
    r3.getCell(7).numFmt = 'yyyy-mm-dd hh:mm:ss';
    r3.getCell(8).value = { richText: [{ text: '红色', font: { color: { argb: 'FFFF0000' } } }, { text: '<加粗> & "引号"', font: { bold: true } }] };
    r3.getCell(9).value = { text: '工单详情', hyperlink: 'https://example.com/tickets/1?a=1&b=2' };
    r3.getCell(10).value = true;
    r3.getCell(11).value = { error: '#N/A' };
    r3.getCell(12).value = { formula: '1/0', result: { error: '#DIV/0!' } };
    r3.getCell(13).value = { formula: 'E3-E3', result: 0 };
    r3.getCell(14).value = { formula: 'A3&"-x"', result: 'GD001-x & <y>' };
    r3.getCell(15).value = { formula: 'TRUE()', result: true } as unknown as ExcelJS.CellValue;
    r3.getCell(16).value = 'under a blank header';
    r3.getCell(17).value = 1e21;
    ws.getRow(5).values = ['GD002', null, null, null, 7, { formula: 'E5*2', result: 14 }, null, 'a<b & "c"', null, false, null, null, 0, '', 'x'];
    ws.getRow(6).getCell(18).value = 'no header: ignored';
    ws.getRow(7).values = ['GD003', '2025-10-09 10:00', 45939.5, '45939', -1.5e-7, 1e-7, 123456789.123456789];
    ws.getRow(8).values = ['GD004', new Date(Date.UTC(1900, 1, 28)), new Date(Date.UTC(1900, 2, 1, 23, 59, 59, 600))];
    // shared formulas: the dependent cells have empty <f> text
    ws.getCell('E10').value = 5;
    ws.getCell('F10').value = { formula: 'E10*0', result: 0 };
    ws.getCell('F11').value = { sharedFormula: 'F10', result: 0 } as unknown as ExcelJS.CellValue;
    ws.getCell('A11').value = 'GD005';
    ws.getCell('F12').value = { sharedFormula: 'F10', result: 3 } as unknown as ExcelJS.CellValue;
    ws.getCell('A12').value = 'GD006';
    for (let i = 0; i < 50; i++) ws.getRow(20 + i).values = [`GD${100 + i}`, `中文${i}`, i % 2 === 0 ? `中文${i}` : i, i / 7];
    const staff = wb.addWorksheet('人员名册');
    staff.getRow(2).values = ['姓名', '驻场'];
    staff.getRow(3).values = ['王婷', '是'];
    const third = wb.addWorksheet('空表');
    third.getCell('C3').value = '';
    await wb.xlsx.writeFile(p);

    const out = await same(p);
    expect(out.rows[0].values).to.include({ 工单编号: 'GD001', 报修时间: '2025-10-09 10:30:00', 到场时间: '09:30:00', 说明: '红色<加粗> & "引号"' });
    expect(out.rows.length).to.be.greaterThan(50);
    const staffOut = await same(p, { sheet: 2 });
    expect(staffOut.rows).to.deep.equal([{ row: 3, values: { 姓名: '王婷', 驻场: '是' } }]);
    expect((await same(p, { sheet: 3 })).error?.message).to.contain('空表');
    expect((await same(p, { sheet: 4 })).error?.message).to.contain('第 4 个工作表');
  });

  it('exceljs workbooks with date1904, hidden and reordered sheets, duplicate headers', async () => {
    const p = file('1904.xlsx');
    const wb = new ExcelJS.Workbook();
    wb.properties.date1904 = true;
    const a = wb.addWorksheet('隐藏', { state: 'hidden' });
    a.addRow(['h']);
    a.addRow(['hidden row']);
    const b = wb.addWorksheet('数据');
    b.addRow(['时间', '数']);
    b.addRow([new Date(Date.UTC(2025, 0, 1, 8, 0, 0)), 1]);
    b.getCell('A2').numFmt = 'yyyy-mm-dd hh:mm:ss';
    b.addRow([new Date(Date.UTC(1904, 0, 1)), 2]);
    b.getCell('A3').numFmt = 'yyyy-mm-dd';
    const c = wb.addWorksheet('重复');
    c.addRow(['x', 'y', ' x ']);
    c.addRow([1, 2, 3]);
    await wb.xlsx.writeFile(p);
    await same(p);
    expect((await same(p, { sheet: 2 })).rows).to.have.length(2);
    expect((await same(p, { sheet: 3 })).error?.message).to.contain('重复的列名“x”');
  });
});

describe('xlsx-fast: random exceljs workbooks (seeded)', () => {
  let seed = 20251009;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const STRS = ['a', ' 前后 ', '中文字符', 'a<b & "c"', "it's", '&amp;', '&lt;x&gt;', '_x000D_', 'l1\nl2', 'tab\t', '', '   ', '😀', '0', '#N/A', 'x'.repeat(300), 'constructor', '__proto__'];
  const FMTS = [undefined, 'General', '0.00', 'yyyy-mm-dd', 'yyyy-mm-dd hh:mm:ss', 'hh:mm', 'mm:ss', '[h]:mm:ss', '0%', '"年"0', '@', 'yyyy"年"m"月"d"日"', '[Red]0.00'];
  const value = (): unknown => {
    switch (Math.floor(rnd() * 13)) {
      case 0:
      case 1:
        return pick(STRS);
      case 2:
        return Math.round((rnd() - 0.5) * 1e6) / 100;
      case 3:
        return pick([0, -0, 1e21, 1e-7, 0.1 + 0.2, 123456789012345680000, -1.5e-7, 45000.5, 1 / 3, 2.5e-300]);
      case 4:
        return new Date(Date.UTC(1900 + Math.floor(rnd() * 200), Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28), Math.floor(rnd() * 24), Math.floor(rnd() * 60), Math.floor(rnd() * 60), Math.floor(rnd() * 1000)));
      case 5:
        return new Date(Date.UTC(1899, 11, 30, Math.floor(rnd() * 24), Math.floor(rnd() * 60)));
      case 6:
        return rnd() < 0.5;
      case 7:
        return { formula: 'A1', result: pick<unknown>([0, 1, 2.5, 'txt', '', true, false, { error: '#DIV/0!' }, undefined, new Date(Date.UTC(2025, 1, 2, 3, 4, 5))]) };
      case 8:
        return { richText: [{ text: pick(STRS), font: { bold: true } }, { text: pick(STRS) }] };
      case 9:
        return { text: pick(STRS) || 'link', hyperlink: 'https://example.com/?a=1&b=2' };
      case 10:
        return { error: pick(['#N/A', '#REF!', '#VALUE!']) };
      case 11:
        return null;
      default:
        return `${pick(STRS)}${Math.floor(rnd() * 50)}`;
    }
  };

  it('same rows, headers and errors on every sheet of 40 random workbooks', async function () {
    this.timeout(120_000);
    for (let i = 0; i < 40; i++) {
      const wb = new ExcelJS.Workbook();
      if (rnd() < 0.2) wb.properties.date1904 = true;
      const sheets = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < sheets; k++) {
        const ws = wb.addWorksheet(`表${k}`, rnd() < 0.2 ? { state: 'hidden' } : undefined);
        const rows = i % 10 === 9 ? 2000 : Math.floor(rnd() * 12);
        const cols = 1 + Math.floor(rnd() * 8);
        for (let r = 1 + Math.floor(rnd() * 3), n = 0; n < rows; n++, r += rnd() < 0.2 ? 2 : 1) {
          const row = ws.getRow(r);
          for (let c = 1; c <= cols; c++) {
            if (rnd() < 0.2) continue;
            const cell = row.getCell(c);
            cell.value = (n === 0 && rnd() < 0.8 ? `${pick(['h', '列', ' 名 ', ''])}${c}` : value()) as ExcelJS.CellValue;
            const fmt = pick(FMTS);
            if (fmt) cell.numFmt = fmt;
          }
        }
      }
      const p = file(`random-${i}.xlsx`);
      await wb.xlsx.writeFile(p);
      for (let k = 1; k <= sheets + 1; k++) await same(p, { sheet: k });
    }
  });
});

// ---- hand-written workbooks: what Excel, WPS and other writers put in files ----------------

describe('xlsx-fast: hand-written XLSX parts', () => {
  const SST = [
    '<si><t>工单编号</t></si>',
    '<si><t>标题</t></si>',
    '<si><t xml:space="preserve">  前后空格  </t></si>',
    '<si><r><rPr><b/><sz val="11"/><color rgb="FFFF0000"/><rFont val="宋体"/><family val="2"/><charset val="134"/></rPr><t>富</t></r><r><t xml:space="preserve">文本 </t></r><r><t>&lt;&amp;&gt;</t></r></si>',
    '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>',
    '<si><t/></si>',
    '<si>\n  <t>缩进的</t>\n</si>',
    '<si><t>&#20013;&#x6587; &quot;x&quot; &apos;y&apos; _x000D_ &amp;amp;</t></si>',
    '<si><t>第一行\r\n第二行\r第三行</t></si>',
    '<si><r><t>只有</t></r><rPh><t>ふりがな</t></rPh></si>',
    '<si><t>日期</t></si>',
    '<si><t>数值</t></si>',
  ];

  const PRETTY_ROWS = `
    <row r="1" spans="1:6">
      <c r="A1" t="s"><v>0</v></c>
      <c r="B1" t="s"><v>1</v></c>
      <c r="C1" t="s"> <v> 10 </v> </c>
      <c r="D1" t="s"><v>11</v></c>
      <c r="E1" t="inlineStr"><is><t>内联</t></is></c>
      <c r="F1" t="str"><v>其他</v></c>
    </row>
    <!-- a comment -->
    <row r="3">
      <c r="A3" t="s"><v>2</v></c>
      <c r="B3" t="s"><v>3</v></c>
      <c r="C3" s="1"><v>45939.4375</v></c>
      <c r="D3"><v>1e-7</v></c>
      <c r="E3" t="inlineStr"><is><r><rPr><b/></rPr><t>第一段</t></r><r><t>第二段</t></r></is></c>
      <c r="F3" t="b"><v>1</v></c>
    </row>
    <row r="4"><c r="A4" t="s"><v>4</v></c><c r="B4" t="s"><v>5</v></c><c r="C4" s="2"><v>45658</v></c><c r="D4" t="e"><v>#REF!</v></c><c r="E4" t="inlineStr"><is><t><![CDATA[cdata<dropped>]]>after</t></is></c><c r="F4" t="b"><v>0</v></c></row>
    <row r="5"><c r="A5" t="s"><v>6</v></c><c r="B5" t="s"><v>7</v></c><c r="C5" s="3"><v>0.3958333333333333</v></c><c r="D5" s="6"><v>3.14159</v></c><c r="E5" t="inlineStr"><is><t>&amp;lt;双重&amp;gt; &#x4e2d; _x0009_</t></is></c><c r="F5" t="n"><v>-0</v></c></row>
    <row r="6"><c r="A6" t="s"><v>8</v></c><c r="B6" t="s"><v>9</v></c><c r="C6" s="4"><v>45658.999994</v></c><c r="D6" s="5"><v>45658</v></c><c r="E6" t="d"><v>2025-10-09T10:00:00</v></c><c r="F6"><f>1/0</f><v>#DIV/0!</v></c></row>
    <row r="7" s="1" customFormat="1"><c r="A7"><v>45000.5</v></c><c r="B7" s="6"><v>45000.5</v></c><c r="C7" s="0"><v>45000.5</v></c><c r="D7" t="str"><f>A7&amp;"x"</f><v>a &amp;amp; b</v></c><c r="E7" t="b"><f>TRUE()</f><v>1</v></c><c r="F7"><f>0*1</f><v>0</v></c></row>
    <row r="8"><c r="A8" s="7"><v>1.75</v></c><c r="B8" s="8"><v>42</v></c><c r="C8" s="9"><v>45000</v></c><c r="D8"><f t="shared" ref="D8:D9" si="0">1-1</f><v>0</v></c><c r="E8"><f t="shared" si="0"/><v>0</v></c><c r="F8"><f t="shared" si="0"/>
        <v>0</v></c></row>
    <row r="9"><c r="$A$9" t="s"><v>99</v></c><c r="B9" t="s"><v>abc</v></c><c r="C9"><v>not a number</v></c><c r="D9"><f>SUM(A1)</f></c><c r="E9" t="e"><f>NA()</f><v>#N/A</v></c><c r="F9"/></row>
    <row r="10"/>
    <row r="11" spans="1:6"><c r="A11" s="1"/><c r="B11"/></row>
    <row r="12"><c r="B12"><v>1</v></c><c r="B12" s="1"/><c r="A12"><v>2</v></c><c r="A12" t="str"><v>后写的</v></c><c r="C12" s="1"><v>45000</v></c><c r="C12" s="6"/></row>
    <row r="13"><c r="F13"><v>1.0000000000000002</v></c><c r="E13"><v>123456789012345678</v></c><c r="A13" t="inlineStr"><is><t>乱序</t></is></c></row>
    <row r="14"><c r="A14" t="inlineStr"><is><t>   </t></is></c><c r="B14" t="str"><v>

    </v></c></row>
    <row r="15"><c r="A15" t="inlineStr"><is><t>phonetic</t><rPh><t>ヨミ</t></rPh></is></c><c r="XFD15" t="str"><v>最后一列</v></c></row>`;

  const book = (extra: Partial<BookDef> = {}): BookDef => ({
    sheets: [{ name: '工单', file: 1, data: PRETTY_ROWS }],
    sst: SST,
    numFmts: NUM_FMTS,
    cellXfs: CELL_XFS,
    ...extra,
  });

  it('pretty-printed XML, shared and inline strings, rich and phonetic text, entities, styles, formulas, odd cells', async () => {
    const p = file('pretty.xlsx');
    writeBook(p, book());
    const out = await same(p);
    expect(out.headers).to.deep.equal([[['工单编号', '标题', '日期', '数值', '内联', '其他'], 1]]);
    expect(out.rows[0]).to.deep.equal({
      row: 3,
      values: { 工单编号: '前后空格', 标题: '富文本 <&>', 日期: '2025-10-09 10:30:00', 数值: '0.0000001', 内联: '第二段', 其他: 'TRUE' },
    });
  });

  it('every zip layout: entry order, stored entries, data descriptors, a zip comment', async () => {
    // the reference: exceljs on the default layout (workbook parts first, sheets read directly)
    const reference = file('layout-reference.xlsx');
    writeBook(reference, book());
    const expected = await exceljsOutcome(readXlsxExceljs, reference);
    expect(expected.rows.length).to.be.greaterThan(5);
    const layouts: [string, Partial<BookDef>][] = [
      ['excel-order', { order: ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/worksheets/sheet1.xml', 'xl/styles.xml', 'xl/sharedStrings.xml'] }],
      ['sheet-before-sst', { order: ['xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/styles.xml', 'xl/worksheets/sheet1.xml', 'xl/sharedStrings.xml'] }],
      ['sheets-last', { order: ['xl/sharedStrings.xml', 'xl/styles.xml', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml'] }],
      ['stored', { store: true }],
      ['descriptors', { descriptor: true, order: ['xl/worksheets/sheet1.xml'] }],
    ];
    for (const [name, extra] of layouts) {
      const p = file(`layout-${name}.xlsx`);
      writeBook(p, book(extra));
      expect(await outcome(readXlsxFast, p), name).to.deep.equal(expected);
      expect(await outcome((f, o) => readRows(f, 'xlsx', o), p), name).to.deep.equal(expected);
    }
    // with data descriptors exceljs cannot run ahead of the spooled sheet: same result there too
    expect(await exceljsOutcome(readXlsxExceljs, file('layout-descriptors.xlsx'))).to.deep.equal(expected);

    // a zip comment (longer than the 80 bytes unzipper.Open searches for the directory's end)
    const commented = file('layout-comment.xlsx');
    const plain = fs.readFileSync(reference);
    const eocd = plain.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const comment = Buffer.from('注释 '.repeat(100));
    const withComment = Buffer.concat([plain.subarray(0, eocd + 22), comment]);
    withComment.writeUInt16LE(comment.length, eocd + 20);
    fs.writeFileSync(commented, withComment);
    expect(await same(commented)).to.deep.equal(expected);
  });

  it('sheet option: tab order from workbook.xml, not the part numbers; names in messages', async () => {
    const p = file('tabs.xlsx');
    writeBook(p, {
      sheets: [
        { name: '第二个文件', file: 2, sheetId: 7, data: '<row r="1"><c r="A1" t="inlineStr"><is><t>b</t></is></c></row><row r="2"><c r="A2"><v>2</v></c></row>' },
        { name: '隐藏&amp;表', file: 1, sheetId: 3, state: 'hidden', data: '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>' },
        { name: '空的', file: 3, sheetId: 1, data: '<row r="4"><c r="B4" t="inlineStr"><is><t>  </t></is></c></row>' },
      ],
      numFmts: '',
      cellXfs: CELL_XFS,
    });
    expect((await same(p)).rows).to.deep.equal([{ row: 2, values: { b: '2' } }]);
    expect((await same(p, { sheet: 2 })).rows).to.deep.equal([{ row: 2, values: { a: '1' } }]);
    expect((await same(p, { sheet: 3 })).error?.message).to.equal('工作表“空的”中没有表头行（工作表为空）');
    expect((await same(p, { sheet: 4 })).error?.message).to.equal('文件中没有第 4 个工作表（共 3 个）');
  });

  it('date1904, no styles part, no shared strings part', async () => {
    const data =
      '<row r="1"><c r="A1" t="inlineStr"><is><t>t</t></is></c><c r="B1" t="s"><v>0</v></c></row>' +
      '<row r="2"><c r="A2" s="1"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row><row r="3"><c r="A3" s="2"><v>1</v></c></row>';
    const p1 = file('1904-hand.xlsx');
    writeBook(p1, { sheets: [{ name: 's', file: 1, data }], date1904: true, numFmts: NUM_FMTS, cellXfs: CELL_XFS, sst: ['<si><t>u</t></si>'] });
    expect((await same(p1)).rows[0].values['t']).to.equal('1904-01-01 00:00:00');
    const p2 = file('no-styles.xlsx');
    writeBook(p2, { sheets: [{ name: 's', file: 1, data }], sst: ['<si><t>u</t></si>', '<si><t>v</t></si>'] });
    await same(p2);
    const p3 = file('no-sst.xlsx');
    writeBook(p3, { sheets: [{ name: 's', file: 1, data }], numFmts: NUM_FMTS, cellXfs: CELL_XFS });
    await same(p3);
  });

  it('a text node longer than the 1 MB the scanner keeps pending: handed on without splitting a character', async () => {
    const data = (unit: string) => {
      const big = unit.repeat(Math.ceil(2_500_000 / unit.length));
      return (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c><c r="B1" t="inlineStr"><is><t>g</t></is></c></row>' +
        `<row r="2"><c r="A2" t="inlineStr"><is><t>${big}</t></is></c><c r="B2" t="str"><v>${'x'.repeat(1_500_001)}&amp;</v></c></row>`
      );
    };
    for (const [name, unit] of [['plain', '中文é😀\r\n'], ['entities', '中文&amp;\r\n&#x4e2d;é😀 ']]) {
      const p = file(`long-text-${name}.xlsx`);
      writeBook(p, { sheets: [{ name: 's', file: 1, data: data(unit) }] });
      const out = await same(p);
      expect(out.rows[0].values['h'].length, name).to.be.greaterThan(1_000_000);
      expect(out.rows[0].values['h']).not.to.contain('\ufffd');
    }
  });

  it('broken sheets end with the same ImportFileError', async () => {
    const cases: [string, string][] = [
      ['no-ref', '<row r="1"><c t="inlineStr"><is><t>a</t></is></c></row>'],
      ['bad-ref', '<row r="1"><c r="a1" t="inlineStr"><is><t>a</t></is></c></row>'],
      ['no-row-number', '<row><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'],
      ['bad-entity', '<row r="1"><c r="A1" t="inlineStr"><is><t>a &nbsp; b</t></is></c></row>'],
      ['bad-char-ref', '<row r="1"><c r="A1" t="inlineStr"><is><t>&#0;</t></is></c></row>'],
      ['mismatched', '<row r="1"><c r="A1" t="inlineStr"><is><t>a</is></t></c></row>'],
      ['control-char', '<row r="1"><c r="A1" t="inlineStr"><is><t>a\u0001b</t></is></c></row>'],
      // after a good or a duplicate header in the same chunk: exceljs sees the rows of a chunk
      // only after all of its XML and cells, so it reports neither the header nor the rows
      ['after-header', '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>&bad;</t></is></c></row>'],
      ['dup-header-then-xml', '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c><c r="B1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row></row>'],
      ['dup-header-then-cell', '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c><c r="B1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c><v>1</v></c></row>'],
    ];
    for (const [name, data] of cases) {
      const p = file(`broken-${name}.xlsx`);
      writeBook(p, { sheets: [{ name: 's', file: 1, data }], numFmts: '', cellXfs: CELL_XFS });
      const out = await same(p);
      expect(out.error?.name, name).to.equal('ImportFileError');
      expect(out.headers, name).to.deep.equal([]);
      expect(out.error?.message, name).to.equal(BROKEN);
    }
    // no styles part: exceljs's default style table fails on <row s="0">, after the header
    const noStyles = file('broken-row-style.xlsx');
    writeBook(noStyles, { sheets: [{ name: 's', file: 1, data: '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2" s="0"><c r="A2"><v>1</v></c></row>' }] });
    expect((await same(noStyles)).error?.message).to.equal(BROKEN);
    // truncated XML: exceljs (saxes is never closed) reads what is there
    const cut = file('broken-cut.xlsx');
    const whole = sheetXml({ sheets: [] }, PRETTY_ROWS.replace(/t="s"/g, 't="str"'));
    writeBook(cut, { sheets: [{ name: 's', file: 1, data: whole.slice(0, whole.indexOf('<row r="9"') + 40) }] });
    expect((await same(cut)).rows.length).to.be.greaterThan(3);
  });

  it('falls back to exceljs, before any row, for files it does not handle', async () => {
    const rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>';
    const cases: [string, BookDef][] = [
      ['strict', { sheets: [{ name: 's', file: 1, data: rows }], worksheetOpen: '<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main">' }],
      ['prefixed', { sheets: [{ name: 's', file: 1, data: rows.replace(/<(\/?)(row|c|is|t|v)\b/g, '<$1x:$2') }], worksheetOpen: `<x:worksheet xmlns:x="${MAIN_NS}">` }],
      ['doctype', { sheets: [{ name: 's', file: 1, data: `<!DOCTYPE worksheet><worksheet xmlns="${MAIN_NS}"><sheetData>${rows}</sheetData></worksheet>` }] }],
      ['styles-after-streamed-sheet', { sheets: [{ name: 's', file: 1, data: rows }], sst: [], numFmts: '', cellXfs: CELL_XFS, order: ['xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml', 'xl/styles.xml'] }],
      ['styles-without-cellXfs', { sheets: [{ name: 's', file: 1, data: rows }], stylesXml: `<styleSheet xmlns="${MAIN_NS}"/>` }],
    ];
    for (const [name, def] of cases) {
      const p = file(`fallback-${name}.xlsx`);
      writeBook(p, def);
      const e = await fastUnsupported(p);
      expect(e.reason, name).to.be.a('string');
      // readRows reads it with exceljs: same outcome as calling the exceljs reader directly
      const expected = await exceljsOutcome(readXlsxExceljs, p);
      expect(await exceljsOutcome((f, o) => readRows(f, 'xlsx', o), p), name).to.deep.equal(expected);
    }
    const strict = file('fallback-strict.xlsx');
    expect((await exceljsOutcome((f, o) => readRows(f, 'xlsx', o), strict)).rows).to.deep.equal([{ row: 2, values: { h: '1' } }]);

    // a zip without a readable central directory: left to exceljs as well
    const truncated = file('fallback-truncated.xlsx');
    const whole = fs.readFileSync(strict);
    fs.writeFileSync(truncated, whole.subarray(0, whole.length - 30));
    await fastUnsupported(truncated);
  });
});

describe('xlsx-fast: files that are not workbooks', () => {
  it('gives the exceljs path\'s ImportFileError for missing, non-zip, fake-zip and truncated files', async () => {
    const random = file('random.xlsx');
    fs.writeFileSync(random, crypto.randomBytes(64 * 1024));
    const missing = file('missing.xlsx');
    for (const p of [random, missing]) {
      const out = await same(p);
      expect(out.error?.name).to.equal('ImportFileError');
    }
    const fakeZip = file('fake.xlsx');
    fs.writeFileSync(fakeZip, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), crypto.randomBytes(10_000)]));
    const truncated = file('truncated.xlsx');
    await writeXlsxStream(file('src.xlsx'), ['a'], [['b']]);
    const whole = fs.readFileSync(file('src.xlsx'));
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    for (const p of [fakeZip, truncated]) {
      await fastUnsupported(p);
      const out = await outcome((f, o) => readRows(f, 'xlsx', o), p);
      expect(out.error?.name).to.equal('ImportFileError');
      expect(out).to.deep.equal(await exceljsOutcome(readXlsxExceljs, p));
    }
    let caught: unknown;
    try {
      await readXlsxFast(file('x.xlsx'), { sheet: 0 }).next();
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(RangeError);
  });

  it('passes exceptions from onHeaders through unchanged and stops cleanly when the consumer breaks', async () => {
    const p = file('early.xlsx');
    await writeXlsxStream(p, ['n', '名称'], (function* () {
      for (let i = 0; i < 30_000; i++) yield [i, `名称${i}`];
    })());
    const boom = new Error('missing columns');
    let caught: unknown;
    try {
      for await (const _ of readXlsxFast(p, { onHeaders: () => { throw boom; } })) expect.fail('no row before onHeaders');
    } catch (e) {
      caught = e;
    }
    expect(caught).to.equal(boom);
    let last = 0;
    for await (const r of readXlsxFast(p)) {
      last = r.row;
      if (last === 10) break;
    }
    expect(last).to.equal(10);
  });
});

// ---- 100,000 rows --------------------------------------------------------------------------

describe('xlsx-fast: 100,000 rows', () => {
  const N = 100_000;
  const HEADERS = ['工单编号', '标题', '报修时间', '解决时间', '优先级', '处理人', '是否超时'];
  const base = Date.UTC(2025, 0, 1);
  const title = (i: number) => `第${i}号工单：办税服务厅自助终端无法打印完税证明，需要现场处理`;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  function* tickets(): Generator<XlsxCell[]> {
    for (let i = 1; i <= N; i++) {
      yield [
        `GD2025${String(i).padStart(6, '0')}`,
        title(i),
        new Date(base + i * 60_000),
        i % 10 === 0 ? null : new Date(base + i * 60_000 + 2 * 3_600_000),
        ['紧急', '高', '中', '低'][i % 4],
        `处理人${i % 37}`,
        i % 9 === 0 ? '是' : '否',
      ];
    }
  }

  it('reads a 100,000-row, 7-column export intact; prints both readers\' times', async function () {
    this.timeout(600_000);
    const p = file('tickets-100k.xlsx');
    await writeXlsxStream(p, HEADERS, tickets());

    // every row and cell, so that a character split between two inflated chunks would show
    if (global.gc) global.gc();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let count = 0;
    let bad = 0;
    for await (const r of readXlsxFast(p)) {
      count += 1;
      const i = count;
      const v = r.values;
      if (
        r.row !== i + 1 ||
        Object.keys(v).join() !== HEADERS.join() ||
        v['工单编号'] !== `GD2025${String(i).padStart(6, '0')}` ||
        v['标题'] !== title(i) ||
        v['报修时间'] !== iso(base + i * 60_000) ||
        v['解决时间'] !== (i % 10 === 0 ? '' : iso(base + i * 60_000 + 2 * 3_600_000)) ||
        v['优先级'] !== ['紧急', '高', '中', '低'][i % 4] ||
        v['处理人'] !== `处理人${i % 37}` ||
        v['是否超时'] !== (i % 9 === 0 ? '是' : '否')
      ) {
        bad += 1;
      }
      if (count % 5000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(count).to.equal(N);
    expect(bad).to.equal(0);

    // timings: each reader read to the end, rows only counted
    const time = async (read: Reader): Promise<number> => {
      const t0 = process.hrtime.bigint();
      let n = 0;
      for await (const _ of read(p)) n += 1;
      expect(n).to.equal(N);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const oldMs = await time(readXlsxExceljs);
    const fastMs = Math.min(await time(readXlsxFast), await time(readXlsxFast));
    const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
    console.log(
      `      100k-row, 7-column XLSX (${mb(fs.statSync(p).size)} MB): exceljs reader ${oldMs.toFixed(0)} ms, ` +
        `fast reader ${fastMs.toFixed(0)} ms (${(oldMs / fastMs).toFixed(1)}× faster); ` +
        `RSS before the fast read ${mb(rssBefore)} MB, peak during it ${mb(peak)} MB`,
    );
  });
});
