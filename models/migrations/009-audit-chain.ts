// The audit log becomes a hash chain (server/audit-chain.ts): every entry gets a sequence
// number, the previous entry's hash and its own; audit_chain holds the head, which every
// audited write locks so the entries of concurrent transactions (several instances) chain in
// one order. Existing entries are chained in id order.
import { DataTypes, QueryInterface, QueryTypes } from 'sequelize';
import { auditEntryHash, GENESIS_HASH } from '../../server/audit-chain';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('audit_log', 'seq', { type: DataTypes.BIGINT, allowNull: true });
  await qi.addColumn('audit_log', 'prev_hash', { type: DataTypes.STRING(64), allowNull: true });
  await qi.addColumn('audit_log', 'hash', { type: DataTypes.STRING(64), allowNull: true });
  await qi.createTable('audit_chain', {
    id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
    last_seq: { type: DataTypes.BIGINT, allowNull: false },
    last_hash: { type: DataTypes.STRING(64), allowNull: false },
  });
  const sequelize = qi.sequelize;
  const rows = await sequelize.query<{
    id: number; at: Date | string; user_id: number | null; username: string | null; action: string; entity: string;
    entity_id: string | null; contract_id: number | null; before: string | null; after: string | null;
  }>('SELECT id, at, user_id, username, action, entity, entity_id, contract_id, before, after FROM audit_log ORDER BY id', { type: QueryTypes.SELECT });
  let prev = GENESIS_HASH;
  let seq = 0;
  for (const r of rows) {
    seq++;
    const hash = auditEntryHash(prev, {
      seq, at: r.at, userId: r.user_id, username: r.username, action: r.action, entity: r.entity,
      entityId: r.entity_id, contractId: r.contract_id, before: r.before, after: r.after,
    });
    await sequelize.query('UPDATE audit_log SET seq = :seq, prev_hash = :prev, hash = :hash WHERE id = :id', { replacements: { seq, prev, hash, id: r.id } });
    prev = hash;
  }
  await sequelize.query('INSERT INTO audit_chain (id, last_seq, last_hash) VALUES (1, :seq, :hash)', { replacements: { seq, hash: prev } });
  await qi.addIndex('audit_log', ['seq'], { unique: true, name: 'audit_log_seq' });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeIndex('audit_log', 'audit_log_seq');
  await qi.dropTable('audit_chain');
  await qi.removeColumn('audit_log', 'hash');
  await qi.removeColumn('audit_log', 'prev_hash');
  await qi.removeColumn('audit_log', 'seq');
}
