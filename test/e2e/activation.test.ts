/**
 * The extension in a real VS Code: it activates on a runlens.json workspace, connects to a daemon
 * that the CLI sees too, replaces a killed daemon quickly, and opens the daemon log on command.
 */
import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  REPO_ROOT,
  editorTab,
  openWorkbench,
  runCommand,
  screenshot,
  startCodeServer,
  statusItem,
  waitForStatusLabel,
  waitUntil,
  type CodeServer,
  type Workbench,
} from './codeServer';
import { printLogsIfFailed } from './failureLogs';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspaces', 'basic');
const CLI = path.join(REPO_ROOT, 'bin', 'runlens');
// The label names the daemon's pid whether or not servers are listed beside it.
const CONNECTED = /^Runlens: .*daemon (?:connected, )?pid (\d+)$/;
const RECONNECT_BUDGET_MS = 3_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(home: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    child_process.execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, RUNLENS_HOME: home }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : undefined) : 0;
        if (code === undefined) reject(err ?? new Error('no exit code'));
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

async function daemonStatusPid(home: string): Promise<number> {
  const r = await runCli(home, ['daemon', 'status', '--json']);
  assert.equal(r.code, 0, `'runlens daemon status' exited ${r.code}: ${r.stdout}${r.stderr}`);
  const status = JSON.parse(r.stdout) as { running: boolean; daemon?: { pid?: number } };
  assert.equal(status.running, true);
  assert.equal(typeof status.daemon?.pid, 'number', `no daemon pid in ${r.stdout}`);
  return status.daemon!.pid!;
}

/** Whether `pid` runs; a zombie (exited, not yet reaped by its new parent) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('extension in code-server', function () {
  this.timeout(120_000);

  let workspace: string;
  let home: string;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let firstPid: number | undefined;
  const daemonPids = new Set<number>();

  before(async function () {
    this.timeout(180_000);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-ws-'));
    fs.cpSync(FIXTURE, workspace, { recursive: true });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-home-'));
    server = await startCodeServer({ workspace, runlensHome: home });
    try {
      workbench = await openWorkbench(server.url, workspace);
    } catch (err) {
      console.log(`\n[e2e] the workbench did not open; logs follow\n${server.logs.dump()}`);
      throw err;
    }
  });

  afterEach(function () {
    printLogsIfFailed(this, { server, workbench, home });
  });

  after(async function () {
    this.timeout(60_000);
    const problems: string[] = [];
    await workbench?.close().catch((err: unknown) => problems.push(`closing the browser: ${String(err)}`));
    // code-server first: a live extension would start a new daemon as soon as this one stops.
    await server?.stop().catch((err: unknown) => problems.push(`stopping code-server: ${String(err)}`));
    if (home) {
      const r = await runCli(home, ['daemon', 'stop']);
      if (r.code !== 0) problems.push(`'runlens daemon stop' exited ${r.code}: ${r.stdout}${r.stderr}`);
      for (const pid of daemonPids) {
        if (isAlive(pid)) {
          problems.push(`daemon pid ${pid} still running after 'runlens daemon stop'; killed it`);
          process.kill(pid, 'SIGKILL');
        }
      }
      fs.rmSync(home, { recursive: true, force: true });
    }
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    if (problems.length) throw new Error(problems.join('\n'));
  });

  it('shows the status bar item, connected to the daemon the CLI reports', async function () {
    const { page } = workbench!;
    await statusItem(page).waitFor({ state: 'visible', timeout: 60_000 });
    const m = await waitForStatusLabel(page, CONNECTED, { timeoutMs: 60_000 });
    const pid = Number(m[1]);
    daemonPids.add(pid);
    assert.equal(await daemonStatusPid(home), pid, 'the status bar and the CLI disagree on the daemon pid');
    assert.match((await statusItem(page).innerText()).trim(), /^(Runlens|\d+\/\d+ healthy)$/);
    await screenshot(page, 'activation');
    firstPid = pid;
  });

  it(`replaces a SIGKILLed daemon within ${RECONNECT_BUDGET_MS} ms`, async function () {
    assert.ok(firstPid, 'needs the connected daemon from the previous test');
    const { page } = workbench!;
    const killedAt = Date.now();
    process.kill(firstPid, 'SIGKILL');
    const m = await waitForStatusLabel(page, CONNECTED, {
      timeoutMs: 30_000,
      accept: (match) => Number(match[1]) !== firstPid,
    });
    const tookMs = Date.now() - killedAt;
    const newPid = Number(m[1]);
    daemonPids.add(newPid);
    console.log(`      reconnected to daemon pid ${newPid} ${tookMs} ms after SIGKILL of pid ${firstPid}`);
    assert.ok(!isAlive(firstPid), `killed daemon pid ${firstPid} is still alive`);
    assert.ok(tookMs < RECONNECT_BUDGET_MS, `reconnecting took ${tookMs} ms (budget ${RECONNECT_BUDGET_MS} ms)`);
    assert.equal(await daemonStatusPid(home), newPid, 'the status bar and the CLI disagree on the new daemon pid');

    const log = fs.readFileSync(path.join(home, 'daemon.log'), 'utf8');
    const takeover = log.split('\n').find((line) => line.includes(`[pid ${newPid}]`) && /\b(stale|killed)\b/.test(line));
    assert.ok(takeover, `daemon.log does not explain the takeover by pid ${newPid}:\n${log}`);
    console.log(`      daemon.log: ${takeover}`);
    // The recovery is announced as a warning; no error toast may claim the connection failed.
    const errors = await page.locator('.notification-toast').filter({ has: page.locator('.codicon-error') }).allInnerTexts();
    assert.deepEqual(errors.map((t) => t.replace(/\s+/g, ' ')), [], 'error notifications after the takeover');
    await screenshot(page, 'reconnected');
  });

  it("opens daemon.log with 'Runlens: Show Daemon Log'", async function () {
    const { page } = workbench!;
    await runCommand(page, 'Runlens: Show Daemon Log');
    const tab = editorTab(page, 'daemon.log');
    await tab.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await tab.getAttribute('aria-selected'), 'true');
    // The breadcrumbs show the file's folder: it must be this run's RUNLENS_HOME.
    await waitUntil(
      async () => (await page.locator('.part.editor .breadcrumbs-control').first().innerText()).includes(path.basename(home)),
      { timeoutMs: 10_000, what: `breadcrumbs naming ${path.basename(home)}` },
    );
    await screenshot(page, 'daemon-log');
  });
});
