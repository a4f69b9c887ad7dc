/**
 * The packaged extension: `npm run package` makes a .vsix, code-server installs it with
 * --install-extension into an extensions dir of its own, and the same server journey as for the
 * repository's build runs on the installed copy, whose daemon (from the .vsix, sql.js's
 * WebAssembly included) answers telemetry queries. Prints the .vsix size and the activation time
 * with the daemon already running.
 */
import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EXTENSION_ID, REPO_ROOT, activationTimes, openWorkbench, runCommand, startCodeServer, waitForStatusLabel,
  type CodeServer, type Workbench,
} from './codeServer';
import { printLogsIfFailed } from './failureLogs';
import { defineServerJourney } from './serverJourney';
import { recordNotices } from './workbenchText';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'hello-node');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = REPO_ROOT): Promise<string> {
  return new Promise((resolve, reject) => {
    child_process.execFile(cmd, args, { cwd, env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout));
  });
}

/** Names of the files in a zip archive (a .vsix), read from its central directory. */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  // The end-of-central-directory record is the last 22 bytes, unless the archive has a comment.
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, `${file} is not a zip archive`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const nameLength = buf.readUInt16LE(at + 28);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return names;
}

/** The daemon's command line, to tell which copy of the extension it runs from. */
function cmdline(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}

describe('packaged .vsix in code-server', function () {
  this.timeout(300_000);
  let tmp: string;
  let vsix: string;
  let workspace: string;
  let home: string;
  let installedCli: string | undefined;
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;

  before(async function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-vsix-'));
    vsix = path.join(tmp, 'runlens.vsix');
    await run('npm', ['run', 'package', '--', '--out', vsix]);
    workspace = path.join(tmp, 'workspace');
    fs.cpSync(EXAMPLE, workspace, { recursive: true });
    home = path.join(tmp, 'home');
  });

  afterEach(function () {
    printLogsIfFailed(this, { server, home });
  });

  after(async function () {
    this.timeout(60_000);
    await workbench?.close().catch(() => undefined);
    // The installed CLI lives in code-server's extensions dir: stop the servers with it before
    // code-server goes, and the daemon only after, or the extension would start a new one.
    const env = { ...process.env, RUNLENS_HOME: home };
    if (installedCli) await run(process.execPath, [installedCli, 'down', '--project', workspace], env).catch(() => undefined);
    await server?.stop().catch(() => undefined);
    // A read-only command: it stops the daemon without replacing it with the repository's build.
    await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'runlens'), 'daemon', 'stop'], env).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the bundles, the WebAssembly and the manifest, and no sources, tests or node_modules', async () => {
    const size = fs.statSync(vsix).size;
    console.log(`      .vsix size: ${(size / 1024).toFixed(0)} KiB`);
    // Inside a .vsix the extension's files live under extension/.
    const files = zipEntries(vsix).filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length));
    // vsce stores the README as readme.md and the licence as LICENSE.txt.
    for (const f of ['package.json', 'readme.md', 'LICENSE.txt', 'dist/extension.js', 'dist/daemon.js', 'dist/sql-wasm.wasm', 'shared/config/runlens.schema.json', 'media/runlens.svg']) {
      assert.ok(files.includes(f), `${f} is packaged`);
    }
    const unwanted = files.filter((f) => /^(node_modules|test|extension|daemon|examples|scripts|webviews)\/|\.map$|\.ts$/.test(f));
    assert.deepEqual(unwanted, []);
    assert.ok(size < 5 * 1024 * 1024, `the .vsix is ${size} bytes`);
  });

  it('installs with code-server --install-extension and activates with the daemon already running', async () => {
    server = await startCodeServer({ workspace, runlensHome: home, vsix, settings: { 'terminal.integrated.gpuAcceleration': 'off' } });
    const installed = path.join(server.extensionsDir, `${EXTENSION_ID}-${JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version}`);
    installedCli = path.join(installed, 'dist', 'cli.js');
    // The daemon from the installed copy, started before the window: activation then only connects.
    await run(process.execPath, [installedCli, 'daemon', 'start'], { ...process.env, RUNLENS_HOME: home });
    workbench = await openWorkbench(server.url, workspace);
    await recordNotices(workbench.page);
    const times = await activationTimes(server.logs);
    console.log(`      activation (packaged, daemon running): activate ${times.activateMs.toFixed(1)} ms, ${times.sinceLoadMs.toFixed(1)} ms from code load`);
    const status = JSON.parse(await run(process.execPath, [installedCli, 'daemon', 'status', '--json'], { ...process.env, RUNLENS_HOME: home })) as { daemon: { pid: number } };
    assert.ok(cmdline(status.daemon.pid).includes(installed), 'the daemon runs from the installed extension');
  });

  defineServerJourney(() => ({ page: workbench!.page, shots: 'vsix-' }));

  it('answers a telemetry query from the local store, and stops the server', async () => {
    // The local store runs on sql.js: this answers only if the WebAssembly shipped beside the daemon.
    const traces = await run(process.execPath, [installedCli!, 'traces', '--json', '--backend', 'local'], { ...process.env, RUNLENS_HOME: home });
    assert.doesNotThrow(() => JSON.parse(traces));
    const { page } = workbench!;
    await runCommand(page, 'Runlens: Stop Server');
    await waitForStatusLabel(page, /^Runlens: 0\/1 healthy/, { timeoutMs: 30_000 });
  });
});
