// Opens the database named by a URL (sqlite:<path> or postgres://...), applies the
// migrations with umzug and defines the models. Schema changes are migrations only.
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import { QueryInterface, Sequelize, Transaction } from 'sequelize';
import { Umzug, SequelizeStorage } from 'umzug';
import { defineModels, Models } from '../models';
import * as m001 from '../models/migrations/001-core';
import * as m002 from '../models/migrations/002-template-v1';
import * as m003 from '../models/migrations/003-evidence';
import * as m004 from '../models/migrations/004-one-active-line-per-evidence';
import * as m005 from '../models/migrations/005-workflow';
import * as m006 from '../models/migrations/006-import-jobs';
import * as m007 from '../models/migrations/007-data-version';
import * as m008 from '../models/migrations/008-exports';
import * as m009 from '../models/migrations/009-audit-chain';
import * as m010 from '../models/migrations/010-login-lockout';

export interface Database {
  sequelize: Sequelize;
  models: Models;
  dialect: 'sqlite' | 'postgres';
  migrate(): Promise<string[]>;
  close(): Promise<void>;
}

type Migration = { up(p: { context: QueryInterface }): Promise<void>; down(p: { context: QueryInterface }): Promise<void> };
const MIGRATIONS: [string, Migration][] = [
  ['001-core', m001],
  ['002-template-v1', m002],
  ['003-evidence', m003],
  ['004-one-active-line-per-evidence', m004],
  ['005-workflow', m005],
  ['006-import-jobs', m006],
  ['007-data-version', m007],
  ['008-exports', m008],
  ['009-audit-chain', m009],
  ['010-login-lockout', m010],
];

/** pg_advisory_xact_lock key serialising the migrations of instances that start together. */
const MIGRATION_LOCK_KEY = 727_400_001;

export function openDatabase(url: string, opts: { logging?: boolean } = {}): Database {
  let sequelize: Sequelize;
  let dialect: Database['dialect'];
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    dialect = 'sqlite';
    sequelize = new Sequelize({
      dialect: 'sqlite',
      storage: file,
      logging: opts.logging ? console.log : false,
      // Take the write lock when a transaction starts, so two writers queue (busy timeout)
      // instead of deadlocking on a lock upgrade.
      transactionType: Transaction.TYPES.IMMEDIATE,
      retry: { max: 5 },
    });
  } else {
    dialect = 'postgres';
    sequelize = new Sequelize(url, {
      dialect: 'postgres',
      logging: opts.logging ? console.log : false,
      pool: { max: 10, min: 0, idle: 10000 },
    });
  }
  if (dialect === 'sqlite') {
    configureSqliteConnections(sequelize);
    serializeSqliteWrites(sequelize);
  }
  const models = defineModels(sequelize);
  const umzug = new Umzug<QueryInterface>({
    migrations: MIGRATIONS.map(([name, mod]) => ({
      name,
      up: ({ context }: { context: QueryInterface }) => mod.up({ context }),
      down: ({ context }: { context: QueryInterface }) => mod.down({ context }),
    })),
    context: sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
  return {
    sequelize,
    models,
    dialect,
    async migrate() {
      if (dialect !== 'postgres') {
        const done = await umzug.up();
        return done.map((m) => m.name);
      }
      // Several instances starting at once on one PostgreSQL database: one migrates, the
      // others wait here for it (a transaction-level advisory lock, held on a connection of
      // its own while umzug works on the others) and then find nothing pending.
      return sequelize.transaction(async (t) => {
        await sequelize.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`, { transaction: t });
        const done = await umzug.up();
        return done.map((m) => m.name);
      });
    },
    async close() {
      await sequelize.close();
    },
  };
}

interface SqliteConnection {
  configure(option: 'busyTimeout', ms: number): void;
  run(sql: string, cb: (err: Error | null) => void): void;
  omsConfigured?: boolean;
}

/**
 * Sequelize's SQLite dialect opens one connection per transaction and runs no connect hooks,
 * so every new connection is configured here: WAL (readers never wait for the writer), a busy
 * timeout (a second writer waits instead of failing at once), foreign keys on.
 */
function configureSqliteConnections(sequelize: Sequelize): void {
  const cm = (sequelize as unknown as { connectionManager: { getConnection(o?: unknown): Promise<SqliteConnection> } }).connectionManager;
  const original = cm.getConnection.bind(cm);
  cm.getConnection = async (options?: unknown) => {
    const conn = await original(options);
    if (!conn.omsConfigured) {
      conn.omsConfigured = true;
      conn.configure('busyTimeout', 15000);
      const run = (sql: string) => new Promise<void>((res, rej) => conn.run(sql, (e) => (e ? rej(e) : res())));
      await run('PRAGMA journal_mode = WAL');
      await run('PRAGMA synchronous = NORMAL');
      await run('PRAGMA foreign_keys = ON');
    }
    return conn;
  };
}

/**
 * One writer at a time, queued in JavaScript. SQLite allows one writer; the others wait in
 * its busy handler, which node-sqlite3 runs on a libuv thread-pool thread (4 by default). When
 * four waiters hold every thread, the writer holding the lock cannot run its next statement
 * until a busy timeout (15 s) frees one: concurrent writes took 15 s each. Write transactions
 * (IMMEDIATE: every transaction not asked to be DEFERRED) and statements that write outside a
 * transaction take this process-wide turn instead, so no thread ever sleeps in the busy
 * handler for a writer of the same process (other processes still meet the busy timeout).
 */
function serializeSqliteWrites(sequelize: Sequelize): void {
  let tail: Promise<void> = Promise.resolve();
  const MAX_WAIT_MS = 20_000;
  // work already in a turn (a statement a transaction's callback runs, a migration's writes)
  // goes on at once: queueing it behind its own turn would wait forever
  const inside = new AsyncLocalStorage<true>();
  /** Runs fn in turn; after MAX_WAIT_MS of waiting it runs anyway (a stuck turn must not stop every write). */
  const inTurn = <T>(fn: () => Promise<T>): Promise<T> => {
    if (inside.getStore()) return fn();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const before = tail;
    tail = before.then(() => mine);
    let timer: NodeJS.Timeout | undefined;
    const waited = Promise.race([before, new Promise<void>((r) => (timer = setTimeout(r, MAX_WAIT_MS)))]);
    return waited
      .then(() => {
        clearTimeout(timer);
        return inside.run(true, fn);
      })
      .finally(release);
  };
  type TxFn = (t: Transaction) => Promise<unknown>;
  const s = sequelize as unknown as {
    transaction(a?: unknown, b?: unknown): Promise<unknown>;
    query(sql: unknown, options?: { transaction?: unknown; type?: string }): Promise<unknown>;
  };
  const transaction = s.transaction.bind(sequelize);
  s.transaction = (a?: unknown, b?: unknown) => {
    const opts = (typeof a === 'function' ? {} : a ?? {}) as { type?: string };
    const fn = (typeof a === 'function' ? a : b) as TxFn | undefined;
    // reads (DEFERRED) and unmanaged transactions (none in this code base) are not queued
    if (!fn || opts.type === Transaction.TYPES.DEFERRED) return transaction(a, b);
    return inTurn(() => transaction(opts, fn));
  };
  const query = s.query.bind(sequelize);
  const WRITE = /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i;
  s.query = (sql: unknown, options?: { transaction?: unknown }) => {
    const text = typeof sql === 'string' ? sql : (sql as { query?: string })?.query ?? '';
    if (options?.transaction || !WRITE.test(text)) return query(sql, options);
    return inTurn(() => query(sql, options));
  };
}

/** Names of migrations not yet applied (for readiness checks). */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const umzug = new Umzug<QueryInterface>({
    migrations: MIGRATIONS.map(([name]) => ({ name, up: async () => undefined })),
    context: db.sequelize.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize: db.sequelize, tableName: 'schema_migrations' }),
    logger: undefined,
  });
  return (await umzug.pending()).map((m) => m.name);
}
