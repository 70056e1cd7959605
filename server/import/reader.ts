// Reading of import files (工单导出、巡检记录、报告收件箱、人员名册) as rows of header → text.
// Both formats stream: a 100,000-row ticket export is read row by row, never held in memory.
//
// CSV: csv-parse over fs.createReadStream. Encoding: UTF-8 (with or without BOM) or, for the
// GBK/GB18030 files that Chinese Excel writes with "CSV (逗号分隔)", GB18030 — decided on the
// first chunk that holds a non-ASCII byte: valid UTF-8 → UTF-8, otherwise GB18030. UTF-16 files
// ("Unicode 文本") are refused with a message.
//
// XLSX: xlsx-fast.ts's reader (readXlsxFast); for the files it does not handle, exceljs's
// streaming WorkbookReader (readXlsxExceljs), cell values as text (see cellText). Both give the
// same rows.
import fs from 'fs';
import path from 'path';
import { isAscii } from 'buffer';
import { PassThrough, pipeline, Readable } from 'stream';
import { TextDecoder } from 'util';
import { parse as parseCsv, CsvError } from 'csv-parse';
import ExcelJS from './exceljs';
import { FastXlsxUnsupported, readXlsxFast } from './xlsx-fast';

export type ImportFormat = 'csv' | 'xlsx';

/** One data row. `row` is the row number a user sees in Excel (header usually row 1). */
export interface RawRow {
  row: number;
  /** header text (trimmed) → cell text (trimmed, '' when empty); every header is a key, in column order */
  values: Record<string, string>;
}

/** The file cannot be read as an import table; the message is for the user (Chinese). */
export class ImportFileError extends Error {
  /** row number the problem was found at, when known */
  readonly row?: number;

  constructor(message: string, options?: { row?: number; cause?: unknown }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'ImportFileError';
    if (options?.row !== undefined) this.row = options.row;
  }
}

export interface ReadOptions {
  /** worksheet of an XLSX file, 1-based position in the workbook's tab order; default 1 */
  sheet?: number;
  /**
   * Called once with the header texts (non-blank, in column order) and the header's row
   * number, before the first data row is yielded, even when there are no data rows. An
   * exception thrown here ends the read and propagates unchanged (e.g. missing columns).
   */
  onHeaders?: (headers: string[], row: number) => void;
}

// ---- format detection ----------------------------------------------------------------------

const startsWith = (buf: Buffer, bytes: number[]): boolean =>
  buf.length >= bytes.length && bytes.every((b, i) => buf[i] === b);

/** Well-known binary formats that must never be taken for a CSV file. */
const BINARY_MAGICS: number[][] = [
  [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], // OLE2: .xls, .doc, password-protected .xlsx
  [0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0xff, 0xd8, 0xff], // JPEG
  [0x47, 0x49, 0x46, 0x38], // GIF8
  [0x1f, 0x8b], // gzip
  [0x52, 0x61, 0x72, 0x21], // Rar!
  [0x37, 0x7a, 0xbc, 0xaf], // 7z
  [0x50, 0x4b], // any other zip record
];

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];

/**
 * Whether the bytes look like text: no NUL byte, no known binary signature, and almost no
 * control characters (tab, CR, LF, FF, VT and Ctrl-Z are fine).
 */
function looksLikeText(buf: Buffer): boolean {
  if (BINARY_MAGICS.some((m) => startsWith(buf, m))) return false;
  if (startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff])) return false; // UTF-16
  const n = Math.min(buf.length, 8192);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1a) controls++;
  }
  return controls * 200 <= n; // ≤ 0.5 %
}

/**
 * The format of an uploaded file: a zip signature (PK\3\4) → 'xlsx' whatever the name; else
 * by extension, '.csv' (or '.txt') → 'csv' when the bytes look like text; null otherwise —
 * including '.xlsx' files that are not zips (old .xls renamed, encrypted workbooks) and
 * binary files named .csv. `firstBytes` should be the first few KB of the file.
 */
export function detectFormat(filename: string, firstBytes: Buffer): ImportFormat | null {
  if (startsWith(firstBytes, ZIP_LOCAL_HEADER)) return 'xlsx';
  const ext = path.extname(filename).toLowerCase();
  if ((ext === '.csv' || ext === '.txt') && looksLikeText(firstBytes)) return 'csv';
  return null;
}

// ---- shared row assembly -------------------------------------------------------------------

/** Excel column letters of a 1-based column number: 1 → A, 27 → AA. */
function columnLetters(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** @internal shared with xlsx-fast.ts */
export interface Header {
  /** 0-based column index → header text, only non-blank headers */
  columns: { index: number; name: string }[];
  names: string[];
}

/** Builds the header from the first non-empty row's cells (0-based index → text). @internal */
export function buildHeader(cells: Map<number, string> | string[], row: number): Header {
  const columns: { index: number; name: string }[] = [];
  const seen = new Map<string, number>();
  const entries: [number, string][] = Array.isArray(cells) ? cells.map((c, i) => [i, c]) : [...cells.entries()];
  entries.sort((a, b) => a[0] - b[0]);
  for (const [index, raw] of entries) {
    const name = raw.trim();
    if (name === '') continue;
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new ImportFileError(
        `表头有重复的列名“${name}”（第 ${row} 行 ${columnLetters(prev + 1)} 列和 ${columnLetters(index + 1)} 列），请修改后重新导入`,
        { row },
      );
    }
    seen.set(name, index);
    columns.push({ index, name });
  }
  return { columns, names: columns.map((c) => c.name) };
}

/**
 * A row's values keyed by header, or null when every headed cell is blank. The object has no
 * prototype, so header texts such as "constructor" or "__proto__" are ordinary keys. @internal
 */
export function rowValues(header: Header, cell: (index: number) => string | undefined): Record<string, string> | null {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  let any = false;
  for (const { index, name } of header.columns) {
    const v = (cell(index) ?? '').trim();
    if (v !== '') any = true;
    values[name] = v;
  }
  return any ? values : null;
}

function isBlankRecord(cells: string[]): boolean {
  for (const c of cells) if (c.trim() !== '') return false;
  return true;
}

// ---- CSV -----------------------------------------------------------------------------------

const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** A CSV record (row) longer than this is a broken file (e.g. an unclosed quote), not data. */
const MAX_CSV_RECORD_CHARS = 4 * 1024 * 1024;

/**
 * Decodes the byte chunks of a CSV file to text: ASCII-only chunks pass through; the first
 * chunk holding a non-ASCII byte decides UTF-8 (valid UTF-8, or a UTF-8 BOM) or GB18030.
 * A later invalid UTF-8 sequence is an ImportFileError rather than silent U+FFFD.
 */
async function* decodeCsvChunks(input: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  let encoding: 'utf-8' | 'gb18030' | null = null;
  let first = true;
  for await (const chunk of input) {
    if (first) {
      first = false;
      if (startsWith(chunk, [0xff, 0xfe]) || startsWith(chunk, [0xfe, 0xff])) {
        throw new ImportFileError('不支持 UTF-16（Unicode 文本）编码的文件，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后重新导入');
      }
      if (!looksLikeText(chunk)) {
        throw new ImportFileError('文件不是文本格式的 CSV 文件，请确认文件类型后重新导入');
      }
    }
    if (decoder === null) {
      if (isAscii(chunk)) {
        yield chunk.toString('latin1');
        continue;
      }
      const utf8 = new TextDecoder('utf-8', { fatal: true });
      try {
        const text = utf8.decode(chunk, { stream: true });
        decoder = utf8;
        encoding = 'utf-8';
        yield text;
      } catch {
        if (startsWith(chunk, UTF8_BOM)) {
          throw new ImportFileError('文件声明为 UTF-8 编码（带 BOM），但内容含有无效的 UTF-8 字节，请检查文件编码');
        }
        decoder = new TextDecoder('gb18030');
        encoding = 'gb18030';
        yield decoder.decode(chunk, { stream: true });
      }
      continue;
    }
    try {
      yield decoder.decode(chunk, { stream: true });
    } catch (e) {
      throw new ImportFileError('文件中有无效的 UTF-8 字节（编码混杂），请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新导入', { cause: e });
    }
  }
  if (decoder !== null) {
    try {
      const rest = decoder.decode();
      if (rest !== '') yield rest;
    } catch (e) {
      throw new ImportFileError(`文件末尾的 ${encoding === 'utf-8' ? 'UTF-8' : 'GB18030'} 字符不完整，请检查文件是否完整`, { cause: e });
    }
  }
}

function csvErrorMessage(e: unknown): ImportFileError {
  if (e instanceof ImportFileError) return e;
  if (e instanceof CsvError) {
    const line = typeof (e as CsvError & { lines?: number }).lines === 'number' ? (e as CsvError & { lines: number }).lines : undefined;
    const where = line !== undefined ? `第 ${line} 行附近：` : '';
    switch (e.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return new ImportFileError(`${where}CSV 文件中的引号没有闭合，请检查文件`, { row: line, cause: e });
      case 'CSV_MAX_RECORD_SIZE':
        return new ImportFileError(`${where}CSV 文件中有一行过长（可能是引号没有闭合），请检查文件`, { row: line, cause: e });
      default:
        return new ImportFileError(`${where}CSV 文件格式错误（${e.message}）`, { row: line, cause: e });
    }
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.code.startsWith('E')) {
    return new ImportFileError(`无法读取文件（${err.code}）`, { cause: e });
  }
  return new ImportFileError(`无法读取 CSV 文件（${err instanceof Error ? err.message : String(e)}）`, { cause: e });
}

async function* readCsv(file: string, opts: ReadOptions): AsyncGenerator<RawRow> {
  const input = fs.createReadStream(file, { highWaterMark: 64 * 1024 });
  const parser = parseCsv({
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false, // counted as rows (Excel shows them), skipped below
    max_record_size: MAX_CSV_RECORD_CHARS,
  });
  pipeline(Readable.from(decodeCsvChunks(input)), parser, () => {
    // errors reach the consumer through the parser's iterator
  });
  const records: AsyncIterator<string[]> = parser[Symbol.asyncIterator]();
  let rowNo = 0;
  let header: Header | null = null;
  try {
    for (;;) {
      let next: IteratorResult<string[]>;
      try {
        next = await records.next();
      } catch (e) {
        throw csvErrorMessage(e);
      }
      if (next.done) break;
      rowNo += 1;
      const cells = next.value;
      if (isBlankRecord(cells)) continue;
      if (header === null) {
        header = buildHeader(cells, rowNo);
        opts.onHeaders?.(header.names.slice(), rowNo);
        continue;
      }
      const values = rowValues(header, (i) => cells[i]);
      if (values) yield { row: rowNo, values };
    }
    if (header === null) throw new ImportFileError('文件中没有表头行（文件为空）');
  } finally {
    await records.return?.();
    parser.destroy();
    input.destroy();
  }
}

// ---- XLSX ----------------------------------------------------------------------------------

/** exceljs's utils.isDateFmt: a number format that shows a date or time. @internal */
export function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  const f = fmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '');
  return /[ymdhMsb]+/.test(f);
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * An Excel date as text. Excel dates carry no zone; exceljs maps the serial to the Date whose
 * UTC fields are the stored wall-clock, so those fields are printed, rounded to the second:
 * 'YYYY-MM-DD HH:mm:ss'. A time-only value (serial < 1, shown by Excel as e.g. 9:30) is
 * 'HH:mm:ss'. @internal
 */
export function excelDateText(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) return '';
  const r = new Date(Math.round(t / 1000) * 1000);
  const time = `${pad2(r.getUTCHours())}:${pad2(r.getUTCMinutes())}:${pad2(r.getUTCSeconds())}`;
  if (r.getTime() >= EXCEL_EPOCH && r.getTime() < EXCEL_EPOCH + 86_400_000) return time;
  const y = r.getUTCFullYear();
  const ys = y >= 0 && y < 10000 ? String(y).padStart(4, '0') : String(y);
  return `${ys}-${pad2(r.getUTCMonth() + 1)}-${pad2(r.getUTCDate())} ${time}`;
}

/** serial 0 = 1899-12-30T00:00 in exceljs's conversion */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/** exceljs's utils.excelToDate. @internal */
export function serialToDate(serial: number, date1904: boolean): Date {
  return new Date(Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86_400_000));
}

/**
 * A number as Excel shows it in a General cell (15 significant digits, so binary noise such as
 * 0.30000000000000004 is 0.3), written out without exponent: 1.5e-7 → '0.00000015',
 * 1.23456789012346e+17 → '123456789012346000'.
 */
export function plainNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Object.is(n, -0) || n === 0) return '0';
  const s = String(Number(n.toPrecision(15)));
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = int + frac;
  const point = int.length + exp; // position of the decimal point in `digits`
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  out = out.replace(/^0+(?=\d)/, '');
  if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  return sign + out;
}

type ExcelCellValue = ExcelJS.CellValue | { text?: unknown } | { sharedString?: number } | undefined;

/**
 * A cell's text: strings as stored; numbers plainly (plainNumber); Date cells 'YYYY-MM-DD
 * HH:mm:ss' (excelDateText); booleans 'TRUE'/'FALSE'; rich text its runs' text joined;
 * formulas their cached result (a number in a date-formatted cell as a date; no cached result
 * → ''); hyperlinks their display text; errors their code ('#N/A').
 */
function cellText(value: ExcelCellValue, numFmt: string | undefined, date1904: boolean): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return ''; // a formula's error result: exceljs keeps only NaN
    return isDateFormat(numFmt) ? excelDateText(serialToDate(value, date1904)) : plainNumber(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return excelDateText(value);
  if (typeof value !== 'object') return String(value);
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.richText)) {
    return (v.richText as { text?: unknown }[]).map((r) => (typeof r?.text === 'string' ? r.text : '')).join('');
  }
  if ('formula' in v || 'sharedFormula' in v || 'result' in v) {
    return cellText(v.result as ExcelCellValue, numFmt, date1904);
  }
  if ('error' in v) return typeof v.error === 'string' ? v.error : '';
  if ('text' in v) return cellText(v.text as ExcelCellValue, undefined, date1904);
  return '';
}

interface WorkbookReaderInternals {
  model?: { sheets?: { id?: number }[] };
  properties?: { model?: { date1904?: boolean } };
}

interface WorksheetReaderInternals {
  id?: number | string;
  name?: string;
  /** a temp file's fs.ReadStream when exceljs spooled the sheet, else a generator over the zip entry */
  iterator?: unknown;
}

const XLSX_READ_OPTIONS = {
  worksheets: 'emit',
  sharedStrings: 'cache', // strings of the shared table; a sheet's rows are streamed
  styles: 'cache', // needed to tell date cells from numbers
  hyperlinks: 'ignore', // a hyperlink cell's stored value is its display text
  entries: 'ignore',
} as const;

/** The ImportFileError for a failure while reading an XLSX file. @internal */
export function xlsxError(e: unknown): ImportFileError {
  if (e instanceof ImportFileError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    return new ImportFileError(`无法读取文件（${err.code}）`, { cause: e });
  }
  return new ImportFileError('无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式（.xls 请先在 Excel 中另存为 .xlsx）', { cause: e });
}

/** Iterates `it`, turning its errors (not the consumer's) into ImportFileError. */
async function* guarded<T>(it: AsyncIterable<T>): AsyncGenerator<T> {
  const iter = it[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await iter.next();
      } catch (e) {
        done = true;
        throw xlsxError(e);
      }
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) {
      try {
        await iter.return?.();
      } catch {
        // the underlying stream is destroyed by the caller anyway
      }
    }
  }
}

/** The temp-file stream of a worksheet that exceljs spooled to disk, if it did. */
function spooledStream(ws: WorksheetReaderInternals): Readable | null {
  return ws.iterator instanceof Readable ? ws.iterator : null;
}

/** Closes a spooled sheet's stream; exceljs may delete its file while it is still opening. */
function closeQuietly(stream: Readable): void {
  stream.on('error', () => undefined);
  stream.destroy();
}

/**
 * Runs exceljs's sheet iterator to its end without reading the sheets. exceljs spools
 * worksheets that precede the shared strings in the zip (the usual order in files saved by
 * Excel) to temp files and deletes each one only when iteration moves past it; stopping early
 * would leave them on disk until the process exits.
 */
async function drainSheets(sheets: AsyncIterator<ExcelJS.stream.xlsx.WorksheetReader>): Promise<void> {
  try {
    for (;;) {
      const next = await sheets.next();
      if (next.done) return;
      const stream = spooledStream(next.value as unknown as WorksheetReaderInternals);
      if (stream) closeQuietly(stream);
    }
  } catch {
    // best effort: the read itself has already succeeded or failed
  }
}

/**
 * The XLSX reader built on exceljs's streaming WorkbookReader: the reference behaviour, used for
 * the files readXlsxFast does not handle (and by tests, to compare the two).
 */
export async function* readXlsxExceljs(file: string, opts: ReadOptions = {}): AsyncGenerator<RawRow> {
  const target = opts.sheet ?? 1;
  if (!Number.isInteger(target) || target < 1) throw new RangeError(`sheet must be a positive integer, got ${target}`);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    throw xlsxError(e);
  }
  const input = handle.createReadStream();
  // exceljs pipes its input into the unzipper, and pipe() does not forward errors: a read
  // error would be an uncaught 'error' event and the read would never end. Feed it through a
  // PassThrough that is ended on error, and report the error ourselves.
  const source = new PassThrough();
  let readError: unknown = null;
  input.on('error', (e) => {
    readError = e;
    source.end();
  });
  input.pipe(source);
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(source, XLSX_READ_OPTIONS);
  const internals = workbook as unknown as WorkbookReaderInternals;
  const sheets = workbook[Symbol.asyncIterator]();
  let emitted = 0;
  let found = false;
  let finished = false; // exceljs's iterator has ended (normally or by an error)
  let spooled = false; // some sheet was spooled to a temp file
  let targetStream: Readable | null = null;
  let targetDone = false;
  try {
    for (;;) {
      let next: IteratorResult<ExcelJS.stream.xlsx.WorksheetReader>;
      try {
        next = await sheets.next();
      } catch (e) {
        finished = true;
        throw xlsxError(e);
      }
      if (next.done) {
        finished = true;
        break;
      }
      const worksheet = next.value;
      emitted += 1;
      const ws = worksheet as unknown as WorksheetReaderInternals;
      const stream = spooledStream(ws);
      if (stream) spooled = true;
      const model = internals.model?.sheets;
      const index = model && ws.id !== undefined ? model.findIndex((s) => String(s.id) === String(ws.id)) : -1;
      const position = index >= 0 ? index + 1 : emitted;
      if (position !== target) {
        if (stream) closeQuietly(stream);
        continue;
      }
      found = true;
      targetStream = stream;
      const date1904 = internals.properties?.model?.date1904 === true;
      let header: Header | null = null;
      for await (const row of guarded(worksheet)) {
        const cells = new Map<number, string>();
        row.eachCell({ includeEmpty: false }, (cell, col) => {
          const text = cellText(cell.value as ExcelCellValue, cell.numFmt, date1904);
          if (text !== '') cells.set(col - 1, text);
        });
        if (header === null) {
          let blank = true;
          for (const t of cells.values()) if (t.trim() !== '') blank = false;
          if (blank) continue;
          header = buildHeader(cells, row.number);
          opts.onHeaders?.(header.names.slice(), row.number);
          continue;
        }
        const values = rowValues(header, (i) => cells.get(i));
        if (values) yield { row: row.number, values };
      }
      targetDone = true;
      if (readError !== null) throw xlsxError(readError);
      if (header === null) throw new ImportFileError(`工作表“${ws.name ?? target}”中没有表头行（工作表为空）`);
      break;
    }
    if (readError !== null) throw xlsxError(readError);
    if (!found) {
      throw new ImportFileError(
        emitted === 0 ? '文件中没有工作表，不是有效的 Excel 文件' : `文件中没有第 ${target} 个工作表（共 ${emitted} 个）`,
      );
    }
  } catch (e) {
    throw readError !== null ? xlsxError(readError) : e;
  } finally {
    if (targetStream) closeQuietly(targetStream);
    // Let exceljs delete its temp files. Safe when the sheet we read was spooled (the zip has
    // been read to its end already) or was read to its end; a sheet streamed straight from
    // the zip and abandoned half-way is left alone (then nothing of ours was spooled after it).
    if (!finished && spooled && (targetStream !== null || targetDone || !found)) await drainSheets(sheets);
    input.destroy();
    source.destroy();
  }
}

/**
 * XLSX rows: readXlsxFast, or readXlsxExceljs when the fast reader reports the file as
 * unsupported (it does so before yielding a row or calling onHeaders).
 */
async function* readXlsx(file: string, opts: ReadOptions): AsyncGenerator<RawRow> {
  let started = false;
  try {
    for await (const row of readXlsxFast(file, opts)) {
      started = true;
      yield row;
    }
  } catch (e) {
    if (!(e instanceof FastXlsxUnsupported) || started) throw e;
    yield* readXlsxExceljs(file, opts);
  }
}

// ---- entry point ---------------------------------------------------------------------------

/**
 * The data rows of an import file, streamed. The header is the first non-blank row (of the
 * first worksheet, or `opts.sheet`); blank rows are skipped but counted, so `row` is the
 * number Excel shows. Columns with a blank header are ignored; cells past the header or
 * missing at the end of a row read as ''. Throws ImportFileError (Chinese message) for an
 * unreadable or non-spreadsheet file, no header row, or duplicate header names.
 */
export async function* readRows(file: string, format: ImportFormat, opts: ReadOptions = {}): AsyncGenerator<RawRow> {
  if (format === 'csv') yield* readCsv(file, opts);
  else if (format === 'xlsx') yield* readXlsx(file, opts);
  else throw new RangeError(`unknown import format: ${String(format)}`);
}
