// Fast streaming reader for XLSX import files: the same rows as reader.ts's exceljs-based reader
// (readXlsxExceljs), several times faster. The exceljs path spends its time in saxes (a full,
// validating XML parser) and in exceljs's Row/Cell object model. Here the zip's central
// directory is read directly, the worksheet entry is inflated with zlib as a stream, and a small
// hand-written tokenizer scans the raw UTF-8 bytes: all the markup it looks at is ASCII, and
// only the text that ends up in a cell is decoded, one complete text node at a time (a node
// split between two inflated chunks is carried over whole, so multi-byte characters stay
// intact). Memory stays flat in the number of rows. The shared-string table is held in memory
// and grows with the number of distinct strings, as it does in the exceljs path.
//
// Parity with the exceljs path: the scanner replays the state machines of exceljs 4.4.0's
// streaming WorksheetReader (lib/stream/xlsx/worksheet-reader.js) and of WorkbookReader's
// shared-string reader, and reuses the rest of readXlsxExceljs as is (cellText rules, header
// handling through buildHeader/rowValues from reader.ts). workbook.xml, its rels and styles.xml
// are small and are parsed with exceljs's own xforms, so sheet order, names, date1904 and number
// formats are exactly exceljs's. exceljs's quirks are kept on purpose, so that both paths agree:
//   - a formula cell whose cached result is 0 (or FALSE, or an error) reads as '': exceljs keeps
//     only truthy results. A boolean formula result reads as '1', not 'TRUE';
//   - an inline rich-text string (<is><r><t>…) reads as its LAST run. Shared rich text is joined;
//   - Excel's _xHHHH_ escapes are not decoded, and CDATA sections are dropped;
//   - a cell's number format comes from its own style, else from its row's style (<row s>);
//   - built-in number formats exceljs does not know (ids 27-36 and 50-58, the CJK date formats)
//     are not dates.
//
// Supported: zip files with stored or deflated entries, with or without data descriptors, with a
// comment or trailing bytes; transitional SpreadsheetML with unprefixed element names (what
// Excel, WPS, LibreOffice, exceljs and xlsx-writer.ts write); shared and inline strings;
// s/str/inlineStr/b/e/n/d cells; formulas; styles; date1904; any zip entry order in which exceljs
// meets workbook.xml, its rels and styles.xml before it reads a sheet.
//
// Falls back with FastXlsxUnsupported, always thrown BEFORE any row is yielded or onHeaders is
// called, so that the caller can run the exceljs reader instead:
//   - strict OOXML (purl.oclc.org namespace) or prefixed element names (<x:worksheet>);
//   - a DOCTYPE, or UTF-16, in the sheet or the shared strings;
//   - zip64, multi-disk, encrypted or neither stored nor deflated entries, duplicate entry names;
//   - a file that starts like a zip but whose end-of-central-directory record is missing
//     (truncated), or whose central directory is unreadable;
//   - an entry order in which exceljs streams a sheet before it has read workbook.xml or
//     styles.xml (it then uses default styles, or fails), and styles.xml without <cellXfs>.
//
// Broken files end with the exceljs path's ImportFileError messages: not a zip at all, missing
// sheet N, empty sheet, duplicate headers, unreadable file, corrupt deflate data, malformed XML.
// Differences show only on malformed input: the scanner checks tag nesting, entities and
// control characters in cell text, but is otherwise more lenient than saxes (e.g. duplicate
// attributes); parts it does not need (other sheets, the theme) are never decompressed, so their
// corruption goes unnoticed; and after an error in the middle of a sheet, the number of rows
// yielded before it may differ.
import './exceljs'; // installs the parse-sax fix before exceljs internals are loaded below
import fs from 'fs';
import { createRequire } from 'module';
import zlib from 'zlib';
import {
  buildHeader,
  excelDateText,
  Header,
  ImportFileError,
  isDateFormat,
  plainNumber,
  RawRow,
  ReadOptions,
  rowValues,
  serialToDate,
  xlsxError,
} from './reader';

/**
 * The fast reader does not handle this file (see the list at the top of this module). Thrown
 * before any row is yielded and before onHeaders is called; read the file with the exceljs
 * reader instead.
 */
export class FastXlsxUnsupported extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`fast XLSX reader: ${reason}`, options);
    this.name = 'FastXlsxUnsupported';
  }
}

/** Same message as the exceljs path for a file that is not a readable workbook. */
const broken = (cause?: unknown): ImportFileError => xlsxError(cause ?? new Error('malformed XLSX'));

// ---- zip -----------------------------------------------------------------------------------

interface ZipEntry {
  path: string;
  method: number;
  flags: number;
  compressedSize: number;
  localOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const MAX_CENTRAL_DIRECTORY = 16 * 1024 * 1024;
const CHUNK = 256 * 1024;

async function readBytes(handle: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let off = 0;
  while (off < length) {
    const { bytesRead } = await handle.read(buf, off, length - off, position + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === length ? buf : buf.subarray(0, off);
}

/** The entries of the zip's central directory. */
async function readCentralDirectory(handle: fs.promises.FileHandle, size: number): Promise<ZipEntry[]> {
  const head = await readBytes(handle, 0, 4);
  if (head.length < 4 || head.readUInt32LE(0) !== SIG_LOCAL) {
    // exceljs (unzipper.Parse) reads local headers from the start: an empty zip (PK\5\6) is "no
    // worksheets" there, a CRX header is skipped; anything else is an invalid signature.
    if (head.length === 4 && [SIG_EOCD, SIG_CENTRAL, 0x34327243].includes(head.readUInt32LE(0))) {
      throw new FastXlsxUnsupported('zip does not start with a local file header');
    }
    throw broken(new Error('not a zip file'));
  }
  const tailLength = Math.min(size, 22 + 0xffff);
  const tailStart = size - tailLength;
  const tail = await readBytes(handle, tailStart, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FastXlsxUnsupported('no zip end-of-central-directory record (truncated file?)');
  const disk = tail.readUInt16LE(eocd + 4);
  const cdDisk = tail.readUInt16LE(eocd + 6);
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (disk !== 0 || cdDisk !== 0) throw new FastXlsxUnsupported('multi-disk zip');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new FastXlsxUnsupported('zip64');
  if (cdSize > MAX_CENTRAL_DIRECTORY || cdOffset + cdSize > tailStart + eocd) {
    throw new FastXlsxUnsupported('central directory out of range');
  }
  const cd = await readBytes(handle, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw new FastXlsxUnsupported('bad central directory');
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const compressedSize = cd.readUInt32LE(p + 20);
    const uncompressedSize = cd.readUInt32LE(p + 24);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    const localOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLength > cd.length) throw new FastXlsxUnsupported('bad central directory');
    const path = cd.toString('utf8', p + 46, p + 46 + nameLength);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      throw new FastXlsxUnsupported('zip64');
    }
    if (localOffset + 30 > size || localOffset + compressedSize > size) throw new FastXlsxUnsupported('entry out of range');
    entries.push({ path, method, flags, compressedSize, localOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** An open XLSX file: a handle for the directory and headers, the path for entry streams. */
interface ZipFile {
  path: string;
  handle: fs.promises.FileHandle;
}

/**
 * The (inflated) bytes of a zip entry, streamed. Each entry gets its own read stream on the path
 * (destroying a stream made from the FileHandle would close the handle).
 */
async function* entryData(zip: ZipFile, entry: ZipEntry): AsyncGenerator<Buffer> {
  if (entry.flags & 0x1) throw new FastXlsxUnsupported(`encrypted zip entry ${entry.path}`);
  if (entry.method !== 0 && entry.method !== 8) throw new FastXlsxUnsupported(`zip compression method ${entry.method}`);
  const local = await readBytes(zip.handle, entry.localOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== SIG_LOCAL) throw new FastXlsxUnsupported(`bad local header of ${entry.path}`);
  const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (entry.compressedSize === 0) return;
  const raw = fs.createReadStream(zip.path, { start, end: start + entry.compressedSize - 1, highWaterMark: CHUNK });
  if (entry.method === 0) {
    try {
      for await (const chunk of raw) yield chunk as Buffer;
    } finally {
      raw.destroy();
    }
    return;
  }
  const inflate = zlib.createInflateRaw({ chunkSize: CHUNK });
  raw.on('error', (e) => inflate.destroy(e));
  raw.pipe(inflate);
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } finally {
    raw.unpipe(inflate);
    raw.destroy();
    inflate.destroy();
  }
}

// ---- XML tokenizer -------------------------------------------------------------------------
//
// Works on the raw UTF-8 bytes: all markup the readers look at is ASCII, so only the character
// data that ends up in a cell is decoded (Buffer#toString over a complete text node, which never
// splits a character: a node ends at '<', and a pending node is carried to the next chunk).

interface XmlHandler {
  /**
   * an element opens; its attributes are at[0, n): [nameStart, nameEnd, valueStart, valueEnd, …],
   * byte offsets in b (values raw: see attrValue)
   */
  open(name: string, b: Buffer, at: number[], n: number): void;
  close(name: string): void;
  /**
   * character data b[start, end) inside the root element, raw; `plain` when it holds no '&',
   * no control character other than TAB/LF and no 0xEF byte (so no CR, entity, U+FFFE/U+FFFF)
   */
  text(b: Buffer, start: number, end: number, plain: boolean): void;
}

/** Pending input kept between chunks beyond which a text node is handed on / the file refused. */
const MAX_PENDING_TEXT = 1024 * 1024;
const MAX_PENDING_TAG = 16 * 1024 * 1024;

const isWs = (c: number): boolean => c === 32 || c === 10 || c === 9 || c === 13;

/** Element names the readers switch on, returned as constants (no allocation per tag). */
function tagName(b: Buffer, start: number, end: number): string {
  switch (end - start) {
    case 1:
      switch (b[start]) {
        case 99:
          return 'c';
        case 118:
          return 'v';
        case 116:
          return 't';
        case 102:
          return 'f';
        case 114:
          return 'r';
      }
      break;
    case 2:
      if (b[start] === 105 && b[start + 1] === 115) return 'is';
      if (b[start] === 115 && b[start + 1] === 105) return 'si';
      break;
    case 3:
      if (b[start] === 114 && b[start + 1] === 111 && b[start + 2] === 119) return 'row';
      break;
  }
  return b.toString('utf8', start, end);
}

const startsWithAscii = (b: Buffer, at: number, s: string): boolean => {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

const XML_ENTITIES = new Map<string, string>([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** XML 1.0 Char production (saxes refuses character references outside it). */
const isXmlChar = (c: number): boolean =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

function decodeEntities(s: string): string {
  let out = '';
  let last = 0;
  let amp = s.indexOf('&');
  while (amp !== -1) {
    const semi = s.indexOf(';', amp + 1);
    if (semi === -1) throw broken(new Error('unterminated entity'));
    const name = s.slice(amp + 1, semi);
    let ch = XML_ENTITIES.get(name);
    if (ch === undefined) {
      let code = NaN;
      if (/^#[0-9]+$/.test(name)) code = parseInt(name.slice(1), 10);
      else if (/^#x[0-9a-fA-F]+$/.test(name)) code = parseInt(name.slice(2), 16);
      if (!isXmlChar(code)) throw broken(new Error(`bad entity &${name};`));
      ch = String.fromCodePoint(code);
    }
    out += s.slice(last, amp) + ch;
    last = semi + 1;
    amp = s.indexOf('&', last);
  }
  return out + s.slice(last);
}

/** Characters saxes refuses in character data. */
// eslint-disable-next-line no-control-regex
const DISALLOWED_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

/** Character data as saxes reports it: checked, line ends normalized, entities decoded. */
function textOf(b: Buffer, start: number, end: number, plain: boolean): string {
  const raw = b.toString('utf8', start, end);
  if (plain) return raw;
  if (DISALLOWED_CHARS.test(raw)) throw broken(new Error('disallowed character'));
  let s = raw;
  if (s.indexOf('\r') !== -1) s = s.replace(/\r\n?/g, '\n');
  if (s.indexOf('&') !== -1) s = decodeEntities(s);
  return s;
}

/** Whether b[start, end) holds a byte that makes an attribute value need decoding. */
function attrNeedsDecoding(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 38 || c === 9 || c === 10 || c === 13) return true;
  }
  return false;
}

/** An attribute value as saxes reports it (whitespace normalized, entities decoded). */
function attrValue(b: Buffer, start: number, end: number): string {
  const raw = b.toString('utf8', start, end);
  if (!attrNeedsDecoding(b, start, end)) return raw;
  let s = raw.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
  if (s.indexOf('&') !== -1) s = decodeEntities(s);
  return s;
}

const attrNameIs = (b: Buffer, start: number, end: number, name: string): boolean =>
  end - start === name.length && startsWithAscii(b, start, name);

/**
 * An incremental, non-validating XML tokenizer for the parts of an XLSX file: elements,
 * character data, comments, processing instructions and CDATA (whose content is dropped, as
 * exceljs drops it). Checks that tags nest and that there is one root element.
 */
class XmlScanner {
  private rest: Buffer | null = null;
  private started = false;
  private readonly stack: string[] = [];
  /** attribute offsets of the tag being reported */
  private readonly at: number[] = [];
  private depth = 0;
  private rootDone = false;

  constructor(
    private readonly h: XmlHandler,
    /** the part scanned, for FastXlsxUnsupported on a DOCTYPE (exceljs may still read it) */
    private readonly what: string,
  ) {}

  write(chunk: Buffer): void {
    const b = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = null;
    let pos = 0;
    if (!this.started) {
      if (b.length < 3) {
        this.rest = b;
        return;
      }
      this.started = true;
      if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) pos = 3; // BOM
    }
    const n = b.length;
    while (pos < n) {
      let lt = pos;
      let plain = true;
      while (lt < n) {
        const c = b[lt];
        if (c === 60) break;
        if (c < 32) {
          if (c !== 10 && c !== 9) plain = false;
        } else if (c === 38 || c === 0xef) {
          plain = false;
        }
        lt++;
      }
      if (lt === n) break;
      if (lt > pos) this.text(b, pos, lt, plain);
      pos = lt;
      if (lt + 1 >= n) break;
      const c1 = b[lt + 1];
      if (c1 === 47) {
        // </name>
        let gt = lt + 2;
        while (gt < n && b[gt] !== 62) gt++;
        if (gt >= n) break;
        let e = gt;
        while (e > lt + 2 && isWs(b[e - 1])) e--;
        this.close(tagName(b, lt + 2, e));
        pos = gt + 1;
      } else if (c1 === 63) {
        // <?pi ?>
        const e = b.indexOf('?>', lt + 2, 'latin1');
        if (e === -1) break;
        pos = e + 2;
      } else if (c1 === 33) {
        if (startsWithAscii(b, lt, '<!--')) {
          const e = b.indexOf('-->', lt + 4, 'latin1');
          if (e === -1) break;
          pos = e + 3;
        } else if (startsWithAscii(b, lt, '<![CDATA[')) {
          if (this.depth === 0) throw broken(new Error('CDATA outside the root element'));
          const e = b.indexOf(']]>', lt + 9, 'latin1');
          if (e === -1) break;
          pos = e + 3;
        } else if (n - lt < 9) {
          break; // not enough bytes yet to tell
        } else if (startsWithAscii(b, lt, '<!DOCTYPE') && this.depth === 0 && !this.rootDone) {
          throw new FastXlsxUnsupported(`DOCTYPE in ${this.what}`);
        } else {
          throw broken(new Error('unexpected markup declaration'));
        }
      } else {
        const gt = this.tag(b, lt, n);
        if (gt < 0) break;
        pos = gt + 1;
      }
    }
    if (pos < n) this.keep(b.subarray(pos));
  }

  /** The input has ended: what is left (an unclosed tag or text) is dropped, as exceljs does. */
  end(): void {
    if (!this.started && this.rest !== null) {
      this.started = true;
      const r = this.rest;
      this.rest = null;
      this.write(r);
    }
    this.rest = null;
  }

  /**
   * An open tag starting at b[lt]: reads its name and attributes (into this.at) in one pass and
   * reports it; returns the index of its '>', or -1 when the tag is not complete in b yet.
   */
  private tag(b: Buffer, lt: number, n: number): number {
    let i = lt + 1;
    while (i < n) {
      const c = b[i];
      if (c === 62 || c === 47 || c === 32 || c === 10 || c === 9 || c === 13) break;
      i++;
    }
    const nameEnd = i;
    const at = this.at;
    let na = 0;
    for (;;) {
      if (i >= n) return -1;
      let c = b[i];
      if (c === 62) break;
      if (c === 47 || isWs(c)) {
        i++;
        continue;
      }
      const nameStart = i;
      while (i < n && (c = b[i]) !== 61 && c !== 62 && c !== 47 && !isWs(c)) i++;
      const attrNameEnd = i;
      while (i < n && isWs(b[i])) i++;
      if (i >= n) return -1;
      if (b[i] !== 61) throw broken(new Error('malformed attribute'));
      i++;
      while (i < n && isWs(b[i])) i++;
      if (i >= n) return -1;
      const q = b[i];
      if (q !== 34 && q !== 39) throw broken(new Error('unquoted attribute value'));
      const valueStart = ++i;
      while (i < n && b[i] !== q) i++;
      if (i >= n) return -1;
      at[na++] = nameStart;
      at[na++] = attrNameEnd;
      at[na++] = valueStart;
      at[na++] = i;
      i++;
    }
    const gt = i;
    if (nameEnd === lt + 1) throw broken(new Error('empty element name'));
    const name = tagName(b, lt + 1, nameEnd);
    this.open(name, b, na);
    if (b[gt - 1] === 47) this.close(name);
    return gt;
  }

  /** Keeps unprocessed input for the next chunk; hands on a very long text node in parts. */
  private keep(r: Buffer): void {
    this.rest = r;
    if (r.length <= MAX_PENDING_TEXT) return;
    if (r[0] === 60) {
      if (r.length > MAX_PENDING_TAG) throw broken(new Error('unterminated tag'));
      return;
    }
    let cut = r.length;
    const amp = r.lastIndexOf(38);
    if (amp !== -1 && r.indexOf(59, amp) === -1) cut = amp; // no split entity
    if (cut > 0) {
      // no split character: keep the last one back when its bytes are not all there
      let lead = cut - 1;
      while (lead > 0 && cut - lead < 4 && (r[lead] & 0xc0) === 0x80) lead--;
      const c = r[lead];
      if (lead + (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1) > cut) cut = lead;
    }
    if (cut > 0 && r[cut - 1] === 13) cut--; // no split CR LF
    if (cut > 0) {
      this.text(r, 0, cut, false);
      this.rest = Buffer.from(r.subarray(cut));
    }
  }

  private open(name: string, b: Buffer, na: number): void {
    if (this.rootDone) throw broken(new Error('more than one root element'));
    this.stack[this.depth++] = name;
    this.h.open(name, b, this.at, na);
  }

  private close(name: string): void {
    const d = this.depth;
    if (d === 0 || this.stack[d - 1] !== name) throw broken(new Error(`unexpected close tag </${name}>`));
    this.depth = d - 1;
    if (d === 1) this.rootDone = true;
    this.h.close(name);
  }

  private text(b: Buffer, start: number, end: number, plain: boolean): void {
    if (this.depth === 0) {
      for (let i = start; i < end; i++) if (!isWs(b[i])) throw broken(new Error('text outside the root element'));
      return;
    }
    this.h.text(b, start, end, plain);
  }
}

/** Whether an entry starts with a UTF-16 byte-order mark. */
const isUtf16 = (chunk: Buffer): boolean =>
  chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff));

// ---- shared strings ------------------------------------------------------------------------

/**
 * xl/sharedStrings.xml as exceljs's WorkbookReader reads it, each entry reduced to the text
 * cellText gives it: all character data since the last <si>/<t> open (so whitespace between
 * tags is kept and trimmed later; a phonetic <rPh><t> replaces the text), a rich-text entry's
 * runs (text since the run's last <t>) joined.
 */
class SharedStringsReader implements XmlHandler {
  readonly strings: string[] = [];
  private acc: string | null = null;
  private runs: (string | null)[] = [];

  open(name: string): void {
    if (name === 'si') {
      this.runs = [];
      this.acc = null;
    } else if (name === 't') {
      this.acc = null;
    }
  }

  close(name: string): void {
    if (name === 'r') {
      this.runs.push(this.acc);
      this.acc = null;
    } else if (name === 'si') {
      this.strings.push(this.runs.length ? this.runs.map((t) => t ?? '').join('') : (this.acc ?? ''));
      this.runs = [];
      this.acc = null;
    }
  }

  text(b: Buffer, start: number, end: number, plain: boolean): void {
    const v = textOf(b, start, end, plain);
    this.acc = this.acc ? this.acc + v : v;
  }
}

// ---- exceljs internals used for the small parts --------------------------------------------

interface StyleModel {
  numFmt?: string;
}

interface StyleManager {
  init(): void;
  parseStream(stream: AsyncIterable<Buffer>): Promise<unknown>;
  getStyleModel(id: number): StyleModel | null;
  model?: { styles?: unknown[] };
}

interface WorkbookXform {
  parseStream(stream: AsyncIterable<Buffer>): Promise<unknown>;
  model?: { sheets?: { id?: number; name?: string; rId?: string }[] };
  map: { workbookPr: { model?: { date1904?: boolean } } };
}

interface RelationshipsXform {
  parseStream(stream: AsyncIterable<Buffer>): Promise<{ Id?: string; Target?: string }[] | undefined>;
}

interface ExceljsInternals {
  StyleManager: new () => StyleManager;
  WorkbookXform: new () => WorkbookXform;
  RelationshipsXform: new () => RelationshipsXform;
}

let internals: ExceljsInternals | null = null;

function exceljsInternals(): ExceljsInternals {
  if (internals) return internals;
  try {
    const req = createRequire(require.resolve('exceljs/package.json'));
    internals = {
      StyleManager: req('./lib/xlsx/xform/style/styles-xform') as ExceljsInternals['StyleManager'],
      WorkbookXform: req('./lib/xlsx/xform/book/workbook-xform') as ExceljsInternals['WorkbookXform'],
      RelationshipsXform: req('./lib/xlsx/xform/core/relationships-xform') as ExceljsInternals['RelationshipsXform'],
    };
  } catch (e) {
    throw new FastXlsxUnsupported('exceljs internals not found', { cause: e });
  }
  return internals;
}

interface StyleInfo {
  isDate: boolean;
}

/** Cell/row style index → whether its number format is a date (exceljs's getStyleModel). */
class StyleLookup {
  private readonly memo = new Map<number, StyleInfo | null>();

  constructor(private readonly manager: StyleManager) {}

  get(id: number): StyleInfo | null {
    let info = this.memo.get(id);
    if (info === undefined) {
      let model: StyleModel | null;
      try {
        model = this.manager.getStyleModel(id);
      } catch (e) {
        throw broken(e);
      }
      info = model ? { isDate: isDateFormat(model.numFmt) } : null;
      this.memo.set(id, info);
    }
    return info;
  }
}

// ---- worksheet -----------------------------------------------------------------------------

const TRANSITIONAL_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';

/** exceljs's utils.xmlDecode, applied (a second time) to str/inlineStr cell text. */
function xmlDecode(text: string): string {
  if (text.indexOf('&') === -1) return text;
  return text.replace(/&([a-z]*);/g, (c) => {
    switch (c) {
      case '&lt;':
        return '<';
      case '&gt;':
        return '>';
      case '&amp;':
        return '&';
      case '&apos;':
        return "'";
      case '&quot;':
        return '"';
      default:
        return c;
    }
  });
}

/**
 * Column number of a cell reference as exceljs's colCache.decodeAddress reads it (letters A-Z
 * before the first digit; '$' and other characters skipped until both were seen), or -1 when
 * exceljs would fail on it (no letters, past column XFD).
 */
function refColumn(ref: string): number {
  let hasCol = false;
  let hasRow = false;
  let col = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (!hasRow && c >= 65 && c <= 90) {
      hasCol = true;
      col = col * 26 + c - 64;
    } else if (c >= 48 && c <= 57) {
      hasRow = true;
    } else if (hasRow && hasCol && c !== 36) {
      break;
    }
  }
  return !hasCol || col > 16384 ? -1 : col;
}

/**
 * refColumn of the attribute value b[start, end), without making a string when it is plain
 * (only ASCII letters, digits and '$' matter, so UTF-8 bytes classify like UTF-16 units).
 */
function refColumnAttr(b: Buffer, start: number, end: number): number {
  if (attrNeedsDecoding(b, start, end)) return refColumn(attrValue(b, start, end));
  let hasCol = false;
  let hasRow = false;
  let col = 0;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (!hasRow && c >= 65 && c <= 90) {
      hasCol = true;
      col = col * 26 + c - 64;
    } else if (c >= 48 && c <= 57) {
      hasRow = true;
    } else if (hasRow && hasCol && c !== 36) {
      break;
    }
  }
  return !hasCol || col > 16384 ? -1 : col;
}

/** parseInt(value, 10) of the attribute value b[start, end). */
function intAttr(b: Buffer, start: number, end: number): number {
  if (end > start && end - start <= 9) {
    let n = 0;
    let i = start;
    for (; i < end; i++) {
      const c = b[i];
      if (c < 48 || c > 57) break;
      n = n * 10 + c - 48;
    }
    if (i === end) return n;
  }
  return parseInt(attrValue(b, start, end), 10);
}

// cell types (the <c t> values exceljs distinguishes)
const T_NUMBER = 0; // n, d, anything else, or none
const T_SHARED = 1; // s
const T_STR = 2; // str (a formula's string result)
const T_INLINE = 3; // inlineStr
const T_ERROR = 4; // e
const T_BOOL = 5; // b

function cellTypeOf(t: string): number {
  switch (t) {
    case 's':
      return T_SHARED;
    case 'str':
      return T_STR;
    case 'inlineStr':
      return T_INLINE;
    case 'e':
      return T_ERROR;
    case 'b':
      return T_BOOL;
    default:
      return T_NUMBER;
  }
}

function cellTypeAttr(b: Buffer, start: number, end: number): number {
  switch (end - start) {
    case 1:
      if (b[start] === 115) return T_SHARED;
      if (b[start] === 101) return T_ERROR;
      if (b[start] === 98) return T_BOOL;
      if (b[start] === 110) return T_NUMBER;
      break;
    case 3:
      if (b[start] === 115 && b[start + 1] === 116 && b[start + 2] === 114) return T_STR;
      break;
  }
  return cellTypeOf(attrValue(b, start, end));
}

const CUR_NONE = 0;
const CUR_F = 1;
const CUR_V = 2;

const KIND_NONE = 0;
const KIND_TEXT = 1; // final text
const KIND_NUM = 2; // number: a date if the cell's final number format is a date format
const KIND_DATE = 3; // a Date value (a number read while the cell's format was a date format)

const MAX_COL = 16384;

interface SheetContext {
  sst: string[] | null;
  styles: StyleLookup;
  date1904: boolean;
  onHeaders?: (headers: string[], row: number) => void;
}

/**
 * exceljs's streaming WorksheetReader state machine, followed by readXlsxExceljs's row handling
 * (cellText, first non-blank row = header, rowValues). Completed rows go to `out`.
 */
class SheetReader implements XmlHandler {
  header: Header | null = null;
  /** rows completed in the current chunk, yielded after commit() */
  out: RawRow[] = [];
  /** the header found in the current chunk, reported to onHeaders by commit() */
  private pendingHeaders: { names: string[]; row: number } | null = null;
  /**
   * a header error found in the current chunk: thrown by commit(), unless the chunk's XML or its
   * cells fail first (exceljs reads the rows of a chunk only after the whole chunk)
   */
  private failure: unknown = null;

  private rootSeen = false;
  private inRows = false;
  // the open <row>
  private row = false;
  private rowNumber = NaN;
  private rowNumberValid = false;
  private rowIsDate = false;
  private gen = 0;
  private readonly touched: number[] = [];
  // the open <c>
  private cell = false;
  /** column of <c r>, -1 when missing or invalid (an error once the cell closes) */
  private cCol = -1;
  private cS = NaN;
  private cT = T_NUMBER;
  private hasF = false;
  private fText = '';
  private hasV = false;
  private vText = '';
  /** where character data goes (exceljs's `current`) */
  private cur = CUR_NONE;
  // per column (1-based) cell state of the current row
  private readonly seen = new Int32Array(MAX_COL + 1);
  private readonly kind = new Uint8Array(MAX_COL + 1);
  private readonly isDate = new Uint8Array(MAX_COL + 1);
  private readonly payload: (string | number)[] = new Array<string | number>(MAX_COL + 1).fill(0);
  /** 0-based column → non-empty cell text of the current row */
  private readonly texts: (string | undefined)[] = new Array<string | undefined>(MAX_COL).fill(undefined);
  constructor(private readonly ctx: SheetContext) {}

  /**
   * Ends a chunk. exceljs handles a chunk's XML events only once saxes has parsed the whole
   * chunk, and readXlsxExceljs sees its rows only once they all were built: an XML error anywhere
   * in the chunk comes first, then an error building a cell (bad reference, style), then a header
   * error, then onHeaders, then the rows. So the header is reported here, after the chunk.
   */
  commit(): void {
    if (this.failure !== null) throw this.failure;
    const pending = this.pendingHeaders;
    if (pending !== null) {
      this.pendingHeaders = null;
      this.ctx.onHeaders?.(pending.names, pending.row);
    }
  }

  open(name: string, b: Buffer, at: number[], n: number): void {
    if (!this.rootSeen) {
      this.rootSeen = true;
      if (name !== 'worksheet') throw new FastXlsxUnsupported(`worksheet root element <${name}>`);
      for (let i = 0; i < n; i += 4) {
        if (attrNameIs(b, at[i], at[i + 1], 'xmlns')) {
          const ns = attrValue(b, at[i + 2], at[i + 3]);
          if (ns !== TRANSITIONAL_MAIN) throw new FastXlsxUnsupported(`worksheet namespace ${ns}`);
        }
      }
      return;
    }
    switch (name) {
      case 'sheetData':
        this.inRows = true;
        break;
      case 'row':
        if (this.inRows) this.openRow(b, at, n);
        break;
      case 'c':
        if (this.row) this.openCell(b, at, n);
        break;
      case 'f':
        if (this.cell) {
          this.hasF = true;
          this.fText = '';
          this.cur = CUR_F;
        }
        break;
      case 'v':
      case 'is':
      case 't':
        if (this.cell) {
          this.hasV = true;
          this.vText = '';
          this.cur = CUR_V;
        }
        break;
    }
  }

  close(name: string): void {
    switch (name) {
      case 'sheetData':
        this.inRows = false;
        break;
      case 'row':
        this.closeRow();
        break;
      case 'c':
        if (this.row && this.cell) this.closeCell();
        break;
    }
  }

  text(b: Buffer, start: number, end: number, plain: boolean): void {
    if (this.cur === CUR_NONE) return;
    const v = textOf(b, start, end, plain);
    if (this.cur === CUR_V) this.vText += v;
    else this.fText += v;
  }

  private openRow(b: Buffer, at: number[], n: number): void {
    let num = NaN; // parseInt(undefined)
    let style = -1; // <row s>: index of its value in at
    for (let i = 0; i < n; i += 4) {
      if (at[i + 1] - at[i] !== 1) continue;
      const k = b[at[i]];
      if (k === 114) num = intAttr(b, at[i + 2], at[i + 3]);
      else if (k === 115) style = i + 2;
    }
    this.row = true;
    this.gen++;
    this.touched.length = 0;
    this.rowNumber = num;
    // exceljs validates a cell's address (letters + String(row number)) when it creates it
    this.rowNumberValid = Number.isInteger(num) && num >= 0 && num < 1e21;
    this.rowIsDate = false;
    // exceljs: `if (node.attributes.s)`, a non-empty value (decoding never empties one)
    if (style >= 0 && at[style + 1] > at[style]) {
      const info = this.ctx.styles.get(intAttr(b, at[style], at[style + 1]));
      if (info !== null) this.rowIsDate = info.isDate;
    }
  }

  private openCell(b: Buffer, at: number[], n: number): void {
    let col = -1;
    let s = NaN;
    let t = T_NUMBER;
    for (let i = 0; i < n; i += 4) {
      if (at[i + 1] - at[i] !== 1) continue;
      const k = b[at[i]];
      if (k === 114) col = refColumnAttr(b, at[i + 2], at[i + 3]);
      else if (k === 115) s = intAttr(b, at[i + 2], at[i + 3]);
      else if (k === 116) t = cellTypeAttr(b, at[i + 2], at[i + 3]);
    }
    this.cell = true;
    this.cCol = col;
    this.cS = s;
    this.cT = t;
    this.hasF = false;
    this.hasV = false;
    this.fText = '';
    this.vText = '';
    this.cur = CUR_NONE;
  }

  private closeCell(): void {
    const col = this.cCol;
    if (col < 0) throw broken(new Error('cell without a valid reference'));
    this.cell = false;
    this.cur = CUR_NONE;
    if (this.seen[col] !== this.gen) {
      if (!this.rowNumberValid) throw broken(new Error(`invalid row number ${this.rowNumber}`));
      this.seen[col] = this.gen;
      this.touched.push(col);
      this.kind[col] = KIND_NONE;
      this.isDate[col] = this.rowIsDate ? 1 : 0;
    }
    if (this.cS) {
      const info = this.ctx.styles.get(this.cS);
      if (info !== null) this.isDate[col] = info.isDate ? 1 : 0;
    }
    if (this.hasF) {
      let result: string | number | undefined;
      if (this.hasV) result = this.cT === T_STR ? xmlDecode(this.vText) : parseFloat(this.vText);
      // a formula with text keeps only a truthy result (FormulaValue); with empty text
      // (a shared formula's dependent cell) the cell is a JSON value that keeps any result
      if (result === undefined || (this.fText !== '' && !result)) this.setText(col, '');
      else if (typeof result === 'string') this.setText(col, result);
      else this.setNumber(col, KIND_NUM, result);
    } else if (this.hasV) {
      switch (this.cT) {
        case T_SHARED: {
          const sst = this.ctx.sst;
          this.setText(col, sst ? (sst[parseInt(this.vText, 10)] ?? '') : '');
          break;
        }
        case T_INLINE:
        case T_STR:
          this.setText(col, xmlDecode(this.vText));
          break;
        case T_ERROR:
          this.setText(col, this.vText);
          break;
        case T_BOOL:
          this.setText(col, parseInt(this.vText, 10) !== 0 ? 'TRUE' : 'FALSE');
          break;
        default:
          this.setNumber(col, this.isDate[col] ? KIND_DATE : KIND_NUM, parseFloat(this.vText));
          break;
      }
    }
  }

  private setText(col: number, text: string): void {
    this.kind[col] = KIND_TEXT;
    this.payload[col] = text;
  }

  private setNumber(col: number, kind: number, n: number): void {
    this.kind[col] = kind;
    this.payload[col] = n;
  }

  private dateText(serial: number): string {
    return excelDateText(serialToDate(serial, this.ctx.date1904));
  }

  private cellText(col: number): string {
    switch (this.kind[col]) {
      case KIND_TEXT:
        return this.payload[col] as string;
      case KIND_NUM: {
        const n = this.payload[col] as number;
        if (Number.isNaN(n)) return '';
        return this.isDate[col] ? this.dateText(n) : plainNumber(n);
      }
      case KIND_DATE:
        return this.dateText(this.payload[col] as number);
      default:
        return '';
    }
  }

  private closeRow(): void {
    if (!this.row) throw broken(new Error('</row> without <row>'));
    this.row = false;
    const touched = this.touched;
    const texts = this.texts;
    let any = false;
    for (let i = 0; i < touched.length; i++) {
      const col = touched[i];
      const text = this.cellText(col);
      if (text !== '') {
        texts[col - 1] = text;
        if (!any && text.trim() !== '') any = true;
      }
    }
    try {
      if (this.failure !== null) return; // readXlsxExceljs would have stopped at the header
      if (this.header === null) {
        if (!any) return;
        const cells = new Map<number, string>();
        for (const col of touched) {
          const text = texts[col - 1];
          if (text !== undefined) cells.set(col - 1, text);
        }
        try {
          this.header = buildHeader(cells, this.rowNumber);
        } catch (e) {
          this.failure = e;
          return;
        }
        this.pendingHeaders = { names: this.header.names.slice(), row: this.rowNumber };
        return;
      }
      if (!any) return; // rowValues would find every headed cell blank
      const values = rowValues(this.header, (i) => texts[i]);
      if (values) this.out.push({ row: this.rowNumber, values });
    } finally {
      for (let i = 0; i < touched.length; i++) texts[touched[i] - 1] = undefined;
    }
  }
}

// ---- workbook ------------------------------------------------------------------------------

interface SheetPlan {
  entry: ZipEntry;
  name: string;
  date1904: boolean;
  styles: StyleLookup;
  sst: string[] | null;
}

const SHEET_ENTRY = /xl\/worksheets\/sheet(\d+)[.]xml/;

async function parseSharedStrings(zip: ZipFile, entry: ZipEntry): Promise<string[]> {
  const reader = new SharedStringsReader();
  const scanner = new XmlScanner(reader, 'the shared strings');
  let first = true;
  for await (const chunk of entryData(zip, entry)) {
    if (first && isUtf16(chunk)) throw new FastXlsxUnsupported('UTF-16 shared strings');
    first = false;
    scanner.write(chunk);
  }
  scanner.end();
  return reader.strings;
}

/**
 * Works out which zip entry exceljs's WorkbookReader + readXlsxExceljs would read for sheet
 * `target`, and everything needed to read it the same way.
 */
async function planSheet(zip: ZipFile, target: number): Promise<SheetPlan> {
  const { size } = await zip.handle.stat();
  const entries = await readCentralDirectory(zip.handle, size);
  const byPath = new Map<string, ZipEntry>();
  for (const e of entries) {
    if (byPath.has(e.path)) throw new FastXlsxUnsupported(`duplicate zip entry ${e.path}`);
    byPath.set(e.path, e);
  }
  const relsEntry = byPath.get('xl/_rels/workbook.xml.rels');
  const workbookEntry = byPath.get('xl/workbook.xml');
  const stylesEntry = byPath.get('xl/styles.xml');
  const sstEntry = byPath.get('xl/sharedStrings.xml');
  const x = exceljsInternals();

  let rels: { Id?: string; Target?: string }[] | undefined;
  let workbook: WorkbookXform | undefined;
  const styleManager = new x.StyleManager();
  let sst: string[] | null = null;
  try {
    if (relsEntry) rels = await new x.RelationshipsXform().parseStream(entryData(zip, relsEntry));
    if (workbookEntry) {
      workbook = new x.WorkbookXform();
      await workbook.parseStream(entryData(zip, workbookEntry));
    }
    if (stylesEntry) await styleManager.parseStream(entryData(zip, stylesEntry));
    else styleManager.init();
    if (sstEntry) sst = await parseSharedStrings(zip, sstEntry);
  } catch (e) {
    if (e instanceof FastXlsxUnsupported) throw e;
    throw xlsxError(e);
  }
  if (stylesEntry && !styleManager.model?.styles) throw new FastXlsxUnsupported('styles.xml without cellXfs');
  const wbModel = workbook?.model;

  // exceljs reads the zip entries in file order. A worksheet met after both the shared strings
  // and the workbook rels is read at once (with whatever has been read so far); any other is
  // spooled to a temp file and read after the whole zip, in order.
  const ordered = entries.slice().sort((a, b) => a.localOffset - b.localOffset);
  const streamed: { entry: ZipEntry; no: string }[] = [];
  const spooled: { entry: ZipEntry; no: string }[] = [];
  let relsSeen = false;
  let sstSeen = false;
  let workbookSeen = false;
  let stylesSeen = false;
  for (const e of ordered) {
    switch (e.path) {
      case 'xl/_rels/workbook.xml.rels':
        relsSeen = !!rels;
        break;
      case 'xl/workbook.xml':
        workbookSeen = true;
        break;
      case 'xl/sharedStrings.xml':
        sstSeen = true;
        break;
      case 'xl/styles.xml':
        stylesSeen = true;
        break;
      default: {
        const m = SHEET_ENTRY.exec(e.path);
        if (!m) break;
        if (sstSeen && relsSeen) {
          if (!workbookSeen || (stylesEntry && !stylesSeen)) {
            throw new FastXlsxUnsupported('zip entry order: exceljs reads a worksheet before workbook.xml or styles.xml');
          }
          streamed.push({ entry: e, no: m[1] });
        } else {
          spooled.push({ entry: e, no: m[1] });
        }
      }
    }
  }

  // readXlsxExceljs: the sheet's 1-based position in workbook.xml (by sheetId, found through
  // the rels), else its position among the sheets exceljs emitted so far
  const sheets = wbModel?.sheets;
  let emitted = 0;
  for (const { entry, no } of [...streamed, ...spooled]) {
    emitted += 1;
    const rel = (rels || []).find((r) => r.Target === `worksheets/sheet${no}.xml`);
    if (rel && !wbModel) throw new FastXlsxUnsupported('no workbook model for a worksheet');
    const sheet = rel ? (wbModel!.sheets || []).find((s) => s.rId === rel.Id) : undefined;
    const id: unknown = sheet ? sheet.id : no;
    const name = sheet ? sheet.name : `Sheet${no}`;
    const index = sheets ? sheets.findIndex((s) => String(s.id) === String(id)) : -1;
    const position = index >= 0 ? index + 1 : emitted;
    if (position !== target) continue;
    return {
      entry,
      name: String(name ?? target),
      date1904: workbook?.map.workbookPr.model?.date1904 === true,
      styles: new StyleLookup(styleManager),
      sst,
    };
  }
  throw new ImportFileError(
    emitted === 0 ? '文件中没有工作表，不是有效的 Excel 文件' : `文件中没有第 ${target} 个工作表（共 ${emitted} 个）`,
  );
}

/**
 * The data rows of an XLSX file, exactly as reader.ts's exceljs-based reader (readXlsxExceljs)
 * yields them, but faster. Throws FastXlsxUnsupported, before yielding anything, for files it
 * does not handle (see the top of this module); ImportFileError (Chinese message) for broken
 * files, a missing sheet, an empty sheet or duplicate headers.
 */
export async function* readXlsxFast(file: string, opts: ReadOptions = {}): AsyncGenerator<RawRow> {
  const target = opts.sheet ?? 1;
  if (!Number.isInteger(target) || target < 1) throw new RangeError(`sheet must be a positive integer, got ${target}`);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    throw xlsxError(e);
  }
  const zip: ZipFile = { path: file, handle };
  try {
    let plan: SheetPlan;
    try {
      plan = await planSheet(zip, target);
    } catch (e) {
      if (e instanceof FastXlsxUnsupported || e instanceof ImportFileError) throw e;
      throw xlsxError(e);
    }
    // the sheet, read here rather than in a delegate generator (each layer costs per row)
    const reader = new SheetReader({ sst: plan.sst, styles: plan.styles, date1904: plan.date1904, onHeaders: opts.onHeaders });
    const scanner = new XmlScanner(reader, 'a worksheet');
    const chunks = entryData(zip, plan.entry);
    let first = true;
    try {
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await chunks.next();
        } catch (e) {
          if (e instanceof FastXlsxUnsupported && first) throw e;
          throw xlsxError(e);
        }
        if (next.done) break;
        const chunk = next.value;
        if (first && isUtf16(chunk)) throw new FastXlsxUnsupported('UTF-16 worksheet');
        first = false;
        scanner.write(chunk);
        reader.commit();
        if (reader.out.length > 0) {
          const rows = reader.out;
          reader.out = [];
          for (const row of rows) yield row;
        }
      }
      scanner.end();
      reader.commit();
      const rows = reader.out;
      reader.out = [];
      for (const row of rows) yield row;
      if (reader.header === null) throw new ImportFileError(`工作表“${plan.name}”中没有表头行（工作表为空）`);
    } finally {
      await chunks.return(undefined);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}
