// Sequelize models. They are defined per Sequelize instance (a factory, not module-level
// classes) so that one process can hold an SQLite and a PostgreSQL database at once, as the
// test suite does. The schema itself comes from the migrations in ./migrations.
import { DataTypes, Model, ModelStatic, Sequelize } from 'sequelize';

export type Role = 'admin' | 'manager' | 'vendor' | 'finance';
export const ROLES: Role[] = ['admin', 'manager', 'vendor', 'finance'];

export interface VendorRow {
  id: number;
  name: string;
  creditCode: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
export interface UserRow {
  id: number;
  username: string;
  displayName: string | null;
  passwordHash: string;
  role: Role;
  vendorId: number | null;
  active: boolean;
  /** raised when the password changes: sessions signed in before end */
  sessionEpoch: number;
  /** consecutive wrong passwords since the last successful sign-in (or unlock) */
  failedLogins: number;
  /** sign-in refused until then (too many wrong passwords); null when not locked */
  lockedUntil: Date | string | null;
  createdAt: Date;
  updatedAt: Date;
}
export interface ApiTokenRow {
  id: number;
  userId: number;
  tokenHash: string;
  expiresAt: Date;
}
export interface TemplateRow {
  id: number;
  version: number;
  name: string;
  basedOn: number | null;
  definition: string;
  createdBy: number | null;
  createdAt: Date;
}
export interface ContractRow {
  id: number;
  code: string;
  name: string;
  bureau: string;
  vendorId: number;
  systems: string;
  totalAmountFen: string | number;
  startDate: string;
  endDate: string;
  timeZone: string;
  templateVersion: number;
  periodScheme: 'contract_quarters' | 'calendar_quarters';
  pointRate: string;
  interviewThreshold: number;
  interviewsBeforeTermination: number;
  objectionWindowDays: number;
  createdBy: number | null;
  /** the bureau contract manager (采购人) responsible for it */
  managerId: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
export type PeriodStatus = 'draft' | 'published' | 'signed' | 'locked';
export interface PeriodRow {
  id: number;
  contractId: number;
  number: number;
  label: string;
  startDate: string;
  endDate: string;
  partial: boolean;
  status: PeriodStatus;
  templateVersion: number;
  signedBy: number | null;
  signedAt: Date | null;
  publishedAt: Date | null;
  publishedBy: number | null;
  /** last day (inclusive, contract calendar) on which the vendor may object */
  objectionDeadline: string | null;
  /** the vendor confirmed it has no (further) objection */
  acknowledgedAt: Date | null;
  acknowledgedBy: number | null;
  version: number;
}
export type PaymentStatus = 'pending' | 'invoiced' | 'paid';
export interface InstallmentRow {
  id: number;
  contractId: number;
  number: number;
  name: string;
  ratio: string;
  deductible: boolean;
  periods: string;
  paymentStatus: PaymentStatus;
  invoiceDate: string | null;
  paidDate: string | null;
  version: number;
}
export interface PenaltyClauseRow {
  id: number;
  contractId: number;
  code: string;
  name: string;
  kind: 'percent_range' | 'per_day' | 'per_violation' | 'fixed';
  minPercent: string | null;
  maxPercent: string | null;
  ratePercent: string | null;
  amount: string | null;
  basis: string | null;
}
interface Withdrawable {
  status: 'active' | 'withdrawn';
  withdrawnReason: string | null;
  withdrawnBy: number | null;
  withdrawnAt: Date | null;
}
export interface LedgerLineRow extends Withdrawable {
  id: number;
  contractId: number;
  periodNumber: number;
  itemNumber: number;
  ruleCode: string;
  units: number;
  points: number;
  reason: string;
  occurredAt: Date | null;
  evidence: string | null;
  source: string;
  /** the evidence a detected line comes from (ticket:12, inspection:3:2025-11-03 ...); null for manual lines */
  sourceKey: string | null;
  /** readable "why" of a detected line (JSON array of Chinese sentences) */
  trace: string | null;
  recordedBy: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
export interface RatingRow extends Withdrawable {
  id: number;
  contractId: number;
  periodNumber: number;
  itemNumber: number;
  level: number;
  rater: string | null;
  note: string | null;
  recordedBy: number | null;
  createdAt: Date;
}
export type PenaltyStatus = 'proposed' | 'approved' | 'withdrawn';
export interface PenaltyRow {
  id: number;
  contractId: number;
  installmentNumber: number;
  clauseCode: string;
  amountFen: string | number;
  percent: string | null;
  units: number | null;
  reason: string;
  recordedBy: number | null;
  approvedBy: number | null;
  approvedAt: Date | null;
  status: PenaltyStatus;
  withdrawnReason: string | null;
  withdrawnBy: number | null;
  withdrawnAt: Date | null;
  createdAt: Date;
}
export interface FileRow {
  id: number;
  contractId: number;
  sha256: string;
  name: string;
  size: number;
  mime: string;
  uploadedBy: number | null;
  createdAt: Date;
}
export type ObjectionStatus = 'open' | 'upheld' | 'reduced' | 'withdrawn';
export interface ObjectionRow {
  id: number;
  contractId: number;
  periodNumber: number;
  lineId: number;
  reason: string;
  attachments: string;
  status: ObjectionStatus;
  filedBy: number | null;
  decision: 'uphold' | 'reduce' | 'withdraw' | null;
  resolutionReason: string | null;
  resolvedBy: number | null;
  resolvedAt: Date | null;
  /** hundredths of a unit, as on the ledger line */
  originalUnits: number;
  resolvedUnits: number | null;
  replacementLineId: number | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
export interface InterviewRow {
  id: number;
  contractId: number;
  periodNumber: number;
  date: string;
  attendees: string;
  outcome: string;
  recordedBy: number | null;
  createdAt: Date;
}
export interface NotificationRow {
  id: number;
  userId: number;
  contractId: number | null;
  kind: string;
  message: string;
  link: string | null;
  readAt: Date | null;
  createdAt: Date;
}
export type SubmissionKind = 'report_submission' | 'inspection_run' | 'person';
export interface EvidenceSubmissionRow {
  id: number;
  contractId: number;
  kind: SubmissionKind;
  payload: string;
  attachments: string;
  status: 'pending' | 'confirmed' | 'rejected';
  submittedBy: number | null;
  reviewNote: string | null;
  reviewedBy: number | null;
  reviewedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
export interface AuditRow {
  id: number;
  /** position in the hash chain (server/audit-chain.ts) */
  seq: number;
  prevHash: string;
  hash: string;
  at: Date;
  userId: number | null;
  username: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  contractId: number | null;
  before: string | null;
  after: string | null;
}

export interface CalendarYearRow { year: number; source: string }
export interface CalendarDayRow { date: string; kind: 'holiday' | 'workday'; name: string }
export interface SlaPolicyRow {
  id: number;
  contractId: number;
  workingHours: string;
  levels: string;
  itemByTicketType: string;
  pauseReasons: string;
  version: number;
  updatedAt: Date;
}
export interface TicketRow {
  id: number;
  contractId: number;
  externalId: string;
  system: string | null;
  type: string | null;
  severity: string;
  openedAt: Date;
  respondedAt: Date | null;
  resolvedAt: Date | null;
  pauses: string;
  title: string | null;
  contentHash: string;
  createdAt: Date;
  updatedAt: Date;
}
export interface InspectionPlanRow {
  id: number;
  contractId: number;
  name: string;
  system: string | null;
  frequency: 'workday' | 'weekly' | 'monthly' | 'quarterly' | 'dates';
  dates: string;
  deadlineTime: string | null;
  checklist: string;
  findingLimitMinutes: number;
  activeFrom: string | null;
  activeTo: string | null;
  status: 'active' | 'retired';
}
export interface InspectionRunRow {
  id: number;
  contractId: number;
  planId: number;
  externalId: string | null;
  performedAt: Date;
  performer: string;
  itemsChecked: string;
  findings: string;
  contentHash: string;
  createdAt: Date;
}
export interface ReportPlanRow {
  id: number;
  contractId: number;
  name: string;
  kind: 'weekly' | 'monthly' | 'annual' | 'per_incident';
  dueWorkingDays: number;
  eventKinds: string;
  status: 'active' | 'retired';
}
export interface ReportSubmissionRow {
  id: number;
  contractId: number;
  planId: number;
  covers: string;
  externalId: string | null;
  submittedAt: Date;
  title: string | null;
  contentHash: string;
  createdAt: Date;
}
export interface PositionRow {
  id: number;
  contractId: number;
  role: string;
  count: number;
  qualifications: string;
  toleranceWorkingDays: number;
}
export interface PersonRow {
  id: number;
  contractId: number;
  externalId: string;
  name: string;
  role: string;
  startDate: string;
  endDate: string | null;
  qualifications: string;
  securityAgreement: boolean;
  noCriminalRecord: boolean;
  securityTrainingDate: string | null;
  contentHash: string;
}
export interface EventRow {
  id: number;
  contractId: number;
  kind: string;
  externalId: string | null;
  occurredAt: Date;
  system: string | null;
  title: string;
  details: string;
  recordedBy: number | null;
  status: 'active' | 'withdrawn';
  withdrawnReason: string | null;
  createdAt: Date;
}
export interface ImportMappingRow {
  id: number;
  contractId: number;
  kind: string;
  mapping: string;
}

export type ImportJobState = 'uploaded' | 'queued' | 'running' | 'done' | 'failed' | 'expired';
export interface ImportJobRow {
  id: number;
  contractId: number;
  userId: number;
  kind: string;
  state: ImportJobState;
  token: string | null;
  fileName: string;
  fileSize: number | string;
  mapping: string | null;
  done: number;
  total: number | null;
  message: string | null;
  result: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ExportKind = 'scorecard_pdf' | 'scorecard_xlsx' | 'payments_xlsx';
export interface ExportArtifactRow {
  id: number;
  documentNumber: string;
  kind: ExportKind;
  subject: string;
  version: number;
  contractId: number | null;
  periodNumber: number | null;
  bureau: string;
  title: string;
  periodStatus: string | null;
  signed: boolean;
  contentSha256: string;
  fileSha256: string;
  byteSize: number;
  fileName: string;
  mime: string;
  content: Buffer;
  signature: Buffer | null;
  signer: string | null;
  certificateSha256: string | null;
  signedAt: Date | null;
  issuedBy: number | null;
  issuedByName: string;
  issuedAt: Date;
  supersededBy: number | null;
  supersededAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export type ExportBatchState = 'queued' | 'running' | 'done' | 'failed';
export interface ExportBatchRow {
  id: number;
  userId: number;
  bureau: string;
  periodNumber: number;
  state: ExportBatchState;
  done: number;
  total: number;
  message: string | null;
  entries: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

// Models accept partial rows on create; reads go through `raw: true` or `get({ plain: true })`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type M<Row extends object> = ModelStatic<Model<Row, any>>;

export interface Models {
  Vendor: M<VendorRow>;
  User: M<UserRow>;
  ApiToken: M<ApiTokenRow>;
  Template: M<TemplateRow>;
  Contract: M<ContractRow>;
  Period: M<PeriodRow>;
  Installment: M<InstallmentRow>;
  PenaltyClause: M<PenaltyClauseRow>;
  LedgerLine: M<LedgerLineRow>;
  Rating: M<RatingRow>;
  Penalty: M<PenaltyRow>;
  Audit: M<AuditRow>;
  CalendarYear: M<CalendarYearRow>;
  CalendarDay: M<CalendarDayRow>;
  SlaPolicy: M<SlaPolicyRow>;
  Ticket: M<TicketRow>;
  InspectionPlan: M<InspectionPlanRow>;
  InspectionRun: M<InspectionRunRow>;
  ReportPlan: M<ReportPlanRow>;
  ReportSubmission: M<ReportSubmissionRow>;
  Position: M<PositionRow>;
  Person: M<PersonRow>;
  Event: M<EventRow>;
  ImportMapping: M<ImportMappingRow>;
  File: M<FileRow>;
  Objection: M<ObjectionRow>;
  Interview: M<InterviewRow>;
  Notification: M<NotificationRow>;
  EvidenceSubmission: M<EvidenceSubmissionRow>;
  ImportJob: M<ImportJobRow>;
  ExportArtifact: M<ExportArtifactRow>;
  ExportBatch: M<ExportBatchRow>;
}

const pk = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true };
const withdrawable = {
  status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
  withdrawnReason: { type: DataTypes.TEXT },
  withdrawnBy: { type: DataTypes.INTEGER },
  withdrawnAt: { type: DataTypes.DATE },
};
const opts = (tableName: string) => ({ tableName, underscored: true, timestamps: true });

export function defineModels(sequelize: Sequelize): Models {
  const d = <Row extends object>(name: string, attrs: object, o: object): M<Row> =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    sequelize.define(name, attrs as any, o) as unknown as M<Row>;
  return {
    Vendor: d<VendorRow>('Vendor', {
      id: pk,
      name: { type: DataTypes.STRING(200), allowNull: false },
      creditCode: DataTypes.STRING(32),
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    }, opts('vendors')),
    User: d<UserRow>('User', {
      id: pk,
      username: { type: DataTypes.STRING(64), allowNull: false },
      displayName: DataTypes.STRING(100),
      passwordHash: { type: DataTypes.STRING(255), allowNull: false },
      role: { type: DataTypes.STRING(20), allowNull: false },
      vendorId: DataTypes.INTEGER,
      active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      sessionEpoch: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      failedLogins: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      lockedUntil: DataTypes.DATE,
    }, opts('users')),
    ApiToken: d<ApiTokenRow>('ApiToken', {
      id: pk,
      userId: { type: DataTypes.INTEGER, allowNull: false },
      tokenHash: { type: DataTypes.STRING(64), allowNull: false },
      expiresAt: { type: DataTypes.DATE, allowNull: false },
    }, opts('api_tokens')),
    Template: d<TemplateRow>('Template', {
      id: pk,
      version: { type: DataTypes.INTEGER, allowNull: false },
      name: { type: DataTypes.STRING(200), allowNull: false },
      basedOn: DataTypes.INTEGER,
      definition: { type: DataTypes.TEXT, allowNull: false },
      createdBy: DataTypes.INTEGER,
    }, opts('templates')),
    Contract: d<ContractRow>('Contract', {
      id: pk,
      code: { type: DataTypes.STRING(64), allowNull: false },
      name: { type: DataTypes.STRING(300), allowNull: false },
      bureau: { type: DataTypes.STRING(200), allowNull: false },
      vendorId: { type: DataTypes.INTEGER, allowNull: false },
      systems: { type: DataTypes.TEXT, allowNull: false },
      totalAmountFen: { type: DataTypes.BIGINT, allowNull: false },
      startDate: { type: DataTypes.DATEONLY, allowNull: false },
      endDate: { type: DataTypes.DATEONLY, allowNull: false },
      timeZone: { type: DataTypes.STRING(64), allowNull: false },
      templateVersion: { type: DataTypes.INTEGER, allowNull: false },
      periodScheme: { type: DataTypes.STRING(32), allowNull: false },
      pointRate: { type: DataTypes.STRING(20), allowNull: false },
      interviewThreshold: { type: DataTypes.INTEGER, allowNull: false },
      interviewsBeforeTermination: { type: DataTypes.INTEGER, allowNull: false },
      objectionWindowDays: { type: DataTypes.INTEGER, allowNull: false },
      createdBy: DataTypes.INTEGER,
      managerId: DataTypes.INTEGER,
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    }, opts('contracts')),
    Period: d<PeriodRow>('Period', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      number: { type: DataTypes.INTEGER, allowNull: false },
      label: { type: DataTypes.STRING(200), allowNull: false },
      startDate: { type: DataTypes.DATEONLY, allowNull: false },
      endDate: { type: DataTypes.DATEONLY, allowNull: false },
      partial: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'draft' },
      templateVersion: { type: DataTypes.INTEGER, allowNull: false },
      signedBy: DataTypes.INTEGER,
      signedAt: DataTypes.DATE,
      publishedAt: DataTypes.DATE,
      publishedBy: DataTypes.INTEGER,
      objectionDeadline: DataTypes.DATEONLY,
      acknowledgedAt: DataTypes.DATE,
      acknowledgedBy: DataTypes.INTEGER,
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    }, opts('periods')),
    Installment: d<InstallmentRow>('Installment', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      number: { type: DataTypes.INTEGER, allowNull: false },
      name: { type: DataTypes.STRING(100), allowNull: false },
      ratio: { type: DataTypes.STRING(20), allowNull: false },
      deductible: { type: DataTypes.BOOLEAN, allowNull: false },
      periods: { type: DataTypes.TEXT, allowNull: false },
      paymentStatus: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'pending' },
      invoiceDate: DataTypes.DATEONLY,
      paidDate: DataTypes.DATEONLY,
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    }, opts('installments')),
    PenaltyClause: d<PenaltyClauseRow>('PenaltyClause', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      code: { type: DataTypes.STRING(64), allowNull: false },
      name: { type: DataTypes.STRING(200), allowNull: false },
      kind: { type: DataTypes.STRING(20), allowNull: false },
      minPercent: DataTypes.STRING(20),
      maxPercent: DataTypes.STRING(20),
      ratePercent: DataTypes.STRING(20),
      amount: DataTypes.STRING(24),
      basis: DataTypes.TEXT,
    }, opts('penalty_clauses')),
    LedgerLine: d<LedgerLineRow>('LedgerLine', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      periodNumber: { type: DataTypes.INTEGER, allowNull: false },
      itemNumber: { type: DataTypes.INTEGER, allowNull: false },
      ruleCode: { type: DataTypes.STRING(8), allowNull: false },
      units: { type: DataTypes.INTEGER, allowNull: false },
      points: { type: DataTypes.INTEGER, allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: false },
      occurredAt: DataTypes.DATE,
      evidence: DataTypes.TEXT,
      source: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'manual' },
      sourceKey: DataTypes.STRING(200),
      trace: DataTypes.TEXT,
      recordedBy: DataTypes.INTEGER,
      ...withdrawable,
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    }, opts('ledger_lines')),
    Rating: d<RatingRow>('Rating', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      periodNumber: { type: DataTypes.INTEGER, allowNull: false },
      itemNumber: { type: DataTypes.INTEGER, allowNull: false },
      level: { type: DataTypes.INTEGER, allowNull: false },
      rater: DataTypes.STRING(100),
      note: DataTypes.TEXT,
      recordedBy: DataTypes.INTEGER,
      ...withdrawable,
    }, opts('ratings')),
    Penalty: d<PenaltyRow>('Penalty', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      installmentNumber: { type: DataTypes.INTEGER, allowNull: false },
      clauseCode: { type: DataTypes.STRING(64), allowNull: false },
      amountFen: { type: DataTypes.BIGINT, allowNull: false },
      percent: DataTypes.STRING(24),
      units: DataTypes.INTEGER,
      reason: { type: DataTypes.TEXT, allowNull: false },
      recordedBy: DataTypes.INTEGER,
      approvedBy: DataTypes.INTEGER,
      approvedAt: DataTypes.DATE,
      ...withdrawable,
    }, opts('penalties')),
    Audit: d<AuditRow>('Audit', {
      id: pk,
      seq: DataTypes.BIGINT,
      prevHash: DataTypes.STRING(64),
      hash: DataTypes.STRING(64),
      at: { type: DataTypes.DATE, allowNull: false },
      userId: DataTypes.INTEGER,
      username: DataTypes.STRING(64),
      action: { type: DataTypes.STRING(64), allowNull: false },
      entity: { type: DataTypes.STRING(64), allowNull: false },
      entityId: DataTypes.STRING(64),
      contractId: DataTypes.INTEGER,
      before: DataTypes.TEXT,
      after: DataTypes.TEXT,
    }, { tableName: 'audit_log', underscored: true, timestamps: false }),
    CalendarYear: d<CalendarYearRow>('CalendarYear', {
      year: { type: DataTypes.INTEGER, primaryKey: true },
      source: { type: DataTypes.STRING(200), allowNull: false },
    }, opts('calendar_years')),
    CalendarDay: d<CalendarDayRow>('CalendarDay', {
      date: { type: DataTypes.STRING(10), primaryKey: true },
      kind: { type: DataTypes.STRING(10), allowNull: false },
      name: { type: DataTypes.STRING(50), allowNull: false },
    }, opts('calendar_days')),
    SlaPolicy: d<SlaPolicyRow>('SlaPolicy', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      workingHours: { type: DataTypes.TEXT, allowNull: false },
      levels: { type: DataTypes.TEXT, allowNull: false },
      itemByTicketType: { type: DataTypes.TEXT, allowNull: false },
      pauseReasons: { type: DataTypes.TEXT, allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    }, opts('sla_policies')),
    Ticket: d<TicketRow>('Ticket', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      externalId: { type: DataTypes.STRING(100), allowNull: false },
      system: DataTypes.STRING(200),
      type: DataTypes.STRING(50),
      severity: { type: DataTypes.STRING(50), allowNull: false },
      openedAt: { type: DataTypes.DATE, allowNull: false },
      respondedAt: DataTypes.DATE,
      resolvedAt: DataTypes.DATE,
      pauses: { type: DataTypes.TEXT, allowNull: false },
      title: DataTypes.STRING(500),
      contentHash: { type: DataTypes.STRING(64), allowNull: false },
    }, opts('tickets')),
    InspectionPlan: d<InspectionPlanRow>('InspectionPlan', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      name: { type: DataTypes.STRING(200), allowNull: false },
      system: DataTypes.STRING(200),
      frequency: { type: DataTypes.STRING(20), allowNull: false },
      dates: { type: DataTypes.TEXT, allowNull: false },
      deadlineTime: DataTypes.STRING(5),
      checklist: { type: DataTypes.TEXT, allowNull: false },
      findingLimitMinutes: { type: DataTypes.INTEGER, allowNull: false },
      activeFrom: DataTypes.DATEONLY,
      activeTo: DataTypes.DATEONLY,
      status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
    }, opts('inspection_plans')),
    InspectionRun: d<InspectionRunRow>('InspectionRun', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      planId: { type: DataTypes.INTEGER, allowNull: false },
      externalId: DataTypes.STRING(100),
      performedAt: { type: DataTypes.DATE, allowNull: false },
      performer: { type: DataTypes.STRING(100), allowNull: false },
      itemsChecked: { type: DataTypes.TEXT, allowNull: false },
      findings: { type: DataTypes.TEXT, allowNull: false },
      contentHash: { type: DataTypes.STRING(64), allowNull: false },
    }, opts('inspection_runs')),
    ReportPlan: d<ReportPlanRow>('ReportPlan', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      name: { type: DataTypes.STRING(200), allowNull: false },
      kind: { type: DataTypes.STRING(20), allowNull: false },
      dueWorkingDays: { type: DataTypes.INTEGER, allowNull: false },
      eventKinds: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
    }, opts('report_plans')),
    ReportSubmission: d<ReportSubmissionRow>('ReportSubmission', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      planId: { type: DataTypes.INTEGER, allowNull: false },
      covers: { type: DataTypes.STRING(40), allowNull: false },
      externalId: DataTypes.STRING(100),
      submittedAt: { type: DataTypes.DATE, allowNull: false },
      title: DataTypes.STRING(300),
      contentHash: { type: DataTypes.STRING(64), allowNull: false },
    }, opts('report_submissions')),
    Position: d<PositionRow>('Position', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      role: { type: DataTypes.STRING(100), allowNull: false },
      count: { type: DataTypes.INTEGER, allowNull: false },
      qualifications: { type: DataTypes.TEXT, allowNull: false },
      toleranceWorkingDays: { type: DataTypes.INTEGER, allowNull: false },
    }, opts('positions')),
    Person: d<PersonRow>('Person', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      externalId: { type: DataTypes.STRING(100), allowNull: false },
      name: { type: DataTypes.STRING(100), allowNull: false },
      role: { type: DataTypes.STRING(100), allowNull: false },
      startDate: { type: DataTypes.DATEONLY, allowNull: false },
      endDate: DataTypes.DATEONLY,
      qualifications: { type: DataTypes.TEXT, allowNull: false },
      securityAgreement: { type: DataTypes.BOOLEAN, allowNull: false },
      noCriminalRecord: { type: DataTypes.BOOLEAN, allowNull: false },
      securityTrainingDate: DataTypes.DATEONLY,
      contentHash: { type: DataTypes.STRING(64), allowNull: false },
    }, opts('people')),
    Event: d<EventRow>('Event', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(30), allowNull: false },
      externalId: DataTypes.STRING(100),
      occurredAt: { type: DataTypes.DATE, allowNull: false },
      system: DataTypes.STRING(200),
      title: { type: DataTypes.STRING(500), allowNull: false },
      details: { type: DataTypes.TEXT, allowNull: false },
      recordedBy: DataTypes.INTEGER,
      status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
      withdrawnReason: DataTypes.TEXT,
    }, opts('events')),
    ImportMapping: d<ImportMappingRow>('ImportMapping', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(30), allowNull: false },
      mapping: { type: DataTypes.TEXT, allowNull: false },
    }, opts('import_mappings')),
    File: d<FileRow>('File', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      sha256: { type: DataTypes.STRING(64), allowNull: false },
      name: { type: DataTypes.STRING(255), allowNull: false },
      size: { type: DataTypes.INTEGER, allowNull: false },
      mime: { type: DataTypes.STRING(100), allowNull: false },
      uploadedBy: DataTypes.INTEGER,
    }, opts('files')),
    Objection: d<ObjectionRow>('Objection', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      periodNumber: { type: DataTypes.INTEGER, allowNull: false },
      lineId: { type: DataTypes.INTEGER, allowNull: false },
      reason: { type: DataTypes.TEXT, allowNull: false },
      attachments: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      filedBy: DataTypes.INTEGER,
      decision: DataTypes.STRING(20),
      resolutionReason: DataTypes.TEXT,
      resolvedBy: DataTypes.INTEGER,
      resolvedAt: DataTypes.DATE,
      originalUnits: { type: DataTypes.INTEGER, allowNull: false },
      resolvedUnits: DataTypes.INTEGER,
      replacementLineId: DataTypes.INTEGER,
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    }, opts('objections')),
    Interview: d<InterviewRow>('Interview', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      periodNumber: { type: DataTypes.INTEGER, allowNull: false },
      date: { type: DataTypes.DATEONLY, allowNull: false },
      attendees: { type: DataTypes.TEXT, allowNull: false },
      outcome: { type: DataTypes.TEXT, allowNull: false },
      recordedBy: DataTypes.INTEGER,
    }, opts('interviews')),
    Notification: d<NotificationRow>('Notification', {
      id: pk,
      userId: { type: DataTypes.INTEGER, allowNull: false },
      contractId: DataTypes.INTEGER,
      kind: { type: DataTypes.STRING(40), allowNull: false },
      message: { type: DataTypes.TEXT, allowNull: false },
      link: DataTypes.STRING(500),
      readAt: DataTypes.DATE,
    }, opts('notifications')),
    EvidenceSubmission: d<EvidenceSubmissionRow>('EvidenceSubmission', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(30), allowNull: false },
      payload: { type: DataTypes.TEXT, allowNull: false },
      attachments: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.STRING(20), allowNull: false },
      submittedBy: DataTypes.INTEGER,
      reviewNote: DataTypes.TEXT,
      reviewedBy: DataTypes.INTEGER,
      reviewedAt: DataTypes.DATE,
      version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    }, opts('evidence_submissions')),
    ImportJob: d<ImportJobRow>('ImportJob', {
      id: pk,
      contractId: { type: DataTypes.INTEGER, allowNull: false },
      userId: { type: DataTypes.INTEGER, allowNull: false },
      kind: { type: DataTypes.STRING(30), allowNull: false },
      state: { type: DataTypes.STRING(20), allowNull: false },
      token: DataTypes.STRING(64),
      fileName: { type: DataTypes.STRING(255), allowNull: false },
      fileSize: { type: DataTypes.BIGINT, allowNull: false },
      mapping: DataTypes.TEXT,
      done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      total: DataTypes.INTEGER,
      message: DataTypes.TEXT,
      result: DataTypes.TEXT,
      startedAt: DataTypes.DATE,
      finishedAt: DataTypes.DATE,
    }, opts('import_jobs')),
    ExportArtifact: d<ExportArtifactRow>('ExportArtifact', {
      id: pk,
      documentNumber: { type: DataTypes.STRING(120), allowNull: false },
      kind: { type: DataTypes.STRING(30), allowNull: false },
      subject: { type: DataTypes.STRING(300), allowNull: false },
      version: { type: DataTypes.INTEGER, allowNull: false },
      contractId: DataTypes.INTEGER,
      periodNumber: DataTypes.INTEGER,
      bureau: { type: DataTypes.STRING(200), allowNull: false },
      title: { type: DataTypes.STRING(300), allowNull: false },
      periodStatus: DataTypes.STRING(20),
      signed: { type: DataTypes.BOOLEAN, allowNull: false },
      contentSha256: { type: DataTypes.STRING(64), allowNull: false },
      fileSha256: { type: DataTypes.STRING(64), allowNull: false },
      byteSize: { type: DataTypes.INTEGER, allowNull: false },
      fileName: { type: DataTypes.STRING(255), allowNull: false },
      mime: { type: DataTypes.STRING(100), allowNull: false },
      content: { type: DataTypes.BLOB, allowNull: false },
      signature: DataTypes.BLOB,
      signer: DataTypes.STRING(300),
      certificateSha256: DataTypes.STRING(64),
      signedAt: DataTypes.DATE,
      issuedBy: DataTypes.INTEGER,
      issuedByName: { type: DataTypes.STRING(100), allowNull: false },
      issuedAt: { type: DataTypes.DATE, allowNull: false },
      supersededBy: DataTypes.INTEGER,
      supersededAt: DataTypes.DATE,
    }, opts('export_artifacts')),
    ExportBatch: d<ExportBatchRow>('ExportBatch', {
      id: pk,
      userId: { type: DataTypes.INTEGER, allowNull: false },
      bureau: { type: DataTypes.STRING(200), allowNull: false },
      periodNumber: { type: DataTypes.INTEGER, allowNull: false },
      state: { type: DataTypes.STRING(20), allowNull: false },
      done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      message: DataTypes.TEXT,
      entries: DataTypes.TEXT,
      startedAt: DataTypes.DATE,
      finishedAt: DataTypes.DATE,
    }, opts('export_batches')),
  };
}
