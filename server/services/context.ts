// What every service function receives: the database, the configuration and the acting user.
import { QueryTypes, Transaction } from 'sequelize';
import { auditEntryHash } from '../audit-chain';
import { errorFields, logger } from '../logging';
import type { Config } from '../config';
import type { Database } from '../db';
import type { Role } from '../../models';
import { forbidden, notFound } from '../errors';

export interface Actor {
  id: number;
  username: string;
  role: Role;
  vendorId: number | null;
}

export interface Ctx {
  db: Database;
  config: Config;
  /** the time "now" (tests move it to exercise the objection window); the system clock by default */
  clock?: () => Date;
}

export function now(ctx: Ctx): Date {
  return ctx.clock ? ctx.clock() : new Date();
}

/** The system itself (migrations, first-start bootstrap, CLI). */
export const SYSTEM: Actor = { id: 0, username: 'system', role: 'admin', vendorId: null };

export function requireRole(actor: Actor, ...roles: Role[]): void {
  if (!roles.includes(actor.role)) throw forbidden();
}

/** Vendors see only their own vendor's contracts; others are answered as not found. */
export function assertContractVisible(actor: Actor, contract: { vendorId: number }): void {
  if (actor.role === 'vendor' && actor.vendorId !== contract.vendorId) throw notFound('合同不存在');
}

export function toJsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

const bumped = new WeakSet<Transaction>();

/**
 * Raises the data version once the transaction has committed (services/readcache.ts): a reader
 * that sees the new version started after the commit, so it never caches figures older than
 * the version it files them under. Raising it inside the transaction would order versions by
 * start, not by commit, on PostgreSQL.
 */
function bumpAfterCommit(ctx: Ctx, tx: Transaction): void {
  // a savepoint's afterCommit hooks run when it is released, while the outer transaction still
  // holds the write lock (SQLite: the bump then waits for it, busy timeouts × retries, and fails):
  // the hook belongs to the outermost transaction
  let t = tx;
  for (let p = (t as Transaction & { parent?: Transaction }).parent; p; p = (p as Transaction & { parent?: Transaction }).parent) t = p;
  if (bumped.has(t)) return;
  bumped.add(t);
  t.afterCommit(async () => {
    try {
      await ctx.db.sequelize.query('UPDATE data_version SET v = v + 1 WHERE id = 1');
    } catch (e) {
      logger.error('data version not raised: cached figures may be stale until the next write', errorFields(e));
    }
  });
}

/**
 * Appends an audit entry inside the caller's transaction: who, when, what, before/after,
 * chained to the previous entry by hash (server/audit-chain.ts). The chain's head row is
 * locked (FOR UPDATE on PostgreSQL; SQLite write transactions are exclusive already), so the
 * entries of concurrent transactions get consecutive numbers in one order.
 */
export async function audit(
  ctx: Ctx,
  t: Transaction,
  actor: Actor,
  entry: { action: string; entity: string; entityId?: string | number | null; contractId?: number | null; before?: unknown; after?: unknown },
): Promise<void> {
  const [head] = await ctx.db.sequelize.query<{ lastSeq: string | number; lastHash: string }>(
    `SELECT last_seq AS "lastSeq", last_hash AS "lastHash" FROM audit_chain WHERE id = 1${ctx.db.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
    { type: QueryTypes.SELECT, transaction: t },
  );
  if (!head) throw new Error('audit_chain has no head row: run the migrations');
  const row = {
    seq: Number(head.lastSeq) + 1,
    at: new Date(),
    userId: actor.id || null,
    username: actor.username,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId === undefined || entry.entityId === null ? null : String(entry.entityId),
    contractId: entry.contractId ?? null,
    before: toJsonText(entry.before),
    after: toJsonText(entry.after),
  };
  const hash = auditEntryHash(head.lastHash, row);
  await ctx.db.models.Audit.create({ ...row, prevHash: head.lastHash, hash }, { transaction: t });
  await ctx.db.sequelize.query('UPDATE audit_chain SET last_seq = :seq, last_hash = :hash WHERE id = 1', {
    replacements: { seq: row.seq, hash },
    transaction: t,
  });
  bumpAfterCommit(ctx, t);
}

/** Normalises a BIGINT column (string on PostgreSQL, number on SQLite) to bigint. */
export function big(v: string | number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(String(v));
}

export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
}

export function iso(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

/**
 * A Date as the text Sequelize itself writes for DATE columns ('2025-11-03 01:00:00.000 +00:00').
 * Bulk inserts pass dates pre-formatted: Sequelize would format each through moment.js, which
 * was a tenth of a 100,000-row import's time.
 */
export function sqlDate(d: Date | null | undefined): string | null {
  if (!d) return null;
  return `${d.toISOString().slice(0, 23).replace('T', ' ')} +00:00`;
}
