// Contracts: terms, generated periods, installments and the penalty-clause catalogue.
import { Transaction } from 'sequelize';
import { ContractRow, InstallmentRow, PenaltyClauseRow, PeriodRow, VendorRow } from '../../models';
import { add, formatExact, formatPoints, formatYuan, parseDecimal, parsePoints, parseYuan, cmp, ONE, ZERO } from '../../scoring/decimal';
import { ratiosSumToOne } from '../../scoring/payments';
import { DEFAULT_PENALTY_CLAUSES, PenaltyClause, validateClause } from '../../scoring/penalties';
import { generatePeriods, PeriodScheme } from '../../scoring/periods';
import { badRequest, conflict, invalidField, notFound, ErrorDetail } from '../errors';
import { dateText, decimalText, Joi, validate } from '../validate';
import { Actor, assertContractVisible, audit, big, bool, Ctx, iso, requireRole } from './context';
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
  const [vendor, periods, installments, clauses] = await Promise.all([
    Vendor.findByPk(contract.vendorId, { raw: true, transaction }),
    // Inside a write transaction on PostgreSQL the periods are read FOR SHARE, so a period
    // cannot be signed while this transaction writes into it (signing waits for it).
    Period.findAll({
      where: { contractId: id }, order: [['number', 'ASC']], raw: true, transaction,
      lock: transaction && ctx.db.dialect === 'postgres' ? transaction.LOCK.SHARE : undefined,
    }),
    Installment.findAll({ where: { contractId: id }, order: [['number', 'ASC']], raw: true, transaction }),
    Clause.findAll({ where: { contractId: id }, order: [['id', 'ASC']], raw: true, transaction }),
  ]);
  return {
    contract,
    vendor: vendor as unknown as VendorRow,
    periods: periods as unknown as PeriodRow[],
    installments: installments as unknown as InstallmentRow[],
    clauses: clauses as unknown as PenaltyClauseRow[],
  };
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
