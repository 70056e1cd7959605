// Exports: signed PDF scorecards, scorecard and payment workbooks with their detached
// signatures, the export registry, verification of an uploaded file, and batch ZIPs.
//
// Every export is registered (export_artifacts) with its exact bytes. A document is built
// from one consistent read of the data; its content digest (what it says) decides whether
// the latest registered version can be served again byte for byte, or a new version with a
// new document number is issued and the previous one marked as replaced. So a .p7s always
// belongs to the workbook bytes a user downloaded, and /verify can say a file was replaced.
import crypto from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import archiver from 'archiver';
import signpdf from '@signpdf/signpdf';
import { Op, Transaction, UniqueConstraintError } from 'sequelize';
import type { ExportArtifactRow, ExportBatchRow, ExportKind, LedgerLineRow, ObjectionRow, PeriodRow, UserRow } from '../../models';
import { formatYuan, parseYuan } from '../../scoring/decimal';
import { findRule } from '../../scoring/template';
import {
  contentDigest,
  PaymentContract,
  PaymentsDocument,
  ScorecardDocument,
  ScorecardObjectionRow,
  SignatureInfo,
} from '../../exports/document';
import { resolveCjkFont } from '../../exports/fonts';
import { renderScorecardPdf } from '../../exports/pdf';
import { BureauSigner, cmsSign, loadSigningIdentity, SigningIdentity } from '../../exports/signing';
import { verifyCms, verifyPdf, CmsCheck } from '../../exports/verify';
import { buildPaymentsWorkbook, buildScorecardWorkbook } from '../../exports/xlsx';
import { ApiError, badRequest, conflict, notFound } from '../errors';
import { errorFields, logger } from '../logging';
import { Joi, validate } from '../validate';
import { Actor, Ctx, iso, now, requireRole, SYSTEM } from './context';
import { loadVisibleBundle } from './contracts';
import { getPayments, getScorecard } from './assessment';
import { formatUnits } from './ledger';
import { loadTemplate } from './templates';
import { parseTrace } from './detection';

export const MIME = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  p7s: 'application/pkcs7-signature',
  zip: 'application/zip',
};

export function signingIdentity(ctx: Pick<Ctx, 'config'>): SigningIdentity {
  return loadSigningIdentity({
    p12Path: ctx.config.signingP12,
    p12Passphrase: ctx.config.signingP12Passphrase,
    dataDir: ctx.config.dataDir,
    bureauName: ctx.config.bureauName,
    production: ctx.config.env === 'production',
  });
}

function verifyUrl(ctx: Ctx): string {
  return `${ctx.config.publicUrl}/verify`;
}

/**
 * Reads a document's data in one snapshot: REPEATABLE READ on PostgreSQL (retried when a
 * concurrent write makes it fail to serialise, 40001), a deferred transaction on SQLite (a
 * read must not take the write lock every SQLite write transaction takes at its start).
 */
async function snapshot<T>(ctx: Ctx, fn: (t: Transaction) => Promise<T>): Promise<T> {
  if (ctx.db.dialect !== 'postgres') return ctx.db.sequelize.transaction({ type: Transaction.TYPES.DEFERRED }, fn);
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, fn);
    } catch (e) {
      const code = (e as { parent?: { code?: string } }).parent?.code;
      if (code !== '40001' || attempt >= 5) throw e;
    }
  }
}

async function userNames(ctx: Ctx, ids: (number | null | undefined)[], t: Transaction): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((x): x is number => typeof x === 'number' && x > 0))];
  if (!wanted.length) return new Map();
  const rows = (await ctx.db.models.User.findAll({ where: { id: { [Op.in]: wanted } }, raw: true, transaction: t })) as unknown as UserRow[];
  return new Map(rows.map((u) => [u.id, u.displayName || u.username]));
}

const OUTCOME: Record<string, string> = { open: '待处理', upheld: '维持扣分', withdrawn: '撤销扣分' };

function watermarkOf(status: PeriodRow['status']): string | null {
  if (status === 'signed' || status === 'locked') return null;
  return status === 'draft' ? '草稿' : '待签署';
}

/** The scorecard of a period as an export shows it (documentNumber filled in when issued). */
export async function scorecardDocument(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number): Promise<ScorecardDocument> {
  return snapshot(ctx, async (t) => {
    const sc = await getScorecard(ctx, actor, contractId, periodNumber, t); // vendors: 404 for drafts
    const bundle = await loadVisibleBundle(ctx, actor, contractId, t);
    const period = bundle.periods.find((p) => p.number === periodNumber) as PeriodRow;
    const template = await loadTemplate(ctx, period.templateVersion);
    const objections = (await ctx.db.models.Objection.findAll({
      where: { contractId, periodNumber },
      order: [['id', 'ASC']],
      raw: true,
      transaction: t,
    })) as unknown as ObjectionRow[];
    const objectedLines = (await ctx.db.models.LedgerLine.findAll({
      where: { id: { [Op.in]: objections.map((o) => o.lineId) } },
      raw: true,
      transaction: t,
    })) as unknown as LedgerLineRow[];
    const itemOfLine = new Map(objectedLines.map((l) => [l.id, l.itemNumber]));
    const names = await userNames(
      ctx,
      [period.signedBy, period.publishedBy, period.acknowledgedBy, ...objections.flatMap((o) => [o.filedBy, o.resolvedBy])],
      t,
    );
    const nameOf = (id: number | null | undefined) => (id ? names.get(id) ?? `用户 ${id}` : null);
    const itemName = new Map(template.items.map((i) => [i.number, i.name]));
    const obj: ScorecardObjectionRow[] = objections.map((o) => ({
      id: o.id,
      lineId: o.lineId,
      itemNumber: itemOfLine.get(o.lineId) ?? null,
      filedBy: nameOf(o.filedBy),
      filedAt: iso(o.createdAt) as string,
      reason: o.reason,
      status: o.status,
      outcome:
        o.status === 'reduced'
          ? `核减为 ${formatUnits(Number(o.resolvedUnits ?? 0))}（原 ${formatUnits(Number(o.originalUnits))}）`
          : OUTCOME[o.status] ?? o.status,
      resolution: o.resolutionReason ?? null,
      resolvedBy: nameOf(o.resolvedBy),
      resolvedAt: iso(o.resolvedAt),
    }));
    return {
      documentNumber: '',
      bureau: bundle.contract.bureau,
      contract: {
        id: bundle.contract.id,
        code: bundle.contract.code,
        name: bundle.contract.name,
        vendorName: bundle.vendor.name,
        totalAmount: formatYuan(BigInt(bundle.contract.totalAmountFen)),
        startDate: bundle.contract.startDate,
        endDate: bundle.contract.endDate,
      },
      period: { number: period.number, label: period.label, startDate: period.startDate, endDate: period.endDate, status: period.status },
      templateVersion: period.templateVersion,
      templateName: template.name,
      score: sc.score,
      maxPoints: sc.maxPoints,
      totalDeduction: sc.totalDeduction,
      interviewThreshold: sc.interviewThreshold,
      interviewRequired: sc.interviewRequired,
      categories: sc.categories.map((c) => ({ category: c.category, maxPoints: c.maxPoints, deduction: c.deduction, score: c.score })),
      items: sc.items.map((it) => {
        const def = template.items.find((d) => d.number === it.number);
        return {
          number: it.number,
          category: it.category,
          name: it.name,
          description: def?.description ?? '',
          maxPoints: it.maxPoints,
          criteria: def?.criteria ?? '',
          deduction: it.deduction,
          score: it.score,
          capped: it.capped,
          ratingMean: it.rated && it.ratingMean !== null && it.ratingMean !== undefined ? String(it.ratingMean) : null,
          ratingCount: it.ratingCount,
        };
      }),
      lines: sc.items.flatMap((it) =>
        it.lines.map((l) => ({
          id: l.id,
          itemNumber: it.number,
          itemName: itemName.get(it.number) ?? it.name,
          rule: l.rule ?? null,
          units: l.units,
          unit: findRule(template, it.number, l.rule).rule?.unit ?? '',
          points: l.points,
          reason: l.reason,
          occurredAt: l.occurredAt,
          evidence: l.evidence,
          source: l.source,
          trace: l.trace,
        })),
      ),
      objections: obj,
      signOff: {
        signedBy: nameOf(period.signedBy),
        signedAt: iso(period.signedAt),
        acknowledgedBy: nameOf(period.acknowledgedBy),
        acknowledgedAt: iso(period.acknowledgedAt),
        publishedBy: nameOf(period.publishedBy),
        publishedAt: iso(period.publishedAt),
        objectionDeadline: period.objectionDeadline ?? null,
      },
      issuedBy: actor.username,
      issuedAt: now(ctx).toISOString(),
      watermark: watermarkOf(period.status),
      verifyUrl: verifyUrl(ctx),
    };
  });
}

function paymentContract(p: Awaited<ReturnType<typeof getPayments>>, bundle: Awaited<ReturnType<typeof loadVisibleBundle>>, periodNumber: number | null): PaymentContract {
  const rows = p.installments.filter((i) => periodNumber === null || i.periods.includes(periodNumber));
  const payable = rows.reduce((s, i) => s + parseYuan(i.payable as string), 0n);
  return {
    id: bundle.contract.id,
    code: bundle.contract.code,
    name: bundle.contract.name,
    vendorName: bundle.vendor.name,
    totalAmount: p.totalAmount,
    pointRate: p.pointRate,
    installments: rows.map((i) => ({
      number: i.number,
      name: i.name,
      ratio: i.ratio,
      deductible: i.deductible,
      periods: i.periods,
      baseAmount: i.baseAmount,
      accumulatedDeduction: i.accumulatedDeduction as string,
      factor: i.factor as string,
      grossAmount: i.grossAmount as string,
      penalties: i.penalties,
      carriedIn: i.carriedIn as string,
      payable: i.payable as string,
      carriedOut: i.carriedOut as string,
      final: i.final,
      paymentStatus: i.paymentStatus,
    })),
    payable: formatYuan(payable),
  };
}

/** The payment workbook's content: one contract, or every contract of a bureau (optionally one period's installments). */
export async function paymentsDocument(
  ctx: Ctx,
  actor: Actor,
  scope: { contractId: number } | { bureau: string; periodNumber: number | null },
): Promise<PaymentsDocument> {
  requireRole(actor, 'admin', 'manager', 'finance');
  return snapshot(ctx, async (t) => {
    let ids: number[];
    let bureau: string;
    let title: string;
    const periodNumber = 'bureau' in scope ? scope.periodNumber : null;
    if ('contractId' in scope) {
      const b = await loadVisibleBundle(ctx, actor, scope.contractId, t);
      ids = [b.contract.id];
      bureau = b.contract.bureau;
      title = `合同 ${b.contract.code} 付款计算表`;
    } else {
      const rows = (await ctx.db.models.Contract.findAll({ where: { bureau: scope.bureau }, order: [['code', 'ASC']], raw: true, transaction: t })) as unknown as { id: number }[];
      if (!rows.length) throw notFound(`采购人“${scope.bureau}”没有合同`);
      ids = rows.map((r) => r.id);
      bureau = scope.bureau;
      title = `${scope.bureau} ${periodNumber ? `第 ${periodNumber} 期` : '全部合同'}付款计算表`;
    }
    const contracts: PaymentContract[] = [];
    for (const id of ids) {
      const bundle = await loadVisibleBundle(ctx, actor, id, t);
      const pay = await getPayments(ctx, actor, id, t);
      const c = paymentContract(pay, bundle, periodNumber);
      if (c.installments.length) contracts.push(c);
    }
    if (!contracts.length) throw notFound(`没有第 ${periodNumber} 期对应的付款`);
    return {
      documentNumber: '',
      bureau,
      title,
      periodNumber,
      contracts,
      payable: formatYuan(contracts.reduce((s, c) => s + parseYuan(c.payable), 0n)),
      issuedBy: actor.username,
      issuedAt: now(ctx).toISOString(),
      verifyUrl: verifyUrl(ctx),
    };
  });
}

// ---- the registry ----------------------------------------------------------------------

export interface IssuedExport {
  artifact: ExportArtifactRow;
  /** true when the registered bytes of an unchanged document were served again */
  reused: boolean;
}

interface IssueSpec {
  kind: ExportKind;
  subject: string;
  /** the document number without the version, e.g. SC-<code>-P3 */
  numberPrefix: string;
  contractId: number | null;
  periodNumber: number | null;
  periodStatus: string | null;
  bureau: string;
  title: string;
  fileName: (number: string) => string;
  mime: string;
  signed: boolean;
  digest: string;
  /** renders the bytes for the given number (and, when signed, the signature info) */
  render: (documentNumber: string, signature: SignatureInfo | null) => Promise<{ content: Buffer; signature: Buffer | null }>;
}

function fileSha(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

function rowOf(r: unknown): ExportArtifactRow {
  const a = r as ExportArtifactRow;
  // PostgreSQL gives Buffers, SQLite too; normalise booleans stored as 0/1
  return { ...a, signed: Boolean(a.signed) };
}

async function latestOf(ctx: Ctx, kind: ExportKind, subject: string): Promise<ExportArtifactRow | null> {
  const r = await ctx.db.models.ExportArtifact.findOne({ where: { kind, subject }, order: [['version', 'DESC']], raw: true });
  return r ? rowOf(r) : null;
}

/**
 * Serves the registered version when the content is unchanged, else registers a new one.
 * `build` reads the data afresh on every attempt: when another request registered a version
 * meanwhile (the unique version index refuses ours), the document is read again, so an older
 * reading never replaces a newer version.
 */
async function issue(ctx: Ctx, actor: Actor, build: () => Promise<IssueSpec>): Promise<IssuedExport> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const spec = await build();
    const latest = await latestOf(ctx, spec.kind, spec.subject);
    if (latest && latest.contentSha256 === spec.digest && latest.signed === spec.signed) return { artifact: latest, reused: true };
    const version = (latest?.version ?? 0) + 1;
    const documentNumber = `${spec.numberPrefix}-V${version}`;
    const id = spec.signed ? signingIdentity(ctx) : null;
    const signedAt = now(ctx);
    const sigInfo: SignatureInfo | null = id
      ? { signer: id.commonName, certificateSha256: id.certSha256, signedAt: signedAt.toISOString(), contentSha256: spec.digest }
      : null;
    const out = await spec.render(documentNumber, sigInfo);
    try {
      const row = await ctx.db.sequelize.transaction(async (t) => {
        const created = (await ctx.db.models.ExportArtifact.create(
          {
            documentNumber,
            kind: spec.kind,
            subject: spec.subject,
            version,
            contractId: spec.contractId,
            periodNumber: spec.periodNumber,
            bureau: spec.bureau,
            title: spec.title.slice(0, 300),
            periodStatus: spec.periodStatus,
            signed: spec.signed,
            contentSha256: spec.digest,
            fileSha256: fileSha(out.content),
            byteSize: out.content.length,
            fileName: spec.fileName(documentNumber),
            mime: spec.mime,
            content: out.content,
            signature: out.signature,
            signer: sigInfo?.signer ?? null,
            certificateSha256: sigInfo?.certificateSha256 ?? null,
            signedAt: sigInfo ? signedAt : null,
            issuedBy: actor.id || null,
            issuedByName: actor.username,
            issuedAt: signedAt,
          },
          { transaction: t },
        )).get({ plain: true }) as ExportArtifactRow;
        if (latest) {
          await ctx.db.models.ExportArtifact.update(
            { supersededBy: created.id, supersededAt: signedAt },
            { where: { id: latest.id }, transaction: t },
          );
        }
        return created;
      });
      return { artifact: rowOf(row), reused: false };
    } catch (e) {
      // another request issued this version at the same moment: look again
      if (e instanceof UniqueConstraintError) continue;
      throw e;
    }
  }
  throw conflict('导出文件正被同时生成，请稍后重试');
}

function safeName(s: string): string {
  return s.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
}

async function signPdfBytes(ctx: Ctx, pdf: Buffer, at: Date): Promise<Buffer> {
  return signpdf.sign(pdf, new BureauSigner(signingIdentity(ctx)), at);
}

/** What the PDF and the workbook of a period's scorecard have in common in the registry. */
function scorecardSpec(doc: ScorecardDocument, kind: 'scorecard_pdf' | 'scorecard_xlsx') {
  const signed = doc.watermark === null;
  const ext = kind === 'scorecard_pdf' ? 'pdf' : 'xlsx';
  return {
    kind,
    subject: `contract:${doc.contract.id}:period:${doc.period.number}`,
    numberPrefix: `${kind === 'scorecard_pdf' ? 'SC' : 'SX'}-${doc.contract.code}-P${doc.period.number}`,
    contractId: doc.contract.id,
    periodNumber: doc.period.number,
    periodStatus: doc.period.status,
    bureau: doc.bureau,
    title: `${doc.contract.name} 服务质量情况表（${doc.period.label}）`,
    fileName: (n: string) => safeName(`服务质量情况表-${n}${signed ? '' : '-未签署'}.${ext}`),
    mime: MIME[ext],
    signed,
    digest: contentDigest(doc),
  };
}

/** Issues (or serves again) the PDF scorecard of a period: signed when the period is signed. */
export async function scorecardPdf(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number): Promise<IssuedExport> {
  const font = resolveCjkFont(ctx.config.cjkFont);
  return issue(ctx, actor, async () => {
    const doc = await scorecardDocument(ctx, actor, contractId, periodNumber);
    return {
      ...scorecardSpec(doc, 'scorecard_pdf'),
      render: async (documentNumber, signature) => {
        const d = { ...doc, documentNumber };
        if (!signature) return { content: await renderScorecardPdf(d, { font, signature: null }), signature: null };
        const unsigned = await renderScorecardPdf(d, {
          font,
          signature,
          placeholder: { reason: `${d.period.label}服务质量考核结果签署`, name: signature.signer, location: d.bureau, contactInfo: d.verifyUrl },
        });
        return { content: await signPdfBytes(ctx, unsigned, new Date(signature.signedAt)), signature: null };
      },
    };
  });
}

/** Issues (or serves again) the scorecard workbook; signed (.p7s) when the period is signed. */
export async function scorecardXlsx(ctx: Ctx, actor: Actor, contractId: number, periodNumber: number): Promise<IssuedExport> {
  return issue(ctx, actor, async () => {
    const doc = await scorecardDocument(ctx, actor, contractId, periodNumber);
    return {
      ...scorecardSpec(doc, 'scorecard_xlsx'),
      render: async (documentNumber, signature) => {
        const content = await buildScorecardWorkbook({ ...doc, documentNumber }, { signature, spinCount: ctx.config.sheetProtectionSpinCount });
        return { content, signature: signature ? cmsSign(signingIdentity(ctx), content, new Date(signature.signedAt)) : null };
      },
    };
  });
}

const bureauKey = (bureau: string) => crypto.createHash('sha256').update(bureau).digest('hex').slice(0, 8).toUpperCase();

type PaymentsScope = { contractId: number } | { bureau: string; periodNumber: number | null };

/** Where a payment workbook belongs in the registry. */
function paymentsSubject(scope: PaymentsScope): string {
  return 'contractId' in scope ? `contract:${scope.contractId}` : `bureau:${scope.bureau}${scope.periodNumber ? `:period:${scope.periodNumber}` : ''}`;
}

/** Issues (or serves again) a payment workbook, always with its .p7s (rows say which figures are final). */
export async function paymentsXlsx(ctx: Ctx, actor: Actor, scope: PaymentsScope): Promise<IssuedExport> {
  const single = 'contractId' in scope;
  return issue(ctx, actor, async () => {
    const doc = await paymentsDocument(ctx, actor, scope);
    return {
      kind: 'payments_xlsx',
      subject: paymentsSubject(scope),
      numberPrefix: single ? `PAY-${doc.contracts[0].code}` : `PAYB-${bureauKey(scope.bureau)}${scope.periodNumber ? `-P${scope.periodNumber}` : ''}`,
      contractId: single ? scope.contractId : null,
      periodNumber: single ? null : scope.periodNumber,
      periodStatus: null,
      bureau: doc.bureau,
      title: doc.title,
      fileName: (n: string) => safeName(`付款计算表-${n}.xlsx`),
      mime: MIME.xlsx,
      signed: true,
      digest: contentDigest(doc),
      render: async (documentNumber: string, signature: SignatureInfo | null) => {
        const content = await buildPaymentsWorkbook({ ...doc, documentNumber }, { signature, spinCount: ctx.config.sheetProtectionSpinCount });
        return { content, signature: cmsSign(signingIdentity(ctx), content, new Date((signature as SignatureInfo).signedAt)) };
      },
    };
  });
}

/** The detached signature of a workbook, as the .p7s download beside it. */
export function p7sOf(issued: IssuedExport): { fileName: string; content: Buffer } {
  const a = issued.artifact;
  if (!a.signature) {
    throw new ApiError(409, 'not_signed', '该考核期尚未签署：未签署的工作簿不附数字签名（.p7s），签署后再导出');
  }
  return { fileName: `${a.fileName}.p7s`, content: Buffer.from(a.signature) };
}

export function serializeArtifact(a: ExportArtifactRow) {
  return {
    id: a.id,
    documentNumber: a.documentNumber,
    kind: a.kind,
    version: a.version,
    title: a.title,
    bureau: a.bureau,
    contractId: a.contractId,
    periodNumber: a.periodNumber,
    periodStatus: a.periodStatus,
    signed: a.signed,
    fileName: a.fileName,
    fileSha256: a.fileSha256,
    contentSha256: a.contentSha256,
    byteSize: a.byteSize,
    signer: a.signer,
    certificateSha256: a.certificateSha256,
    signedAt: iso(a.signedAt),
    issuedBy: a.issuedByName,
    issuedAt: iso(a.issuedAt),
    supersededBy: a.supersededBy,
    supersededAt: iso(a.supersededAt),
  };
}

const listSchema = Joi.object({
  contractId: Joi.number().integer().min(1),
  period: Joi.number().integer().min(1).max(1000),
  limit: Joi.number().integer().min(1).max(500).default(100),
});

/** The registry, newest first: what was issued for a contract (vendors: their own contracts). */
export async function listArtifacts(ctx: Ctx, actor: Actor, query: unknown) {
  const q = validate<{ contractId?: number; period?: number; limit: number }>(listSchema, query ?? {});
  const where: Record<string, unknown> = {};
  if (q.contractId) {
    await loadVisibleBundle(ctx, actor, q.contractId);
    where.contractId = q.contractId;
  } else if (actor.role === 'vendor') {
    const own = (await ctx.db.models.Contract.findAll({ where: { vendorId: actor.vendorId ?? -1 }, attributes: ['id'], raw: true })) as unknown as { id: number }[];
    where.contractId = { [Op.in]: own.map((c) => c.id) };
  }
  if (q.period) where.periodNumber = q.period;
  if (actor.role === 'vendor') {
    where.kind = { [Op.ne]: 'payments_xlsx' };
    where.periodStatus = { [Op.ne]: 'draft' };
  }
  const rows = await ctx.db.models.ExportArtifact.findAll({
    where,
    attributes: { exclude: ['content', 'signature'] },
    order: [['id', 'DESC']],
    limit: q.limit,
    raw: true,
  });
  return rows.map((r) => serializeArtifact(rowOf(r)));
}

const paymentsQuerySchema = Joi.object({
  bureau: Joi.string().trim().min(1).max(200).required(),
  period: Joi.number().integer().min(1).max(1000),
});

export function paymentsQuery(query: unknown): { bureau: string; period?: number } {
  return validate<{ bureau: string; period?: number }>(paymentsQuerySchema, query ?? {});
}

/** A registered export by id, exactly as issued (any version), for someone who may see it. */
export async function openArtifact(ctx: Ctx, actor: Actor, id: number): Promise<IssuedExport> {
  const r = await ctx.db.models.ExportArtifact.findByPk(id, { raw: true });
  if (!r) throw notFound('导出文件不存在');
  const a = rowOf(r);
  // a vendor is answered as if it did not exist (no telling payment workbooks apart by status)
  if (a.kind === 'payments_xlsx' && actor.role === 'vendor') throw notFound('导出文件不存在');
  if (a.contractId) {
    await loadVisibleBundle(ctx, actor, a.contractId);
    if (actor.role === 'vendor' && a.periodStatus === 'draft') throw notFound('导出文件不存在');
  } else if (actor.role === 'vendor') {
    throw notFound('导出文件不存在');
  }
  return { artifact: a, reused: true };
}

// ---- verification ------------------------------------------------------------------------

export type VerifyResult = 'authentic' | 'unsigned' | 'tampered' | 'unknown';

/** What /verify tells anyone about a registered document whose exact bytes they uploaded. */
function publicDocument(a: ExportArtifactRow) {
  return {
    documentNumber: a.documentNumber,
    kind: a.kind,
    version: a.version,
    title: a.title,
    bureau: a.bureau,
    periodNumber: a.periodNumber,
    periodStatus: a.periodStatus,
    signed: a.signed,
    signer: a.signer,
    certificateSha256: a.certificateSha256,
    signedAt: iso(a.signedAt),
    issuedAt: iso(a.issuedAt),
    fileSha256: a.fileSha256,
  };
}

export interface VerifyAnswer {
  result: VerifyResult;
  /** the file is a registered export whose signature checks */
  authentic: boolean;
  /** …and nothing has replaced it: no later version, and the data still give the same content */
  latest: boolean;
  /** one sentence for the user, in Chinese */
  message: string;
  fileSha256: string;
  kind: 'pdf' | 'xlsx';
  /** the registered document: only when the uploaded bytes are exactly a registered export */
  document: ReturnType<typeof publicDocument> | null;
  /** the document number the file (or its signature) claims, unverified; nothing else is said about it */
  claimedNumber: string | null;
  /** the newest version of the same document when a later one replaced it */
  replacedBy: { documentNumber: string; issuedAt: string | null } | null;
  /** the data changed after the export (e.g. the period was reopened) and no newer export exists yet */
  outdated: boolean;
  signature: CmsCheck | null;
}

async function artifactByFileHash(ctx: Ctx, sha: string): Promise<ExportArtifactRow | null> {
  const r = await ctx.db.models.ExportArtifact.findOne({ where: { fileSha256: sha }, attributes: { exclude: ['content'] }, order: [['id', 'DESC']], raw: true });
  return r ? rowOf(r) : null;
}

async function newestReplacement(ctx: Ctx, a: ExportArtifactRow): Promise<VerifyAnswer['replacedBy']> {
  if (!a.supersededBy) return null;
  const newest = (await ctx.db.models.ExportArtifact.findOne({
    where: { kind: a.kind, subject: a.subject },
    attributes: ['documentNumber', 'issuedAt'],
    order: [['version', 'DESC']],
    raw: true,
  })) as unknown as { documentNumber: string; issuedAt: Date } | null;
  return newest ? { documentNumber: newest.documentNumber, issuedAt: iso(newest.issuedAt) } : null;
}

/**
 * Whether the data still give the content a registered export has: it may have changed since
 * (a period reopened, re-signed, a payment figure moved) without anyone exporting it again.
 */
async function stillCurrent(ctx: Ctx, a: ExportArtifactRow): Promise<boolean> {
  try {
    const scorecard = /^contract:(\d+):period:(\d+)$/.exec(a.subject);
    if (a.kind !== 'payments_xlsx' && scorecard) {
      return contentDigest(await scorecardDocument(ctx, SYSTEM, Number(scorecard[1]), Number(scorecard[2]))) === a.contentSha256;
    }
    const contract = /^contract:(\d+)$/.exec(a.subject);
    const bureau = /^bureau:(.*?)(?::period:(\d+))?$/.exec(a.subject);
    const scope: PaymentsScope | null = contract
      ? { contractId: Number(contract[1]) }
      : bureau
        ? { bureau: bureau[1], periodNumber: bureau[2] ? Number(bureau[2]) : null }
        : null;
    if (!scope) return false;
    return contentDigest(await paymentsDocument(ctx, SYSTEM, scope)) === a.contentSha256;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return false; // the contract or period is gone
    throw e;
  }
}

/** The answer for the exact bytes of a signed registered export. */
async function authenticAnswer(ctx: Ctx, a: ExportArtifactRow, kind: 'pdf' | 'xlsx', signature: CmsCheck, note = ''): Promise<VerifyAnswer> {
  const replacedBy = await newestReplacement(ctx, a);
  const outdated = !replacedBy && !(await stillCurrent(ctx, a));
  const message = replacedBy
    ? `真实有效：这是 ${a.documentNumber}，但已被新版本 ${replacedBy.documentNumber} 取代，请以新版本为准`
    : outdated
      ? `签章真实：这是 ${a.documentNumber}，但签发后数据已变更（如考核期被重新打开或重新签署），它已不是最新结果，请以系统中的最新版本为准`
      : `真实有效：这是 ${a.documentNumber}，为最新版本`;
  return {
    result: 'authentic',
    authentic: true,
    latest: !replacedBy && !outdated,
    message: message + note,
    fileSha256: a.fileSha256,
    kind,
    document: publicDocument(a),
    claimedNumber: a.documentNumber,
    replacedBy,
    outdated,
    signature,
  };
}

function otherAnswer(result: VerifyResult, message: string, sha: string, kind: 'pdf' | 'xlsx', signature: CmsCheck | null, claimedNumber: string | null = null, document: ExportArtifactRow | null = null): VerifyAnswer {
  return {
    result,
    authentic: false,
    latest: false,
    message,
    fileSha256: sha,
    kind,
    document: document ? publicDocument(document) : null,
    claimedNumber,
    replacedBy: null,
    outdated: false,
    signature,
  };
}

/** The document number a PDF claims (its Info /Subject): read, never trusted. */
function claimedPdfNumber(pdf: Buffer): string | null {
  const text = pdf.toString('latin1');
  const literal = /\/Subject\s*\(([A-Za-z0-9_.\-]{3,120})\)/.exec(text);
  if (literal) return literal[1];
  // pdfkit writes the Info values as indirect objects: /Subject 25 0 R … 25 0 obj (…)
  const ref = /\/Subject\s+(\d+)\s+0\s+R/.exec(text);
  if (!ref) return null;
  const obj = new RegExp(`(?:^|\\s)${ref[1]}\\s+0\\s+obj\\s*\\(([A-Za-z0-9_.\\-]{3,120})\\)`).exec(text);
  return obj ? obj[1] : null;
}

/** Largest upload /verify accepts (our exports are far smaller). */
export const MAX_VERIFY_BYTES = 20 * 1024 * 1024;

/**
 * Says whether an uploaded PDF, or an XLSX with its .p7s, is a document this system issued,
 * unaltered, and whether it is still the latest. Public: anyone holding the file may ask, so
 * it says something about a registered document only when the uploaded bytes are exactly it,
 * and never unpacks an uploaded workbook (the bytes' hash and the signature are enough).
 */
export async function verifyUpload(ctx: Ctx, file: Buffer | undefined, p7s?: Buffer): Promise<VerifyAnswer> {
  if (!file || file.length === 0) throw badRequest('请选择要验证的文件（PDF，或 XLSX 及其 .p7s 签名文件）', [{ path: 'file', message: '缺少文件' }]);
  if (file.length > MAX_VERIFY_BYTES) throw badRequest('文件超过 20 MB，不是本系统导出的文件', [{ path: 'file', message: '文件过大' }]);
  const isPdf = file.subarray(0, 5).toString('latin1') === '%PDF-';
  const isZip = file[0] === 0x50 && file[1] === 0x4b;
  if (!isPdf && !isZip) throw badRequest('只能验证本系统导出的 PDF 或 XLSX 文件', [{ path: 'file', message: '文件类型不支持' }]);
  const sha = fileSha(file);
  const ours = signingIdentity(ctx).certSha256;
  const registered = await artifactByFileHash(ctx, sha);
  const unsignedNote = (a: ExportArtifactRow) =>
    `文件与系统登记的 ${a.documentNumber} 一致，但它是未经签署的${a.periodStatus === 'draft' ? '草稿' : '待签署稿'}，不作为正式依据`;

  if (isPdf) {
    const check = verifyPdf(file);
    const signature = check.signed ? check : null;
    if (registered && !registered.signed) return otherAnswer('unsigned', unsignedNote(registered), sha, 'pdf', signature, registered.documentNumber, registered);
    if (registered && check.valid && check.certificateSha256 === registered.certificateSha256) return authenticAnswer(ctx, registered, 'pdf', check);
    if (check.signed && !check.valid) {
      const claimed = claimedPdfNumber(file);
      return otherAnswer('tampered', `文件已被篡改：${check.problem}${claimed ? `（文件自称是 ${claimed}）` : ''}`, sha, 'pdf', signature, claimed);
    }
    if (check.signed) {
      return otherAnswer('unknown', check.certificateSha256 === ours ? '签名有效，但系统中没有登记这个文件' : '文件的签名不是本系统的签章证书所签', sha, 'pdf', signature);
    }
    return otherAnswer('unknown', '文件没有数字签名，系统中也没有登记：不是本系统导出的文件', sha, 'pdf', null);
  }

  // XLSX: the exact bytes in the registry, and the detached signature over them
  if (registered && !registered.signed) return otherAnswer('unsigned', unsignedNote(registered), sha, 'xlsx', null, registered.documentNumber, registered);
  if (!p7s || p7s.length === 0) {
    throw badRequest('验证 XLSX 需要同时上传随附的 .p7s 签名文件', [{ path: 'signature', message: '缺少 .p7s 签名文件' }]);
  }
  const check = verifyCms(file, p7s);
  if (registered && check.valid && check.certificateSha256 === registered.certificateSha256) return authenticAnswer(ctx, registered, 'xlsx', check);
  if (registered && registered.signature) {
    // the bytes are a registered, signed workbook, but the .p7s given is another file's:
    // its own stored signature answers, and the user is told which .p7s to use
    const stored = verifyCms(file, Buffer.from(registered.signature));
    if (stored.valid) return authenticAnswer(ctx, registered, 'xlsx', stored, '（上传的 .p7s 不属于此文件：请使用与它一同下载的签名文件，或在导出登记中下载）');
  }
  // the signature names the bytes it was made for: which document that is (its number only)
  const signedFor = check.signedDigest ? await artifactByFileHash(ctx, check.signedDigest) : null;
  if (!check.valid) {
    return otherAnswer(
      'tampered',
      `文件与签名不符，已被篡改或不是同一份文件：${check.problem}${signedFor ? `（签名属于 ${signedFor.documentNumber}）` : ''}`,
      sha,
      'xlsx',
      check,
      signedFor?.documentNumber ?? null,
    );
  }
  return otherAnswer('unknown', check.certificateSha256 === ours ? '签名有效，但系统中没有登记这个文件' : '文件的签名不是本系统的签章证书所签', sha, 'xlsx', check);
}

// ---- batch export (one bureau, one period, one ZIP) ----------------------------------------

const batchSchema = Joi.object({
  bureau: Joi.string().trim().min(1).max(200).required(),
  period: Joi.number().integer().min(1).max(1000).required(),
});

interface BatchEntry {
  artifactId: number;
  path: string;
}

async function bureauContracts(ctx: Ctx, bureau: string): Promise<{ id: number; code: string }[]> {
  return (await ctx.db.models.Contract.findAll({ where: { bureau }, attributes: ['id', 'code'], order: [['code', 'ASC']], raw: true })) as unknown as { id: number; code: string }[];
}

/** The distinct bureaus (采购人) with contracts, for the batch form. */
export async function listBureaus(ctx: Ctx, actor: Actor): Promise<string[]> {
  requireRole(actor, 'admin', 'manager', 'finance');
  const rows = (await ctx.db.models.Contract.findAll({ attributes: ['bureau'], group: ['bureau'], order: [['bureau', 'ASC']], raw: true })) as unknown as { bureau: string }[];
  return rows.map((r) => r.bureau);
}

/**
 * Issues every document of a bureau's period, contract by contract, calling `onEntry` with
 * each registered artifact as soon as it exists (so a ZIP can stream while the rest renders)
 * and `onProgress` after each contract.
 */
async function produceBatch(
  ctx: Ctx,
  actor: Actor,
  bureau: string,
  periodNumber: number,
  onEntry: (entry: BatchEntry, artifact: ExportArtifactRow) => Promise<void> | void,
  onProgress: (done: number, total: number, message: string) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<{ skipped: string[] }> {
  const contracts = await bureauContracts(ctx, bureau);
  if (!contracts.length) throw notFound(`采购人“${bureau}”没有合同`);
  const skipped: string[] = [];
  const total = contracts.length + 1;
  let done = 0;
  const folders = new Set<string>();
  for (const c of contracts) {
    if (signal?.aborted) throw new Error('batch export cancelled: the download was abandoned');
    // one folder per contract: its code made safe for a file name ("." and ".." are not names),
    // with the contract id when two codes come out the same
    let dir = safeName(c.code).replace(/^\.+$/, '_');
    if (folders.has(dir)) dir = `${dir}-${c.id}`;
    folders.add(dir);
    try {
      const pdf = await scorecardPdf(ctx, actor, c.id, periodNumber);
      await onEntry({ artifactId: pdf.artifact.id, path: `${dir}/${pdf.artifact.fileName}` }, pdf.artifact);
      const xlsx = await scorecardXlsx(ctx, actor, c.id, periodNumber);
      await onEntry({ artifactId: xlsx.artifact.id, path: `${dir}/${xlsx.artifact.fileName}` }, xlsx.artifact);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
      skipped.push(`${c.code}：${e.message}`);
    }
    done++;
    await onProgress(done, total, `已完成 ${c.code}（${done}/${contracts.length} 份合同）`);
  }
  try {
    const pay = await paymentsXlsx(ctx, actor, { bureau, periodNumber });
    await onEntry({ artifactId: pay.artifact.id, path: pay.artifact.fileName }, pay.artifact);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    skipped.push(`付款计算表：${e.message}`);
  }
  await onProgress(total, total, '全部文件已生成');
  return { skipped };
}

interface ManifestFile {
  path: string;
  documentNumber: string;
  signed: boolean;
  sha256: string;
  bytes: number;
  signature: string | null;
}

function manifestOf(bureau: string, periodNumber: number, files: ManifestFile[], skipped: string[], verify: string) {
  return { bureau, period: periodNumber, generatedAt: new Date().toISOString(), verifyUrl: verify, files, skipped };
}

/** Adds a registered file (and its .p7s) to the ZIP; keeps only what the manifest says of it. */
function appendArtifact(zip: archiver.Archiver, entry: BatchEntry, a: ExportArtifactRow): ManifestFile {
  const bytes = (b: Buffer | Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b));
  zip.append(bytes(a.content), { name: entry.path, date: a.issuedAt });
  if (a.signature) zip.append(bytes(a.signature), { name: `${entry.path}.p7s`, date: a.issuedAt });
  return {
    path: entry.path,
    documentNumber: a.documentNumber,
    signed: a.signed,
    sha256: a.fileSha256,
    bytes: a.byteSize,
    signature: a.signature ? `${entry.path}.p7s` : null,
  };
}

/**
 * Streams the ZIP of a bureau's period while the documents are produced (for API clients).
 * Errors after the first byte can only abort the stream.
 */
export function streamBatchZip(ctx: Ctx, actor: Actor, query: unknown): { fileName: string; stream: Readable; done: Promise<void>; abort: () => void } {
  requireRole(actor, 'admin', 'manager', 'finance');
  const q = validate<{ bureau: string; period: number }>(batchSchema, query);
  const zip = archiver('zip', { zlib: { level: 6 } });
  const out = new PassThrough();
  zip.pipe(out);
  const files: ManifestFile[] = [];
  const cancel = new AbortController();
  const done = (async () => {
    const { skipped } = await produceBatch(ctx, actor, q.bureau, q.period, (entry, artifact) => {
      files.push(appendArtifact(zip, entry, artifact));
    }, () => undefined, cancel.signal);
    zip.append(JSON.stringify(manifestOf(q.bureau, q.period, files, skipped, verifyUrl(ctx)), null, 2), { name: 'manifest.json' });
    await zip.finalize();
  })();
  // the caller listens on `done` (and on the stream once piping)
  done.catch((e) => {
    zip.abort();
    out.destroy(e as Error);
  });
  return { fileName: safeName(`考核结果-${q.bureau}-第${q.period}期.zip`), stream: out, done, abort: () => cancel.abort() };
}

/** The batch row's entries column: the files so far and the contracts left out (with why). */
function batchContents(b: ExportBatchRow): { files: BatchEntry[]; skipped: string[] } {
  return b.entries ? (JSON.parse(b.entries) as { files: BatchEntry[]; skipped: string[] }) : { files: [], skipped: [] };
}

export function serializeBatch(b: ExportBatchRow) {
  return {
    id: b.id,
    bureau: b.bureau,
    period: b.periodNumber,
    state: b.state,
    done: b.done,
    total: b.total,
    message: b.message,
    files: batchContents(b).files.length,
    skipped: batchContents(b).skipped,
    createdAt: iso(b.createdAt),
    finishedAt: iso(b.finishedAt),
  };
}

/** Starts a batch in the background (progress in the database: any instance can show it). */
export async function startBatch(ctx: Ctx, actor: Actor, body: unknown) {
  requireRole(actor, 'admin', 'manager', 'finance');
  const q = validate<{ bureau: string; period: number }>(batchSchema, body);
  const contracts = await bureauContracts(ctx, q.bureau);
  if (!contracts.length) throw notFound(`采购人“${q.bureau}”没有合同`);
  const { ExportBatch } = ctx.db.models;
  const row = (await ExportBatch.create({
    userId: actor.id,
    bureau: q.bureau,
    periodNumber: q.period,
    state: 'running',
    done: 0,
    total: contracts.length + 1,
    message: '正在生成…',
    startedAt: now(ctx),
  })).get({ plain: true }) as ExportBatchRow;
  const entries: BatchEntry[] = [];
  const run = produceBatch(
    ctx,
    actor,
    q.bureau,
    q.period,
    (entry) => void entries.push(entry),
    async (done, total, message) => {
      await ExportBatch.update({ done, total, message, entries: JSON.stringify({ files: entries, skipped: [] }) }, { where: { id: row.id } });
    },
  ).then(
    async ({ skipped }) => {
      const message = `已生成 ${entries.length} 个文件${skipped.length ? `；跳过：${skipped.join('；')}` : ''}`;
      await ExportBatch.update({ state: 'done', entries: JSON.stringify({ files: entries, skipped }), message, finishedAt: new Date() }, { where: { id: row.id } });
    },
    async (e) => {
      logger.error('batch export failed', { batch: row.id, ...errorFields(e) });
      await ExportBatch.update(
        { state: 'failed', message: e instanceof ApiError ? e.message : '生成失败，请重试或联系管理员', finishedAt: new Date() },
        { where: { id: row.id } },
      ).catch(() => undefined);
    },
  );
  // a failure to record the outcome must not become an unhandled rejection (it would end the process)
  const tracked = run.catch((e) => {
    logger.error('batch export state not recorded', { batch: row.id, ...errorFields(e) });
  });
  pendingBatches.add(tracked);
  void tracked.finally(() => pendingBatches.delete(tracked));
  return serializeBatch(row);
}

/** Batches running in this process (tests and shutdown wait for them). */
export const pendingBatches = new Set<Promise<void>>();

/** A running batch whose progress has not moved for this long was interrupted (its process ended). */
const BATCH_STALL_MS = 2 * 60 * 1000;

export async function getBatch(ctx: Ctx, actor: Actor, id: number) {
  requireRole(actor, 'admin', 'manager', 'finance');
  const row = (await ctx.db.models.ExportBatch.findByPk(id, { raw: true })) as unknown as ExportBatchRow | null;
  if (!row || (row.userId !== actor.id && actor.role !== 'admin')) throw notFound('导出任务不存在');
  // progress is written after every contract (each takes well under a second): a batch that
  // has not moved for minutes lost its process (a restart, a crash) and will not finish
  if (row.state === 'running' && Date.now() - new Date(row.updatedAt).getTime() > BATCH_STALL_MS) {
    const message = '导出中断（服务重启或出错），请重新开始';
    await ctx.db.models.ExportBatch.update({ state: 'failed', message, finishedAt: new Date() }, { where: { id: row.id, state: 'running' } });
    return { ...row, state: 'failed' as const, message };
  }
  return row;
}

/** Streams a finished batch's ZIP from the registered bytes. */
export async function batchZip(ctx: Ctx, actor: Actor, id: number): Promise<{ fileName: string; stream: Readable }> {
  const row = await getBatch(ctx, actor, id);
  if (row.state !== 'done') throw conflict(row.state === 'failed' ? `导出失败：${row.message ?? ''}` : '导出尚未完成，请稍候');
  const { files: list, skipped } = batchContents(row);
  const zip = archiver('zip', { zlib: { level: 6 } });
  const out = new PassThrough();
  zip.pipe(out);
  void (async () => {
    const files: ManifestFile[] = [];
    for (const entry of list) {
      const a = await ctx.db.models.ExportArtifact.findByPk(entry.artifactId, { raw: true });
      if (!a) throw new Error(`export ${entry.artifactId} of batch ${row.id} is missing`);
      files.push(appendArtifact(zip, entry, rowOf(a)));
    }
    zip.append(JSON.stringify(manifestOf(row.bureau, row.periodNumber, files, skipped, verifyUrl(ctx)), null, 2), { name: 'manifest.json' });
    await zip.finalize();
  })().catch((e) => {
    zip.abort();
    out.destroy(e as Error);
  });
  return { fileName: safeName(`考核结果-${row.bureau}-第${row.periodNumber}期.zip`), stream: out };
}
