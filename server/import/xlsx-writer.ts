// Streaming XLSX writer (exceljs WorkbookWriter): one worksheet, a header row, then the rows as
// they come, each committed at once and written only as fast as the zip compressor takes them,
// so memory stays flat. Used by tests and by the benchmark
// that generates a 100,000-ticket export.
import fs from 'fs';
import ExcelJS from './exceljs';

export type XlsxCell = string | number | Date | null;

/** Number format of Date cells (Excel shows 2025-10-09 10:00:00). */
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
/** Rows between checks of the zip stream's backlog. */
const ROWS_PER_CHECK = 500;

interface DrainableStream {
  writableNeedDrain?: boolean;
  _writableState?: { needDrain?: boolean };
  once(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
}

/**
 * Waits until the zip compressor has caught up with the sheet's XML. exceljs's streaming
 * writer ignores backpressure: its sheet stream (a StreamBuf) writes into archiver's input
 * regardless, and without this wait the whole uncompressed sheet piles up in memory when rows
 * come faster than deflate (≈ 0.4 KB per ticket row). Reaches into exceljs internals
 * (worksheet._stream.pipes); if they are not there, it only yields to the event loop.
 */
async function drainSheet(sheet: ExcelJS.Worksheet): Promise<void> {
  const pipes = (sheet as unknown as { _stream?: { pipes?: DrainableStream[] } })._stream?.pipes;
  for (const pipe of Array.isArray(pipes) ? pipes : []) {
    const needDrain = pipe.writableNeedDrain ?? pipe._writableState?.needDrain ?? false;
    if (!needDrain) continue;
    await new Promise<void>((resolve) => {
      const done = () => {
        pipe.removeListener('drain', done);
        pipe.removeListener('close', done);
        pipe.removeListener('error', done);
        resolve();
      };
      pipe.once('drain', done);
      pipe.once('close', done);
      pipe.once('error', done);
    });
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Writes `headers` and `rows` to a new XLSX file at `path` (sheet "Sheet1"). Strings are inline
 * strings, numbers numbers, null an empty cell. A Date is written as an Excel date whose
 * wall-clock is the Date's UTC fields (Excel dates have no zone; readRows reads it back as the
 * same 'YYYY-MM-DD HH:mm:ss'), formatted yyyy-mm-dd hh:mm:ss. On error the partial file is
 * removed and the error rethrown.
 */
export async function writeXlsxStream(
  path: string,
  headers: string[],
  rows: AsyncIterable<XlsxCell[]> | Iterable<XlsxCell[]>,
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useStyles: true, // date cells need their number format
    useSharedStrings: false, // a shared-string table would grow with the file
  });
  try {
    const sheet = workbook.addWorksheet('Sheet1');
    const head = sheet.addRow(headers);
    head.font = { bold: true };
    head.commit();
    let n = 0;
    for await (const values of rows) {
      const row = sheet.addRow(values.map((v) => (v === null ? null : v)));
      values.forEach((v, i) => {
        if (v instanceof Date) row.getCell(i + 1).numFmt = DATE_FORMAT;
      });
      row.commit();
      n += 1;
      if (n % ROWS_PER_CHECK === 0) await drainSheet(sheet);
    }
    sheet.commit();
    await workbook.commit();
  } catch (e) {
    try {
      await workbook.commit();
    } catch {
      // already failing
    }
    await fs.promises.rm(path, { force: true });
    throw e;
  }
}
