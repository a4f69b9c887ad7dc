// `npm run demo`: builds the extension and opens the examples (otel-node, hello-node and
// mastra-agent, one multi-root workspace) in a real VS Code (code-server) with Runlens installed,
// served on 127.0.0.1. Once it answers, the examples' servers are built and started; the OTel
// example gets a little traffic every two seconds (a slow route and a failing one) and the Mastra
// example runs its workflow every ten seconds once its build (a few minutes) is done, so logs,
// traces with source links and Mastra spans, error diagnostics and metrics have something to show. Runs until Ctrl-C, then stops the servers,
// code-server and the daemon. State lives in .runlens-demo/ (gitignored): RUNLENS_HOME, the
// editor's user data, code-server's log.
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
const projects = ['otel-node', 'hello-node', 'mastra-agent'].map((name) => path.join(repo, 'examples', name));
const workspace = path.join(demoDir, 'examples.code-workspace');
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

function runlens(args, stdio = 'inherit') {
  return child_process.spawnSync(process.execPath, [path.join(repo, 'bin', 'runlens'), ...args], {
    cwd: repo, stdio, encoding: 'utf8', env: { ...process.env, RUNLENS_HOME: home },
  });
}

function runlensAsync(args) {
  return new Promise((resolve) => {
    const c = child_process.spawn(process.execPath, [path.join(repo, 'bin', 'runlens'), ...args], {
      cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUNLENS_HOME: home },
    });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.once('exit', (code) => resolve({ code, out }));
  });
}

// Servers outlive the daemon by design: stop them before it.
function stopDaemon() {
  for (const project of projects) runlens(['down', '--project', project], 'ignore');
  runlens(['daemon', 'stop']);
}

const traffic = [];

function serverPort(name) {
  const ps = JSON.parse(runlens(['ps', '--json'], 'pipe').stdout || '{"servers":[]}');
  return ps.servers.find((s) => s.name === name && s.port)?.port;
}

/** A request to the OTel example every 2 s: mostly the traced /work route, every fifth a /fail that throws. */
function sendOtelTraffic(port) {
  let n = 0;
  traffic.push(setInterval(() => {
    n++;
    const route = n % 5 === 0 ? '/fail' : `/work?n=${20_000 + (n % 7) * 15_000}`;
    http.get(`http://127.0.0.1:${port}${route}`, { timeout: 5000 }, (res) => res.resume()).once('error', () => undefined);
  }, 2000));
  console.log(`Runlens demo: sending traffic to the OTel example on port ${port}.`);
}

const TEXTS = ['the cat and the hat sat on the mat', 'to be or not to be', 'a rose is a rose is a rose'];

/** Runs the Mastra example's text-report workflow every 10 s, as Mastra 1.x's API does it: create a run, then start it. */
function runMastraWorkflow(port) {
  const base = `http://127.0.0.1:${port}/api/workflows/textReportWorkflow`;
  const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) }).then((r) => r.json());
  let n = 0;
  const once = () => post(`${base}/create-run`, {})
    .then(({ runId }) => post(`${base}/start-async?runId=${encodeURIComponent(runId)}`, { inputData: { text: TEXTS[n++ % TEXTS.length] } }))
    .catch(() => undefined);
  void once();
  traffic.push(setInterval(() => void once(), 10_000));
  console.log(`Runlens demo: running the Mastra example's workflow on port ${port} every 10 s.`);
}

/** Builds and starts each example's servers, one project after another; each gets its traffic once it runs. */
async function startExamples() {
  for (const project of projects) {
    console.log(`Runlens demo: building and starting ${path.relative(repo, project)}…`);
    const r = await runlensAsync(['up', '--project', project]);
    if (stopping) return;
    if (r.code !== 0) console.error(`Runlens demo: 'runlens up' failed for ${project}:\n${r.out.trim().split('\n').slice(-15).join('\n')}`);
    const name = path.basename(project);
    const port = serverPort(name === 'otel-node' ? 'api' : name);
    if (name === 'otel-node' && port) sendOtelTraffic(port);
    if (name === 'mastra-agent' && port) runMastraWorkflow(port);
    if ((name === 'otel-node' || name === 'mastra-agent') && !port) console.error(`Runlens demo: ${name} is not running; it gets no traffic (see its log in the editor).`);
  }
  console.log('  Try: Runlens: Show Logs · Runlens: Open Traces (open a trace, click a span\'s source link; a');
  console.log('       \'workflow run\' trace shows Mastra\'s span types) · Runlens: Open Metrics (pick');
  console.log('       http.server.request.duration, group by http.route) · the Problems view');
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
fs.writeFileSync(workspace, JSON.stringify({ folders: projects.map((p) => ({ path: p })) }, null, 2));
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
  for (const timer of traffic) clearInterval(timer);
  console.log('\nRunlens demo: stopping the servers, code-server and the Runlens daemon…');
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
  for (const timer of traffic) clearInterval(timer);
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
  const workspaceParam = encodeURIComponent(workspace).replace(/%2F/g, '/');
  console.log('');
  console.log(`Runlens demo: open ${url}/?workspace=${workspaceParam}`);
  console.log('');
  console.log(`  workspace     ${projects.map((p) => path.relative(repo, p)).join(', ')} (${workspace})`);
  console.log(`  RUNLENS_HOME  ${home}`);
  console.log(`  editor log    ${logFile}`);
  console.log('  Press Ctrl-C to stop the servers, code-server and the daemon.');
  await startExamples();
}
