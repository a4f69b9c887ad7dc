/**
 * Daemon CPU with 10 idle servers checked every 5 s, averaged over a window (default 60 s), next to
 * the same daemon with no servers measured in the same run. Prints figures; it is not a test.
 *   npx tsx bench/health-idle.ts [seconds]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { orClosed } from '../shared/node/rpcClient';
import { ServersListRequest, ServersStartRequest, ServersStopRequest } from '../shared/protocol/servers';
import { cliJson, connectClient, daemonPids, runCli, waitFor } from '../test/integration/helpers';

const seconds = Number(process.argv[2] ?? 60);
const TICKS_PER_SECOND = 100;
const SETTLE_MS = 20_000;

function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function measure(pid: number, label: string): Promise<number> {
  const before = cpuTicks(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const percent = ((cpuTicks(pid) - before) / TICKS_PER_SECOND / seconds) * 100;
  console.log(`${label.padEnd(34)} ${percent.toFixed(2)}% of one core over ${seconds} s`);
  return percent;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-health-'));
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'idle.js'), "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');\n");
  fs.writeFileSync(path.join(project, 'package.json'), '{"name":"bench-idle","version":"1.0.0","private":true}\n');
  const servers = Array.from({ length: 10 }, (_, i) => ({ name: `idle${i}`, start: 'node idle.js', health: { path: '/', intervalMs: 5000 } }));
  fs.writeFileSync(path.join(project, 'runlens.json'), JSON.stringify({ servers }));

  await cliJson(['daemon', 'start'], home);
  const pid = daemonPids(home)[0]!;
  // Idle means steady state: V8 shrinks the fresh heap with a few full collections in the first
  // ~20 s, and starting the servers runs a build and readiness checks; neither is idle cost.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const baseline = await measure(pid, 'daemon, no servers');
  const c = await connectClient(home, 'bench');
  await orClosed(c, c.sendRequest(ServersStartRequest, { project }));
  await waitFor('all 10 servers to run', async () => {
    const { servers } = await orClosed(c, c.sendRequest(ServersListRequest, {}));
    return servers.filter((s) => s.status === 'running').length === 10;
  }, 120_000);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const loaded = await measure(pid, 'daemon, 10 idle servers (5 s checks)');
  console.log(`difference                         ${(loaded - baseline).toFixed(2)} points (target: under 1% in all)`);
  await orClosed(c, c.sendRequest(ServersStopRequest, { project }));
  c.dispose();
  await runCli(['daemon', 'stop'], home);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
