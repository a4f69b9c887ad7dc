/**
 * Reading what the workbench shows as text: the panel (output channels, Problems), the active
 * terminal (its DOM renderer rows), and every notification shown since recording began, including
 * short-lived progress notifications a poll could miss.
 */
import type { Page } from 'playwright-core';

/** The panel's visible text; the editor renders spaces as no-break spaces. */
export async function panelText(page: Page): Promise<string> {
  return (await page.locator('.part.panel').innerText().catch(() => '')).replace(/\u00a0/g, ' ');
}

/** The visible rows of the panel's terminal (needs `terminal.integrated.gpuAcceleration: off`). */
export async function terminalText(page: Page): Promise<string> {
  const rows = page.locator('.part.panel .terminal-wrapper.active .xterm-rows, .part.panel .xterm .xterm-rows');
  const texts = await rows.allInnerTexts().catch(() => [] as string[]);
  return texts.join('\n').replace(/\u00a0/g, ' ');
}

/**
 * Runs in the page. A string, not a function: the test runner's transpiler would wrap named inner
 * functions in a helper that does not exist in the page.
 */
const RECORD_NOTICES = `(() => {
  if (window.runlensNotices) return;
  const seen = [];
  window.runlensNotices = seen;
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('.notification-toast')) {
      const text = (el.textContent || '').trim();
      if (text && !seen.includes(text)) seen.push(text);
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
})()`;

/** Starts recording the text of every notification toast from now on. */
export async function recordNotices(page: Page): Promise<void> {
  await page.evaluate(RECORD_NOTICES);
}

/** Every distinct notification text recorded so far. */
export async function noticesSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { runlensNotices?: string[] }).runlensNotices ?? []);
}
