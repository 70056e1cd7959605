// exceljs, with its streaming XML reader fixed for multi-byte text. Import ExcelJS from here,
// never from 'exceljs' directly.
//
// exceljs 4.4.0 decodes each compressed chunk of a worksheet to a string on its own
// (lib/utils/parse-sax.js), so a Chinese character split across two chunks becomes "���"
// (exceljs issues #2063, #2084; unfixed upstream). Its stream readers take the parser with
// `const parseSax = require('../../utils/parse-sax')` when they load, so we put a corrected
// parser in the module cache before exceljs is first required: chunks go through a
// StringDecoder, which carries an incomplete character over to the next chunk.
import Module, { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';

const exceljsRequire = createRequire(require.resolve('exceljs/package.json'));
const parseSaxPath = exceljsRequire.resolve('./lib/utils/parse-sax');

const FIXED = Symbol.for('omscore.exceljs.parseSaxFixed');
const cached = require.cache[parseSaxPath];
if (cached && !(cached.exports as Record<symbol, unknown>)[FIXED]) {
  // exceljs was loaded before this module: its readers hold the broken parser.
  throw new Error("exceljs was required before server/import/exceljs; import ExcelJS from server/import/exceljs everywhere");
}
if (!cached) {
  const { SaxesParser } = exceljsRequire('saxes') as typeof import('saxes');
  type SaxEvent = { eventType: 'opentag' | 'text' | 'closetag'; value: unknown };
  async function* parseSax(iterable: AsyncIterable<Buffer | string>): AsyncGenerator<SaxEvent[]> {
    const parser = new SaxesParser();
    const decoder = new StringDecoder('utf8');
    let error: Error | undefined;
    let events: SaxEvent[] = [];
    parser.on('error', (err) => {
      error = err;
    });
    parser.on('opentag', (value) => events.push({ eventType: 'opentag', value }));
    parser.on('text', (value) => events.push({ eventType: 'text', value }));
    parser.on('closetag', (value) => events.push({ eventType: 'closetag', value }));
    for await (const chunk of iterable) {
      parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
      if (error) throw error;
      yield events;
      events = [];
    }
    const rest = decoder.end();
    if (rest) {
      parser.write(rest);
      if (error) throw error;
      yield events;
    }
  }
  const mod = new Module(parseSaxPath);
  mod.filename = parseSaxPath;
  mod.loaded = true;
  (parseSax as unknown as Record<symbol, unknown>)[FIXED] = true;
  mod.exports = parseSax;
  require.cache[parseSaxPath] = mod;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
import ExcelJS = require('exceljs');
export default ExcelJS;
