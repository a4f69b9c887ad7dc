// `npm run demo`: builds the extension and opens examples/hello-node in a real VS Code (code-server)
// with Runlens installed, served on 127.0.0.1. Runs until Ctrl-C, then stops code-server and the daemon.
// State lives in .runlens-demo/ (gitignored): RUNLENS_HOME, the editor's user data, code-server's log.
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const CODE_SERVER_VERSION = '4.100.3';
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const demoDir = path.join(repo, '.runlens-demo');
const home = path.join(demoDir, 'home');
const userDataDir = path.join(demoDir, 'user-data');
const extensionsDir = path.join(demoDir, 'extensions');
const configFile = path.join(demoDir, 'config.yaml');
const logFile = path.join(demoDir, 'code-server.log');
const workspace = path.join(repo, 'examples', 'hello-node');
const tools = process.env.RUNLENS_TOOLS ?? path.join(os.homedir(), '.cache', 'runlens-tools');
const codeServer = path.join(tools, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');

// The same quiet workbench settings the e2e harness uses: no welcome page, tips or trust prompt.
const QUIET_SETTINGS = JSON.parse(fs.readFileSync(path.join(repo, 'scripts', 'code-server-settings.json'), 'utf8'));

function run(cmd, args, env = process.env) {
  const r = child_process.spawnSync(cmd, args, { cwd: repo, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`Runlens demo: '${[cmd, ...args].join(' ')}' failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function pickPort(first) {
  for (let port = first; port < first + 50; port++) {
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port in ${first}..${first + 49}; set RUNLENS_DEMO_PORT`);
}

function httpOk(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

function stopDaemon() {
  child_process.spawnSync(process.execPath, [path.join(repo, 'bin', 'runlens'), 'daemon', 'stop'], {
    cwd: repo,
    stdio: 'inherit',
    env: { ...process.env, RUNLENS_HOME: home },
  });
}

// 1. Build, and install code-server when missing.
// A fresh clone has nothing installed yet: setup installs what is missing and skips the rest.
if (!fs.existsSync(path.join(repo, 'node_modules')) || !fs.existsSync(codeServer)) run('bash', [path.join(repo, 'scripts', 'setup.sh'), '--demo']);
run(process.execPath, ['esbuild.mjs']);

// 2. Editor state: quiet settings (kept if already there) and the extension as a symlink to the repo.
fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
const settingsFile = path.join(userDataDir, 'User', 'settings.json');
if (!fs.existsSync(settingsFile)) fs.writeFileSync(settingsFile, JSON.stringify(QUIET_SETTINGS, null, 2));
// Recreated each run, so an old version's folder never lingers next to the current one.
fs.rmSync(extensionsDir, { recursive: true, force: true });
fs.mkdirSync(extensionsDir, { recursive: true });
const installed = path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
try {
  fs.symlinkSync(repo, installed, 'dir');
} catch {
  fs.mkdirSync(installed);
  fs.copyFileSync(path.join(repo, 'package.json'), path.join(installed, 'package.json'));
  fs.cpSync(path.join(repo, 'dist'), path.join(installed, 'dist'), { recursive: true });
}
fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
fs.mkdirSync(home, { recursive: true, mode: 0o700 });

// 3. Start code-server in its own process group, so stopping it takes its extension host along.
const port = await pickPort(Number(process.env.RUNLENS_DEMO_PORT ?? 8080));
const env = { ...process.env, RUNLENS_HOME: home };
for (const key of Object.keys(env)) if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
const out = fs.openSync(logFile, 'w');
const child = child_process.spawn(
  codeServer,
  [
    '--config', configFile,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    workspace,
  ],
  { detached: true, stdio: ['ignore', out, out], env },
);
fs.closeSync(out);

let stopping = false;
const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

async function shutdown(exitCode) {
  if (stopping) return;
  stopping = true;
  console.log('\nRunlens demo: stopping code-server and the Runlens daemon…');
  const signal = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  // Stop code-server first: its extension host would otherwise start a new daemon right away.
  stopDaemon();
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
void exited.then(({ code, signal }) => {
  if (stopping) return;
  console.error(`Runlens demo: code-server exited (${code ?? signal}); last output from ${logFile}:\n${tail(logFile)}`);
  stopping = true;
  stopDaemon();
  process.exit(1);
});

// 4. Wait for it to answer, then tell the user where to go.
const url = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 60_000;
let up = false;
while (!stopping && !(up = await httpOk(`${url}/healthz`)) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 200));
}
if (!up && !stopping) {
  console.error(`Runlens demo: code-server did not answer on ${url} within 60 s; see ${logFile}:\n${tail(logFile)}`);
  await shutdown(1);
}
if (up && !stopping) {
  const folderParam = encodeURIComponent(workspace).replace(/%2F/g, '/');
  console.log('');
  console.log(`Runlens demo: open ${url}/?folder=${folderParam}`);
  console.log('');
  console.log(`  workspace     ${workspace}`);
  console.log(`  RUNLENS_HOME  ${home}`);
  console.log(`  editor log    ${logFile}`);
  console.log('  Press Ctrl-C to stop code-server and the daemon.');
}
