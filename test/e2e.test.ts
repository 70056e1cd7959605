/// <reference lib="dom" />
// End to end in a real headless Chromium (Debian's, driven by playwright-core): a manager
// records a deduction and publishes; the vendor objects with an attachment; the manager
// reduces the line and signs; finance sees the payable change by exactly that much. Also:
// a vendor cannot open another vendor's contract by URL nor post a forged form; bad input
// shows messages next to the fields; pages work at 1366×768 and phone width, with labelled
// fields and a visible focus. Screenshots go to test/artifacts/ (not committed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { closeApp, createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { Database } from '../server/db';
import { Ctx, SYSTEM } from '../server/services/context';
import { createContract } from '../server/services/contracts';
import { createUser } from '../server/services/users';
import { createVendor } from '../server/services/vendors';
import { dbTargets, freshDatabase, PASSWORD, seed002Contract } from './helpers';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, 'artifacts');

describe('browser end to end [sqlite, chromium]', function () {
  this.timeout(120000);
  let db: Database;
  let server: Server;
  let app: ReturnType<typeof createApp>;
  let base: string;
  let browser: Browser;
  let contractId: number;
  let otherContractId: number;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    db = await freshDatabase(dbTargets()[0]);
    const config = { ...loadConfig({ NODE_ENV: 'test' }), databaseUrl: 'unused' };
    const ctx: Ctx = { db, config };
    const vendor = await createVendor(ctx, SYSTEM, { name: '广西壹零贰肆信息技术有限公司' });
    const other = await createVendor(ctx, SYSTEM, { name: '南宁甄選软件服务有限公司' });
    const users: [string, string, number | null, string][] = [
      ['wangjg', 'manager', null, '王建国'],
      ['finance', 'finance', null, '刘芳'],
      ['vendor', 'vendor', vendor.id, '陈志强'],
      ['other', 'vendor', other.id, '赵磊'],
    ];
    const ids: Record<string, number> = {};
    for (const [username, role, vendorId, displayName] of users) {
      ids[username] = (await createUser(ctx, SYSTEM, { username, password: PASSWORD, role, vendorId, displayName })).id;
    }
    const manager = { id: ids.wangjg, username: 'wangjg', role: 'manager' as const, vendorId: null };
    contractId = (await createContract(ctx, manager, seed002Contract(vendor.id))).id;
    otherContractId = (await createContract(ctx, manager, { ...seed002Contract(other.id, 'OTHER-001'), name: '另一家服务商的合同' })).id;
    app = createApp(db, config);
    server = app.listen(0);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(null)));
    if (app) closeApp(app);
    await db?.close();
  });

  // every page opened, so a failing step leaves a screenshot of where each browser stood
  const open: Page[] = [];
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      for (const [i, p] of open.entries()) {
        if (p.isClosed()) continue;
        console.log(`  page ${i}: ${p.url()}`);
        await p.screenshot({ path: path.join(ARTIFACTS, `failure-${i}.png`), fullPage: true }).catch(() => undefined);
      }
    }
    open.length = 0;
  });

  async function signIn(username: string, viewport = { width: 1366, height: 768 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN' });
    const page = await context.newPage();
    open.push(page);
    page.on('dialog', (d) => d.accept());
    await page.goto(`${base}/login`);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.getByRole('button', { name: '登录' }).click()]);
    return { context, page };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

  /** The installment's payable as finance sees it on the contract page (and on /finance, when present). */
  async function payable(page: Page, n: number): Promise<string> {
    await page.goto(`${base}/contracts/${contractId}`);
    const onContract = (await page.getByTestId(`payable-${n}`).innerText()).trim();
    const res = await page.goto(`${base}/finance`);
    if (res?.status() === 200) {
      expect((await page.getByTestId(`payable-${contractId}-${n}`).innerText()).trim()).to.equal(onContract);
    }
    return onContract;
  }

  /** Every visible form control has a label the browser knows (the accessible name). */
  async function expectLabelledFields(page: Page) {
    const unlabelled = await page.evaluate(() =>
      Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .filter((el) => {
          const e = el as HTMLInputElement;
          return !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby');
        })
        .map((el) => (el as HTMLInputElement).name || el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled, 'form fields without a label').to.deep.equal([]);
  }

  it('runs the quarter: deduction, publication, objection, resolution, signing, and finance sees the payable change', async () => {
    const m = await signIn('wangjg');
    await shot(m.page, 'manager-dashboard-1366');
    expect(await m.page.getByRole('heading', { name: '工作台' }).isVisible()).to.equal(true);

    // finance's figure before anything was deducted
    const f = await signIn('finance');
    const before = await payable(f.page, 2);
    expect(before).to.equal('¥4,833,960.00');

    // bad input: messages next to the fields, the input kept
    await m.page.goto(`${base}/contracts/${contractId}/ledger/new`);
    await expectLabelledFields(m.page);
    await m.page.getByLabel('数量').fill('三次');
    await m.page.getByRole('button', { name: '保存扣分' }).click();
    await m.page.waitForSelector('[data-testid="form-error"]');
    expect(await m.page.getByLabel('数量').inputValue()).to.equal('三次');
    const errs = await m.page.locator('.field .error').allInnerTexts();
    expect(errs.length).to.be.greaterThan(0);
    await shot(m.page, 'ledger-form-errors');

    // a real deduction: item 4 (4a, 0.1 per ticket) × 3
    await m.page.getByLabel('考核期').selectOption('1');
    await m.page.locator('#f-rule').selectOption('4:4a');
    await m.page.getByLabel('数量').fill('3');
    await m.page.getByLabel('扣分原因').fill('11月5日、11月12日、11月20日三张一般故障工单超过处理时限');
    await m.page.getByLabel('证据说明').fill('工单 GD-20251105-031、GD-20251112-007、GD-20251120-015');
    await Promise.all([m.page.waitForURL(/\/periods\/1/), m.page.getByRole('button', { name: '保存扣分' }).click()]);
    expect(await m.page.getByTestId('score').innerText()).to.equal('99.70');
    await m.page.getByRole('button', { name: '发布给服务商' }).click();
    await m.page.waitForSelector('text=已发布给服务商');
    expect(await m.page.getByTestId('period-status').innerText()).to.equal('已发布待确认');
    await shot(m.page, 'scorecard-published-1366');
    expect(await payable(f.page, 2)).to.equal('¥4,822,358.50'); // 4,833,960.00 × (1 − 0.30 × 0.8%) = 4,822,358.496

    // the vendor is notified, objects to the line with an attachment
    const v = await signIn('vendor');
    expect(await v.page.getByTestId('unread').innerText()).to.equal('1');
    await shot(v.page, 'vendor-home-1366');
    await v.page.goto(`${base}/contracts/${contractId}/periods/1`);
    await v.page.locator('#item-4 summary').first().click();
    await v.page.getByText('对这条扣分提出异议').click();
    await v.page.getByLabel('异议理由').fill('11月12日工单系局方要求暂缓处理，有邮件为证，不应计入超时');
    const proof = path.join(ARTIFACTS, '局方暂缓处理邮件.txt');
    fs.writeFileSync(proof, '2025-11-12 局方信息中心：该工单暂缓处理，待版本发布后再处理。');
    await v.page.locator('input[type=file]').first().setInputFiles(proof);
    await Promise.all([v.page.waitForURL(/\/periods\/1/), v.page.getByRole('button', { name: '提交异议' }).click()]);
    await v.page.waitForSelector('text=异议已提交');
    await shot(v.page, 'scorecard-vendor-objection');

    // by URL, another vendor's contract does not exist for this vendor
    const res = await v.page.goto(`${base}/contracts/${otherContractId}`);
    expect(res?.status()).to.equal(404);
    expect(await v.page.getByTestId('error-message').innerText()).to.equal('合同不存在');
    const res2 = await v.page.goto(`${base}/contracts/${otherContractId}/periods/1`);
    expect(res2?.status()).to.equal(404);

    // a forged form (no CSRF token) is refused and changes nothing
    await v.page.goto(`${base}/contracts/${contractId}/periods/1`);
    const forged = await v.page.evaluate(async (url) => {
      const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
      return r.status;
    }, `${base}/contracts/${contractId}/periods/1/acknowledge`);
    expect(forged).to.equal(403);
    // a token from another session is no better
    const stolen = await m.page.evaluate(() => (document.querySelector('input[name=_csrf]') as HTMLInputElement | null)?.value ?? '');
    const forged2 = await v.page.evaluate(async ({ url, token }) => {
      const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(token)}` });
      return r.status;
    }, { url: `${base}/contracts/${contractId}/periods/1/acknowledge`, token: stolen });
    expect(forged2).to.equal(403);

    // the manager is notified, cannot sign while the objection is open, reduces the line to 1
    await m.page.goto(`${base}/contracts/${contractId}/periods/1`);
    expect(await m.page.getByTestId('open-objections').innerText()).to.equal('1');
    expect(await m.page.getByRole('button', { name: '签署并锁定' }).count()).to.equal(0);
    await m.page.locator('#item-4 summary').first().click();
    const attachment = m.page.getByRole('link', { name: '局方暂缓处理邮件.txt' });
    expect(await attachment.count()).to.equal(1);
    await m.page.locator('select[name=decision]').first().selectOption('reduce');
    await m.page.locator('input[name=units]').first().fill('5'); // more than the line: refused
    await m.page.locator('textarea[name=reason]').first().fill('11月12日工单经核实确为局方要求暂缓');
    await m.page.getByRole('button', { name: '提交处理结果' }).click();
    await m.page.waitForSelector('[data-testid="form-error"]');
    expect(await m.page.locator('[data-testid="error-units"]').innerText()).to.contain('小于原数量');
    expect(await m.page.locator('textarea[name=reason]').first().inputValue()).to.equal('11月12日工单经核实确为局方要求暂缓');
    await m.page.locator('input[name=units]').first().fill('2');
    await Promise.all([m.page.waitForURL(/\/periods\/1/), m.page.getByRole('button', { name: '提交处理结果' }).click()]);
    await m.page.waitForSelector('text=异议已处理');
    expect(await m.page.getByTestId('score').innerText()).to.equal('99.80');
    // sign inside the objection window: the manager confirms signing early
    await m.page.getByLabel('异议期尚未届满且服务商未确认，我确认提前签署').check();
    await m.page.getByRole('button', { name: '签署并锁定' }).click();
    await m.page.waitForSelector('text=本期考核结果已签署并锁定');
    expect(await m.page.getByTestId('period-status').innerText()).to.equal('已签署');
    await shot(m.page, 'scorecard-signed-1366');

    // finance: 4,833,960.00 × (1 − 0.20 × 0.8%) = 4,826,225.66 (half-up from 4,826,225.664)
    expect(await payable(f.page, 2)).to.equal('¥4,826,225.66');
    await shot(f.page, 'finance-1366');

    // the manager downloads the signed PDF from the scorecard page; anyone can check it at /verify
    const [download] = await Promise.all([m.page.waitForEvent('download'), m.page.getByTestId('download-pdf').click()]);
    expect(download.suggestedFilename()).to.match(/^服务质量情况表-SC-.*-P1-V\d+\.pdf$/);
    const pdfPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'omscore-e2e-')), download.suggestedFilename());
    await download.saveAs(pdfPath);
    expect(fs.readFileSync(pdfPath).subarray(0, 5).toString()).to.equal('%PDF-');
    const anon = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    const a = await anon.newPage();
    open.push(a);
    await a.goto(`${base}/verify`);
    await a.getByLabel('文件（PDF 或 XLSX）').setInputFiles(pdfPath);
    await Promise.all([a.waitForURL(/\/verify/), a.getByRole('button', { name: '验证', exact: true }).click()]);
    expect(await a.getByTestId('verify-message').innerText()).to.match(/^真实有效：这是 SC-.*-P1-V\d+，为最新版本/);
    await shot(a, 'verify-authentic-1366');
    await anon.close();
    await Promise.all([m.context.close(), v.context.close(), f.context.close()]);
  });

  it('works on a phone-width screen with a visible keyboard focus', async () => {
    const v = await signIn('vendor', { width: 390, height: 844 });
    await v.page.goto(`${base}/contracts/${contractId}/periods/1`);
    const overflow = await v.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, 'the page itself does not scroll sideways (wide tables scroll in their box)').to.be.at.most(1);
    await shot(v.page, 'scorecard-phone');
    await v.page.goto(`${base}/`);
    await shot(v.page, 'vendor-home-phone');
    // Tab from the top: the skip link, then the first header link, each with a visible outline
    await v.page.keyboard.press('Tab');
    const skip = await v.page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const s = getComputedStyle(el);
      return { text: el.textContent, outline: s.outlineStyle, width: s.outlineWidth };
    });
    expect(skip.text).to.equal('跳到正文');
    expect(skip.outline).to.not.equal('none');
    await v.page.keyboard.press('Tab');
    const next = await v.page.evaluate(() => {
      const s = getComputedStyle(document.activeElement as HTMLElement);
      return { outline: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(next.outline).to.not.equal('none');
    expect(next.width).to.be.at.least(2);
    await v.context.close();

    const m = await signIn('wangjg', { width: 390, height: 844 });
    await m.page.goto(`${base}/contracts/${contractId}`);
    await expectLabelledFields(m.page);
    await shot(m.page, 'contract-phone');
    await m.context.close();
  });

  it('signs in only with the right password, and signing out ends the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('用户名').fill('wangjg');
    await page.getByLabel('密码').fill('wrong-password-123');
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForSelector('[data-testid="form-error"]');
    expect(await page.getByTestId('form-error').innerText()).to.equal('用户名或密码错误');
    expect(await page.getByLabel('用户名').inputValue()).to.equal('wangjg');
    await shot(page, 'login-error');
    await page.getByLabel('密码').fill(PASSWORD);
    await Promise.all([page.waitForURL(`${base}/`), page.getByRole('button', { name: '登录' }).click()]);
    const cookie = (await context.cookies()).find((c) => c.name === 'sid');
    expect(cookie?.httpOnly).to.equal(true);
    expect(cookie?.sameSite).to.equal('Lax');
    await page.getByRole('button', { name: '退出' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${base}/contracts/${contractId}`);
    expect(new URL(page.url()).pathname).to.equal('/login');
    await context.close();
  });
});
