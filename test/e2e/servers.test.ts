/**
 * The server journey in a real VS Code: the Servers view lists the example's server, Start from the
 * command palette shows the build's steps in a progress notification and reaches 1/1 healthy, the
 * output channel and the log terminal show its lines, a restart keeps the terminal open with a
 * separator, the build log is there, a kill from outside shows the error state and the
 * notification, Stop stops it, and a broken runlens.json gets a diagnostic on the broken field.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  REPO_ROOT, openWorkbench, runCommand, screenshot, startCodeServer, waitForStatusLabel, waitUntil,
  type CodeServer, type Workbench,
} from './codeServer';
import { printLogsIfFailed, runlensCli, tearDown } from './failureLogs';
import { defineServerJourney } from './serverJourney';
import { panelText, recordNotices } from './workbenchText';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'hello-node');

describe('servers in code-server', function () {
  this.timeout(180_000);
  let workspace: string;
  let home: string;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async function () {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-srv-'));
    fs.cpSync(EXAMPLE, workspace, { recursive: true });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-home-'));
    // The DOM renderer, so the terminal's text can be read back.
    server = await startCodeServer({ workspace, runlensHome: home, settings: { 'terminal.integrated.gpuAcceleration': 'off' } });
    workbench = await openWorkbench(server.url, workspace);
    await recordNotices(workbench.page);
  });

  afterEach(function () {
    printLogsIfFailed(this, { server, home });
  });

  after(async function () {
    this.timeout(60_000);
    await tearDown({ workbenches: [workbench], server, home, project: workspace });
  });

  // The journey shared with the packaged-extension test: view, start with build progress, logs,
  // live terminal, restart.
  defineServerJourney(() => ({ page: workbench!.page, shots: '' }));

  it('shows the build log in its own channel', async () => {
    const { page } = workbench!;
    await runCommand(page, 'Runlens: Show Build Log');
    await waitUntil(async () => /\[(copy|install|verify)\]/.test(await panelText(page)), { timeoutMs: 30_000, what: 'build log lines in the output' });
    await screenshot(page, 'build-log');
  });

  it('turns the status bar to the error state within a second of a crash, and notifies', async () => {
    const { page } = workbench!;
    const ps = JSON.parse(await runlensCli(home, ['ps', '--json'])) as { servers: { name: string; pid?: number }[] };
    const pid = ps.servers.find((s) => s.name === 'hello')?.pid;
    assert.ok(pid, 'the CLI reports the running server');
    const killed = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitForStatusLabel(page, /a server crashed/, { timeoutMs: 10_000, intervalMs: 10 });
    const ms = Date.now() - killed;
    console.log(`      crash to status bar: ${ms} ms`);
    assert.ok(ms < 1000, `the status bar took ${ms} ms to show the crash`);
    const toast = page.locator('.notification-toast').filter({ hasText: 'hello crashed' });
    await toast.first().waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(await toast.first().getByRole('button', { name: 'Restart' }).isVisible());
    assert.ok(await toast.first().getByRole('button', { name: 'Show Logs' }).isVisible());
    await screenshot(page, 'server-crashed');
  });

  it('restarts on failure and stops from the palette', async () => {
    const { page } = workbench!;
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 30_000 });
    await runCommand(page, 'Runlens: Stop Server');
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 30_000 });
  });

  it('marks the broken field of runlens.json in the editor', async () => {
    const { page } = workbench!;
    const file = path.join(workspace, 'runlens.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"start": "node server.js"', '"start": "node server.js",\n      "port": "eighty"'));
    await runCommand(page, 'Runlens: Open runlens.json');
    await page.locator('.part.editor .monaco-editor .squiggly-error').first().waitFor({ state: 'visible', timeout: 30_000 });
    // The problems counter in the status bar opens the Problems view.
    await page.locator('.part.statusbar [id="status.problems"]').click();
    await waitUntil(async () => (await panelText(page)).includes('servers[0].port: expected a port number from 1 to 65535, or "auto" (got "eighty")'), {
      timeoutMs: 30_000, what: 'the runlens.json problem in the Problems view',
    });
    await screenshot(page, 'config-diagnostic');
  });
});
