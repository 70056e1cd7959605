// Operations: request ids and JSON access logs, errors that name the request but never leak a
// stack or SQL, /healthz, /readyz, /metrics (with its token), the API's strict content type,
// configuration validation, and graceful shutdown of the real server process.
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { closeApp, createApp, markShuttingDown } from '../server/app';
import { ConfigError, loadConfig } from '../server/config';
import { openDatabase } from '../server/db';
import { logLevel, setLogLevel, setLogSink } from '../server/logging';
import { pendingBatches } from '../server/services/exports';
import { auth, csrfOf, dbTargets, describeEachDb, PASSWORD, seed002Contract, startEnv, TestEnv } from './helpers';

type Line = Record<string, unknown>;

/** Captures what the logger writes (its sink, not the console) at the given level, for one test. */
function captureLogs(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  let restoreSink: () => void = () => undefined;
  let previous = logLevel();
  beforeEach(() => {
    lines.length = 0;
    previous = logLevel();
    setLogLevel(level);
    restoreSink = setLogSink((line) => lines.push(line));
  });
  afterEach(() => {
    restoreSink();
    setLogLevel(previous);
  });
  return {
    lines,
    parsed: (): Line[] => lines.map((l) => JSON.parse(l) as Line),
    /** the access line of a request id (written when the response finished: wait a little for it) */
    async access(reqId: string): Promise<Line | undefined> {
      for (let i = 0; i < 50; i++) {
        const hit = lines.map((l) => JSON.parse(l) as Line).find((l) => l.msg === 'request' && l.reqId === reqId);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 10));
      }
      return undefined;
    },
  };
}

/** A metric sample's value in the exposition text (labels in any order), or null when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[p[1]] = p[2];
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return null;
}

async function waitForBatches(): Promise<void> {
  while (pendingBatches.size) await Promise.allSettled([...pendingBatches]);
}

describeEachDb('operations', (get) => {
  const logs = captureLogs();

  describe('request ids and the access log', () => {
    it('generates an id when none is given and echoes it in X-Request-Id', async () => {
      const a = await get().api.get('/healthz');
      const b = await get().api.get('/healthz');
      expect(a.headers['x-request-id']).to.match(/^[A-Za-z0-9._-]{8,64}$/);
      expect(b.headers['x-request-id']).to.match(/^[A-Za-z0-9._-]{8,64}$/);
      expect(a.headers['x-request-id']).not.to.equal(b.headers['x-request-id']);
    });

    it('keeps a sane id from the proxy and replaces a bad one', async () => {
      const sane = 'nginx-7f3a.b_9';
      expect((await get().api.get('/healthz').set('X-Request-Id', sane)).headers['x-request-id']).to.equal(sane);
      const max = 'a'.repeat(64);
      expect((await get().api.get('/healthz').set('X-Request-Id', max)).headers['x-request-id']).to.equal(max);
      for (const bad of ['a'.repeat(65), 'has space', 'semi;colon', '"quoted"', '<script>', 'a/b', 'ünïcode']) {
        const got = (await get().api.get('/healthz').set('X-Request-Id', bad)).headers['x-request-id'];
        expect(got, bad).not.to.equal(bad);
        expect(got).to.match(/^[A-Za-z0-9._-]{1,64}$/);
      }
    });

    it('writes one JSON line per request: level, time, msg, reqId, method, path without the query, route pattern, status, ms, userId', async () => {
      const env = get();
      const res = await env.api.get('/api/v1/vendors/1?token=secret-in-query&name=张三').set(auth(env.tokens.admin)).set('X-Request-Id', 'access-1');
      expect(res.status).to.equal(200);
      const line = await logs.access('access-1');
      expect(line, logs.lines.join('\n')).to.not.equal(undefined);
      expect(line).to.include({ level: 'info', msg: 'request', reqId: 'access-1', method: 'GET', path: '/api/v1/vendors/1', route: '/api/v1/vendors/:id', status: 200 });
      expect(line!.time).to.be.a('string');
      expect(new Date(line!.time as string).toISOString()).to.equal(line!.time);
      expect(line!.ms).to.be.a('number');
      expect(line!.userId).to.be.a('number');
      // nothing of the query string anywhere in the logs
      expect(logs.lines.join('\n')).not.to.contain('secret-in-query');
      // every line is JSON on its own
      for (const l of logs.lines) expect(() => JSON.parse(l)).not.to.throw();
    });

    it('names the route of the pages too, and "unmatched" for an unknown path; no userId when nobody is signed in', async () => {
      const env = get();
      await env.api.get('/login').set('X-Request-Id', 'page-1').expect(200);
      expect(await logs.access('page-1')).to.include({ route: '/login', status: 200 }).and.not.have.property('userId');
      await env.api.get('/api/v1/no/such/thing').set(auth(env.tokens.admin)).set('X-Request-Id', 'unknown-1').expect(404);
      expect(await logs.access('unknown-1')).to.include({ route: 'unmatched', status: 404, path: '/api/v1/no/such/thing' });
    });

    it('leaves probes, scrapes and static files out of the log unless LOG_LEVEL=debug', async () => {
      const env = get();
      for (const [p, id] of [['/healthz', 'q-1'], ['/readyz', 'q-2'], ['/metrics', 'q-3'], ['/assets/app.css', 'q-4']]) {
        await env.api.get(p).set('X-Request-Id', id);
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(logs.parsed().filter((l) => l.msg === 'request')).to.have.length(0);
      setLogLevel('debug');
      await env.api.get('/healthz').set('X-Request-Id', 'q-5');
      expect(await logs.access('q-5')).to.include({ level: 'debug', path: '/healthz', route: '/healthz' });
    });

    it('a client error never shows a parser\'s or the file system\'s message', async () => {
      const env = get();
      const charset = await env.api.post('/api/v1/auth/token').set('Content-Type', 'application/json; charset=latin-9').send('{"username":"a","password":"b"}');
      expect(charset.status).to.equal(415);
      expect(charset.body.error.code).to.equal('unsupported_media_type');
      expect(charset.text).not.to.match(/charset|unsupported charset|at \w+ \(/i);
      const asset = await env.api.get('/assets/no-such-file.css');
      expect(asset.status).to.equal(404);
      expect(asset.body.error.code).to.equal('not_found');
      expect(asset.text).not.to.match(/ENOENT|public|\/work\//);
      const badJson = await env.api.post('/api/v1/auth/token').set('Content-Type', 'application/json').send('{"username":');
      expect(badJson.status).to.equal(400);
      expect(badJson.body.error).to.deep.equal({ code: 'invalid_json', message: '请求体不是有效的 JSON', details: [] });
    });
  });

  describe('/healthz, /readyz, /metrics', () => {
    it('/healthz answers 200 {status: ok}', async () => {
      const res = await get().api.get('/healthz');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ status: 'ok' });
    });

    it('/readyz answers 200 when the database answers and every migration is applied', async () => {
      const res = await get().api.get('/readyz');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal({ status: 'ready', database: 'ok', migrations: 'ok' });
    });

    it('/metrics serves the Prometheus text with route patterns as labels, never raw paths', async () => {
      const env = get();
      await env.api.get('/api/v1/vendors/1').set(auth(env.tokens.admin)).expect(200);
      await env.api.get('/api/v1/vendors/2').set(auth(env.tokens.admin)).expect(200);
      const res = await env.api.get('/metrics');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
      expect(res.text).to.contain('# TYPE http_requests_total counter');
      expect(sample(res.text, 'http_requests_total', { method: 'GET', route: '/api/v1/vendors/:id', status: '200' })).to.be.at.least(2);
      expect(sample(res.text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/vendors/:id' })).to.be.at.least(2);
      expect(res.text).not.to.contain('route="/api/v1/vendors/1"');
      // the process's own metrics
      expect(res.text).to.contain('process_cpu_user_seconds_total');
      expect(res.text).to.contain('nodejs_eventloop_lag_seconds');
      for (const name of ['imports_total', 'import_rows_total', 'exports_total', 'export_duration_seconds', 'export_batches_total']) {
        expect(res.text).to.contain(`# TYPE ${name} `);
      }
    });

    it('counts exports, batches and imports by kind and outcome', async function () {
      this.timeout(60000);
      const env = get();
      const tok = auth(env.tokens.manager);
      const c = (await env.api.post('/api/v1/contracts').set(tok).send(seed002Contract(env.vendorId, 'OPS-METRICS-1')).expect(201)).body;
      await env.api.get(`/api/v1/contracts/${c.id}/periods/1/scorecard.xlsx`).set(tok).expect(200);
      await env.api.get(`/api/v1/contracts/${c.id}/periods/9/scorecard.xlsx`).set(tok).expect((r) => expect(r.status).to.be.within(400, 499));
      // no SLA policy yet: the ticket import is refused
      await env.api.post(`/api/v1/contracts/${c.id}/tickets/import`).set(tok)
        .attach('file', Buffer.from('external_id,severity,created_at\nT-1,高,2025-11-03 09:00\n'), 't.csv')
        .expect(409);
      const people = [
        'external_id,name,role,start_date,qualifications,security_agreement,no_criminal_record',
        'P-1,张三,驻场工程师,2025-11-01,,是,是',
        'P-2,李四,驻场工程师,2025-11-01,,是,是',
      ].join('\n');
      const imp = await env.api.post(`/api/v1/contracts/${c.id}/people/import`).set(tok).attach('file', Buffer.from(people), 'people.csv');
      expect(imp.status, JSON.stringify(imp.body)).to.equal(200);
      // import jobs of the pages count when their row says they ended
      const { ImportJob } = env.db.models;
      const job = (base: object) => ImportJob.create({ contractId: c.id, userId: 1, kind: 'inspections', state: 'running', fileName: 'x.csv', fileSize: 10, ...base });
      const j1 = (await job({})).get({ plain: true }) as { id: number };
      const j2 = (await job({})).get({ plain: true }) as { id: number };
      await ImportJob.update({ state: 'done', done: 5, total: 5 }, { where: { id: j1.id } });
      await ImportJob.update({ state: 'failed', message: '导入时发生内部错误，未导入任何数据，请稍后重试或联系管理员' }, { where: { id: j2.id } });
      await ImportJob.update({ state: 'expired' }, { where: { id: j2.id } });
      const batch = await env.api.post('/api/v1/exports/batches').set(tok).send({ bureau: env.config.bureauName, period: 1 });
      expect(batch.status, JSON.stringify(batch.body)).to.equal(202);
      await waitForBatches();
      const text = (await env.api.get('/metrics')).text;
      expect(sample(text, 'exports_total', { kind: 'scorecard_xlsx', outcome: 'ok' })).to.equal(1);
      expect(sample(text, 'exports_total', { kind: 'scorecard_xlsx', outcome: 'rejected' })).to.equal(1);
      expect(sample(text, 'export_duration_seconds_count', { kind: 'scorecard_xlsx' })).to.equal(2);
      expect(sample(text, 'imports_total', { kind: 'tickets', outcome: 'rejected' })).to.equal(1);
      expect(sample(text, 'imports_total', { kind: 'people', outcome: 'ok' })).to.equal(1);
      expect(sample(text, 'import_rows_total', { kind: 'people' })).to.equal(2);
      expect(sample(text, 'imports_total', { kind: 'inspections', outcome: 'ok' })).to.equal(1);
      expect(sample(text, 'import_rows_total', { kind: 'inspections' })).to.equal(5);
      expect(sample(text, 'imports_total', { kind: 'inspections', outcome: 'error' })).to.equal(1);
      expect(sample(text, 'export_batches_total', { outcome: 'started' })).to.equal(1);
      expect(sample(text, 'export_batches_total', { outcome: 'done' })).to.equal(1);
      expect(sample(text, 'export_batches_total', { outcome: 'failed' })).to.equal(0);
    });

    it('/metrics asks for the bearer token when METRICS_TOKEN is set', async () => {
      const env = get();
      const token = 'metrics-token-0123456789';
      const app = createApp(env.db, { ...env.config, metricsToken: token });
      try {
        const none = await request(app).get('/metrics');
        expect(none.status).to.equal(401);
        expect(none.body.error.code).to.equal('unauthorized');
        expect(none.text).not.to.contain('http_requests_total');
        expect((await request(app).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789')).status).to.equal(401);
        expect((await request(app).get('/metrics').set('Authorization', token)).status).to.equal(401);
        const ok = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`);
        expect(ok.status).to.equal(200);
        expect(sample(ok.text, 'http_requests_total', { method: 'GET', route: '/metrics', status: '401' })).to.equal(3);
      } finally {
        closeApp(app);
      }
    });
  });

  describe('strict content type on the API', () => {
    const JSON_415 = { code: 'unsupported_media_type', message: '请求体必须是 JSON（Content-Type: application/json）', details: [] };

    it('refuses a body that is not JSON with 415, before anything else', async () => {
      const env = get();
      const form = await env.api.post('/api/v1/auth/token').type('form').send({ username: 'admin', password: PASSWORD });
      expect(form.status).to.equal(415);
      expect(form.body.error).to.deep.equal(JSON_415);
      const text = await env.api.post('/api/v1/vendors').set(auth(env.tokens.admin)).set('Content-Type', 'text/plain').send('{"name":"x"}');
      expect(text.status).to.equal(415);
      const none = await env.api.put('/api/v1/vendors/1').set(auth(env.tokens.admin)).unset('Content-Type').send(Buffer.from('{"name":"x"}'));
      expect(none.status).to.equal(415);
      const xml = await env.api.put('/api/v1/contracts/1/sla-policy').set(auth(env.tokens.admin)).set('Content-Type', 'application/xml').send('<x/>');
      expect(xml.status).to.equal(415);
      // the CSV the calendar takes is not taken elsewhere
      const csv = await env.api.post('/api/v1/contracts/1/tickets').set(auth(env.tokens.admin)).set('Content-Type', 'text/csv').send('a,b\n1,2\n');
      expect(csv.status).to.equal(415);
      // a JSON body to an upload route: those take multipart only
      const jsonUpload = await env.api.post('/api/v1/contracts/1/tickets/import').set(auth(env.tokens.admin)).send({ file: 'x' });
      expect(jsonUpload.status).to.equal(415);
      expect(jsonUpload.body.error.code).to.equal('unsupported_media_type');
    });

    it('takes JSON (with a charset too), a POST without a body, multipart uploads and the calendar\'s CSV', async () => {
      const env = get();
      const tok = await env.api.post('/api/v1/auth/token').set('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify({ username: 'admin', password: PASSWORD }));
      expect(tok.status).to.equal(200);
      // no body at all: read-all, publish and the like
      const readAll = await env.api.post('/api/v1/notifications/read-all').set(auth(env.tokens.admin));
      expect(readAll.status).to.equal(200);
      const verify = await env.api.post('/api/v1/verify').attach('file', Buffer.from('not a pdf'), 'x.pdf');
      expect(verify.status).not.to.equal(415);
      const file = await env.api.post('/api/v1/contracts/999/files').set(auth(env.tokens.admin)).attach('file', Buffer.from('hello'), 'a.txt');
      expect(file.status).to.equal(404);
      const imp = await env.api.post('/api/v1/contracts/999/people/import').set(auth(env.tokens.admin)).attach('file', Buffer.from('a,b\n'), 'p.csv');
      expect(imp.status).to.equal(404);
      const csv = await env.api.put('/api/v1/calendar/2031').set(auth(env.tokens.admin)).set('Content-Type', 'text/csv').send('date,kind,name\n');
      expect(csv.status, JSON.stringify(csv.body)).not.to.equal(415);
      const json = await env.api.put('/api/v1/calendar/2031').set(auth(env.tokens.admin)).send({ days: [] });
      expect(json.status, JSON.stringify(json.body)).not.to.equal(415);
    });
  });
});

// ---- failures: a database that breaks, then closes -------------------------------------------------

for (const target of dbTargets()) {
  describe(`operations when the database fails [${target.name}]`, function () {
    this.timeout(60000);
    let env: TestEnv;
    const logs = captureLogs();
    before(async () => {
      env = await startEnv(target);
    });
    after(async () => {
      closeApp(env.app);
      await env.db.close().catch(() => undefined);
    });

    it('/readyz lists a migration that is not applied (503), then is ready once it is', async () => {
      const q = env.db.sequelize.getQueryInterface().quoteIdentifier('schema_migrations');
      await env.db.sequelize.query(`DELETE FROM ${q} WHERE name = '008-exports'`);
      const pending = await env.api.get('/readyz');
      expect(pending.status).to.equal(503);
      expect(pending.body).to.deep.equal({ status: 'not_ready', database: 'ok', migrations: 'pending', pending: ['008-exports'] });
      await env.db.sequelize.query(`INSERT INTO ${q} (name) VALUES ('008-exports')`);
      expect((await env.api.get('/readyz')).status).to.equal(200);
    });

    it('an API request that fails on the database: 500 with the request id, no stack, no SQL; the error log has the same id', async () => {
      const qi = env.db.sequelize.getQueryInterface();
      await qi.renameTable('api_tokens', 'api_tokens_gone');
      try {
        const res = await env.api.get('/api/v1/me').set(auth(env.tokens.admin)).set('X-Request-Id', 'boom-api-1');
        expect(res.status).to.equal(500);
        expect(res.headers['x-request-id']).to.equal('boom-api-1');
        expect(res.body).to.deep.equal({ error: { code: 'internal', message: '服务器内部错误', details: [], requestId: 'boom-api-1' } });
        expect(res.text).not.to.match(/api_tokens|SELECT|SQLITE|relation|\bat\s+\S+\s+\(/i);
        const errors = logs.parsed().filter((l) => l.level === 'error');
        expect(errors, logs.lines.join('\n')).to.have.length(1);
        expect(errors[0]).to.include({ msg: 'unhandled error', reqId: 'boom-api-1', method: 'GET', path: '/api/v1/me' });
        expect(String(errors[0].message)).to.match(/api_tokens/);
        expect(errors[0].error).to.be.a('string');
        expect(await logs.access('boom-api-1')).to.include({ status: 500 });
      } finally {
        await qi.renameTable('api_tokens_gone', 'api_tokens');
      }
    });

    it('a page that fails: the 500 page shows 请求编号 <id>, no stack, no SQL; the error log has the same id', async () => {
      const qi = env.db.sequelize.getQueryInterface();
      const agent = request.agent(env.app);
      const page = await agent.get('/login');
      const csrf = csrfOf(page.text);
      await qi.renameTable('users', 'users_gone');
      try {
        const res = await agent.post('/login').type('form').set('X-Request-Id', 'boom-page-1').send({ username: 'admin', password: PASSWORD, _csrf: csrf });
        expect(res.status).to.equal(500);
        expect(res.text).to.contain('请求编号 boom-page-1');
        expect(res.text).not.to.match(/users|SELECT|SQLITE|relation|\bat\s+\S+\s+\(/i);
        const errors = logs.parsed().filter((l) => l.level === 'error');
        expect(errors, logs.lines.join('\n')).to.have.length(1);
        expect(errors[0]).to.include({ msg: 'page error', reqId: 'boom-page-1', path: '/login' });
      } finally {
        await qi.renameTable('users_gone', 'users');
      }
    });

    it('/readyz says shutting_down once shutdown has begun (the load balancer stops sending traffic)', async () => {
      const app = createApp(env.db, env.config);
      try {
        expect((await request(app).get('/readyz')).status).to.equal(200);
        markShuttingDown(app);
        const res = await request(app).get('/readyz');
        expect(res.status).to.equal(503);
        expect(res.body).to.deep.equal({ status: 'shutting_down' });
        expect(res.headers.connection).to.equal('close');
        expect((await request(app).get('/healthz')).status).to.equal(200);
      } finally {
        closeApp(app);
      }
    });

    it('/readyz answers 503 once the database is closed; /healthz still 200', async () => {
      closeApp(env.app);
      await env.db.close();
      const res = await env.api.get('/readyz');
      expect(res.status).to.equal(503);
      expect(res.body).to.include({ status: 'not_ready', database: 'error' });
      expect((await env.api.get('/healthz')).status).to.equal(200);
    });
  });
}

// ---- configuration -----------------------------------------------------------------------------

describe('configuration validation', () => {
  const refuses = (env: NodeJS.ProcessEnv, variable: string) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err, `${JSON.stringify(env)} should be refused`).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.contain(variable);
    return (err as Error).message;
  };

  it('keeps the defaults', () => {
    const c = loadConfig({});
    expect(c).to.include({ port: 3000, env: 'development', logLevel: 'info', metricsToken: null, shutdownTimeoutMs: 25000, uploadMaxMb: 200, adminUsername: 'admin', adminPassword: null });
    expect(c.databaseUrl).to.match(/^sqlite:.*app\.sqlite$/);
    expect(loadConfig({ NODE_ENV: 'test' }).argon2MemoryKiB).to.equal(1024);
    const set = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'debug', METRICS_TOKEN: 'x'.repeat(16), SHUTDOWN_TIMEOUT_MS: '5000', PORT: '0', DATABASE_URL: 'postgres://u:p@db.internal:5432/omscore' });
    expect(set).to.include({ env: 'production', logLevel: 'debug', metricsToken: 'x'.repeat(16), shutdownTimeoutMs: 5000, port: 0 });
  });

  it('refuses what it does not understand, naming the variable', () => {
    expect(refuses({ NODE_ENV: 'prod' }, 'NODE_ENV')).to.contain('production, development, test');
    expect(refuses({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL')).to.contain('error, warn, info, debug');
    refuses({ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN');
    refuses({ METRICS_TOKEN: 'has spaces in the token' }, 'METRICS_TOKEN');
    refuses({ SHUTDOWN_TIMEOUT_MS: 'soon' }, 'SHUTDOWN_TIMEOUT_MS');
    refuses({ SHUTDOWN_TIMEOUT_MS: '10' }, 'SHUTDOWN_TIMEOUT_MS');
    refuses({ PORT: '80a' }, 'PORT');
    refuses({ PORT: ' 80' }, 'PORT');
    refuses({ PORT: '0x50' }, 'PORT');
    refuses({ PORT: '70000' }, 'PORT');
    refuses({ UPLOAD_MAX_MB: '1e3' }, 'UPLOAD_MAX_MB');
    refuses({ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL');
    refuses({ DATABASE_URL: 'postgres://db.internal:5432' }, 'DATABASE_URL');
    refuses({ DATABASE_URL: 'postgres://:5432/db' }, 'DATABASE_URL');
    refuses({ DATABASE_URL: 'sqlite:' }, 'DATABASE_URL');
    // the password of a bad address is not repeated in the message
    expect(refuses({ DATABASE_URL: 'postgres://u:s3cret@[bad/db' }, 'DATABASE_URL')).not.to.contain('s3cret');
    refuses({ PUBLIC_URL: 'kaohe.example.gov.cn' }, 'PUBLIC_URL');
    refuses({ PUBLIC_URL: 'ftp://kaohe.example.gov.cn' }, 'PUBLIC_URL');
    refuses({ PUBLIC_URL: 'https://kaohe.example.gov.cn/?x=1' }, 'PUBLIC_URL');
    refuses({ ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD');
    refuses({ ADMIN_USERNAME: 'a b' }, 'ADMIN_USERNAME');
    refuses({ SESSION_SECRET: 'too-short' }, 'SESSION_SECRET');
    refuses({ BUREAU_NAME: '   ' }, 'BUREAU_NAME');
    refuses({ SIGNING_P12_PASSPHRASE: 'pass' }, 'SIGNING_P12_PASSPHRASE');
  });
});

// ---- graceful shutdown of the real process -----------------------------------------------------

const root = path.resolve(__dirname, '..');

interface Server {
  child: ChildProcess;
  port: number;
  dataDir: string;
  out: () => string;
  lines: () => Line[];
  exited: Promise<number | null>;
}

function startServer(extra: NodeJS.ProcessEnv = {}): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-ops-'));
  const env = { ...process.env, NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, DATABASE_URL: '', DEMO_DATA: 'off', ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: '', METRICS_TOKEN: '', ...extra };
  // node itself with tsx's loader, as `node dist/server/index.js` runs in production: the tsx
  // command relays signals to its child and kills it when it does not acknowledge one within
  // 30 ms (a busy event loop, e.g. while a batch renders PDFs), which is not what is tested here
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const lines = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 40000);
    child.stdout!.on('data', () => {
      const listening = lines().find((l) => l.msg === 'listening');
      if (listening) {
        clearTimeout(timer);
        resolve({ child, port: listening.port as number, dataDir, out: () => out, lines, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}

async function waitFor(what: string, check: () => boolean, ms = 10000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw HTTP/1.1 connection: what was received, and when the server closed it. */
function rawConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d) => (received += d.toString('utf8')));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, connected, closed, received: () => received };
}

function connectError(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(null);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)));
  });
}

/** Starts a request whose body is held back: the server has it in flight until the rest is sent. */
async function heldRequest(port: number, body: string) {
  const conn = rawConnection(port);
  await conn.connected;
  const head = `POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  conn.socket.write(head + body.slice(0, 10));
  // the server has read the headers (the request is in flight) once it is in the process
  await new Promise((r) => setTimeout(r, 300));
  return { ...conn, rest: body.slice(10) };
}

describe('graceful shutdown (the real server process)', function () {
  this.timeout(90000);
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('logs the actual port with PORT=0, answers the probes, and logs requests as JSON', async () => {
    const s = await startServer();
    running.push(s.child);
    expect(s.port).to.be.a('number').and.above(0);
    const listening = s.lines().find((l) => l.msg === 'listening')!;
    expect(listening.url).to.equal(`http://localhost:${s.port}`);
    expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${s.port}/readyz`)).status).to.equal(200);
    const me = await fetch(`http://127.0.0.1:${s.port}/api/v1/me`, { headers: { 'x-request-id': 'proc-1' } });
    expect(me.status).to.equal(401);
    await waitFor('the access line', () => s.lines().some((l) => l.reqId === 'proc-1'));
    expect(s.lines().find((l) => l.reqId === 'proc-1')).to.include({ msg: 'request', status: 401, path: '/api/v1/me' });
    s.child.kill('SIGTERM');
    expect(await s.exited).to.equal(0);
  });

  it('on SIGTERM: refuses new connections, finishes the request in flight, says shutting_down, exits 0', async () => {
    const s = await startServer();
    running.push(s.child);
    const held = await heldRequest(s.port, JSON.stringify({ username: 'admin', password: PASSWORD }));
    s.child.kill('SIGTERM');
    await waitFor('the shutting down line', () => s.lines().some((l) => l.msg === 'shutting down'));
    // no new connections
    expect(await connectError(s.port)).to.equal('ECONNREFUSED');
    expect(s.child.exitCode).to.equal(null);
    // the rest of the body, and a second request on the same connection (pipelined)
    held.socket.write(held.rest + 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await held.closed;
    const responses = held.received().split(/(?=HTTP\/1\.1 \d{3})/);
    expect(responses[0], held.received()).to.match(/^HTTP\/1\.1 200/);
    expect(responses[0]).to.contain('"token"');
    expect(responses[1], held.received()).to.match(/^HTTP\/1\.1 503/);
    expect(responses[1]).to.contain('{"status":"shutting_down"}');
    expect(await s.exited).to.equal(0);
    expect(s.lines().some((l) => l.msg === 'stopped')).to.equal(true);
  });

  it('waits for a running export batch before closing the database', async () => {
    const s = await startServer();
    running.push(s.child);
    const base = `http://127.0.0.1:${s.port}/api/v1`;
    const json = { 'content-type': 'application/json' };
    const tok = (await (await fetch(`${base}/auth/token`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'admin', password: PASSWORD }) })).json()) as { token: string };
    const h = { ...json, authorization: `Bearer ${tok.token}` };
    const vendor = (await (await fetch(`${base}/vendors`, { method: 'POST', headers: h, body: JSON.stringify({ name: '广西运维测试有限公司' }) })).json()) as { id: number };
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${base}/contracts`, { method: 'POST', headers: h, body: JSON.stringify(seed002Contract(vendor.id, `OPS-SHUT-${i}`)) });
      expect(r.status).to.equal(201);
    }
    const bureau = loadConfig({}).bureauName;
    const started = await fetch(`${base}/exports/batches`, { method: 'POST', headers: h, body: JSON.stringify({ bureau, period: 1 }) });
    expect(started.status).to.equal(202);
    const batch = (await started.json()) as { id: number };
    s.child.kill('SIGTERM');
    expect(await s.exited, s.out()).to.equal(0);
    const shutting = s.lines().find((l) => l.msg === 'shutting down')!;
    expect(shutting.exportBatches, s.out()).to.equal(1);
    const db = openDatabase(`sqlite:${path.join(s.dataDir, 'app.sqlite')}`);
    try {
      const row = (await db.models.ExportBatch.findByPk(batch.id, { raw: true })) as unknown as { state: string };
      expect(row.state).to.equal('done');
    } finally {
      await db.close();
    }
  });

  it('exits 1 when the deadline passes with a request still in flight', async () => {
    const s = await startServer({ SHUTDOWN_TIMEOUT_MS: '1000' });
    running.push(s.child);
    const held = await heldRequest(s.port, JSON.stringify({ username: 'admin', password: PASSWORD }));
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).to.equal(1);
    expect(Date.now() - t0).to.be.within(900, 8000);
    expect(s.lines().some((l) => l.level === 'error' && /deadline/.test(String(l.msg)))).to.equal(true);
    held.socket.destroy();
  });

  it('a second signal exits at once', async () => {
    const s = await startServer();
    running.push(s.child);
    const held = await heldRequest(s.port, JSON.stringify({ username: 'admin', password: PASSWORD }));
    s.child.kill('SIGTERM');
    await waitFor('the shutting down line', () => s.lines().some((l) => l.msg === 'shutting down'));
    const t0 = Date.now();
    s.child.kill('SIGINT');
    expect(await s.exited).to.equal(1);
    expect(Date.now() - t0).to.be.below(3000);
    held.socket.destroy();
  });
});
