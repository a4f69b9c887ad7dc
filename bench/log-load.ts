/**
 * The daemon under log load: 20 servers each writing 10,000 lines/s (~120 bytes) for a window
 * (default 30 s). Prints the daemon's RSS (peak and at the end), how far its reading kept up
 * (lines numbered vs lines in the files), and the round trip of a `daemon/status` request sent
 * every 50 ms, an upper bound of the event loop delay a client sees. Prints figures; not a test.
 *   npx tsx bench/log-load.ts [seconds] [servers] [linesPerSecond]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orClosed } from '../shared/node/rpcClient';
import { DaemonStatusRequest } from '../shared/protocol/daemon';
import { LogsGetRequest } from '../shared/protocol/logs';
import { ServersListRequest, ServersStartRequest, ServersStopRequest } from '../shared/protocol/servers';
import { cliJson, connectClient, daemonPids, runCli } from '../test/integration/helpers';

const seconds = Number(process.argv[2] ?? 30);
const count = Number(process.argv[3] ?? 20);
const perSecond = Number(process.argv[4] ?? 10_000);

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

function lineCount(file: string): number {
  const buf = fs.readFileSync(file);
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-load-'));
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  fs.mkdirSync(project);
  fs.copyFileSync(path.join(__dirname, 'support', 'steadyWriter.js'), path.join(project, 'writer.js'));
  fs.writeFileSync(path.join(project, 'package.json'), '{"name":"bench-load","version":"1.0.0","private":true}\n');
  const servers = Array.from({ length: count }, (_, i) => ({ name: `w${i}`, start: 'node writer.js', env: { LINES_PER_SECOND: String(perSecond) }, health: { path: '/' } }));
  fs.writeFileSync(path.join(project, 'runlens.json'), JSON.stringify({ servers }));
  await cliJson(['daemon', 'start'], home);
  const pid = daemonPids(home)[0]!;
  const c = await connectClient(home, 'bench');
  const rttMs: number[] = [];
  let peak = 0;
  try {
    const before = rssMb(pid);
    await orClosed(c, c.sendRequest(ServersStartRequest, { project }));
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const t = performance.now();
      await orClosed(c, c.sendRequest(DaemonStatusRequest, {}));
      rttMs.push(performance.now() - t);
      peak = Math.max(peak, rssMb(pid));
      // Pacing of the probe, not a wait for a condition.
      await new Promise((r) => setTimeout(r, 50));
    }
    const list = (await orClosed(c, c.sendRequest(ServersListRequest, { project }))).servers;
    let numbered = 0;
    for (const s of list) numbered += (await orClosed(c, c.sendRequest(LogsGetRequest, { serverId: s.id, tail: 1 }))).lastSeq;
    await orClosed(c, c.sendRequest(ServersStopRequest, { project }));
    let written = 0;
    for (const s of list) written += lineCount(path.join(home, 'projects', s.projectId, 'runs', s.runId!, 'stdout.log'));
    rttMs.sort((a, b) => a - b);
    const p = (q: number): string => rttMs[Math.min(rttMs.length - 1, Math.floor(q * rttMs.length))]!.toFixed(1);
    console.log(`servers                        ${count} × ${perSecond.toLocaleString('en')} lines/s for ${seconds} s`);
    console.log(`daemon RSS                     ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB, ${rssMb(pid).toFixed(0)} MB after stop (target < 200 MB)`);
    console.log(`status round trip (loop delay) p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${rttMs.at(-1)!.toFixed(1)} ms over ${rttMs.length} probes (target p99 < 50 ms)`);
    console.log(`lines numbered / in files      ${numbered.toLocaleString('en')} / ${written.toLocaleString('en')} (Runlens's own start/stop lines included in the first)`);
  } finally {
    // Servers outlive the daemon by design: stop them first, or a failed run leaves them writing.
    await orClosed(c, c.sendRequest(ServersStopRequest, { project })).catch(() => undefined);
    c.dispose();
    await runCli(['daemon', 'stop'], home);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
