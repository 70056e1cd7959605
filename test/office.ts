// LibreOffice as an independent calculator for the workbook tests: converts .xlsx files to
// CSV (every sheet) with a private profile that recalculates every formula on load, so the
// figures read back are LibreOffice's own, not the cached results the file carries.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';

export const SOFFICE = '/usr/bin/soffice';

export function run(cmd: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, env: { ...process.env, HOME: os.tmpdir() } }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** LibreOffice profile that recalculates every formula of an .xlsx on load (OOXMLRecalcMode 0). */
export function recalcProfile(dir: string): string {
  fs.mkdirSync(path.join(dir, 'user'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'user', 'registrymodifications.xcu'),
    `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
`,
  );
  return 'file://' + dir;
}

/**
 * CSV filter options: ',' '"' UTF-8, from line 1, (no column formats), language 0, quote only
 * where needed, -, token 9 false = raw values (not "as shown": no thousands separators or
 * rounding by the number format), no formulas, no trimming, -1 = every sheet into
 * <file>-<sheet>.csv (LibreOffice ≥ 7.2).
 */
export const CSV_FILTER = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1';

export function readSheetCsv(dir: string, base: string, sheet: string, first: boolean): string[][] {
  let file = path.join(dir, `${base}-${sheet}.csv`);
  if (!fs.existsSync(file) && first) file = path.join(dir, `${base}.csv`); // LibreOffice < 7.2: first sheet only
  return parseCsv(fs.readFileSync(file, 'utf8'), { relax_column_count: true }) as string[][];
}

/**
 * Writes the workbooks to `dir`, converts them all in one LibreOffice run (recalculating) and
 * returns the CSV directory; read a sheet with readSheetCsv(out, name, sheet, first).
 */
export async function recalculatedCsv(dir: string, files: Record<string, Buffer>, timeoutMs = 100_000): Promise<string> {
  for (const [name, buf] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.xlsx`), buf);
  const out = path.join(dir, 'csv');
  const profile = recalcProfile(path.join(dir, 'profile'));
  await run(
    SOFFICE,
    ['--headless', '--norestore', `-env:UserInstallation=${profile}`, '--convert-to', CSV_FILTER, '--outdir', out, ...Object.keys(files).map((n) => path.join(dir, `${n}.xlsx`))],
    timeoutMs,
  );
  return out;
}
