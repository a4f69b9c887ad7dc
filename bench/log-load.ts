/**
 * The daemon under log load: 20 servers each writing 10,000 lines/s (~120 bytes) for a window
 * (default 30 s). Prints the daemon's RSS (peak and at the end), its CPU time over the window (the
 * steadier figure on a shared machine), how far its reading kept up (lines numbered vs lines in
 * the files), and the round trip of a `daemon/status` request sent every 50 ms, an upper bound of
 * the event loop delay a client sees. Prints figures; not a test.
 *   npx tsx bench/log-load.ts [seconds] [servers] [linesPerSecond]
 * BENCH_CPU_PROF=<dir> starts the daemon with `--cpu-prof` into that folder (the profile is
 * written when the daemon stops). BENCH_NODE_ARGS="--trace-gc …" starts it with those Node flags, its
 * output kept in <tmp>/rl-bench-daemon.out. BENCH_START_TIMEOUT_S bounds the start of all servers (default 180).
 *
 * Servers outlive the daemon by design, so every way out of this script stops them: the normal
 * path asks the daemon; if the daemon does not answer (or on Ctrl-C) every process whose working
 * directory lies in this run's temporary folder is killed.
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../shared/node/rpcClient';
import { DaemonStatusRequest, type DaemonStatusResult, type LoopDelayWindow } from '../shared/protocol/daemon';
import { LogsGetRequest } from '../shared/protocol/logs';
import { TelemetryStatsRequest } from '../shared/protocol/telemetry';
import type { StoreStats } from '../shared/telemetry/query';
import { ServersListRequest, ServersStartRequest, ServersStopRequest } from '../shared/protocol/servers';
import { statePaths } from '../shared/node/stateDir';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../shared/node/launcher';
import { DAEMON_SCRIPT, cliJson, connectClient, daemonPids, runCli, waitFor } from '../test/integration/helpers';
import { streamLineCount } from '../test/integration/serverHelpers';
import { cpuSeconds, killProcessesUnder, rssMb, withTimeout } from './support/processFigures';

const seconds = Number(process.argv[2] ?? 30);
const count = Number(process.argv[3] ?? 20);
const perSecond = Number(process.argv[4] ?? 10_000);
const startTimeoutMs = Number(process.env.BENCH_START_TIMEOUT_S ?? 180) * 1000;

function makeProject(root: string): string {
  const project = path.join(root, 'project');
  fs.mkdirSync(project);
  fs.copyFileSync(path.join(__dirname, 'support', 'steadyWriter.js'), path.join(project, 'writer.js'));
  fs.writeFileSync(path.join(project, 'package.json'), '{"name":"bench-load","version":"1.0.0","private":true}\n');
  const servers = Array.from({ length: count }, (_, i) => ({ name: `w${i}`, start: 'node writer.js', env: { LINES_PER_SECOND: String(perSecond) }, health: { path: '/' } }));
  fs.writeFileSync(path.join(project, 'runlens.json'), JSON.stringify({ servers }));
  return project;
}

async function startDaemon(home: string): Promise<void> {
  const prof = process.env.BENCH_CPU_PROF;
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if (!prof && nodeArgs.length === 0) return void (await cliJson(['daemon', 'start'], home));
  // --cpu-prof is refused in NODE_OPTIONS, so this daemon is spawned here rather than by the CLI.
  fs.mkdirSync(home, { recursive: true });
  // The launcher's flags and environment, so a run differs from a real daemon only by what is asked.
  const args = [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : []), ...DAEMON_NODE_FLAGS, ...nodeArgs, DAEMON_SCRIPT, '--home', home];
  const out = fs.openSync(path.join(home, 'daemon.out'), 'a');
  child_process.spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: daemonEnv(home) }).unref();
  fs.closeSync(out);
  await waitFor('the profiled daemon to listen', () => fs.existsSync(statePaths(home).socket), 30_000);
}

interface Window {
  rttMs: number[];
  peak: number;
  /** The daemon thread's memory when the RSS peaked. */
  atPeak: DaemonStatusResult['memory'];
  /** The local store's thread, asked when the RSS peaked (its answer may come a little later). */
  storeAtPeak: StoreStats['memory'];
  cpu: number;
  /** The daemon's own event loop delay, per 10 s window that ended inside the window. */
  loop: LoopDelayWindow[];
}

async function probe(c: MessageConnection, pid: number): Promise<Window> {
  const rttMs: number[] = [];
  let peak = 0;
  let atPeak: DaemonStatusResult['memory'];
  let storeAtPeak: StoreStats['memory'];
  let storeAsked = false;
  const loop: LoopDelayWindow[] = [];
  const cpu0 = cpuSeconds(pid);
  const begin = Date.now();
  const end = begin + seconds * 1000;
  while (Date.now() < end) {
    const t = performance.now();
    const status = await orClosed(c, c.sendRequest(DaemonStatusRequest, {}));
    rttMs.push(performance.now() - t);
    const l = status.loopDelay;
    if (l && l.startMs >= begin && l.endMs !== loop.at(-1)?.endMs) loop.push(l);
    if (rssMb(pid) > peak) {
      peak = rssMb(pid);
      atPeak = status.memory;
      // Not awaited: the store answers after the batch it is inserting, which would slow the probes.
      if (!storeAsked) {
        storeAsked = true;
        orClosed(c, c.sendRequest(TelemetryStatsRequest, {}))
          .then((stats) => (storeAtPeak = stats.stores.find((st) => st.backend === 'local')?.memory))
          .catch(() => undefined)
          .finally(() => (storeAsked = false));
      }
    }
    // Pacing of the probe, not a wait for a condition.
    await new Promise((r) => setTimeout(r, 50));
  }
  return { rttMs, peak, atPeak, storeAtPeak, cpu: cpuSeconds(pid) - cpu0, loop };
}

function printWindow(w: Window, before: number, startS: number): void {
  const rtt = w.rttMs.sort((a, b) => a - b);
  const p = (q: number): string => rtt[Math.min(rtt.length - 1, Math.floor(q * rtt.length))]!.toFixed(1);
  console.log(`load average after the window  ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`servers                        ${count} × ${perSecond.toLocaleString('en')} lines/s for ${seconds} s (all started and ready in ${startS.toFixed(1)} s)`);
  console.log(`daemon RSS                     ${before.toFixed(0)} MB before, peak ${w.peak.toFixed(0)} MB (target < 200 MB)`);
  const mb = (n = 0): string => `${(n / 1048576).toFixed(0)} MB`;
  const m = w.atPeak;
  if (m) console.log(`  at the peak, daemon thread     heap ${mb(m.heapUsedBytes)} used of ${mb(m.heapTotalBytes)}, external ${mb(m.externalBytes)} (array buffers ${mb(m.arrayBuffersBytes)})`);
  const st = w.storeAtPeak;
  if (st) console.log(`  store worker                   heap ${mb(st.heapUsedBytes)} used of ${mb(st.heapTotalBytes)}, external ${mb(st.externalBytes)} (SQLite's heap ${st.sqliteHeapBytes === undefined ? '?' : mb(st.sqliteHeapBytes)}, its database file ${mb(st.fileBytes)})`);
  console.log(`daemon CPU over the window     ${w.cpu.toFixed(1)} s in ${seconds} s (${((100 * w.cpu) / seconds).toFixed(0)}% of one core, all threads)`);
  console.log(`status round trip               p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${rtt.at(-1)!.toFixed(1)} ms over ${rtt.length} probes (the daemon, this process and the socket)`);
  const windows = w.loop.map((l) => `p99 ${l.p99Ms} / max ${l.maxMs} ms`).join(', ');
  console.log(`daemon event loop delay        per 10 s window: ${windows || 'no whole window inside the run'} (target p99 < 50 ms)`);
}

async function measure(c: MessageConnection, pid: number, home: string, project: string): Promise<void> {
  const before = rssMb(pid);
  const t0 = performance.now();
  await withTimeout(orClosed(c, c.sendRequest(ServersStartRequest, { project })), startTimeoutMs, 'servers/start');
  const startS = (performance.now() - t0) / 1000;
  const w = await probe(c, pid);
  printWindow(w, before, startS);
  const list = (await orClosed(c, c.sendRequest(ServersListRequest, { project }))).servers;
  let numbered = 0;
  for (const s of list) numbered += (await orClosed(c, c.sendRequest(LogsGetRequest, { serverId: s.id, tail: 1 }))).lastSeq;
  // A stop drains what the daemon has not read yet, so it takes as long as the reading lags.
  const t1 = performance.now();
  await withTimeout(orClosed(c, c.sendRequest(ServersStopRequest, { project })), 300_000, 'servers/stop');
  console.log(`servers stopped in             ${((performance.now() - t1) / 1000).toFixed(1)} s; daemon RSS after ${rssMb(pid).toFixed(0)} MB`);
  let written = 0;
  for (const s of list) written += streamLineCount(path.join(home, 'projects', s.projectId, 'runs', s.runId!), 'stdout');
  console.log(`lines numbered / in files      ${numbered.toLocaleString('en')} / ${written.toLocaleString('en')} (Runlens's own start/stop lines included in the first)`);
}

async function cleanUp(c: MessageConnection | undefined, home: string, root: string, project: string): Promise<void> {
  if (c) {
    await withTimeout(orClosed(c, c.sendRequest(ServersStopRequest, { project })), 60_000, 'servers/stop').catch((err: unknown) => console.error(`stopping through the daemon failed: ${(err as Error).message}`));
    c.dispose();
  }
  await withTimeout(runCli(['daemon', 'stop'], home), 30_000, 'daemon stop').catch(() => undefined);
  // Whatever is left (a daemon that did not answer, servers it did not stop) goes now.
  const killed = killProcessesUnder(root, daemonPids(home));
  if (killed > 0) console.error(`killed ${killed} leftover processes of this run`);
  const out = path.join(home, 'daemon.out');
  if (fs.existsSync(out)) {
    fs.copyFileSync(out, path.join(os.tmpdir(), 'rl-bench-daemon.out'));
    console.log(`daemon output kept in ${path.join(os.tmpdir(), 'rl-bench-daemon.out')}`);
  }
  fs.rmSync(root, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-load-'));
  const home = path.join(root, 'home');
  const project = makeProject(root);
  let c: MessageConnection | undefined;
  let cleaning: Promise<void> | undefined;
  const clean = (): Promise<void> => (cleaning ??= cleanUp(c, home, root, project));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void clean().finally(() => process.exit(130)));
  }
  try {
    await startDaemon(home);
    const pid = daemonPids(home)[0]!;
    c = await connectClient(home, 'bench');
    await measure(c, pid, home, project);
  } finally {
    await clean();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
