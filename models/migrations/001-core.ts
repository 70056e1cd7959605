// Core schema: users and tokens, quality-table templates, vendors, contracts with their
// periods, installments and penalty clauses, the deduction ledger, ratings, penalties and
// the audit log. Money is BIGINT fen, points INTEGER hundredths: never floats.
import { DataTypes, QueryInterface } from 'sequelize';

const ts = {
  created_at: { type: DataTypes.DATE, allowNull: false },
  updated_at: { type: DataTypes.DATE, allowNull: false },
};
const withdrawal = {
  status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'active' },
  withdrawn_reason: { type: DataTypes.TEXT, allowNull: true },
  withdrawn_by: { type: DataTypes.INTEGER, allowNull: true },
  withdrawn_at: { type: DataTypes.DATE, allowNull: true },
};
const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
const fk = (table: string, allowNull = false) => ({
  type: DataTypes.INTEGER,
  allowNull,
  references: { model: table, key: 'id' },
});

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('vendors', {
    id,
    name: { type: DataTypes.STRING(200), allowNull: false, unique: true },
    credit_code: { type: DataTypes.STRING(32), allowNull: true },
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...ts,
  });
  await qi.createTable('users', {
    id,
    username: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    display_name: { type: DataTypes.STRING(100), allowNull: true },
    password_hash: { type: DataTypes.STRING(255), allowNull: false },
    role: { type: DataTypes.STRING(20), allowNull: false },
    vendor_id: fk('vendors', true),
    active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    ...ts,
  });
  await qi.createTable('api_tokens', {
    id,
    user_id: fk('users'),
    token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    expires_at: { type: DataTypes.DATE, allowNull: false },
    ...ts,
  });
  await qi.createTable('templates', {
    id,
    version: { type: DataTypes.INTEGER, allowNull: false, unique: true },
    name: { type: DataTypes.STRING(200), allowNull: false },
    based_on: { type: DataTypes.INTEGER, allowNull: true },
    definition: { type: DataTypes.TEXT, allowNull: false },
    created_by: fk('users', true),
    ...ts,
  });
  await qi.createTable('contracts', {
    id,
    code: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    name: { type: DataTypes.STRING(300), allowNull: false },
    bureau: { type: DataTypes.STRING(200), allowNull: false },
    vendor_id: fk('vendors'),
    systems: { type: DataTypes.TEXT, allowNull: false },
    total_amount_fen: { type: DataTypes.BIGINT, allowNull: false },
    start_date: { type: DataTypes.DATEONLY, allowNull: false },
    end_date: { type: DataTypes.DATEONLY, allowNull: false },
    time_zone: { type: DataTypes.STRING(64), allowNull: false },
    template_version: { type: DataTypes.INTEGER, allowNull: false },
    period_scheme: { type: DataTypes.STRING(32), allowNull: false },
    point_rate: { type: DataTypes.STRING(20), allowNull: false },
    interview_threshold: { type: DataTypes.INTEGER, allowNull: false },
    interviews_before_termination: { type: DataTypes.INTEGER, allowNull: false },
    objection_window_days: { type: DataTypes.INTEGER, allowNull: false },
    created_by: fk('users', true),
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...ts,
  });
  await qi.createTable('periods', {
    id,
    contract_id: fk('contracts'),
    number: { type: DataTypes.INTEGER, allowNull: false },
    label: { type: DataTypes.STRING(200), allowNull: false },
    start_date: { type: DataTypes.DATEONLY, allowNull: false },
    end_date: { type: DataTypes.DATEONLY, allowNull: false },
    partial: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'draft' },
    template_version: { type: DataTypes.INTEGER, allowNull: false },
    signed_by: fk('users', true),
    signed_at: { type: DataTypes.DATE, allowNull: true },
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...ts,
  });
  await qi.addIndex('periods', ['contract_id', 'number'], { unique: true, name: 'periods_contract_number' });
  await qi.createTable('installments', {
    id,
    contract_id: fk('contracts'),
    number: { type: DataTypes.INTEGER, allowNull: false },
    name: { type: DataTypes.STRING(100), allowNull: false },
    ratio: { type: DataTypes.STRING(20), allowNull: false },
    deductible: { type: DataTypes.BOOLEAN, allowNull: false },
    periods: { type: DataTypes.TEXT, allowNull: false },
    payment_status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'pending' },
    invoice_date: { type: DataTypes.DATEONLY, allowNull: true },
    paid_date: { type: DataTypes.DATEONLY, allowNull: true },
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...ts,
  });
  await qi.addIndex('installments', ['contract_id', 'number'], { unique: true, name: 'installments_contract_number' });
  await qi.createTable('penalty_clauses', {
    id,
    contract_id: fk('contracts'),
    code: { type: DataTypes.STRING(64), allowNull: false },
    name: { type: DataTypes.STRING(200), allowNull: false },
    kind: { type: DataTypes.STRING(20), allowNull: false },
    min_percent: { type: DataTypes.STRING(20), allowNull: true },
    max_percent: { type: DataTypes.STRING(20), allowNull: true },
    rate_percent: { type: DataTypes.STRING(20), allowNull: true },
    amount: { type: DataTypes.STRING(24), allowNull: true },
    basis: { type: DataTypes.TEXT, allowNull: true },
    ...ts,
  });
  await qi.addIndex('penalty_clauses', ['contract_id', 'code'], { unique: true, name: 'penalty_clauses_contract_code' });
  await qi.createTable('ledger_lines', {
    id,
    contract_id: fk('contracts'),
    period_number: { type: DataTypes.INTEGER, allowNull: false },
    item_number: { type: DataTypes.INTEGER, allowNull: false },
    rule_code: { type: DataTypes.STRING(8), allowNull: false },
    units: { type: DataTypes.INTEGER, allowNull: false },
    points: { type: DataTypes.INTEGER, allowNull: false },
    reason: { type: DataTypes.TEXT, allowNull: false },
    occurred_at: { type: DataTypes.DATE, allowNull: true },
    evidence: { type: DataTypes.TEXT, allowNull: true },
    source: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'manual' },
    recorded_by: fk('users', true),
    ...withdrawal,
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...ts,
  });
  await qi.addIndex('ledger_lines', ['contract_id', 'period_number'], { name: 'ledger_lines_contract_period' });
  await qi.createTable('ratings', {
    id,
    contract_id: fk('contracts'),
    period_number: { type: DataTypes.INTEGER, allowNull: false },
    item_number: { type: DataTypes.INTEGER, allowNull: false },
    level: { type: DataTypes.INTEGER, allowNull: false },
    rater: { type: DataTypes.STRING(100), allowNull: true },
    note: { type: DataTypes.TEXT, allowNull: true },
    recorded_by: fk('users', true),
    ...withdrawal,
    ...ts,
  });
  await qi.addIndex('ratings', ['contract_id', 'period_number'], { name: 'ratings_contract_period' });
  await qi.createTable('penalties', {
    id,
    contract_id: fk('contracts'),
    installment_number: { type: DataTypes.INTEGER, allowNull: false },
    clause_code: { type: DataTypes.STRING(64), allowNull: false },
    amount_fen: { type: DataTypes.BIGINT, allowNull: false },
    percent: { type: DataTypes.STRING(24), allowNull: true },
    units: { type: DataTypes.INTEGER, allowNull: true },
    reason: { type: DataTypes.TEXT, allowNull: false },
    recorded_by: fk('users', true),
    approved_by: fk('users', true),
    approved_at: { type: DataTypes.DATE, allowNull: true },
    ...withdrawal,
    ...ts,
  });
  await qi.addIndex('penalties', ['contract_id'], { name: 'penalties_contract' });
  await qi.createTable('audit_log', {
    id,
    at: { type: DataTypes.DATE, allowNull: false },
    user_id: { type: DataTypes.INTEGER, allowNull: true },
    username: { type: DataTypes.STRING(64), allowNull: true },
    action: { type: DataTypes.STRING(64), allowNull: false },
    entity: { type: DataTypes.STRING(64), allowNull: false },
    entity_id: { type: DataTypes.STRING(64), allowNull: true },
    contract_id: { type: DataTypes.INTEGER, allowNull: true },
    before: { type: DataTypes.TEXT, allowNull: true },
    after: { type: DataTypes.TEXT, allowNull: true },
  });
  await qi.addIndex('audit_log', ['contract_id'], { name: 'audit_log_contract' });
  await qi.addIndex('audit_log', ['entity', 'entity_id'], { name: 'audit_log_entity' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const t of [
    'audit_log', 'penalties', 'ratings', 'ledger_lines', 'penalty_clauses', 'installments',
    'periods', 'contracts', 'templates', 'api_tokens', 'users', 'vendors',
  ]) {
    await qi.dropTable(t);
  }
}
