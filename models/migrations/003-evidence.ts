// Evidence: the working calendar, SLA policies and tickets, inspection plans and runs,
// report plans and submissions, positions and people, events (releases, emergencies,
// security incidents, vulnerabilities, supply-chain findings, turnover, on-site visits),
// saved import column mappings; and on ledger lines the key of the evidence that produced
// them plus a readable trace.
import { DataTypes, QueryInterface } from 'sequelize';
import { BUNDLED_CALENDAR_DAYS, BUNDLED_YEARS } from '../../scoring/calendar-cn';

const ts = {
  created_at: { type: DataTypes.DATE, allowNull: false },
  updated_at: { type: DataTypes.DATE, allowNull: false },
};
const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
const contract = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'contracts', key: 'id' } };
const json = (allowNull = false) => ({ type: DataTypes.TEXT, allowNull });

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('ledger_lines', 'source_key', { type: DataTypes.STRING(200), allowNull: true });
  await qi.addColumn('ledger_lines', 'trace', { type: DataTypes.TEXT, allowNull: true });
  await qi.addIndex('ledger_lines', ['contract_id', 'source', 'status'], { name: 'ledger_lines_contract_source' });

  await qi.createTable('calendar_years', {
    year: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
    source: { type: DataTypes.STRING(200), allowNull: false },
    ...ts,
  });
  await qi.createTable('calendar_days', {
    date: { type: DataTypes.STRING(10), primaryKey: true, allowNull: false },
    kind: { type: DataTypes.STRING(10), allowNull: false },
    name: { type: DataTypes.STRING(50), allowNull: false },
    ...ts,
  });
  const now = new Date();
  await qi.bulkInsert('calendar_years', BUNDLED_YEARS.map((year) => ({ year, source: 'bundled (chinese-days 1.5.7)', created_at: now, updated_at: now })));
  await qi.bulkInsert('calendar_days', BUNDLED_CALENDAR_DAYS.map((d) => ({ date: d.date, kind: d.kind, name: d.name, created_at: now, updated_at: now })));

  await qi.createTable('sla_policies', {
    id,
    contract_id: { ...contract, unique: true },
    working_hours: json(),
    levels: json(),
    item_by_ticket_type: json(),
    pause_reasons: json(),
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...ts,
  });
  await qi.createTable('tickets', {
    id,
    contract_id: contract,
    external_id: { type: DataTypes.STRING(100), allowNull: false },
    system: { type: DataTypes.STRING(200), allowNull: true },
    type: { type: DataTypes.STRING(50), allowNull: true },
    severity: { type: DataTypes.STRING(50), allowNull: false },
    opened_at: { type: DataTypes.DATE, allowNull: false },
    responded_at: { type: DataTypes.DATE, allowNull: true },
    resolved_at: { type: DataTypes.DATE, allowNull: true },
    pauses: json(),
    title: { type: DataTypes.STRING(500), allowNull: true },
    content_hash: { type: DataTypes.STRING(64), allowNull: false },
    ...ts,
  });
  await qi.addIndex('tickets', ['contract_id', 'external_id'], { unique: true, name: 'tickets_contract_external' });

  await qi.createTable('inspection_plans', {
    id,
    contract_id: contract,
    name: { type: DataTypes.STRING(200), allowNull: false },
    system: { type: DataTypes.STRING(200), allowNull: true },
    frequency: { type: DataTypes.STRING(20), allowNull: false },
    dates: json(),
    deadline_time: { type: DataTypes.STRING(5), allowNull: true },
    checklist: json(),
    finding_limit_minutes: { type: DataTypes.INTEGER, allowNull: false },
    active_from: { type: DataTypes.DATEONLY, allowNull: true },
    active_to: { type: DataTypes.DATEONLY, allowNull: true },
    status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
    ...ts,
  });
  await qi.createTable('inspection_runs', {
    id,
    contract_id: contract,
    plan_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'inspection_plans', key: 'id' } },
    external_id: { type: DataTypes.STRING(100), allowNull: true },
    performed_at: { type: DataTypes.DATE, allowNull: false },
    performer: { type: DataTypes.STRING(100), allowNull: false },
    items_checked: json(),
    findings: json(),
    content_hash: { type: DataTypes.STRING(64), allowNull: false },
    ...ts,
  });
  await qi.addIndex('inspection_runs', ['contract_id', 'plan_id'], { name: 'inspection_runs_plan' });
  await qi.addIndex('inspection_runs', ['contract_id', 'external_id'], { unique: true, name: 'inspection_runs_external' });

  await qi.createTable('report_plans', {
    id,
    contract_id: contract,
    name: { type: DataTypes.STRING(200), allowNull: false },
    kind: { type: DataTypes.STRING(20), allowNull: false },
    due_working_days: { type: DataTypes.INTEGER, allowNull: false },
    event_kinds: json(),
    status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
    ...ts,
  });
  await qi.createTable('report_submissions', {
    id,
    contract_id: contract,
    plan_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'report_plans', key: 'id' } },
    covers: { type: DataTypes.STRING(40), allowNull: false },
    external_id: { type: DataTypes.STRING(100), allowNull: true },
    submitted_at: { type: DataTypes.DATE, allowNull: false },
    title: { type: DataTypes.STRING(300), allowNull: true },
    content_hash: { type: DataTypes.STRING(64), allowNull: false },
    ...ts,
  });
  await qi.addIndex('report_submissions', ['contract_id', 'plan_id', 'covers'], { name: 'report_submissions_plan_covers' });
  await qi.addIndex('report_submissions', ['contract_id', 'external_id'], { unique: true, name: 'report_submissions_external' });

  await qi.createTable('positions', {
    id,
    contract_id: contract,
    role: { type: DataTypes.STRING(100), allowNull: false },
    count: { type: DataTypes.INTEGER, allowNull: false },
    qualifications: json(),
    tolerance_working_days: { type: DataTypes.INTEGER, allowNull: false },
    ...ts,
  });
  await qi.addIndex('positions', ['contract_id', 'role'], { unique: true, name: 'positions_contract_role' });
  await qi.createTable('people', {
    id,
    contract_id: contract,
    external_id: { type: DataTypes.STRING(100), allowNull: false },
    name: { type: DataTypes.STRING(100), allowNull: false },
    role: { type: DataTypes.STRING(100), allowNull: false },
    start_date: { type: DataTypes.DATEONLY, allowNull: false },
    end_date: { type: DataTypes.DATEONLY, allowNull: true },
    qualifications: json(),
    security_agreement: { type: DataTypes.BOOLEAN, allowNull: false },
    no_criminal_record: { type: DataTypes.BOOLEAN, allowNull: false },
    security_training_date: { type: DataTypes.DATEONLY, allowNull: true },
    content_hash: { type: DataTypes.STRING(64), allowNull: false },
    ...ts,
  });
  await qi.addIndex('people', ['contract_id', 'external_id'], { unique: true, name: 'people_contract_external' });

  await qi.createTable('events', {
    id,
    contract_id: contract,
    kind: { type: DataTypes.STRING(30), allowNull: false },
    external_id: { type: DataTypes.STRING(100), allowNull: true },
    occurred_at: { type: DataTypes.DATE, allowNull: false },
    system: { type: DataTypes.STRING(200), allowNull: true },
    title: { type: DataTypes.STRING(500), allowNull: false },
    details: json(),
    recorded_by: { type: DataTypes.INTEGER, allowNull: true },
    status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
    withdrawn_reason: { type: DataTypes.TEXT, allowNull: true },
    ...ts,
  });
  await qi.addIndex('events', ['contract_id', 'kind'], { name: 'events_contract_kind' });

  await qi.createTable('import_mappings', {
    id,
    contract_id: contract,
    kind: { type: DataTypes.STRING(30), allowNull: false },
    mapping: json(),
    ...ts,
  });
  await qi.addIndex('import_mappings', ['contract_id', 'kind'], { unique: true, name: 'import_mappings_contract_kind' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const t of ['import_mappings', 'events', 'people', 'positions', 'report_submissions', 'report_plans',
    'inspection_runs', 'inspection_plans', 'tickets', 'sla_policies', 'calendar_days', 'calendar_years']) {
    await qi.dropTable(t);
  }
  await qi.removeIndex('ledger_lines', 'ledger_lines_contract_source');
  await qi.removeColumn('ledger_lines', 'trace');
  await qi.removeColumn('ledger_lines', 'source_key');
}
