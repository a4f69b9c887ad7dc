/**
 * The telemetry benchmark's data and helpers: N spans over one hour (the first 10,000 form one
 * trace, the rest come 10 per trace), written to JSONL segments the way the daemon writes them,
 * and a feeder run that times how long a store takes to take them all in.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SpanRecord } from '../shared/telemetry/model';
import type { Checkpoint, TelemetryStore } from '../shared/telemetry/query';
import { Feeder } from '../daemon/telemetry/feeder';
import { Quarantine } from '../daemon/telemetry/quarantine';
import { SegmentWriter } from '../daemon/telemetry/segments';

export const quiet = { info: (): void => undefined, warn: (m: string): void => console.error(m), error: (m: string): void => console.error(m) };

export interface BenchData {
  n: number;
  t0: number;
  segmentsDir: string;
  end: Checkpoint;
  bytes: number;
}

export function* spans(n: number, t0: number): Generator<SpanRecord> {
  for (let i = 0; i < n; i++) {
    const trace = i < 10_000 ? 0 : Math.floor(i / 10);
    const start = t0 + Math.floor((i / n) * 3_600_000);
    const dur = 1 + ((i * 7919) % 2000);
    const root = i % 10 === 0 && i >= 10_000;
    yield {
      t: 'span', traceId: (trace + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'),
      parentSpanId: root || i === 0 ? undefined : (trace * 10 + 1).toString(16).padStart(16, '0'),
      name: root ? `GET /r${i % 50}` : 'db.query', kind: root ? 2 : 3, status: i % 97 === 0 ? 2 : 0,
      startTimeUnixNano: `${BigInt(start) * 1_000_000n}`, endTimeUnixNano: `${(BigInt(start) + BigInt(dur)) * 1_000_000n}`,
      attributes: { 'http.route': `/r${i % 50}` }, service: 'api', serverId: 'srv',
    };
  }
}

/** Writes the spans into fresh segments in a temp dir, 10,000 records per append. */
export function writeSegments(n: number, t0: number): BenchData {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-seg-'));
  const writer = new SegmentWriter(dir);
  let batch: SpanRecord[] = [];
  for (const s of spans(n, t0)) {
    batch.push(s);
    if (batch.length === 10_000) {
      writer.append(batch);
      batch = [];
    }
  }
  writer.append(batch);
  const end = writer.position();
  writer.close();
  const bytes = fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
  return { n, t0, segmentsDir: dir, end, bytes };
}

export interface FeedResult {
  /** Spans per second of wall time. */
  rate: number;
  /** Spans per second of this process's CPU time (user + system, all threads). */
  cpuRate: number;
}

/**
 * Feeds `store` from the segments with the daemon's feeder. The CPU-time rate is the steadier
 * figure on a shared machine, where wall time depends on what else runs.
 */
export async function feed(store: TelemetryStore, data: BenchData): Promise<FeedResult> {
  const quarantine = new Quarantine(path.join(data.segmentsDir, '..', `${path.basename(data.segmentsDir)}-quarantine.jsonl`), quiet);
  const feeder = new Feeder({ store, segmentsDir: data.segmentsDir, quarantine, log: quiet });
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  feeder.start();
  for (;;) {
    const at = feeder.checkpoint();
    if (at && at.segment === data.end.segment && at.offset === data.end.offset) break;
    if (feeder.lastError) throw new Error(`${store.backend} store: ${feeder.lastError}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const rate = data.n / ((performance.now() - t) / 1000);
  const cpu = process.cpuUsage(cpu0);
  await feeder.stop();
  return { rate, cpuRate: data.n / ((cpu.user + cpu.system) / 1e6) };
}

export interface Timing {
  /** Mean wall time of five runs after three warm-ups (a UI asks the same query repeatedly), ms. */
  ms: number;
  /** Mean CPU time of this process over the same runs, ms (the local store's work is all here). */
  cpuMs: number;
}

export async function time(f: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < 3; i++) await f();
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 5; i++) await f();
  const cpu = process.cpuUsage(cpu0);
  return { ms: (performance.now() - t) / 5, cpuMs: (cpu.user + cpu.system) / 5000 };
}
