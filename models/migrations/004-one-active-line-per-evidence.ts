// At most one active ledger line per piece of evidence: two detections racing on PostgreSQL
// must not both count the same ticket. Manual lines (no source key) are not constrained.
import { Op, QueryInterface } from 'sequelize';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addIndex('ledger_lines', ['contract_id', 'source', 'source_key'], {
    unique: true,
    name: 'ledger_lines_one_active_per_evidence',
    where: { status: 'active', source_key: { [Op.ne]: null } },
  });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeIndex('ledger_lines', 'ledger_lines_one_active_per_evidence');
}
