/**
 * Builds in a real VS Code: Runlens: Build shows the build's steps in a progress notification whose
 * Cancel button cancels it; later builds succeed; Start From Build… asks which build and starts the
 * server from an older one (a rollback), and with runlens.logs.openOnStart its log channel opens
 * by itself. The fixture's build step waits while a hold file exists, so the test decides how long
 * a build runs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuildRecord } from '../../shared/protocol/builds';
import {
  REPO_ROOT, openWorkbench, runCommand, screenshot, startCodeServer, waitForStatusLabel, waitUntil,
  type CodeServer, type Workbench,
} from './codeServer';
import { printLogsIfFailed, runlensCli, tearDown } from './failureLogs';
import { panelText } from './workbenchText';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspaces', 'slow-build');

/** Build records as the daemon wrote them, newest first; read from disk so no client is involved. */
function builds(home: string): BuildRecord[] {
  const projects = path.join(home, 'projects');
  if (!fs.existsSync(projects)) return [];
  const out: BuildRecord[] = [];
  for (const p of fs.readdirSync(projects)) {
    const dir = path.join(projects, p, 'builds');
    if (!fs.existsSync(dir)) continue;
    for (const b of fs.readdirSync(dir)) {
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(dir, b, 'build.json'), 'utf8')) as BuildRecord);
      } catch {
        // Being written right now: the next poll reads it.
      }
    }
  }
  return out.sort((a, b) => b.id.localeCompare(a.id));
}

describe('builds in code-server', function () {
  this.timeout(240_000);
  let workspace: string;
  let home: string;
  let hold: string;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async function () {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-bld-'));
    fs.cpSync(FIXTURE, workspace, { recursive: true });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-home-'));
    hold = path.join(home, '..', `${path.basename(workspace)}.hold`);
    fs.writeFileSync(path.join(workspace, 'build-hold.json'), JSON.stringify({ path: hold }));
    server = await startCodeServer({ workspace, runlensHome: home, settings: { 'runlens.logs.openOnStart': true } });
    workbench = await openWorkbench(server.url, workspace);
  });

  afterEach(function () {
    printLogsIfFailed(this, { server, home });
  });

  after(async function () {
    this.timeout(60_000);
    fs.rmSync(hold, { force: true });
    // Builds and logs of this run are not needed after it.
    await tearDown({ workbenches: [workbench], server, home, project: workspace, remove: [workspace, home] });
  });

  it('shows a running build in a progress notification and cancels it from there', async () => {
    const { page } = workbench!;
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 60_000 });
    fs.writeFileSync(hold, 'hold');
    await runCommand(page, 'Runlens: Build');
    const toast = page.locator('.notification-toast').filter({ hasText: /Runlens: building \S+: build \(4\/5\)/ });
    await toast.first().waitFor({ state: 'visible', timeout: 60_000 });
    await screenshot(page, 'build-running');
    await toast.first().getByRole('button', { name: 'Cancel' }).click();
    const cancelled = await waitUntil(async () => builds(home).find((b) => b.status === 'cancelled'), {
      timeoutMs: 30_000, what: 'the build to be cancelled',
    });
    assert.equal(cancelled.step, 'build');
    await toast.first().waitFor({ state: 'hidden', timeout: 10_000 });
  });

  it('builds twice, then starts the server from the older build', async () => {
    const { page } = workbench!;
    fs.rmSync(hold, { force: true });
    for (let n = 1; n <= 2; n++) {
      await runCommand(page, 'Runlens: Build');
      await waitUntil(async () => builds(home).filter((b) => b.status === 'succeeded').length >= n || undefined, {
        timeoutMs: 90_000, what: `build ${n} to succeed`,
      });
    }
    const [newest, older] = builds(home).filter((b) => b.status === 'succeeded');
    assert.ok(newest && older);
    await runCommand(page, 'Runlens: Start From Build…');
    // One server, so only the build is asked for; newest first, each with its status and age.
    const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: older.id });
    await row.first().waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await row.first().innerText(), /succeeded/);
    await screenshot(page, 'start-from-build-pick');
    await row.first().click();
    await waitForStatusLabel(page, /^Runlens: 1\/1 healthy/, { timeoutMs: 60_000 });
    // No Show Logs: runlens.logs.openOnStart opened the server's channel when it started.
    await waitUntil(async () => (await panelText(page)).includes('slow-build web listening'), { timeoutMs: 30_000, what: "the server's log channel to open" });
    await screenshot(page, 'open-logs-on-start');
    const ps = JSON.parse(await runlensCli(home, ['ps', '--json'])) as { servers: { name: string; buildId?: string }[] };
    assert.equal(ps.servers.find((s) => s.name === 'web')?.buildId, older.id);
    await runCommand(page, 'Runlens: Stop Server');
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 30_000 });
  });
});
