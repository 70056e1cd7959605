// The scorecard PDF (exports/pdf.ts): content, layout artefacts, size, watermark,
// signature placeholder, and a guard that the CJK fonts cover GB2312.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as fontkit from 'fontkit';
import forge from 'node-forge';
import { SignPdf } from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import { TEMPLATE_V1 } from '../scoring/template-v1';
import type { ScorecardDocument, ScorecardItemRow, ScorecardLineRow, SignatureInfo } from '../exports/document';
import { BUNDLED_FONT, resolveCjkFont } from '../exports/fonts';
import { formatBeijingTime, formatYuan, renderScorecardPdf } from '../exports/pdf';

const POPPLER = fs.existsSync('/usr/bin/pdftotext');
const ARTIFACTS = path.join(__dirname, 'artifacts');
const VENDOR = '南宁鑫瑞镕喆科技有限公司';

// --- fixture ------------------------------------------------------------------------------
// Figures are built in hundredths of a point (integers) and printed as the system would.

const hundredths = (s: string): number => {
  const [i, f = ''] = s.split('.');
  return Number(i) * 100 + Number((f + '00').slice(0, 2));
};
const pts = (h: number): string => `${Math.floor(h / 100)}.${String(h % 100).padStart(2, '0')}`;

interface LineSpec {
  item: number;
  rule: string;
  units: number;
  reason: string;
  evidence: string;
  source: string;
  trace: string[];
}

/** ~40 lines on items 1, 4, 5, 9, 10 and 23 (23 is capped), with detector traces. */
function lineSpecs(): LineSpec[] {
  const specs: LineSpec[] = [];
  specs.push({
    item: 1,
    rule: '1a',
    units: 2,
    reason: '合同约定驻场运维人员 12 人，8 月实际到岗 10 人，缺 2 人。',
    evidence: '考勤表 2025-08.xlsx；驻场人员名单',
    source: 'manual',
    trace: [],
  });
  for (let k = 0; k < 14; k++) {
    const ticket = `GX-YW-2025-08-${String(101 + k * 7).padStart(4, '0')}`;
    specs.push({
      item: 4,
      rule: '4a',
      units: 1,
      reason: `工单 ${ticket}（金税三期核心征管系统${k % 2 ? '发票查验' : '申报缴款'}故障）超过约定处理时效。`,
      evidence: `运维工单 ${ticket}`,
      source: 'tickets',
      trace: [
        `工单 ${ticket} 受理时间 2025-08-${String(4 + k).padStart(2, '0')} 09:${String(10 + k).padStart(2, '0')}，优先级 P2，约定处理时效 4 个工作小时`,
        `按工作日历（广西 2025，含调休）扣除非工作时间后，实际处理用时 ${5 + (k % 4)}.5 个工作小时`,
        `超出时效 ${1 + (k % 4)}.5 小时，计 1 次，按规则 4a 扣 0.1 分`,
      ],
    });
  }
  for (let k = 0; k < 3; k++) {
    specs.push({
      item: 5,
      rule: '5a',
      units: 1,
      reason: `第 ${k + 31} 周未按巡检计划完成机房及核心网络设备巡检。`,
      evidence: `巡检计划表；巡检记录（第 ${k + 31} 周缺失）`,
      source: 'inspections',
      trace: [`巡检计划要求每周 1 次，第 ${k + 31} 周（2025-08-${String(4 + 7 * k).padStart(2, '0')} 起）无巡检记录`, '计缺少巡检 1 次，扣 0.5 分'],
    });
  }
  for (let k = 0; k < 4; k++) {
    specs.push({
      item: 5,
      rule: '5b',
      units: 1,
      reason: `巡检记录缺少“${['数据库表空间', 'UPS 电池', '备份作业', '防病毒特征库'][k]}”检查项。`,
      evidence: `巡检记录 XJ-2025-09-${String(k + 3).padStart(2, '0')}`,
      source: 'inspections',
      trace: ['对照巡检内容清单（18 项）逐项核对', `缺少 1 项，扣 0.1 分`],
    });
  }
  for (let k = 0; k < 3; k++) {
    specs.push({
      item: 9,
      rule: '9a',
      units: 1,
      reason: `${['7 月', '8 月', '9 月第 2 周'][k]}${k < 2 ? '运维月报' : '周报'}未按时提交。`,
      evidence: '报告提交登记簿',
      source: 'manual',
      trace: [],
    });
  }
  for (let k = 0; k < 6; k++) {
    specs.push({
      item: 10,
      rule: '10a',
      units: 1,
      reason: `${['电子税务局', '金税三期', '自然人税收管理系统', '增值税发票综合服务平台', '税务云桌面', '内网门户'][k]}发生故障，未在规定时限内排除。`,
      evidence: `故障单 GZ-2025-${String(201 + k)}；监控告警截图`,
      source: 'tickets',
      trace: [
        `故障单 GZ-2025-${201 + k} 于 2025-09-${String(2 + 3 * k).padStart(2, '0')} 14:05 告警`,
        '约定 30 分钟内响应、4 小时内排除；实际 5 小时 20 分钟后恢复',
        '超过排除时限，计 1 次，扣 0.1 分',
      ],
    });
  }
  for (let k = 0; k < 11; k++) {
    specs.push({
      item: 23,
      rule: '23a',
      units: 1,
      reason: `${k + 1} 号联系人电话及即时通讯均无人应答超过 2 小时，交流渠道不畅通。`,
      evidence: `通话记录截图 ${k + 1}`,
      source: 'manual',
      trace: [],
    });
  }
  return specs;
}

function buildDocument(watermark: string | null): ScorecardDocument {
  const specs = lineSpecs();
  const rulePoints = new Map<string, string>();
  const ruleUnit = new Map<string, string>();
  for (const it of TEMPLATE_V1.items)
    for (const r of it.rules) {
      rulePoints.set(r.code, r.points);
      ruleUnit.set(r.code, r.unit);
    }
  const lines: ScorecardLineRow[] = specs.map((s, i) => {
    const item = TEMPLATE_V1.items[s.item - 1];
    const occurred = Date.UTC(2025, 7, 4 + (i % 50), 1 + (i % 8), (i * 7) % 60);
    return {
      id: 1001 + i,
      itemNumber: s.item,
      itemName: item.name,
      rule: s.rule,
      units: String(s.units),
      unit: ruleUnit.get(s.rule) as string,
      points: pts(hundredths(rulePoints.get(s.rule) as string) * s.units),
      reason: s.reason,
      occurredAt: new Date(occurred).toISOString(),
      evidence: s.evidence,
      source: s.source,
      trace: s.trace,
    };
  });

  // item 28: user ratings, mean 4.20 of 15 → (5 − 4.2) × 0.4 = 0.32
  const ratingDeduction = new Map<number, { mean: string; count: number; h: number }>([[28, { mean: '4.20', count: 15, h: 32 }]]);
  const items: ScorecardItemRow[] = TEMPLATE_V1.items.map((it) => {
    const max = hundredths(it.maxPoints);
    const sum = lines.filter((l) => l.itemNumber === it.number).reduce((s, l) => s + hundredths(l.points), 0);
    const rating = ratingDeduction.get(it.number);
    const raw = sum + (rating?.h ?? 0);
    const deduction = Math.min(raw, max);
    return {
      number: it.number,
      category: it.category,
      name: it.name,
      description: it.description,
      maxPoints: it.maxPoints,
      criteria: it.criteria,
      deduction: pts(deduction),
      score: pts(max - deduction),
      capped: raw > max,
      ratingMean: it.rules[0].kind === 'rating' ? (rating?.mean ?? '5.00') : null,
      ratingCount: it.rules[0].kind === 'rating' ? (rating?.count ?? 12) : 0,
    };
  });
  const categories: ScorecardDocument['categories'] = [];
  for (const it of items) {
    let c = categories.find((x) => x.category === it.category);
    if (!c) categories.push((c = { category: it.category, maxPoints: '0', deduction: '0.00', score: '0.00' }));
    c.maxPoints = pts(hundredths(c.maxPoints) + hundredths(it.maxPoints)).replace(/\.00$/, '');
    c.deduction = pts(hundredths(c.deduction) + hundredths(it.deduction));
    c.score = pts(hundredths(c.score) + hundredths(it.score));
  }
  const totalH = items.reduce((s, it) => s + hundredths(it.deduction), 0);
  const signed = watermark === null;
  return {
    documentNumber: 'SC-GXSW-YW-2025-001-P3-V1',
    bureau: '国家税务总局广西壮族自治区税务局',
    contract: {
      id: 1,
      code: 'GXSW-YW-2025-001',
      name: '2025年度税务信息系统运维服务项目',
      vendorName: VENDOR,
      totalAmount: '12084900.00',
      startDate: '2025-01-01',
      endDate: '2025-12-31',
    },
    period: { number: 3, label: '2025年第三季度', startDate: '2025-07-01', endDate: '2025-09-30', status: signed ? 'signed' : 'draft' },
    templateVersion: TEMPLATE_V1.version,
    templateName: TEMPLATE_V1.name,
    score: pts(10000 - totalH),
    maxPoints: '100',
    totalDeduction: pts(totalH),
    interviewThreshold: '95',
    interviewRequired: 10000 - totalH < 9500,
    categories,
    items,
    lines,
    objections: [
      {
        id: 7,
        lineId: 1001,
        itemNumber: 1,
        filedBy: `${VENDOR} 项目经理 覃喆`,
        filedAt: '2025-10-09T02:15:00.000Z',
        reason: '8 月缺岗 2 人中 1 人为合同约定的年休假，已提前报备并经局方同意，不应计为人员未到位。',
        status: 'reduced',
        outcome: '核减为 1 人',
        resolution: '经核对请假审批单，1 人属已报备年休假，核减 1 人；另 1 人无故缺岗，维持扣分。',
        resolvedBy: '信息中心 黄立新',
        resolvedAt: '2025-10-12T07:40:00.000Z',
      },
      {
        id: 8,
        lineId: 1040,
        itemNumber: 23,
        filedBy: `${VENDOR} 蒙镕`,
        filedAt: '2025-10-10T03:00:00.000Z',
        reason: '当日联系人在机房处理故障，无法接听电话，已通过值班电话回复。',
        status: 'open',
        outcome: '待处理',
        resolution: null,
        resolvedBy: null,
        resolvedAt: null,
      },
    ],
    signOff: {
      signedBy: signed ? '信息中心主任 韦国强' : null,
      signedAt: signed ? '2025-10-20T06:30:00.000Z' : null,
      acknowledgedBy: signed ? `${VENDOR} 蒙镕` : null,
      acknowledgedAt: signed ? '2025-10-18T02:00:00.000Z' : null,
      publishedBy: signed ? '信息中心 黄立新' : null,
      publishedAt: signed ? '2025-10-08T01:00:00.000Z' : null,
      objectionDeadline: '2025-10-15',
    },
    issuedBy: '黄立新',
    issuedAt: '2025-10-21T01:02:03.000Z',
    watermark,
    verifyUrl: 'https://kaohe.gxsw.example/verify',
  };
}

const SIGNATURE: SignatureInfo = {
  signer: '国家税务总局广西壮族自治区税务局 电子签章',
  certificateSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  signedAt: '2025-10-20T06:30:00.000Z',
  contentSha256: 'ab'.repeat(32),
};

// --- helpers ------------------------------------------------------------------------------

function tmpPdf(name: string, data: Buffer): string {
  const file = path.join(os.tmpdir(), `scorecard-test-${process.pid}-${name}.pdf`);
  fs.writeFileSync(file, data);
  return file;
}
const pdftotext = (file: string, extra: string[] = []) =>
  execFileSync('/usr/bin/pdftotext', ['-layout', ...extra, file, '-'], { encoding: 'utf8' });
function pdfPages(file: string): number {
  const info = execFileSync('/usr/bin/pdfinfo', [file], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
}

// --- tests --------------------------------------------------------------------------------

describe('scorecard PDF (exports/pdf.ts)', function () {
  const font = resolveCjkFont(null);
  let signedPdf: Buffer;
  let signedFile: string;
  let renderMs = 0;
  let firstMs = 0;

  before(async function () {
    const doc = buildDocument(null);
    // the first renders parse the font and warm the JIT; then take the median of three
    const t0 = process.hrtime.bigint();
    await renderScorecardPdf(doc, { font });
    firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
    await renderScorecardPdf(doc, { font });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      signedPdf = await renderScorecardPdf(doc, { font, signature: SIGNATURE });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    renderMs = times.sort((a, b) => a - b)[1];
    signedFile = tmpPdf('signed', signedPdf);
  });

  it('formats money and Beijing time without float arithmetic', function () {
    expect(formatYuan('12084900.00')).to.equal('¥12,084,900.00');
    expect(formatYuan('900.5')).to.equal('¥900.50');
    expect(formatYuan('-1234.00')).to.equal('-¥1,234.00');
    expect(formatBeijingTime('2025-09-30T16:30:00.000Z')).to.equal('2025-10-01 00:30');
    expect(formatBeijingTime('2025-10-15')).to.equal('2025-10-15');
    expect(formatBeijingTime(null)).to.equal('—');
  });

  // how fast: bench/exports.bench.ts (no timing assertions in tests)
  it('renders a stable PDF: the same document gives the same bytes', async function () {
    expect(signedPdf.subarray(0, 5).toString()).to.equal('%PDF-');
    const again = await renderScorecardPdf(buildDocument(null), { font, signature: SIGNATURE });
    expect(again.equals(signedPdf), 'same document, same bytes').to.equal(true);
  });

  it('shows the title, items, score, document number, pages and the vendor', function () {
    if (!POPPLER) this.skip();
    const doc = buildDocument(null);
    const text = pdftotext(signedFile);
    for (const s of [
      '服务质量情况表',
      '人员到位情况',
      '应急情况处置',
      '交流渠道',
      '现场服务',
      '扣分明细',
      '异议及处理结果',
      '数字签名',
      '盖章处',
      doc.score,
      doc.documentNumber,
      doc.contract.code,
      '第 1 页',
      VENDOR,
      '¥12,084,900.00',
      '扣完为止',
      '核减为 1 人',
      `总得分低于 ${doc.interviewThreshold} 分，须约谈服务商`,
    ]) {
      expect(text, s).to.include(s);
    }
    const pages = pdfPages(signedFile);
    expect(text).to.include(`第 ${pages} 页 / 共 ${pages} 页`);
    expect(text).to.include(`可在 ${doc.verifyUrl} 验证真伪`);
    expect(text).not.to.include('草稿');
  });

  it('has several pages, each well under 200 KB, every one with header and footer', function () {
    if (!POPPLER) this.skip();
    const pages = pdfPages(signedFile);
    expect(pages).to.be.at.least(2);
    expect(signedPdf.length / pages).to.be.below(200 * 1024);
    for (let n = 1; n <= pages; n++) {
      const text = pdftotext(signedFile, ['-f', String(n), '-l', String(n)]);
      expect(text, `page ${n}`).to.include(`第 ${n} 页 / 共 ${pages} 页`);
      expect(text, `page ${n}`).to.include('SC-GXSW-YW-2025-001-P3-V1');
      expect(text, `page ${n}`).to.include('GXSW-YW-2025-001');
    }
  });

  it('writes page images to test/artifacts for a visual check', function () {
    if (!POPPLER || !fs.existsSync('/usr/bin/pdftoppm')) this.skip();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const pages = pdfPages(signedFile);
    execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', signedFile, path.join(ARTIFACTS, 'scorecard-page1')]);
    execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '80', '-f', '2', '-l', '2', '-singlefile', signedFile, path.join(ARTIFACTS, 'scorecard-page2')]);
    execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '80', '-f', String(pages), '-l', String(pages), '-singlefile', signedFile, path.join(ARTIFACTS, 'scorecard-last')]);
    fs.copyFileSync(signedFile, path.join(ARTIFACTS, 'scorecard-signed.pdf'));
    expect(fs.statSync(path.join(ARTIFACTS, 'scorecard-page1.png')).size).to.be.above(10_000);
  });

  it('marks a draft with a watermark and the unsigned notice', async function () {
    if (!POPPLER) this.skip();
    const draft = buildDocument('草稿');
    const pdf = await renderScorecardPdf(draft, { font });
    const file = tmpPdf('draft', pdf);
    const text = pdftotext(file);
    expect(text).to.include('草稿');
    expect(text).to.include('本文件未经签署，不作为付款依据');
    expect(text).to.include('未经数字签名');
    if (fs.existsSync('/usr/bin/pdftoppm')) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      execFileSync('/usr/bin/pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, path.join(ARTIFACTS, 'scorecard-draft-page1')]);
    }
    fs.unlinkSync(file);
  });

  it('says so when there are no deductions and no objections', async function () {
    if (!POPPLER) this.skip();
    const doc = buildDocument(null);
    doc.lines = [];
    doc.objections = [];
    const file = tmpPdf('empty', await renderScorecardPdf(doc, { font }));
    const text = pdftotext(file);
    expect(text).to.include('本期无扣分');
    expect(text).to.include('本期无异议');
    fs.unlinkSync(file);
  });

  it('adds a signature placeholder when asked', async function () {
    const pdf = await renderScorecardPdf(buildDocument(null), {
      font,
      signature: SIGNATURE,
      placeholder: { reason: '季度考核结果签署', name: '广西税务局', location: '南宁', contactInfo: 'xxzx@gxsw.example' },
    });
    const raw = pdf.toString('latin1');
    expect(raw).to.include('/ByteRange');
    expect(raw).to.include('/Sig');
    expect(raw).to.include('/ETSI.CAdES.detached');
    // room for a 16 KiB CMS signature (hex in the file)
    expect(raw).to.match(/\/Contents <0{32768}>/);
    if (POPPLER) {
      const file = tmpPdf('placeholder', pdf);
      expect(pdfPages(file)).to.equal(pdfPages(signedFile));
      fs.unlinkSync(file);
    }
  });

  it('leaves a placeholder that @signpdf/signpdf can sign (pdfsig validates it)', async function () {
    if (!fs.existsSync('/usr/bin/pdfsig')) this.skip();
    // a throwaway self-signed certificate; CMS by node-forge
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date('2025-01-01T00:00:00Z');
    cert.validity.notAfter = new Date('2035-01-01T00:00:00Z');
    cert.setSubject([{ name: 'commonName', value: 'Test Signer' }]);
    cert.setIssuer([{ name: 'commonName', value: 'Test Signer' }]);
    cert.sign(key, forge.md.sha256.create());
    class TestSigner extends Signer {
      override async sign(pdf: Buffer): Promise<Buffer> {
        const p7 = forge.pkcs7.createSignedData();
        p7.content = forge.util.createBuffer(pdf.toString('binary'));
        p7.addCertificate(cert);
        p7.addSigner({
          key,
          certificate: cert,
          digestAlgorithm: forge.pki.oids.sha256,
          authenticatedAttributes: [
            { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
            { type: forge.pki.oids.messageDigest },
          ],
        });
        p7.sign({ detached: true });
        return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
      }
    }
    const pdf = await renderScorecardPdf(buildDocument(null), {
      font,
      signature: SIGNATURE,
      placeholder: { reason: '季度考核结果签署', name: '广西税务局', location: '南宁', contactInfo: 'xxzx@gxsw.example' },
    });
    const file = tmpPdf('signed-cms', await new SignPdf().sign(pdf, new TestSigner()));
    const out = execFileSync('/usr/bin/pdfsig', [file], { encoding: 'utf8' });
    fs.unlinkSync(file);
    expect(out).to.include('Signature is Valid');
    expect(out).to.include('ETSI.CAdES.detached');
    expect(out).to.include('Total document signed');
  });

  after(function () {
    if (signedFile && fs.existsSync(signedFile)) fs.unlinkSync(signedFile);
    // eslint-disable-next-line no-console
    if (renderMs) {
      console.log(
        `      scorecard render: first ${firstMs.toFixed(0)} ms, then ${renderMs.toFixed(0)} ms; ${(signedPdf.length / 1024).toFixed(0)} KB`,
      );
    }
  });
});

describe('CJK font coverage (GB2312)', function () {
  /** Every character the GBK decoder yields for the GB2312 area A1A1–F7FE, by row. */
  function gb2312(): { symbols: string[]; hanzi: string[] } {
    const decoder = new TextDecoder('gbk');
    const symbols: string[] = [];
    const hanzi: string[] = [];
    for (let hi = 0xa1; hi <= 0xf7; hi++) {
      if (hi >= 0xaa && hi <= 0xaf) continue; // empty rows
      for (let lo = 0xa1; lo <= 0xfe; lo++) {
        const ch = decoder.decode(Uint8Array.of(hi, lo));
        const cp = ch.codePointAt(0) as number;
        // U+FFFD: not a character; private use: unassigned GB2312 positions (GBK maps them to PUA)
        if (ch.length !== 1 || cp === 0xfffd || (cp >= 0xe000 && cp <= 0xf8ff)) continue;
        (hi >= 0xb0 ? hanzi : symbols).push(ch);
      }
    }
    return { symbols, hanzi };
  }

  const faces: { name: string; path: string; postscriptName?: string }[] = [
    { name: 'bundled', path: BUNDLED_FONT },
    { name: 'resolved', ...resolveCjkFont(null) },
  ];

  it('decodes the 6,763 hanzi and the symbols of GB2312', function () {
    const { symbols, hanzi } = gb2312();
    expect(hanzi).to.have.length(6763);
    // rows A1-A9: GB2312's 682 symbols plus 33 that GBK added there (vertical forms, pinyin letters)
    expect(symbols).to.have.length(715);
  });

  // Both fonts cover every character (no exceptions needed): a font that lacks one fails here.
  for (const f of faces) {
    it(`the ${f.name} font has a glyph for every GB2312 character`, function () {
      const face = fontkit.openSync(f.path, f.postscriptName) as fontkit.Font;
      const { symbols, hanzi } = gb2312();
      const missing = (chars: string[]) => chars.filter((ch) => !face.hasGlyphForCodePoint(ch.codePointAt(0) as number));
      expect(missing(hanzi).join(''), `${f.path}: hanzi`).to.equal('');
      expect(missing(symbols).join(''), `${f.path}: symbols`).to.equal('');
    });
  }
});
