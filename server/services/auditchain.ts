// Checking the audit log's hash chain (server/audit-chain.ts): every entry in order, linked to
// the one before, and the chain's head agreeing with the last entry. Used by
// `npm run cli -- audit:verify` and the admin's audit page.
import { QueryTypes } from 'sequelize';
import { ChainBreak, ChainRow, firstBreak, GENESIS_HASH } from '../audit-chain';
import { Actor, Ctx, requireRole } from './context';

export interface AuditChainReport {
  ok: boolean;
  /** entries checked */
  entries: number;
  /** the first broken entry, or null when the chain holds */
  break: ChainBreak | null;
  checkedAt: string;
}

const PAGE = 2000;

export async function verifyAuditChain(ctx: Ctx, actor?: Actor): Promise<AuditChainReport> {
  if (actor) requireRole(actor, 'admin');
  const q = ctx.db.sequelize;
  const report = (entries: number, brk: ChainBreak | null): AuditChainReport => ({ ok: !brk, entries, break: brk, checkedAt: new Date().toISOString() });
  // an entry written around audit() has no place in the chain
  const [loose] = await q.query<{ id: number }>('SELECT id FROM audit_log WHERE seq IS NULL OR hash IS NULL OR prev_hash IS NULL ORDER BY id LIMIT 1', { type: QueryTypes.SELECT });
  let prev = { seq: 0, hash: GENESIS_HASH };
  let entries = 0;
  for (;;) {
    const rows = await q.query<ChainRow>(
      'SELECT id, seq, at, user_id AS "userId", username, action, entity, entity_id AS "entityId", contract_id AS "contractId", ' +
        'before, after, prev_hash AS "prevHash", hash FROM audit_log WHERE seq > :after ORDER BY seq LIMIT :limit',
      { type: QueryTypes.SELECT, replacements: { after: prev.seq, limit: PAGE } },
    );
    const brk = firstBreak(rows, prev);
    if (brk) return report(entries + rows.findIndex((r) => r.id === brk.id), brk);
    entries += rows.length;
    if (rows.length) prev = { seq: Number(rows[rows.length - 1].seq), hash: rows[rows.length - 1].hash as string };
    if (rows.length < PAGE) break;
  }
  if (loose) return report(entries, { id: loose.id, seq: 0, problem: '该记录不在哈希链中（未经系统写入）' });
  const [head] = await q.query<{ lastSeq: string | number; lastHash: string }>('SELECT last_seq AS "lastSeq", last_hash AS "lastHash" FROM audit_chain WHERE id = 1', { type: QueryTypes.SELECT });
  if (!head) return report(entries, { id: null, seq: 0, problem: '哈希链的链头记录丢失' });
  if (Number(head.lastSeq) !== prev.seq || head.lastHash !== prev.hash) {
    return report(entries, {
      id: null,
      seq: prev.seq + 1,
      problem: Number(head.lastSeq) > prev.seq ? `最后 ${Number(head.lastSeq) - prev.seq} 条记录被删除` : '链头与最后一条记录不符',
    });
  }
  return report(entries, null);
}
