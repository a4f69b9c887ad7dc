/**
 * The server journey in a real VS Code: start the example server from the command palette, see the
 * status bar reach 1/1 healthy, read its logs, kill it from outside and see the error state and the
 * notification, then stop it.
 */
import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  REPO_ROOT, openWorkbench, runCommand, screenshot, startCodeServer, waitForStatusLabel, waitUntil,
  type CodeServer, type Workbench,
} from './codeServer';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'hello-node');
const CLI = path.join(REPO_ROOT, 'bin', 'runlens');

function cli(home: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    child_process.execFile(process.execPath, [CLI, ...args], { env: { ...process.env, RUNLENS_HOME: home }, timeout: 60_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout));
  });
}

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
    server = await startCodeServer({ workspace, runlensHome: home });
    workbench = await openWorkbench(server.url, workspace);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    if (server) console.log(server.logs.dump());
    const log = path.join(home, 'daemon.log');
    if (fs.existsSync(log)) console.log(`--- ${log} ---\n${fs.readFileSync(log, 'utf8')}`);
  });

  after(async function () {
    this.timeout(60_000);
    await workbench?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await cli(home, ['down', '--project', workspace]).catch(() => undefined);
    await cli(home, ['daemon', 'stop']).catch(() => undefined);
  });

  it('lists the configured server as 0/1 healthy before it ever ran', async () => {
    await waitForStatusLabel(workbench!.page, /^Runlens: 0\/1 healthy/, { timeoutMs: 60_000 });
  });

  it("starts the server from the palette and reaches '1/1 healthy'", async () => {
    const { page } = workbench!;
    await runCommand(page, 'Runlens: Start Server');
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 120_000 });
    assert.match((await page.locator('.part.statusbar [id$="runlens.status"]').innerText()).trim(), /1\/1 healthy/);
    await screenshot(page, 'server-healthy');
  });

  it('shows the server log in an output channel', async () => {
    const { page } = workbench!;
    await runCommand(page, 'Runlens: Show Logs');
    // The editor renders spaces as no-break spaces.
    const panelText = async () => (await page.locator('.part.panel').innerText().catch(() => '')).replace(/\u00a0/g, ' ');
    await waitUntil(async () => (await panelText()).includes('hello-node listening'), {
      timeoutMs: 30_000, what: 'the output channel to show the server log',
    });
    await screenshot(page, 'server-logs');
  });

  it('opens a terminal that follows the log', async () => {
    const { page } = workbench!;
    await runCommand(page, 'Runlens: Follow Logs in Terminal');
    await page.locator('.part.panel .terminal-tabs-entry, .part.panel .single-terminal-tab, .part.panel [aria-label*="Runlens: hello"]').first()
      .waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, 'server-terminal');
  });

  it('turns the status bar to the error state within a second of a crash, and notifies', async () => {
    const { page } = workbench!;
    const ps = JSON.parse(await cli(home, ['ps', '--json'])) as { servers: { name: string; pid?: number }[] };
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
});
