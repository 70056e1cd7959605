// The export registry (every PDF/XLSX the system issued: number, what it is, the SHA-256 of
// its exact bytes, who signed it and when, and the bytes themselves so a download and its
// .p7s always match and any instance can serve them) and the batch exports finance runs.
import { DataTypes, QueryInterface } from 'sequelize';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('export_artifacts', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
    /** printed on the document, e.g. SC-GXSW-YW-2025-001-P3-V2 */
    document_number: { type: DataTypes.STRING(120), allowNull: false, unique: true },
    /** scorecard_pdf | scorecard_xlsx | payments_xlsx */
    kind: { type: DataTypes.STRING(30), allowNull: false },
    /** what the document is of: contract:<id>:period:<n>, contract:<id>, bureau:<name>[:period:<n>] */
    subject: { type: DataTypes.STRING(300), allowNull: false },
    /** 1, 2, … per (kind, subject): a new version when the content changed */
    version: { type: DataTypes.INTEGER, allowNull: false },
    contract_id: { type: DataTypes.INTEGER, allowNull: true, references: { model: 'contracts', key: 'id' } },
    period_number: { type: DataTypes.INTEGER, allowNull: true },
    bureau: { type: DataTypes.STRING(200), allowNull: false },
    title: { type: DataTypes.STRING(300), allowNull: false },
    /** status of the period when exported (draft/published/signed), null for payment workbooks */
    period_status: { type: DataTypes.STRING(20), allowNull: true },
    signed: { type: DataTypes.BOOLEAN, allowNull: false },
    /** SHA-256 of the document's canonical content (what it says) */
    content_sha256: { type: DataTypes.STRING(64), allowNull: false },
    /** SHA-256 of the exact file bytes */
    file_sha256: { type: DataTypes.STRING(64), allowNull: false },
    byte_size: { type: DataTypes.INTEGER, allowNull: false },
    file_name: { type: DataTypes.STRING(255), allowNull: false },
    mime: { type: DataTypes.STRING(100), allowNull: false },
    content: { type: DataTypes.BLOB, allowNull: false },
    /** detached CMS signature (.p7s) over the bytes, for workbooks */
    signature: { type: DataTypes.BLOB, allowNull: true },
    signer: { type: DataTypes.STRING(300), allowNull: true },
    certificate_sha256: { type: DataTypes.STRING(64), allowNull: true },
    signed_at: { type: DataTypes.DATE, allowNull: true },
    issued_by: { type: DataTypes.INTEGER, allowNull: true, references: { model: 'users', key: 'id' } },
    issued_by_name: { type: DataTypes.STRING(100), allowNull: false },
    issued_at: { type: DataTypes.DATE, allowNull: false },
    /** the later version that replaced this one */
    superseded_by: { type: DataTypes.INTEGER, allowNull: true },
    superseded_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('export_artifacts', ['kind', 'subject', 'version'], { unique: true, name: 'export_artifacts_kind_subject_version' });
  await qi.addIndex('export_artifacts', ['file_sha256']);
  await qi.addIndex('export_artifacts', ['contract_id', 'period_number']);

  await qi.createTable('export_batches', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
    user_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'users', key: 'id' } },
    bureau: { type: DataTypes.STRING(200), allowNull: false },
    period_number: { type: DataTypes.INTEGER, allowNull: false },
    /** queued → running → done | failed */
    state: { type: DataTypes.STRING(20), allowNull: false },
    done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    message: { type: DataTypes.TEXT, allowNull: true },
    /** JSON: [{artifactId, path}] the ZIP is streamed from, in order */
    entries: { type: DataTypes.TEXT, allowNull: true },
    started_at: { type: DataTypes.DATE, allowNull: true },
    finished_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('export_batches', ['user_id']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('export_batches');
  await qi.dropTable('export_artifacts');
}
