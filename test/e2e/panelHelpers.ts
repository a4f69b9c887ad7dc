/**
 * Driving Runlens's panels in code-server: finding a panel's webview frame, switching the colour
 * theme as a user would, running palette commands while a webview has the editor area, and
 * picking options of the panels' `vscode-single-select` controls.
 */
import type { Frame, Page } from 'playwright-core';
import { waitUntil } from './codeServer';

/** The frame of a Runlens panel's webview, found by the root element its HTML carries. */
export async function panelFrame(page: Page, rootClass: string): Promise<Frame> {
  return waitUntil(async () => {
    for (const frame of page.frames()) {
      const found = await frame.evaluate(`!!document.querySelector('.${rootClass}')`).catch(() => false);
      if (found) return frame;
    }
    return undefined;
  }, { timeoutMs: 30_000, what: `the ${rootClass} webview` });
}

/** Switches the colour theme through the palette, as a user would, and waits for the workbench to repaint. */
export async function setTheme(page: Page, theme: string): Promise<void> {
  await runCommandOverWebview(page, 'Preferences: Color Theme');
  // The palette's input is reused by the theme picker: wait until it is the picker's.
  const input = page.locator('.quick-input-widget .quick-input-box input[placeholder*="Color Theme"]');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(theme);
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: theme }).first().click({ timeout: 15_000 });
  const light = /light/i.test(theme);
  // A light theme paints the side bar light (and a dark one, dark).
  const isLight = `(() => { const m = getComputedStyle(document.querySelector('.part.sidebar')).backgroundColor.match(/\\d+/g).map(Number);
    return (m[0] * 299 + m[1] * 587 + m[2] * 114) / 1000 > 128; })()`;
  try {
    await waitUntil(async () => (await page.evaluate(isLight)) === light, { timeoutMs: 15_000, what: `the ${theme} theme` });
  } finally {
    if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Escape');
  }
}

/**
 * Runs a palette command while a webview fills the editor area: the harness's runCommand clicks the
 * editor part for focus, which the webview's iframe would take; the side bar's title gives focus instead.
 */
export async function runCommandOverWebview(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // The side bar's title takes focus without doing anything; retry once if F1 went elsewhere.
  for (let attempt = 0; ; attempt++) {
    await page.locator('.part.sidebar .composite.title').first().click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${title}$`) }) }).first();
  await row.click({ timeout: 15_000 });
  // A command that opens its own picker (Color Theme) keeps the widget open.
  if (!title.startsWith('Preferences:')) await input.waitFor({ state: 'hidden', timeout: 15_000 });
}

/**
 * Picks an option of a `vscode-single-select` by its value. The list lives in the element's shadow
 * root; the value is set and `change` fired as the element itself does when an option is chosen.
 */
export async function pickOption(frame: Frame, label: string, value: string): Promise<void> {
  const select = frame.locator(`vscode-single-select[aria-label="${label}"]`);
  await select.waitFor({ state: 'attached', timeout: 30_000 });
  await waitUntil(async () => (await select.evaluate((el, v) => [...el.querySelectorAll('vscode-option')].some((o) => o.getAttribute('value') === v), value)) || undefined,
    { timeoutMs: 60_000, what: `the option '${value}' in '${label}'` });
  await select.evaluate((el, v) => {
    (el as HTMLElement & { value: string }).value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

export const selectValue = (frame: Frame, label: string) =>
  frame.locator(`vscode-single-select[aria-label="${label}"]`).evaluate((el) => (el as HTMLElement & { value: string }).value);
