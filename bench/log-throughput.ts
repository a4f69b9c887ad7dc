/**
 * Server log streaming, end to end: a real server writes 1,000,000 lines of ~120 bytes in blocks,
 * the daemon tails its file and streams them to a client subscribed over the daemon socket. The
 * baseline, measured in the same run, is a bare vscode-jsonrpc transport sending the same lines in
 * batches with nothing else in the way. Then the latency of single lines at a low rate, write →
 * client. Prints figures; it is not a test.
 *   npx tsx bench/log-throughput.ts [lines]
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMessageConnection, NotificationType, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { orClosed } from '../shared/node/rpcClient';
import { LogLinesNotification, LogsSubscribeRequest, type LogLine } from '../shared/protocol/logs';
import { ServersListRequest, ServersStartRequest, ServersStopRequest } from '../shared/protocol/servers';
import { cliJson, connectClient, runCli, waitFor } from '../test/integration/helpers';

const LINES = Number(process.argv[2] ?? 1_000_000);
const TICKS = 200;
const rate = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')} lines/s`;

async function bareBaseline(root: string): Promise<number> {
  const socketPath = path.join(root, 'bare.sock');
  const child = child_process.spawn(process.execPath, [path.join(__dirname, 'support', 'bareTransport.js'), socketPath, String(LINES)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  let received = 0;
  const start = performance.now();
  const socket = net.connect(socketPath);
  const conn = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  conn.onNotification(new NotificationType<{ lines: LogLine[] }>('bench/lines'), (p) => {
    received += p.lines.length;
  });
  conn.listen();
  await waitFor('the bare transport lines', () => received >= LINES, 300_000);
  const ms = performance.now() - start;
  conn.dispose();
  child.kill();
  return ms;
}

function writeProject(root: string): string {
  const project = path.join(root, 'project');
  fs.mkdirSync(project);
  fs.copyFileSync(path.join(__dirname, 'support', 'logWriter.js'), path.join(project, 'writer.js'));
  fs.writeFileSync(path.join(project, 'package.json'), '{"name":"bench-logs","version":"1.0.0","private":true}\n');
  fs.writeFileSync(path.join(project, 'runlens.json'), JSON.stringify({ servers: [{ name: 'writer', start: 'node writer.js', health: { path: '/health' } }] }));
  return project;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-logs-'));
  // RUNLENS_BENCH_HOME points at an already running daemon, e.g. one started with --cpu-prof.
  const home = process.env.RUNLENS_BENCH_HOME ?? path.join(root, 'home');
  const project = writeProject(root);
  await cliJson(['daemon', 'start'], home);
  const c = await connectClient(home, 'bench');
  try {
    await orClosed(c, c.sendRequest(ServersStartRequest, { project }));
    const server = (await orClosed(c, c.sendRequest(ServersListRequest, { project }))).servers[0]!;
    const url = `http://127.0.0.1:${server.port!}`;
    let burstLines = 0;
    let skipped = 0;
    let lastAt = 0;
    const latencies: number[] = [];
    c.onNotification(LogLinesNotification, (p) => {
      skipped += p.skipped ?? 0;
      for (const l of p.lines) {
        if (l.text.startsWith('line ')) burstLines++;
        else if (l.text.startsWith('tick ')) latencies.push(Number(process.hrtime.bigint() - BigInt(l.text.slice(5))) / 1e6);
      }
      lastAt = performance.now();
    });
    await orClosed(c, c.sendRequest(LogsSubscribeRequest, { serverId: server.id }));

    // Latency first, while the daemon is otherwise idle; the burst's telemetry would queue ahead of it.
    for (let i = 0; i < TICKS; i++) {
      await fetch(`${url}/tick`);
      // Pacing, not waiting for a condition: single lines at a low rate are what is measured.
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor('every tick line', () => latencies.length >= TICKS, 30_000);
    latencies.sort((a, b) => a - b);
    console.log(`single line write → client  p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms over ${TICKS} lines (target p99 < 50 ms)`);
    const start = performance.now();
    await fetch(`${url}/burst?lines=${LINES}`);
    await waitFor('every burst line at the client', () => burstLines + skipped >= LINES, 600_000);
    const daemonMs = lastAt - start;
    const bareMs = await bareBaseline(root);
    console.log(`lines                       ${LINES.toLocaleString('en')} of ~120 bytes`);
    console.log(`Runlens (file → daemon → client)  ${rate(LINES, daemonMs)} through the daemon (${daemonMs.toFixed(0)} ms); ${rate(burstLines, daemonMs)} delivered, ${skipped.toLocaleString('en')} lines skipped by back-pressure for a client that fell behind`);
    console.log(`bare vscode-jsonrpc batches       ${rate(LINES, bareMs)} (${bareMs.toFixed(0)} ms)`);
    console.log(`ratio Runlens / bare              ${(bareMs / daemonMs).toFixed(2)} read and sent by the daemon, ${((burstLines / daemonMs) * (bareMs / LINES)).toFixed(2)} delivered to this client (target ≥ 0.50; and ≥ 1,000,000 lines/s)`);

    await orClosed(c, c.sendRequest(ServersStopRequest, { project }));
  } finally {
    // Servers outlive the daemon by design: stop them first, or a failed run leaves them writing.
    await orClosed(c, c.sendRequest(ServersStopRequest, { project })).catch(() => undefined);
    c.dispose();
    await runCli(['daemon', 'stop'], home);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
