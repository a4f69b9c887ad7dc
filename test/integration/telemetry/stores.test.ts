/** The shared query suite against the local store and a real ClickHouse server. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalStore } from '../../../daemon/stores/local/localStore';
import { ClickHouseStore } from '../../../daemon/stores/clickhouse/clickhouseStore';
import { SegmentWriter, segmentName } from '../../../daemon/telemetry/segments';
import { clickHouseAvailable, startClickHouse, type ClickHouseServer } from '../clickhouseServer';
import { T0 } from './fixtures';
import type { SpanRecord } from '../../../shared/telemetry/model';
import type { InsertBatch } from '../../../shared/telemetry/query';
import { storeQuerySuite } from './storeSuite';

const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };

storeQuerySuite('local', () => LocalStore.open({ log: quiet }));

/**
 * The local store as the daemon feeds it: span records stay in the segments and the store keeps
 * references to their lines. Each batch is appended to real segments first.
 */
storeQuerySuite('local (spans indexed in segments)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-seg-suite-'));
  const writer = new SegmentWriter(dir, 4096); // small segments: references cross files
  const store = await LocalStore.open({ log: quiet, segmentsDir: dir });
  const insert = store.insert.bind(store);
  store.insert = (batch, checkpoint) => {
    const spanLines = batch.spans.map((s) => {
      const before = writer.position();
      const after = writer.append([s]);
      // A rotation after this line starts the next segment; the line stays where it was written.
      return { text: JSON.stringify(s), segment: before.segment, offset: before.offset, bytes: (after.segment === before.segment ? after.offset : fs.statSync(path.join(dir, segmentName(before.segment))).size) - before.offset - 1 };
    });
    return insert({ ...batch, spanLines }, checkpoint);
  };
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return store;
});

describe('clickhouse', function () {
  let server: ClickHouseServer | undefined;
  before(async function () {
    if (!clickHouseAvailable()) throw new Error('clickhouse-server is not installed; run scripts/setup.sh');
    this.timeout(60_000);
    server = await startClickHouse();
  });
  after(async () => server?.dispose());

  it("reads Mastra's own mastra_ai_spans table when the database has it", async function () {
    this.timeout(60_000);
    const sql = async (q: string): Promise<void> => {
      const r = await fetch(`${server!.url}/?query=${encodeURIComponent(q)}`, { method: 'POST' });
      if (!r.ok) throw new Error(await r.text());
    };
    // @mastra/clickhouse's table, with the types 18.16 has (DateTime for DateTime64(3), UInt8 for Bool).
    await sql('CREATE DATABASE IF NOT EXISTS mastradb');
    await sql(`CREATE TABLE mastradb.mastra_ai_spans (
      traceId String, spanId String, parentSpanId Nullable(String), name String, scope Nullable(String), spanType String,
      attributes Nullable(String), metadata Nullable(String), links Nullable(String), input Nullable(String), output Nullable(String),
      error Nullable(String), startedAt DateTime, endedAt Nullable(DateTime), createdAt DateTime, updatedAt Nullable(DateTime), isEvent UInt8
    ) ENGINE = ReplacingMergeTree ORDER BY (traceId, spanId)`);
    const s = Math.floor(T0 / 1000);
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    await sql(`INSERT INTO mastradb.mastra_ai_spans VALUES
      ('${a}', '${'1'.repeat(16)}', NULL, 'weather-agent', NULL, 'agent_run', '{}', NULL, NULL, '"hi"', '"sunny"', NULL, toDateTime(${s}), toDateTime(${s + 3}), toDateTime(${s}), toDateTime(${s + 3}), 0),
      ('${a}', '${'2'.repeat(16)}', '${'1'.repeat(16)}', 'llm', NULL, 'model_generation', '{"model":"gpt-4o","provider":"openai","usage":{"inputTokens":12,"outputTokens":30}}', NULL, NULL, NULL, NULL, NULL, toDateTime(${s + 1}), toDateTime(${s + 2}), toDateTime(${s + 1}), toDateTime(${s + 2}), 0),
      ('${b}', '${'3'.repeat(16)}', NULL, 'tool', NULL, 'tool_call', NULL, NULL, NULL, NULL, NULL, '{"message":"boom"}', toDateTime(${s + 5}), toDateTime(${s + 6}), toDateTime(${s + 5}), toDateTime(${s + 6}), 0)`);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-chm-'));
    const store = new ClickHouseStore({ url: server!.url, database: 'mastradb', stateDir, log: quiet });
    try {
      assert.equal(await store.importMastraSpans(), 3);
      assert.equal(await store.importMastraSpans(), 0);
      const list = await store.listTraces({});
      assert.deepEqual(list.items.map((t) => [t.rootName, t.spanCount, t.errorCount]), [['tool', 1, 1], ['weather-agent', 2, 0]]);
      const trace = await store.getTrace({ traceId: a });
      assert.equal(trace.spans.length, 2);
      assert.equal(trace.spans[1]!.attributes['gen_ai.usage.output_tokens'], 30);
      assert.equal(trace.spans[0]!.endTimeUnixNano, `${BigInt(s + 3) * 1_000_000_000n}`);
    } finally {
      await store.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('keeps one summary per trace and counts a request once across batches, a re-reported span and a grown retry', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-chb-'));
    const store = new ClickHouseStore({ url: server!.url, database: 'batches', stateDir, log: quiet });
    const ns = (ms: number): string => `${BigInt(T0 + ms) * 1_000_000n}`;
    const span = (id: string, parent: string | undefined, from: number, to: number): SpanRecord => ({
      t: 'span', traceId: 'c'.repeat(32), spanId: id.repeat(16), parentSpanId: parent?.repeat(16), name: parent ? 'db' : 'GET /x',
      kind: parent ? 3 : 2, status: 0, startTimeUnixNano: ns(from), endTimeUnixNano: ns(to), attributes: {}, serverId: 'srv-c',
    });
    const batch = (spans: SpanRecord[], offset: number): InsertBatch => ({ spans, logs: [], metrics: [], scores: [], from: { segment: 1, offset } });
    try {
      await store.insert(batch([span('1', undefined, 0, 50), span('2', '1', 10, 20)], 0), { segment: 1, offset: 100 });
      // The next batch reports the root again (an exporter's retry) with a new child; it fails
      // after landing and is read again from the same place, by then with one more span.
      await store.insert(batch([span('1', undefined, 0, 50), span('3', '1', 20, 60)], 100), { segment: 1, offset: 200 });
      await store.insert(batch([span('1', undefined, 0, 50), span('3', '1', 20, 60), span('4', '1', 30, 40)], 100), { segment: 1, offset: 300 });
      const list = await store.listTraces({ fromMs: T0 - 1000, toMs: T0 + 1000, sort: 'duration' });
      assert.deepEqual(list.items.map((t) => [t.traceId, t.spanCount, t.durationMs]), [['c'.repeat(32), 4, 60]]);
      const stats = await store.serverStats({ serverId: 'srv-c', fromMs: T0 - 60_000, toMs: T0 + 60_000 });
      assert.equal(stats.points.reduce((a, p) => a + p.requests, 0), 1);
    } finally {
      await store.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  storeQuerySuite('clickhouse', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-chs-'));
    return new ClickHouseStore({ url: server!.url, database: 'suite', stateDir, log: quiet });
  });
});
