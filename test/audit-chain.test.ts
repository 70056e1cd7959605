// The audit log's hash chain: every audited write extends it, concurrent writes still chain
// in one order, and a change to any entry, a removed entry, or removed last entries is found
// and named by /api/v1/audit/verify (the same check as `npm run cli -- audit:verify` and the
// admin's audit page).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { auditEntryHash, firstBreak, GENESIS_HASH } from '../server/audit-chain';
import * as m009 from '../models/migrations/009-audit-chain';
import { auth, describeEachDb, seed002Contract, signInWeb } from './helpers';

describe('audit chain (pure)', () => {
  const entry = { seq: 1, at: '2026-01-05T08:00:00.000Z', userId: 3, username: 'wangting', action: 'ledger.add', entity: 'ledger_line', entityId: '7', contractId: 2, before: null, after: '{"units":"2"}' };
  it('hashes every field: any change gives another hash', () => {
    const h = auditEntryHash(GENESIS_HASH, entry);
    expect(h).to.match(/^[0-9a-f]{64}$/);
    expect(auditEntryHash(GENESIS_HASH, { ...entry, at: new Date(entry.at) })).to.equal(h);
    for (const change of [{ seq: 2 }, { userId: 4 }, { username: 'x' }, { action: 'ledger.withdraw' }, { entityId: '8' }, { contractId: null }, { after: '{"units":"3"}' }, { at: '2026-01-05T08:00:00.001Z' }]) {
      expect(auditEntryHash(GENESIS_HASH, { ...entry, ...change }), JSON.stringify(change)).not.to.equal(h);
    }
    expect(auditEntryHash('1'.repeat(64), entry)).not.to.equal(h);
  });
  it('finds the first broken link of a chain', () => {
    const rows = [1, 2, 3].map((seq) => ({ ...entry, seq, id: 10 + seq, prevHash: '', hash: '' }));
    let prev = GENESIS_HASH;
    for (const r of rows) {
      r.prevHash = prev;
      r.hash = auditEntryHash(prev, r);
      prev = r.hash;
    }
    expect(firstBreak(rows, { seq: 0, hash: GENESIS_HASH })).to.equal(null);
    expect(firstBreak([rows[0], rows[2]], { seq: 0, hash: GENESIS_HASH })?.id).to.equal(13);
    expect(firstBreak([rows[0], { ...rows[1], after: '{}' }, rows[2]], { seq: 0, hash: GENESIS_HASH })?.id).to.equal(12);
  });
});

describeEachDb('Audit hash chain', (get) => {
  const env = () => get();
  const tok = (who: 'admin' | 'manager' | 'vendor') => auth(env().tokens[who]);
  const verify = async () => {
    const res = await env().api.get('/api/v1/audit/verify').set(tok('admin'));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { ok: boolean; entries: number; break: { id: number | null; seq: number; problem: string } | null };
  };
  let contractId: number;

  before(async function () {
    this.timeout(60000);
    const c = await env().api.post('/api/v1/contracts').set(tok('manager')).send(seed002Contract(env().vendorId, 'AUD-001'));
    expect(c.status).to.equal(201);
    contractId = c.body.id;
    // concurrent audited writes still chain in one order
    const lines = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        env().api.post(`/api/v1/contracts/${contractId}/ledger`).set(tok('manager')).send({ period: 1, item: 1, units: 1, reason: `缺岗 ${i}` }),
      ),
    );
    for (const l of lines) expect(l.status, JSON.stringify(l.body)).to.equal(201);
  });

  it('holds after ordinary and concurrent writes; only an admin may check it', async () => {
    const r = await verify();
    expect(r.ok).to.equal(true);
    expect(r.entries).to.be.greaterThan(12);
    expect((await env().api.get('/api/v1/audit/verify').set(tok('manager'))).status).to.equal(403);
    expect((await env().api.get('/api/v1/audit/verify').set(tok('vendor'))).status).to.equal(403);
  });

  it('names the entry whose content was changed in the database, and the page shows it', async function () {
    this.timeout(30000);
    const db = env().db.sequelize;
    const [victim] = await db.query<{ id: number; seq: string | number; after: string }>(
      "SELECT id, seq, after FROM audit_log WHERE action = 'ledger.add' ORDER BY seq LIMIT 1 OFFSET 3",
      { type: QueryTypes.SELECT },
    );
    await db.query('UPDATE audit_log SET after = :after WHERE id = :id', { replacements: { id: victim.id, after: victim.after.replace('缺岗', '无事') } });
    try {
      const r = await verify();
      expect(r.ok).to.equal(false);
      expect(r.break?.id).to.equal(victim.id);
      expect(r.break?.seq).to.equal(Number(victim.seq));
      expect(r.break?.problem).to.match(/被改动/);
      // the command line says the same (exit 1)
      const url = env().db.dialect === 'postgres' ? (process.env.TEST_DATABASE_URL as string) : `sqlite:${((env().db.sequelize as unknown as { options: { storage: string } }).options.storage)}`;
      const cli = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'audit:verify'], {
        cwd: path.join(__dirname, '..'),
        env: { ...process.env, DATABASE_URL: url, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-audit-')), NODE_ENV: 'test' },
        encoding: 'utf8',
      });
      expect(cli.status, cli.stderr).to.equal(1);
      expect(cli.stderr).to.include(`(id ${victim.id})`);
      const admin = await signInWeb(env().app, 'admin');
      const page = await admin.get('/admin/audit?verify=1');
      expect(page.status).to.equal(200);
      expect(page.text).to.include('data-testid="chain-broken"');
      expect(page.text).to.include(`记录编号 ${victim.id}`);
    } finally {
      await db.query('UPDATE audit_log SET after = :after WHERE id = :id', { replacements: { id: victim.id, after: victim.after } });
    }
    expect((await verify()).ok).to.equal(true);
  });

  it('names the entry after a removed one, and notices removed last entries', async () => {
    const db = env().db.sequelize;
    const rows = await db.query<Record<string, unknown>>('SELECT * FROM audit_log ORDER BY seq', { type: QueryTypes.SELECT });
    const middle = rows[5];
    const next = rows[6];
    await db.query('DELETE FROM audit_log WHERE id = :id', { replacements: { id: middle.id } });
    let r = await verify();
    expect(r.ok).to.equal(false);
    expect(r.break?.id).to.equal(next.id);
    expect(r.break?.problem).to.match(/缺少第/);
    await db.getQueryInterface().bulkInsert('audit_log', [middle]);
    expect((await verify()).ok).to.equal(true);

    const last = rows[rows.length - 1];
    await db.query('DELETE FROM audit_log WHERE id = :id', { replacements: { id: last.id } });
    r = await verify();
    expect(r.ok).to.equal(false);
    expect(r.break?.problem).to.match(/最后 1 条记录被删除/);
    await db.getQueryInterface().bulkInsert('audit_log', [last]);
    expect((await verify()).ok).to.equal(true);
  });

  it('the migration chains the entries an earlier version wrote', async function () {
    this.timeout(30000);
    const db = env().db;
    const q = db.sequelize;
    const before = await verify();
    expect(before.ok).to.equal(true);
    // back to the schema before the chain: entries without seq and hashes
    await m009.down({ context: q.getQueryInterface() });
    await q.query("DELETE FROM schema_migrations WHERE name = '009-audit-chain'");
    await q.getQueryInterface().bulkInsert('audit_log', [
      { at: new Date('2025-12-01T02:03:04.567Z'), user_id: null, username: 'system', action: 'legacy.entry', entity: 'contract', entity_id: String(contractId), contract_id: contractId, before: null, after: '{"legacy":true}' },
    ]);
    expect(await db.migrate()).to.deep.equal(['009-audit-chain']);
    const after = await verify();
    expect(after.ok, JSON.stringify(after.break)).to.equal(true);
    expect(after.entries).to.equal(before.entries + 1);
    // and the chain goes on from there
    const l = await env().api.post(`/api/v1/contracts/${contractId}/ledger`).set(tok('manager')).send({ period: 1, item: 1, units: 1, reason: '迁移后' });
    expect(l.status).to.equal(201);
    expect((await verify()).entries).to.equal(before.entries + 2);
  });
});
