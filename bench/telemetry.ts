/**
 * Telemetry benchmarks: ingest N spans (default 1,000,000; `BENCH_SPANS` overrides) into the local
 * store and into ClickHouse (a private server started here), a raw JSONEachRow HTTP insert of the
 * same rows as the ceiling, then the queries side by side. Prints figures and ratios.
 * Run with `npm run bench:telemetry`; not part of `npm test`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SpanRecord } from '../shared/telemetry/model';
import type { TelemetryStore } from '../shared/telemetry/query';
import { LocalStore } from '../daemon/stores/local/localStore';
import { ClickHouseStore } from '../daemon/stores/clickhouse/clickhouseStore';
import { startClickHouse } from '../test/integration/clickhouseServer';

const N = Number(process.env.BENCH_SPANS ?? 1_000_000);
const BATCH = 10_000;
const T0 = Date.now() - 3_600_000;
const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };

/** The first 10,000 spans form one trace; the rest come 10 per trace, spread over one hour. */
function* spans(): Generator<SpanRecord> {
  for (let i = 0; i < N; i++) {
    const trace = i < 10_000 ? 0 : Math.floor(i / 10);
    const start = T0 + Math.floor((i / N) * 3_600_000);
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

async function ingest(store: TelemetryStore): Promise<number> {
  const t = performance.now();
  let batch: SpanRecord[] = [];
  let n = 0;
  for (const s of spans()) {
    batch.push(s);
    if (batch.length === BATCH) {
      await store.insert({ spans: batch, logs: [], metrics: [], scores: [] }, { segment: 1, offset: ++n });
      batch = [];
    }
  }
  if (batch.length) await store.insert({ spans: batch, logs: [], metrics: [], scores: [] }, { segment: 1, offset: ++n });
  return N / ((performance.now() - t) / 1000);
}

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
  for (const s of spans()) {
    body += JSON.stringify({ trace_id: s.traceId, span_id: s.spanId, start_ns: s.startTimeUnixNano, end_ns: s.endTimeUnixNano, name: s.name, rec: JSON.stringify(s) }) + '\n';
    if (++rows === BATCH) await flush();
  }
  if (rows) await flush();
  return N / ((performance.now() - t) / 1000);
}

/** Mean of five runs after one warm-up, in ms. */
async function time(f: () => Promise<unknown>): Promise<number> {
  await f();
  const t = performance.now();
  for (let i = 0; i < 5; i++) await f();
  return (performance.now() - t) / 5;
}

async function queries(store: TelemetryStore): Promise<Record<string, number>> {
  return {
    'get trace (10,000 spans)': await time(() => store.getTrace({ traceId: '1'.padStart(32, '0') })),
    'trace list, 60 min by duration': await time(() => store.listTraces({ fromMs: T0, toMs: T0 + 3_600_000, sort: 'duration', limit: 50 })),
    'per-minute requests + p95, 1 h': await time(() => store.serverStats({ serverId: 'srv', fromMs: T0, toMs: T0 + 3_600_000 })),
  };
}

async function main(): Promise<void> {
  console.log(`telemetry benchmark: ${N.toLocaleString()} spans, batches of ${BATCH.toLocaleString()}`);
  const local = await LocalStore.open({ log: quiet });
  const localRate = await ingest(local);
  console.log(`local store ingest:      ${Math.round(localRate).toLocaleString()} spans/s; RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`);
  const ch = await startClickHouse();
  try {
    const store = new ClickHouseStore({ url: ch.url, database: 'bench', stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-')), log: quiet });
    const chRate = await ingest(store);
    const rawRate = await rawInsert(ch.url);
    console.log(`clickhouse store ingest: ${Math.round(chRate).toLocaleString()} spans/s`);
    console.log(`raw JSONEachRow insert:  ${Math.round(rawRate).toLocaleString()} rows/s; store/raw ${((chRate / rawRate) * 100).toFixed(0)}%`);
    const [lq, cq] = [await queries(local), await queries(store)];
    for (const k of Object.keys(lq)) console.log(`${k.padEnd(34)} local ${lq[k]!.toFixed(2).padStart(8)} ms   clickhouse ${cq[k]!.toFixed(2).padStart(8)} ms`);
    await store.close();
  } finally {
    await ch.dispose();
    await local.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
