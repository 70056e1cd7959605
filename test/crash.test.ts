// Crash safety: the real app process is killed with SIGKILL (no shutdown handler runs, nothing
// is flushed, no rollback by the app) in the middle of a long multi-row write, restarted, and
// the database must be exactly as it was before the attempt. On SQLite always, and on
// PostgreSQL when TEST_DATABASE_URL is set.
//
//   - an import of 30,000 tickets (POST /api/v1/contracts/:id/tickets/import);
//   - a re-detection of a contract with tens of thousands of tickets (POST /contracts/:id/detect);
//   - a change of the working calendar, which re-detects every contract (PUT /calendar/days/:date).
//
// "In the middle" is checked, not assumed: the kill comes only once the operation's write
// transaction is open (SQLite: another connection cannot take the write lock; PostgreSQL:
// pg_stat_activity shows the app's transaction), a delay later that is a fraction of how long
// the same operation took when it was allowed to finish; and the request must not have been
// answered. The fingerprint is every table's row count and a SHA-256 of all its rows.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes, Sequelize } from 'sequelize';
import sqlite3 from 'sqlite3';
import { seed002Contract, SEED000_POLICY } from './helpers';
import { call, clusterEnv, Fingerprint, fingerprint, Instance, Reply, resetPostgres, sleep, startInstance, token } from './instances';

const YEAR = new Date().getFullYear();
const PASSWORD = 'crash-test-password';

/**
 * Left out of the fingerprint, because they legitimately record the attempt or the restart
 * and are not business data:
 *   - sessions: express-session rows (none are created by the API calls here; excluded so a
 *     session touched or expired by the restarted app cannot make the comparison fail);
 *   - data_version.v: the read-cache counter, raised after every commit; a restart does not
 *     raise it, an uncommitted write cannot, but it is a cache key, not data;
 *   - import_jobs: the web import pages' job rows (state, progress); the API import used here
 *     writes none, and a job interrupted by a crash is marked failed at the next start, which
 *     is the point of that row.
 * Everything else, including the audit log, its chain head, api_tokens and schema_migrations,
 * must be byte-for-byte the same.
 */
const EXCLUDE = ['sessions', 'data_version.v', 'import_jobs'];

/** A tickets CSV: `n` tickets over this year's first 280 days, a quarter of them open, many breaching. */
function ticketsCsv(n: number, prefix: string): string {
  const lines = ['external_id,system,type,severity,created_at,responded_at,resolved_at'];
  const sev = ['高', '中', '低', 'P1'];
  const pad = (x: number) => String(x).padStart(2, '0');
  for (let i = 0; i < n; i++) {
    const day = new Date(Date.UTC(YEAR, 0, 2) + (i % 280) * 86400000).toISOString().slice(0, 10);
    const h = 8 + (i % 9);
    const responded = `${day} ${pad(h + (i % 3))}:${pad((i * 7) % 60)}`;
    const resolved = i % 4 === 0 ? '' : `${day} ${pad(Math.min(h + 3 + (i % 6), 23))}:10`;
    lines.push(`${prefix}-${i},电子税务局,${i % 2 ? '故障' : '需求'},${sev[i % 4]},${day} ${pad(h)}:00,${responded},${resolved}`);
  }
  return lines.join('\n') + '\n';
}

interface Target {
  name: 'sqlite' | 'postgres';
  pgUrl: string | null;
}

const targets: Target[] = [{ name: 'sqlite', pgUrl: null }];
if (process.env.TEST_DATABASE_URL) targets.push({ name: 'postgres', pgUrl: process.env.TEST_DATABASE_URL });

for (const target of targets) {
  describe(`crash safety: SIGKILL in the middle of long writes [${target.name}]`, function () {
    this.timeout(600000);
    let env: Record<string, string>;
    let app: Instance;
    let dbUrl: string;
    let sqliteFile: string | null = null;
    let pg: Sequelize | null = null;
    const tok: Record<string, string> = {};
    const contracts: number[] = [];
    /** how long each operation took when it was allowed to finish (ms) */
    const took: Record<string, number> = {};
    let csvDir: string;

    const timed = async (name: string, fn: () => Promise<Reply>) => {
      const t0 = Date.now();
      const r = await fn();
      took[name] = Date.now() - t0;
      expect(r.status, `${name}: ${r.text.slice(0, 500)}`).to.equal(200);
      return r;
    };
    const upload = (contractId: number, file: string) => {
      const fd = new FormData();
      fd.append('file', new Blob([fs.readFileSync(file)]), path.basename(file));
      return call(app.url, 'POST', `/api/v1/contracts/${contractId}/tickets/import`, { token: tok.manager, body: fd });
    };

    /** Is a write transaction of the app open right now? */
    async function writeTxOpen(): Promise<boolean> {
      if (pg) {
        const [row] = await pg.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() " +
            "AND xact_start IS NOT NULL AND state <> 'idle' AND now() - xact_start > interval '30 milliseconds'",
          { type: QueryTypes.SELECT },
        );
        return Number(row.n) > 0;
      }
      // SQLite: the app's write transactions are BEGIN IMMEDIATE; if this connection cannot
      // take the write lock at once, one of them holds it
      return new Promise((resolve, reject) => {
        const probe = new sqlite3.Database(sqliteFile!, sqlite3.OPEN_READWRITE, (err) => {
          if (err) return reject(err);
          probe.configure('busyTimeout', 0);
          probe.run('BEGIN IMMEDIATE', (e) => {
            if (e) {
              probe.close(() => resolve(/SQLITE_BUSY|locked/i.test(String(e))));
              return;
            }
            probe.run('ROLLBACK', () => probe.close(() => resolve(false)));
          });
        });
      });
    }

    /**
     * Starts `op`, waits until its write transaction is open, lets it run for `fraction` of
     * the time the operation took when it finished, checks it is still running and unanswered,
     * SIGKILLs the app, restarts it, and returns the fingerprints before and after.
     */
    async function killMidway(op: () => Promise<Reply>, reference: number, fraction: number) {
      const before = await fingerprint(dbUrl, EXCLUDE);
      let answered: Reply | null = null;
      let failed: unknown = null;
      const pending = op().then((r) => (answered = r), (e) => (failed = e));
      const t0 = Date.now();
      while (!(await writeTxOpen())) {
        expect(answered, `the operation finished before its transaction was seen: ${JSON.stringify(answered)}`).to.equal(null);
        if (Date.now() - t0 > 60000) throw new Error('the operation never opened a write transaction');
        await sleep(10);
      }
      const seenAfter = Date.now() - t0;
      await sleep(Math.round(reference * fraction));
      const stillOpen = await writeTxOpen();
      expect(answered, 'the operation completed before the kill: make it larger').to.equal(null);
      expect(stillOpen, 'the write transaction had ended before the kill').to.equal(true);
      await app.kill();
      await pending;
      expect(answered, 'a killed server cannot have answered').to.equal(null);
      expect(String((failed as Error | null)?.message ?? failed)).to.match(/fetch failed|socket|ECONNRESET|terminated|closed/i);
      // a new process on the same database (SQLite: recovers from the WAL; PostgreSQL: the
      // server rolled the dead connection's transaction back)
      app = await startInstance('restarted', env);
      // (the tokens issued before still work: they are in the database)
      const after = await fingerprint(dbUrl, EXCLUDE);
      return { before, after, seenAfter };
    }

    /** Tables whose rows differ (names, for the assertion message). */
    const differing = (a: Fingerprint, b: Fingerprint) =>
      [...new Set([...Object.keys(a.hashes), ...Object.keys(b.hashes)])].filter((t) => a.hashes[t] !== b.hashes[t] || a.counts[t] !== b.counts[t])
        .map((t) => `${t}: ${a.counts[t]} → ${b.counts[t]} rows`);

    before(async function () {
      csvDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-crash-csv-'));
      if (target.pgUrl) {
        await resetPostgres(target.pgUrl);
        pg = new Sequelize(target.pgUrl, { logging: false });
      }
      env = clusterEnv(target.pgUrl, { ADMIN_PASSWORD: 'crash-admin-password' });
      dbUrl = target.pgUrl ?? `sqlite:${path.join(env.DATA_DIR, 'app.sqlite')}`;
      if (!target.pgUrl) sqliteFile = path.join(env.DATA_DIR, 'app.sqlite');
      app = await startInstance('app', env);
      tok.admin = await token(app.url, 'admin', 'crash-admin-password');
      for (const y of [YEAR, YEAR + 1]) {
        if ((await call(app.url, 'GET', `/api/v1/calendar/${y}`, { token: tok.admin })).status === 404) {
          expect((await call(app.url, 'PUT', `/api/v1/calendar/${y}`, { token: tok.admin, body: { source: 'crash test', days: [] } })).status).to.equal(200);
        }
      }
      const v = await call(app.url, 'POST', '/api/v1/vendors', { token: tok.admin, body: { name: '广西崩溃测试信息技术有限公司' } });
      expect((await call(app.url, 'POST', '/api/v1/users', { token: tok.admin, body: { username: 'manager', password: PASSWORD, role: 'manager' } })).status).to.equal(201);
      tok.manager = await token(app.url, 'manager', PASSWORD);
      for (const code of ['CRASH-1', 'CRASH-2']) {
        const c = await call(app.url, 'POST', '/api/v1/contracts', {
          token: tok.manager, body: { ...seed002Contract(v.body.id, code), startDate: `${YEAR}-01-01`, endDate: `${YEAR}-12-31` },
        });
        expect(c.status, c.text).to.equal(201);
        contracts.push(c.body.id);
        expect((await call(app.url, 'PUT', `/api/v1/contracts/${c.body.id}/sla-policy`, { token: tok.manager, body: SEED000_POLICY })).status).to.equal(200);
      }
      // the evidence: 30,000 tickets on the first contract, 10,000 on the second (imports that finish)
      fs.writeFileSync(path.join(csvDir, 'base-1.csv'), ticketsCsv(30000, 'GD'));
      fs.writeFileSync(path.join(csvDir, 'base-2.csv'), ticketsCsv(10000, 'GE'));
      fs.writeFileSync(path.join(csvDir, 'crash.csv'), ticketsCsv(30000, 'GX'));
      await timed('import', () => upload(contracts[0], path.join(csvDir, 'base-1.csv')));
      await timed('import-2', () => upload(contracts[1], path.join(csvDir, 'base-2.csv')));
      await timed('detect', () => call(app.url, 'POST', `/api/v1/contracts/${contracts[0]}/detect`, { token: tok.manager }));
      await timed('calendar', () => call(app.url, 'PUT', `/api/v1/calendar/days/${YEAR}-03-04`, { token: tok.admin, body: { kind: 'holiday', name: '崩溃测试' } }));
    });

    after(async () => {
      await app?.stop();
      await pg?.close();
      if (csvDir) fs.rmSync(csvDir, { recursive: true, force: true });
    });

    if (target.name === 'sqlite') {
      it('the SQLite file is in WAL mode', async () => {
        const db = new sqlite3.Database(sqliteFile!, sqlite3.OPEN_READONLY);
        const mode = await new Promise<string>((ok, ko) => db.get('PRAGMA journal_mode', (e, row: { journal_mode: string }) => (e ? ko(e) : ok(row.journal_mode))));
        await new Promise((ok) => db.close(ok));
        expect(mode).to.equal('wal');
      });
    }

    it('an import of 30,000 tickets killed mid-way leaves the database exactly as before; after a restart the same file imports in full', async () => {
      const { before, after } = await killMidway(() => upload(contracts[1], path.join(csvDir, 'crash.csv')), took.import, 0.3);
      expect(differing(before, after)).to.deep.equal([]);
      expect(after).to.deep.equal(before);
      expect(after.counts.tickets).to.equal(40000);
      const again = await upload(contracts[1], path.join(csvDir, 'crash.csv'));
      expect(again.status, again.text.slice(0, 300)).to.equal(200);
      expect(again.body).to.include({ rows: 30000, imported: 30000, updated: 0, unchanged: 0 });
      const verify = await call(app.url, 'GET', '/api/v1/audit/verify', { token: tok.admin });
      expect(verify.body).to.include({ ok: true });
    });

    it('a re-detection of a contract with 30,000 tickets killed mid-way changes nothing', async () => {
      // the ledger made stale: holidays written straight into the calendar table (as a tool
      // outside the app would), so the re-detection has thousands of lines to withdraw and add
      const days = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(YEAR, 0, 5) + i * 7 * 86400000).toISOString().slice(0, 10));
      const s = target.pgUrl ? new Sequelize(target.pgUrl, { logging: false }) : new Sequelize({ dialect: 'sqlite', storage: sqliteFile!, logging: false });
      try {
        for (const d of days) {
          await s.query('DELETE FROM calendar_days WHERE date = :d', { replacements: { d } });
          await s.query("INSERT INTO calendar_days (date, kind, name, created_at, updated_at) VALUES (:d, 'holiday', '停电检修', :now, :now)", { replacements: { d, now: new Date().toISOString() } });
        }
      } finally {
        await s.close();
      }
      const { before, after } = await killMidway(() => call(app.url, 'POST', `/api/v1/contracts/${contracts[0]}/detect`, { token: tok.manager }), took.detect, 0.4);
      expect(differing(before, after)).to.deep.equal([]);
      expect(after).to.deep.equal(before);
    });

    it('a calendar change killed while it re-detects every contract changes nothing, not even the calendar', async () => {
      const { before, after } = await killMidway(
        () => call(app.url, 'PUT', `/api/v1/calendar/days/${YEAR}-06-10`, { token: tok.admin, body: { kind: 'holiday', name: '崩溃测试二' } }),
        took.calendar,
        0.5,
      );
      expect(differing(before, after)).to.deep.equal([]);
      expect(after).to.deep.equal(before);
      // done again without a kill, it goes through and the audit chain holds
      const ok = await call(app.url, 'PUT', `/api/v1/calendar/days/${YEAR}-06-10`, { token: tok.admin, body: { kind: 'holiday', name: '崩溃测试二' } });
      expect(ok.status, ok.text.slice(0, 300)).to.equal(200);
      expect(ok.body.detection.failed).to.deep.equal([]);
      const verify = await call(app.url, 'GET', '/api/v1/audit/verify', { token: tok.admin });
      expect(verify.body).to.include({ ok: true });
    });
  });
}
