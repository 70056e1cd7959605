// The manager's web pages through real HTTP with a signed-in session (the sign-in form, CSRF
// tokens from the pages): contract setup and editing, evidence forms, the four-step import
// with its background job, and evidence the vendor submits for the manager to confirm.
// On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { closeApp, createApp } from '../server/app';
import { ApiError } from '../server/errors';
import { SYSTEM } from '../server/services/context';
import * as contracts from '../server/services/contracts';
import { auth, csrfOf, describeEachDb, publishAndSign, seed002Contract, sessionCookies, signInWeb, testId, WebAgent } from './helpers';

type Agent = WebAgent;



const cookies = new WeakMap<Agent, string>();


/** A page's CSRF token (one per session). */
async function tokenFrom(agent: Agent, url = '/'): Promise<string> {
  const res = await agent.get(url);
  return csrfOf(res.text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A complete new-contract form (seed 002's terms), with overrides. */
function contractForm(vendorId: number, code: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    code,
    name: '广西税务2025年电子发票服务平台等相关系统运行维护',
    bureau: '国家税务总局广西壮族自治区税务局',
    vendorId: String(vendorId),
    totalAmount: '12084900.00',
    startDate: '2025-11-01',
    endDate: '2026-10-31',
    periodScheme: 'contract_quarters',
    pointRate: '0.008',
    interviewThreshold: '95',
    interviewsBeforeTermination: '2',
    objectionWindowDays: '5',
    managerId: '',
    systems: '电子发票服务平台\n全国统一规范电子税务局',
    'installments[0].name': '预付款', 'installments[0].ratio': '0.20', 'installments[0].periods': '',
    'installments[1].name': '初验款', 'installments[1].ratio': '0.40', 'installments[1].deductible': '1', 'installments[1].periods': '1,2',
    'installments[2].name': '', 'installments[2].ratio': '', 'installments[2].periods': '',
    'installments[3].name': '终验款', 'installments[3].ratio': '0.40', 'installments[3].deductible': '1', 'installments[3].periods': '3,4',
    ...extra,
  };
}

const SLA_FORM = {
  'workingHours[0].start': '08:00', 'workingHours[0].end': '17:30',
  'levels[0].code': '高', 'levels[0].name': '紧急', 'levels[0].responseMinutes': '30', 'levels[0].resolutionMinutes': '240', 'levels[0].clock': 'working',
  'levels[1].code': '中', 'levels[1].responseMinutes': '60', 'levels[1].resolutionMinutes': '720', 'levels[1].clock': 'working',
  'levels[2].code': '', 'levels[2].responseMinutes': '', 'levels[2].resolutionMinutes': '', 'levels[2].clock': 'working',
  itemByTicketType: '故障=10a\n需求=26a\ndefault=4a',
  pauseReasons: '等待局方确认\n等待用户反馈',
};

describeEachDb('web pages: setup, evidence, import, submissions', (get) => {
  let app: Express;
  /** a second instance of the application on the same database (several servers behind a proxy) */
  let app2: Express;
  let dataDir: string;
  let manager: Agent;
  let vendor: Agent;
  let otherVendor: Agent;
  let id: number;
  const api = () => request(app);

  before(async function () {
    this.timeout(60000);
    const env = get();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-web-'));
    // "now" inside the contract's term (the rules for editing depend on it); detection keeps the system clock
    const config = { ...env.config, dataDir, sessionSecret: 'web-manager-test-session-secret-0123456789' };
    app = createApp(env.db, config, { clock: () => new Date('2026-01-15T10:00:00+08:00') });
    app2 = createApp(env.db, config, { clock: () => new Date('2026-01-15T10:00:00+08:00') });
    manager = await signInWeb(app, 'manager');
    vendor = await signInWeb(app, 'vendor');
    otherVendor = await signInWeb(app, 'otherVendor');
  });
  after(async () => {
    if (app) closeApp(app);
    if (app2) closeApp(app2);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  describe('contract setup', () => {
    it('creates a contract through the form (blank installment rows ignored)', async () => {
      const env = get();
      const page = await manager.get('/contracts/new').expect(200);
      expect(page.text).to.contain('新建合同');
      const res = await manager.post('/contracts/new').type('form').send({ ...contractForm(env.vendorId, 'WEB-1'), _csrf: csrfOf(page.text) });
      expect(res.status, res.text).to.equal(303);
      const m = /^\/contracts\/(\d+)\/edit$/.exec(res.headers.location);
      expect(m, res.headers.location).to.not.equal(null);
      id = Number(m![1]);
      const c = await api().get(`/api/v1/contracts/${id}`).set(auth(env.tokens.manager)).expect(200);
      expect(c.body).to.include({ code: 'WEB-1', totalAmount: '12084900.00', startDate: '2025-11-01', endDate: '2026-10-31' });
      expect(c.body.systems).to.deep.equal(['电子发票服务平台', '全国统一规范电子税务局']);
      expect(c.body.installments.map((i: { name: string; ratio: string; periods: number[] }) => [i.name, i.ratio, i.periods])).to.deep.equal([
        ['预付款', '0.20', []], ['初验款', '0.40', [1, 2]], ['终验款', '0.40', [3, 4]],
      ]);
      expect(c.body.periods).to.have.length(4);
      const edit = await manager.get(res.headers.location).expect(200);
      expect(edit.text).to.contain('合同条款已创建'.slice(0, 0) + '合同已创建');
      expect(edit.text).to.contain('SLA 策略');
    });

    it('a bad form shows the messages next to the fields, keeps the input and stores nothing', async () => {
      const env = get();
      const before = await env.db.models.Contract.count();
      const token = await tokenFrom(manager, '/contracts/new');
      // end before start
      let res = await manager.post('/contracts/new').type('form').send({ ...contractForm(env.vendorId, 'WEB-BAD', { endDate: '2025-10-01', name: '保留我输入的名称' }), _csrf: token });
      expect(res.status).to.equal(400);
      expect(testId(res.text, 'error-endDate')).to.contain('结束日期不能早于开始日期');
      expect(res.text).to.match(/id="f-endDate"[^>]*aria-describedby="f-endDate-err[ "]/);
      expect(res.text).to.contain('value="保留我输入的名称"');
      expect(res.text).to.contain('value="WEB-BAD"');
      // ratios that do not sum to 1
      res = await manager.post('/contracts/new').type('form').send({ ...contractForm(env.vendorId, 'WEB-BAD', { 'installments[3].ratio': '0.30' }), _csrf: token });
      expect(res.status).to.equal(400);
      expect(testId(res.text, 'error-installments')).to.contain('各期付款比例之和必须等于 1');
      expect(res.text).to.contain('value="0.30"');
      // a blank required field, named in Chinese next to it
      res = await manager.post('/contracts/new').type('form').send({ ...contractForm(env.vendorId, 'WEB-BAD', { totalAmount: '' }), _csrf: token });
      expect(res.status).to.equal(400);
      expect(testId(res.text, 'error-totalAmount')).to.match(/^合同总金额/);
      // an installment row with a bad ratio: the message sits at that row (row 4 of the form)
      res = await manager.post('/contracts/new').type('form').send({ ...contractForm(env.vendorId, 'WEB-BAD', { 'installments[3].ratio': 'abc' }), _csrf: token });
      expect(res.status).to.equal(400);
      expect(testId(res.text, 'error-installments[3].ratio')).to.match(/^第 4 行付款比例/);
      expect(await env.db.models.Contract.count()).to.equal(before);
    });

    it('editing: saves with the current version; a stale version answers 409 with a clear message', async () => {
      const env = get();
      const page = await manager.get(`/contracts/${id}/edit`).expect(200);
      const version = /name="version" value="(\d+)"/.exec(page.text)![1];
      const form = { ...contractForm(env.vendorId, 'WEB-1', { name: '电子发票服务平台运维（已改名）', interviewThreshold: '90' }), version, _csrf: csrfOf(page.text) };
      const ok = await manager.post(`/contracts/${id}/edit`).type('form').send(form);
      expect(ok.status, ok.text).to.equal(303);
      const c = await api().get(`/api/v1/contracts/${id}`).set(auth(env.tokens.manager)).expect(200);
      expect(c.body).to.include({ name: '电子发票服务平台运维（已改名）', interviewThreshold: '90.00', version: Number(version) + 1 });
      // the same (now stale) version again
      const stale = await manager.post(`/contracts/${id}/edit`).type('form').send({ ...form, name: '另一次修改' });
      expect(stale.status).to.equal(409);
      expect(testId(stale.text, 'form-error')).to.contain('合同已被他人修改');
      expect(stale.text).to.contain('value="另一次修改"');
      // the API says the same
      const put = await api().put(`/api/v1/contracts/${id}`).set(auth(env.tokens.manager)).send({ version: Number(version), name: 'x' });
      expect(put.status).to.equal(409);
      expect(put.body.error.message).to.contain('合同已被他人修改');
      const audit = await env.db.models.Audit.findOne({ where: { action: 'contract.update', contractId: id }, raw: true }) as unknown as { before: string; after: string };
      expect(JSON.parse(audit.before).name).to.not.equal(JSON.parse(audit.after).name);
    });

    it('the SLA policy, an inspection plan and positions are saved through their forms', async () => {
      const token = await tokenFrom(manager, `/contracts/${id}/edit`);
      // a level whose resolution is shorter than its response: the message is at that row
      const bad = await manager.post(`/contracts/${id}/sla-policy`).type('form').send({ ...SLA_FORM, 'levels[1].resolutionMinutes': '30', _csrf: token });
      expect(bad.status).to.equal(400);
      expect(testId(bad.text, 'error-levels[1].resolutionMinutes')).to.contain('解决时限不能短于响应时限');
      const ok = await manager.post(`/contracts/${id}/sla-policy`).type('form').send({ ...SLA_FORM, _csrf: token });
      expect(ok.status, ok.text).to.equal(303);
      const policy = await api().get(`/api/v1/contracts/${id}/sla-policy`).set(auth(get().tokens.manager)).expect(200);
      expect(policy.body.levels.map((l: { code: string }) => l.code)).to.deep.equal(['高', '中']);

      const plan = await manager.post(`/contracts/${id}/inspection-plans`).type('form').send({
        name: '日常巡检', frequency: 'workday', checklist: '服务器状态\n数据库状态', deadlineTime: '', findingLimitMinutes: '570', _csrf: token,
      });
      expect(plan.status, plan.text).to.equal(303);
      const noChecklist = await manager.post(`/contracts/${id}/inspection-plans`).type('form').send({ name: '周巡检', frequency: 'weekly', checklist: '', _csrf: token });
      expect(noChecklist.status).to.equal(400);
      expect(testId(noChecklist.text, 'error-checklist')).to.match(/^检查内容/);

      const pos = await manager.post(`/contracts/${id}/positions`).type('form').send({
        'positions[0].role': '项目经理', 'positions[0].count': '1', 'positions[0].qualifications': 'PMP', 'positions[0].toleranceWorkingDays': '',
        'positions[1].role': '', 'positions[1].count': '', 'positions[1].qualifications': '', 'positions[1].toleranceWorkingDays': '', _csrf: token,
      });
      expect(pos.status, pos.text).to.equal(303);
      const positions = await api().get(`/api/v1/contracts/${id}/positions`).set(auth(get().tokens.manager)).expect(200);
      expect(positions.body).to.have.length(1);
      expect(positions.body[0]).to.include({ role: '项目经理', count: 1 });
    });
  });

  describe('contract editing before publication', () => {
    it('a shorter term generates the periods again; installments must still fit them', async () => {
      const env = get();
      const created = await api().post('/api/v1/contracts').set(auth(env.tokens.manager)).send(seed002Contract(env.vendorId, 'WEB-2')).expect(201);
      const cid = created.body.id as number;
      const page = await manager.get(`/contracts/${cid}/edit`).expect(200);
      const version = /name="version" value="(\d+)"/.exec(page.text)![1];
      const form = { ...contractForm(env.vendorId, 'WEB-2', { endDate: '2026-07-31' }), version, _csrf: csrfOf(page.text) };
      // three periods now, but the last installment still names period 4 (form row 4)
      const bad = await manager.post(`/contracts/${cid}/edit`).type('form').send(form);
      expect(bad.status).to.equal(400);
      expect(testId(bad.text, 'error-installments[3].periods')).to.contain('考核期 4 不存在');
      expect(bad.text).to.contain('value="2026-07-31"');
      const ok = await manager.post(`/contracts/${cid}/edit`).type('form').send({ ...form, 'installments[3].periods': '3' });
      expect(ok.status, ok.text).to.equal(303);
      const c = await api().get(`/api/v1/contracts/${cid}`).set(auth(env.tokens.manager)).expect(200);
      expect(c.body.endDate).to.equal('2026-07-31');
      expect(c.body.periods.map((p: { number: number; endDate: string }) => [p.number, p.endDate])).to.deep.equal([[1, '2026-01-31'], [2, '2026-04-30'], [3, '2026-07-31']]);
      expect(c.body.installments[2].periods).to.deep.equal([3]);
      const flashPage = await manager.get(`/contracts/${cid}/edit`).expect(200);
      expect(flashPage.text).to.contain('合同条款已保存');
    });
  });

  describe('evidence', () => {
    it('a ticket that breaches its SLA creates a ledger line, and the page says so', async () => {
      const env = get();
      const token = await tokenFrom(manager, `/contracts/${id}/evidence`);
      // 高: resolution 240 working minutes from 09:00 → 13:00; resolved 16:00
      const res = await manager.post(`/contracts/${id}/evidence/tickets`).type('form').send({
        externalId: 'GD-2001', severity: '高', type: '故障', system: '电子发票服务平台', title: '开票接口超时',
        createdAt: '2025-11-03T09:00', respondedAt: '2025-11-03T09:10', resolvedAt: '2025-11-03T16:00', _csrf: token,
      });
      expect(res.status, res.text).to.equal(303);
      const page = await manager.get(res.headers.location.replace(/#.*$/, '')).expect(200);
      expect(page.text).to.contain('工单已录入');
      expect(page.text).to.contain('新增扣分 1 条');
      expect(page.text).to.contain('GD-2001');
      const ledger = await api().get(`/api/v1/contracts/${id}/ledger`).set(auth(env.tokens.manager)).expect(200);
      const sla = ledger.body.filter((l: { source: string }) => l.source === 'sla');
      expect(sla).to.have.length(1);
      expect(sla[0]).to.include({ period: 1, item: 10 });
      const ticket = await api().get(`/api/v1/contracts/${id}/tickets/GD-2001`).set(auth(env.tokens.manager)).expect(200);
      expect(ticket.body.createdAt).to.equal('2025-11-03T01:00:00.000Z');
    });

    it('an invalid ticket is refused with the message at the field and the input kept', async () => {
      const env = get();
      const before = await env.db.models.Ticket.count();
      const token = await tokenFrom(manager, `/contracts/${id}/evidence`);
      const res = await manager.post(`/contracts/${id}/evidence/tickets`).type('form').send({
        externalId: 'GD-2002', severity: '高', createdAt: '2025-11-04T09:00', resolvedAt: '2025-11-04T08:00', title: '保留的标题', _csrf: token,
      });
      expect(res.status).to.equal(400);
      expect(testId(res.text, 'error-resolvedAt')).to.contain('解决时间不能早于创建时间');
      expect(res.text).to.match(/id="t-resolvedAt"[^>]*aria-describedby="t-resolvedAt-err[ "]/);
      expect(res.text).to.contain('value="保留的标题"');
      const missing = await manager.post(`/contracts/${id}/evidence/tickets`).type('form').send({ externalId: 'GD-2003', severity: '高', _csrf: token });
      expect(missing.status).to.equal(400);
      expect(testId(missing.text, 'error-createdAt')).to.match(/^创建时间/);
      expect(await env.db.models.Ticket.count()).to.equal(before);
    });

    it('records an event with kind-specific details', async () => {
      const token = await tokenFrom(manager, `/contracts/${id}/evidence`);
      const bad = await manager.post(`/contracts/${id}/evidence/events`).type('form').send({
        kind: 'onsite_planned', occurredAt: '2025-11-05T09:00', title: '11 月现场服务', d_onsite_planned_persons: '2', _csrf: token,
      });
      expect(bad.status).to.equal(400);
      expect(testId(bad.text, 'error-d_onsite_planned_dueDate')).to.match(/^应提供日期/);
      const ok = await manager.post(`/contracts/${id}/evidence/events`).type('form').send({
        kind: 'security_incident', occurredAt: '2025-11-05T09:00', title: '弱口令导致的信息泄露', d_security_incident_category: 'incident', _csrf: token,
      });
      expect(ok.status, ok.text).to.equal(303);
      const page = await manager.get(`/contracts/${id}/evidence`).expect(200);
      expect(page.text).to.contain('事件已记录');
      expect(page.text).to.contain('事件：新增扣分 1 条');
    });
  });

  describe('import', () => {
    const upload = async (kind: string, name: string, text: string) => {
      const token = await tokenFrom(manager, `/contracts/${id}/import`);
      const file = path.join(dataDir, name);
      fs.writeFileSync(file, text);
      return manager.post(`/contracts/${id}/import?_csrf=${encodeURIComponent(token)}`).field('kind', kind).attach('file', file);
    };
    const untilDone = async (jobUrl: string) => {
      for (let i = 0; i < 300; i++) {
        const s = await manager.get(`${jobUrl}/status`).expect(200);
        if (s.body.state !== 'queued' && s.body.state !== 'running') return s.body;
        await sleep(100);
      }
      throw new Error('import did not finish');
    };
    const pending = () => (fs.existsSync(path.join(dataDir, 'uploads', 'pending')) ? fs.readdirSync(path.join(dataDir, 'uploads', 'pending')) : []);

    it('upload → column mapping → preview → run: inserts the rows and reports detection', async () => {
      const env = get();
      const csv = [
        '工单编号,优先级,创建时间,响应时间,解决时间,标题',
        'IM-1,高,2025-11-06 09:00,2025-11-06 09:05,2025-11-06 10:00,申报页面报错',
        'IM-2,高,2025-11-06 09:00,2025-11-06 09:05,2025-11-06 17:00,发票查验失败',
        'IM-3,中,2025-11-07 10:00,,,咨询',
      ].join('\n');
      const up = await upload('tickets', 'export.csv', '\uFEFF' + csv);
      expect(up.status, up.text).to.equal(303);
      const jobUrl = up.headers.location.replace(/\/mapping$/, '');
      expect(up.headers.location).to.match(/^\/contracts\/\d+\/import\/\d+\/mapping$/);
      expect(pending()).to.have.length(1);

      const mapping = await manager.get(up.headers.location).expect(200);
      // guessed from the headers: 工单编号 → external_id, 优先级 → severity ...
      expect(mapping.text).to.match(/id="map-external_id"[\s\S]*?<option value="工单编号" selected>/);
      expect(mapping.text).to.match(/id="map-severity"[\s\S]*?<option value="优先级" selected>/);
      const token = csrfOf(mapping.text);
      // a required field left unmapped: the message is next to it
      const noSeverity = await manager.post(up.headers.location).type('form').send({
        'map.external_id': '工单编号', 'map.severity': '', 'map.created_at': '创建时间', _csrf: token,
      });
      expect(noSeverity.status).to.equal(400);
      expect(testId(noSeverity.text, 'error-map.severity')).to.contain('必填字段');
      const mapped = await manager.post(up.headers.location).type('form').send({
        'map.external_id': '工单编号', 'map.severity': '优先级', 'map.created_at': '创建时间', 'map.responded_at': '响应时间',
        'map.resolved_at': '解决时间', 'map.title': '标题', 'map.system': '', 'map.type': '', _csrf: token,
      });
      expect(mapped.status, mapped.text).to.equal(303);
      expect(mapped.headers.location).to.equal(`${jobUrl}/preview`);

      const preview = await manager.get(`${jobUrl}/preview`).expect(200);
      expect(preview.text).to.contain('IM-2');
      expect(preview.text).to.contain('发票查验失败');
      expect(preview.text).to.not.contain('data-testid="preview-problems"');
      expect(await env.db.models.Ticket.count({ where: { contractId: id, externalId: ['IM-1', 'IM-2', 'IM-3'] } })).to.equal(0);

      const run = await manager.post(`${jobUrl}/run`).type('form').send({ _csrf: token });
      expect(run.status).to.equal(303);
      expect(run.headers.location).to.equal(jobUrl);
      const status = await untilDone(jobUrl);
      expect(status.state, JSON.stringify(status)).to.equal('done');
      // any instance reads the job's state (it is a database row)
      const elsewhere = await request(app2).get(`${jobUrl}/status`).set('Cookie', sessionCookies.get(manager)!).expect(200);
      expect(elsewhere.body).to.include({ state: 'done', done: 3, total: 3 });
      const result = await manager.get(jobUrl).expect(200);
      expect(testId(result.text, 'imported')).to.equal('3');
      // IM-2 resolved after its deadline; IM-3 is still open, long past its deadline
      expect(testId(result.text, 'detection')).to.contain('工单时限：新增扣分 2 条');
      const tickets = await api().get(`/api/v1/contracts/${id}/tickets?limit=100`).set(auth(env.tokens.manager)).expect(200);
      expect(tickets.body.items.map((t: { externalId: string }) => t.externalId)).to.include.members(['IM-1', 'IM-2', 'IM-3']);
      // the mapping is saved for the next file; the uploaded file is gone
      const saved = await api().get(`/api/v1/contracts/${id}/import-mappings/tickets`).set(auth(env.tokens.manager)).expect(200);
      expect(saved.body.mapping).to.include({ external_id: '工单编号', severity: '优先级' });
      expect(pending()).to.have.length(0);
      // running it again is refused quietly (the job is finished)
      const again = await manager.post(`${jobUrl}/run`).type('form').send({ _csrf: token });
      expect(again.status).to.equal(303);
      expect(await env.db.models.Ticket.count({ where: { contractId: id, externalId: ['IM-1', 'IM-2', 'IM-3'] } })).to.equal(3);
    });

    it('a file with bad rows: the preview shows the problems, the run reports every row error and stores nothing', async () => {
      const env = get();
      const before = { tickets: await env.db.models.Ticket.count(), lines: await env.db.models.LedgerLine.count() };
      const csv = [
        'external_id,severity,created_at,resolved_at',
        'BAD-1,高,2025-11-10 09:00,2025-11-10 10:00',
        'BAD-2,紧急,2025-11-10 09:00,',
        'BAD-3,高,2025-13-40 09:00,',
        'BAD-4,高,2025-11-10 09:00,2025-11-10 08:00',
      ].join('\n');
      const up = await upload('tickets', 'bad.csv', csv);
      expect(up.status).to.equal(303);
      const jobUrl = up.headers.location.replace(/\/mapping$/, '');
      const mapping = await manager.get(up.headers.location).expect(200);
      const token = csrfOf(mapping.text);
      await manager.post(up.headers.location).type('form').send({
        'map.external_id': 'external_id', 'map.severity': 'severity', 'map.created_at': 'created_at', 'map.resolved_at': 'resolved_at', _csrf: token,
      }).expect(303);
      const preview = await manager.get(`${jobUrl}/preview`).expect(200);
      expect(testId(preview.text, 'preview-problems')).to.contain('3 行有问题');
      expect(preview.text).to.contain('严重程度「紧急」不在 SLA 策略中');

      await manager.post(`${jobUrl}/run`).type('form').send({ _csrf: token }).expect(303);
      const status = await untilDone(jobUrl);
      expect(status.state).to.equal('failed');
      const page = await manager.get(jobUrl).expect(200);
      expect(testId(page.text, 'import-failed')).to.contain('未导入任何数据');
      const table = page.text.slice(page.text.indexOf('data-testid="row-errors"'));
      for (const row of ['3', '4', '5']) expect(table).to.match(new RegExp(`<td class="num"[^>]*>${row}</td>`));
      expect(table).to.contain('不是有效时间');
      expect(table).to.contain('解决时间不能早于创建时间');
      expect(await env.db.models.Ticket.count()).to.equal(before.tickets);
      expect(await env.db.models.LedgerLine.count()).to.equal(before.lines);
      expect(pending()).to.have.length(0);
    });

    it('refuses a file that is not a table at the upload step, and other users cannot see a job', async () => {
      const up = await upload('tickets', 'photo.png', '\x89PNG\r\n\x1a\n....');
      expect(up.status).to.equal(400);
      expect(testId(up.text, 'error-file')).to.contain('只接受 CSV');
      expect(pending()).to.have.length(0);
      const ok = await upload('people', 'people.csv', 'external_id,name\nP-1,张三\n');
      const jobUrl = ok.headers.location.replace(/\/mapping$/, '');
      // another manager's session: not found
      const other = await signInWeb(app, 'manager2');
      await other.get(`${jobUrl}/mapping`).expect(404);
      await other.get(`${jobUrl}/status`).expect(404);
      // abandon: the file is removed
      const token = await tokenFrom(manager, `${jobUrl}/mapping`);
      await manager.post(`${jobUrl}/cancel`).type('form').send({ _csrf: token }).expect(303);
      expect(pending()).to.have.length(0);
      // left alone for over an hour: the next visit to the import page removes the file
      const left = await upload('people', 'people.csv', 'external_id,name\nP-1,张三\n');
      expect(pending()).to.have.length(1);
      const jobId = Number(/\/import\/(\d+)\/mapping$/.exec(left.headers.location)![1]);
      await get().db.sequelize.query('UPDATE import_jobs SET updated_at = :at WHERE id = :id', { replacements: { at: new Date(Date.now() - 2 * 3600_000), id: jobId } });
      await manager.get(`/contracts/${id}/import`).expect(200);
      expect(pending()).to.have.length(0);
      const job = (await get().db.models.ImportJob.findByPk(jobId, { raw: true })) as unknown as { state: string; token: string | null };
      expect(job).to.include({ state: 'expired', token: null });
      const gone = await manager.get(left.headers.location);
      expect(gone.status).to.equal(303);
    });
  });

  describe('submissions', () => {
    it('a vendor submits an inspection run with an attachment; the manager confirms it', async () => {
      const env = get();
      const plans = await api().get(`/api/v1/contracts/${id}/inspection-plans`).set(auth(env.tokens.manager)).expect(200);
      const planId = String(plans.body[0].id);
      const page = await vendor.get(`/contracts/${id}/submissions`).expect(200);
      expect(page.text).to.contain('提交巡检记录');
      const token = csrfOf(page.text);
      const file = path.join(dataDir, '巡检记录.txt');
      fs.writeFileSync(file, '2025-11-12 巡检记录：服务器、数据库正常');
      const post = (fields: Record<string, string>) => {
        const req = vendor.post(`/contracts/${id}/submissions?_csrf=${encodeURIComponent(token)}`);
        for (const [k, v] of Object.entries(fields)) req.field(k, v);
        return req.attach('file', file);
      };
      // no performer: the message is next to the field, the input is kept
      const bad = await post({ kind: 'inspection_run', planId, performedAt: '2025-11-12T10:00', performer: '', externalId: 'XJ-20251112' });
      expect(bad.status).to.equal(400);
      expect(testId(bad.text, 'error-performer')).to.match(/^巡检人/);
      expect(bad.text).to.contain('value="XJ-20251112"');
      const ok = await post({ kind: 'inspection_run', planId, performedAt: '2025-11-12T10:00', performer: '陈志强', itemsChecked: '服务器状态\n数据库状态' });
      expect(ok.status, ok.text).to.equal(303);
      const mine = await vendor.get(`/contracts/${id}/submissions`).expect(200);
      expect(mine.text).to.contain('已提交，等待局方合同管理员确认');
      expect(mine.text).to.contain('巡检记录.txt');

      const pendingPage = await manager.get(`/contracts/${id}/submissions`).expect(200);
      const sid = /data-testid="submission-(\d+)"/.exec(pendingPage.text)![1];
      const mtoken = csrfOf(pendingPage.text);
      const reject = await manager.post(`/contracts/${id}/submissions/${sid}/review`).type('form').send({ decision: 'reject', note: '', _csrf: mtoken });
      expect(reject.status).to.equal(400);
      expect(testId(reject.text, 'error-note')).to.contain('退回时请写明原因');
      const confirm = await manager.post(`/contracts/${id}/submissions/${sid}/review`).type('form').send({ decision: 'confirm', note: '', _csrf: mtoken });
      expect(confirm.status, confirm.text).to.equal(303);
      const runs = await api().get(`/api/v1/contracts/${id}/inspections`).set(auth(env.tokens.manager)).expect(200);
      expect(runs.body.items.map((r: { performer: string }) => r.performer)).to.include('陈志强');
      const after = await vendor.get(`/contracts/${id}/submissions`).expect(200);
      expect(testId(after.text, 'submissions-done')).to.not.equal(null);
      expect(after.text).to.contain('已确认');
    });
  });

  describe('access', () => {
    it('another vendor gets 404 on every page of the contract; the vendor gets 403 on manager pages and forms', async () => {
      for (const p of ['edit', 'evidence', 'import', 'submissions']) {
        const res = await otherVendor.get(`/contracts/${id}/${p}`);
        expect(res.status, p).to.equal(404);
      }
      const otoken = await tokenFrom(otherVendor);
      const sub = await otherVendor.post(`/contracts/${id}/submissions?_csrf=${encodeURIComponent(otoken)}`).field('kind', 'person').field('name', 'x');
      expect(sub.status).to.equal(404);

      for (const p of ['edit', 'evidence', 'import']) {
        const res = await vendor.get(`/contracts/${id}/${p}`);
        expect(res.status, p).to.equal(403);
      }
      await vendor.get('/contracts/new').expect(403);
      const token = await tokenFrom(vendor);
      const before = await get().db.models.Ticket.count();
      const t = await vendor.post(`/contracts/${id}/evidence/tickets`).type('form').send({ externalId: 'V-1', severity: '高', createdAt: '2025-11-03T09:00', _csrf: token });
      expect(t.status).to.equal(403);
      const e = await vendor.post(`/contracts/${id}/edit`).type('form').send({ version: '0', name: 'x', _csrf: token });
      expect(e.status).to.equal(403);
      const n = await vendor.post('/contracts/new').type('form').send({ ...contractForm(get().vendorId, 'V-NEW'), _csrf: token });
      expect(n.status).to.equal(403);
      const r = await vendor.post(`/contracts/${id}/submissions/1/review`).type('form').send({ decision: 'confirm', _csrf: token });
      expect(r.status).to.equal(403);
      const imp = await vendor.post(`/contracts/${id}/import?_csrf=${encodeURIComponent(token)}`).field('kind', 'tickets');
      expect(imp.status).to.equal(403);
      expect(await get().db.models.Ticket.count()).to.equal(before);
    });

    it('a POST without the CSRF token is refused (403) and stores nothing', async () => {
      const before = await get().db.models.Ticket.count();
      const res = await manager.post(`/contracts/${id}/evidence/tickets`).type('form').send({ externalId: 'CSRF-1', severity: '高', createdAt: '2025-11-03T09:00' });
      expect(res.status).to.equal(403);
      expect(res.text).to.contain('表单已过期或来源不可信');
      const bad = await manager.post(`/contracts/${id}/edit`).type('form').send({ version: '0', name: 'x', _csrf: 'not-the-token' });
      expect(bad.status).to.equal(403);
      expect(await get().db.models.Ticket.count()).to.equal(before);
    });
  });

  describe('editing after publication', () => {
    it('terms that shape the periods or the money are refused (409) once a period is signed; the name still changes', async () => {
      const env = get();
      const signed = await publishAndSign(env, id, 1);
      expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
      const page = await manager.get(`/contracts/${id}/edit`).expect(200);
      expect(page.text).to.contain('data-testid="terms-locked"');
      const version = /name="version" value="(\d+)"/.exec(page.text)![1];
      const token = csrfOf(page.text);
      const res = await manager.post(`/contracts/${id}/edit`).type('form').send({ version, endDate: '2026-12-31', name: '电子发票服务平台运维（已改名）', _csrf: token });
      expect(res.status).to.equal(409);
      expect(testId(res.text, 'form-error')).to.contain('已发布或签署');
      const put = await api().put(`/api/v1/contracts/${id}`).set(auth(env.tokens.manager)).send({
        version: Number(version), installments: seed002Contract(env.vendorId).installments.map((i) => ({ ...i, name: `${i.name}（改）` })),
      });
      expect(put.status).to.equal(409);
      const rename = await manager.post(`/contracts/${id}/edit`).type('form').send({ version, name: '签署后改名', systems: '电子发票服务平台', _csrf: token });
      expect(rename.status, rename.text).to.equal(303);
      const c = await api().get(`/api/v1/contracts/${id}`).set(auth(env.tokens.manager)).expect(200);
      expect(c.body.name).to.equal('签署后改名');
      expect(c.body.endDate).to.equal('2026-10-31');
      // after the contract's end nothing changes any more
      const later = { ...env.ctx, clock: () => new Date('2026-11-02T09:00:00+08:00') };
      let refused: unknown = null;
      await contracts.updateContract(later, SYSTEM, id, { version: c.body.version, name: '到期后改名' }).catch((e) => (refused = e));
      expect(refused).to.be.instanceOf(ApiError);
      expect((refused as ApiError).status).to.equal(409);
      expect((refused as ApiError).message).to.contain('已于 2026-10-31 到期');
    });
  });
});
