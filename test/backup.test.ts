// Backups and restores through the real entry point (`tsx server/cli.ts backup|restore` as child
// processes), on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL (the restore goes
// into a second database: <name>_restore, created when missing).
//
// A backup taken while ledger lines keep being added must be a consistent snapshot: the
// restored lines are a prefix of the original's by id, the row counts are the manifest's, and
// every restored scorecard is exactly what its restored lines give. A backup taken once the
// writes have stopped must restore to scorecards and payments equal to the original's.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { QueryInterface, QueryTypes, Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { closeApp, createApp } from '../server/app';
import type { Manifest } from '../server/backup';
import { Database, openDatabase } from '../server/db';
import { auth, DbTarget, publishAndSign, seed002Contract, startEnv, TestEnv } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface BackupTarget {
  name: 'sqlite' | 'postgres';
  url: string;
  restoreUrl: string;
}

function backupTargets(): BackupTarget[] {
  const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `omscore-backup-${p}-`));
  const out: BackupTarget[] = [
    { name: 'sqlite', url: `sqlite:${path.join(tmp('db'), 'app.sqlite')}`, restoreUrl: `sqlite:${path.join(tmp('restore'), 'app.sqlite')}` },
  ];
  const pg = process.env.TEST_DATABASE_URL;
  if (pg) {
    const u = new URL(pg);
    u.pathname = `/${decodeURIComponent(u.pathname.slice(1))}_restore`;
    out.push({ name: 'postgres', url: pg, restoreUrl: u.toString() });
  }
  return out;
}

/** Creates the restore database when missing and empties it (schema public, schemas kept aside by earlier restores). */
async function preparePostgresRestoreTarget(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const server = new Sequelize(admin.toString(), { dialect: 'postgres', logging: false });
  try {
    const rows = await server.query('SELECT 1 FROM pg_database WHERE datname = :name', { type: QueryTypes.SELECT, replacements: { name } });
    if (!rows.length) await server.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await server.close();
  }
  await dropAsideSchemas(url, true);
}

async function dropAsideSchemas(url: string, andPublic: boolean): Promise<void> {
  const db = new Sequelize(url, { dialect: 'postgres', logging: false });
  try {
    const aside = await db.query<{ n: string }>("SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'omscore\\_before\\_restore\\_%'", { type: QueryTypes.SELECT });
    for (const { n } of aside) await db.query(`DROP SCHEMA "${n}" CASCADE`);
    if (andPublic) {
      await db.query('DROP SCHEMA IF EXISTS public CASCADE');
      await db.query('CREATE SCHEMA public');
    }
  } finally {
    await db.close();
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tsx server/cli.ts …` as a child process (asynchronous: the test's own app keeps serving meanwhile). */
function cli(args: string[], env: { DATA_DIR: string; DATABASE_URL: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['server/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function backupDirOf(run: Run): string {
  const m = /backup complete: (\S+) \(/.exec(run.stdout);
  if (!m) throw new Error(`no backup directory in the output:\n${run.stdout}\n${run.stderr}`);
  return m[1];
}

const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
const hundredths = (s: string) => Math.round(Number(s) * 100);

interface Restored {
  db: Database;
  app: Express;
  api: ReturnType<typeof request>;
  close(): Promise<void>;
}

for (const target of backupTargets()) {
  describe(`backup and restore [${target.name}]`, function () {
    this.timeout(180000);
    let env: TestEnv;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-backup-data-'));
    const restoreDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-backup-restored-'));
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-backups-'));
    const source = { DATA_DIR: dataDir, DATABASE_URL: target.url };
    const dest = { DATA_DIR: restoreDataDir, DATABASE_URL: target.restoreUrl };
    const contractIds: number[] = [];
    let busy = 0; // the contract the writer adds lines to
    let evidence: { id: number; bytes: Buffer };
    let quietBackup = '';
    let restored: Restored | null = null;

    const tok = () => auth(env.tokens.manager);
    const openRestored = async (): Promise<Restored> => {
      const db = openDatabase(target.restoreUrl);
      const app = createApp(db, { ...env.config, dataDir: restoreDataDir });
      restored = {
        db,
        app,
        api: request(app),
        close: async () => {
          closeApp(app);
          await db.close();
          restored = null;
        },
      };
      return restored;
    };

    before(async function () {
      if (target.name === 'postgres') await preparePostgresRestoreTarget(target.restoreUrl);
      const dbTarget: DbTarget = { name: target.name, url: () => target.url };
      env = await startEnv(dbTarget);
      // the app's files, signing identity and session secret live in this test's own DATA_DIR
      env.config.dataDir = dataDir;
      fs.writeFileSync(path.join(dataDir, 'session-secret'), crypto.randomBytes(32).toString('hex'), { mode: 0o600 });

      for (const code of ['GX2025-DLGK-C0062-B00', 'GX2025-DLGK-C0071-B00']) {
        const c = await env.api.post('/api/v1/contracts').set(tok()).send(seed002Contract(env.vendorId, code));
        expect(c.status, JSON.stringify(c.body)).to.equal(201);
        contractIds.push(c.body.id);
      }
      busy = contractIds[0];
      const line = async (id: number, body: object) => {
        const r = await env.api.post(`/api/v1/contracts/${id}/ledger`).set(tok()).send(body);
        expect(r.status, JSON.stringify(r.body)).to.equal(201);
        return r.body;
      };
      for (const id of contractIds) {
        await line(id, { period: 1, item: 5, rule: '5a', units: 2, reason: '11月3日、11月4日未执行日常巡检' });
        await line(id, { period: 1, item: 4, units: 3, reason: '3 张工单超时' });
        await line(id, { period: 2, item: 17, units: 1, reason: '违规外联 1 次' });
        await line(id, { period: 3, item: 9, units: 1, reason: '月报迟交' });
        const withdrawn = await line(id, { period: 2, item: 4, units: 5, reason: '误记' });
        const w = await env.api.post(`/api/v1/contracts/${id}/ledger/${withdrawn.id}/withdraw`).set(tok()).send({ reason: '重复登记' });
        expect(w.status).to.equal(200);
      }
      expect((await publishAndSign(env, busy, 1)).status).to.equal(200);
      evidence = { id: 0, bytes: Buffer.from(`%PDF-1.4\n工单截图 ${crypto.randomBytes(16).toString('hex')}\n%%EOF\n`) };
      const up = await env.api.post(`/api/v1/contracts/${busy}/files`).set(tok()).attach('file', evidence.bytes, '工单截图.pdf');
      expect(up.status, JSON.stringify(up.body)).to.equal(201);
      evidence.id = up.body.id;
      // a signed export: generates the development signing identity in DATA_DIR
      const pdf = await env.api.get(`/api/v1/contracts/${busy}/periods/1/scorecard.pdf`).set(tok()).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(pdf.status).to.equal(200);
      expect(fs.existsSync(path.join(dataDir, 'signing', 'dev-signer.json'))).to.equal(true);
    });

    after(async () => {
      await restored?.close();
      await env?.close();
      if (target.name === 'postgres') await dropAsideSchemas(target.restoreUrl, false).catch(() => undefined);
      // these hold real-looking secrets and copies: leave nothing behind
      const dirs = [dataDir, restoreDataDir, outDir, ...[target.url, target.restoreUrl].map(sqliteOr).filter((f): f is string => !!f).map((f) => path.dirname(f))];
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    /** Every contract's scorecards (every period) and payments, as the given API serves them. */
    async function figures(api: ReturnType<typeof request>) {
      const out: Record<string, unknown> = {};
      for (const id of contractIds) {
        const contract = await api.get(`/api/v1/contracts/${id}`).set(tok());
        expect(contract.status).to.equal(200);
        for (const p of contract.body.periods as { number: number }[]) {
          const sc = await api.get(`/api/v1/contracts/${id}/periods/${p.number}/scorecard`).set(tok());
          expect(sc.status).to.equal(200);
          out[`${id}/scorecard/${p.number}`] = sc.body;
        }
        const pay = await api.get(`/api/v1/contracts/${id}/payments`).set(tok());
        expect(pay.status).to.equal(200);
        out[`${id}/payments`] = pay.body;
        out[`${id}/ledger`] = (await api.get(`/api/v1/contracts/${id}/ledger`).set(tok())).body;
      }
      return out;
    }

    async function rowCounts(db: Database): Promise<Record<string, number>> {
      const tables = db.dialect === 'sqlite'
        ? await db.sequelize.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", { type: QueryTypes.SELECT })
        : await db.sequelize.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'", { type: QueryTypes.SELECT });
      const out: Record<string, number> = {};
      for (const { name } of tables) {
        out[name] = Number((await db.sequelize.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`, { type: QueryTypes.SELECT }))[0].n);
      }
      return out;
    }

    it('takes a consistent snapshot while ledger lines keep being added, and restores exactly that snapshot', async () => {
      // a writer adding lines through the API, one after another, until told to stop
      const written: number[] = [];
      let stop = false;
      let failure: string | null = null;
      const writer = (async () => {
        for (let i = 1; !stop; i++) {
          const r = await env.api.post(`/api/v1/contracts/${busy}/ledger`).set(tok()).send({ period: 2, item: 4, units: 1, reason: `并发写入第 ${i} 条` });
          if (r.status !== 201) {
            failure = `${r.status} ${JSON.stringify(r.body)}`;
            return;
          }
          written.push(r.body.id);
        }
      })();
      while (written.length < 3 && !failure) await new Promise((r) => setTimeout(r, 10));
      const atStart = written.length;
      const run = await cli(['backup', '--out', outDir], source);
      const atEnd = written.length;
      // a few more after the backup ended, then stop
      while (written.length < atEnd + 3 && !failure) await new Promise((r) => setTimeout(r, 10));
      stop = true;
      await writer;
      expect(failure).to.equal(null);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect(atEnd, 'lines were added while the backup ran').to.be.greaterThan(atStart);
      const dir = backupDirOf(run);
      expect(path.basename(dir)).to.match(/^backup-\d{8}T\d{6}Z(-\d+)?$/);
      expect(fs.readdirSync(outDir).filter((n) => n.includes('partial'))).to.deep.equal([]);
      const manifest = manifestOf(dir);
      expect(manifest.dialect).to.equal(target.name);
      expect(manifest.app.version).to.equal(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
      expect(manifest.migrations).to.deep.equal((await env.db.sequelize.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name', { type: QueryTypes.SELECT })).map((r) => r.name));
      expect(manifest.files).to.include({ count: 1, totalBytes: evidence.bytes.length, referenced: 1 });
      expect(manifest.secrets).to.include({ signingIdentity: true, sessionSecret: true });
      expect(Object.keys(manifest.artifacts)).to.include.members([
        target.name === 'sqlite' ? 'database.sqlite' : 'database.pgdump', `files/${crypto.createHash('sha256').update(evidence.bytes).digest('hex')}`,
        'signing/dev-signer.json', 'session-secret',
      ]);
      // the snapshot fell while the writer was writing
      const before = (await rowCounts(env.db)).ledger_lines - written.length; // lines that existed before the writer
      const inSnapshot = manifest.rowCounts.ledger_lines - before;
      expect(inSnapshot).to.be.at.least(atStart).and.at.most(atEnd);
      console.log(`      (writer: ${atStart} lines before the backup started, ${inSnapshot} in the snapshot, ${atEnd} when it ended, ${written.length} in all)`);

      const r = await cli(['restore', '--from', dir], dest);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.contain('restore complete');
      const restoredEnv = await openRestored();
      try {
        // the table rows are the manifest's, nothing more, nothing less
        expect(await rowCounts(restoredEnv.db)).to.deep.equal(manifest.rowCounts);
        // the busy contract's lines: a prefix of the original's by id, each line the same
        const orig = (await env.api.get(`/api/v1/contracts/${busy}/ledger`).set(tok())).body as { id: number }[];
        const back = (await restoredEnv.api.get(`/api/v1/contracts/${busy}/ledger`).set(tok())).body as { id: number }[];
        expect(back.length).to.be.below(orig.length);
        expect(back).to.deep.equal(orig.slice(0, back.length));
        expect(back.filter((l) => written.includes(l.id))).to.have.length(inSnapshot);
        // every restored scorecard is what the restored lines give
        for (const id of contractIds) {
          const lines = (await restoredEnv.api.get(`/api/v1/contracts/${id}/ledger`).set(tok())).body as { period: number; item: number; points: string; status: string }[];
          const contract = await restoredEnv.api.get(`/api/v1/contracts/${id}`).set(tok());
          for (const p of contract.body.periods as { number: number }[]) {
            const sc = (await restoredEnv.api.get(`/api/v1/contracts/${id}/periods/${p.number}/scorecard`).set(tok())).body;
            for (const item of sc.items as { number: number; kind: string; rawDeduction: string }[]) {
              if (item.kind === 'rating') continue;
              const sum = lines.filter((l) => l.status === 'active' && l.period === p.number && l.item === item.number).reduce((a, l) => a + hundredths(l.points), 0);
              expect(hundredths(item.rawDeduction), `contract ${id} period ${p.number} item ${item.number}`).to.equal(sum);
            }
          }
        }
      } finally {
        await restoredEnv.close();
      }
    });

    it('restores a backup taken after the writes stopped to exactly the original scorecards, payments, files and identity', async () => {
      const run = await cli(['backup', '--out', outDir], source);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      quietBackup = backupDirOf(run);
      const r = await cli(['restore', '--from', quietBackup, '--force'], dest);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/kept as/); // the database it replaced held data: kept aside
      const back = await openRestored();
      try {
        expect(await figures(back.api)).to.deep.equal(await figures(env.api));
        expect(await rowCounts(back.db)).to.deep.equal(manifestOf(quietBackup).rowCounts);
        // the evidence file downloads with the same bytes
        const file = await back.api.get(`/api/v1/files/${evidence.id}`).set(tok()).buffer(true).parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        });
        expect(file.status).to.equal(200);
        expect(Buffer.compare(file.body as Buffer, evidence.bytes)).to.equal(0);
      } finally {
        await back.close();
      }
      for (const f of ['signing/dev-signer.json', 'session-secret']) {
        expect(fs.readFileSync(path.join(restoreDataDir, f)).equals(fs.readFileSync(path.join(dataDir, f))), f).to.equal(true);
      }
    });

    it('refuses a damaged backup, naming the damaged file, and leaves the target as it was', async () => {
      const damaged = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-damaged-'));
      fs.cpSync(quietBackup, damaged, { recursive: true });
      const manifest = manifestOf(damaged);
      const evidenceName = Object.keys(manifest.artifacts).find((n) => n.startsWith('files/'))!;
      const flip = (name: string) => {
        const p = path.join(damaged, name);
        const buf = fs.readFileSync(p);
        buf[Math.floor(buf.length / 2)] ^= 0x01;
        fs.writeFileSync(p, buf);
      };
      const before = fs.statSync(sqliteOr(target.restoreUrl) ?? dataDir).mtimeMs;
      flip(evidenceName);
      for (const args of [['backup:verify', '--from', damaged], ['restore', '--from', damaged, '--force']]) {
        const r = await cli(args, dest);
        expect(r.code, r.stdout + r.stderr).to.not.equal(0);
        expect(r.stderr).to.contain(evidenceName);
        expect(r.stderr).to.contain('备份已损坏').and.contain('damaged backup');
      }
      flip(evidenceName); // repaired
      const dbName = target.name === 'sqlite' ? 'database.sqlite' : 'database.pgdump';
      flip(dbName);
      const r = await cli(['restore', '--from', damaged, '--force'], dest);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.contain(dbName);
      if (target.name === 'sqlite') expect(fs.statSync(sqliteOr(target.restoreUrl)!).mtimeMs).to.equal(before);
      // an interrupted backup (no manifest) is no backup
      fs.rmSync(path.join(damaged, 'manifest.json'));
      const none = await cli(['restore', '--from', damaged, '--force'], dest);
      expect(none.code).to.not.equal(0);
      expect(none.stderr).to.contain('manifest.json');
      fs.rmSync(damaged, { recursive: true, force: true });
    });

    it('refuses to overwrite a database that holds data unless --force', async () => {
      const r = await cli(['restore', '--from', quietBackup], dest);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain('不是空的').and.contain('not empty').and.contain('--force');
    });

    it('refuses while an app is connected to the target database', async () => {
      const db = openDatabase(target.restoreUrl);
      try {
        await db.sequelize.query('SELECT COUNT(*) FROM users');
        const r = await cli(['restore', '--from', quietBackup, '--force'], dest);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(target.name === 'sqlite' ? /in use by another process/ : /has other sessions/);
        expect(r.stderr).to.contain('stop the app');
      } finally {
        await db.close();
      }
    });

    it('restores a backup of an older version and migrates it forward', async () => {
      // an "older version": every migration but the last, in a database of its own
      const dir = path.join(ROOT, 'models', 'migrations');
      const names = fs.readdirSync(dir).filter((n) => /^\d{3}-.*\.ts$/.test(n)).map((n) => n.replace(/\.ts$/, '')).sort();
      const last = names[names.length - 1];
      const oldDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-backup-old-'));
      const oldUrl = target.name === 'sqlite' ? `sqlite:${path.join(oldDataDir, 'app.sqlite')}` : target.restoreUrl;
      if (target.name === 'postgres') await dropAsideSchemas(target.restoreUrl, true);
      const sequelize = target.name === 'sqlite'
        ? new Sequelize({ dialect: 'sqlite', storage: sqliteOr(oldUrl)!, logging: false })
        : new Sequelize(oldUrl, { dialect: 'postgres', logging: false });
      try {
        const umzug = new Umzug<QueryInterface>({
          migrations: names.slice(0, -1).map((name) => {
            const mod = require(path.join(dir, name)) as { up(p: { context: QueryInterface }): Promise<void> };
            return { name, up: ({ context }: { context: QueryInterface }) => mod.up({ context }) };
          }),
          context: sequelize.getQueryInterface(),
          storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
          logger: undefined,
        });
        await umzug.up();
      } finally {
        await sequelize.close();
      }
      const b = await cli(['backup', '--out', outDir], { DATA_DIR: oldDataDir, DATABASE_URL: oldUrl });
      fs.rmSync(oldDataDir, { recursive: true, force: true });
      expect(b.code, b.stdout + b.stderr).to.equal(0);
      const old = backupDirOf(b);
      expect(manifestOf(old).migrations).to.deep.equal(names.slice(0, -1));
      const r = await cli(['restore', '--from', old, '--force'], dest);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.contain(`migrations applied: ${last}`);
      const db = openDatabase(target.restoreUrl);
      try {
        const applied = (await db.sequelize.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name', { type: QueryTypes.SELECT })).map((x) => x.name);
        expect(applied).to.deep.equal(names);
        expect(await db.models.Template.count()).to.equal(manifestOf(old).rowCounts.templates);
      } finally {
        await db.close();
      }
      // and the newer backup goes back over it
      const again = await cli(['restore', '--from', quietBackup, '--force'], dest);
      expect(again.code, again.stdout + again.stderr).to.equal(0);
      const back = await openRestored();
      try {
        expect(await figures(back.api)).to.deep.equal(await figures(env.api));
      } finally {
        await back.close();
      }
    });

    it('completes a backup but exits 3 naming an evidence file missing from DATA_DIR', async () => {
      const sha = crypto.createHash('sha256').update(evidence.bytes).digest('hex');
      const file = path.join(dataDir, 'files', sha);
      fs.renameSync(file, `${file}.away`);
      try {
        const r = await cli(['backup', '--out', outDir], source);
        expect(r.code, r.stdout + r.stderr).to.equal(3);
        expect(r.stderr).to.contain(sha).and.contain('missing');
        const m = manifestOf(backupDirOf(r));
        expect(m.files.missing).to.deep.equal([sha]);
        expect(m.files.count).to.equal(0);
      } finally {
        fs.renameSync(`${file}.away`, file);
      }
    });

    it('keeps only the newest backups with --keep', async () => {
      const before = fs.readdirSync(outDir).filter((n) => n.startsWith('backup-'));
      expect(before.length).to.be.at.least(3);
      const r = await cli(['backup', '--out', outDir, '--keep', '2'], source);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const after = fs.readdirSync(outDir).filter((n) => n.startsWith('backup-')).sort();
      expect(after).to.have.length(2);
      expect(after).to.include(path.basename(backupDirOf(r)));
      expect(r.stdout).to.contain('removed old backup');
    });
  });
}

function sqliteOr(url: string): string | null {
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
}
