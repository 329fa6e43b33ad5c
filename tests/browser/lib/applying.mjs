// The applicant's steps for 食品经营许可（新办）, with the mouse: shared by journey 1, the phone run
// and the administrator's journey (a second application after publishing).

import assert from 'node:assert/strict';
import { nav, visit, verificationLink, creditCode, email, signIn } from './harness.mjs';

export const SERVICE_CODE = '440306-SJJ-XK-0013-01';
export const SERVICE_NAME = '食品经营许可（新办）';
export const PASSWORD = 'Baoan-journey-2026!';

/** The answers of the application form, by the field's label. */
export const ANSWERS = {
  legal_representative: '王建国',
  domicile: '深圳市宝安区新安街道海旺社区宝兴路6号',
  premises_address: '深圳市宝安区西乡街道宝源路1001号一楼',
  premises_area: '86',
  main_format: 'catering',
  business_items: ['hot_food', 'homemade_drinks'],
  food_safety_manager: '陈晓燕',
  food_safety_manager_phone: '13712345678',
  staff_count: '8',
  health_certificate_count: '8',
  delivery: 'electronic',
};

/** A new firm's details. */
export function newFirm(label, slug) {
  return {
    company: `深圳市宝安${label}餐饮有限公司`,
    creditCode: creditCode(),
    legalRepresentative: '王建国',
    contactName: '赵敏',
    email: email(`firm-${slug}`),
    password: PASSWORD,
  };
}

/** Registers `firm` through /register/firm with the mouse and verifies its email from the mail. */
export async function registerFirm(page, smtp, firm, { shots = '' } = {}) {
  await visit(page, '/');
  await nav(page, () => page.getByRole('link', { name: '注册', exact: true }).click());
  await nav(page, () => page.getByRole('link', { name: '法人注册（企业、机构）' }).click(), {
    name: shots && `${shots}register-firm`,
  });
  await page.getByLabel('企业名称').fill(firm.company);
  await page.getByLabel('统一社会信用代码').fill(firm.creditCode);
  await page.getByLabel('法定代表人').fill(firm.legalRepresentative);
  await page.getByLabel('经办人姓名').fill(firm.contactName);
  await page.getByLabel('经办人电子邮箱').fill(firm.email);
  await page.getByLabel('新密码', { exact: true }).fill(firm.password);
  await page.getByLabel('再次输入新密码').fill(firm.password);
  await nav(page, () => page.getByRole('button', { name: '注册', exact: true }).click(), {
    name: shots && `${shots}register-sent`,
  });
  // The same answer whether or not the details were registered before: check your email.
  assert.match(page.url(), /\/register\/sent$/);
  await assertText(page.getByRole('heading', { level: 1 }), '请查收邮件');

  const link = await verificationLink(smtp, firm.email);
  await visit(page, link, { name: shots && `${shots}email-verified` });
  assert.match(page.url(), /\/login\?notice=verified$/);
  await assertText(page.getByRole('status').first(), '您的电子邮箱已验证。');
  await signIn(page, firm.email, firm.password);
  await visit(page, '/account');
  assert.equal(await page.getByText('您的电子邮箱尚未验证').count(), 0, 'the account no longer asks to verify');
}

/** Searches the catalog for 食品经营许可 from the home page and opens the 新办 service's guide. */
export async function findService(page, { shots = '' } = {}) {
  await visit(page, '/');
  await page.getByRole('searchbox', { name: '搜索办事服务' }).fill('食品经营许可');
  await nav(page, () => page.getByRole('button', { name: '搜索', exact: true }).click(), {
    name: shots && `${shots}search-results`,
  });
  assert.match(page.url(), /\/services\?q=/);
  await assertText(page.locator('.results'), '共找到4项服务');
  await nav(page, () => page.getByRole('link', { name: SERVICE_NAME }).click(), {
    name: shots && `${shots}service-guide`,
  });
  assert.ok(page.url().endsWith(`/services/${SERVICE_CODE}`), page.url());
  await assertText(page.getByRole('heading', { level: 1 }), SERVICE_NAME);
}

/** Presses 在线申请 on the guide; returns the application's id from the form's address. */
export async function startApplication(page, { shots = '' } = {}) {
  await nav(page, () => page.getByRole('button', { name: '在线申请' }).click(), {
    name: shots && `${shots}application-form`,
  });
  const match = /\/applications\/(\d+)\/edit$/.exec(page.url());
  assert.ok(match, `the form of a new application: ${page.url()}`);
  return Number(match[1]);
}

/** Fills the fields named in `answers` (a subset of ANSWERS' keys) with the mouse. */
export async function fillAnswers(page, answers) {
  for (const [name, value] of Object.entries(answers)) {
    const field = page.locator(`#${name}`);
    if (name === 'business_items') {
      for (const v of value) await page.locator(`input[name="business_items"][value="${v}"]`).check();
    } else if ((await field.evaluate((e) => e.tagName)) === 'SELECT') {
      await field.selectOption(value);
    } else {
      await field.fill(value);
    }
  }
}

/**
 * On the materials page: uploads a file for every material still missing and pledges (容缺) the
 * deferrable one when `pledge` is set. Files cycle through PDF, JPEG and PNG.
 */
export async function provideMaterials(page, files, { pledge = true, shots = '' } = {}) {
  const cycle = [files.pdf, files.jpeg, files.png];
  let uploaded = 0;
  for (let guard = 0; guard < 12; guard++) {
    const items = page.locator('li.material');
    const count = await items.count();
    let acted = false;
    for (let i = 0; i < count; i++) {
      const item = items.nth(i);
      const status = (await item.locator('.material-status').innerText()).trim();
      if (status !== '尚未上传') continue;
      const deferrable = (await item.locator('.meta').innerText()).includes('容缺');
      if (deferrable && pledge) {
        await nav(page, () => item.getByRole('button', { name: '承诺容缺（受理后在规定期限内补齐）' }).click());
      } else {
        await item.getByLabel('选择文件').setInputFiles(cycle[uploaded % cycle.length]);
        await nav(page, () => item.getByRole('button', { name: '上传', exact: true }).click());
        uploaded += 1;
      }
      acted = true;
      break;
    }
    if (!acted) break;
  }
  assert.ok(uploaded >= 3, `uploaded the required materials (${uploaded})`);
  if (shots) await visit(page, page.url(), { name: `${shots}materials` });
  assert.equal(await page.getByText('尚未上传').count(), 0, 'no material is missing');
}

/** From the materials page: check your answers, tick the declaration, submit; the tracking number. */
export async function reviewAndSubmit(page, { shots = '' } = {}) {
  await nav(page, () => page.getByRole('link', { name: '继续：核对申请信息' }).click(), {
    name: shots && `${shots}check-answers`,
  });
  await assertText(page.getByRole('heading', { level: 1 }), '核对申请信息');
  await assertText(page.locator('dl.answers').first(), ANSWERS.premises_address);
  await page.getByLabel('本人承诺所填写的信息和提交的材料真实、准确、完整').check();
  await nav(page, () => page.getByRole('button', { name: '确认提交' }).click(), {
    name: shots && `${shots}submitted`,
  });
  assert.match(page.url(), /\/applications\/\d+\/submitted$/);
  await assertText(page.getByRole('heading', { level: 1 }), '申请已提交');
  const trackingNumber = (await page.locator('.tracking-number').innerText()).trim();
  assert.match(trackingNumber, /^440306\d{16}[0-9X]$/, 'a tracking number (办件编号)');
  return trackingNumber;
}

/** The whole application in one go (signed in as a firm): guide → form → materials → submitted. */
export async function applyInOneGo(page, files, { shots = '' } = {}) {
  await findService(page, { shots });
  const id = await startApplication(page, { shots });
  await fillAnswers(page, ANSWERS);
  await nav(page, () => page.getByRole('button', { name: '保存并继续' }).click());
  assert.ok(page.url().endsWith(`/applications/${id}/materials`), page.url());
  await provideMaterials(page, files, { shots });
  const trackingNumber = await reviewAndSubmit(page, { shots });
  return { id, trackingNumber };
}

/** Asserts that `locator` (its text) contains `text`. */
export async function assertText(locator, text) {
  const actual = await locator.innerText();
  assert.ok(actual.includes(text), `expected «${text}» in «${actual.slice(0, 400)}»`);
}
