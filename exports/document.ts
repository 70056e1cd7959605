// What an exported document shows, as plain data: the service (server/services/exports.ts)
// builds it from the database; the renderers (pdf.ts, xlsx.ts) only lay it out. Every figure
// is already formatted exactly as the system computed it (decimal strings, yuan with two
// decimals), so a renderer never does arithmetic on money or points.
import crypto from 'node:crypto';

/** Period status as stored: only signed/locked periods export as signed documents. */
export type PeriodStatus = 'draft' | 'published' | 'signed' | 'locked';

export interface ScorecardItemRow {
  number: number;
  /** 分类 */
  category: string;
  /** 指标名称 */
  name: string;
  /** 指标描述 */
  description: string;
  /** 分值, e.g. "3" or "3.00" */
  maxPoints: string;
  /** 评分标准 (the table's original wording) */
  criteria: string;
  /** 扣分 after the item's cap, e.g. "0.60" */
  deduction: string;
  /** 得分 = 分值 − 扣分, e.g. "2.40" */
  score: string;
  /** the lines' sum exceeded 分值 and was capped */
  capped: boolean;
  /** rating items (28-31): the mean level and how many ratings, null elsewhere */
  ratingMean: string | null;
  ratingCount: number;
}

export interface ScorecardCategoryRow {
  category: string;
  maxPoints: string;
  deduction: string;
  score: string;
}

/** One active deduction line (扣分明细) with its evidence. */
export interface ScorecardLineRow {
  id: number;
  itemNumber: number;
  itemName: string;
  /** rule code, e.g. "5a" */
  rule: string | null;
  /** units counted, e.g. "2" */
  units: string;
  /** unit label of the rule, e.g. "次" */
  unit: string;
  /** points deducted by this line, e.g. "0.60" */
  points: string;
  reason: string;
  /** ISO time the event happened, or null */
  occurredAt: string | null;
  /** evidence reference as recorded (ticket numbers, file names, …) */
  evidence: string | null;
  /** 'manual', 'tickets', 'inspections', 'objection', … */
  source: string;
  /** the detector's explanation, one step per entry (empty for manual lines) */
  trace: string[];
}

/** A vendor objection (异议) to one line and its outcome. */
export interface ScorecardObjectionRow {
  id: number;
  lineId: number;
  itemNumber: number | null;
  filedBy: string | null;
  filedAt: string;
  reason: string;
  /** 'open' | 'upheld' | 'reduced' | 'withdrawn' as stored */
  status: string;
  /** Chinese outcome text: 待处理 / 维持扣分 / 核减为 N / 撤销扣分 */
  outcome: string;
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
}

export interface SignOff {
  /** 采购人签署: who signed for the bureau and when (ISO), null until signed */
  signedBy: string | null;
  signedAt: string | null;
  /** 服务商确认 */
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  publishedBy: string | null;
  publishedAt: string | null;
  /** last day (YYYY-MM-DD) on which the vendor could object */
  objectionDeadline: string | null;
}

export interface ScorecardDocument {
  /** e.g. "SC-GXSW-YW-2025-001-P3-V1": printed on every page */
  documentNumber: string;
  bureau: string;
  contract: {
    id: number;
    code: string;
    name: string;
    vendorName: string;
    /** yuan, two decimals, e.g. "12084900.00" */
    totalAmount: string;
    startDate: string;
    endDate: string;
  };
  period: { number: number; label: string; startDate: string; endDate: string; status: PeriodStatus };
  templateVersion: number;
  templateName: string;
  /** 总得分 */
  score: string;
  maxPoints: string;
  totalDeduction: string;
  interviewThreshold: string;
  interviewRequired: boolean;
  categories: ScorecardCategoryRow[];
  items: ScorecardItemRow[];
  lines: ScorecardLineRow[];
  objections: ScorecardObjectionRow[];
  signOff: SignOff;
  /** who produced the export and when (ISO) */
  issuedBy: string;
  issuedAt: string;
  /** '草稿' for a draft, '待签署' for a published period not yet signed, null when signed */
  watermark: string | null;
  /** where anyone can check the file, e.g. "http://host/verify" */
  verifyUrl: string;
}

/** One installment (款项) of one contract, every figure as the system computed it. */
export interface PaymentRow {
  number: number;
  name: string;
  /** 比例, e.g. "0.30" */
  ratio: string;
  deductible: boolean;
  /** feeding periods (当期) */
  periods: number[];
  /** 比例 × 合同总金额, yuan */
  baseAmount: string;
  /** 当期累计扣分, points e.g. "3.50" */
  accumulatedDeduction: string;
  /** 系数 = 1 − 当期累计扣分 × 点值 (never below 0), exact decimal e.g. "0.972" */
  factor: string;
  /** 比例 × 合同总金额 × 系数, rounded half-up to the fen, yuan */
  grossAmount: string;
  /** 相应扣款 assigned to this installment, yuan */
  penalties: string;
  /** penalties carried in from the previous installment, yuan */
  carriedIn: string;
  /** 应付金额, yuan */
  payable: string;
  /** penalties this installment could not absorb, yuan */
  carriedOut: string;
  /** every feeding period signed */
  final: boolean;
  paymentStatus: string;
}

export interface PaymentContract {
  id: number;
  code: string;
  name: string;
  vendorName: string;
  /** 合同总金额, yuan */
  totalAmount: string;
  /** 点值 per point, e.g. "0.008" */
  pointRate: string;
  installments: PaymentRow[];
  /** the sum of payable over the installments shown, yuan */
  payable: string;
}

export interface PaymentsDocument {
  documentNumber: string;
  bureau: string;
  /** e.g. "合同 GXSW-YW-2025-001 付款计算表" or "…税务局 第 3 期 付款计算表" */
  title: string;
  /** when the workbook covers one period only: installments fed by it */
  periodNumber: number | null;
  contracts: PaymentContract[];
  /** sum of every payable shown, yuan */
  payable: string;
  issuedBy: string;
  issuedAt: string;
  verifyUrl: string;
}

/** Who signed an export, for the 签章信息 sheet and the PDF's sign-off block. */
export interface SignatureInfo {
  /** the certificate subject's common name */
  signer: string;
  /** SHA-256 of the signing certificate (DER), hex */
  certificateSha256: string;
  /** ISO time of signing */
  signedAt: string;
  /** SHA-256 of the document's canonical content (contentDigest), hex */
  contentSha256: string;
}

/** JSON with object keys sorted, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const o = value as Record<string, unknown>;
  return (
    '{' +
    Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => JSON.stringify(k) + ':' + canonicalJson(o[k]))
      .join(',') +
    '}'
  );
}

/**
 * SHA-256 of what a document says: every field except who exported it and when. Two
 * exports of unchanged data have the same digest; any change of a figure, line, objection
 * or signature gives a new one (and so a new version in the registry).
 */
export function contentDigest(doc: ScorecardDocument | PaymentsDocument): string {
  const { documentNumber: _n, issuedBy: _b, issuedAt: _a, verifyUrl: _u, ...content } = doc as ScorecardDocument & PaymentsDocument;
  return crypto.createHash('sha256').update(canonicalJson(content)).digest('hex');
}
