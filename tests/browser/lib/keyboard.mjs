// Keyboard-only helpers: they move the focus with Tab / Shift+Tab and act with Enter, Space,
// arrow keys and typing — page.keyboard only. The page is read (which element has the focus)
// with evaluate, never clicked or filled.

import assert from 'node:assert/strict';

/** What the focused element is: tag, id, name, type, value, its text or label, href. */
export async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { tag: 'body' };
    const label = e.labels && e.labels.length ? e.labels[0].innerText.trim() : '';
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id,
      name: e.getAttribute('name') ?? '',
      type: e.getAttribute('type') ?? '',
      value: e.value ?? '',
      text: (e.innerText ?? '').trim(),
      label,
      href: e.getAttribute('href') ?? '',
    };
  });
}

/**
 * Presses Tab (or Shift+Tab) until the focused element matches `want`, an object whose every
 * key must equal the focused element's (text and label may be RegExps). Returns the element's
 * description; fails after `max` presses, naming what it passed.
 */
export async function tabTo(page, want, { max = 250, back = false } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (matches(f, want)) return f;
    seen.push(f.id ? `#${f.id}` : `${f.tag}:${(f.text || f.label || f.value || '').slice(0, 20)}`);
  }
  assert.fail(`Tab never reached ${JSON.stringify(want, replacer)} on ${page.url()}; passed: ${seen.slice(-40).join(' · ')}`);
}

function replacer(_, v) {
  return v instanceof RegExp ? v.toString() : v;
}

function matches(f, want) {
  return Object.entries(want).every(([k, v]) => (v instanceof RegExp ? v.test(f[k] ?? '') : f[k] === v));
}

/** Tabs to the field with this id and types `text` into it (replacing what it held). */
export async function typeInto(page, id, text) {
  await tabTo(page, { id });
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

/**
 * Tabs to a <select> and picks the option whose value is `value` with the arrow keys (from the
 * top: Home, then ArrowDown until it is selected).
 */
export async function chooseOption(page, id, value) {
  await tabTo(page, { id });
  await page.keyboard.press('Home');
  for (let i = 0; i < 50; i++) {
    const f = await focused(page);
    if (f.value === value) return;
    await page.keyboard.press('ArrowDown');
  }
  assert.fail(`option ${value} of #${id} not reached with the arrow keys`);
}

/** Tabs to the checkbox (by name and value) and ticks it with Space. */
export async function tick(page, want) {
  await tabTo(page, { tag: 'input', type: 'checkbox', ...want });
  const checked = await page.evaluate(() => document.activeElement.checked);
  if (!checked) await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => document.activeElement.checked), true, `ticked ${JSON.stringify(want)}`);
}
