/**
 * End-to-end harness: runs the built extension in a real VS Code (code-server) and drives it from
 * Chromium through playwright-core. Each code-server gets its own user-data and extensions dirs,
 * so runs never share editor state.
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

interface Manifest {
  publisher: string;
  name: string;
  version: string;
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

/** `publisher.name`, as VS Code identifies the extension. */
export const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
/** The DOM id VS Code gives the status bar item: `<extension id>.<item id>`. */
export const STATUS_ITEM_DOM_ID = `${EXTENSION_ID}.runlens.status`;

/** Settings that keep the workbench quiet and deterministic: no welcome page, tips, or trust prompt. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'code-server-settings.json'), 'utf8'),
) as Record<string, unknown>;

export function codeServerBinary(): string {
  const tools = process.env.RUNLENS_TOOLS ?? path.join(os.homedir(), '.cache', 'runlens-tools');
  return path.join(tools, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
}

export interface CodeServerOptions {
  /** The folder code-server opens. */
  workspace: string;
  /** RUNLENS_HOME for the extension host (and so for the daemon it starts). */
  runlensHome: string;
  /** The built extension folder (package.json + dist/); defaults to the repository root. */
  extensionDir?: string;
  /** A packaged .vsix to install with `code-server --install-extension` instead of `extensionDir`. */
  vsix?: string;
  /** Extra settings merged over QUIET_SETTINGS. */
  settings?: Record<string, unknown>;
  /** How long to wait for code-server to answer HTTP. */
  startTimeoutMs?: number;
}

export interface CodeServerLogs {
  /** code-server's own stdout and stderr so far. */
  output(): string;
  /** The editor's log files (extension host, Runlens output channel...) under the user-data dir. */
  files(): { file: string; text: string }[];
  /** Everything above as one text, for a failure report. */
  dump(): string;
}

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  logs: CodeServerLogs;
  /** Kills code-server's process group and removes its temp dirs. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = codeServerBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} is not installed (looked for ${bin}); run scripts/install-code-server.sh first`,
    );
  }
  const extensionDir = path.resolve(opts.extensionDir ?? REPO_ROOT);
  if (!opts.vsix && !fs.existsSync(path.join(extensionDir, 'dist', 'extension.js'))) {
    throw new Error(`no built extension in ${extensionDir}/dist; run 'npm run build' first`);
  }

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runlens-e2e-cs-'));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const configFile = path.join(root, 'config.yaml');
  let child: child_process.ChildProcess | undefined;
  try {
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...QUIET_SETTINGS, ...opts.settings }, null, 2),
    );
    if (opts.vsix) installVsix(bin, opts.vsix, userDataDir, extensionsDir);
    else installExtension(extensionDir, extensionsDir);
    // An own config file, so the user's ~/.config/code-server/config.yaml is neither read nor created.
    fs.writeFileSync(configFile, 'auth: none\ncert: false\n');

    const port = await freePort();
    const args = [
      '--config', configFile,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      opts.workspace,
    ];
    const output: string[] = [];
    const proc = child_process.spawn(bin, args, {
      // Own process group: stop() kills code-server together with its extension host.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...editorFreeEnv(), RUNLENS_HOME: opts.runlensHome },
    });
    child = proc;
    proc.stdout.on('data', (b: Buffer) => output.push(b.toString()));
    proc.stderr.on('data', (b: Buffer) => output.push(b.toString()));
    let spawnError: Error | undefined;
    proc.once('error', (err) => {
      spawnError = err;
      output.push(`spawn error: ${err.message}\n`);
    });
    const exited = new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.once('error', () => resolve());
    });

    const url = `http://127.0.0.1:${port}`;
    const logs: CodeServerLogs = {
      output: () => output.join(''),
      files: () => readLogFiles(path.join(userDataDir, 'logs')),
      dump: () =>
        [`--- code-server output ---\n${logs.output()}`, ...logs.files().map((f) => `--- ${f.file} ---\n${f.text}`)].join('\n'),
    };
    await waitUntil(
      async () => {
        if (spawnError) throw new Error(`could not start ${bin}: ${spawnError.message}`);
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`code-server exited (${proc.exitCode ?? proc.signalCode}) before answering:\n${logs.output()}`);
        }
        return (await httpStatus(`${url}/healthz`)) === 200;
      },
      { timeoutMs: opts.startTimeoutMs ?? 60_000, intervalMs: 100, what: `code-server to answer on ${url}` },
    );
    const pid = proc.pid!;

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        try {
          await killGroup(pid, proc, exited);
        } finally {
          fs.rmSync(root, { recursive: true, force: true });
        }
      })();
      return stopped;
    };
    return { url, port, pid, userDataDir, extensionsDir, logs, stop };
  } catch (err) {
    if (child?.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Installs the extension as `<publisher>.<name>-<version>`: a symlink to the built folder, or a copy
 * of its package.json and dist/ where symlinks are not allowed. code-server writes extensions.json
 * itself on first start, from the folders it finds.
 */
function installExtension(extensionDir: string, extensionsDir: string): void {
  fs.mkdirSync(extensionsDir, { recursive: true });
  const target = path.join(extensionsDir, `${EXTENSION_ID}-${manifest.version}`);
  try {
    fs.symlinkSync(extensionDir, target, 'dir');
  } catch {
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(path.join(extensionDir, 'package.json'), path.join(target, 'package.json'));
    fs.cpSync(path.join(extensionDir, 'dist'), path.join(target, 'dist'), { recursive: true });
  }
}

/** Installs a packaged extension the way a user would, into this run's own extensions dir. */
function installVsix(bin: string, vsix: string, userDataDir: string, extensionsDir: string): void {
  fs.mkdirSync(extensionsDir, { recursive: true });
  const args = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix];
  const out = child_process.execFileSync(bin, args, { env: editorFreeEnv(), timeout: 120_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (!fs.existsSync(path.join(extensionsDir, `${EXTENSION_ID}-${manifest.version}`, 'package.json'))) {
    throw new Error(`code-server --install-extension ${vsix} did not install ${EXTENSION_ID}:\n${out}`);
  }
}

/** Our environment minus variables that would tie code-server to an editor this process runs in. */
function editorFreeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  return env;
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function killGroup(pid: number, child: child_process.ChildProcess, exited: Promise<void>): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  // The whole group must go (the extension host too), not just the process we spawned.
  const gone = async (): Promise<boolean> => {
    if (child.exitCode === null && child.signalCode === null) return false;
    return !signalGroup(pid, 0);
  };
  try {
    await waitUntil(gone, { timeoutMs: 5_000, intervalMs: 50, what: 'code-server to exit' });
  } catch {
    signalGroup(pid, 'SIGKILL');
    await waitUntil(gone, { timeoutMs: 5_000, intervalMs: 50, what: 'code-server to exit after SIGKILL' });
  }
  await exited;
}

function readLogFiles(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.log')) out.push({ file: path.relative(dir, p), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Completes the timeout message: "timed out after N ms waiting for <what>". */
  what: string;
}

/** Polls `check` until it returns a value other than false/undefined; errors it throws stop the wait. */
export async function waitUntil<T>(check: () => Promise<T | false | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

export interface Workbench {
  browser: Browser;
  page: Page;
  /** Console errors the page logged, for a failure report. */
  consoleErrors: string[];
  close(): Promise<void>;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Opens `folder` in code-server at `url` in headless Chromium; resolves once the workbench is rendered. */
export async function openWorkbench(url: string, folder: string, timeoutMs = 60_000): Promise<Workbench> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`, { timeout: timeoutMs });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    return { browser, page, consoleErrors, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** The Runlens status bar item (the element carrying its accessible label). */
export function statusItem(page: Page): Locator {
  return page.locator(`.part.statusbar [id="${STATUS_ITEM_DOM_ID}"]`);
}

/** The status bar item's accessible label now, or undefined while the item is not rendered. */
export async function statusLabel(page: Page): Promise<string | undefined> {
  const label = await page.evaluate(
    (id) => document.getElementById(id)?.getAttribute('aria-label') ?? null,
    STATUS_ITEM_DOM_ID,
  );
  return label ?? undefined;
}

/** Waits until the status bar label matches `pattern` (and `accept`, if given); returns the match. */
export async function waitForStatusLabel(
  page: Page,
  pattern: RegExp,
  opts: { timeoutMs: number; accept?: (m: RegExpMatchArray) => boolean; intervalMs?: number },
): Promise<RegExpMatchArray> {
  let last: string | undefined;
  try {
    return await waitUntil(
      async () => {
        last = await statusLabel(page);
        const m = last?.match(pattern);
        return m && (!opts.accept || opts.accept(m)) ? m : undefined;
      },
      { timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs ?? 25, what: `the Runlens status label to match ${pattern}` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last label: ${last === undefined ? '(no item)' : JSON.stringify(last)}`);
  }
}

/** Runs a command by its palette title (e.g. 'Runlens: Show Daemon Log') through F1. */
export async function runCommand(page: Page, title: string, timeoutMs = 15_000): Promise<void> {
  // The palette needs keyboard focus inside the workbench; the editor area is a neutral spot.
  await page.locator('.monaco-workbench .part.editor').click({ timeout: timeoutMs });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(`>${title}`);
  // Fuzzy matching may rank a longer title first ('Restart Server' for 'Start Server'): pick the
  // row whose label is exactly the title.
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
  await exact.waitFor({ state: 'visible', timeout: timeoutMs });
  await exact.click();
  await input.waitFor({ state: 'hidden', timeout: timeoutMs });
}

/** An editor tab by its file name. */
export function editorTab(page: Page, name: string): Locator {
  return page.locator(`.part.editor .tabs-container .tab[data-resource-name="${name.replace(/["\\]/g, '\\$&')}"]`);
}

/** Saves a PNG of the page as test-results/e2e/<name>.png (or at `name`, if absolute); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const withExt = name.endsWith('.png') ? name : `${name}.png`;
  const file = path.isAbsolute(withExt) ? withExt : path.join(RESULTS_DIR, withExt);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  return file;
}

export interface ActivationTimes {
  /** activate() called → its promise resolved. */
  activateMs: number;
  /** The extension's code started to run → activate() resolved. */
  sinceLoadMs: number;
}

/** The activation figures the extension writes to its Runlens log channel. */
export async function activationTimes(logs: CodeServerLogs, timeoutMs = 30_000): Promise<ActivationTimes> {
  const pattern = /activated in ([\d.]+) ms \(([\d.]+) ms since the code loaded\)/;
  return waitUntil(
    async () => {
      for (const f of logs.files()) {
        const m = pattern.exec(f.text);
        if (m) return { activateMs: Number(m[1]), sinceLoadMs: Number(m[2]) };
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 200, what: "the Runlens log channel's activation line" },
  );
}
