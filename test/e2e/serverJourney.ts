/**
 * The server journey on the example workspace (examples/hello-node, one server 'hello'), shared by
 * the test of the repository's build and the test of the packaged .vsix: the status bar and the
 * Servers view list the server before it ever ran; Start from the palette shows the build's steps
 * in a progress notification and reaches 1/1 healthy; Show Logs shows its lines; Follow Logs in
 * Terminal shows live lines; Restart keeps that terminal open and marks the new run. The caller
 * opens the workbench (terminal.integrated.gpuAcceleration off, and recordNotices) and stops.
 */
import * as assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { runCommand, screenshot, waitForStatusLabel, waitUntil } from './codeServer';
import { noticesSeen, panelText, terminalText } from './workbenchText';

export interface JourneyContext {
  page: Page;
  /** Prefix of screenshot names, so two suites keep apart. */
  shots: string;
}

/** Declares the journey's tests (mocha `it`) in the calling suite, in order. */
export function defineServerJourney(ctx: () => JourneyContext): void {
  it('lists the configured server as 0/1 healthy before it ever ran', async () => {
    await waitForStatusLabel(ctx().page, /^Runlens: 0\/1 healthy/, { timeoutMs: 60_000 });
  });

  it('lists the server in the Servers view', async () => {
    const { page, shots } = ctx();
    await runCommand(page, 'Runlens: Focus on Servers View');
    const row = page.locator('.pane-body .monaco-list-row', { hasText: 'hello' });
    await row.first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await row.first().innerText(), /stopped/);
    await screenshot(page, `${shots}servers-view`);
  });

  it("starts the server from the palette, shows the build's steps, and reaches '1/1 healthy'", async () => {
    const { page, shots } = ctx();
    await runCommand(page, 'Runlens: Start Server');
    // The first start builds: the progress notification names each step as it begins.
    const seen = await waitUntil(async () => {
      const notices = await noticesSeen(page);
      // Titled after the project folder: "Runlens: building <folder>: install (3/5)".
      return notices.some((n) => /Runlens: building \S+: \w+ \(\d\/5\)/.test(n)) ? notices : undefined;
    }, { timeoutMs: 60_000, intervalMs: 20, what: 'the build progress notification' });
    await screenshot(page, `${shots}build-progress`);
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 120_000 });
    const steps = [...seen, ...(await noticesSeen(page))].flatMap((n) => /Runlens: building \S+: (\w+ \(\d\/5\))/.exec(n)?.[1] ?? []);
    console.log(`      build steps shown: ${[...new Set(steps)].join(', ')}`);
    assert.match((await page.locator('.part.statusbar [id$="runlens.status"]').innerText()).trim(), /1\/1 healthy/);
    await screenshot(page, `${shots}server-healthy`);
  });

  it('shows the server log in an output channel', async () => {
    const { page, shots } = ctx();
    await runCommand(page, 'Runlens: Show Logs');
    // The first line, or (once the channel has scrolled) the health checks the server logs.
    await waitUntil(async () => /hello-node listening|GET \/health 200/.test(await panelText(page)), {
      timeoutMs: 30_000, what: 'the output channel to show the server log',
    });
    await screenshot(page, `${shots}server-logs`);
  });

  it('opens a terminal that follows the log', async () => {
    const { page, shots } = ctx();
    await runCommand(page, 'Runlens: Follow Logs in Terminal');
    await page.locator('.part.panel .terminal-tabs-entry, .part.panel .single-terminal-tab, .part.panel [aria-label*="Runlens: hello"]').first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    // Health checks run every 2 s and the server logs each with its time: newer lines keep arriving.
    const latest = async () => ((await terminalText(page)).match(/\d{4}-\d\d-\d\dT[\d:.]+Z(?= GET \/health 200)/g) ?? []).sort().at(-1);
    const first = await waitUntil(latest, { timeoutMs: 30_000, what: 'log lines in the terminal' });
    await waitUntil(async () => ((await latest()) ?? '') > first, { timeoutMs: 30_000, what: 'a new live line in the terminal' });
    await screenshot(page, `${shots}server-terminal`);
  });

  it('keeps the log terminal open across a restart and marks the new run', async () => {
    const { page, shots } = ctx();
    // Runs are told apart by id: the terminal may have scrolled the first run's separator away.
    const runs = async () => new Set([...(await terminalText(page)).matchAll(/── run (\S+) started/g)].map((m) => m[1]));
    const before = await runs();
    await runCommand(page, 'Runlens: Restart Server');
    await waitUntil(async () => [...(await runs())].some((id) => !before.has(id)) || undefined, {
      timeoutMs: 60_000, what: "the new run's separator in the terminal",
    });
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 60_000 });
    await screenshot(page, `${shots}server-restarted-terminal`);
  });

  it('lists both runs under the server in the Servers view, the current one marked', async () => {
    const { page, shots } = ctx();
    await runCommand(page, 'Runlens: Focus on Servers View');
    const server = page.locator('.pane-body .monaco-list-row', { hasText: 'hello' }).first();
    await server.waitFor({ state: 'visible', timeout: 30_000 });
    if ((await server.getAttribute('aria-expanded')) !== 'true') await server.locator('.monaco-tl-twistie').click();
    const runRows = page.locator('.pane-body .monaco-list-row', { hasText: /^run \d{8}T\d{6}-/ });
    const texts = await waitUntil(async () => {
      const all = await runRows.allInnerTexts();
      return all.length >= 2 && all.some((t) => /current/.test(t)) && all.some((t) => /stopped after/.test(t)) ? all : undefined;
    }, { timeoutMs: 30_000, what: 'two runs under the server, one current and one stopped' });
    console.log(`      runs shown: ${texts.map((t) => t.replace(/\s+/g, ' ')).join(' | ')}`);
    await screenshot(page, `${shots}server-runs`);
  });
}
