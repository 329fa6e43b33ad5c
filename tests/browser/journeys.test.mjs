// OneStop's journeys in a real browser (headless Chromium through playwright-core), against the
// real binary on a fresh SQLite database, with a local SMTP sink. Every page a journey visits is
// checked with axe-core (WCAG 2.1 A/AA: nothing serious or critical) and html-validate (on the
// HTML the server sent), and key pages are screenshot to $ONESTOP_SCREENSHOTS.
//
//   cd tests/browser && npm ci && ONESTOP_BIN=/path/to/onestop node --test journeys.test.mjs
//
// The journeys run in order and build on each other (one server, one database).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';

import {
  startApp, launchBrowser, newContext, makeFixtures, nav, visit, check, shoot, signIn, signOut,
  verificationLink, residentId, mobile, email, checked, timings, DEMO_PASSWORD, SCREENSHOTS, ACTION_TIMEOUT,
} from './lib/harness.mjs';
import {
  SERVICE_CODE, SERVICE_NAME, ANSWERS, PASSWORD, newFirm, registerFirm, findService,
  startApplication, fillAnswers, provideMaterials, reviewAndSubmit, applyInOneGo, assertText,
} from './lib/applying.mjs';
import { focused, tabTo, typeInto, chooseOption, tick } from './lib/keyboard.mjs';
import { subjectIs } from './lib/smtp.mjs';

const CLERK = 'clerk.sjj@demo.onestop.cn';
const ADMIN = 'admin@demo.onestop.cn';
const JOURNEY_TIMEOUT = 240000;

let app;
let browser;
let files;
const started = Date.now();

/** What the journeys hand on to each other. */
const state = {};

before(async () => {
  app = await startApp();
  browser = await launchBrowser();
  files = await makeFixtures(browser, app.tmp);
  await mkdir(SCREENSHOTS, { recursive: true });
  // Screenshots of an earlier run's failures would mislead.
  for (const name of await readdir(SCREENSHOTS)) if (name.startsWith('failed-')) await rm(path.join(SCREENSHOTS, name));
});

after(async () => {
  await browser?.close();
  await app?.stop();
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const s = (ms) => (ms / 1000).toFixed(1);
  console.log(
    `${checked.length} page views checked in ${seconds} s (html-validate ${s(timings.validate)} s, axe-core ${s(timings.axe)} s (inject ${s(timings.inject)}), ` +
      `screenshots ${s(timings.screenshots)} s); screenshots in ${SCREENSHOTS}`,
  );
});

/**
 * A journey: a node:test test that, when it fails, leaves a screenshot of every page still open
 * (failed-*.png) and prints the end of the server's log.
 */
function journey(name, body) {
  test(name, { timeout: JOURNEY_TIMEOUT }, async (t) => {
    const contexts = [];
    const open = async (options) => {
      const context = await newContext(browser, app.baseURL, options);
      contexts.push(context);
      return context;
    };
    try {
      await body({ t, open });
    } catch (error) {
      let n = 0;
      for (const context of contexts) {
        for (const page of context.pages()) {
          n += 1;
          await shoot(page, `failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}-${n}`).catch(() => {});
        }
      }
      t.diagnostic(`server log (tail):\n${app.logTail()}`);
      throw error;
    } finally {
      // Contexts that later journeys reuse are kept in `state`; the rest close here.
      for (const context of contexts) if (!Object.values(state).includes(context)) await context.close();
    }
  });
}

/** The texts of a workflow diagram: state names (in the SVG) and action labels (in its legend). */
async function diagramTexts(figure) {
  return figure.locator('svg g.state text, .diagram-legend .legend-action').evaluateAll((texts) => texts.map((t) => t.textContent.trim()));
}

/**
 * Asserts the error pattern of a refused form: a summary announced as an alert, each error a
 * link to its field (which exists), each of those fields aria-invalid and described by a text
 * that carries the error's message.
 */
async function assertErrorsAnnounced(page, fields) {
  const summary = page.locator('.error-summary');
  assert.equal(await summary.count(), 1, `${page.url()}: one error summary`);
  assert.equal(await summary.getAttribute('role'), 'alert', 'the summary is announced (role="alert")');
  const links = await summary.locator('a').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.innerText.trim() })));
  assert.deepEqual(links.map((l) => l.href).sort(), fields.map((f) => `#${f}`).sort(), 'one link per error, to its field');
  for (const { href, text } of links) {
    const id = href.slice(1);
    const field = page.locator(`[id="${id}"]`);
    assert.equal(await field.count(), 1, `the link ${href} leads to an element`);
    assert.equal(await field.getAttribute('aria-invalid'), 'true', `${href} is aria-invalid`);
    const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
    assert.ok(describedBy, `${href} has aria-describedby`);
    const descriptions = [];
    for (const ref of describedBy.split(/\s+/)) {
      const description = page.locator(`[id="${ref}"]`);
      assert.equal(await description.count(), 1, `${href}'s aria-describedby ${ref} exists`);
      descriptions.push(await description.innerText());
    }
    assert.ok(descriptions.join(' ').includes(text), `${href} is described by its message «${text}»: «${descriptions.join(' ')}»`);
  }
}

// ---------------------------------------------------------------------------------------------

journey('1. a firm registers, verifies its email, finds 食品经营许可, drafts, comes back, submits', async ({ open }) => {
  const context = await open();
  const page = await context.newPage();
  const firm = newFirm('示范一号', 'one');

  await registerFirm(page, app.smtp, firm, { shots: 'j1-' });
  await signOut(page);
  await signIn(page, firm.email, firm.password);

  await findService(page, { shots: 'j1-' });
  // The guide lists the materials and the time limits.
  await assertText(page.locator('table.materials'), '食品经营许可申请书');
  const id = await startApplication(page, { shots: 'j1-' });
  // The applicant block comes from the account, never retyped.
  await assertText(page.locator('section[aria-labelledby="applicant-heading"]'), firm.company);

  // Part of the form, then "save draft".
  const first = ['legal_representative', 'domicile', 'premises_address', 'premises_area', 'main_format'];
  await fillAnswers(page, Object.fromEntries(first.map((k) => [k, ANSWERS[k]])));
  await nav(page, () => page.getByRole('button', { name: '保存草稿' }).click(), { name: 'j1-draft-saved' });
  assert.ok(page.url().endsWith(`/applications/${id}/edit?saved=1`), page.url());
  await assertText(page.getByRole('status'), '草稿已于');

  // Come back later: sign out, sign in, find the draft in "my applications", resume it.
  await signOut(page);
  await signIn(page, firm.email, firm.password);
  await nav(page, () => page.getByRole('link', { name: '我的办件' }).click(), { name: 'j1-my-applications-draft' });
  const row = page.locator('tr.application-row', { hasText: SERVICE_NAME });
  await assertText(row.locator('.status'), '草稿');
  await nav(page, () => row.getByRole('link', { name: SERVICE_NAME }).click());
  await nav(page, () => page.getByRole('link', { name: '继续填写' }).click());
  assert.ok(page.url().endsWith(`/applications/${id}/edit`), page.url());
  for (const k of first) {
    assert.equal(await page.locator(`#${k}`).inputValue(), ANSWERS[k], `the draft kept ${k}`);
  }

  // The rest, but two required fields left empty (a number and a group of checkboxes): "save
  // and continue" refuses them, announced and linked, everything typed kept.
  const skipped = ['staff_count', 'business_items'];
  const rest = Object.fromEntries(Object.entries(ANSWERS).filter(([k]) => !first.includes(k) && !skipped.includes(k)));
  await fillAnswers(page, rest);
  await page.locator('#online_business').check();
  await page.locator('#online_platform').fill('美团外卖');
  await nav(page, () => page.getByRole('button', { name: '保存并继续' }).click(), { status: 422, name: 'j1-form-errors' });
  await assertErrorsAnnounced(page, skipped);
  // Each error names its field: what a screen reader reads out from the summary.
  await assertText(page.locator('.error-summary'), '请填写从业人员数（人）');
  await assertText(page.locator('.error-summary'), '请选择经营项目');
  assert.equal(await page.locator('#food_safety_manager').inputValue(), ANSWERS.food_safety_manager, 'typed values kept');
  assert.equal(await page.locator('#online_platform').inputValue(), '美团外卖', 'typed values kept');
  assert.equal(await page.locator('#main_format').inputValue(), ANSWERS.main_format, 'choices kept');
  assert.equal(await page.locator('#delivery').inputValue(), ANSWERS.delivery, 'choices kept');
  assert.equal(await page.locator('#online_business').isChecked(), true, 'ticks kept');

  await fillAnswers(page, Object.fromEntries(skipped.map((k) => [k, ANSWERS[k]])));
  await nav(page, () => page.getByRole('button', { name: '保存并继续' }).click());
  assert.ok(page.url().endsWith(`/applications/${id}/materials`), page.url());

  // A file that is not a PDF although named .pdf is refused, by its content.
  const firstItem = page.locator('li.material').filter({ hasText: '尚未上传' }).first();
  await firstItem.getByLabel('选择文件').setInputFiles(files.fake);
  await nav(page, () => firstItem.getByRole('button', { name: '上传', exact: true }).click(), { status: 422 });
  await assertText(page.locator('.error-summary'), '只接受 PDF、JPEG 或 PNG 文件');
  const anchor = await page.locator('.error-summary a').getAttribute('href');
  assert.equal(await page.locator(`[id="${anchor.slice(1)}"]`).getAttribute('type'), 'file', 'the error links to the file input');
  await assertErrorsAnnounced(page, [anchor.slice(1)]);

  await provideMaterials(page, files, { pledge: true, shots: 'j1-' });
  // An uploaded file comes back as it went, as an attachment.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: path.basename(files.pdf) }).first().click(),
  ]);
  assert.equal(download.suggestedFilename(), path.basename(files.pdf));
  assert.deepEqual(await readFile(await download.path()), await readFile(files.pdf), 'the downloaded file is the uploaded one');

  const trackingNumber = await reviewAndSubmit(page, { shots: 'j1-' });
  await nav(page, () => page.getByRole('link', { name: '查看办件详情' }).click());
  await assertText(page.locator('dd.tracking'), trackingNumber);
  await assertText(page.locator('dd.status'), '已提交（待受理）');

  const receipt = await app.smtp.waitFor(firm.email, (m) => subjectIs(m, '已收到您的申请', trackingNumber), { what: 'the receipt' });
  assert.ok(receipt.text.includes(trackingNumber), `the receipt names the tracking number:\n${receipt.text}`);
  assert.ok(receipt.text.includes(SERVICE_NAME), 'the receipt names the service');

  Object.assign(state, { firm, firmContext: context, firmPage: page, j1: { id, trackingNumber } });
});

// ---------------------------------------------------------------------------------------------

journey('2. the SJJ clerk asks for 补正, the firm answers, the clerk accepts and approves, the firm gets its licence', async ({ open }) => {
  assert.ok(state.j1, 'journey 1 submitted an application');
  const { firm, firmPage } = state;
  const { id, trackingNumber } = state.j1;
  const clerkContext = await open();
  const clerk = await clerkContext.newPage();
  state.clerkContext = clerkContext;
  state.clerkPage = clerk;

  await signIn(clerk, CLERK, DEMO_PASSWORD);
  await nav(clerk, () => clerk.getByRole('link', { name: '工作台' }).click());
  await nav(clerk, () => clerk.getByRole('link', { name: /市场监督管理局宝安监管局/ }).click(), { name: 'j2-clerk-queue' });
  const row = clerk.locator('tr.queue-row', { hasText: trackingNumber });
  assert.equal(await row.count(), 1, 'the application is in the queue');
  await assertText(row.locator('.state'), '已收件');
  // Claim it.
  await nav(clerk, () => row.getByRole('button', { name: '领取' }).click());
  await assertText(clerk.locator('tr.queue-row', { hasText: trackingNumber }), '由您承办');
  await nav(clerk, () => clerk.getByRole('link', { name: trackingNumber }).click(), { name: 'j2-clerk-application' });
  assert.match(clerk.url(), /\/workspace\/applications\/\d+$/);
  await assertText(clerk.locator('dd.workflow'), 'v1');
  await assertText(clerk.locator('dd.applicant'), firm.company);

  // The clerk reads a material: the download is the file the firm uploaded.
  const [material] = await Promise.all([
    clerk.waitForEvent('download'),
    clerk.getByRole('link', { name: `下载 ${path.basename(files.pdf)}` }).first().click(),
  ]);
  assert.deepEqual(await readFile(await material.path()), await readFile(files.pdf));

  // 补正 without ticking what is missing is refused, the error announced and linked.
  const supplement = clerk.locator('#t-request_supplement');
  await supplement.locator('summary').click();
  const note = '健康证明须为有效期内的《食品从业人员健康证明》，请上传扫描件。';
  await supplement.getByLabel('补正的具体要求').fill(note);
  await nav(clerk, () => supplement.getByRole('button', { name: '一次性告知补正' }).click(), { status: 422, name: 'j2-clerk-supplement-error' });
  const summary = clerk.locator('.error-summary');
  assert.equal(await summary.getAttribute('role'), 'alert');
  await assertText(summary, '请至少勾选一项需补正的材料');
  assert.equal(await summary.locator('a').getAttribute('href'), '#t-request_supplement');
  assert.equal(await clerk.locator('#t-request_supplement').getAttribute('open'), '', 'the refused form is open');
  assert.equal(await clerk.locator('#request_supplement-note').inputValue(), note, 'the text typed is kept');
  await assertText(clerk.locator('#request_supplement-error'), '请至少勾选一项需补正的材料');
  const boxes = clerk.locator('#request_supplement-checklist input[type="checkbox"]');
  assert.ok((await boxes.count()) >= 4, 'the checklist lists the materials');
  for (const box of await boxes.all()) {
    assert.equal(await box.getAttribute('aria-invalid'), 'true', 'each box of the checklist is marked invalid');
    assert.equal(await box.getAttribute('aria-describedby'), 'request_supplement-error', 'and described by the message');
  }
  assert.equal(await clerk.locator('#request_supplement-note').getAttribute('aria-invalid'), null, 'the text, given, is not marked');

  // One notice: tick the missing material, send.
  await clerk.locator('#t-request_supplement').getByLabel('食品安全管理人员健康证明').check();
  await nav(clerk, () => clerk.locator('#t-request_supplement').getByRole('button', { name: '一次性告知补正' }).click(), { name: 'j2-clerk-supplement-requested' });
  await assertText(clerk.locator('dd.status'), '待补正');

  const notice = await app.smtp.waitFor(firm.email, (m) => subjectIs(m, '补正材料通知（一次性告知）', trackingNumber), { what: 'the 补正 notice' });
  assert.ok(notice.text.includes(note), `the notice carries the clerk's text:\n${notice.text}`);
  assert.ok(notice.text.includes('食品安全管理人员健康证明'), 'the notice names the material');

  // The firm sees the request, uploads, resubmits.
  await visit(firmPage, '/applications');
  const mine = firmPage.locator('tr.application-row', { hasText: trackingNumber });
  await assertText(mine.locator('.status'), '待补正');
  await assertText(mine.locator('.next-step'), '请按告知补正材料');
  await nav(firmPage, () => mine.getByRole('link', { name: SERVICE_NAME }).click(), { name: 'j2-applicant-supplement-notice' });
  await assertText(firmPage.locator('.supplement-notice'), note);
  await nav(firmPage, () => firmPage.getByRole('link', { name: '上传补正材料' }).click());
  const health = firmPage.locator('li.material', { has: firmPage.getByRole('heading', { name: '食品安全管理人员健康证明' }) });
  await health.getByLabel('选择文件').setInputFiles(files.health);
  await nav(firmPage, () => health.getByRole('button', { name: '上传', exact: true }).click());
  await assertText(firmPage.locator('li.material', { has: firmPage.getByRole('heading', { name: '食品安全管理人员健康证明' }) }), path.basename(files.health));
  await nav(firmPage, () => firmPage.getByRole('link', { name: '返回办件，提交补正材料' }).click());
  await nav(firmPage, () => firmPage.getByRole('button', { name: '提交补正材料' }).click());
  await assertText(firmPage.locator('dd.status'), '已提交（待受理）');
  await app.smtp.waitFor(firm.email, (m) => subjectIs(m, '已收到您的补正材料', trackingNumber), { what: 'the receipt of the 补正' });
  const staffNotice = await app.smtp.waitFor(CLERK, (m) => subjectIs(m, '申请人已提交补正材料'), { what: "the staff's notice of the 补正" });
  assert.ok(staffNotice.text.includes(SERVICE_NAME));

  // The clerk accepts, reviews, approves with a decision, delivers.
  const fire = async (label, fill = {}, shot) => {
    const form = clerk.locator('details.transition', { has: clerk.locator('summary', { hasText: new RegExp(`^${label}$`) }) });
    assert.equal(await form.count(), 1, `the action ${label} is offered`);
    await form.locator('summary').click();
    for (const [field, value] of Object.entries(fill)) await form.getByLabel(field).fill(value);
    await nav(clerk, () => form.getByRole('button', { name: label, exact: true }).click(), { name: shot });
  };
  await visit(clerk, clerk.url());
  await assertText(clerk.locator('dd.status'), '已收件');
  await fire('受理');
  await assertText(clerk.locator('dd.status'), '已受理');
  await fire('开始审查');
  await assertText(clerk.locator('dd.status'), '审查中');
  const decision = '经审查，申请人提交的材料齐全，符合法定形式，经营场所符合《食品经营许可和备案管理办法》的规定，准予许可。';
  await fire('准予许可', { 决定内容及理由: decision });
  await assertText(clerk.locator('dd.status'), '准予许可，待送达');
  await fire('送达办结', {}, 'j2-clerk-closed');
  await assertText(clerk.locator('dd.status'), '已办结');

  // The firm opens the decision and the licence, and saves the licence as a PDF.
  await visit(firmPage, `/applications/${id}`, { name: 'j2-applicant-approved' });
  await assertText(firmPage.locator('dd.status'), '已办结');
  await assertText(firmPage.locator('p.decision'), decision);
  await nav(firmPage, () => firmPage.getByRole('link', { name: '查看并打印决定书' }).click(), { name: 'j2-decision' });
  await assertText(firmPage.getByRole('heading', { level: 1 }), '准予行政许可决定书');
  await assertText(firmPage.locator('article'), trackingNumber);
  await assertText(firmPage.locator('article'), decision);
  // Printed, the decision is the document alone: no header, navigation or print help.
  await firmPage.emulateMedia({ media: 'print' });
  for (const frame of ['header.site-header', 'nav[aria-label]', 'footer.site-footer', '.print-help']) {
    assert.equal(await firmPage.locator(frame).first().isVisible(), false, `${frame} is not printed`);
  }
  assert.ok(await firmPage.locator('article .doc-number').isVisible(), 'the 文号 is printed');
  const decisionPdf = await firmPage.pdf({ format: 'A4' });
  assert.equal(decisionPdf.subarray(0, 5).toString(), '%PDF-', 'the decision prints to a PDF');
  await firmPage.emulateMedia({ media: 'screen' });
  await nav(firmPage, () => firmPage.getByRole('link', { name: SERVICE_NAME }).click());
  await nav(firmPage, () => firmPage.getByRole('link', { name: /^查看并打印证照/ }).click(), { name: 'j2-licence' });
  await assertText(firmPage.getByRole('heading', { level: 1 }), '食品经营许可证');
  await assertText(firmPage.locator('article'), firm.company);
  const pdf = await firmPage.pdf({ format: 'A4' });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-', 'the licence prints to a PDF');
  await writeFile(path.join(SCREENSHOTS, 'j2-licence.pdf'), pdf);

  // Every notice arrived, each once, each about this application (its tracking number in the
  // subject, the service in the text, a link to it). The outbox sends on parallel connections,
  // so the order of arrival is not asserted.
  const expected = ['请验证您的邮箱', '已收到您的申请', '补正材料通知（一次性告知）', '已收到您的补正材料', '您的申请已受理', '准予许可决定', '办理结果已送达', '请为本次服务评价（好差评）'];
  await app.smtp.waitFor(firm.email, (m) => subjectIs(m, '办理结果已送达', trackingNumber), { what: 'the delivery notice' });
  await app.smtp.waitFor(firm.email, (m) => subjectIs(m, '请为本次服务评价（好差评）', trackingNumber), { what: 'the invitation to rate' });
  const mails = app.smtp.to(firm.email);
  assert.deepEqual(
    mails.map((m) => m.subject).sort(),
    expected.map((s, i) => (i === 0 ? s : `[${trackingNumber}] ${s}`)).sort(),
    'the firm got exactly these mails',
  );
  const approval = mails.find((m) => subjectIs(m, '准予许可决定', trackingNumber));
  assert.ok(approval.text.includes(decision), 'the approval mail carries the decision');
  for (const m of mails.filter((m) => m.subject.startsWith('['))) {
    assert.ok(m.text.includes(SERVICE_NAME), `«${m.subject}» names the service`);
    assert.ok(m.text.includes(`${app.baseURL}/applications/${id}`), `«${m.subject}» links to the application`);
    assert.ok(m.html.includes(SERVICE_NAME), `«${m.subject}» has its HTML part too`);
  }
});

// ---------------------------------------------------------------------------------------------

journey('form errors are announced, linked to their fields, and keep what was typed; a citizen may not apply for a firm\'s service', async ({ open }) => {
  const context = await open();
  const page = await context.newPage();
  const citizen = { name: '李华', id: residentId('19900307'), phone: mobile(), email: email('citizen') };
  const wrongId = citizen.id.slice(0, 17) + (citizen.id[17] === '1' ? '2' : '1');

  await visit(page, '/register/citizen');
  await page.getByLabel('姓名').fill(citizen.name);
  await page.getByLabel('居民身份证号码').fill(wrongId);
  await page.getByLabel('手机号码').fill(citizen.phone);
  await page.getByLabel('电子邮箱').fill(citizen.email);
  await page.getByLabel('新密码', { exact: true }).fill(PASSWORD);
  await page.getByLabel('再次输入新密码').fill(PASSWORD);
  await nav(page, () => page.getByRole('button', { name: '注册', exact: true }).click(), { status: 422, name: 'errors-register-citizen' });
  await assertErrorsAnnounced(page, ['national_id']);
  await assertText(page.locator('.error-summary'), '身份证号码的校验位不正确');
  assert.equal(await page.getByLabel('姓名').inputValue(), citizen.name, 'the name is kept');
  assert.equal(await page.getByLabel('居民身份证号码').inputValue(), wrongId, 'the wrong ID is kept to be corrected');
  assert.equal(await page.getByLabel('手机号码').inputValue(), citizen.phone, 'the phone is kept');
  assert.equal(await page.getByLabel('电子邮箱').inputValue(), citizen.email, 'the email is kept');
  assert.equal(await page.getByLabel('新密码', { exact: true }).inputValue(), '', 'passwords are never sent back');

  // Several errors at once: each linked and marked.
  await page.getByLabel('手机号码').fill('12345');
  await page.getByLabel('电子邮箱').fill('not-an-address');
  await nav(page, () => page.getByRole('button', { name: '注册', exact: true }).click(), { status: 422 });
  await assertErrorsAnnounced(page, ['national_id', 'phone', 'email', 'password']);

  // Corrected: registered, verified.
  await page.getByLabel('居民身份证号码').fill(citizen.id);
  await page.getByLabel('手机号码').fill(citizen.phone);
  await page.getByLabel('电子邮箱').fill(citizen.email);
  await page.getByLabel('新密码', { exact: true }).fill(PASSWORD);
  await page.getByLabel('再次输入新密码').fill(PASSWORD);
  await nav(page, () => page.getByRole('button', { name: '注册', exact: true }).click());
  assert.match(page.url(), /\/register\/sent$/);
  await visit(page, await verificationLink(app.smtp, citizen.email));
  assert.match(page.url(), /\/login\?notice=verified$/);
  await signIn(page, citizen.email, PASSWORD);

  // 食品经营许可 is for legal persons: a citizen is told so, nothing is started.
  await visit(page, `/services/${SERVICE_CODE}`);
  await nav(page, () => page.getByRole('button', { name: '在线申请' }).click(), { status: 403 });
  await assertText(page.getByRole('heading', { level: 1 }), '该事项不面向您的账户类型');

  // The public lookup refuses a wrong pair the same way, announced and linked.
  await visit(page, '/track');
  await page.getByLabel('办件编号').fill(state.j1?.trackingNumber ?? '44030620260101123456780');
  await page.getByLabel('手机号码、身份证号码或统一社会信用代码的后四位').fill('0000');
  await nav(page, () => page.getByRole('button', { name: '查询' }).click(), { status: 404, name: 'errors-track' });
  await assertErrorsAnnounced(page, ['tracking_number']);
  assert.equal(await page.getByLabel('手机号码、身份证号码或统一社会信用代码的后四位').inputValue(), '0000', 'the digits are kept');
});

// ---------------------------------------------------------------------------------------------

/**
 * Opens the file chooser of the focused file input with Space, as a user would, and returns it.
 * `choosers` is filled by a 'filechooser' listener registered for the whole journey: Playwright
 * intercepts file choosers only while a listener exists, and registering one at each press
 * (waitForEvent) races with the press itself.
 */
async function openFileChooser(page, choosers) {
  choosers.length = 0;
  await page.keyboard.press('Space');
  for (let waited = 0; !choosers.length; waited += 50) {
    if (waited > ACTION_TIMEOUT) assert.fail(`Space on the focused file input (#${(await focused(page)).id}) opened no file chooser`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return choosers.shift();
}

journey('keyboard only: another firm registers, applies and submits without a mouse', async ({ open }) => {
  const context = await open();
  const page = await context.newPage();
  const firm = newFirm('键盘', 'keyboard');
  const k = page.keyboard;
  const press = (key, options) => nav(page, () => k.press(key), options);
  const choosers = [];
  page.on('filechooser', (chooser) => choosers.push(chooser));

  await visit(page, '/');
  // The first Tab reaches the skip link.
  await k.press('Tab');
  assert.deepEqual(
    (({ tag, href, text }) => ({ tag, href, text }))(await focused(page)),
    { tag: 'a', href: '#main', text: '跳到主要内容' },
    'the first Tab stop is the skip link',
  );
  await tabTo(page, { tag: 'a', text: '注册' });
  await press('Enter');
  await tabTo(page, { tag: 'a', text: '法人注册（企业、机构）' });
  await press('Enter');
  await typeInto(page, 'company', firm.company);
  await typeInto(page, 'credit_code', firm.creditCode);
  await typeInto(page, 'legal_representative', firm.legalRepresentative);
  await typeInto(page, 'contact_name', firm.contactName);
  await typeInto(page, 'email', firm.email);
  await typeInto(page, 'password', firm.password);
  await typeInto(page, 'password_confirm', firm.password);
  await tabTo(page, { tag: 'button', text: '注册' });
  await press('Enter');
  assert.match(page.url(), /\/register\/sent$/);
  await visit(page, await verificationLink(app.smtp, firm.email));
  assert.match(page.url(), /\/login\?notice=verified$/);
  await typeInto(page, 'email', firm.email);
  await typeInto(page, 'password', firm.password);
  await tabTo(page, { tag: 'button', text: '登录' });
  await press('Enter');
  assert.match(page.url(), /\/applications$/, 'an applicant lands on their applications');

  // Home, search, the guide, apply.
  await tabTo(page, { tag: 'a', text: '首页' });
  await press('Enter');
  await typeInto(page, 'q', '食品经营许可');
  await press('Enter');
  assert.match(page.url(), /\/services\?q=/);
  await tabTo(page, { tag: 'a', text: SERVICE_NAME });
  await press('Enter');
  await tabTo(page, { tag: 'button', text: '在线申请' });
  await press('Space');
  const id = Number(/\/applications\/(\d+)\/edit$/.exec(page.url())?.[1]);
  assert.ok(id, `the form: ${page.url()}`);

  // The form in tab order: text fields typed, selects with arrow keys, checkboxes with Space.
  for (const name of ['legal_representative', 'domicile', 'premises_address', 'premises_area']) await typeInto(page, name, ANSWERS[name]);
  await chooseOption(page, 'main_format', ANSWERS.main_format);
  for (const value of ANSWERS.business_items) await tick(page, { name: 'business_items', value });
  for (const name of ['food_safety_manager', 'food_safety_manager_phone', 'staff_count', 'health_certificate_count']) await typeInto(page, name, ANSWERS[name]);
  await chooseOption(page, 'delivery', ANSWERS.delivery);
  await tabTo(page, { tag: 'button', text: '保存并继续' });
  await press('Enter');
  assert.ok(page.url().endsWith(`/applications/${id}/materials`), page.url());

  // Materials: Tab to each file input, Space opens the file chooser; then Tab to 上传, Enter.
  const cycle = [files.pdf, files.jpeg, files.png];
  let uploaded = 0;
  for (let guard = 0; guard < 10; guard++) {
    const missing = await page.locator('li.material').evaluateAll((items) =>
      items
        .map((li) => ({
          index: li.id.replace('material-', ''),
          missing: li.querySelector('.material-status')?.innerText.trim() === '尚未上传',
          deferrable: li.querySelector('.meta')?.innerText.includes('容缺'),
        }))
        .filter((m) => m.missing),
    );
    if (!missing.length) break;
    const m = missing[0];
    if (m.deferrable) {
      await tabTo(page, { tag: 'button', text: '承诺容缺（受理后在规定期限内补齐）' });
      await press('Enter');
      continue;
    }
    await tabTo(page, { id: `file-${m.index}` });
    const chooser = await openFileChooser(page, choosers);
    await chooser.setFiles(cycle[uploaded % cycle.length]);
    uploaded += 1;
    await k.press('Tab');
    assert.equal((await focused(page)).text, '上传', 'Tab after the file input reaches its 上传 button');
    await press('Enter');
  }
  assert.ok(uploaded >= 3, `uploaded the required materials (${uploaded})`);
  assert.equal(await page.getByText('尚未上传').count(), 0, 'no material is missing');

  await tabTo(page, { tag: 'a', text: '继续：核对申请信息' });
  await press('Enter');
  await tabTo(page, { tag: 'input', id: 'declaration' });
  await k.press('Space');
  await tabTo(page, { tag: 'button', text: '确认提交' });
  await press('Enter', { name: 'keyboard-submitted' });
  assert.match(page.url(), /\/applications\/\d+\/submitted$/);
  const trackingNumber = (await page.locator('.tracking-number').innerText()).trim();
  assert.match(trackingNumber, /^440306\d{16}[0-9X]$/);
  await app.smtp.waitFor(firm.email, (m) => subjectIs(m, '已收到您的申请', trackingNumber) && m.text.includes(trackingNumber), { what: 'the receipt' });
  state.keyboard = { id, trackingNumber, firm };
});

// ---------------------------------------------------------------------------------------------

journey('4. the public progress lookup, the English switch, and journey 1 on a phone', async ({ open }) => {
  assert.ok(state.j1, 'journey 1 submitted an application');
  // The lookup needs no account: the tracking number and the last four of the credit code.
  const anonymous = await (await open()).newPage();
  await visit(anonymous, '/');
  await nav(anonymous, () => anonymous.getByRole('link', { name: '办件进度查询' }).click());
  await anonymous.getByLabel('办件编号').fill(state.j1.trackingNumber);
  await anonymous.getByLabel('手机号码、身份证号码或统一社会信用代码的后四位').fill(state.firm.creditCode.slice(-4));
  await nav(anonymous, () => anonymous.getByRole('button', { name: '查询' }).click(), { name: 'j4-track' });
  await assertText(anonymous.locator('dl.progress'), state.j1.trackingNumber);
  await assertText(anonymous.locator('dl.progress .status'), '已办结');
  await assertText(anonymous.locator('ol.timeline'), '一次性告知补正材料');
  await assertText(anonymous.locator('ol.timeline'), '送达办结');
  assert.equal(await anonymous.getByText(state.firm.company).count(), 0, 'no personal data on the public page');

  // English: the switch on every page, remembered.
  await nav(anonymous, () => anonymous.getByRole('link', { name: 'English' }).click(), { name: 'j4-english-track' });
  assert.equal(await anonymous.locator('html').getAttribute('lang'), 'en');
  await assertText(anonymous.getByRole('heading', { level: 1 }), 'Track an application');
  await nav(anonymous, () => anonymous.getByRole('link', { name: 'Home' }).click(), { name: 'j4-english-home' });
  assert.equal(await anonymous.locator('html').getAttribute('lang'), 'en');
  await assertText(anonymous.locator('nav[aria-label]').first(), 'Sign in');
  // English search finds the catalog by its English names.
  await anonymous.getByRole('searchbox').fill('food business');
  await nav(anonymous, () => anonymous.getByRole('button', { name: 'Search', exact: true }).click(), { name: 'j4-english-search' });
  await assertText(anonymous.locator('.results'), '4');
  await nav(anonymous, () => anonymous.getByRole('link', { name: 'Food business licence (new application)' }).click(), { name: 'j4-english-guide' });
  assert.equal(await anonymous.locator('html').getAttribute('lang'), 'en');
  await assertText(anonymous.getByRole('heading', { level: 1 }), 'Food business licence (new application)');
  await assertText(anonymous.locator('main'), 'Documents to provide');
  // And back to Chinese.
  await nav(anonymous, () => anonymous.getByRole('link', { name: '中文' }).click());
  assert.equal(await anonymous.locator('html').getAttribute('lang'), 'zh-CN');
  await assertText(anonymous.getByRole('heading', { level: 1 }), SERVICE_NAME);
  await assertText(anonymous.locator('main'), '申请材料');

  // A phone: register, apply, submit.
  const phone = await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await phone.newPage();
  const firm = newFirm('手机', 'phone');
  await registerFirm(page, app.smtp, firm, { shots: 'phone-' });
  const { id, trackingNumber } = await applyInOneGo(page, files, { shots: 'phone-' });
  // Nothing is wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the submitted page fits the phone's width (overflow ${overflow}px)`);
  await app.smtp.waitFor(firm.email, (m) => subjectIs(m, '已收到您的申请', trackingNumber) && m.text.includes(trackingNumber), { what: 'the receipt' });
  state.phone = { id, trackingNumber, firm };

  // A citizen's form with a household table, on the same phone: the table scrolls in its own
  // box (check() fails any page wider than the screen), and numbers get a number pad.
  await signOut(page);
  await signIn(page, 'citizen@demo.onestop.cn', DEMO_PASSWORD);
  await visit(page, '/services/440306-MZJ-JF-0001-00');
  await nav(page, () => page.getByRole('button', { name: '在线申请' }).click(), { name: 'phone-household-form' });
  assert.match(page.url(), /\/applications\/\d+\/edit$/);
  await assertText(page.locator('main'), '共同生活的家庭成员');
  assert.equal(await page.locator('input[name="family_members.1.monthly_income"]').getAttribute('inputmode'), 'decimal');
});

// ---------------------------------------------------------------------------------------------

journey('3. an administrator adds a step to the licensing workflow; new applications take it, running ones keep their version', async ({ open }) => {
  assert.ok(state.keyboard && state.clerkPage && state.firmPage, 'earlier journeys ran');
  const admin = await (await open()).newPage();
  await signIn(admin, ADMIN, DEMO_PASSWORD);
  await visit(admin, '/admin/workflows', { name: 'j3-workflows' });
  const row = admin.locator('tr.workflow-row', { hasText: 'default' });
  await assertText(row, 'v1');
  await nav(admin, () => row.getByRole('link').first().click());
  await assertText(admin.getByRole('heading', { level: 1 }), 'v1');
  assert.equal(await admin.locator('ul.service-codes li').count() > 0, true, 'services run this workflow');
  await nav(admin, () => admin.getByRole('button', { name: '以此版本新建草稿' }).click(), { name: 'j3-draft-new' });
  assert.match(admin.url(), /\/admin\/workflow-drafts\/\d+$/);

  // A new state: expert review, five working days.
  await admin.locator('summary', { hasText: /^添加状态$/ }).click();
  const addState = admin.locator('form', { has: admin.locator('input[name="op"][value="add_state"]') });
  await addState.getByLabel('代码', { exact: true }).fill('expert_review');
  await addState.getByLabel('中文名称').fill('专家评审');
  await addState.getByLabel('英文名称').fill('Expert review');
  await addState.getByLabel('类别', { exact: true }).selectOption('working');
  await addState.locator('#as-phase').selectOption('decision');
  await addState.getByLabel('本环节时限').fill('5');
  await nav(admin, () => addState.getByRole('button', { name: '添加状态' }).click());
  await assertText(admin.locator('table').first(), 'expert_review');
  // Not reachable yet: a problem, so no publishing.
  await assertText(admin.locator('.error-summary'), 'expert_review');
  assert.equal(await admin.getByRole('button', { name: '发布为新版本' }).count(), 0, 'a draft with problems cannot be published');

  const addTransition = async (t) => {
    await admin.locator('summary', { hasText: /^添加操作$/ }).click();
    const form = admin.locator('form', { has: admin.locator('input[name="op"][value="add_transition"]') });
    await form.locator('#at-name').fill(t.name);
    await form.locator('#at-label-zh').fill(t.zh);
    await form.locator('#at-label-en').fill(t.en);
    for (const from of t.from) await form.locator(`#at-from-${from}`).check();
    await form.getByLabel('到哪个状态').selectOption(t.to);
    await form.getByLabel('由谁操作').selectOption('department');
    await form.getByLabel('窗口人员').check();
    await form.getByLabel('部门负责人').check();
    if (t.note) await form.getByLabel('须填写说明').check();
    if (t.notice) {
      await form.getByLabel('中文主题').fill(t.notice.subject_zh);
      await form.getByLabel('英文主题').fill(t.notice.subject_en);
      await form.getByLabel('中文正文').fill(t.notice.body_zh);
      await form.getByLabel('英文正文').fill(t.notice.body_en);
    }
    await nav(admin, () => form.getByRole('button', { name: '添加操作' }).click());
    await assertText(admin.locator('section[aria-labelledby="transitions-title"]'), t.name);
  };
  await addTransition({
    name: 'send_to_experts', zh: '提交专家评审', en: 'Send to expert review', from: ['under_review'], to: 'expert_review', note: true,
    notice: {
      subject_zh: '专家评审告知', subject_en: 'Expert review',
      body_zh: '您申请的“{service}”（{tracking_number}）已提交专家评审：{note}', body_en: 'Your application for “{service}” ({tracking_number}) is with the experts: {note}',
    },
  });
  await addTransition({ name: 'experts_done', zh: '专家评审完成', en: 'Expert review done', from: ['expert_review'], to: 'under_review' });
  assert.equal(await admin.getByText('校验通过，可以发布。').count(), 1, 'the draft has no problems left');
  assert.equal(await admin.locator('.error-summary').count(), 0);
  await shoot(admin, 'j3-draft-editor');

  await nav(admin, () => admin.getByRole('button', { name: '发布为新版本' }).click(), { name: 'j3-published' });
  assert.match(admin.url(), /\/admin\/workflows\/default\?version=2&notice=published$/);
  await assertText(admin.getByRole('status').first(), '已发布为 v2');
  assert.ok((await diagramTexts(admin.locator('figure.diagram'))).includes('专家评审'), 'v2 draws the new state');
  await nav(admin, () => admin.getByRole('link', { name: '对比' }).click(), { name: 'j3-diff' });
  await assertText(admin.locator('main'), 'expert_review');

  // A new application after publishing: pinned to v2, it goes through the new step.
  const firmPage = state.firmPage;
  const { id: newId, trackingNumber: newNumber } = await applyInOneGo(firmPage, files);
  const clerk = state.clerkPage;
  const openCase = async (number) => {
    await visit(clerk, '/workspace/SJJ');
    await nav(clerk, () => clerk.getByRole('link', { name: number }).click());
  };
  const actions = () => clerk.locator('details.transition summary').allInnerTexts();
  const fire = async (label, fill = {}, shot) => {
    const form = clerk.locator('details.transition', { has: clerk.locator('summary', { hasText: new RegExp(`^${label}$`) }) });
    assert.equal(await form.count(), 1, `the action ${label} is offered (offered: ${(await actions()).join(', ')})`);
    await form.locator('summary').click();
    for (const [field, value] of Object.entries(fill)) await form.getByLabel(field).fill(value);
    await nav(clerk, () => form.getByRole('button', { name: label, exact: true }).click(), { name: shot });
  };

  await openCase(newNumber);
  await assertText(clerk.locator('dd.workflow'), 'v2');
  assert.ok((await diagramTexts(clerk.locator('figure.diagram'))).includes('专家评审'), "the clerk's diagram is v2's");
  await fire('受理');
  await fire('开始审查');
  assert.ok((await actions()).includes('提交专家评审'), 'v2 offers the new step');
  const expertNote = '请食品安全专家组对中央厨房布局进行评审。';
  await fire('提交专家评审', { 说明: expertNote }, 'j3-clerk-new-step');
  assert.equal((await clerk.locator('dd.status').innerText()).trim(), '专家评审');
  await assertText(clerk.locator('.deadlines'), '本环节时限');
  const told = await app.smtp.waitFor(state.firm.email, (m) => subjectIs(m, '专家评审告知', newNumber), { what: "the new step's notice" });
  assert.ok(told.text.includes(newNumber) && told.text.includes(expertNote), `the new notice fills its placeholders:\n${told.text}`);
  await fire('专家评审完成');
  await assertText(clerk.locator('dd.status'), '审查中');
  await fire('准予许可', { 决定内容及理由: '经专家评审，符合许可条件，准予许可。' });
  await assertText(clerk.locator('dd.status'), '准予许可，待送达');
  await assertText(clerk.locator('ol.timeline'), '提交专家评审');

  // The firm's page shows the v2 procedure with the new step.
  await visit(firmPage, `/applications/${newId}`);
  await firmPage.locator('details.procedure summary').click();
  const drawn = await diagramTexts(firmPage.locator('details.procedure figure.diagram'));
  assert.ok(drawn.includes('专家评审') && drawn.includes('提交专家评审'), `the applicant's diagram has the new step: ${drawn.join(' · ')}`);
  await shoot(firmPage, 'j3-applicant-v2');

  // The keyboard firm's application was submitted under v1: no new step, handled the old way.
  await openCase(state.keyboard.trackingNumber);
  await assertText(clerk.locator('dd.workflow'), 'v1');
  await fire('受理');
  await fire('开始审查');
  const old = await actions();
  assert.ok(!old.includes('提交专家评审'), `v1 does not offer the new step (offered: ${old.join(', ')})`);
  const v1 = await diagramTexts(clerk.locator('figure.diagram'));
  assert.ok(v1.includes('审查中') && !v1.includes('专家评审') && !v1.includes('提交专家评审'), `v1's diagram has no new state: ${v1.join(' · ')}`);
  await fire('准予许可', { 决定内容及理由: '材料齐全，符合法定条件，准予许可。' }, 'j3-clerk-old-version');
  await assertText(clerk.locator('dd.status'), '准予许可，待送达');
});

// ---------------------------------------------------------------------------------------------

journey('4. on a phone: the administrator\'s pages fit in both languages; an incomplete draft submitted from check answers names every missing field', async ({ open }) => {
  const phone = await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const admin = await phone.newPage();
  await signIn(admin, ADMIN, DEMO_PASSWORD);
  // check() fails any page wider than the 390 px screen; the tables scroll in their own box.
  const pages = [
    '/admin', '/admin/workflows', '/admin/workflows/default', '/admin/services', '/admin/forms',
    `/admin/forms/${SERVICE_CODE}`, '/admin/calendar?year=2027', '/admin/outbox', '/admin/users', '/admin/log',
  ];
  for (const url of pages) await visit(admin, url, { name: `phone-admin-${url.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}` });
  // The draft editor, with its text box and the editor's forms.
  await visit(admin, '/admin/workflows/default');
  await nav(admin, () => admin.getByRole('button', { name: '以此版本新建草稿' }).click(), { name: 'phone-admin-draft' });
  assert.match(admin.url(), /\/admin\/workflow-drafts\/\d+$/);
  const draft = admin.url();
  // The same in English.
  await nav(admin, () => admin.getByRole('link', { name: 'English' }).click(), { name: 'phone-admin-draft-en' });
  assert.equal(await admin.locator('html').getAttribute('lang'), 'en');
  for (const url of ['/admin/calendar?year=2027', '/admin/outbox', '/admin/workflows/default']) await visit(admin, url, { name: `phone-admin-en-${url.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}` });
  // A text that cannot be read, in English: the reason in English, the caret under the place.
  await visit(admin, draft);
  const source = admin.locator('textarea#source');
  await source.fill((await source.inputValue()).replace('label_zh = "受理"', 'label_zh = "受理" garbage'));
  await nav(admin, () => admin.getByRole('button', { name: 'Save the draft', exact: true }).click(), { name: 'phone-admin-syntax-error' });
  await assertText(admin.locator('.problems'), 'cannot be read');
  const [line, caret] = await admin.locator('pre.source-place').evaluate((pre) => {
    const box = (node) => { const range = document.createRange(); range.selectNodeContents(node); return range.getBoundingClientRect(); };
    const pad = pre.querySelector('.caret-pad');
    return [pre.textContent.split('\n')[0], box(pad).right];
  });
  assert.match(line, /label_zh = "受理" garbage/);
  const garbage = await admin.locator('pre.source-place').evaluate((pre) => {
    const text = pre.firstChild.firstChild; // the first line's text node
    const start = text.textContent.indexOf('garbage');
    const range = document.createRange();
    range.setStart(text, start);
    range.setEnd(text, start + 1);
    return range.getBoundingClientRect().left;
  });
  assert.ok(Math.abs(garbage - caret) < 1.5, `the caret stands under the g of garbage (${caret} vs ${garbage})`);

  // A citizen on the same phone: a draft sent from "check your answers" before it is complete
  // comes back as the form, every problem named by its field.
  const citizen = await (await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })).newPage();
  await signIn(citizen, 'citizen@demo.onestop.cn', DEMO_PASSWORD);
  await visit(citizen, '/services/440306-MZJ-JF-0001-00');
  await nav(citizen, () => citizen.getByRole('button', { name: '在线申请' }).click());
  const edit = citizen.url();
  assert.match(edit, /\/applications\/\d+\/edit$/);
  await visit(citizen, edit.replace(/\/edit$/, '/review'), { name: 'phone-review-incomplete' });
  await citizen.locator('#declaration').check();
  await nav(citizen, () => citizen.getByRole('button', { name: '确认提交' }).click(), { status: 422, name: 'phone-submit-incomplete' });
  assert.ok(citizen.url().endsWith('/submit') || citizen.url().endsWith('/edit'), citizen.url());
  const errors = await citizen.locator('.error-summary a').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.innerText.trim() })));
  assert.ok(errors.length >= 3, `every problem is listed: ${JSON.stringify(errors)}`);
  for (const { href, text } of errors) {
    assert.notEqual(text, '此项为必填项', `an error names its field: ${href}`);
    const target = citizen.locator(`[id="${href.slice(1)}"]`);
    assert.equal(await target.count(), 1, `${href} leads to its field`);
    // A field is marked invalid; a table (its rows missing) is reached, and named in the text.
    const tag = await target.evaluate((element) => element.tagName);
    if (['INPUT', 'SELECT', 'TEXTAREA'].includes(tag)) assert.equal(await target.getAttribute('aria-invalid'), 'true', `${href} is marked`);
  }
  assert.ok(errors.some((e) => e.text.includes('家庭成员')), `the household table is named: ${JSON.stringify(errors)}`);
});

// ---------------------------------------------------------------------------------------------

journey('5. 好差评: the firm rates the service 不满意, the clerk calls back and answers, the firm is told and says so, the figures are public', async ({ open }) => {
  assert.ok(state.j1 && state.clerkPage, 'journeys 1 and 2 delivered an application');
  const { firm, firmPage } = state;
  const { id, trackingNumber } = state.j1;
  await visit(firmPage, `/applications/${id}`, { name: 'j5-rate' });
  const form = () => firmPage.locator('form.rating-form');
  // A bad rating that says nothing comes back, announced, with the level kept.
  await form().getByLabel('不满意', { exact: true }).check();
  await nav(firmPage, () => form().getByRole('button', { name: '提交评价' }).click(), { status: 422, name: 'j5-rate-refused' });
  await assertErrorsAnnounced(firmPage, ['rating-reason-quick']);
  assert.ok(await form().getByLabel('不满意', { exact: true }).isChecked(), 'the level is kept');
  await form().getByLabel('多次跑动').check();
  await form().getByLabel(/^意见建议/).fill('现场核查约了两次才来');
  await nav(firmPage, () => form().getByRole('button', { name: '提交评价' }).click());
  const remedyNumber = (await firmPage.locator('.remedy-number').innerText()).trim();
  assert.match(remedyNumber, /^ZG440306\d{16}[\dX]$/, 'a remedy number of its own series');
  await assertText(firmPage.locator('.remedy-status'), '待整改');

  // The clerk finds it in the queue, calls the firm back and says what was put right.
  const clerk = state.clerkPage;
  await visit(clerk, '/workspace/SJJ?state=remedy_open', { name: 'j5-remedy-queue' });
  await nav(clerk, () => clerk.getByRole('link', { name: remedyNumber }).click(), { name: 'j5-remedy-case' });
  const remedyPath = new URL(clerk.url()).pathname;
  await assertText(clerk.locator('.rating-comment'), '现场核查约了两次才来');
  await assertText(clerk.locator('.rated-case'), trackingNumber);
  await clerk.getByLabel('回访情况（评价人的意见、约定的处理方式）').fill('电话回访：企业希望核查时间一次约定');
  await nav(clerk, () => clerk.getByRole('button', { name: '记录回访' }).click());
  await assertText(clerk.locator('.contact-list'), '核查时间一次约定');
  const answer = '已调整现场核查预约规则：受理时即与申请人约定核查时间，一次到场。';
  const remedyForm = clerk.locator('details.transition', { has: clerk.locator('summary', { hasText: /^已整改$/ }) });
  await remedyForm.locator('summary').click();
  await remedyForm.getByLabel('决定内容及理由').fill(answer);
  await nav(clerk, () => remedyForm.getByRole('button', { name: '已整改', exact: true }).click(), { name: 'j5-remedied' });
  await assertText(clerk.locator('dd.status'), '已整改');

  // The firm is told by mail; the link leads to the page of the case rated, where it answers.
  const told = await app.smtp.waitFor(firm.email, (m) => subjectIs(m, '您的评价已整改', remedyNumber), { what: 'the remedy notice' });
  assert.ok(told.text.includes(answer), 'the mail carries the answer');
  await visit(firmPage, `/applications/${id}`, { name: 'j5-told' });
  await assertText(firmPage.locator('.remedy-answer'), answer);
  await nav(firmPage, () => firmPage.getByRole('button', { name: '对整改结果满意' }).click());
  await assertText(firmPage.locator('.remedy-verdict'), '满意');

  // The figures are public, in both languages, and name nobody.
  const visitor = await (await open()).newPage();
  await visit(visitor, '/ratings', { name: 'j5-figures' });
  const row = visitor.locator('tr[data-code=SJJ]');
  await assertText(row.locator('.bad'), '1');
  await assertText(row.locator('.remedied'), '1');
  assert.ok(!(await visitor.content()).includes(firm.company), 'no rater on the public page');
  await nav(visitor, () => visitor.getByRole('link', { name: 'English' }).click());
  await assertText(visitor.getByRole('heading', { level: 1 }), 'Service ratings, published');

  // On a phone, switched to English as a new visitor would: every page fits the 390 px screen
  // (check() fails one that does not) and speaks English.
  const onPhone = () => open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const firmPhone = await (await onPhone()).newPage();
  await signIn(firmPhone, firm.email, firm.password);
  await visit(firmPhone, `/applications/${id}`);
  await nav(firmPhone, () => firmPhone.getByRole('link', { name: 'English' }).click(), { name: 'j5-phone-en-rated' });
  await assertText(firmPhone.locator('#rating-title'), 'Rate this service');
  await assertText(firmPhone.locator('.rating-level'), 'Dissatisfied');
  await assertText(firmPhone.locator('.remedy-status'), 'Remedied');
  await assertText(firmPhone.locator('.remedy-verdict'), 'I am satisfied with the answer');
  await visit(firmPhone, '/ratings', { name: 'j5-phone-en-figures' });
  await assertText(firmPhone.locator('tr[data-code=SJJ] .bad'), '1');
  const clerkPhone = await (await onPhone()).newPage();
  await signIn(clerkPhone, CLERK, DEMO_PASSWORD);
  await visit(clerkPhone, remedyPath);
  await nav(clerkPhone, () => clerkPhone.getByRole('link', { name: 'English' }).click(), { name: 'j5-phone-en-remedy-case' });
  await assertText(clerkPhone.locator('dd.status'), 'Remedied');
  await assertText(clerkPhone.locator('.rating-reasons'), 'Several trips');
  await assertText(clerkPhone.locator('#contacts-title'), 'Calls back (回访)');
});

journey('6. 12345: a caller complains online in confidence, the operator dispatches, SJJ replies without knowing who, the operator approves and calls back', async ({ open }) => {
  const OPERATOR = 'operator@demo.onestop.cn';
  const caller = await (await open()).newPage();
  const callerEmail = email('hotline');
  const phone = mobile();
  await visit(caller, '/', { name: 'j6-home' });
  await nav(caller, () => caller.getByRole('link', { name: '12345诉求' }).click(), { name: 'j6-form' });
  await caller.getByLabel('投诉').check();
  await caller.getByLabel('诉求内容').fill('新安街道某超市货架上的牛奶已过保质期三天，店员不肯下架。');
  await caller.getByLabel('联系电话').fill(phone);
  await caller.getByLabel('电子邮箱').fill(callerEmail);
  await caller.getByLabel('对承办部门保密我的身份').check();
  // No subject: the field is named, announced, and nothing typed is lost.
  await nav(caller, () => caller.getByRole('button', { name: '提交诉求' }).click(), { status: 422, name: 'j6-form-refused' });
  await assertErrorsAnnounced(caller, ['subject']);
  assert.equal(await caller.getByLabel('联系电话').inputValue(), phone, 'the phone number is kept');
  assert.ok(await caller.getByLabel('对承办部门保密我的身份').isChecked(), 'the confidentiality is kept');
  await caller.getByLabel('诉求标题').fill('超市出售过期食品');
  await caller.getByLabel('姓名').fill('赵匿名');
  await caller.getByLabel('附件', { exact: true }).setInputFiles([files.jpeg]);
  await nav(caller, () => caller.getByRole('button', { name: '提交诉求' }).click(), { name: 'j6-received' });
  const number = (await caller.locator('#tracking-number').innerText()).trim();
  assert.match(number, /^RX440306\d{16}[\dX]$/, 'a hotline number of its own series');
  await app.smtp.waitFor(callerEmail, (m) => subjectIs(m, '已收到您的诉求', number), { what: 'the receipt' });

  // The operator works from the console: the caller's number finds the request, keyboard first.
  const operator = await (await open()).newPage();
  await signIn(operator, OPERATOR, DEMO_PASSWORD);
  await visit(operator, '/hotline/console', { name: 'j6-console' });
  assert.equal(await focused(operator).then((f) => f.id), 'phone', 'the caller\'s number has the focus');
  await operator.keyboard.type(phone);
  await nav(operator, () => operator.keyboard.press('Enter'), { name: 'j6-console-caller' });
  await nav(operator, () => operator.locator('#earlier').getByRole('link', { name: number }).click(), { name: 'j6-operator-case' });
  await assertText(operator.locator('.caller-name'), '赵匿名');
  const dispatch = operator.locator('details#t-dispatch');
  await dispatch.locator('summary').click();
  assert.equal(await dispatch.getByLabel('承办部门', { exact: true }).inputValue(), 'SJJ', 'the words suggest the market regulator');
  await nav(operator, () => dispatch.getByRole('button', { name: '派单' }).click());
  await assertText(operator.locator('.case-status .status'), '待签收');
  const casePath = new URL(operator.url()).pathname;

  // SJJ signs for it and replies, never seeing who called.
  const clerk = state.clerkPage;
  await visit(clerk, '/workspace/SJJ/hotline', { name: 'j6-sjj-queue' });
  await nav(clerk, () => clerk.getByRole('link', { name: number }).click(), { name: 'j6-sjj-case' });
  const seen = await clerk.content();
  for (const secret of ['赵匿名', phone, callerEmail]) assert.ok(!seen.includes(secret), `${secret} is kept from the department`);
  await assertText(clerk.locator('.confidential'), '12345');
  await assertText(clerk.locator('.attachments'), 'layout.jpg');
  const signFor = clerk.locator('details#t-sign_for');
  await signFor.locator('summary').click();
  await nav(clerk, () => signFor.getByRole('button', { name: '签收' }).click());
  const reply = clerk.locator('details#t-reply');
  await reply.locator('summary').click();
  const answer = '已责令该超市下架过期牛奶，并立案调查。';
  await reply.getByLabel(/^答复内容/).fill(answer);
  await nav(clerk, () => reply.getByRole('button', { name: '答复' }).click(), { name: 'j6-sjj-replied' });

  // The hotline reviews the reply; the caller is told and finds it by the public lookup.
  await visit(operator, casePath, { name: 'j6-review' });
  await assertText(operator.locator('.reply'), answer);
  const approve = operator.locator('details#t-approve_reply');
  await approve.locator('summary').click();
  assert.equal(await approve.getByLabel(/^答复内容/).inputValue(), answer, 'the reply is there to approve');
  await nav(operator, () => approve.getByRole('button', { name: '审核通过，答复诉求人' }).click());
  const told = await app.smtp.waitFor(callerEmail, (m) => subjectIs(m, '您的诉求已答复', number), { what: 'the answer' });
  assert.ok(told.text.includes(answer), 'the mail carries the answer');
  await visit(caller, '/hotline/track', { name: 'j6-track' });
  await caller.getByLabel('诉求编号').fill(number);
  await caller.getByLabel('联系电话后四位或电子邮箱').fill(phone.slice(-4));
  await nav(caller, () => caller.getByRole('button', { name: '查询' }).click(), { name: 'j6-tracked' });
  await assertText(caller.locator('.answer-text'), answer);

  // The call back closes it; the day's figures count it.
  const callBack = operator.locator('details#t-callback');
  await callBack.locator('summary').click();
  await callBack.getByLabel('满意', { exact: true }).check();
  await nav(operator, () => callBack.getByRole('button', { name: '记录回访评价' }).click(), { name: 'j6-closed' });
  await assertText(operator.locator('.case-status .status'), '已办结');
  await visit(operator, '/hotline/figures', { name: 'j6-figures' });
  await assertText(operator.locator('tr[data-code=SJJ] .dispatched'), '1');
  await assertText(operator.locator('tr[data-code=SJJ] .satisfied'), '1');

  // On a phone, in English: the console and the request's page fit the screen.
  const phoneOperator = await (await open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })).newPage();
  await signIn(phoneOperator, OPERATOR, DEMO_PASSWORD);
  await visit(phoneOperator, '/hotline/console');
  await nav(phoneOperator, () => phoneOperator.getByRole('link', { name: 'English' }).click(), { name: 'j6-phone-en-console' });
  await assertText(phoneOperator.getByRole('heading', { level: 1 }), 'Hotline console');
  await visit(phoneOperator, casePath, { name: 'j6-phone-en-case' });
  await assertText(phoneOperator.locator('.case-status .status'), 'Closed');
});

journey('7. The grid on a phone: a worker reports on patrol, SJJ handles it, the worker verifies and closes it; a passer-by reports in English and follows the report; the inspector and the command centre see the day; an administrator changes a type', async ({ open }) => {
  const onPhone = () => open({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const WORKER = 'grid.worker@demo.onestop.cn';

  // The worker starts a patrol and reports what she finds, without the position script: the
  // place is picked from her grids. A report without a place is refused and loses nothing.
  const worker = await (await onPhone()).newPage();
  await signIn(worker, WORKER, DEMO_PASSWORD);
  await visit(worker, '/grid', { name: 'j7-phone-home' });
  await nav(worker, () => worker.getByRole('button', { name: '开始巡查' }).click());
  assert.match(await worker.locator('.patrol-state').innerText(), /巡查进行中/);
  await nav(worker, () => worker.getByRole('link', { name: '上报事件' }).click(), { name: 'j7-phone-report' });
  await worker.getByLabel('事件类型').selectOption('SC04');
  const seen = '新安第1社区某便利店货架上有过期牛奶。';
  await worker.getByLabel('现场情况').fill(seen);
  await nav(worker, () => worker.getByRole('button', { name: '上报' }).click(), { status: 422, name: 'j7-phone-report-refused' });
  await assertErrorsAnnounced(worker, ['longitude']);
  assert.equal(await worker.getByLabel('现场情况').inputValue(), seen, 'the description is kept');
  assert.equal(await worker.getByLabel('事件类型').inputValue(), 'SC04', 'the type is kept');
  await worker.getByLabel('或选择我负责的网格中心点').selectOption({ index: 1 });
  await worker.getByLabel('照片（最多3张）').setInputFiles([files.jpeg]);
  await nav(worker, () => worker.getByRole('button', { name: '上报' }).click(), { status: 201, name: 'j7-phone-reported' });
  const number = (await worker.locator('#tracking-number').innerText()).trim();
  assert.match(number, /^SJ440306\d{16}[\dX]$/, 'an event number of its own series');
  assert.match(await worker.locator('.dispatched-to').innerText(), /市场监督管理局/, 'dispatched by its type');

  // SJJ finds it among its grid events and reports it handled.
  const clerk = await (await onPhone()).newPage();
  await signIn(clerk, CLERK, DEMO_PASSWORD);
  await visit(clerk, '/workspace/SJJ/events', { name: 'j7-phone-sjj-events' });
  await nav(clerk, () => clerk.getByRole('link', { name: number }).click(), { name: 'j7-phone-sjj-event' });
  await assertText(clerk.locator('.description'), seen);
  const handled = clerk.locator('details#t-handled');
  await handled.locator('summary').click();
  await handled.getByLabel('说明').fill('已责令下架并立案调查。');
  await nav(clerk, () => handled.getByRole('button', { name: '处置完毕' }).click(), { name: 'j7-phone-sjj-handled' });
  await assertText(clerk.locator('.case-status .status'), '待核查');

  // The worker checks on site and closes it with a photo of the result.
  await visit(worker, '/grid', { name: 'j7-phone-home-again' });
  await nav(worker, () => worker.getByRole('link', { name: number }).click(), { name: 'j7-phone-verify' });
  const verify = worker.locator('details#t-verify_pass');
  await verify.locator('summary').click();
  await verify.getByLabel('处置情况').fill('现场核查，已下架。');
  await verify.getByLabel('处置结果照片').setInputFiles([files.png]);
  await nav(worker, () => verify.getByRole('button', { name: '核查通过，结案' }).click(), { name: 'j7-phone-closed' });
  await assertText(worker.locator('.case-status .status'), '已结案');
  await visit(worker, '/grid');
  await nav(worker, () => worker.getByRole('button', { name: '结束巡查' }).click());

  // A passer-by, in English, reports what he saw (随手拍) and follows it with the number.
  const passer = await (await onPhone()).newPage();
  await visit(passer, '/grid/report');
  await nav(passer, () => passer.getByRole('link', { name: 'English' }).click(), { name: 'j7-phone-en-report' });
  await passer.getByLabel('Type of event').selectOption('AQ01');
  await passer.getByLabel('What you see').fill('A fire lane blocked by parked cars.');
  await passer.getByLabel('Longitude').fill('113.8900');
  await passer.getByLabel('Latitude').fill('22.5600');
  const phone = mobile();
  await passer.getByLabel('Mobile phone number').fill(phone);
  await nav(passer, () => passer.getByRole('button', { name: 'Report' }).click(), { status: 201, name: 'j7-phone-en-reported' });
  const theirs = (await passer.locator('#tracking-number').innerText()).trim();
  await nav(passer, () => passer.getByRole('link', { name: 'Follow a report' }).click(), { name: 'j7-phone-en-track' });
  await passer.getByLabel('Event number').fill(theirs);
  await passer.getByLabel('Last four digits of the phone').fill(phone.slice(-4));
  await nav(passer, () => passer.getByRole('button', { name: 'Follow' }).click(), { name: 'j7-phone-en-progress' });
  assert.ok((await passer.content()).includes(theirs), 'the progress page names the report');

  // The inspector sees the street's workers' day; the command centre the district's, in English.
  const inspector = await (await onPhone()).newPage();
  await signIn(inspector, 'inspector@demo.onestop.cn', DEMO_PASSWORD);
  await visit(inspector, '/grid/inspection', { name: 'j7-phone-inspection' });
  assert.ok((await inspector.locator('tbody th').allInnerTexts()).some((n) => n.includes('黄网格')), 'the demo worker is on her street');
  const commander = await (await onPhone()).newPage();
  await signIn(commander, 'commander@demo.onestop.cn', DEMO_PASSWORD);
  await visit(commander, '/grid/command');
  await nav(commander, () => commander.getByRole('link', { name: 'English' }).click(), { name: 'j7-phone-en-command' });
  assert.ok((await commander.content()).includes(number), 'the day\'s events list the worker\'s report');

  // An administrator gives a type another time limit; the form refuses a nonsense one first.
  const admin = await (await onPhone()).newPage();
  await signIn(admin, ADMIN, DEMO_PASSWORD);
  await visit(admin, '/admin/grid/types', { name: 'j7-phone-types' });
  await nav(admin, () => admin.locator('#type-SC04').getByRole('link').click(), { name: 'j7-phone-type' });
  await admin.getByLabel('处置时限（工作日）').fill('0');
  await nav(admin, () => admin.getByRole('button', { name: '保存' }).click(), { status: 422, name: 'j7-phone-type-refused' });
  await assertErrorsAnnounced(admin, ['limit_days']);
  await admin.getByLabel('处置时限（工作日）').fill('2');
  await nav(admin, () => admin.getByRole('button', { name: '保存' }).click(), { name: 'j7-phone-types-saved' });
  await assertText(admin.locator('#type-SC04 td.number'), '2');
  // The taxonomy in English fits the phone too, the new limit in the form.
  await nav(admin, () => admin.getByRole('link', { name: 'English' }).click(), { name: 'j7-phone-en-types' });
  await assertText(admin.locator('h1'), 'Event types');
  await nav(admin, () => admin.locator('#type-SC04').getByRole('link').click(), { name: 'j7-phone-en-type' });
  assert.equal(await admin.getByLabel('Time limit (working days)').inputValue(), '2');
});
