// Streaming XLSX writer (exceljs WorkbookWriter): one worksheet, a header row, then the rows as
// they come, each committed at once so memory stays flat. Used by tests and by the benchmark
// that generates a 100,000-ticket export.
import fs from 'fs';
import ExcelJS from 'exceljs';

export type XlsxCell = string | number | Date | null;

/** Number format of Date cells (Excel shows 2025-10-09 10:00:00). */
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
/** Rows between yields to the event loop, so the zip stream can drain to disk. */
const ROWS_PER_TICK = 500;

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
      if (n % ROWS_PER_TICK === 0) await new Promise<void>((resolve) => setImmediate(resolve));
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
