/**
 * Telemetry benchmarks: N spans (default 1,000,000; `BENCH_SPANS` overrides) written to JSONL
 * segments, then fed by the daemon's feeder into the local store and into ClickHouse (a private
 * server started here), with a raw JSONEachRow HTTP insert of the same rows as the ClickHouse
 * baseline, then the queries side by side, then the OTLP receiver (telemetryOtlp.ts).
 * Prints figures and ratios. `BENCH_ONLY=local` runs the local store only, `BENCH_ONLY=stores`
 * both stores without the receiver, `BENCH_ONLY=otlp` the receiver only. Run with `npm run bench:telemetry`; not part of `npm test`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TelemetryStore } from '../shared/telemetry/query';
import { LocalStore } from '../daemon/stores/local/localStore';
import { ClickHouseStore } from '../daemon/stores/clickhouse/clickhouseStore';
import { startClickHouse } from '../test/integration/clickhouseServer';
import { feed, quiet, spans, time, writeSegments, type BenchData, type Timing } from './telemetryData';
import { runOtlpBench } from './telemetryOtlp';

const N = Number(process.env.BENCH_SPANS ?? 1_000_000);
const ROWS_PER_INSERT = 10_000;
const T0 = Date.now() - 3_600_000;
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;

async function rawInsert(url: string): Promise<number> {
  const ddl = 'CREATE TABLE bench.raw (trace_id String, span_id String, start_ns UInt64, end_ns UInt64, name String, rec String) ENGINE = MergeTree ORDER BY (trace_id, span_id)';
  await fetch(`${url}/?query=${encodeURIComponent(ddl)}`, { method: 'POST' });
  const t = performance.now();
  let body = '';
  let rows = 0;
  const flush = async (): Promise<void> => {
    const r = await fetch(`${url}/?query=${encodeURIComponent('INSERT INTO bench.raw FORMAT JSONEachRow')}`, { method: 'POST', body });
    if (!r.ok) throw new Error(await r.text());
    body = '';
    rows = 0;
  };
  for (const s of spans(N, T0)) {
    body += JSON.stringify({ trace_id: s.traceId, span_id: s.spanId, start_ns: s.startTimeUnixNano, end_ns: s.endTimeUnixNano, name: s.name, rec: JSON.stringify(s) }) + '\n';
    if (++rows === ROWS_PER_INSERT) await flush();
  }
  if (rows) await flush();
  return N / ((performance.now() - t) / 1000);
}

/**
 * Waits (up to a minute) until ClickHouse has merged the parts the ingest left, so queries are
 * timed against the steady state rather than against a server busy merging.
 */
async function settle(url: string): Promise<void> {
  const t = performance.now();
  for (let i = 0; i < 120; i++) {
    const r = await fetch(`${url}/?query=${encodeURIComponent("SELECT count() FROM system.merges WHERE database = 'bench'")}`);
    if ((await r.text()).trim() === '0') break;
    await new Promise((res) => setTimeout(res, 500));
  }
  console.log(`clickhouse background merges after the ingest: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

async function queries(store: TelemetryStore): Promise<Record<string, Timing>> {
  const hour = { fromMs: T0, toMs: T0 + 3_600_000 };
  const trace = await store.getTrace({ traceId: '1'.padStart(32, '0') });
  if (trace.spans.length !== 10_000) throw new Error(`${store.backend}: the big trace has ${trace.spans.length} spans`);
  return {
    'get trace (10,000 spans)': await time(() => store.getTrace({ traceId: '1'.padStart(32, '0') })),
    'trace list, 60 min by duration': await time(() => store.listTraces({ ...hour, sort: 'duration', limit: 50 })),
    'per-minute requests + p95, 1 h': await time(() => store.serverStats({ serverId: 'srv', ...hour })),
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString();

async function benchLocal(data: BenchData): Promise<LocalStore> {
  const store = await LocalStore.open({ segmentsDir: data.segmentsDir, log: quiet });
  const r = await feed(store, data);
  const stats = await store.stats();
  if (stats.spans !== N) throw new Error(`local store holds ${stats.spans} spans, expected ${N}`);
  console.log(`local store ingest from JSONL: ${fmt(r.rate)} spans/s wall, ${fmt(r.cpuRate)} spans per CPU-second (target 100,000/s)`);
  return store;
}

function printQueries(lq: Record<string, Timing>, cq: Record<string, Timing> | undefined): void {
  const targets: Record<string, string> = {
    'get trace (10,000 spans)': '< 50 ms both',
    'trace list, 60 min by duration': '< 20 ms local, < 100 ms ClickHouse',
    'per-minute requests + p95, 1 h': '< 20 ms local, < 100 ms ClickHouse',
  };
  for (const k of Object.keys(lq)) {
    const c = cq ? `   clickhouse ${cq[k]!.ms.toFixed(2).padStart(8)} ms` : '';
    console.log(`${k.padEnd(32)} local ${lq[k]!.ms.toFixed(2).padStart(8)} ms (CPU ${lq[k]!.cpuMs.toFixed(2)} ms)${c}   (target ${targets[k]})`);
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_ONLY !== 'otlp') await benchStores();
  if (process.env.BENCH_ONLY !== 'local' && process.env.BENCH_ONLY !== 'stores') await runOtlpBench();
}

async function benchStores(): Promise<void> {
  console.log(`telemetry benchmark: ${N.toLocaleString()} spans; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)} (shared machine: figures are noisy)`);
  let t = performance.now();
  const data = writeSegments(N, T0);
  console.log(`segments written: ${mib(data.bytes)} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const rssBefore = process.memoryUsage.rss();
  const local = await benchLocal(data);
  t = performance.now();
  await local.flush();
  console.log(`local store commit of the ingest (paid at the next snapshot in the daemon): ${(performance.now() - t).toFixed(0)} ms`);
  console.log(`process RSS with the local store at ${N.toLocaleString()} spans: ${mib(process.memoryUsage.rss())} (before: ${mib(rssBefore)}; target < 1.5 GB)`);
  try {
    if (process.env.BENCH_ONLY === 'local') {
      printQueries(await queries(local), undefined);
      return;
    }
    const ch = await startClickHouse();
    try {
      const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-'));
      const store = new ClickHouseStore({ url: ch.url, database: 'bench', stateDir, log: quiet });
      t = performance.now();
      const ch1 = await feed(store, data);
      const rawRate = await rawInsert(ch.url);
      console.log(`clickhouse store ingest from JSONL: ${fmt(ch1.rate)} spans/s`);
      console.log(`raw JSONEachRow insert, same rows:  ${fmt(rawRate)} rows/s; store/raw ${((ch1.rate / rawRate) * 100).toFixed(0)}% (target >= 50%)`);
      await settle(ch.url);
      printQueries(await queries(local), await queries(store));
      await store.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    } finally {
      await ch.dispose();
    }
  } finally {
    await local.close();
    fs.rmSync(data.segmentsDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
