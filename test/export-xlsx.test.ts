// exports/xlsx.ts: the 服务质量情况表 and 付款计算 workbooks. The payment sheet's formulas are
// live: read back with exceljs their cached results are the document's figures, and
// LibreOffice, made to recalculate on load, computes the same figures from the inputs —
// including amounts whose exact value is half a fen, where a binary-float product lies just
// below the half.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import ExcelJS from '../server/import/exceljs';
import {
  assertPaymentsConsistent,
  buildPaymentsWorkbook,
  buildScorecardWorkbook,
  DocumentConsistencyError,
  PAYMENT_HEADERS,
  readSignatureSheet,
  SIGNATURE_NOTE,
  WORKBOOK_CREATOR,
} from '../exports/xlsx';
import { contentDigest, PaymentContract, PaymentRow, PaymentsDocument, ScorecardDocument, ScorecardLineRow, SignatureInfo } from '../exports/document';
import { computePayments, formatFactor, PenaltyCharge } from '../scoring/payments';
import { cmp, formatExact, formatPoints, formatYuan, mul, parseDecimal, rational, roundHalfUp, sub, ONE } from '../scoring/decimal';
import { computeScorecard, linePoints, ratingDeduction } from '../scoring/scorecard';
import { TEMPLATE_V1 } from '../scoring/template-v1';
import { readSheetCsv, recalculatedCsv, SOFFICE } from './office';

const SPIN = 1000;
const BUREAU = '国家税务总局广西壮族自治区税务局';

// ---- fixtures ------------------------------------------------------------------------

interface ContractSpec {
  id: number;
  code: string;
  name: string;
  vendorName: string;
  totalFen: bigint;
  pointRate: string;
  installments: { number: number; name: string; ratio: string; deductible: boolean; periods: number[]; paymentStatus: string }[];
  deductions: [number, number][];
  penalties: PenaltyCharge[];
  signedPeriods: number[];
}

const CONTRACT_A: ContractSpec = {
  id: 1,
  code: 'GXSW-YW-2025-001',
  name: '广西税务2025年信息系统运维服务项目',
  vendorName: '广西数智信息技术有限公司',
  totalFen: 1208490000n, // ¥12,084,900.00
  pointRate: '0.008',
  installments: [
    { number: 1, name: '预付款', ratio: '0.30', deductible: false, periods: [], paymentStatus: 'paid' },
    { number: 2, name: '第一次进度款', ratio: '0.30', deductible: true, periods: [1, 2], paymentStatus: 'invoiced' },
    { number: 3, name: '第二次进度款', ratio: '0.30', deductible: true, periods: [3], paymentStatus: 'pending' },
    { number: 4, name: '尾款', ratio: '0.10', deductible: true, periods: [4], paymentStatus: 'pending' },
  ],
  deductions: [
    [1, 350],
    [2, 1017],
    [3, 0],
    [4, 250],
  ],
  // 违约金 on installment 3 larger than it: ¥24,530.00 carries into installment 4
  penalties: [
    { installmentNumber: 2, amountFen: 1500000n },
    { installmentNumber: 3, amountFen: 365000000n },
  ],
  signedPeriods: [1, 2, 3],
};

// Half-fen amounts: 0.25 × 3,625,470.00 × 0.962 = 871,925.535 exactly (and 0.946 → …423.655,
// 0.83 → …285.025); the binary-float product of each lies just below the half.
const CONTRACT_B: ContractSpec = {
  id: 2,
  code: 'GXSW-YW-2025-002',
  name: '广西税务2025年纳税服务热线系统运维项目',
  vendorName: '南宁鑫喆软件服务有限公司',
  totalFen: 362547000n,
  pointRate: '0.008',
  installments: [
    { number: 1, name: '第一季度款', ratio: '0.25', deductible: true, periods: [1], paymentStatus: 'paid' },
    { number: 2, name: '第二季度款', ratio: '0.25', deductible: true, periods: [2], paymentStatus: 'invoiced' },
    { number: 3, name: '第三季度款', ratio: '0.25', deductible: true, periods: [3], paymentStatus: 'pending' },
    { number: 4, name: '第四季度款', ratio: '0.25', deductible: true, periods: [4], paymentStatus: 'pending' },
  ],
  deductions: [
    [1, 475],
    [2, 675],
    [3, 0],
    [4, 2125],
  ],
  penalties: [{ installmentNumber: 4, amountFen: 1234567n }],
  signedPeriods: [1, 2],
};

// 0.50 × 1,234,567.89 = 617,283.945: 基数 and 扣减后金额 both round a half fen up
const CONTRACT_C: ContractSpec = {
  id: 3,
  code: 'GXSW-YW-2025-003',
  name: '桂林市税务局办税服务厅设备维保项目',
  vendorName: '桂林镕达科技有限公司',
  totalFen: 123456789n,
  pointRate: '0.01',
  installments: [
    { number: 1, name: '预付款', ratio: '0.50', deductible: false, periods: [], paymentStatus: 'paid' },
    { number: 2, name: '尾款', ratio: '0.50', deductible: true, periods: [1, 2], paymentStatus: 'pending' },
  ],
  deductions: [],
  penalties: [],
  signedPeriods: [1],
};

/** A contract's installments formatted the way server/services/assessment.ts getPayments does. */
function paymentContract(spec: ContractSpec, periodNumber: number | null): PaymentContract {
  const schedule = computePayments(
    spec.totalFen,
    parseDecimal(spec.pointRate),
    spec.installments.map((i) => ({ number: i.number, name: i.name, ratio: parseDecimal(i.ratio), deductible: i.deductible, periods: i.periods })),
    new Map(spec.deductions),
    spec.penalties,
  );
  const shown = schedule.installments.filter((p) => periodNumber === null || p.periods.includes(periodNumber));
  const installments: PaymentRow[] = shown.map((p) => ({
    number: p.number,
    name: p.name,
    ratio: formatExact(p.ratio, 2),
    deductible: p.deductible,
    periods: p.periods,
    baseAmount: formatYuan(p.baseAmount),
    accumulatedDeduction: formatPoints(p.accumulatedDeduction),
    factor: formatFactor(p.factor),
    grossAmount: formatYuan(p.grossAmount),
    penalties: formatYuan(p.penalties),
    carriedIn: formatYuan(p.carriedIn),
    payable: formatYuan(p.payable),
    carriedOut: formatYuan(p.carriedOut),
    final: p.periods.every((n) => spec.signedPeriods.includes(n)),
    paymentStatus: spec.installments.find((i) => i.number === p.number)!.paymentStatus,
  }));
  return {
    id: spec.id,
    code: spec.code,
    name: spec.name,
    vendorName: spec.vendorName,
    totalAmount: formatYuan(spec.totalFen),
    pointRate: spec.pointRate,
    installments,
    payable: formatYuan(shown.reduce((s, p) => s + p.payable, 0n)),
  };
}

function paymentsDoc(periodNumber: number | null = null): PaymentsDocument {
  const contracts = [CONTRACT_A, CONTRACT_B, CONTRACT_C].map((c) => paymentContract(c, periodNumber)).filter((c) => c.installments.length > 0);
  return {
    documentNumber: periodNumber === null ? 'PAY-GXSW-2025-ALL-V1' : `PAY-GXSW-2025-P${periodNumber}-V1`,
    bureau: BUREAU,
    title: periodNumber === null ? `${BUREAU} 付款计算表` : `${BUREAU} 第 ${periodNumber} 期 付款计算表`,
    periodNumber,
    contracts,
    payable: formatYuan(contracts.reduce((s, c) => s + BigInt(c.payable.replace('.', '')), 0n)),
    issuedBy: '财务 李娜',
    issuedAt: '2025-10-20T02:15:30.000Z',
    verifyUrl: 'https://om.example.gov.cn/verify',
  };
}

function signatureOf(doc: ScorecardDocument | PaymentsDocument): SignatureInfo {
  return {
    signer: '国家税务总局广西壮族自治区税务局电子签章',
    certificateSha256: 'ab'.repeat(32),
    signedAt: '2025-10-20T02:16:05.000Z',
    contentSha256: contentDigest(doc),
  };
}

let nextLine = 1;
function scoreLine(itemNumber: number, units: number, reason: string, extra: Partial<ScorecardLineRow> = {}) {
  const item = TEMPLATE_V1.items.find((i) => i.number === itemNumber)!;
  const rule = item.rules[0];
  const points = linePoints(rule, units * 100);
  return {
    scored: { id: nextLine, itemNumber, ruleCode: rule.code, units: units * 100, points, status: 'active' as const },
    row: {
      id: nextLine++,
      itemNumber,
      itemName: item.name,
      rule: rule.code,
      units: String(units),
      unit: rule.unit,
      points: formatPoints(points),
      reason,
      occurredAt: '2025-08-14T01:30:00.000Z',
      evidence: null,
      source: 'manual',
      trace: [],
      ...extra,
    } as ScorecardLineRow,
  };
}

function scorecardDoc(watermark: string | null = null): ScorecardDocument {
  nextLine = 101;
  const lines = [
    scoreLine(1, 1, '驻场工程师缺员 1 人（8 月）'),
    scoreLine(4, 6, '工单超时效 6 次', {
      source: 'sla',
      evidence: 'GD-2025-08-0131; GD-2025-08-0177; GD-2025-09-0012',
      trace: ['工单 GD-2025-08-0131 响应时限 4 工作小时，实际 6.5 小时：超时', '工单 GD-2025-08-0177 解决时限 2 工作日，实际 3 工作日：超时', '共 6 张工单超时，每次 0.1 分'],
    }),
    scoreLine(5, 2, '缺少 7 月、9 月各一次月度巡检', { source: 'inspection', evidence: '巡检记录表 2025Q3.xlsx' }),
    scoreLine(17, 3, '发生信息安全事故 3 项（含一项数据泄露）'),
    scoreLine(22, 1, '未完成省局交办的报表统计任务'),
  ];
  const ratings = [4, 5, 3, 4].map((level, i) => ({ id: i + 1, itemNumber: 28, level, status: 'active' as const }));
  const sc = computeScorecard(
    TEMPLATE_V1,
    lines.map((l) => l.scored),
    ratings,
    { interviewThreshold: 9000 },
  );
  const tpl = new Map(TEMPLATE_V1.items.map((i) => [i.number, i]));
  return {
    documentNumber: watermark ? 'SC-GXSW-YW-2025-001-P3-D1' : 'SC-GXSW-YW-2025-001-P3-V1',
    bureau: BUREAU,
    contract: {
      id: 1,
      code: CONTRACT_A.code,
      name: CONTRACT_A.name,
      vendorName: CONTRACT_A.vendorName,
      totalAmount: '12084900.00',
      startDate: '2025-01-01',
      endDate: '2025-12-31',
    },
    period: { number: 3, label: '2025年第三季度', startDate: '2025-07-01', endDate: '2025-09-30', status: watermark ? 'draft' : 'signed' },
    templateVersion: TEMPLATE_V1.version,
    templateName: TEMPLATE_V1.name,
    score: formatPoints(sc.score),
    maxPoints: formatPoints(sc.maxPoints),
    totalDeduction: formatPoints(sc.totalDeduction),
    interviewThreshold: formatPoints(9000),
    interviewRequired: sc.interviewRequired,
    categories: sc.categories.map((c) => ({ category: c.category, maxPoints: formatPoints(c.maxPoints), deduction: formatPoints(c.deduction), score: formatPoints(c.score) })),
    items: sc.items.map((it) => ({
      number: it.number,
      category: it.category,
      name: it.name,
      description: tpl.get(it.number)!.description,
      maxPoints: tpl.get(it.number)!.maxPoints, // as the table prints it: "3"
      criteria: tpl.get(it.number)!.criteria,
      deduction: formatPoints(it.deduction),
      score: formatPoints(it.score),
      capped: it.rawDeduction > it.maxPoints,
      ratingMean: it.ratingMean,
      ratingCount: it.ratingCount,
    })),
    lines: lines.map((l) => l.row),
    objections: [
      {
        id: 7,
        lineId: 103,
        itemNumber: 5,
        filedBy: '服务商 王磊',
        filedAt: '2025-10-08T03:00:00.000Z',
        reason: '9 月巡检已完成，记录延迟上传',
        status: 'reduced',
        outcome: '核减为 0.50',
        resolution: '核实 9 月巡检已完成，仅 7 月缺失',
        resolvedBy: '合同管理员 张伟',
        resolvedAt: '2025-10-10T07:20:00.000Z',
      },
    ],
    signOff: watermark
      ? { signedBy: null, signedAt: null, acknowledgedBy: null, acknowledgedAt: null, publishedBy: null, publishedAt: null, objectionDeadline: null }
      : {
          signedBy: '合同管理员 张伟',
          signedAt: '2025-10-15T08:00:00.000Z',
          acknowledgedBy: '服务商 王磊',
          acknowledgedAt: '2025-10-12T02:00:00.000Z',
          publishedBy: '合同管理员 张伟',
          publishedAt: '2025-10-05T01:00:00.000Z',
          objectionDeadline: '2025-10-10',
        },
    issuedBy: '合同管理员 张伟',
    issuedAt: '2025-10-20T02:15:30.000Z',
    watermark,
    verifyUrl: 'https://om.example.gov.cn/verify',
  };
}

// ---- reading helpers -----------------------------------------------------------------

async function load(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb;
}

function text(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object' && 'richText' in v) return v.richText.map((t) => t.text).join('');
  if (typeof v === 'object' && 'formula' in v) return String(v.result);
  if (typeof v === 'object' && 'text' in v) return String(v.text);
  return String(v);
}

/** Header row number and column of each header of the payments sheet. */
function payColumns(ws: ExcelJS.Worksheet): { header: number; col: Record<string, number> } {
  for (let r = 1; r <= 20; r++) {
    if (text(ws.getCell(r, 1).value) === '合同编号') {
      const col: Record<string, number> = {};
      ws.getRow(r).eachCell((c, i) => (col[text(c.value)] = i));
      return { header: r, col };
    }
  }
  throw new Error('no header row');
}

function eqDecimal(actual: string, expected: string): boolean {
  return cmp(parseDecimal(actual), parseDecimal(expected)) === 0;
}

/** exceljs keeps a sheet's protection as read in `sheetProtection` (not in its typings). */
function protectionOf(ws: ExcelJS.Worksheet): Record<string, unknown> {
  return ((ws as unknown as { sheetProtection?: Record<string, unknown> }).sheetProtection ?? {}) as Record<string, unknown>;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

const FIGURES: [string, keyof PaymentRow][] = [
  ['基数', 'baseAmount'],
  ['系数', 'factor'],
  ['扣减后金额', 'grossAmount'],
  ['上期结转扣款', 'carriedIn'],
  ['应付金额', 'payable'],
  ['结转下期', 'carriedOut'],
];

// ---- tests ---------------------------------------------------------------------------

describe('exports/xlsx: 付款计算 workbook', () => {
  it('the fixtures stress rounding: exact products of half a fen whose binary-float product lies below the half', () => {
    const doc = paymentsDoc();
    const b = doc.contracts.find((c) => c.code === CONTRACT_B.code)!;
    const c = doc.contracts.find((x) => x.code === CONTRACT_C.code)!;
    const halves: [PaymentContract, PaymentRow][] = [
      [b, b.installments[0]],
      [b, b.installments[1]],
      [b, b.installments[3]],
      [c, c.installments[0]],
      [c, c.installments[1]],
    ];
    for (const [k, row] of halves) {
      const exactFen = mul(mul(mul(parseDecimal(row.ratio), parseDecimal(k.totalAmount)), parseDecimal(row.factor)), rational(100n));
      expect(exactFen.d, `${k.code}/${row.number}`).to.equal(2n); // exactly x.5 fen
      expect(formatYuan(roundHalfUp(exactFen))).to.equal(row.grossAmount);
      const float = Number(row.ratio) * Number(k.totalAmount) * (1 - Number(row.accumulatedDeduction) * (row.deductible ? Number(k.pointRate) : 0));
      // naive float rounding lands a fen too low: the formula must not do that
      expect(Math.round(float * 100) / 100, `${k.code}/${row.number}`).to.be.below(Number(row.grossAmount));
    }
    expect(b.installments.map((r) => r.grossAmount)).to.deep.equal(['871925.54', '857423.66', '906367.50', '752285.03']);
    expect(c.installments[0].baseAmount).to.equal('617283.95');
    // the penalty of installment 3 of contract A exceeds it and carries into installment 4
    const a = doc.contracts[0];
    expect(a.installments[2].carriedOut).to.equal('24530.00');
    expect(a.installments[3].carriedIn).to.equal('24530.00');
    expect(a.installments[0].factor).to.equal('1.00');
    expect(a.installments[1].factor).to.equal('0.89064');
  });

  it('writes live formulas whose cached results are the document figures, totals, formats, freeze and filter', async () => {
    const doc = paymentsDoc();
    const buf = await buildPaymentsWorkbook(doc, { signature: signatureOf(doc), spinCount: SPIN });
    const wb = await load(buf);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['付款计算', '签章信息']);
    const ws = wb.getWorksheet('付款计算')!;
    const { header, col } = payColumns(ws);
    expect(Object.keys(col)).to.deep.equal(PAYMENT_HEADERS);
    expect(PAYMENT_HEADERS).to.include.members(['合同编号', '款项序号', '比例', '合同总金额', '基数', '是否扣减', '当期累计扣分', '点值', '系数', '扣减后金额', '相应扣款', '上期结转扣款', '应付金额', '结转下期', '状态', '付款状态']);
    const L = (h: string) => ws.getColumn(col[h]).letter;

    let r = header + 1;
    for (const c of doc.contracts) {
      const first = r;
      for (const [i, p] of c.installments.entries()) {
        const row = ws.getRow(r);
        const cellOf = (h: string) => row.getCell(col[h]);
        expect(text(cellOf('合同编号').value)).to.equal(c.code);
        expect(cellOf('款项序号').value).to.equal(p.number);
        // inputs are numeric constants
        expect(cellOf('比例').value).to.equal(Number(p.ratio));
        expect(cellOf('合同总金额').value).to.equal(Number(c.totalAmount));
        expect(cellOf('当期累计扣分').value).to.equal(Number(p.accumulatedDeduction));
        expect(cellOf('点值').value).to.equal(Number(c.pointRate));
        expect(cellOf('相应扣款').value).to.equal(Number(p.penalties));
        expect(cellOf('是否扣减').value).to.equal(p.deductible ? '是' : '否');
        expect(cellOf('状态').value).to.equal(p.final ? '最终' : '暂定');
        // formulas
        expect(cellOf('基数').formula).to.equal(`ROUND(${L('比例')}${r}*${L('合同总金额')}${r},2)`);
        expect(cellOf('系数').formula).to.equal(`IF(${L('是否扣减')}${r}="是",MAX(0,1-${L('当期累计扣分')}${r}*${L('点值')}${r}),1)`);
        expect(cellOf('扣减后金额').formula).to.equal(`ROUND(${L('比例')}${r}*${L('合同总金额')}${r}*${L('系数')}${r},2)`);
        expect(cellOf('应付金额').formula).to.equal(`ROUND(MAX(0,${L('扣减后金额')}${r}-${L('相应扣款')}${r}-${L('上期结转扣款')}${r}),2)`);
        expect(cellOf('结转下期').formula).to.equal(`ROUND(MAX(0,${L('相应扣款')}${r}+${L('上期结转扣款')}${r}-${L('扣减后金额')}${r}),2)`);
        if (i === 0) expect(cellOf('上期结转扣款').value).to.equal(0);
        else expect(cellOf('上期结转扣款').formula).to.equal(`${L('结转下期')}${r - 1}`);
        for (const [h, key] of FIGURES) {
          const cell = cellOf(h);
          const cached = cell.formula ? cell.result : cell.value;
          expect(cached, `${c.code}/${p.number} ${h}`).to.equal(Number(p[key]));
        }
        // number formats
        expect(cellOf('基数').numFmt).to.equal('#,##0.00');
        expect(cellOf('应付金额').numFmt).to.equal('#,##0.00');
        expect(cellOf('比例').numFmt).to.equal('0.00##');
        expect(cellOf('系数').numFmt).to.equal('0.000000');
        expect(cellOf('当期累计扣分').numFmt).to.equal('0.00');
        r++;
      }
      // 小计
      const sub = ws.getRow(r);
      expect(text(sub.getCell(col['款项名称']).value)).to.equal('小计');
      expect(sub.getCell(col['应付金额']).formula).to.equal(`SUM(${L('应付金额')}${first}:${L('应付金额')}${r - 1})`);
      expect(sub.getCell(col['应付金额']).result).to.equal(Number(c.payable));
      r++;
    }
    // 总计, after a blank row
    const grand = ws.getRow(r + 1);
    expect(text(grand.getCell(1).value)).to.equal('总计');
    expect(grand.getCell(col['应付金额']).formula).to.match(/^SUM\(Q\d+,Q\d+,Q\d+\)$/);
    expect(grand.getCell(col['应付金额']).result).to.equal(Number(doc.payable));
    const sumOf = (key: keyof PaymentRow) =>
      formatYuan(doc.contracts.flatMap((c) => c.installments).reduce((s, p) => s + BigInt(String(p[key]).replace('.', '')), 0n));
    expect(grand.getCell(col['基数']).result).to.equal(Number(sumOf('baseAmount')));
    expect(grand.getCell(col['扣减后金额']).result).to.equal(Number(sumOf('grossAmount')));
    expect(grand.getCell(col['相应扣款']).result).to.equal(Number(sumOf('penalties')));
    // footer line
    expect(text(ws.getCell(r + 3, 1).value)).to.equal(`本文件由系统生成，文件编号 ${doc.documentNumber}`);
    // frozen header, auto-filter over the table
    expect(ws.views[0]).to.include({ state: 'frozen', ySplit: header });
    expect(ws.autoFilter).to.be.ok;
    expect(JSON.stringify(ws.autoFilter)).to.include(`A${header}`);
  });

  it('a one-period sheet takes 上期结转扣款 of an installment not shown as a constant with a note', async () => {
    const doc = paymentsDoc(4);
    expect(doc.contracts.map((c) => c.installments.map((p) => p.number))).to.deep.equal([[4], [4]]);
    const buf = await buildPaymentsWorkbook(doc, { signature: null, spinCount: SPIN });
    const ws = (await load(buf)).getWorksheet('付款计算')!;
    const { header, col } = payColumns(ws);
    const a = ws.getRow(header + 1).getCell(col['上期结转扣款']);
    expect(a.formula).to.equal(undefined);
    expect(a.value).to.equal(24530);
    expect(text(a.note as ExcelJS.CellValue) || JSON.stringify(a.note)).to.include('第 3 笔款项');
    expect(ws.getRow(header + 1).getCell(col['应付金额']).result).to.equal(Number(doc.contracts[0].installments[0].payable));
    expect(text(ws.getCell('A3').value)).to.include('本表仅含第 4 期考核所涉款项');
  });

  it('protects every sheet, sets the workbook properties and writes the 签章信息 sheet, which reads back', async () => {
    const doc = paymentsDoc();
    const sig = signatureOf(doc);
    const buf = await buildPaymentsWorkbook(doc, { signature: sig, spinCount: SPIN });
    const wb = await load(buf);
    for (const ws of wb.worksheets) {
      const p = protectionOf(ws);
      expect(p, ws.name).to.include({ sheet: true, algorithmName: 'SHA-512', spinCount: SPIN });
      expect(p.hashValue).to.be.a('string');
      expect(p.saltValue).to.be.a('string');
    }
    // in the XML: protected, with selecting, column widths, filtering and sorting allowed
    const zip = await JSZip.loadAsync(buf);
    const sheets = Object.keys(zip.files).filter((f) => /^xl\/worksheets\/sheet\d+\.xml$/.test(f));
    expect(sheets).to.have.length(2);
    for (const f of sheets) {
      const tag = /<sheetProtection [^>]*\/>/.exec(await zip.file(f)!.async('string'))?.[0] ?? '';
      expect(tag, f).to.match(/ sheet="1"/);
      expect(tag, f).to.match(/ algorithmName="SHA-512"/);
      expect(tag, f).to.match(/ spinCount="1000"/);
      for (const allowed of ['formatColumns', 'autoFilter', 'sort']) expect(tag, f).to.include(` ${allowed}="0"`);
      expect(tag, f).not.to.match(/selectLockedCells="1"|selectUnlockedCells="1"|formatCells="0"/);
    }
    expect(wb.creator).to.equal(WORKBOOK_CREATOR);
    expect(wb.subject).to.equal(doc.documentNumber);
    expect(wb.keywords).to.equal(doc.documentNumber);
    expect(wb.title).to.equal(doc.title);
    expect(wb.description).to.equal(`sha256:${contentDigest(doc)}`);
    expect(wb.company).to.equal(BUREAU);
    expect(wb.created.toISOString()).to.equal(doc.issuedAt);

    const sheet = wb.getWorksheet('签章信息')!;
    const rows = new Map<string, string>();
    sheet.eachRow((row) => rows.set(text(row.getCell(1).value), text(row.getCell(2).value)));
    expect(rows.get('文件编号')).to.equal(doc.documentNumber);
    expect(rows.get('数据摘要(SHA-256)')).to.equal(contentDigest(doc));
    expect(rows.get('签名证书指纹(SHA-256)')).to.equal(sig.certificateSha256);
    expect(rows.get('签发人')).to.equal(sig.signer);
    expect(rows.get('签发时间')).to.equal('2025-10-20 10:16:05（北京时间）');
    expect(rows.get('签章单位')).to.equal(BUREAU);
    expect(rows.get('验证地址')).to.equal(doc.verifyUrl);
    expect(rows.get('说明')).to.equal(SIGNATURE_NOTE);
    expect(rows.has('签字/盖章')).to.equal(true);
    expect(rows.get('签字/盖章')).to.equal('');

    expect(await readSignatureSheet(buf)).to.deep.equal({
      documentNumber: doc.documentNumber,
      contentSha256: sig.contentSha256,
      signer: sig.signer,
      signedAt: sig.signedAt,
      certificateSha256: sig.certificateSha256,
    });
    // unsigned: the digest is still there
    const unsigned = await buildPaymentsWorkbook(doc, { signature: null, spinCount: SPIN });
    expect(await readSignatureSheet(unsigned)).to.deep.equal({
      documentNumber: doc.documentNumber,
      contentSha256: contentDigest(doc),
      signer: null,
      signedAt: null,
      certificateSha256: null,
    });
    // a workbook without the sheet
    const plain = new ExcelJS.Workbook();
    plain.addWorksheet('Sheet1').getCell('A1').value = '文件编号';
    expect(await readSignatureSheet(Buffer.from(await plain.xlsx.writeBuffer()))).to.equal(null);
  });

  it('refuses a signature over other content', async () => {
    const doc = paymentsDoc();
    const sig = { ...signatureOf(doc), contentSha256: 'cd'.repeat(32) };
    const err = await rejection(buildPaymentsWorkbook(doc, { signature: sig, spinCount: SPIN }));
    expect(err).to.be.instanceOf(DocumentConsistencyError);
    expect(err.message).to.include('数据摘要');
  });

  it('refuses a document whose figures the formulas would not reproduce', async () => {
    const cases: [string, (d: PaymentsDocument) => void, RegExp][] = [
      ['payable off by 0.01', (d) => (d.contracts[1].installments[2].payable = '906367.49'), /GXSW-YW-2025-002 第 3 笔款项.*应付金额 按公式应为 906367\.50，文件中为 906367\.49/],
      ['gross rounded half-down', (d) => (d.contracts[1].installments[0].grossAmount = '871925.53'), /扣减后金额 按公式应为 871925\.54/],
      ['factor', (d) => (d.contracts[0].installments[1].factor = '0.8906'), /系数/],
      ['base', (d) => (d.contracts[2].installments[0].baseAmount = '617283.94'), /基数/],
      ['carry-over', (d) => (d.contracts[0].installments[3].carriedIn = '0.00'), /上期结转扣款/],
      ['carried out', (d) => (d.contracts[0].installments[2].carriedOut = '0.00'), /结转下期/],
      ['contract total', (d) => (d.contracts[2].payable = '1234567.88'), /应付金额合计/],
      ['grand total', (d) => (d.payable = '1.00'), /应付金额总计/],
    ];
    for (const [name, spoil, message] of cases) {
      const doc = paymentsDoc();
      spoil(doc);
      expect(() => assertPaymentsConsistent(doc), name).to.throw(DocumentConsistencyError, message);
      const err = await rejection(buildPaymentsWorkbook(doc, { signature: null, spinCount: SPIN }));
      expect(err.message, name).to.match(message);
    }
    expect(() => assertPaymentsConsistent(paymentsDoc())).not.to.throw();
    expect(() => assertPaymentsConsistent(paymentsDoc(4))).not.to.throw();
    expect(() => assertPaymentsConsistent(paymentsDoc(2))).not.to.throw();
  });
});

describe('exports/xlsx: 服务质量情况表 workbook', () => {
  it('lays out the official table: merged 分类, 得分 formulas, subtotals, 合计 and 总得分 at the top', async () => {
    const doc = scorecardDoc();
    const buf = await buildScorecardWorkbook(doc, { signature: signatureOf(doc), spinCount: SPIN });
    const wb = await load(buf);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['服务质量情况表', '扣分明细', '异议处理', '签章信息']);
    const ws = wb.getWorksheet('服务质量情况表')!;
    expect(text(ws.getCell('A1').value)).to.equal(BUREAU);
    expect(text(ws.getCell('A3').value)).to.equal('服务质量情况表（2025年第三季度）');
    const headerRow = ws.getRow(8);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((i) => text(headerRow.getCell(i).value))).to.deep.equal(['分类', '序号', '指标名称', '指标描述', '分值', '评分标准', '扣分', '得分']);
    expect(ws.getCell('C6').formula).to.match(/^H\d+$/);
    expect(ws.getCell('C6').result).to.equal(Number(doc.score));

    // item rows by 序号
    const rowOf = new Map<number, number>();
    let totalRow = 0;
    const subtotals: number[] = [];
    ws.eachRow((row, r) => {
      if (r <= 8) return;
      const b = row.getCell(2).value;
      if (typeof b === 'number') rowOf.set(b, r);
      const a = text(row.getCell(1).value);
      if (a === '合计') totalRow = r;
      if (a.endsWith(' 小计')) subtotals.push(r);
    });
    expect([...rowOf.keys()].sort((x, y) => x - y)).to.deep.equal(doc.items.map((i) => i.number));
    expect(subtotals).to.have.length(doc.categories.length);
    for (const it of doc.items) {
      const r = rowOf.get(it.number)!;
      expect(ws.getCell(`E${r}`).value).to.equal(Number(it.maxPoints));
      expect(ws.getCell(`G${r}`).value).to.equal(Number(it.deduction));
      expect(ws.getCell(`H${r}`).formula).to.equal(`E${r}-G${r}`);
      expect(ws.getCell(`H${r}`).result).to.equal(Number(it.score));
      expect(ws.getCell(`H${r}`).numFmt).to.equal('0.00');
      expect(ws.getCell(`F${r}`).alignment.wrapText).to.equal(true);
    }
    // 分类 merged across each group: every item row's A cell has the group's first row as master
    for (const cat of doc.categories) {
      const rows = doc.items.filter((i) => i.category === cat.category).map((i) => rowOf.get(i.number)!);
      const top = Math.min(...rows);
      for (const r of rows) expect(ws.getCell(`A${r}`).master.address, `${cat.category} row ${r}`).to.equal(`A${top}`);
      if (rows.length > 1) expect(ws.getCell(`A${top}`).isMerged).to.equal(true);
      const sub = subtotals.find((s) => text(ws.getCell(`A${s}`).value) === `${cat.category} 小计`)!;
      expect(sub).to.equal(Math.max(...rows) + 1);
      expect(ws.getCell(`H${sub}`).formula).to.equal(`SUM(H${top}:H${sub - 1})`);
      expect(ws.getCell(`H${sub}`).result).to.equal(Number(cat.score));
      expect(ws.getCell(`G${sub}`).result).to.equal(Number(cat.deduction));
      expect(ws.getCell(`E${sub}`).result).to.equal(Number(cat.maxPoints));
    }
    // 合计
    expect(totalRow).to.be.above(0);
    expect(ws.getCell(`E${totalRow}`).result).to.equal(Number(doc.maxPoints));
    expect(ws.getCell(`G${totalRow}`).result).to.equal(Number(doc.totalDeduction));
    expect(ws.getCell(`H${totalRow}`).result).to.equal(Number(doc.score));
    expect(ws.getCell(`H${totalRow}`).formula).to.equal(`SUM(${subtotals.map((s) => `H${s}`).join(',')})`);
    expect(ws.getCell('C6').formula).to.equal(`H${totalRow}`);
    // the capped item and the rating item carry a note on 扣分
    const capped = doc.items.find((i) => i.capped)!;
    expect(JSON.stringify(ws.getCell(`G${rowOf.get(capped.number)}`).note)).to.include('扣完为止');
    expect(JSON.stringify(ws.getCell(`G${rowOf.get(28)}`).note)).to.include('用户评价 4 次');
    // footer line
    let footer = '';
    ws.eachRow((row) => {
      const t = text(row.getCell(1).value);
      if (t.startsWith('本文件由系统生成')) footer = t;
    });
    expect(footer).to.equal(`本文件由系统生成，文件编号 ${doc.documentNumber}`);

    // 扣分明细: one row per line, then 合计
    const lines = wb.getWorksheet('扣分明细')!;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((i) => text(lines.getRow(3).getCell(i).value))).to.deep.equal([
      'ID', '序号', '指标名称', '规则', '数量', '单位', '扣分', '原因', '发生时间', '证据', '来源', '检测过程',
    ]);
    let dataRows = 0;
    lines.eachRow((row, r) => {
      if (r > 3 && typeof row.getCell(1).value === 'number') dataRows++;
    });
    expect(dataRows).to.equal(doc.lines.length);
    const sla = doc.lines.findIndex((l) => l.source === 'sla');
    expect(text(lines.getCell(`L${4 + sla}`).value)).to.equal(doc.lines[sla].trace.join('\n'));
    expect(text(lines.getCell(`I${4}`).value)).to.equal('2025-08-14 09:30');
    expect(lines.getCell(`G${4 + doc.lines.length}`).formula).to.equal(`SUM(G4:G${3 + doc.lines.length})`);
    // 异议处理
    const obj = wb.getWorksheet('异议处理')!;
    expect(text(obj.getCell('G4').value)).to.equal('核减为 0.50');
    // every sheet protected; digest and signer on 签章信息
    for (const s of wb.worksheets) expect(protectionOf(s).sheet, s.name).to.equal(true);
    expect(await readSignatureSheet(buf)).to.deep.include({ documentNumber: doc.documentNumber, contentSha256: contentDigest(doc), signer: signatureOf(doc).signer });
  });

  it('a draft says （草稿，未经签署） in its titles and 未签署 on 签章信息', async () => {
    const doc = scorecardDoc('草稿');
    const buf = await buildScorecardWorkbook(doc, { signature: null, spinCount: SPIN });
    const wb = await load(buf);
    expect(text(wb.getWorksheet('服务质量情况表')!.getCell('A3').value)).to.equal('服务质量情况表（2025年第三季度）（草稿，未经签署）');
    expect(text(wb.getWorksheet('扣分明细')!.getCell('A1').value)).to.include('（草稿，未经签署）');
    const rows = new Map<string, string>();
    wb.getWorksheet('签章信息')!.eachRow((row) => rows.set(text(row.getCell(1).value), text(row.getCell(2).value)));
    expect(rows.get('考核表签署')).to.equal('未签署（草稿）');
    expect(rows.get('签发人')).to.equal('未签署');
    expect(rows.get('数据摘要(SHA-256)')).to.equal(contentDigest(doc));
    expect(await readSignatureSheet(buf)).to.deep.equal({
      documentNumber: doc.documentNumber,
      contentSha256: contentDigest(doc),
      signer: null,
      signedAt: null,
      certificateSha256: null,
    });
  });

  it('writes 得分 as a constant where 分值 − 扣分 is not the document figure', async () => {
    const doc = scorecardDoc();
    doc.items[0] = { ...doc.items[0], score: '2.80' }; // 3 − 0.30 would be 2.70
    const ws = (await load(await buildScorecardWorkbook(doc, { signature: null, spinCount: SPIN }))).getWorksheet('服务质量情况表')!;
    expect(ws.getCell('H9').formula).to.equal(undefined);
    expect(ws.getCell('H9').value).to.equal(2.8);
    expect(ws.getCell('H10').formula).to.equal('E10-G10');
  });
});

// ---- LibreOffice recomputation -------------------------------------------------------

/** Every installment row of a 付款计算 CSV compared with the document; returns rows seen. */
function checkPaymentsCsv(rows: string[][], doc: PaymentsDocument): number {
  const h = rows.findIndex((r) => r[0] === '合同编号');
  expect(h).to.be.at.least(0);
  const col = new Map(rows[h].map((x, i) => [x, i]));
  const at = (row: string[], name: string) => row[col.get(name)!];
  let seen = 0;
  const byContract = new Map(doc.contracts.map((c) => [c.code, c]));
  for (const row of rows.slice(h + 1)) {
    const c = byContract.get(row[0]);
    if (!c) continue;
    if (at(row, '款项名称') === '小计') {
      expect(eqDecimal(at(row, '应付金额'), c.payable), `${c.code} 小计 ${at(row, '应付金额')} ≠ ${c.payable}`).to.equal(true);
      continue;
    }
    const p = c.installments.find((x) => String(x.number) === at(row, '款项序号'))!;
    expect(p, `${c.code}/${at(row, '款项序号')}`).to.be.ok;
    for (const [name, key] of FIGURES) {
      const got = at(row, name);
      expect(got, `${c.code}/${p.number} ${name}`).to.match(/^-?\d+(\.\d+)?$/);
      expect(eqDecimal(got, String(p[key])), `${c.code}/${p.number} ${name}: LibreOffice ${got}, document ${p[key]}`).to.equal(true);
    }
    seen++;
  }
  const total = rows.find((r) => r[0] === '总计')!;
  expect(eqDecimal(at(total, '应付金额'), doc.payable), `总计 ${at(total, '应付金额')} ≠ ${doc.payable}`).to.equal(true);
  return seen;
}

describe('exports/xlsx: LibreOffice recomputes the formulas', function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    if (!fs.existsSync(SOFFICE)) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-xlsx-lo-'));
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives every figure of the document, half fens included, and ignores corrupted cached results', async () => {
    const doc = paymentsDoc();
    const doc4 = paymentsDoc(4);
    const card = scorecardDoc();
    const files: Record<string, Buffer> = {
      payments: await buildPaymentsWorkbook(doc, { signature: signatureOf(doc), spinCount: SPIN }),
      payments4: await buildPaymentsWorkbook(doc4, { signature: null, spinCount: SPIN }),
      scorecard: await buildScorecardWorkbook(card, { signature: null, spinCount: SPIN }),
    };
    // a copy whose cached results are all wrong: only a recalculation gives the right figures
    const spoiled = await load(files.payments);
    let corrupted = 0;
    spoiled.getWorksheet('付款计算')!.eachRow((row) =>
      row.eachCell((cell) => {
        if (cell.formula) {
          cell.value = { formula: cell.formula, result: 999 } as ExcelJS.CellValue;
          corrupted++;
        }
      }),
    );
    expect(corrupted).to.be.above(60);
    files.corrupted = Buffer.from(await spoiled.xlsx.writeBuffer());
    const scSpoiled = await load(files.scorecard);
    scSpoiled.getWorksheet('服务质量情况表')!.eachRow((row) =>
      row.eachCell((cell) => {
        if (cell.formula) cell.value = { formula: cell.formula, result: 999 } as ExcelJS.CellValue;
      }),
    );
    files.scorecardCorrupted = Buffer.from(await scSpoiled.xlsx.writeBuffer());
    const started = Date.now();
    const out = await recalculatedCsv(dir, files);
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.below(100_000);

    const installments = doc.contracts.reduce((s, c) => s + c.installments.length, 0);
    expect(checkPaymentsCsv(readSheetCsv(out, 'payments', '付款计算', true), doc)).to.equal(installments);
    expect(checkPaymentsCsv(readSheetCsv(out, 'corrupted', '付款计算', true), doc)).to.equal(installments);
    expect(checkPaymentsCsv(readSheetCsv(out, 'payments4', '付款计算', true), doc4)).to.equal(2);
    // the corrupted copy really held 999s, and no figure of the recalculated sheet is 999
    expect(readSheetCsv(out, 'corrupted', '付款计算', true).flat()).not.to.include('999');

    // the half-fen rows by value, as LibreOffice computed them
    const rows = readSheetCsv(out, 'corrupted', '付款计算', true);
    const h = rows.findIndex((r) => r[0] === '合同编号');
    const gi = rows[h].indexOf('扣减后金额');
    const bi = rows[h].indexOf('基数');
    const b = rows.filter((r) => r[0] === CONTRACT_B.code && r[4] !== '小计').map((r) => r[gi]);
    expect(b.map((x) => formatExact(parseDecimal(x), 2))).to.deep.equal(['871925.54', '857423.66', '906367.50', '752285.03']);
    const c = rows.filter((r) => r[0] === CONTRACT_C.code && r[4] !== '小计');
    expect(c.map((r) => formatExact(parseDecimal(r[bi]), 2))).to.deep.equal(['617283.95', '617283.95']);
    expect(c.map((r) => formatExact(parseDecimal(r[gi]), 2))).to.deep.equal(['617283.95', '617283.95']);

    // the scorecard's 得分, subtotals and 合计, recomputed
    for (const base of ['scorecard', 'scorecardCorrupted']) {
      const sc = readSheetCsv(out, base, '服务质量情况表', true);
      for (const it of card.items) {
        const row = sc.find((r) => r[1] === String(it.number) && r[2] === it.name)!;
        expect(eqDecimal(row[7], it.score), `${base} item ${it.number}: ${row[7]} ≠ ${it.score}`).to.equal(true);
      }
      for (const cat of card.categories) {
        const row = sc.find((r) => r[0] === `${cat.category} 小计`)!;
        expect(eqDecimal(row[7], cat.score), `${base} ${cat.category}`).to.equal(true);
        expect(eqDecimal(row[6], cat.deduction), `${base} ${cat.category}`).to.equal(true);
      }
      const total = sc.find((r) => r[0] === '合计')!;
      expect([total[4], total[6], total[7]].map((x) => formatExact(parseDecimal(x), 2))).to.deep.equal([card.maxPoints, card.totalDeduction, card.score]);
      expect(formatExact(parseDecimal(sc.find((r) => r[0] === '总得分')![2]), 2)).to.equal(card.score);
    }
  });
});

// keeps the fixture honest: 系数 of contract A's installment 2 is 1 − 13.67 × 0.008
describe('exports/xlsx fixtures', () => {
  it('match the contract terms', () => {
    expect(cmp(sub(ONE, mul(rational(1367n, 100n), parseDecimal('0.008'))), parseDecimal('0.89064'))).to.equal(0);
    expect(ratingDeduction(40, [4, 5, 3, 4]).deduction).to.equal(40);
  });
});
