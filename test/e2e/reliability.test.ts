/**
 * The editor side of reliability, in a real code-server: the extension host reloaded (Developer:
 * Reload Window) while a server runs keeps the server (same pid), shows it healthy again and
 * streams its log; two windows on the same workspace share one daemon, list the same server, and
 * a stop in one is seen in the other.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { daemonPids } from '../integration/helpers';
import {
  REPO_ROOT, openWorkbench, runCommand, screenshot, startCodeServer, waitForStatusLabel, waitUntil,
  type CodeServer, type Workbench,
} from './codeServer';
import { printLogsIfFailed, runlensCli, tearDown } from './failureLogs';
import { panelText } from './workbenchText';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'hello-node');

async function serverPid(home: string): Promise<number | undefined> {
  const ps = JSON.parse(await runlensCli(home, ['ps', '--json'])) as { servers: { name: string; pid?: number; state?: string }[] };
  return ps.servers.find((s) => s.name === 'hello')?.pid;
}

/** The newest health-check time the output channel shows (the example logs each check with its time). */
async function newestLogTime(page: Page): Promise<string | undefined> {
  return ((await panelText(page)).match(/\d{4}-\d\d-\d\dT[\d:.]+Z(?= GET \/health 200)/g) ?? []).sort().at(-1);
}

/** Opens the server's log channel and waits until a line newer than the first one seen arrives. */
async function assertLogStreams(page: Page): Promise<void> {
  await runCommand(page, 'Runlens: Show Logs');
  const first = await waitUntil(() => newestLogTime(page), { timeoutMs: 30_000, what: 'health-check lines in the log channel' });
  await waitUntil(async () => ((await newestLogTime(page)) ?? '') > first || undefined, { timeoutMs: 30_000, what: 'a new live line in the log channel' });
}

describe('reliability in code-server', function () {
  this.timeout(300_000);
  let workspace: string;
  let home: string;
  let server: CodeServer | undefined;
  let first: Workbench | undefined;
  let second: Workbench | undefined;

  before(async function () {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-rel-'));
    fs.cpSync(EXAMPLE, workspace, { recursive: true });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-relhome-'));
    server = await startCodeServer({ workspace, runlensHome: home });
    first = await openWorkbench(server.url, workspace);
  });

  afterEach(function () {
    printLogsIfFailed(this, { server, workbench: first, home });
  });

  after(async function () {
    this.timeout(60_000);
    await tearDown({ workbenches: [second, first], server, home, project: workspace, remove: [workspace, home] });
  });

  it('keeps a running server across a window reload: same pid, healthy again, log still streaming', async () => {
    const { page } = first!;
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 60_000 });
    await runCommand(page, 'Runlens: Start Server');
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 120_000 });
    const pid = await serverPid(home);
    assert.ok(pid, 'the CLI reports the running server');
    const [daemon] = daemonPids(home);

    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await runCommand(page, 'Developer: Reload Window');
    await reloaded;
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 60_000 });
    assert.equal(await serverPid(home), pid, 'the server process survived the reload');
    assert.deepEqual(daemonPids(home), [daemon], 'the same daemon serves the reloaded window');
    await assertLogStreams(page);
    await screenshot(page, 'reliability-after-reload');
    console.log(`      reload: server pid ${pid} kept, daemon pid ${daemon} kept`);
  });

  it('shows the same server in two windows on one workspace, sees a stop from the other, and runs one daemon', async () => {
    second = await openWorkbench(server!.url, workspace);
    await waitForStatusLabel(second.page, /^Runlens: 1\/1 healthy/, { timeoutMs: 60_000 });
    await waitForStatusLabel(first!.page, /^Runlens: 1\/1 healthy/, { timeoutMs: 10_000 });
    assert.equal(daemonPids(home).length, 1, 'both windows share one daemon');

    await runCommand(second.page, 'Runlens: Stop Server');
    await waitForStatusLabel(second.page, /^Runlens: 0\/1 healthy/, { timeoutMs: 30_000 });
    const seenAt = Date.now();
    await waitForStatusLabel(first!.page, /^Runlens: 0\/1 healthy/, { timeoutMs: 10_000 });
    console.log(`      stop seen in the other window ${Date.now() - seenAt} ms after the stopping window showed it`);
    assert.equal(await serverPid(home), undefined, 'the server is stopped');
    assert.equal(daemonPids(home).length, 1, 'still one daemon');
    await screenshot(first!.page, 'reliability-two-windows');
  });
});
