// The audit log as a hash chain (tamper-evident, not tamper-proof): entry n stores the
// SHA-256 of its own content together with the hash of entry n−1, so changing, removing or
// inserting an entry breaks every link after it, and `audit:verify` names the first broken one.
// Pure functions only; the chain's head (last seq and hash) is kept in the audit_chain row
// that every audited write locks (server/services/context.ts audit()).
import crypto from 'node:crypto';

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedEntry {
  seq: number;
  at: Date | string;
  userId: number | null;
  username: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  contractId: number | null;
  before: string | null;
  after: string | null;
}

/** SHA-256 over the previous hash and every field of the entry, in a fixed order. */
export function auditEntryHash(prevHash: string, e: ChainedEntry): string {
  const at = e.at instanceof Date ? e.at.toISOString() : new Date(e.at).toISOString();
  const fields = [
    prevHash,
    Number(e.seq),
    at,
    e.userId === null || e.userId === undefined ? null : Number(e.userId),
    e.username ?? null,
    e.action,
    e.entity,
    e.entityId ?? null,
    e.contractId === null || e.contractId === undefined ? null : Number(e.contractId),
    e.before ?? null,
    e.after ?? null,
  ];
  return crypto.createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

export interface ChainRow extends ChainedEntry {
  id: number;
  prevHash: string | null;
  hash: string | null;
}

export interface ChainBreak {
  /** the audit entry (id) where the chain first fails */
  id: number | null;
  seq: number;
  /** in Chinese, for the admin page and the CLI */
  problem: string;
}

/**
 * Checks rows given in seq order, continuing from `prev` (the last verified seq and hash).
 * Returns the first break, or null; call it page by page for a long log.
 */
export function firstBreak(rows: readonly ChainRow[], prev: { seq: number; hash: string }): ChainBreak | null {
  let expectedSeq = prev.seq + 1;
  let prevHash = prev.hash;
  for (const r of rows) {
    const seq = Number(r.seq);
    if (seq !== expectedSeq) {
      return { id: r.id, seq, problem: seq > expectedSeq ? `缺少第 ${expectedSeq} 至 ${seq - 1} 条记录（被删除）` : `序号 ${seq} 重复或顺序被改动` };
    }
    if (r.prevHash !== prevHash) return { id: r.id, seq, problem: '与前一条记录的链接不符（前一条被改动、删除或插入了记录）' };
    if (auditEntryHash(prevHash, r) !== r.hash) return { id: r.id, seq, problem: '记录内容与其哈希不符（该条记录被改动）' };
    prevHash = r.hash as string;
    expectedSeq++;
  }
  return null;
}
