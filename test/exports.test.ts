// Exports through the API and the pages, on SQLite and (with TEST_DATABASE_URL) PostgreSQL:
// a draft scorecard PDF with its watermark and no signature; the signed one checked by
// poppler's pdfsig (its text: it exits 0 either way) and in-process, both failing once a byte
// changes; its text (pdftotext) and first page (pdftoppm → test/artifacts/); workbooks with
// a detached .p7s (OpenSSL and in-process), the registry (same content → same bytes and
// number; changed content → a new version, the old one reported as replaced), /verify for
// authentic, tampered and unknown files, roles, and the batch ZIP with its progress.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import JSZip from 'jszip';
import request from 'supertest';
import type { Express } from 'express';
import { closeApp, createApp } from '../server/app';
import { verifyCms, verifyPdf } from '../exports/verify';
import { developmentIdentityPath } from '../exports/signing';
import { pendingBatches } from '../server/services/exports';
import { readSheetCsv, recalculatedCsv, SOFFICE } from './office';
import { auth, csrfOf, describeEachDb, seed002Contract, signInWeb, testId, TestEnv } from './helpers';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const has = (bin: string) => fs.existsSync(`/usr/bin/${bin}`);
const artifacts = path.join(__dirname, 'artifacts');

/** supertest: collect a binary body as a Buffer. */
function binary(response: unknown, cb: (err: Error | null, body: Buffer) => void): void {
  const res = response as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

function tmpFile(name: string, content: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-exp-'));
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

function pdfsig(pdf: Buffer): string {
  // pdfsig exits 0 whether or not the signature is valid: the text says which
  return execFileSync('pdfsig', [tmpFile('f.pdf', pdf)], { encoding: 'utf8' });
}

/** The PDF's text with all white space removed (table cells wrap words across lines). */
function pdftotext(pdf: Buffer): string {
  return execFileSync('pdftotext', [tmpFile('f.pdf', pdf), '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
}

/** Flips one byte of the page content (outside the signature's hex), as a forger would. */
function tamper(pdf: Buffer): Buffer {
  const copy = Buffer.from(pdf);
  const text = copy.toString('latin1');
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(text) as RegExpExecArray;
  const sigEnd = Number(m[3]);
  const at = Math.max(sigEnd + 200, Math.floor(copy.length * 0.75));
  copy[at] = copy[at] ^ 0x01;
  return copy;
}

describeEachDb('Exports, signatures and verification', (get) => {
  let app: Express;
  let api: ReturnType<typeof request>;
  let dataDir: string;
  let contractId: number;
  let lineId: number;
  const env = () => get();
  const tok = (who: keyof TestEnv['tokens']) => auth(env().tokens[who]);
  const download = (url: string, who: keyof TestEnv['tokens'] = 'manager') => api.get(url).set(tok(who)).buffer(true).parse(binary);

  before(async function () {
    this.timeout(60000);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-exports-'));
    app = createApp(env().db, { ...env().config, dataDir, publicUrl: 'https://kaohe.example.gov.cn' });
    api = request(app);
    const c = await api.post('/api/v1/contracts').set(tok('manager')).send(seed002Contract(env().vendorId, 'EXP-2025-001'));
    expect(c.status, JSON.stringify(c.body)).to.equal(201);
    contractId = c.body.id;
    const lines: Body[] = [
      { period: 1, item: 1, units: 1, reason: '驻场工程师缺一人（王喆请假未补位）', evidence: '人员签到表 2025-11' },
      { period: 1, item: 5, rule: '5a', units: 2, reason: '故障响应超时两次', evidence: 'GD-20251103-0007, GD-20251121-0032' },
      { period: 1, item: 12, rule: '12a', units: 1, reason: '月度巡检报告迟交', evidence: '南宁鑫瑞镕喆科技有限公司 提交记录' },
    ];
    for (const l of lines) {
      const res = await api.post(`/api/v1/contracts/${contractId}/ledger`).set(tok('manager')).send(l);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      lineId = res.body.id;
    }
  });
  after(async () => {
    await Promise.all([...pendingBatches]);
    if (app) closeApp(app);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  describe('a draft scorecard', () => {
    it('exports as an unsigned PDF with a 草稿 watermark, registered, and the same bytes while nothing changes', async () => {
      const a = await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`);
      expect(a.status).to.equal(200);
      expect(a.headers['content-type']).to.match(/application\/pdf/);
      expect(a.headers['content-disposition']).to.match(/^attachment; filename="[^"]+"; filename\*=UTF-8''/);
      const pdf = a.body as Buffer;
      expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
      expect(verifyPdf(pdf).signed).to.equal(false);
      const number = a.headers['x-document-number'];
      expect(number).to.equal('SC-EXP-2025-001-P1-V1');
      if (has('pdftotext')) {
        const text = pdftotext(pdf);
        expect(text).to.include('草稿');
        expect(text).to.include(number);
      }
      const again = await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`);
      expect(again.headers['x-document-number']).to.equal(number);
      expect(Buffer.compare(again.body, pdf)).to.equal(0);

      const v = await api.post('/api/v1/verify').attach('file', pdf, 'draft.pdf');
      expect(v.status).to.equal(200);
      expect(v.body.result).to.equal('unsigned');
      expect(v.body.authentic).to.equal(false);
      expect(v.body.document.documentNumber).to.equal(number);
    });

    it('is not visible to the vendor, and a workbook of it has no .p7s', async () => {
      expect((await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`, 'vendor')).status).to.equal(404);
      expect((await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`, 'otherVendor')).status).to.equal(404);
      const x = await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.xlsx`);
      expect(x.status).to.equal(200);
      const p = await api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard.xlsx.p7s`).set(tok('manager'));
      expect(p.status).to.equal(409);
      expect(p.body.error.code).to.equal('not_signed');
      expect(p.body.error.message).to.match(/尚未签署/);
    });
  });

  describe('a signed scorecard', () => {
    let signedPdf: Buffer;
    let number: string;

    before(async function () {
      this.timeout(30000);
      expect((await api.post(`/api/v1/contracts/${contractId}/periods/1/publish`).set(tok('manager'))).status).to.equal(200);
      const s = await api.post(`/api/v1/contracts/${contractId}/periods/1/sign`).set(tok('manager')).send({ confirmEarly: true });
      expect(s.status, JSON.stringify(s.body)).to.equal(200);
      const res = await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`);
      expect(res.status).to.equal(200);
      signedPdf = res.body;
      number = res.headers['x-document-number'];
    });

    it('is a new version, signed with a valid SHA-256 CMS signature over the whole file (in-process check)', () => {
      expect(number).to.equal('SC-EXP-2025-001-P1-V2');
      const check = verifyPdf(signedPdf);
      expect(check.signed).to.equal(true);
      expect(check.valid, check.problem ?? '').to.equal(true);
      expect(check.coversWholeFile).to.equal(true);
      // the development certificate has a Chinese subject and issuer (the forge DN trap)
      expect(check.signer).to.match(/税务局 考核结果签章/);
      expect(fs.existsSync(developmentIdentityPath(dataDir))).to.equal(true);
    });

    it('verifies in poppler pdfsig, and a changed byte fails both pdfsig and the in-process check', function () {
      if (!has('pdfsig')) this.skip();
      const out = pdfsig(signedPdf);
      expect(out).to.include('Signature is Valid.');
      expect(out).to.include('Signing Hash Algorithm: SHA-256');
      expect(out).to.include('Total document signed');
      expect(out).to.match(/Signer Certificate Common Name: .*税务局/);
      const bad = tamper(signedPdf);
      const badOut = pdfsig(bad);
      expect(badOut).not.to.include('Signature is Valid.');
      expect(badOut).to.match(/Digest Mismatch|Invalid/);
      const check = verifyPdf(bad);
      expect(check.valid).to.equal(false);
      expect(check.digestOk).to.equal(false);
    });

    it('has searchable Chinese text with the item names and scores, and its first page renders', function () {
      if (!has('pdftotext') || !has('pdftoppm')) this.skip();
      const text = pdftotext(signedPdf);
      for (const s of ['服务质量情况表', '人员到位情况', '总得分', 'EXP-2025-001', number, '南宁鑫瑞镕喆科技有限公司', '第1页']) expect(text).to.include(s);
      expect(text).not.to.include('草稿');
      // 100 − 0.3 − 2 × 0.5 … the score the API reports is the one printed
      return api.get(`/api/v1/contracts/${contractId}/periods/1/scorecard`).set(tok('manager')).then((sc) => {
        expect(text).to.include(sc.body.score);
        fs.mkdirSync(artifacts, { recursive: true });
        const prefix = path.join(artifacts, `exports-signed-scorecard-${env().db.dialect}`);
        execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', tmpFile('f.pdf', signedPdf), prefix]);
        expect(fs.statSync(`${prefix}.png`).size).to.be.greaterThan(10_000);
        const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [tmpFile('f.pdf', signedPdf)], { encoding: 'utf8' }))?.[1]);
        expect(pages).to.be.greaterThan(0);
        expect(signedPdf.length / pages).to.be.lessThan(200 * 1024);
      });
    });

    it('/verify says authentic and latest; a tampered copy is tampered, saying only which number it claims', async () => {
      const ok = await api.post('/api/v1/verify').attach('file', signedPdf, 'scorecard.pdf');
      expect(ok.status).to.equal(200);
      expect(ok.body).to.include({ result: 'authentic', authentic: true });
      expect(ok.body.document.documentNumber).to.equal(number);
      expect(ok.body.replacedBy).to.equal(null);
      const bad = await api.post('/api/v1/verify').attach('file', tamper(signedPdf), 'scorecard.pdf');
      expect(bad.status).to.equal(200);
      expect(bad.body).to.include({ result: 'tampered', authentic: false });
      expect(bad.body.message).to.match(/篡改/);
      expect(bad.body.document).to.equal(null);
      expect(bad.body.claimedNumber).to.equal(number);
      expect(ok.body.latest).to.equal(true);
      expect(ok.body.document).not.to.have.property('issuedBy');
    });

    it('a forged signature slot (extra content hidden inside it) is not a valid signature', () => {
      const text = signedPdf.toString('latin1');
      const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(text) as RegExpExecArray;
      const b = Number(m[2]);
      const forged = Buffer.from(signedPdf);
      // overwrite the zero padding at the end of the slot with something that is not hex
      const at = Number(m[3]) - 40;
      forged.write('%/ByteRange [0 1 2 3]', at, 'latin1');
      expect(forged.length).to.equal(signedPdf.length);
      expect(b).to.be.lessThan(at);
      const check = verifyPdf(forged);
      expect(check.valid).to.equal(false);
      expect(check.problem).to.match(/签名结构无效|签名范围/);
    });

    it('/verify says nothing about a document to someone who uploads a file merely claiming its number', async () => {
      // a made-up PDF naming a registered draft's number in /Subject
      const fake = Buffer.from('%PDF-1.7\n1 0 obj << /Subject (SC-EXP-2025-001-P1-V1) >> endobj\n/ByteRange [0 10 20 5]\n%%EOF\n', 'latin1');
      const res = await api.post('/api/v1/verify').attach('file', fake, 'fake.pdf');
      expect(res.status).to.equal(200);
      expect(res.body.authentic).to.equal(false);
      expect(res.body.document).to.equal(null);
      expect(res.body.replacedBy).to.equal(null);
    });

    it('the vendor can download it now; another vendor cannot', async () => {
      const v = await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`, 'vendor');
      expect(v.status).to.equal(200);
      expect(v.headers['x-document-number']).to.equal(number);
      expect((await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`, 'otherVendor')).status).to.equal(404);
    });

    it('the workbook comes with a detached .p7s over its exact bytes (OpenSSL and in-process), and /verify checks the pair', async () => {
      const x = await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.xlsx`);
      expect(x.status).to.equal(200);
      expect(x.headers['content-type']).to.match(/spreadsheetml/);
      const p = await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.xlsx.p7s`);
      expect(p.status).to.equal(200);
      expect(p.headers['x-document-number']).to.equal(x.headers['x-document-number']);
      expect(verifyCms(x.body, p.body).valid).to.equal(true);
      const caPem = JSON.parse(fs.readFileSync(developmentIdentityPath(dataDir), 'utf8')).caPem as string;
      const out = execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', tmpFile('f.p7s', p.body), '-content', tmpFile('f.xlsx', x.body),
        '-CAfile', tmpFile('ca.pem', Buffer.from(caPem)), '-purpose', 'any', '-out', '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out + '').to.equal('');

      const ok = await api.post('/api/v1/verify').attach('file', x.body, 'a.xlsx').attach('signature', p.body, 'a.xlsx.p7s');
      expect(ok.body).to.include({ result: 'authentic', authentic: true, kind: 'xlsx' });
      const tampered = Buffer.from(x.body);
      tampered[Math.floor(tampered.length / 2)] ^= 0x20;
      const bad = await api.post('/api/v1/verify').attach('file', tampered, 'a.xlsx').attach('signature', p.body, 'a.xlsx.p7s');
      expect(bad.body).to.include({ result: 'tampered', authentic: false });
      const foreign = await download(`/api/v1/contracts/${contractId}/payments.xlsx.p7s`, 'finance');
      const wrongSig = await api.post('/api/v1/verify').attach('file', x.body, 'a.xlsx').attach('signature', foreign.body, 'b.p7s');
      expect(wrongSig.body).to.include({ result: 'authentic', authentic: true });
      expect(wrongSig.body.message).to.match(/上传的 \.p7s 不属于此文件/);
      const noSig = await api.post('/api/v1/verify').attach('file', x.body, 'a.xlsx');
      expect(noSig.status).to.equal(400);
      expect(noSig.body.error.details[0].path).to.equal('signature');
    });

    it('a file that is not ours, and bad uploads, get clear answers', async () => {
      const none = await api.post('/api/v1/verify');
      expect(none.status).to.equal(400);
      expect(none.body.error.message).to.match(/请选择要验证的文件/);
      const txt = await api.post('/api/v1/verify').attach('file', Buffer.from('hello'), 'a.txt');
      expect(txt.status).to.equal(400);
      const plain = await api.post('/api/v1/verify').attach('file', Buffer.from('%PDF-1.4\n%%EOF\n'), 'x.pdf');
      expect(plain.status).to.equal(200);
      expect(plain.body.result).to.equal('unknown');
    });

    it('after a reopen and a changed result, the old file is still authentic but reported as replaced', async function () {
      this.timeout(30000);
      const pre = await api.post(`/api/v1/contracts/${contractId}/periods/1/reopen`).set(tok('admin')).send({ reason: '复核发现一条扣分证据不足' });
      expect(pre.status, JSON.stringify(pre.body)).to.equal(200);
      const w = await api.post(`/api/v1/contracts/${contractId}/ledger/${lineId}/withdraw`).set(tok('manager')).send({ reason: '证据不足' });
      expect(w.status, JSON.stringify(w.body)).to.equal(200);
      expect((await api.post(`/api/v1/contracts/${contractId}/periods/1/publish`).set(tok('manager'))).status).to.equal(200);
      expect((await api.post(`/api/v1/contracts/${contractId}/periods/1/sign`).set(tok('manager')).send({ confirmEarly: true })).status).to.equal(200);
      // before anyone exports it again, the old file is still genuine but no longer the result
      const stale = await api.post('/api/v1/verify').attach('file', signedPdf, 'old.pdf');
      expect(stale.body).to.include({ result: 'authentic', authentic: true, latest: false, outdated: true });
      expect(stale.body.message).to.match(/已不是最新结果/);
      const fresh = await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`);
      expect(fresh.headers['x-document-number']).to.equal('SC-EXP-2025-001-P1-V3');
      const old = await api.post('/api/v1/verify').attach('file', signedPdf, 'old.pdf');
      expect(old.body).to.include({ result: 'authentic', latest: false, outdated: false });
      expect(old.body.replacedBy.documentNumber).to.equal('SC-EXP-2025-001-P1-V3');
      expect(old.body.message).to.match(/已被新版本 SC-EXP-2025-001-P1-V3 取代/);
      const list = await api.get(`/api/v1/exports?contractId=${contractId}`).set(tok('manager'));
      expect(list.status).to.equal(200);
      const v2 = list.body.find((a: Body) => a.documentNumber === number);
      expect(v2.supersededBy).to.be.a('number');
      // the exact old bytes can still be fetched from the registry
      const again = await download(`/api/v1/exports/${v2.id}/file`);
      expect(Buffer.compare(again.body, signedPdf)).to.equal(0);
    });
  });

  describe('names and listings', () => {
    it('a contract code in Chinese exports fine (the number header is percent-encoded)', async () => {
      const c = await api.post('/api/v1/contracts').set(tok('manager')).send(seed002Contract(env().vendorId, '桂税运维-2025-01'));
      expect(c.status, JSON.stringify(c.body)).to.equal(201);
      const pdf = await download(`/api/v1/contracts/${c.body.id}/periods/1/scorecard.pdf`);
      expect(pdf.status).to.equal(200);
      expect(decodeURIComponent(pdf.headers['x-document-number'])).to.equal('SC-桂税运维-2025-01-P1-V1');
      expect(pdf.headers['content-disposition']).to.match(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''/);
      // the vendor's registry list shows no draft exports
      const list = await api.get(`/api/v1/exports?contractId=${c.body.id}`).set(tok('vendor'));
      expect(list.status).to.equal(200);
      expect(list.body).to.deep.equal([]);
      expect((await api.get(`/api/v1/exports?contractId=${c.body.id}`).set(tok('manager'))).body).to.have.length(1);
    });
  });

  describe('payment workbooks', () => {
    it('are for the bureau and finance, always with a .p7s; vendors are refused', async () => {
      const f = await download(`/api/v1/contracts/${contractId}/payments.xlsx`, 'finance');
      expect(f.status).to.equal(200);
      expect(f.headers['x-document-number']).to.match(/^PAY-EXP-2025-001-V\d+$/);
      const p = await download(`/api/v1/contracts/${contractId}/payments.xlsx.p7s`, 'finance');
      expect(p.status).to.equal(200);
      expect(verifyCms(f.body, p.body).valid).to.equal(true);
      expect((await api.get(`/api/v1/contracts/${contractId}/payments.xlsx`).set(tok('vendor'))).status).to.equal(403);
      const list = await api.get('/api/v1/exports').set(tok('vendor'));
      expect(list.status).to.equal(200);
      expect(list.body.some((a: Body) => a.kind === 'payments_xlsx')).to.equal(false);
    });

    it('LibreOffice recomputes the workbook\'s formulas to the figures the API reports', async function () {
      if (!fs.existsSync(SOFFICE)) this.skip();
      this.timeout(120_000);
      const x = await download(`/api/v1/contracts/${contractId}/payments.xlsx`, 'finance');
      const api1 = (await api.get(`/api/v1/contracts/${contractId}/payments`).set(tok('finance'))).body;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-lo-'));
      try {
        const out = await recalculatedCsv(dir, { payments: x.body });
        const rows = readSheetCsv(out, 'payments', '付款计算', true);
        const h = rows.findIndex((r) => r[0] === '合同编号');
        const col = (name: string) => rows[h].indexOf(name);
        const fen = (v: string) => Math.round(Number(v) * 100); // LibreOffice's raw values, compared in whole fen
        const mine = rows.filter((r) => r[0] === 'EXP-2025-001' && /^\d+$/.test(r[col('款项序号')]));
        expect(mine.length).to.equal(api1.installments.length);
        for (const inst of api1.installments) {
          const row = mine.find((r) => r[col('款项序号')] === String(inst.number)) as string[];
          expect(fen(row[col('基数')]), `${inst.name} 基数`).to.equal(fen(inst.baseAmount));
          expect(fen(row[col('扣减后金额')]), `${inst.name} 扣减后金额`).to.equal(fen(inst.grossAmount));
          expect(fen(row[col('应付金额')]), `${inst.name} 应付金额`).to.equal(fen(inst.payable));
          expect(fen(row[col('结转下期')]), `${inst.name} 结转下期`).to.equal(fen(inst.carriedOut));
          expect(Number(row[col('系数')])).to.be.closeTo(Number(inst.factor), 1e-12);
        }
        // the period-1 deductions really reach the formulas: 初验款 is below its base
        const first = api1.installments.find((i: Body) => i.name === '初验款');
        expect(first.factor).not.to.equal('1');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('for a bureau and period: 200 with the workbook; unknown bureau 404; missing bureau 400', async () => {
      const bureau = env().config.bureauName;
      const ok = await download(`/api/v1/exports/payments.xlsx?bureau=${encodeURIComponent(bureau)}&period=1`, 'finance');
      expect(ok.status).to.equal(200);
      expect(ok.headers['x-document-number']).to.match(/^PAYB-[0-9A-F]{8}-P1-V1$/);
      const unknown = await api.get(`/api/v1/exports/payments.xlsx?bureau=${encodeURIComponent('不存在的税务局')}`).set(tok('finance'));
      expect(unknown.status).to.equal(404);
      const missing = await api.get('/api/v1/exports/payments.xlsx').set(tok('finance'));
      expect(missing.status).to.equal(400);
      expect(missing.body.error.details[0].path).to.equal('bureau');
    });
  });

  describe('batch ZIP', () => {
    it('runs in the background with progress, then streams a ZIP whose manifest matches the registry', async function () {
      this.timeout(60000);
      const bureau = env().config.bureauName;
      const start = await api.post('/api/v1/exports/batches').set(tok('finance')).send({ bureau, period: 1 });
      expect(start.status, JSON.stringify(start.body)).to.equal(202);
      let state: Body = start.body;
      for (let i = 0; i < 200 && state.state === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = (await api.get(`/api/v1/exports/batches/${start.body.id}`).set(tok('finance'))).body;
      }
      expect(state.state, JSON.stringify(state)).to.equal('done');
      expect(state.done).to.equal(state.total);
      // another finance user's batch is not visible to the vendor or a manager who did not start it
      expect((await api.get(`/api/v1/exports/batches/${start.body.id}`).set(tok('vendor'))).status).to.equal(403);
      const zipRes = await download(`/api/v1/exports/batches/${start.body.id}/download`, 'finance');
      expect(zipRes.status).to.equal(200);
      expect(zipRes.headers['content-type']).to.match(/zip/);
      const zip = await JSZip.loadAsync(zipRes.body);
      const names = Object.keys(zip.files);
      expect(names).to.include('manifest.json');
      expect(names.some((n) => n.startsWith('EXP-2025-001/') && n.endsWith('.pdf'))).to.equal(true);
      expect(names.some((n) => n.endsWith('.xlsx.p7s'))).to.equal(true);
      const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
      expect(manifest.files.length).to.be.greaterThan(2);
      for (const f of manifest.files) {
        const bytes = await zip.file(f.path)!.async('nodebuffer');
        expect(require('node:crypto').createHash('sha256').update(bytes).digest('hex')).to.equal(f.sha256);
      }
      // the streamed variant gives the same files
      const streamed = await download(`/api/v1/exports/batch.zip?bureau=${encodeURIComponent(bureau)}&period=1`, 'finance');
      expect(streamed.status).to.equal(200);
      const z2 = await JSZip.loadAsync(streamed.body);
      expect(Object.keys(z2.files).sort()).to.deep.equal(names.sort());
      // a bad request is answered before any byte of a ZIP
      const unknown = await api.get(`/api/v1/exports/batch.zip?bureau=${encodeURIComponent('无此局')}&period=1`).set(tok('finance'));
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error.code).to.equal('not_found');
      expect((await api.post('/api/v1/exports/batches').set(tok('vendor')).send({ bureau, period: 1 })).status).to.equal(403);
      expect((await api.post('/api/v1/exports/batches').set(tok('finance')).send({ bureau })).status).to.equal(400);
    });
  });

  describe('pages', () => {
    it('the public /verify page takes an upload without an account and shows the answer', async () => {
      const agent = request.agent(app);
      const page = await agent.get('/verify');
      expect(page.status).to.equal(200);
      expect(page.text).to.include('文件验证');
      // a multipart form carries its token in the action's query string
      const csrf = decodeURIComponent((/action="\/verify\?_csrf=([^"]+)"/.exec(page.text) as RegExpExecArray)[1].replace(/&#x2F;/g, '/').replace(/&#43;/g, '+').replace(/&#61;/g, '=').replace(/&amp;/g, '&'));
      const pdf = (await download(`/api/v1/contracts/${contractId}/periods/1/scorecard.pdf`)).body as Buffer;
      const res = await agent.post(`/verify?_csrf=${encodeURIComponent(csrf)}`).attach('file', pdf, 'scorecard.pdf');
      expect(res.status).to.equal(200);
      expect(testId(res.text, 'verify-message')).to.match(/^真实有效/);
      const bad = await agent.post(`/verify?_csrf=${encodeURIComponent(csrf)}`).attach('file', tamper(pdf), 'scorecard.pdf');
      expect(bad.text).to.include('data-result="tampered"');
      const empty = await agent.post(`/verify?_csrf=${encodeURIComponent(csrf)}`).field('x', '1');
      expect(empty.status).to.equal(400);
      expect(testId(empty.text, 'verify-error')).to.match(/请选择要验证的文件/);
    });

    it('finance starts a batch on the page, follows its progress and downloads the ZIP', async function () {
      this.timeout(60000);
      const agent = await signInWeb(app, 'finance');
      const page = await agent.get('/finance/exports');
      expect(page.status).to.equal(200);
      const bad = await agent.post('/finance/exports').type('form').send({ _csrf: csrfOf(page.text), bureau: '', period: '' });
      expect(bad.status).to.equal(400);
      expect(bad.text).to.match(/采购人/);
      const res = await agent.post('/finance/exports').type('form').send({ _csrf: csrfOf(page.text), bureau: env().config.bureauName, period: '1' });
      expect(res.status).to.equal(303);
      const url = res.headers.location as string;
      expect(url).to.match(/^\/finance\/exports\/\d+$/);
      let status: Body = { state: 'running' };
      for (let i = 0; i < 200 && status.state === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await agent.get(`${url}/status`)).body;
      }
      expect(status.state).to.equal('done');
      const done = await agent.get(url);
      expect(testId(done.text, 'batch-done')).to.match(/已生成 \d+ 个文件/);
      const zip = await agent.get(`${url}/download`).buffer(true).parse(binary);
      expect(zip.status).to.equal(200);
      expect(Object.keys((await JSZip.loadAsync(zip.body)).files)).to.include('manifest.json');
      // the scorecard page links the downloads
      const mgr = await signInWeb(app, 'manager');
      const sc = await mgr.get(`/contracts/${contractId}/periods/1`);
      expect(sc.text).to.include(`/contracts/${contractId}/periods/1/scorecard.pdf`);
      const pdf = await mgr.get(`/contracts/${contractId}/periods/1/scorecard.pdf`).buffer(true).parse(binary);
      expect(pdf.status).to.equal(200);
      expect(verifyPdf(pdf.body).valid).to.equal(true);
    });
  });
});
