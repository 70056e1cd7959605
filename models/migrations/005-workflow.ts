// The sign-off workflow and the web application: publication of a period to the vendor and
// its objection deadline, the vendor's acknowledgement, objections to ledger lines and their
// resolutions, interviews (约谈), in-app notifications, uploaded files (attachments), evidence
// the vendor submits for the manager to confirm, the contract's manager, and the session
// table shared by every app instance.
import { DataTypes, QueryInterface } from 'sequelize';

const ts = {
  created_at: { type: DataTypes.DATE, allowNull: false },
  updated_at: { type: DataTypes.DATE, allowNull: false },
};
const id = { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false };
const contract = { type: DataTypes.INTEGER, allowNull: false, references: { model: 'contracts', key: 'id' } };
const user = { type: DataTypes.INTEGER, allowNull: true, references: { model: 'users', key: 'id' } };

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('periods', 'published_at', { type: DataTypes.DATE, allowNull: true });
  await qi.addColumn('periods', 'published_by', { type: DataTypes.INTEGER, allowNull: true });
  /** last day (contract calendar, inclusive) on which the vendor may object */
  await qi.addColumn('periods', 'objection_deadline', { type: DataTypes.DATEONLY, allowNull: true });
  await qi.addColumn('periods', 'acknowledged_at', { type: DataTypes.DATE, allowNull: true });
  await qi.addColumn('periods', 'acknowledged_by', { type: DataTypes.INTEGER, allowNull: true });

  await qi.addColumn('contracts', 'manager_id', { type: DataTypes.INTEGER, allowNull: true });
  await qi.sequelize.query('UPDATE contracts SET manager_id = created_by');

  await qi.createTable('files', {
    id,
    contract_id: contract,
    sha256: { type: DataTypes.STRING(64), allowNull: false },
    name: { type: DataTypes.STRING(255), allowNull: false },
    size: { type: DataTypes.INTEGER, allowNull: false },
    mime: { type: DataTypes.STRING(100), allowNull: false },
    uploaded_by: user,
    ...ts,
  });
  await qi.addIndex('files', ['contract_id']);

  await qi.createTable('objections', {
    id,
    contract_id: contract,
    period_number: { type: DataTypes.INTEGER, allowNull: false },
    line_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'ledger_lines', key: 'id' } },
    reason: { type: DataTypes.TEXT, allowNull: false },
    /** JSON array of file ids */
    attachments: { type: DataTypes.TEXT, allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false },
    filed_by: user,
    decision: { type: DataTypes.STRING(20), allowNull: true },
    resolution_reason: { type: DataTypes.TEXT, allowNull: true },
    resolved_by: user,
    resolved_at: { type: DataTypes.DATE, allowNull: true },
    original_units: { type: DataTypes.INTEGER, allowNull: false },
    resolved_units: { type: DataTypes.INTEGER, allowNull: true },
    replacement_line_id: { type: DataTypes.INTEGER, allowNull: true },
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...ts,
  });
  await qi.addIndex('objections', ['contract_id', 'period_number', 'status']);
  await qi.addIndex('objections', ['line_id'], { unique: true, name: 'objections_one_open_per_line', where: { status: 'open' } });

  await qi.createTable('interviews', {
    id,
    contract_id: contract,
    period_number: { type: DataTypes.INTEGER, allowNull: false },
    date: { type: DataTypes.DATEONLY, allowNull: false },
    attendees: { type: DataTypes.TEXT, allowNull: false },
    outcome: { type: DataTypes.TEXT, allowNull: false },
    recorded_by: user,
    ...ts,
  });
  await qi.addIndex('interviews', ['contract_id', 'period_number'], { unique: true });

  await qi.createTable('notifications', {
    id,
    user_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'users', key: 'id' } },
    contract_id: { type: DataTypes.INTEGER, allowNull: true },
    kind: { type: DataTypes.STRING(40), allowNull: false },
    message: { type: DataTypes.TEXT, allowNull: false },
    link: { type: DataTypes.STRING(500), allowNull: true },
    read_at: { type: DataTypes.DATE, allowNull: true },
    ...ts,
  });
  await qi.addIndex('notifications', ['user_id', 'read_at']);

  await qi.createTable('evidence_submissions', {
    id,
    contract_id: contract,
    kind: { type: DataTypes.STRING(30), allowNull: false },
    payload: { type: DataTypes.TEXT, allowNull: false },
    attachments: { type: DataTypes.TEXT, allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false },
    submitted_by: user,
    review_note: { type: DataTypes.TEXT, allowNull: true },
    reviewed_by: user,
    reviewed_at: { type: DataTypes.DATE, allowNull: true },
    version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    ...ts,
  });
  await qi.addIndex('evidence_submissions', ['contract_id', 'status']);

  // express-session store (connect-session-sequelize's column names)
  await qi.createTable('sessions', {
    sid: { type: DataTypes.STRING(36), primaryKey: true, allowNull: false },
    expires: { type: DataTypes.DATE, allowNull: true },
    data: { type: DataTypes.TEXT, allowNull: true },
    createdAt: { type: DataTypes.DATE, allowNull: false },
    updatedAt: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('sessions', ['expires']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const t of ['sessions', 'evidence_submissions', 'notifications', 'interviews', 'objections', 'files']) await qi.dropTable(t);
  await qi.removeColumn('contracts', 'manager_id');
  for (const c of ['published_at', 'published_by', 'objection_deadline', 'acknowledged_at', 'acknowledged_by']) await qi.removeColumn('periods', c);
}
