// Contracts: terms, generated periods, installments and the penalty-clause catalogue.
import { Op, Transaction } from 'sequelize';
import { ContractRow, InstallmentRow, PenaltyClauseRow, PenaltyRow, PeriodRow, VendorRow } from '../../models';
import { add, formatExact, formatPoints, formatYuan, isDecimal, parseDecimal, parsePoints, parseYuan, cmp, ONE, ZERO } from '../../scoring/decimal';
import { ratiosSumToOne } from '../../scoring/payments';
import { DEFAULT_PENALTY_CLAUSES, PenaltyClause, validateClause } from '../../scoring/penalties';
import { generatePeriods, PeriodScheme } from '../../scoring/periods';
import { badRequest, conflict, invalidField, notFound, ErrorDetail } from '../errors';
import { dateText, decimalText, Joi, validate } from '../validate';
import { Actor, assertContractVisible, audit, big, bool, Ctx, iso, now, requireRole } from './context';
import { zoneOffsets } from '../../scoring/timezone';
import { latestTemplateVersion, loadTemplate } from './templates';

export interface ContractBundle {
  contract: ContractRow;
  vendor: VendorRow;
  periods: PeriodRow[];
  installments: InstallmentRow[];
  clauses: PenaltyClauseRow[];
}

const installmentSchema = Joi.object({
  name: Joi.string().trim().min(1).max(100).required(),
  ratio: decimalText(6).required(),
  deductible: Joi.boolean().required(),
  periods: Joi.array().items(Joi.number().integer().min(1)).unique().default([]),
});

const clauseSchema = Joi.object({
  code: Joi.string().trim().min(1).max(64).pattern(/^[A-Za-z0-9_.-]+$/, '字母、数字、_ . -').required(),
  name: Joi.string().trim().min(1).max(200).required(),
  kind: Joi.string().valid('percent_range', 'per_day', 'per_violation', 'fixed').required(),
  minPercent: decimalText(6).allow(null),
  maxPercent: decimalText(6).allow(null),
  ratePercent: decimalText(6).allow(null),
  amount: decimalText(2).allow(null),
  basis: Joi.string().trim().max(1000).allow('', null),
});

const createSchema = Joi.object({
  code: Joi.string().trim().min(1).max(64).required(),
  name: Joi.string().trim().min(1).max(300).required(),
  bureau: Joi.string().trim().min(1).max(200),
  vendorId: Joi.number().integer().min(1).required(),
  systems: Joi.array().items(Joi.string().trim().min(1).max(200)).max(100).unique().default([]),
  totalAmount: decimalText(2).required(),
  startDate: dateText().required(),
  endDate: dateText().required(),
  timeZone: Joi.string().trim().max(64).default('Asia/Shanghai'),
  templateVersion: Joi.number().integer().min(1),
  periodScheme: Joi.string().valid('contract_quarters', 'calendar_quarters').default('contract_quarters'),
  pointRate: decimalText(6).default('0.008'),
  interviewThreshold: decimalText(2).default('95'),
  interviewsBeforeTermination: Joi.number().integer().min(0).max(20).default(2),
  objectionWindowDays: Joi.number().integer().min(1).max(60).default(5),
  managerId: Joi.number().integer().min(1).allow(null),
  installments: Joi.array().items(installmentSchema).min(1).max(24).required(),
  penaltyClauses: Joi.array().items(clauseSchema).max(100).unique('code'),
});

interface CreateContractInput {
  code: string;
  name: string;
  bureau?: string;
  vendorId: number;
  systems: string[];
  totalAmount: string;
  startDate: string;
  endDate: string;
  timeZone: string;
  templateVersion?: number;
  periodScheme: PeriodScheme;
  pointRate: string;
  interviewThreshold: string;
  interviewsBeforeTermination: number;
  objectionWindowDays: number;
  managerId?: number | null;
  installments: { name: string; ratio: string; deductible: boolean; periods: number[] }[];
  penaltyClauses?: PenaltyClause[];
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export async function createContract(ctx: Ctx, actor: Actor, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<CreateContractInput>(createSchema, body);
  const issues: ErrorDetail[] = [];
  const { Vendor, Contract, Period, Installment, PenaltyClause: Clause } = ctx.db.models;

  const totalFen = parseYuan(input.totalAmount);
  if (totalFen <= 0n) issues.push({ path: 'totalAmount', message: '合同总金额必须大于 0' });
  if (totalFen > 10n ** 15n) issues.push({ path: 'totalAmount', message: '合同总金额超出范围' });
  if (input.endDate < input.startDate) issues.push({ path: 'endDate', message: '结束日期不能早于开始日期' });
  if (!isTimeZone(input.timeZone)) issues.push({ path: 'timeZone', message: `未知的时区 ${input.timeZone}` });
  const rate = parseDecimal(input.pointRate);
  if (cmp(rate, ONE) > 0) issues.push({ path: 'pointRate', message: '每分扣减比例不能大于 1' });
  const threshold = parsePoints(input.interviewThreshold);
  if (threshold > 10000) issues.push({ path: 'interviewThreshold', message: '约谈分数线不能高于 100' });
  const tenYearsOn = `${Number(input.startDate.slice(0, 4)) + 10}${input.startDate.slice(4)}`;
  if (input.endDate >= tenYearsOn) issues.push({ path: 'endDate', message: '合同期限不能超过 10 年' });
  if (issues.length) throw badRequest(issues[0].message, issues);

  const periods = generatePeriods(input.startDate, input.endDate, input.periodScheme);
  checkInstallments(input.installments, periods.length, issues);
  const clauses = input.penaltyClauses ?? DEFAULT_PENALTY_CLAUSES;
  clauses.forEach((c, i) => issues.push(...validateClause(c, `penaltyClauses[${i}]`)));
  if (issues.length) throw badRequest(issues[0].message, issues);

  const templateVersion = input.templateVersion ?? (await latestTemplateVersion(ctx));
  await loadTemplate(ctx, templateVersion).catch(() => {
    throw invalidField('templateVersion', `质量表第 ${templateVersion} 版不存在`);
  });
  if (!(await Vendor.findByPk(input.vendorId))) throw invalidField('vendorId', '服务商不存在');
  // The contract's manager: as given (an active manager), else the manager creating it.
  let managerId: number | null = actor.role === 'manager' ? actor.id : null;
  if (input.managerId) {
    const m = (await ctx.db.models.User.findByPk(input.managerId, { raw: true })) as unknown as { role: string; active: boolean } | null;
    if (!m || m.role !== 'manager' || !m.active) throw invalidField('managerId', '负责人必须是在用的合同管理员账号');
    managerId = input.managerId;
  }
  if (await Contract.findOne({ where: { code: input.code } })) {
    throw conflict(`合同编号 ${input.code} 已存在`, [{ path: 'code', message: '合同编号已存在' }]);
  }

  const id = await ctx.db.sequelize.transaction(async (t) => {
    const row = await Contract.create(
      {
        code: input.code,
        name: input.name,
        bureau: input.bureau || ctx.config.bureauName,
        vendorId: input.vendorId,
        systems: JSON.stringify(input.systems),
        totalAmountFen: totalFen.toString(),
        startDate: input.startDate,
        endDate: input.endDate,
        timeZone: input.timeZone,
        templateVersion,
        periodScheme: input.periodScheme,
        pointRate: formatExact(rate),
        interviewThreshold: threshold,
        interviewsBeforeTermination: input.interviewsBeforeTermination,
        objectionWindowDays: input.objectionWindowDays,
        createdBy: actor.id || null,
        managerId,
      },
      { transaction: t },
    );
    const contractId = row.get('id') as number;
    await Period.bulkCreate(
      periods.map((p) => ({ contractId, ...p, status: 'draft', templateVersion })),
      { transaction: t },
    );
    await Installment.bulkCreate(
      input.installments.map((inst, i) => ({
        contractId,
        number: i + 1,
        name: inst.name,
        ratio: formatExact(parseDecimal(inst.ratio)),
        deductible: inst.deductible,
        periods: JSON.stringify([...inst.periods].sort((a, b) => a - b)),
      })),
      { transaction: t },
    );
    await Clause.bulkCreate(
      clauses.map((c) => ({
        contractId,
        code: c.code,
        name: c.name,
        kind: c.kind,
        minPercent: c.minPercent ?? null,
        maxPercent: c.maxPercent ?? null,
        ratePercent: c.ratePercent ?? null,
        amount: c.amount ?? null,
        basis: c.basis || null,
      })),
      { transaction: t },
    );
    const bundle = await loadBundle(ctx, contractId, t);
    await audit(ctx, t, actor, {
      action: 'contract.create',
      entity: 'contract',
      entityId: contractId,
      contractId,
      after: serializeContract(bundle),
    });
    return contractId;
  });
  return serializeContract(await loadBundle(ctx, id));
}

function checkInstallments(list: CreateContractInput['installments'], periodCount: number, issues: ErrorDetail[]) {
  const ratios = list.map((inst) => parseDecimal(inst.ratio));
  ratios.forEach((r, i) => {
    if (cmp(r, ZERO) <= 0 || cmp(r, ONE) > 0) issues.push({ path: `installments[${i}].ratio`, message: '付款比例必须大于 0 且不超过 1' });
  });
  if (!ratiosSumToOne(ratios)) {
    issues.push({ path: 'installments', message: `各期付款比例之和必须等于 1（当前为 ${formatExact(ratios.reduce((s, r) => add(s, r), ZERO))}）` });
  }
  const fed = new Map<number, number>();
  list.forEach((inst, i) => {
    if (inst.deductible && inst.periods.length === 0) {
      issues.push({ path: `installments[${i}].periods`, message: '参与考核扣减的款项必须指定考核期' });
    }
    if (!inst.deductible && inst.periods.length > 0) {
      issues.push({ path: `installments[${i}].periods`, message: '不参与考核扣减的款项不关联考核期' });
    }
    for (const p of inst.periods) {
      if (p > periodCount) {
        issues.push({ path: `installments[${i}].periods`, message: `考核期 ${p} 不存在（本合同共 ${periodCount} 期）` });
      } else if (fed.has(p)) {
        issues.push({ path: `installments[${i}].periods`, message: `考核期 ${p} 已计入第 ${fed.get(p)! + 1} 笔款项，不能重复扣减` });
      } else {
        fed.set(p, i);
      }
    }
  });
}

export async function loadBundle(ctx: Ctx, id: number, transaction?: Transaction): Promise<ContractBundle> {
  const { Contract, Vendor, Period, Installment, PenaltyClause: Clause } = ctx.db.models;
  const contract = (await Contract.findByPk(id, { raw: true, transaction })) as unknown as ContractRow | null;
  if (!contract) throw notFound('合同不存在');
  const reads = [
    () => Vendor.findByPk(contract.vendorId, { raw: true, transaction }),
    // Inside a write transaction on PostgreSQL the periods are read FOR SHARE, so a period
    // cannot be signed while this transaction writes into it (signing waits for it).
    () => Period.findAll({
      where: { contractId: id }, order: [['number', 'ASC']], raw: true, transaction,
      lock: transaction && ctx.db.dialect === 'postgres' ? transaction.LOCK.SHARE : undefined,
    }),
    () => Installment.findAll({ where: { contractId: id }, order: [['number', 'ASC']], raw: true, transaction }),
    () => Clause.findAll({ where: { contractId: id }, order: [['id', 'ASC']], raw: true, transaction }),
  ] as const;
  // One connection runs one query at a time: inside a transaction the reads go in turn
  // (pg deprecates queueing queries on a client), outside it they go in parallel.
  const [vendor, periods, installments, clauses] = transaction
    ? [await reads[0](), await reads[1](), await reads[2](), await reads[3]()]
    : await Promise.all([reads[0](), reads[1](), reads[2](), reads[3]()]);
  return {
    contract,
    vendor: vendor as unknown as VendorRow,
    periods: periods as unknown as PeriodRow[],
    installments: installments as unknown as InstallmentRow[],
    clauses: clauses as unknown as PenaltyClauseRow[],
  };
}

/** Key space of the per-contract advisory locks (pg_advisory_xact_lock(space, contract id)). */
const CONTRACT_LOCK_SPACE = 7274;

/**
 * On PostgreSQL, serialises the transactions that write a contract's evidence or reconcile its
 * ledger with it (evidence writes, imports, detection, publishing, signing, reopening,
 * objections, term changes): two of them racing would both insert the same ticket or the same
 * detected line (a unique violation: 409 for a write that should simply have waited). A
 * transaction-level advisory lock on the contract, taken FIRST in the transaction, before any
 * row lock and before the audit chain's head, so it never closes a cycle of waits. SQLite
 * needs nothing: its write transactions run one at a time. Taking it again is a no-op.
 */
export async function lockContractWork(ctx: Ctx, t: Transaction, contractId: number): Promise<void> {
  if (ctx.db.dialect !== 'postgres') return;
  await ctx.db.sequelize.query(`SELECT pg_advisory_xact_lock(${CONTRACT_LOCK_SPACE}, :id)`, { replacements: { id: contractId }, transaction: t });
}

/** Loads a contract the actor may see (vendors: only their own). */
export async function loadVisibleBundle(ctx: Ctx, actor: Actor, id: number, transaction?: Transaction) {
  const bundle = await loadBundle(ctx, id, transaction);
  assertContractVisible(actor, bundle.contract);
  return bundle;
}

export function serializePeriod(p: PeriodRow) {
  return {
    number: p.number,
    label: p.label,
    startDate: p.startDate,
    endDate: p.endDate,
    partial: bool(p.partial),
    status: p.status,
    templateVersion: p.templateVersion,
    publishedAt: iso(p.publishedAt),
    objectionDeadline: p.objectionDeadline ?? null,
    acknowledgedAt: iso(p.acknowledgedAt),
    signedAt: iso(p.signedAt),
  };
}

export function serializeInstallment(i: InstallmentRow) {
  return {
    number: i.number,
    name: i.name,
    ratio: formatExact(parseDecimal(i.ratio), 2),
    deductible: bool(i.deductible),
    periods: JSON.parse(i.periods) as number[],
    paymentStatus: i.paymentStatus,
    invoiceDate: i.invoiceDate,
    paidDate: i.paidDate,
  };
}

export function serializeClause(c: PenaltyClauseRow) {
  return {
    code: c.code,
    name: c.name,
    kind: c.kind,
    minPercent: c.minPercent,
    maxPercent: c.maxPercent,
    ratePercent: c.ratePercent,
    amount: c.amount,
    basis: c.basis,
  };
}

export function clauseOf(row: PenaltyClauseRow): PenaltyClause {
  return serializeClause(row);
}

export function serializeContract(b: ContractBundle) {
  const c = b.contract;
  return {
    id: c.id,
    code: c.code,
    name: c.name,
    bureau: c.bureau,
    vendorId: c.vendorId,
    vendor: { id: b.vendor.id, name: b.vendor.name },
    systems: JSON.parse(c.systems) as string[],
    totalAmount: formatYuan(big(c.totalAmountFen)),
    startDate: c.startDate,
    endDate: c.endDate,
    timeZone: c.timeZone,
    templateVersion: c.templateVersion,
    periodScheme: c.periodScheme,
    pointRate: c.pointRate,
    interviewThreshold: formatPoints(c.interviewThreshold),
    interviewsBeforeTermination: c.interviewsBeforeTermination,
    objectionWindowDays: c.objectionWindowDays,
    managerId: c.managerId ?? null,
    version: c.version,
    createdAt: iso(c.createdAt),
    periods: b.periods.map(serializePeriod),
    installments: b.installments.map(serializeInstallment),
    penaltyClauses: b.clauses.map(serializeClause),
  };
}

export async function getContract(ctx: Ctx, actor: Actor, id: number) {
  return serializeContract(await loadVisibleBundle(ctx, actor, id));
}

export async function listContracts(ctx: Ctx, actor: Actor) {
  const { Contract, Vendor } = ctx.db.models;
  const where = actor.role === 'vendor' ? { vendorId: actor.vendorId ?? -1 } : {};
  const rows = (await Contract.findAll({ where, order: [['id', 'ASC']], raw: true })) as unknown as ContractRow[];
  const vendors = new Map(
    ((await Vendor.findAll({ raw: true })) as unknown as VendorRow[]).map((v) => [v.id, v]),
  );
  return rows.map((c) => ({
    id: c.id,
    code: c.code,
    name: c.name,
    bureau: c.bureau,
    vendorId: c.vendorId,
    vendor: { id: c.vendorId, name: vendors.get(c.vendorId)?.name ?? '' },
    totalAmount: formatYuan(big(c.totalAmountFen)),
    startDate: c.startDate,
    endDate: c.endDate,
    templateVersion: c.templateVersion,
  }));
}

// ---- editing a contract -------------------------------------------------------------------

const updateSchema = Joi.object({
  /** the version the editor read (optimistic locking) */
  version: Joi.number().integer().min(0).required(),
  code: Joi.string().trim().min(1).max(64),
  name: Joi.string().trim().min(1).max(300),
  bureau: Joi.string().trim().min(1).max(200),
  vendorId: Joi.number().integer().min(1),
  systems: Joi.array().items(Joi.string().trim().min(1).max(200)).max(100).unique(),
  totalAmount: decimalText(2),
  startDate: dateText(),
  endDate: dateText(),
  timeZone: Joi.string().trim().max(64),
  periodScheme: Joi.string().valid('contract_quarters', 'calendar_quarters'),
  pointRate: decimalText(6),
  interviewThreshold: decimalText(2),
  interviewsBeforeTermination: Joi.number().integer().min(0).max(20),
  objectionWindowDays: Joi.number().integer().min(1).max(60),
  managerId: Joi.number().integer().min(1).allow(null),
  installments: Joi.array().items(installmentSchema).min(1).max(24),
  /** the whole clause catalogue (codes unique: checked with the row's path) */
  penaltyClauses: Joi.array().items(clauseSchema).max(100),
});

type UpdateContractInput = Partial<Omit<CreateContractInput, 'templateVersion'>> & { version: number };

const CLAUSE_TERMS: Record<PenaltyClause['kind'], ('minPercent' | 'maxPercent' | 'ratePercent' | 'amount')[]> = {
  percent_range: ['minPercent', 'maxPercent'],
  per_day: ['ratePercent'],
  per_violation: ['ratePercent'],
  fixed: ['amount'],
};

/** A clause as stored: the fields its kind uses (decimals written canonically), the others null. */
function normalClause(c: PenaltyClause): Required<PenaltyClause> {
  const used = CLAUSE_TERMS[c.kind] ?? [];
  const num = (k: 'minPercent' | 'maxPercent' | 'ratePercent' | 'amount') => {
    const v = c[k];
    if (!used.includes(k) || v === null || v === undefined || String(v).trim() === '') return null;
    const text = String(v).trim();
    return isDecimal(text) ? formatExact(parseDecimal(text), k === 'amount' ? 2 : 0) : text;
  };
  return {
    code: c.code, name: c.name, kind: c.kind,
    minPercent: num('minPercent'), maxPercent: num('maxPercent'), ratePercent: num('ratePercent'), amount: num('amount'),
    basis: c.basis ? String(c.basis) : null,
  };
}

/** What a clause computes: its kind and the amounts it uses (a penalty recorded under it depends on these). */
const clauseTerms = (c: Required<PenaltyClause>) => JSON.stringify([c.kind, c.minPercent, c.maxPercent, c.ratePercent, c.amount]);
const CLAUSE_STATUS: Record<string, string> = { proposed: '待审批', approved: '已审批' };

/** Fields that shape the periods or the money: fixed once a period left draft or an installment was invoiced. */
const STRUCTURAL_FIELDS = ['code', 'vendorId', 'totalAmount', 'startDate', 'endDate', 'timeZone', 'periodScheme', 'pointRate', 'installments'] as const;
const FIELD_LABEL: Record<string, string> = {
  code: '合同编号', vendorId: '服务商', totalAmount: '合同总金额', startDate: '开始日期', endDate: '结束日期', timeZone: '时区',
  periodScheme: '考核期划分', pointRate: '每分扣减比例', installments: '付款安排', name: '合同名称', bureau: '采购人', systems: '运维系统',
  interviewThreshold: '约谈分数线', interviewsBeforeTermination: '约谈次数', objectionWindowDays: '异议期', managerId: '负责人',
  penaltyClauses: '违约条款',
};

/** Active managers who can be named as a contract's manager (the contract form's choice). */
export async function listManagers(ctx: Ctx, actor: Actor) {
  requireRole(actor, 'admin', 'manager');
  const rows = (await ctx.db.models.User.findAll({ where: { role: 'manager', active: true }, order: [['username', 'ASC']], raw: true })) as unknown as {
    id: number; username: string; displayName: string | null;
  }[];
  return rows.map((u) => ({ id: u.id, username: u.username, displayName: u.displayName }));
}

/** A contract as serializeContract gives it (also as the audit log keeps it). */
export type SerializedContract = ReturnType<typeof serializeContract>;

/** A field another edit changed since the version an editor read. */
export interface ContractChange {
  field: string;
  label: string;
  before: unknown;
  after: unknown;
}

/** A field's value as a short text for a message (lists and catalogues are only named as changed). */
function valueText(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '（空）';
  if (field === 'systems' && Array.isArray(v)) return v.join('、');
  if (typeof v === 'object') return '（已修改）';
  return String(v);
}

/**
 * What the edits after `version` changed: the contract as it was at that version (the `before`
 * of the first later `contract.update` in the audit log), as it is now, the fields that differ
 * and who changed them. `base` is null when the log does not have that version.
 */
export async function editsSince(ctx: Ctx, actor: Actor, id: number, version: number, t?: Transaction) {
  const current = serializeContract(await loadVisibleBundle(ctx, actor, id, t));
  return { current, ...(await changesSince(ctx, id, version, current, t)) };
}

async function changesSince(ctx: Ctx, id: number, version: number, current: SerializedContract, t?: Transaction) {
  const rows = (await ctx.db.models.Audit.findAll({
    where: { entity: 'contract', entityId: String(id), action: 'contract.update' },
    attributes: ['seq', 'username', 'before'],
    order: [['seq', 'ASC']],
    raw: true,
    transaction: t,
  })) as unknown as { seq: number; username: string | null; before: string | null }[];
  const later = rows
    .map((r) => ({ username: r.username, before: r.before ? (JSON.parse(r.before) as SerializedContract) : null }))
    .filter((r) => r.before && r.before.version >= version);
  const base = later[0]?.before?.version === version ? later[0].before : null;
  const changes: ContractChange[] = [];
  if (base) {
    for (const field of Object.keys(FIELD_LABEL)) {
      const a = (base as Record<string, unknown>)[field];
      const b = (current as Record<string, unknown>)[field];
      const differs = field === 'penaltyClauses'
        ? JSON.stringify((a as PenaltyClause[]).map(normalClause)) !== JSON.stringify((b as PenaltyClause[]).map(normalClause))
        : JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
      if (differs) changes.push({ field, label: FIELD_LABEL[field], before: a ?? null, after: b ?? null });
    }
  }
  const by = [...new Set(later.map((r) => r.username).filter((u): u is string => !!u))];
  return { base, changes, by };
}

/**
 * The 409 for an edit made from an old version: the versions, who edited meanwhile, and each
 * field they changed with its value now (details: `version`, then one per changed field).
 */
async function staleEdit(ctx: Ctx, id: number, version: number, t?: Transaction) {
  const current = serializeContract(await loadBundle(ctx, id, t));
  const { changes, by } = await changesSince(ctx, id, version, current, t);
  const who = by.length ? by.join('、') : '他人';
  const what = changes.length ? `${who} 修改了${changes.map((c) => c.label).join('、')}` : `${who} 已保存了新的版本`;
  return conflict(
    `合同已被他人修改（您编辑的是第 ${version} 版，当前为第 ${current.version} 版）：${what}。请查看当前内容后重新修改`,
    [
      { path: 'version', message: `当前为第 ${current.version} 版` },
      ...changes.map((c) => ({ path: c.field, message: `已被 ${who} 改为「${valueText(c.field, c.after)}」` })),
    ],
  );
}

/** The contract's local date of an instant. */
function localDate(timeZone: string, at: Date): string {
  return new Date(at.getTime() + zoneOffsets(timeZone).offsetAt(at.getTime())).toISOString().slice(0, 10);
}

/**
 * Edits a contract's terms. Optimistic locking by `version` (409 when another edit came first).
 * Terms that shape the periods or the money (dates, period scheme, amount, point rate,
 * installments, code, vendor, time zone) change only while every period is a draft and no
 * installment is invoiced or paid; the name, bureau, systems, manager and the thresholds
 * change any time until the contract's end date. Omitted fields keep their values. When the
 * periods change they are generated again and every detector re-runs.
 * `penaltyClauses` replaces the whole clause catalogue (until the end date): clauses are added,
 * renamed or removed, but a clause a proposed or approved penalty was recorded under keeps its
 * kind and amounts and cannot be removed (409) — only its name and basis change.
 */
export async function updateContract(ctx: Ctx, actor: Actor, id: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const current = await loadVisibleBundle(ctx, actor, id);
  const input = validate<UpdateContractInput>(updateSchema, body);
  if (current.contract.version !== input.version) throw await staleEdit(ctx, id, input.version);
  const before = serializeContract(current);

  // What the contract becomes (omitted fields keep their values), and what actually changed.
  const next = {
    code: input.code ?? before.code,
    name: input.name ?? before.name,
    bureau: input.bureau ?? before.bureau,
    vendorId: input.vendorId ?? before.vendorId,
    systems: input.systems ?? before.systems,
    totalAmount: input.totalAmount !== undefined ? formatYuan(parseYuan(input.totalAmount)) : before.totalAmount,
    startDate: input.startDate ?? before.startDate,
    endDate: input.endDate ?? before.endDate,
    timeZone: input.timeZone ?? before.timeZone,
    periodScheme: (input.periodScheme ?? before.periodScheme) as PeriodScheme,
    pointRate: input.pointRate !== undefined ? formatExact(parseDecimal(input.pointRate)) : before.pointRate,
    interviewThreshold: input.interviewThreshold !== undefined ? formatPoints(parsePoints(input.interviewThreshold)) : before.interviewThreshold,
    interviewsBeforeTermination: input.interviewsBeforeTermination ?? before.interviewsBeforeTermination,
    objectionWindowDays: input.objectionWindowDays ?? before.objectionWindowDays,
    managerId: input.managerId !== undefined ? input.managerId : before.managerId,
    installments: input.installments
      ? input.installments.map((i) => ({ name: i.name, ratio: formatExact(parseDecimal(i.ratio), 2), deductible: i.deductible, periods: [...i.periods].sort((a, b) => a - b) }))
      : before.installments.map((i) => ({ name: i.name, ratio: i.ratio, deductible: i.deductible, periods: i.periods })),
    penaltyClauses: (input.penaltyClauses ?? before.penaltyClauses).map(normalClause),
  };
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const oldInstallments = before.installments.map((i) => ({ name: i.name, ratio: i.ratio, deductible: i.deductible, periods: i.periods }));
  const oldClauses = before.penaltyClauses.map(normalClause);
  const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) =>
    k === 'installments' ? !same(next.installments, oldInstallments)
      : k === 'penaltyClauses' ? !same(next.penaltyClauses, oldClauses)
        : k === 'pointRate' ? cmp(parseDecimal(next.pointRate), parseDecimal(before.pointRate)) !== 0 : !same(next[k], before[k]));
  if (changed.length === 0) return { ...before, changed: [] as string[], detection: null };

  // Field checks, as when the contract was created.
  const issues: ErrorDetail[] = [];
  const totalFen = parseYuan(next.totalAmount);
  if (totalFen <= 0n) issues.push({ path: 'totalAmount', message: '合同总金额必须大于 0' });
  if (totalFen > 10n ** 15n) issues.push({ path: 'totalAmount', message: '合同总金额超出范围' });
  if (next.endDate < next.startDate) issues.push({ path: 'endDate', message: '结束日期不能早于开始日期' });
  const tenYearsOn = `${Number(next.startDate.slice(0, 4)) + 10}${next.startDate.slice(4)}`;
  if (next.endDate >= tenYearsOn) issues.push({ path: 'endDate', message: '合同期限不能超过 10 年' });
  if (!isTimeZone(next.timeZone)) issues.push({ path: 'timeZone', message: `未知的时区 ${next.timeZone}` });
  if (cmp(parseDecimal(next.pointRate), ONE) > 0) issues.push({ path: 'pointRate', message: '每分扣减比例不能大于 1' });
  if (parsePoints(next.interviewThreshold) > 10000) issues.push({ path: 'interviewThreshold', message: '约谈分数线不能高于 100' });
  if (changed.includes('penaltyClauses')) {
    const seen = new Map<string, number>();
    input.penaltyClauses!.forEach((c, i) => {
      issues.push(...validateClause(c, `penaltyClauses[${i}]`));
      if (seen.has(c.code)) issues.push({ path: `penaltyClauses[${i}].code`, message: `条款编号 ${c.code} 与第 ${seen.get(c.code)! + 1} 条重复` });
      else seen.set(c.code, i);
    });
  }
  if (issues.length) throw badRequest(issues[0].message, issues);
  const periodsChange = changed.some((k) => k === 'startDate' || k === 'endDate' || k === 'periodScheme');
  const periods = periodsChange ? generatePeriods(next.startDate, next.endDate, next.periodScheme) : null;
  if (changed.includes('installments') || periodsChange) {
    checkInstallments(next.installments, periods ? periods.length : current.periods.length, issues);
    if (issues.length) throw badRequest(issues[0].message, issues);
  }

  // What may change now.
  const today = localDate(current.contract.timeZone, now(ctx));
  if (today > current.contract.endDate) {
    throw conflict(`合同已于 ${current.contract.endDate} 到期，不能再修改合同条款`);
  }
  const structural = changed.filter((k) => (STRUCTURAL_FIELDS as readonly string[]).includes(k));
  if (structural.length) {
    const labels = structural.map((k) => FIELD_LABEL[k]).join('、');
    const started = current.periods.filter((p) => p.status !== 'draft');
    if (started.length) {
      throw conflict(
        `第 ${started.map((p) => p.number).join('、')} 期已发布或签署，${labels}不能再修改（考核期和付款计算以其为准）；如需更改请先由管理员重新开启相关考核期`,
        structural.map((k) => ({ path: k, message: `考核期已发布或签署，不能修改${FIELD_LABEL[k]}` })),
      );
    }
    const billed = current.installments.filter((i) => i.paymentStatus !== 'pending');
    if (billed.length) {
      throw conflict(
        `${billed.map((i) => i.name).join('、')}已收票或已支付，${labels}不能再修改`,
        structural.map((k) => ({ path: k, message: `已有款项收票或支付，不能修改${FIELD_LABEL[k]}` })),
      );
    }
  }
  const { Vendor, Contract, Period, Installment, User, LedgerLine, Rating, Penalty, Interview, PenaltyClause: Clause } = ctx.db.models;
  if (changed.includes('vendorId') && !(await Vendor.findByPk(next.vendorId))) throw invalidField('vendorId', '服务商不存在');
  if (changed.includes('managerId') && next.managerId !== null) {
    const m = (await User.findByPk(next.managerId, { raw: true })) as unknown as { role: string; active: boolean } | null;
    if (!m || m.role !== 'manager' || !m.active) throw invalidField('managerId', '负责人必须是在用的合同管理员账号');
  }
  if (changed.includes('code') && (await Contract.findOne({ where: { code: next.code } }))) {
    throw conflict(`合同编号 ${next.code} 已存在`, [{ path: 'code', message: '合同编号已存在' }]);
  }

  let detection: unknown = null;
  await ctx.db.sequelize.transaction(async (t) => {
    // a change of periods or zone re-runs detection below: this contract's evidence work waits
    if (periodsChange || changed.includes('timeZone')) await lockContractWork(ctx, t, id);
    const [n] = await Contract.update(
      {
        code: next.code, name: next.name, bureau: next.bureau, vendorId: next.vendorId, systems: JSON.stringify(next.systems),
        totalAmountFen: totalFen.toString(), startDate: next.startDate, endDate: next.endDate, timeZone: next.timeZone,
        periodScheme: next.periodScheme, pointRate: next.pointRate, interviewThreshold: parsePoints(next.interviewThreshold),
        interviewsBeforeTermination: next.interviewsBeforeTermination, objectionWindowDays: next.objectionWindowDays,
        managerId: next.managerId, version: input.version + 1,
      },
      { where: { id, version: input.version }, transaction: t },
    );
    if (n !== 1) throw await staleEdit(ctx, id, input.version, t);
    // Read inside the transaction: a period published meanwhile is respected (FOR SHARE on PostgreSQL).
    const bundle = await loadBundle(ctx, id, t);
    if (structural.length && (bundle.periods.some((p) => p.status !== 'draft') || bundle.installments.some((i) => i.paymentStatus !== 'pending'))) {
      throw conflict('考核期刚被发布或款项刚被登记，合同条款未修改，请刷新页面后重试');
    }
    if (periods) {
      // Records that name a period which would no longer exist keep the change from happening.
      const count = periods.length;
      const beyond = { contractId: id, periodNumber: { [Op.gt]: count } };
      const manual = await LedgerLine.count({ where: { ...beyond, status: 'active', source: ['manual', 'objection'] }, transaction: t });
      const ratings = await Rating.count({ where: { ...beyond, status: 'active' }, transaction: t });
      const interviews = await Interview.count({ where: beyond, transaction: t });
      if (manual || ratings || interviews) {
        throw conflict(`修改后合同只有 ${count} 个考核期，但第 ${count + 1} 期及以后已有人工扣分、评价或约谈记录，请先撤销这些记录`, [
          { path: 'endDate', message: `修改后只有 ${count} 个考核期，之后的考核期已有记录` },
        ]);
      }
      await Period.destroy({ where: { contractId: id }, transaction: t });
      await Period.bulkCreate(periods.map((p) => ({ contractId: id, ...p, status: 'draft', templateVersion: bundle.contract.templateVersion })), { transaction: t });
    }
    if (changed.includes('installments')) {
      const gone = await Penalty.count({ where: { contractId: id, installmentNumber: { [Op.gt]: next.installments.length }, status: { [Op.ne]: 'withdrawn' } }, transaction: t });
      if (gone) {
        throw conflict(`第 ${next.installments.length + 1} 笔及以后的款项已有扣款记录，不能删除这些款项`, [{ path: 'installments', message: '被删除的款项已有扣款记录' }]);
      }
      await Installment.destroy({ where: { contractId: id }, transaction: t });
      await Installment.bulkCreate(
        next.installments.map((inst, i) => ({
          contractId: id, number: i + 1, name: inst.name, ratio: formatExact(parseDecimal(inst.ratio)), deductible: inst.deductible, periods: JSON.stringify(inst.periods),
        })),
        { transaction: t },
      );
    }
    if (changed.includes('penaltyClauses')) {
      // Penalties recorded under a clause were computed from its terms: read in the transaction.
      const used = (await Penalty.findAll({
        where: { contractId: id, status: ['proposed', 'approved'] }, order: [['id', 'ASC']], raw: true, transaction: t,
      })) as unknown as PenaltyRow[];
      const nextByCode = new Map(next.penaltyClauses.map((c, i) => [c.code, i]));
      const problems: string[] = [];
      const details: ErrorDetail[] = [];
      for (const old of oldClauses) {
        const penalties = used.filter((p) => p.clauseCode === old.code);
        if (!penalties.length) continue;
        const list = penalties.map((p) => `#${p.id}（第 ${p.installmentNumber} 笔款项，${formatYuan(big(p.amountFen))} 元，${CLAUSE_STATUS[p.status] ?? p.status}）`).join('、');
        const i = nextByCode.get(old.code);
        if (i === undefined) {
          problems.push(`违约条款「${old.name}」（${old.code}）已有扣款记录 ${list}，不能删除`);
          details.push({ path: 'penaltyClauses', message: `违约条款「${old.name}」（${old.code}）已有扣款记录，不能删除` });
        } else if (clauseTerms(next.penaltyClauses[i]) !== clauseTerms(old)) {
          problems.push(`违约条款「${old.name}」（${old.code}）已有扣款记录 ${list}，不能修改其计算方式、比例或金额（名称和依据可以修改）`);
          const field = (['kind', 'minPercent', 'maxPercent', 'ratePercent', 'amount'] as const).find((k) => next.penaltyClauses[i][k] !== old[k]) ?? 'kind';
          details.push({ path: `penaltyClauses[${i}].${field}`, message: '该条款已有扣款记录，不能修改计算方式、比例或金额' });
        }
      }
      if (problems.length) throw conflict(`${problems.join('；')}。如需更改，请先撤销这些扣款记录`, details);
      await Clause.destroy({ where: { contractId: id }, transaction: t });
      await Clause.bulkCreate(next.penaltyClauses.map((c) => ({ contractId: id, ...c })), { transaction: t });
    }
    const after = await loadBundle(ctx, id, t);
    await audit(ctx, t, actor, {
      action: 'contract.update', entity: 'contract', entityId: id, contractId: id, before, after: { ...serializeContract(after), changed },
    });
    // Detection depends on the periods and the contract's zone (working calendar).
    if (periods || changed.includes('timeZone')) {
      // evidence.ts imports this module: required when needed, not at load time
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const evidence = require('./evidence') as typeof import('./evidence');
      detection = await evidence.detect(ctx, t, actor, after, evidence.ALL_SOURCES);
    }
  });
  return { ...serializeContract(await loadBundle(ctx, id)), changed, detection };
}
