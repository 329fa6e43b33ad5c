// The journeys' harness: the OneStop server on a fresh SQLite database with an SMTP sink, the
// browser, and the checks every visited page goes through (axe-core, html-validate on the HTML the
// server sent, a screenshot).

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import axe from 'axe-core';
import { HtmlValidate } from 'html-validate';

import { startSmtpSink } from './smtp.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
export const repoRoot = path.resolve(here, '..', '..', '..');

export const BIN = process.env.ONESTOP_BIN || path.join(repoRoot, 'target', 'release', 'onestop');
export const SCREENSHOTS = process.env.ONESTOP_SCREENSHOTS || path.join(repoRoot, 'target', 'journeys');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const DEMO_PASSWORD = 'onestop-demo-2026';

/** How long one browser action or assertion may wait. The debug binary on 2 cores is slow. */
export const ACTION_TIMEOUT = Number(process.env.ONESTOP_ACTION_TIMEOUT_MS || 20000);

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---- The server ----

/**
 * Starts `onestop serve` on a fresh database in a temporary folder, with the SMTP sink, waits
 * for /healthz, and creates the demo accounts.
 */
export async function startApp() {
  assert.ok(existsSync(BIN), `the OneStop binary ${BIN} does not exist: build it or set ONESTOP_BIN`);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'onestop-journeys-'));
  const smtp = await startSmtpSink();
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: path.join(tmp, 'onestop.db'),
    ONESTOP_BIND: `127.0.0.1:${port}`,
    ONESTOP_PUBLIC_URL: baseURL,
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    ONESTOP_OUTBOX_INTERVAL_MS: '200',
    ONESTOP_DIGEST_MINUTES: '100000',
    ONESTOP_MAIL_DIR: path.join(tmp, 'mail'),
    ONESTOP_WORKERS: '2',
    RUST_LOG: 'warn',
  };
  const logFile = path.join(tmp, 'server.log');
  let log = '';
  const child = spawn(BIN, ['serve'], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk) => {
    log += chunk;
    appendFile(logFile, chunk).catch(() => {});
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  // Never leave the server behind, even when this process ends without the after() hook.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  try {
    const deadline = Date.now() + 120000;
    for (;;) {
      if (exited) throw new Error(`onestop serve exited (${JSON.stringify(exited)}) before it was healthy:\n${log}`);
      try {
        const response = await fetch(`${baseURL}/healthz`);
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`onestop serve not healthy within 120 s:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await promisify(execFile)(BIN, ['demo'], { cwd: tmp, env, timeout: 120000 });
  } catch (error) {
    child.kill('SIGKILL');
    await smtp.close();
    throw error;
  }

  return {
    tmp,
    baseURL,
    smtp,
    logTail: (lines = 40) => log.split('\n').slice(-lines).join('\n'),
    async stop() {
      process.off('exit', killOnExit);
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(timer);
      }
      await smtp.close();
      if (!process.env.ONESTOP_KEEP_TMP) await rm(tmp, { recursive: true, force: true });
    },
  };
}

// ---- The browser ----

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/**
 * A browser context on the app: CSP bypassed so that axe-core can be injected (the pages allow
 * no script at all), Chinese preferred like the district's visitors.
 */
export async function newContext(browser, baseURL, options = {}) {
  const context = await browser.newContext({
    baseURL,
    bypassCSP: true,
    locale: 'zh-CN',
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  // axe-core in every document the context loads, compiled once per renderer rather than sent
  // over CDP after each navigation (check() injects it itself if it is missing).
  await context.addInitScript({ content: axe.source });
  context.setDefaultTimeout(ACTION_TIMEOUT);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT * 2);
  return context;
}

// ---- Page checks ----

// html-validate: the recommended preset, every validity and accessibility rule on. Changed:
// - form-dup-name: checkboxes may share a name too (a group of checkboxes under one name, such
//   as 经营项目, is valid HTML and how a multi-select without script is sent); the rule still
//   catches every other duplicate name.
// - no-redundant-for: off, purely stylistic: a label that wraps its checkbox also names it with
//   for="", which is redundant but valid (and helps speech-input software).
// - no-trailing-whitespace: off, purely stylistic: askama leaves the templates' indentation
//   on lines whose tags render nothing.
const htmlValidate = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    'form-dup-name': ['error', { shared: ['radio', 'checkbox', 'button', 'reset', 'submit'] }],
    'no-redundant-for': 'off',
    'no-trailing-whitespace': 'off',
  },
});

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The pages checked so far, and the time the checks took (ms), for the report at the end. */
export const checked = [];
export const timings = { validate: 0, axe: 0, inject: 0, screenshots: 0 };

/**
 * Runs the checks on the page the browser shows now, whose navigation response is `response`:
 * the status, html-validate on the HTML exactly as the server sent it, axe-core (WCAG 2.1 A and
 * AA: nothing serious or critical), and a full-page screenshot when `name` is given.
 */
export async function check(page, response, { name, status = 200 } = {}) {
  const url = page.url();
  assert.ok(response, `no navigation response for ${url}`);
  assert.equal(response.status(), status, `${url}: HTTP status`);
  const type = response.headers()['content-type'] ?? '';
  assert.match(type, /^text\/html/, `${url}: content type`);

  const html = await response.text();
  let t0 = Date.now();
  const report = await htmlValidate.validateString(html, url);
  timings.validate += Date.now() - t0;
  if (!report.valid) {
    const lines = report.results.flatMap((r) =>
      r.messages.map((m) => `  ${m.line}:${m.column} [${m.ruleId}] ${m.message}${m.selector ? ` (${m.selector})` : ''}`),
    );
    assert.fail(`html-validate found ${lines.length} problem(s) in ${url}:\n${lines.join('\n')}`);
  }

  t0 = Date.now();
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ content: axe.source });
  timings.inject += Date.now() - t0;
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  timings.axe += Date.now() - t0;
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (serious.length) {
    const lines = serious.map(
      (v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `      ${n.target.join(' ')} — ${n.failureSummary?.split('\n').join(' ')}`).join('\n')}`,
    );
    assert.fail(`axe-core found ${serious.length} serious/critical violation(s) on ${url}:\n${lines.join('\n')}`);
  }
  // Every page offers the language switch, in the header.
  assert.equal(await page.locator('header nav a[hreflang]').count(), 1, `${url}: the language switch`);
  // On a phone nothing is wider than the screen (tables scroll inside their own region).
  const width = page.viewportSize()?.width ?? 1280;
  if (width < 600) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${url}: the page is ${overflow}px wider than the ${width}px screen`);
  }
  checked.push({ url, status: response.status(), name });
  if (name) await shoot(page, name);
  return html;
}

export async function shoot(page, name) {
  const t0 = Date.now();
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  timings.screenshots += Date.now() - t0;
}

/**
 * Performs `action` (a click, a key press…) that navigates, waits for the page it leads to
 * (after any redirect) and checks it. Returns the navigation response.
 */
export async function nav(page, action, options = {}) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    action(),
  ]);
  await check(page, response, options);
  return response;
}

/** Goes to `url` and checks the page. */
export async function visit(page, url, options = {}) {
  const response = await page.goto(url, { waitUntil: 'load' });
  await check(page, response, options);
  return response;
}

// ---- Identities ----

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** A resident ID number (GB 11643-1999) of a Bao'an resident, with its check digit. */
export function residentId(birth = '19880512') {
  const sequence = String(100 + Math.floor(Math.random() * 900));
  const body = `440306${birth}${sequence}`;
  const sum = [...body].reduce((s, d, i) => s + Number(d) * ID_WEIGHTS[i], 0);
  return body + ID_CHECK[sum % 11];
}

const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** An organisation code (GB 11714-1997): 8 digits and its check character. */
function organisationCode() {
  const body = String(10000000 + Math.floor(Math.random() * 90000000));
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  const check = 11 - (sum % 11);
  return body + (check === 10 ? 'X' : check === 11 ? '0' : String(check));
}

/**
 * A unified social credit code (GB 32100-2015) of a company registered in Bao'an: 9 (market
 * regulation), 1 (enterprise), the area code, the organisation code, the check character.
 */
export function creditCode() {
  const body = `91440306${organisationCode()}`;
  const sum = [...body].reduce((s, c, i) => s + CREDIT_CHARS.indexOf(c) * CREDIT_WEIGHTS[i], 0);
  return body + CREDIT_CHARS[(31 - (sum % 31)) % 31];
}

/** A mobile number (13x–19x). */
export function mobile() {
  return `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}

let serial = 0;
/** A unique address in the test domain. */
export function email(kind) {
  serial += 1;
  return `${kind}-${Date.now().toString(36)}-${serial}@journeys.onestop.test`;
}

// ---- Files to upload ----

/**
 * Real PDF, JPEG and PNG files, made by the browser itself (printing and screenshotting a small
 * page of text), so that the server's check of the first bytes sees genuine documents.
 */
export async function makeFixtures(browser, dir) {
  const page = await browser.newPage({ viewport: { width: 400, height: 240 } });
  const files = {};
  const sheet = (title) =>
    `<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>${title}</title>` +
    `<body style="font:16px sans-serif;padding:16px"><h1 style="font-size:20px">${title}</h1>` +
    `<p>深圳市宝安示范餐饮有限公司 · 2026</p></body></html>`;
  await page.setContent(sheet('食品经营许可申请书'));
  files.pdf = path.join(dir, '食品经营许可申请书.pdf');
  await page.pdf({ path: files.pdf, width: '400px', height: '240px' });
  await page.setContent(sheet('经营布局平面图'));
  files.jpeg = path.join(dir, 'layout.jpg');
  await page.screenshot({ path: files.jpeg, type: 'jpeg', quality: 60 });
  await page.setContent(sheet('食品安全管理制度清单'));
  files.png = path.join(dir, 'rules.png');
  await page.screenshot({ path: files.png, type: 'png' });
  await page.setContent(sheet('健康证明'));
  files.health = path.join(dir, 'health-certificate.pdf');
  await page.pdf({ path: files.health, width: '400px', height: '240px' });
  // Not a document: text renamed .pdf, which the server must refuse by its first bytes.
  files.fake = path.join(dir, 'not-really.pdf');
  await writeFile(files.fake, 'MZ this is not a PDF\n');
  await page.close();
  return files;
}

// ---- Common steps ----

/** Signs in through the login form and checks the page it leads to. */
export async function signIn(page, address, password, { next } = {}) {
  await visit(page, next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  await page.getByLabel('电子邮箱').fill(address);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await nav(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
  await assertSignedIn(page);
}

export async function assertSignedIn(page) {
  assert.equal(await page.getByRole('button', { name: '退出' }).count(), 1, `${page.url()}: signed in`);
}

/** Signs out with the header's button. */
export async function signOut(page) {
  await nav(page, () => page.getByRole('button', { name: '退出' }).click());
  assert.match(page.url(), /\/login\?notice=signed_out$/);
  assert.equal(await page.getByRole('link', { name: '登录', exact: true }).count(), 1);
}

/** The verification link from the newest "verify your email" mail to `address`. */
export async function verificationLink(smtp, address) {
  const mail = await smtp.waitFor(address, (m) => m.subject.includes('请验证您的邮箱'), {
    what: 'the email verification mail',
  });
  const link = /https?:\/\/[^\s"<>]+\/verify-email\?token=[^\s"<>]+/.exec(mail.text);
  assert.ok(link, `a verification link in the mail's text:\n${mail.text}`);
  return link[0];
}
