// Import file reading (server/import): CSV and XLSX rows, cell text, format detection, cell
// value parsing, and a 100,000-row streaming read.
import { expect } from 'chai';
import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { TextDecoder } from 'util';
import ExcelJS from '../server/import/exceljs';
import { detectFormat, ImportFileError, ImportFormat, RawRow, readRows } from '../server/import/reader';
import { applyMapping, missingColumns, parseBool, parseInstant, parseLocalDate } from '../server/import/values';
import { writeXlsxStream, XlsxCell } from '../server/import/xlsx-writer';

let dir: string;
const file = (name: string) => path.join(dir, name);

async function collect(p: string, format: ImportFormat, opts?: Parameters<typeof readRows>[2]): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const r of readRows(p, format, opts)) out.push(r);
  return out;
}

/** Plain objects (reader values have no prototype) for deep comparison. */
const plain = (rows: RawRow[]) => rows.map((r) => ({ row: r.row, values: { ...r.values } }));

async function importError(p: Promise<unknown>): Promise<ImportFileError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ImportFileError);
    return e as ImportFileError;
  }
  throw new Error('expected an ImportFileError');
}

/** A GBK/GB18030 encoder for the BMP characters of GBK, built from Node's decoder. */
function gbkEncoder(): (s: string) => Buffer {
  const map = new Map<string, number[]>();
  const dec = new TextDecoder('gb18030');
  for (let a = 0x81; a <= 0xfe; a++) {
    for (let b = 0x40; b <= 0xfe; b++) {
      if (b === 0x7f) continue;
      const ch = dec.decode(Uint8Array.of(a, b));
      if (ch.length === 1 && ch !== '\ufffd' && !map.has(ch)) map.set(ch, [a, b]);
    }
  }
  return (s) =>
    Buffer.from(
      [...s].flatMap((c) => {
        const code = c.charCodeAt(0);
        if (code < 0x80) return [code];
        const bytes = map.get(c);
        if (!bytes) throw new Error(`not in GBK: ${c}`);
        return bytes;
      }),
    );
}

function memoryWatcher() {
  let peak = process.memoryUsage().rss;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  };
  const timer = setInterval(sample, 20);
  return {
    sample,
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-reader-'));
});

after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('import: detectFormat', () => {
  it('detects XLSX by the zip signature whatever the name, CSV by extension when the bytes are text', () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    expect(detectFormat('工单导出.xlsx', zip)).to.equal('xlsx');
    expect(detectFormat('export.csv', zip)).to.equal('xlsx');
    expect(detectFormat('upload', zip)).to.equal('xlsx');
    const text = Buffer.from('\ufeff工单编号,标题\r\nGD001,打印机\r\n');
    expect(detectFormat('工单导出.csv', text)).to.equal('csv');
    expect(detectFormat('EXPORT.CSV', text)).to.equal('csv');
    expect(detectFormat('export.txt', text)).to.equal('csv');
    expect(detectFormat('export.csv', Buffer.alloc(0))).to.equal('csv');
    expect(detectFormat('export', text)).to.equal(null);
  });

  it('answers null for binary files, old .xls and .xlsx names without a zip inside', () => {
    const random = crypto.randomBytes(4096);
    random[0] = 0x01; // never a zip signature
    expect(detectFormat('random.csv', random)).to.equal(null);
    expect(detectFormat('random.bin', random)).to.equal(null);
    expect(detectFormat('random.xlsx', random)).to.equal(null);
    const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect(detectFormat('old.xls', ole)).to.equal(null);
    expect(detectFormat('renamed.xlsx', ole)).to.equal(null);
    expect(detectFormat('renamed.csv', ole)).to.equal(null);
    expect(detectFormat('report.csv', Buffer.from('%PDF-1.7\n%'))).to.equal(null);
    expect(detectFormat('utf16.csv', Buffer.from('\ufeffa,b', 'utf16le'))).to.equal(null);
  });
});

describe('import: CSV', () => {
  it('reads UTF-8 with BOM: Chinese headers, quoted commas and newlines, blank lines skipped but counted', async () => {
    const p = file('bom.csv');
    fs.writeFileSync(
      p,
      '\ufeff 工单编号 ,标题,报修时间,备注\r\n' +
        'GD001,"打印机无法连接,更换网线",2025-10-09 10:00,"第一行\r\n第二行"\r\n' +
        '\r\n' +
        ',,,\r\n' +
        'GD002,  系统登录慢  ,2025/10/9 9:05,\r\n' +
        'GD003,"引号""内部""",,多余,列被忽略\r\n' +
        'GD004\r\n',
    );
    const rows = await collect(p, 'csv');
    expect(plain(rows)).to.deep.equal([
      { row: 2, values: { 工单编号: 'GD001', 标题: '打印机无法连接,更换网线', 报修时间: '2025-10-09 10:00', 备注: '第一行\r\n第二行' } },
      { row: 5, values: { 工单编号: 'GD002', 标题: '系统登录慢', 报修时间: '2025/10/9 9:05', 备注: '' } },
      { row: 6, values: { 工单编号: 'GD003', 标题: '引号"内部"', 报修时间: '', 备注: '多余' } },
      { row: 7, values: { 工单编号: 'GD004', 标题: '', 报修时间: '', 备注: '' } },
    ]);
    expect(Object.keys(rows[0].values)).to.deep.equal(['工单编号', '标题', '报修时间', '备注']);
  });

  it('reads UTF-8 without BOM, LF line ends, and a header after leading blank lines', async () => {
    const p = file('nobom.csv');
    fs.writeFileSync(p, '\n姓名,岗位,驻场\n王婷,运维工程师,是\n李强,项目经理,否');
    const headers: [string[], number][] = [];
    const rows = await collect(p, 'csv', { onHeaders: (h, row) => headers.push([h, row]) });
    expect(headers).to.deep.equal([[['姓名', '岗位', '驻场'], 2]]);
    expect(plain(rows)).to.deep.equal([
      { row: 3, values: { 姓名: '王婷', 岗位: '运维工程师', 驻场: '是' } },
      { row: 4, values: { 姓名: '李强', 岗位: '项目经理', 驻场: '否' } },
    ]);
  });

  it('reads GB18030/GBK files as Chinese Excel writes them', async () => {
    const gbk = gbkEncoder();
    const p = file('gbk.csv');
    fs.writeFileSync(p, gbk('工单编号,标题,处理人\r\nGD001,"打印机卡纸,已处理",张三\r\nGD002,税控盘无法识别,李四\r\n'));
    expect(detectFormat('gbk.csv', fs.readFileSync(p))).to.equal('csv');
    const rows = await collect(p, 'csv');
    expect(plain(rows)).to.deep.equal([
      { row: 2, values: { 工单编号: 'GD001', 标题: '打印机卡纸,已处理', 处理人: '张三' } },
      { row: 3, values: { 工单编号: 'GD002', 标题: '税控盘无法识别', 处理人: '李四' } },
    ]);
  });

  it('decides the encoding on the first non-ASCII chunk, even after 64 KB of ASCII', async () => {
    const gbk = gbkEncoder();
    const p = file('gbk-late.csv');
    const ascii = ['id,title'];
    for (let i = 1; i <= 5000; i++) ascii.push(`${i},ticket number ${i} printer offline`);
    const head = Buffer.from(ascii.join('\r\n') + '\r\n');
    expect(head.length).to.be.greaterThan(128 * 1024);
    fs.writeFileSync(p, Buffer.concat([head, gbk('5001,电子税务局无法登录\r\n')]));
    const rows = await collect(p, 'csv');
    expect(rows).to.have.length(5001);
    expect(rows[5000]).to.deep.include({ row: 5002 });
    expect({ ...rows[5000].values }).to.deep.equal({ id: '5001', title: '电子税务局无法登录' });
  });

  it('refuses duplicate headers, empty files, unclosed quotes, binary and UTF-16 files', async () => {
    const dup = file('dup.csv');
    fs.writeFileSync(dup, '工单编号,标题, 工单编号\nGD001,a,b\n');
    const e1 = await importError(collect(dup, 'csv'));
    expect(e1.message).to.contain('工单编号').and.contain('A 列').and.contain('C 列');
    expect(e1.row).to.equal(1);

    const empty = file('empty.csv');
    fs.writeFileSync(empty, '\ufeff\r\n , \r\n');
    expect((await importError(collect(empty, 'csv'))).message).to.contain('表头');

    const quote = file('quote.csv');
    fs.writeFileSync(quote, 'a,b\n1,"never closed\n2,3\n');
    expect((await importError(collect(quote, 'csv'))).message).to.contain('引号');

    const bin = file('random.csv');
    fs.writeFileSync(bin, crypto.randomBytes(100_000));
    await importError(collect(bin, 'csv'));

    const utf16 = file('utf16.csv');
    fs.writeFileSync(utf16, Buffer.from('\ufeffa,b\r\n1,2\r\n', 'utf16le'));
    expect((await importError(collect(utf16, 'csv'))).message).to.contain('UTF-16');

    await importError(collect(file('does-not-exist.csv'), 'csv'));
  });

  it('refuses a UTF-8 file that turns invalid later instead of producing replacement characters', async () => {
    const p = file('mixed.csv');
    const lines = ['编号,标题'];
    for (let i = 0; i < 5000; i++) lines.push(`${i},工单标题${i}`);
    fs.writeFileSync(p, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0x31, 0x2c, 0xc0, 0x0a])]));
    expect((await importError(collect(p, 'csv'))).message).to.contain('UTF-8');
  });

  it('stops cleanly when the consumer breaks early', async () => {
    const p = file('early.csv');
    fs.writeFileSync(p, 'a\n' + Array.from({ length: 50_000 }, (_, i) => String(i)).join('\n'));
    let n = 0;
    for await (const r of readRows(p, 'csv')) {
      n = r.row;
      if (n === 3) break;
    }
    expect(n).to.equal(3);
  });
});

describe('import: XLSX', () => {
  it('reads a file from writeXlsxStream: strings, numbers as plain text, dates, nulls, blank rows counted', async () => {
    const p = file('written.xlsx');
    const rows: XlsxCell[][] = [
      ['GD001', '打印机<无法>连接 & 重启', new Date(Date.UTC(2025, 9, 9, 10, 0, 0)), 12084900.5, 3],
      [null, null, null, null, null],
      ['GD002', null, new Date(Date.UTC(2025, 11, 31, 23, 59, 59)), 0.1 + 0.2, 1e21],
      ['GD003', '  空格  ', null, 1.5e-7, -42],
    ];
    await writeXlsxStream(p, ['工单编号', '标题', '报修时间', '金额', '次数'], rows);
    expect(detectFormat('x.xlsx', fs.readFileSync(p).subarray(0, 8))).to.equal('xlsx');
    expect(plain(await collect(p, 'xlsx'))).to.deep.equal([
      { row: 2, values: { 工单编号: 'GD001', 标题: '打印机<无法>连接 & 重启', 报修时间: '2025-10-09 10:00:00', 金额: '12084900.5', 次数: '3' } },
      { row: 4, values: { 工单编号: 'GD002', 标题: '', 报修时间: '2025-12-31 23:59:59', 金额: '0.3', 次数: '1000000000000000000000' } },
      { row: 5, values: { 工单编号: 'GD003', 标题: '空格', 报修时间: '', 金额: '0.00000015', 次数: '-42' } },
    ]);
  });

  it('reads exceljs workbooks: Date cells, formulas, rich text, hyperlinks, booleans, errors, second sheet', async () => {
    const p = file('full.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('工单');
    ws.getRow(1).values = ['工单编号', '报修时间', '报修日期', '到场时间', '金额', '合计', '截止日', '说明', '链接', '已解决', '错误', '公式错误'];
    const r2 = ws.getRow(2);
    r2.getCell(1).value = 'GD001';
    r2.getCell(2).value = new Date(Date.UTC(2025, 9, 9, 10, 30, 0));
    r2.getCell(2).numFmt = 'yyyy-mm-dd hh:mm';
    r2.getCell(3).value = new Date(Date.UTC(2025, 2, 30)); // default date format (mm-dd-yy)
    r2.getCell(4).value = new Date(Date.UTC(1899, 11, 30, 9, 30)); // time only
    r2.getCell(4).numFmt = 'hh:mm';
    r2.getCell(5).value = 1234.56;
    r2.getCell(6).value = { formula: 'E2*2', result: 2469.12 };
    r2.getCell(7).value = { formula: 'B2+1', result: new Date(Date.UTC(2025, 9, 10, 10, 30)) };
    r2.getCell(7).numFmt = 'yyyy-mm-dd hh:mm:ss';
    r2.getCell(8).value = { richText: [{ text: '红色', font: { color: { argb: 'FFFF0000' } } }, { text: '加粗', font: { bold: true } }] };
    r2.getCell(9).value = { text: '工单详情', hyperlink: 'https://example.com/tickets/1' };
    r2.getCell(10).value = true;
    r2.getCell(11).value = { error: '#N/A' };
    r2.getCell(12).value = { formula: '1/0', result: { error: '#DIV/0!' } };
    ws.getRow(4).values = ['GD002', null, null, null, 7, { formula: 'E4*2', result: 14 }];
    ws.getRow(5).getCell(13).value = 'no header: ignored';
    const staff = wb.addWorksheet('人员名册');
    staff.getRow(2).values = ['姓名', '驻场'];
    staff.getRow(3).values = ['王婷', '是'];
    await wb.xlsx.writeFile(p);

    expect(plain(await collect(p, 'xlsx'))).to.deep.equal([
      {
        row: 2,
        values: {
          工单编号: 'GD001',
          报修时间: '2025-10-09 10:30:00',
          报修日期: '2025-03-30 00:00:00',
          到场时间: '09:30:00',
          金额: '1234.56',
          合计: '2469.12',
          截止日: '2025-10-10 10:30:00',
          说明: '红色加粗',
          链接: '工单详情',
          已解决: 'TRUE',
          错误: '#N/A',
          公式错误: '', // exceljs's streaming reader keeps no error result of a formula
        },
      },
      {
        row: 4,
        values: {
          工单编号: 'GD002', 报修时间: '', 报修日期: '', 到场时间: '', 金额: '7', 合计: '14',
          截止日: '', 说明: '', 链接: '', 已解决: '', 错误: '', 公式错误: '',
        },
      },
    ]);
    const headers: string[][] = [];
    expect(plain(await collect(p, 'xlsx', { sheet: 2, onHeaders: (h) => headers.push(h) }))).to.deep.equal([
      { row: 3, values: { 姓名: '王婷', 驻场: '是' } },
    ]);
    expect(headers).to.deep.equal([['姓名', '驻场']]);
    expect((await importError(collect(p, 'xlsx', { sheet: 3 }))).message).to.contain('第 3 个工作表');
  });

  it('refuses duplicate headers, empty sheets, and files that are not workbooks', async () => {
    const dup = file('dup.xlsx');
    await writeXlsxStream(dup, ['姓名', '岗位', '姓名'], [['a', 'b', 'c']]);
    const e = await importError(collect(dup, 'xlsx'));
    expect(e.message).to.contain('姓名').and.contain('A 列').and.contain('C 列');

    const empty = file('empty.xlsx');
    await writeXlsxStream(empty, [], []);
    expect((await importError(collect(empty, 'xlsx'))).message).to.contain('表头');

    const random = file('random.xlsx');
    fs.writeFileSync(random, crypto.randomBytes(64 * 1024));
    await importError(collect(random, 'xlsx'));

    const fakeZip = file('fake.xlsx');
    fs.writeFileSync(fakeZip, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), crypto.randomBytes(10_000)]));
    expect(detectFormat('fake.xlsx', fs.readFileSync(fakeZip))).to.equal('xlsx');
    await importError(collect(fakeZip, 'xlsx'));

    const truncated = file('truncated.xlsx');
    const whole = fs.readFileSync(file('dup.xlsx'));
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await importError(collect(truncated, 'xlsx'));

    await importError(collect(file('missing.xlsx'), 'xlsx'));
  });

  it('leaves none of exceljs\'s temp files behind, whether a sheet is read to the end, skipped or abandoned', async () => {
    const tmpFiles = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`tmp-${process.pid}-`)).sort();
    const before = tmpFiles();
    const p = file('three-sheets.xlsx');
    const wb = new ExcelJS.Workbook();
    for (const name of ['一', '二', '三']) {
      const ws = wb.addWorksheet(name);
      ws.addRow(['编号', '名称']);
      for (let i = 1; i <= 100; i++) ws.addRow([i, `${name}-${i}`]);
    }
    await wb.xlsx.writeFile(p);
    expect(await collect(p, 'xlsx')).to.have.length(100);
    expect((await collect(p, 'xlsx', { sheet: 2 }))[99].values['名称']).to.equal('二-100');
    for await (const r of readRows(p, 'xlsx', { sheet: 3 })) {
      if (r.row === 5) break;
    }
    await importError(collect(p, 'xlsx', { sheet: 4 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tmpFiles()).to.deep.equal(before);
  });

  it('stops cleanly when the consumer breaks early', async () => {
    const p = file('early.xlsx');
    await writeXlsxStream(p, ['n'], (function* () {
      for (let i = 0; i < 20_000; i++) yield [i];
    })());
    let last = 0;
    for await (const r of readRows(p, 'xlsx')) {
      last = r.row;
      if (last === 10) break;
    }
    expect(last).to.equal(10);
  });
});

describe('import: streaming 100,000 rows', () => {
  const N = 100_000;
  const HEADERS = ['工单编号', '标题', '报修时间', '解决时间', '优先级', '处理人', '是否超时', '工时'];
  const base = Date.UTC(2025, 0, 1);
  const title = (i: number) => `第${i}号工单：办税服务厅自助终端无法打印完税证明，需要现场处理`;
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
        i * 0.25,
      ];
    }
  }

  it('writes and reads back a 100,000-row XLSX row by row', async function () {
    this.timeout(300_000);
    const p = file('tickets-100k.xlsx');
    const t0 = Date.now();
    await writeXlsxStream(p, HEADERS, tickets());
    const writeMs = Date.now() - t0;
    const size = fs.statSync(p).size;

    if (global.gc) global.gc();
    const baseline = process.memoryUsage().rss;
    const mem = memoryWatcher();
    const t1 = Date.now();
    let count = 0;
    let last: RawRow | undefined;
    let garbled = 0;
    for await (const r of readRows(p, 'xlsx')) {
      count += 1;
      last = r;
      // every row, so that a multi-byte character split between two zip chunks would show
      if (r.values['标题'] !== title(count) || r.values['处理人'] !== `处理人${count % 37}`) garbled += 1;
      if (count % 5000 === 0) mem.sample();
    }
    const readMs = Date.now() - t1;
    const peak = mem.stop();
    console.log(
      `      100k-row XLSX (${mb(size)} MB): write ${writeMs} ms, read ${readMs} ms, ` +
        `RSS before read ${mb(baseline)} MB, peak during read ${mb(peak)} MB`,
    );
    expect(count).to.equal(N);
    expect(garbled).to.equal(0);
    expect(last!.row).to.equal(N + 1);
    expect({ ...last!.values }).to.deep.equal({
      工单编号: 'GD2025100000',
      标题: '第100000号工单：办税服务厅自助终端无法打印完税证明，需要现场处理',
      报修时间: '2025-03-11 10:40:00',
      解决时间: '',
      优先级: '紧急',
      处理人: `处理人${N % 37}`,
      是否超时: '否',
      工时: '25000',
    });
  });

  it('reads a 100,000-row CSV row by row', async function () {
    this.timeout(120_000);
    const p = file('tickets-100k.csv');
    const out = fs.createWriteStream(p);
    out.write('\ufeff' + HEADERS.join(',') + '\r\n');
    for (const row of tickets()) {
      const line = row
        .map((v) => (v instanceof Date ? v.toISOString().slice(0, 19).replace('T', ' ') : v === null ? '' : String(v)))
        .map((s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s))
        .join(',');
      if (!out.write(line + '\r\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));

    const mem = memoryWatcher();
    const t1 = Date.now();
    let count = 0;
    let last: RawRow | undefined;
    let garbled = 0;
    for await (const r of readRows(p, 'csv')) {
      count += 1;
      last = r;
      if (r.values['标题'] !== title(count)) garbled += 1;
    }
    const readMs = Date.now() - t1;
    const peak = mem.stop();
    console.log(`      100k-row CSV (${mb(fs.statSync(p).size)} MB): read ${readMs} ms, peak RSS ${mb(peak)} MB`);
    expect(count).to.equal(N);
    expect(garbled).to.equal(0);
    expect(last!.row).to.equal(N + 1);
    expect(last!.values['报修时间']).to.equal('2025-03-11 10:40:00');
    expect(last!.values['标题']).to.equal('第100000号工单：办税服务厅自助终端无法打印完税证明，需要现场处理');
  });
});

describe('import: cell values', () => {
  const SH = 'Asia/Shanghai';
  const BER = 'Europe/Berlin';
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());

  it('parseInstant: ISO 8601 with an offset ignores the contract zone', () => {
    expect(iso(parseInstant('2025-10-09T10:00:00+08:00', BER))).to.equal('2025-10-09T02:00:00.000Z');
    expect(iso(parseInstant('2025-10-09T10:00:00Z', SH))).to.equal('2025-10-09T10:00:00.000Z');
    expect(iso(parseInstant('2025-10-09T10:00:00.250Z', SH))).to.equal('2025-10-09T10:00:00.250Z');
    expect(iso(parseInstant('2025-10-09T10:00:00-05:30', SH))).to.equal('2025-10-09T15:30:00.000Z');
    expect(iso(parseInstant('2025-10-09T10:00+0800', SH))).to.equal('2025-10-09T02:00:00.000Z');
    expect(iso(parseInstant('2025-10-09 10:00:00+08', BER))).to.equal('2025-10-09T02:00:00.000Z');
  });

  it('parseInstant: local forms in Asia/Shanghai', () => {
    expect(iso(parseInstant('2025-10-09 10:00', SH))).to.equal('2025-10-09T02:00:00.000Z');
    expect(iso(parseInstant('2025-10-09 10:00:30', SH))).to.equal('2025-10-09T02:00:30.000Z');
    expect(iso(parseInstant('2025/10/09 10:00:30', SH))).to.equal('2025-10-09T02:00:30.000Z');
    expect(iso(parseInstant('2025/1/5 9:03', SH))).to.equal('2025-01-05T01:03:00.000Z');
    expect(iso(parseInstant('2025-10-09T10:00:00', SH))).to.equal('2025-10-09T02:00:00.000Z');
    expect(iso(parseInstant(' 2025-01-01 00:00:00 ', SH))).to.equal('2024-12-31T16:00:00.000Z');
    // Shanghai had summer time 1986-1991: the zone database is used there
    expect(iso(parseInstant('1990-07-01 12:00', SH))).to.equal('1990-07-01T03:00:00.000Z');
    expect(iso(parseInstant('2025-10-09 10:00', 'UTC'))).to.equal('2025-10-09T10:00:00.000Z');
  });

  it('parseInstant: local forms in Europe/Berlin across the DST changes', () => {
    expect(iso(parseInstant('2025-03-30 01:59:59', BER))).to.equal('2025-03-30T00:59:59.000Z'); // CET
    expect(iso(parseInstant('2025-03-30 03:00', BER))).to.equal('2025-03-30T01:00:00.000Z'); // CEST
    // 02:30 does not exist that night: read with the offset before the gap (= 03:30 CEST)
    expect(iso(parseInstant('2025-03-30 02:30', BER))).to.equal('2025-03-30T01:30:00.000Z');
    expect(iso(parseInstant('2025-07-01 12:00', BER))).to.equal('2025-07-01T10:00:00.000Z');
    // 02:30 happens twice on 2025-10-26: the earlier one (CEST)
    expect(iso(parseInstant('2025-10-26 02:30', BER))).to.equal('2025-10-26T00:30:00.000Z');
    expect(iso(parseInstant('2025-10-26 03:00', BER))).to.equal('2025-10-26T02:00:00.000Z'); // CET
    expect(iso(parseInstant('2025-10-26 01:59', BER))).to.equal('2025-10-25T23:59:00.000Z'); // CEST
    expect(iso(parseInstant('2025-12-24 18:00', BER))).to.equal('2025-12-24T17:00:00.000Z');
  });

  it('parseInstant: null for unparseable text and impossible dates and times', () => {
    for (const t of [
      '', '2025-02-30 10:00', '2025-02-29 10:00', '2025-13-01 10:00', '2025-10-09 24:00',
      '2025-10-09 10:60', '2025-10-09 10:00:61', '2025-10-09', '2025-10-09 10', '10:00',
      '2025-10-09T10:00:00+25:00', '2025-10-09 10:00 下午', 'abc', '2025-10/09 10:00', '45939.4166',
    ]) {
      expect(parseInstant(t, SH), t).to.equal(null);
      expect(parseInstant(t, BER), t).to.equal(null);
    }
    expect(iso(parseInstant('2024-02-29 10:00', SH))).to.equal('2024-02-29T02:00:00.000Z');
    expect(() => parseInstant('2025-10-09 10:00', 'Mars/Olympus')).to.throw(RangeError);
  });

  it('parseLocalDate, parseBool', () => {
    expect(parseLocalDate('2025-10-09')).to.equal('2025-10-09');
    expect(parseLocalDate('2025/1/5')).to.equal('2025-01-05');
    expect(parseLocalDate(' 2024-02-29 ')).to.equal('2024-02-29');
    expect(parseLocalDate('2025-10-09 00:00:00')).to.equal('2025-10-09'); // an XLSX date cell
    expect(parseLocalDate('2025-10-09 10:00:00')).to.equal(null);
    for (const t of ['2025-02-30', '2023-02-29', '2025-00-10', '2025-10-32', '25-10-09', '2025-10', '', '2025.10.09', '2025-10/09']) {
      expect(parseLocalDate(t), t).to.equal(null);
    }
    for (const t of ['是', '有', 'Y', 'y', 'yes', 'TRUE', 'true', '1', ' 是 ']) expect(parseBool(t), t).to.equal(true);
    for (const t of ['否', '无', 'N', 'no', 'FALSE', 'false', '0']) expect(parseBool(t), t).to.equal(false);
    for (const t of ['', '2', '也许', 'on']) expect(parseBool(t), t).to.equal(null);
  });

  it('applyMapping and missingColumns', () => {
    const values = { 工单编号: 'GD001', 标题: '打印机', priority: '高', 备注: '' };
    const mapping = { ticketNo: '工单编号', title: ' 标题 ', closedAt: '解决时间' };
    expect(applyMapping(values, mapping, ['ticketNo', 'title', 'priority', 'closedAt', 'toString'])).to.deep.equal({
      ticketNo: 'GD001',
      title: '打印机',
      priority: '高',
      closedAt: '',
      toString: '',
    });
    const headers = Object.keys(values);
    expect(missingColumns(headers, mapping, ['ticketNo', 'title', 'priority'])).to.deep.equal([]);
    expect(missingColumns(headers, mapping, ['ticketNo', 'closedAt', 'handler'])).to.deep.equal(['解决时间', 'handler']);
  });
});
