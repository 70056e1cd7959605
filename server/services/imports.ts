// Bulk import of the records a bureau already has (ticket exports, inspection logs, report
// inboxes, staff rosters) from CSV or XLSX, with a column mapping saved per contract.
//
// One streaming pass inside one transaction: rows are validated and written in chunks; if any
// row is invalid the rest is still validated (to report every bad row) and the transaction is
// rolled back, so a bad file writes nothing. Rows are keyed by external id: importing the
// same file again changes nothing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Transaction } from 'sequelize';
import { ImportMappingRow, InspectionPlanRow, ReportPlanRow } from '../../models';
import { ImportFileError, ImportFormat, readRows, detectFormat } from '../import/reader';
import { applyMapping, ColumnMapping, missingColumns, parseBool, parseInstant, parseLocalDate } from '../import/values';
import { ApiError, badRequest, conflict } from '../errors';
import { Joi, validate } from '../validate';
import { Actor, audit, Ctx, requireRole } from './context';
import { ContractBundle, loadVisibleBundle, lockContractWork } from './contracts';
import { loadCalendar } from './calendar';
import { addSummaries, applyDetection, DetectionSummary, periodSpans } from './detection';
import { CompiledCalendar } from '../../scoring/calendar';
import { detectSlaBreaches, ticketKey } from '../../scoring/detectors';
import {
  detect, loadPolicy, normaliseCovers, openTicketExternalIds, OptionalTicketField, policyForDetection, personIssues, PersonInput, personRow, runIssues, RunInput, runRow, sha256, StoredPolicy,
  submissionRow, ticketIssues, TicketInput, upsertTickets, writePeople,
} from './evidence';

export type ImportKind = 'tickets' | 'inspections' | 'report_submissions' | 'people';
export const IMPORT_KINDS: ImportKind[] = ['tickets', 'inspections', 'report_submissions', 'people'];

export const IMPORT_FIELDS: Record<ImportKind, { fields: string[]; required: string[] }> = {
  tickets: {
    fields: ['external_id', 'system', 'type', 'severity', 'title', 'created_at', 'responded_at', 'resolved_at'],
    required: ['external_id', 'severity', 'created_at'],
  },
  inspections: {
    fields: ['external_id', 'plan', 'performed_at', 'performer', 'items_checked', 'findings'],
    required: ['external_id', 'plan', 'performed_at', 'performer'],
  },
  report_submissions: {
    fields: ['external_id', 'plan', 'covers', 'submitted_at', 'title'],
    required: ['external_id', 'plan', 'covers', 'submitted_at'],
  },
  people: {
    fields: ['external_id', 'name', 'role', 'start_date', 'end_date', 'qualifications', 'security_agreement', 'no_criminal_record', 'security_training_date'],
    required: ['external_id', 'name', 'role', 'start_date', 'security_agreement', 'no_criminal_record'],
  },
};

const KIND_LABEL: Record<ImportKind, string> = { tickets: '工单', inspections: '巡检记录', report_submissions: '报告提交记录', people: '人员名册' };
const MAX_REPORTED_ROWS = 5000;

/** What an import reports while it runs (rows read so far; then the detectors run). */
export interface ImportProgress {
  phase: 'reading' | 'detecting';
  rows: number;
  badRows: number;
}
const PROGRESS_EVERY = 200;

export interface RowError {
  row: number;
  errors: { field: string; message: string }[];
}

/** A list cell: items separated by ; ；, ，or line breaks (not 、, which appears inside item names). */
const list = (text: string) => text.split(/[;；,，\n]/).map((s) => s.trim()).filter(Boolean);

// ---- mappings -----------------------------------------------------------------------------

const mappingSchema = Joi.object().pattern(Joi.string().max(50), Joi.string().trim().max(200).allow(''));

function checkKind(kind: string): ImportKind {
  if (!IMPORT_KINDS.includes(kind as ImportKind)) {
    throw badRequest(`导入类型必须是 ${IMPORT_KINDS.join('、')} 之一`, [{ path: 'kind', message: '未知的导入类型' }]);
  }
  return kind as ImportKind;
}

function checkMapping(kind: ImportKind, mapping: ColumnMapping) {
  const unknown = Object.keys(mapping).filter((f) => !IMPORT_FIELDS[kind].fields.includes(f));
  if (unknown.length) {
    throw badRequest(`列映射中有未知字段：${unknown.join('、')}`, unknown.map((f) => ({ path: `mapping.${f}`, message: `可用字段：${IMPORT_FIELDS[kind].fields.join('、')}` })));
  }
}

export async function getMapping(ctx: Ctx, actor: Actor, contractId: number, kindText: string) {
  const kind = checkKind(kindText);
  await loadVisibleBundle(ctx, actor, contractId);
  const row = (await ctx.db.models.ImportMapping.findOne({ where: { contractId, kind }, raw: true })) as unknown as ImportMappingRow | null;
  return { kind, fields: IMPORT_FIELDS[kind].fields, required: IMPORT_FIELDS[kind].required, mapping: row ? (JSON.parse(row.mapping) as ColumnMapping) : {} };
}

async function saveMapping(ctx: Ctx, t: Transaction, actor: Actor, contractId: number, kind: ImportKind, mapping: ColumnMapping) {
  const { ImportMapping } = ctx.db.models;
  const old = (await ImportMapping.findOne({ where: { contractId, kind }, raw: true, transaction: t })) as unknown as ImportMappingRow | null;
  if (old) await ImportMapping.update({ mapping: JSON.stringify(mapping) }, { where: { id: old.id }, transaction: t });
  else await ImportMapping.create({ contractId, kind, mapping: JSON.stringify(mapping) }, { transaction: t });
  await audit(ctx, t, actor, { action: 'import_mapping.put', entity: 'import_mapping', entityId: kind, contractId, before: old ? JSON.parse(old.mapping) : null, after: mapping });
}

export async function putMapping(ctx: Ctx, actor: Actor, contractId: number, kindText: string, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const kind = checkKind(kindText);
  const mapping = validate<ColumnMapping>(mappingSchema, body);
  checkMapping(kind, mapping);
  await loadVisibleBundle(ctx, actor, contractId);
  await ctx.db.sequelize.transaction((t) => saveMapping(ctx, t, actor, contractId, kind, mapping));
  return getMapping(ctx, actor, contractId, kind);
}

// ---- row parsers: text cells → the same inputs the JSON API takes -------------------------

type Parsed<T> = { value: T; errors: { field: string; message: string }[] };

function parseTicketRow(v: Record<string, string>, tz: string, policy: StoredPolicy): Parsed<TicketInput> {
  const errors: { field: string; message: string }[] = [];
  const need = (f: string) => {
    if (!v[f]) errors.push({ field: f, message: '不能为空' });
    return v[f];
  };
  const when = (f: string, required: boolean) => {
    if (!v[f]) {
      if (required) errors.push({ field: f, message: '不能为空' });
      return null;
    }
    const d = parseInstant(v[f], tz);
    if (!d) errors.push({ field: f, message: `「${v[f]}」不是有效时间（ISO 8601 带时区，或 YYYY-MM-DD HH:mm[:ss]）` });
    return d;
  };
  const externalId = need('external_id');
  const severity = need('severity');
  const createdAt = when('created_at', true);
  const value: TicketInput = {
    externalId, severity, createdAt: createdAt ?? new Date(0), respondedAt: when('responded_at', false), resolvedAt: when('resolved_at', false),
    system: v.system || null, type: v.type || null, title: v.title ? v.title.slice(0, 500) : null, pauses: [],
  };
  if (externalId && externalId.length > 100) errors.push({ field: 'external_id', message: '最多 100 个字符' });
  if (errors.length === 0) {
    for (const i of ticketIssues(value, policy)) errors.push({ field: fieldOf(i.path), message: i.message });
  }
  return { value, errors };
}

const fieldOf = (path: string) =>
  ({ severity: 'severity', respondedAt: 'responded_at', resolvedAt: 'resolved_at', createdAt: 'created_at', endDate: 'end_date', itemsChecked: 'items_checked', planId: 'plan' } as Record<string, string>)[path.replace(/\[.*$/, '')] ?? path;

function parseRunRow(v: Record<string, string>, tz: string, plans: InspectionPlanRow[]): Parsed<RunInput> {
  const errors: { field: string; message: string }[] = [];
  const plan = plans.find((p) => p.name === v.plan || String(p.id) === v.plan);
  if (!v.plan) errors.push({ field: 'plan', message: '不能为空' });
  else if (!plan) errors.push({ field: 'plan', message: `没有名为「${v.plan}」的巡检计划` });
  const performedAt = v.performed_at ? parseInstant(v.performed_at, tz) : null;
  if (!performedAt) errors.push({ field: 'performed_at', message: v.performed_at ? `「${v.performed_at}」不是有效时间` : '不能为空' });
  if (!v.performer) errors.push({ field: 'performer', message: '不能为空' });
  if (!v.external_id) errors.push({ field: 'external_id', message: '不能为空' });
  // findings: "描述" or "描述@处理时间", separated by ; or newlines
  // "描述" or "描述@处理时间": the text after the last @ is the handling time only if it reads as one.
  const findings = (v.findings ? v.findings.split(/[;；\n]/).map((s) => s.trim()).filter(Boolean) : []).map((f) => {
    const at = f.lastIndexOf('@');
    const when = at >= 0 ? parseInstant(f.slice(at + 1).trim(), tz) : null;
    return when ? { description: f.slice(0, at).trim(), handledAt: when } : { description: f, handledAt: null };
  });
  const value: RunInput = {
    planId: plan?.id ?? 0, externalId: v.external_id || null, performedAt: performedAt ?? new Date(0), performer: v.performer,
    itemsChecked: [...new Set(list(v.items_checked ?? ''))], findings,
  };
  if (errors.length === 0) for (const i of runIssues(value, plan)) errors.push({ field: fieldOf(i.path), message: i.message });
  return { value, errors };
}

function parseSubmissionRow(v: Record<string, string>, tz: string, plans: ReportPlanRow[], contractStart: string) {
  const errors: { field: string; message: string }[] = [];
  const plan = plans.find((p) => p.name === v.plan || String(p.id) === v.plan);
  if (!v.plan) errors.push({ field: 'plan', message: '不能为空' });
  else if (!plan) errors.push({ field: 'plan', message: `没有名为「${v.plan}」的报告计划` });
  const submittedAt = v.submitted_at ? parseInstant(v.submitted_at, tz) : null;
  if (!submittedAt) errors.push({ field: 'submitted_at', message: v.submitted_at ? `「${v.submitted_at}」不是有效时间` : '不能为空' });
  if (!v.external_id) errors.push({ field: 'external_id', message: '不能为空' });
  const covers = plan ? normaliseCovers(plan.kind, v.covers ?? '', contractStart) : null;
  if (plan && !covers) errors.push({ field: 'covers', message: v.covers ? `「${v.covers}」不是该报告周期的有效写法` : '不能为空' });
  return {
    value: { planId: plan?.id ?? 0, covers: covers ?? '', submittedAt: submittedAt ?? new Date(0), title: v.title || null, externalId: v.external_id || null },
    errors,
  };
}

function parsePersonRow(v: Record<string, string>): Parsed<PersonInput> {
  const errors: { field: string; message: string }[] = [];
  for (const f of ['external_id', 'name', 'role']) if (!v[f]) errors.push({ field: f, message: '不能为空' });
  const day = (f: string, required: boolean) => {
    if (!v[f]) {
      if (required) errors.push({ field: f, message: '不能为空' });
      return null;
    }
    const d = parseLocalDate(v[f]);
    if (!d) errors.push({ field: f, message: `「${v[f]}」不是有效日期（YYYY-MM-DD）` });
    return d;
  };
  const yesNo = (f: string) => {
    const b = parseBool(v[f] ?? '');
    if (b === null) errors.push({ field: f, message: v[f] ? `「${v[f]}」应为 是/否` : '不能为空' });
    return !!b;
  };
  const value: PersonInput = {
    externalId: v.external_id, name: v.name, role: v.role, startDate: day('start_date', true) ?? '', endDate: day('end_date', false),
    qualifications: [...new Set(list(v.qualifications ?? ''))], securityAgreement: yesNo('security_agreement'),
    noCriminalRecord: yesNo('no_criminal_record'), securityTrainingDate: day('security_training_date', false),
  };
  if (errors.length === 0) for (const i of personIssues(value)) errors.push({ field: fieldOf(i.path), message: i.message });
  return { value, errors };
}

// ---- the import ---------------------------------------------------------------------------

/** Role and contract checks, made before an upload is received. */
export async function checkImportAllowed(ctx: Ctx, actor: Actor, contractId: number): Promise<void> {
  requireRole(actor, 'admin', 'manager');
  await loadVisibleBundle(ctx, actor, contractId);
}

class RollbackForErrors extends Error {}

/** SHA-256 of the uploaded bytes, recorded in the audit log with the import. */
function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(path).on('data', (c) => h.update(c)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

export interface UploadedFile {
  path: string;
  originalname: string;
}

export async function importFile(
  ctx: Ctx,
  actor: Actor,
  contractId: number,
  kindText: string,
  file: UploadedFile | undefined,
  mappingText: unknown,
  onProgress?: (p: ImportProgress) => void,
) {
  requireRole(actor, 'admin', 'manager');
  const kind = checkKind(kindText);
  if (!file) throw badRequest('请上传文件（表单字段 file，CSV 或 XLSX）', [{ path: 'file', message: '缺少文件' }]);
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  let override: ColumnMapping | null = null;
  if (mappingText !== undefined && mappingText !== '') {
    let parsed: unknown = mappingText;
    if (typeof mappingText === 'string') {
      try {
        parsed = JSON.parse(mappingText);
      } catch {
        throw badRequest('列映射（mapping）必须是 JSON 对象', [{ path: 'mapping', message: '不是有效的 JSON' }]);
      }
    }
    override = validate<ColumnMapping>(mappingSchema, parsed);
    checkMapping(kind, override);
  }
  const fd = fs.openSync(file.path, 'r');
  const head = Buffer.alloc(4096);
  const headLength = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const fileHash = await hashFile(file.path);
  const format: ImportFormat | null = detectFormat(file.originalname, head.subarray(0, headLength));
  if (!format) throw badRequest('文件不是 CSV 或 XLSX 表格', [{ path: 'file', message: '不支持的文件格式' }]);
  const saved = (await ctx.db.models.ImportMapping.findOne({ where: { contractId, kind }, raw: true })) as unknown as ImportMappingRow | null;
  const mapping: ColumnMapping = override ?? (saved ? JSON.parse(saved.mapping) : {});
  const policy = kind === 'tickets' ? await loadPolicy(ctx, contractId) : null;
  if (kind === 'tickets' && !policy) throw conflict('请先为本合同配置 SLA 策略（PUT /sla-policy），再导入工单');

  const rowErrors: RowError[] = [];
  let badRows = 0;
  let total = 0;
  try {
    return await ctx.db.sequelize.transaction(async (t) => {
      // Other evidence work on this contract waits for the import (PostgreSQL; see lockContractWork).
      await lockContractWork(ctx, t, contractId);
      // The contract's periods and policy as of this transaction (a period signed meanwhile is respected).
      const current = await loadVisibleBundle(ctx, actor, contractId, t);
      const currentPolicy = kind === 'tickets' ? await loadPolicy(ctx, contractId, t) : null;
      const result = await importRows(ctx, t, actor, current, kind, format, file.path, fileHash, mapping, currentPolicy, (e) => {
        badRows += 1;
        if (rowErrors.length < MAX_REPORTED_ROWS) rowErrors.push(e);
      }, (n) => (total = n), onProgress);
      if (badRows > 0) throw new RollbackForErrors();
      if (override) await saveMapping(ctx, t, actor, contractId, kind, override);
      return result;
    });
  } catch (e) {
    if (e instanceof RollbackForErrors) {
      const err = new ApiError(400, 'invalid_file', `文件中有 ${badRows} 行无效（共 ${total} 行），未导入任何数据`,
        rowErrors.slice(0, 50).flatMap((r) => r.errors.map((x) => ({ path: `row ${r.row}.${x.field}`, message: x.message }))));
      (err as ApiError & { rows?: RowError[]; truncated?: boolean }).rows = rowErrors;
      (err as ApiError & { truncated?: boolean }).truncated = badRows > rowErrors.length;
      throw err;
    }
    if (e instanceof ImportFileError) {
      throw badRequest(e.message, [{ path: e.row ? `row ${e.row}` : 'file', message: e.message }]);
    }
    throw e;
  }
}

async function importRows(
  ctx: Ctx,
  t: Transaction,
  actor: Actor,
  bundle: ContractBundle,
  kind: ImportKind,
  format: ImportFormat,
  path: string,
  fileHash: string,
  mapping: ColumnMapping,
  policy: StoredPolicy | null,
  onError: (e: RowError) => void,
  onTotal: (n: number) => void,
  onProgress?: (p: ImportProgress) => void,
) {
  const contractId = bundle.contract.id;
  const tz = bundle.contract.timeZone;
  const { fields, required } = IMPORT_FIELDS[kind];
  const m = ctx.db.models;
  const seen = new Set<string>();
  let total = 0;
  let ok = true;
  const counts = { imported: 0, updated: 0, unchanged: 0 };
  // Tickets are evaluated chunk by chunk as they are written, so the import never reads the
  // 100,000 tickets back; only the proposed lines (breaches) are kept until the end.
  const now = new Date();
  const slaCalendar = kind === 'tickets' ? await loadCalendar(ctx, tz, (policy as StoredPolicy).workingHours, t) : null;
  const periods = periodSpans(bundle);
  // A first import into an empty contract needs no lookups of existing tickets or lines.
  const firstImport = kind === 'tickets' && (await m.Ticket.count({ where: { contractId }, transaction: t })) === 0 &&
    (await m.LedgerLine.count({ where: { contractId, source: 'sla' }, transaction: t })) === 0;
  let sla: DetectionSummary = { added: 0, withdrawn: 0, retraced: 0, unchanged: 0, skippedLocked: 0 };
  const CHUNK = 500;
  let chunk: unknown[] = [];
  const presentTicketFields = new Set<OptionalTicketField>();
  const changedTickets = new Set<string>();
  const inspectionPlans = kind === 'inspections'
    ? ((await m.InspectionPlan.findAll({ where: { contractId }, raw: true, transaction: t })) as unknown as InspectionPlanRow[]) : [];
  const reportPlans = kind === 'report_submissions'
    ? ((await m.ReportPlan.findAll({ where: { contractId }, raw: true, transaction: t })) as unknown as ReportPlanRow[]) : [];

  const writeRows = async (rows: unknown[]) => {
    if (!ok || rows.length === 0) return;
    if (kind === 'tickets') {
      const r = await upsertTickets(ctx, t, contractId, rows as TicketInput[], {
        present: presentTicketFields,
        policy: policy as StoredPolicy,
        assumeNew: firstImport,
        onInvalid: (tk, issues) => {
          ok = false;
          onError({ row: tk.row ?? 0, errors: issues.map((d) => ({ field: fieldOf(d.path), message: `${d.message}（与已存储的工单合并后）` })) });
        },
      });
      counts.imported += r.imported;
      counts.updated += r.updated;
      counts.unchanged += r.unchanged;
      // The chunk's SLA lines are reconciled right away (one audit entry for the whole import).
      const records = r.changedTickets;
      for (const x of records) changedTickets.add(x.externalId);
      const proposed = detectSlaBreaches(records, policyForDetection(policy as StoredPolicy), slaCalendar as CompiledCalendar, periods, now);
      const keys = records.map((x) => ticketKey(x.externalId));
      sla = addSummaries(sla, await applyDetection(ctx, t, actor, bundle, 'sla', proposed, keys, { audit: false, noExisting: firstImport }));
    } else if (kind === 'people') {
      const r = await writePeople(ctx, t, contractId, rows as PersonInput[]);
      counts.imported += r.imported;
      counts.updated += r.updated;
      counts.unchanged += r.unchanged;
    } else {
      const model = kind === 'inspections' ? m.InspectionRun : m.ReportSubmission;
      const values = (rows as (RunInput | { planId: number; covers: string; submittedAt: Date; title: string | null; externalId: string | null })[]).map((x) =>
        kind === 'inspections' ? runRow(contractId, x as RunInput) : submissionRow(contractId, x as Parameters<typeof submissionRow>[1]));
      const existing = new Map(((await (model as typeof m.InspectionRun).findAll({
        where: { contractId, externalId: values.map((v) => v.externalId as string) }, attributes: ['id', 'externalId', 'contentHash'], raw: true, transaction: t,
      })) as unknown as { id: number; externalId: string; contentHash: string }[]).map((r) => [r.externalId, r]));
      const creates = [];
      for (const v of values) {
        const old = existing.get(v.externalId as string);
        if (!old) creates.push(v);
        else if (old.contentHash === v.contentHash) counts.unchanged += 1;
        else {
          await (model as typeof m.InspectionRun).update(v as never, { where: { id: old.id }, transaction: t });
          counts.updated += 1;
        }
      }
      if (creates.length) await (model as typeof m.InspectionRun).bulkCreate(creates as never[], { transaction: t });
      counts.imported += creates.length;
    }
  };
  // Writing a chunk overlaps with reading the next one (the file is parsed while the database
  // works); at most one chunk is in flight, and chunks are written in order.
  let inflight: Promise<void> = Promise.resolve();
  const flush = async () => {
    const rows = chunk;
    chunk = [];
    await inflight;
    inflight = writeRows(rows);
    inflight.catch(() => undefined); // handled: the next await of `inflight` rethrows
  };

  try {
    let badRowCount = 0;
    const progress = (phase: ImportProgress['phase']) => {
      try {
        onProgress?.({ phase, rows: total, badRows: badRowCount });
      } catch {
        // a progress listener never stops the import
      }
    };
    for await (const raw of readRows(path, format, {
      onHeaders: (headers) => {
        // Optional ticket columns the file lacks keep the stored values (pauses always do).
        for (const [field, column] of [['system', 'system'], ['type', 'type'], ['title', 'title'], ['respondedAt', 'responded_at'], ['resolvedAt', 'resolved_at']] as const) {
          if (missingColumns(headers, mapping, [column]).length === 0) presentTicketFields.add(field);
        }
        const missing = missingColumns(headers, mapping, required);
        if (missing.length) {
          throw badRequest(`文件缺少必需的列：${missing.join('、')}（表头：${headers.join('、')}）`, missing.map((h) => ({ path: `columns.${h}`, message: '缺少此列' })));
        }
      },
    })) {
      total += 1;
      const v = applyMapping(raw.values, mapping, fields);
      let parsed: Parsed<unknown>;
      if (kind === 'tickets') parsed = parseTicketRow(v, tz, policy as StoredPolicy);
      else if (kind === 'inspections') parsed = parseRunRow(v, tz, inspectionPlans);
      else if (kind === 'report_submissions') parsed = parseSubmissionRow(v, tz, reportPlans, bundle.contract.startDate);
      else parsed = parsePersonRow(v);
      const id = v.external_id;
      if (id && seen.has(id)) parsed.errors.push({ field: 'external_id', message: `编号 ${id} 在文件中重复` });
      if (id) seen.add(id);
      if (total % PROGRESS_EVERY === 0) progress('reading');
      if (parsed.errors.length) {
        ok = false;
        badRowCount += 1;
        onError({ row: raw.row, errors: parsed.errors });
        continue;
      }
      if (ok) {
        if (kind === 'tickets') (parsed.value as TicketInput).row = raw.row;
        chunk.push(parsed.value);
        if (chunk.length >= CHUNK) await flush();
      }
    }
    await flush();
    progress(ok ? 'detecting' : 'reading');
  } finally {
    // Never leave a write running when the transaction ends, whatever stopped the loop.
    await inflight.catch(() => undefined);
  }
  await inflight;
  onTotal(total);
  if (total === 0) throw badRequest(`文件中没有${KIND_LABEL[kind]}数据行`, [{ path: 'file', message: '没有数据行' }]);
  if (!ok) return { rows: total, ...counts, detection: {} };
  await audit(ctx, t, actor, {
    action: `import.${kind}`, entity: kind, contractId,
    after: { rows: total, ...counts, fileHash, mapping, ...(kind === 'tickets' ? { slaLines: sla } : {}) },
  });
  if (kind === 'tickets') {
    // Open tickets the file did not change are looked at again: time has passed.
    const openUnchanged = (await openTicketExternalIds(ctx, t, contractId)).filter((x) => !changedTickets.has(x));
    if (openUnchanged.length) {
      const again = await detect(ctx, t, actor, bundle, ['sla'], { ticketExternalIds: openUnchanged, now });
      if (again.sla) sla = addSummaries(sla, again.sla);
    }
  }
  const detection =
    kind === 'tickets'
      ? { sla }
      : await detect(ctx, t, actor, bundle, [kind === 'inspections' ? 'inspection' : kind === 'people' ? 'staffing' : 'report']);
  return { rows: total, ...counts, detection };
}

// ---- preview (the import pages' steps 2 and 3) --------------------------------------------

export interface PreviewRow {
  row: number;
  /** our field → the cell text the mapping reads */
  values: Record<string, string>;
  errors: { field: string; message: string }[];
}

/**
 * Reads an uploaded file's header and its first `limit` data rows (nothing is written): the
 * header texts, the required fields whose column is missing under `mapping`, and each row as
 * the import would read it with its problems. Problems that need the stored data (a ticket
 * merged with the one already stored) show only at the import itself.
 */
export async function previewFile(
  ctx: Ctx,
  actor: Actor,
  contractId: number,
  kindText: string,
  file: UploadedFile,
  mapping: ColumnMapping,
  limit = 20,
): Promise<{ kind: ImportKind; format: ImportFormat; headers: string[]; missing: string[]; rows: PreviewRow[]; more: boolean }> {
  requireRole(actor, 'admin', 'manager');
  const kind = checkKind(kindText);
  const m = validate<ColumnMapping>(mappingSchema, mapping);
  checkMapping(kind, m);
  const bundle = await loadVisibleBundle(ctx, actor, contractId);
  const fd = fs.openSync(file.path, 'r');
  const head = Buffer.alloc(4096);
  const headLength = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const format = detectFormat(file.originalname, head.subarray(0, headLength));
  if (!format) throw badRequest('文件不是 CSV 或 XLSX 表格', [{ path: 'file', message: '不支持的文件格式' }]);
  const tz = bundle.contract.timeZone;
  const { fields, required } = IMPORT_FIELDS[kind];
  const policy = kind === 'tickets' ? await loadPolicy(ctx, contractId) : null;
  if (kind === 'tickets' && !policy) throw conflict('请先为本合同配置 SLA 策略，再导入工单');
  const inspectionPlans = kind === 'inspections'
    ? ((await ctx.db.models.InspectionPlan.findAll({ where: { contractId }, raw: true })) as unknown as InspectionPlanRow[]) : [];
  const reportPlans = kind === 'report_submissions'
    ? ((await ctx.db.models.ReportPlan.findAll({ where: { contractId }, raw: true })) as unknown as ReportPlanRow[]) : [];
  let headers: string[] = [];
  const rows: PreviewRow[] = [];
  const seen = new Set<string>();
  let more = false;
  try {
    for await (const raw of readRows(file.path, format, { onHeaders: (h) => (headers = h) })) {
      if (rows.length >= limit) {
        more = true;
        break;
      }
      const v = applyMapping(raw.values, m, fields);
      let parsed: Parsed<unknown>;
      if (kind === 'tickets') parsed = parseTicketRow(v, tz, policy as StoredPolicy);
      else if (kind === 'inspections') parsed = parseRunRow(v, tz, inspectionPlans);
      else if (kind === 'report_submissions') parsed = parseSubmissionRow(v, tz, reportPlans, bundle.contract.startDate);
      else parsed = parsePersonRow(v);
      if (v.external_id && seen.has(v.external_id)) parsed.errors.push({ field: 'external_id', message: `编号 ${v.external_id} 在文件中重复` });
      if (v.external_id) seen.add(v.external_id);
      rows.push({ row: raw.row, values: v, errors: parsed.errors });
    }
  } catch (e) {
    if (e instanceof ImportFileError) throw badRequest(e.message, [{ path: 'file', message: e.message }]);
    throw e;
  }
  return { kind, format, headers, missing: missingColumns(headers, m, required), rows, more };
}
