/**
 * OTLP receiver benchmark: the daemon's receiver and routes appending to JSONL segments (what the
 * receiver does in the daemon; stores are fed from the segments on their own), and a separate
 * process sending real OpenTelemetry Node SDK spans with the protobuf trace exporter. Prints
 * spans/s sustained over `BENCH_OTLP_SPANS` spans (default 500,000; target 50,000/s).
 * `npm run bench:telemetry` runs it after the store benchmarks; `tsx bench/telemetryOtlp.ts` alone.
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TelemetryRecord } from '../shared/telemetry/model';
import { RunRegistry } from '../daemon/telemetry/origins';
import { Quarantine } from '../daemon/telemetry/quarantine';
import { Receiver } from '../daemon/telemetry/otlp/receiver';
import { createRoutes } from '../daemon/telemetry/routes';
import { SegmentWriter } from '../daemon/telemetry/segments';
import { quiet } from './telemetryData';

const TOTAL = Number(process.env.BENCH_OTLP_SPANS ?? 500_000);
const BATCH = 2000;
const IN_FLIGHT = 4;

function runSender(endpoint: string): Promise<{ sent: number; ms: number; failed: number }> {
  const script = path.join(__dirname, 'otlpSender.ts');
  return new Promise((resolve, reject) => {
    const child = child_process.spawn(process.execPath, ['--import', 'tsx', script, endpoint, String(TOTAL), String(BATCH), String(IN_FLIGHT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { sent: number; ms: number; failed: number }) : reject(new Error(`sender exited with ${code}`))));
  });
}

export async function runOtlpBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-otlp-'));
  const writer = new SegmentWriter(path.join(dir, 'segments'));
  let received = 0;
  let first = 0;
  let last = 0;
  const sink = (records: TelemetryRecord[]): void => {
    writer.append(records);
    if (received === 0) first = performance.now();
    received += records.length;
    last = performance.now();
  };
  const receiver = new Receiver(createRoutes({ runs: new RunRegistry(), quarantine: new Quarantine(path.join(dir, 'quarantine.jsonl'), quiet), sink }), quiet);
  const port = await receiver.listen(0);
  console.log(`OTLP receiver benchmark: ${TOTAL.toLocaleString()} spans, protobuf, batches of ${BATCH}, ${IN_FLIGHT} in flight; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)} (shared machine: figures are noisy)`);
  const cpu0 = process.cpuUsage();
  try {
    const sender = await runSender(`http://127.0.0.1:${port}`);
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    if (sender.failed > 0 || received !== sender.sent) throw new Error(`sent ${sender.sent}, failed ${sender.failed}, received ${received}`);
    const rate = received / ((last - first) / 1000);
    console.log(`OTLP/protobuf receive to segments: ${Math.round(rate).toLocaleString()} spans/s sustained (target 50,000); sender side ${Math.round(sender.sent / (sender.ms / 1000)).toLocaleString()} spans/s`);
    console.log(`receiver process CPU: ${cpuS.toFixed(1)} s, ${Math.round(received / cpuS).toLocaleString()} spans per CPU-second`);
  } finally {
    await receiver.close();
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runOtlpBench().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
