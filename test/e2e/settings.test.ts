/**
 * Settings in a real VS Code: a setting the daemon reads only at start says so when changed and
 * offers the restart, and the restarted daemon gets the new value; a wrong value is reported with
 * what is expected and the default used instead.
 */
import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  REPO_ROOT, editorTab, openWorkbench, runCommand, screenshot, startCodeServer, waitForStatusLabel, waitUntil,
  type CodeServer, type Workbench,
} from './codeServer';
import { printLogsIfFailed, tearDown } from './failureLogs';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspaces', 'basic');
const CLI = path.join(REPO_ROOT, 'bin', 'runlens');

/** The running daemon's pid; `daemon status` does not say hello, so it never replaces the daemon. */
function daemonPid(home: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    child_process.execFile(process.execPath, [CLI, 'daemon', 'status', '--json'], { env: { ...process.env, RUNLENS_HOME: home }, timeout: 30_000 }, (_err, stdout) => {
      try {
        resolve((JSON.parse(stdout) as { daemon?: { pid?: number } }).daemon?.pid);
      } catch {
        resolve(undefined);
      }
    });
  });
}

function environOf(pid: number): Record<string, string> {
  const entries = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('settings in code-server', function () {
  this.timeout(180_000);
  let workspace: string;
  let home: string;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let settingsFile: string;

  /** Edits the user settings.json in the editor, as a user would, and saves it. */
  async function setUserSettings(values: Record<string, unknown>): Promise<void> {
    const { page } = workbench!;
    const current = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    await runCommand(page, 'Preferences: Open User Settings (JSON)');
    await editorTab(page, 'settings.json').waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.part.editor .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify({ ...current, ...values }));
    await page.keyboard.press('Control+S');
    // The editor may be halfway through writing the file: an unparsable read means "not yet".
    const saved = (): Record<string, unknown> => {
      try {
        return JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    await waitUntil(async () => saved()[Object.keys(values)[0]!] !== undefined || undefined, {
      timeoutMs: 15_000, what: 'settings.json to be saved',
    });
  }

  before(async function () {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-set-'));
    fs.cpSync(FIXTURE, workspace, { recursive: true });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-home-'));
    // The test types settings.json: no brackets, quotes or indentation added by the editor.
    const typing = { 'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoIndent': 'none', 'editor.autoSurround': 'never' };
    server = await startCodeServer({ workspace, runlensHome: home, settings: typing });
    settingsFile = path.join(server.userDataDir, 'User', 'settings.json');
    workbench = await openWorkbench(server.url, workspace);
  });

  afterEach(function () {
    printLogsIfFailed(this, { server, home });
  });

  after(async function () {
    this.timeout(60_000);
    // Builds and logs of this run are not needed after it.
    await tearDown({ workbenches: [workbench], server, home, remove: [workspace, home] });
  });

  it('offers a daemon restart for the health interval, and the new daemon gets it', async () => {
    const { page } = workbench!;
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 60_000 });
    const before = await waitUntil(() => daemonPid(home), { timeoutMs: 30_000, what: 'the daemon to run' });
    await setUserSettings({ 'runlens.health.intervalMs': 2500 });
    const toast = page.locator('.notification-toast').filter({ hasText: 'runlens.health.intervalMs takes effect when the Runlens daemon restarts' });
    await toast.first().waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, 'settings-restart-offer');
    await toast.first().getByRole('button', { name: 'Restart Daemon' }).click();
    const after = await waitUntil(async () => {
      const pid = await daemonPid(home);
      return pid !== undefined && pid !== before ? pid : undefined;
    }, { timeoutMs: 30_000, what: 'a new daemon' });
    assert.equal(environOf(after).RUNLENS_HEALTH_INTERVAL_MS, '2500');
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 30_000 });
  });

  it('reports a wrong value with what is expected and the default it uses', async () => {
    const { page } = workbench!;
    await setUserSettings({ 'runlens.logs.bufferLines': 5 });
    const toast = page.locator('.notification-toast').filter({ hasText: 'runlens.logs.bufferLines: expected a whole number of lines from 10 to 10000 (got 5); using 1000' });
    await toast.first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.ok(await toast.first().getByRole('button', { name: 'Open Settings' }).isVisible());
    await screenshot(page, 'settings-wrong-value');
  });
});
