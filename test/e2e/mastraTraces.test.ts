/**
 * The Mastra journey in a real VS Code: the mastra-agent example is started from the palette (its
 * first start builds it with `mastra build`, a few minutes), its `text-report` workflow runs over
 * Mastra's HTTP API, and the traces panel lists the workflow's trace; opened, the waterfall shows
 * Mastra's span types (workflow_run, workflow_step, tool_call) and the tool call's detail shows
 * Mastra's fields (type, entity, input and output previews). Screenshots in dark and light themes.
 */
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { runTextReport } from '../integration/mastraWorkflow';
import { runCommand, screenshot, waitForStatusLabel, waitUntil } from './codeServer';
import { ExampleWorkspace } from './exampleWorkspace';
import { runlensCli } from './failureLogs';
import { panelFrame, setTheme } from './panelHelpers';
const TEXT = 'the quick fox and the lazy dog';

/** The waterfall row of the span named `name`. */
const spanRow = (frame: Frame, name: string) => frame.locator('.wf-row', { has: frame.locator('.wf-name-text', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\']/g, '\\$&')}$`) }) });

/** The detail pane's value for a row label (its AI and facts tables). */
async function detailValue(frame: Frame, label: string): Promise<string> {
  return frame.locator('.span-detail tr', { has: frame.locator('th', { hasText: new RegExp(`^${label}$`) }) }).first().locator('td').innerText();
}

describe('Mastra spans in the traces panel in code-server', function () {
  this.timeout(600_000);
  let ex: ExampleWorkspace;
  let traceId: string | undefined;

  before(async function () {
    ex = new ExampleWorkspace('mastra-agent', 'mastra');
    await ex.open({ 'workbench.colorTheme': 'Default Dark Modern' });
  });

  afterEach(function () {
    ex.printLogsIfFailed(this);
  });

  after(async function () {
    // A graceful stop of the server, then removing the build's node_modules.
    this.timeout(120_000);
    await ex?.close();
  });

  it('builds and starts the Mastra example from the palette and runs its workflow', async () => {
    const { page } = ex.workbench!;
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 60_000 });
    await runCommand(page, 'Runlens: Start Server');
    // The first start installs and runs `mastra build`.
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 480_000, intervalMs: 500 });
    const ps = JSON.parse(await runlensCli(ex.home, ['ps', '--json'])) as { servers: { name: string; port?: number }[] };
    const port = ps.servers.find((s) => s.name === 'mastra-agent')?.port ?? 0;
    assert.ok(port > 0, 'the server has a port');
    const run = await runTextReport(port, TEXT);
    assert.equal(run.status, 'success', JSON.stringify(run));
    assert.equal(run.result?.report, '7 words, 30 characters, most frequent: "the"');
    traceId = run.traceId;
  });

  it("opens the workflow's trace: the waterfall shows Mastra's span types, the detail its fields", async () => {
    const { page } = ex.workbench!;
    await runCommand(page, 'Runlens: Open Traces');
    const frame = await panelFrame(page, 'traces-root');
    // The exporter sends its batch up to 5 s after the first span; the list refreshes every 2 s.
    const row = frame.locator(traceId ? `[role=row][data-trace-id="${traceId}"]` : `[role=row][aria-label^="workflow run: 'text-report'"]`).first();
    await row.waitFor({ state: 'visible', timeout: 90_000 });
    await screenshot(page, 'mastra-traces-list-dark');
    await row.click();

    const expected: [string, string][] = [
      ["workflow run: 'text-report'", 'workflow_run'],
      ["workflow step: 'measure'", 'workflow_step'],
      ["tool: 'word-stats'", 'tool_call'],
      ["workflow step: 'report'", 'workflow_step'],
    ];
    for (const [name, type] of expected) {
      const r = spanRow(frame, name);
      await r.waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await r.locator('.wf-type').innerText(), type, `the type badge of ${name}`);
    }
    // Parent before child, each a level deeper: run → step → tool call.
    const levels = await Promise.all(expected.map(([name]) => spanRow(frame, name).getAttribute('aria-level')));
    assert.deepEqual(levels, ['1', '2', '3', '2']);

    await spanRow(frame, "tool: 'word-stats'").locator('.wf-name-text').click();
    await frame.locator('.span-detail h2', { hasText: "tool: 'word-stats'" }).waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await detailValue(frame, 'Type'), 'tool_call');
    assert.equal(await detailValue(frame, 'Entity'), 'tool');
    assert.equal(await detailValue(frame, 'Entity id'), 'word-stats');
    assert.equal(await detailValue(frame, 'Service'), 'mastra-agent');
    const previews = await frame.locator('.span-detail .preview-block').allInnerTexts();
    assert.ok(previews.some((p) => p.startsWith('Input') && p.includes(TEXT)), `an input preview with the text: ${previews.join(' | ')}`);
    assert.ok(previews.some((p) => p.startsWith('Output') && p.includes('"topWord":"the"')), `an output preview with the stats: ${previews.join(' | ')}`);
    await screenshot(page, 'mastra-waterfall-dark');
    await setTheme(page, 'Default Light Modern');
    await screenshot(page, 'mastra-waterfall-light');

    await spanRow(frame, "workflow run: 'text-report'").locator('.wf-name-text').click();
    await waitUntil(async () => (await detailValue(frame, 'Type').catch(() => '')) === 'workflow_run' || undefined, { timeoutMs: 10_000, what: 'the workflow run in the detail' });
    assert.equal(await detailValue(frame, 'Entity id'), 'text-report');
    await screenshot(page, 'mastra-workflow-run-light');
  });
});
