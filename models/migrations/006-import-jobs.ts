// Import jobs of the web import pages: an uploaded file waiting under
// DATA_DIR/uploads/pending/<token> for its column mapping and preview, then the run with its
// progress and result. A row (not process memory) so that any app instance can show a job's
// state and the progress bar can be polled wherever the request lands.
import { DataTypes, QueryInterface } from 'sequelize';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('import_jobs', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
    contract_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'contracts', key: 'id' } },
    user_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'users', key: 'id' } },
    kind: { type: DataTypes.STRING(30), allowNull: false },
    /** uploaded → queued → running → done | failed; expired when abandoned */
    state: { type: DataTypes.STRING(20), allowNull: false },
    /** the file's name under uploads/pending (random); null once removed */
    token: { type: DataTypes.STRING(64), allowNull: true },
    file_name: { type: DataTypes.STRING(255), allowNull: false },
    file_size: { type: DataTypes.BIGINT, allowNull: false },
    /** JSON: our field → the file's column */
    mapping: { type: DataTypes.TEXT, allowNull: true },
    done: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    total: { type: DataTypes.INTEGER, allowNull: true },
    message: { type: DataTypes.TEXT, allowNull: true },
    /** JSON: the import's result, or {message, rows: [{row, errors}]} when it failed */
    result: { type: DataTypes.TEXT, allowNull: true },
    started_at: { type: DataTypes.DATE, allowNull: true },
    finished_at: { type: DataTypes.DATE, allowNull: true },
    created_at: { type: DataTypes.DATE, allowNull: false },
    updated_at: { type: DataTypes.DATE, allowNull: false },
  });
  await qi.addIndex('import_jobs', ['contract_id', 'user_id']);
  await qi.addIndex('import_jobs', ['state', 'updated_at']);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.dropTable('import_jobs');
}
