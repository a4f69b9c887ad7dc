/**
 * One query suite for every store: the same data, the same questions, the same answers. A replayed
 * batch is part of the data, so each store must also prove it drops duplicates.
 */
import * as assert from 'node:assert/strict';
import type { TelemetryStore } from '../../../shared/telemetry/query';
import { waitFor } from '../helpers';
import { batches, T0, traceId } from './fixtures';

export function storeQuerySuite(name: string, open: () => Promise<TelemetryStore>): void {
  describe(`${name} store queries`, function () {
    this.timeout(60_000);
    let store: TelemetryStore;

    before(async () => {
      store = await open();
      const [a, b] = batches();
      await store.insert(a!, { segment: 1, offset: 100 });
      await store.insert(b!, { segment: 1, offset: 200 });
      await store.insert(a!, { segment: 1, offset: 100 }); // a replay after a crash
      // A Mastra-style span reported at start, then again when it ended.
      const open1 = { t: 'span' as const, traceId: traceId(500), spanId: 'aaaaaaaaaaaaaaaa', name: 'agent_run', kind: 1 as const, status: 0 as const, startTimeUnixNano: `${BigInt(T0 + 3_600_000) * 1_000_000n}`, attributes: {} };
      await store.insert({ spans: [open1], logs: [], metrics: [], scores: [] }, { segment: 1, offset: 300 });
      await store.insert({ spans: [{ ...open1, endTimeUnixNano: `${BigInt(T0 + 3_600_500) * 1_000_000n}` }], logs: [], metrics: [], scores: [] }, { segment: 2, offset: 10 });
    });
    after(async () => store?.close());

    it('counts every record once and keeps the checkpoint', async () => {
      const s = await store.stats();
      assert.deepEqual([s.spans, s.traces, s.logs, s.metrics, s.scores], [401, 101, 50, 60, 5]);
      assert.deepEqual(await store.checkpoint(), { segment: 2, offset: 10 });
    });

    it('lists traces newest first with cursor paging and one row per trace', async () => {
      const seen = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listTraces({ limit: 30, cursor, toMs: T0 + 1_000_000 });
        for (const t of page.items) seen.add(t.traceId);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(seen.size, 100);
      assert.equal(pages, 4);
      const first = (await store.listTraces({ limit: 1, toMs: T0 + 1_000_000 })).items[0]!;
      assert.deepEqual(
        { id: first.traceId, root: first.rootName, spans: first.spanCount, errors: first.errorCount, services: first.services, server: first.serverId, ms: first.durationMs },
        { id: traceId(99), root: 'GET /route4', spans: 4, errors: 0, services: ['db', 'worker'], server: 'srv-b', ms: 100 },
      );
    });

    it('sorts by duration and filters by server, status, name, duration, attribute and time', async () => {
      const top = await store.listTraces({ sort: 'duration', limit: 3, toMs: T0 + 1_000_000 });
      assert.deepEqual(top.items.map((t) => t.durationMs), [100, 99, 98]);
      const asc = await store.listTraces({ sort: 'duration', order: 'asc', limit: 2, cursor: undefined });
      assert.deepEqual(asc.items.map((t) => t.durationMs), [1, 2]);
      const count = async (p: Parameters<TelemetryStore['listTraces']>[0]): Promise<number> => (await store.listTraces({ limit: 1000, ...p })).items.length;
      assert.equal(await count({ serverId: 'srv-a' }), 50);
      assert.equal(await count({ service: 'db' }), 100);
      assert.equal(await count({ status: 'error' }), 10);
      assert.equal(await count({ status: 'ok', toMs: T0 + 1_000_000 }), 90);
      assert.equal(await count({ nameContains: 'ROUTE3' }), 20);
      assert.equal(await count({ minDurationMs: 50, maxDurationMs: 59 }), 10);
      assert.equal(await count({ attribute: { key: 'user.id', value: 'u3' } }), 14);
      assert.equal(await count({ attribute: { key: 'step', value: '2' } }), 100);
      assert.equal(await count({ fromMs: T0 + 100_000, toMs: T0 + 200_000 }), 10);
    });

    it('returns a trace with exact nanosecond times, and the ended report of a span', async () => {
      const t = await store.getTrace({ traceId: traceId(0) });
      assert.equal(t.spans.length, 4);
      assert.equal(t.spans.find((s) => !s.parentSpanId)?.startTimeUnixNano, `${BigInt(T0) * 1_000_000n + 1n}`);
      const m = await store.getTrace({ traceId: traceId(500) });
      assert.equal(m.spans.length, 1);
      assert.equal(m.spans[0]!.endTimeUnixNano, `${BigInt(T0 + 3_600_500) * 1_000_000n}`);
      assert.deepEqual((await store.getTrace({ traceId: 'f'.repeat(32) })).spans, []);
    });

    it('searches logs by text, level, trace, source and time, with paging', async () => {
      const all = await store.searchLogs({ limit: 1000 });
      assert.equal(all.items.length, 50);
      assert.equal(all.items[0]!.id, 'log-49');
      assert.equal((await store.searchLogs({ text: 'BOOM' })).items.length, 12);
      assert.equal((await store.searchLogs({ level: 'warn' })).items.length, 24);
      assert.equal((await store.searchLogs({ traceId: traceId(3) })).items.length, 5);
      assert.equal((await store.searchLogs({ source: 'build' })).items.length, 10);
      assert.equal((await store.searchLogs({ fromMs: T0 + 10_000, toMs: T0 + 20_000 })).items.length, 10);
      const p1 = await store.searchLogs({ limit: 20 });
      const p2 = await store.searchLogs({ limit: 20, cursor: p1.nextCursor });
      const p3 = await store.searchLogs({ limit: 20, cursor: p2.nextCursor });
      assert.equal(new Set([...p1.items, ...p2.items, ...p3.items].map((l) => l.id)).size, 50);
      assert.equal(p3.nextCursor, undefined);
    });

    it('aggregates metric series into buckets', async () => {
      const base = { name: 'process.cpu', fromMs: T0, toMs: T0 + 60_000, bucketMs: 10_000 };
      const avg = await store.metricSeries({ ...base, aggregation: 'avg' });
      assert.equal(avg.unit, '%');
      assert.deepEqual(avg.points.map((p) => p.v), [4.5, 14.5, 24.5, 34.5, 44.5, 54.5]);
      assert.deepEqual((await store.metricSeries({ ...base, aggregation: 'count' })).points.map((p) => p.v), [10, 10, 10, 10, 10, 10]);
      assert.deepEqual((await store.metricSeries({ ...base, aggregation: 'p95' })).points.map((p) => p.v), [9, 19, 29, 39, 49, 59]);
      assert.deepEqual((await store.metricSeries({ ...base, aggregation: 'max', attributes: { host: 'a' } })).points.map((p) => p.v), [8, 18, 28, 38, 48, 58]);
    });

    it('splits a series by an attribute and lists the metrics of a range with their attribute keys', async () => {
      const base = { name: 'process.cpu', fromMs: T0, toMs: T0 + 60_000, bucketMs: 30_000, aggregation: 'max' as const };
      const byHost = await store.metricSeries({ ...base, groupBy: 'host' });
      assert.deepEqual(byHost.groups, [
        { value: 'a', points: [{ t: T0, v: 28 }, { t: T0 + 30_000, v: 58 }] },
        { value: 'b', points: [{ t: T0, v: 29 }, { t: T0 + 30_000, v: 59 }] },
      ]);
      assert.deepEqual(byHost.points.map((p) => p.v), [29, 59]);
      assert.deepEqual((await store.metricSeries({ ...base, groupBy: 'zone' })).groups?.map((g) => [g.value, g.points.length]), [['', 2]]);
      assert.equal((await store.metricSeries(base)).groups, undefined);
      assert.deepEqual(await store.listMetrics({ fromMs: T0, toMs: T0 + 60_000, serverId: 'srv-a' }),
        [{ name: 'process.cpu', kind: 'gauge', unit: '%', attributeKeys: ['host'] }]);
      assert.deepEqual(await store.listMetrics({ fromMs: T0 + 3_600_000 }), []);
      assert.deepEqual(await store.listMetrics({ serverId: 'srv-b' }), []);
    });

    it('derives request rate, errors and latency per server from spans', async () => {
      const r = await store.serverStats({ serverId: 'srv-a', fromMs: T0, toMs: T0 + 1_000_000 });
      assert.equal(r.points.reduce((a, p) => a + p.requests, 0), 50);
      assert.equal(r.points[0]!.t, T0);
      assert.equal(r.points[0]!.requests, 3); // traces 0, 2, 4 start in the first minute
      const p95 = r.points[r.points.length - 1]!.p95Ms;
      assert.ok(p95 > 90 && p95 < 110, `p95 ${p95}`);
    });

    it('lists scores by trace and name', async () => {
      assert.equal((await store.listScores({})).items.length, 5);
      assert.equal((await store.listScores({ name: 'toxicity' })).items.length, 2);
      assert.deepEqual((await store.listScores({ traceId: traceId(1) })).items.map((s) => s.value), [0.1]);
    });

    it('applies retention by age', async () => {
      const removed = await store.applyRetention({ maxAgeMs: 1000, maxSpans: 1_000_000 }, T0 + 3_600_000);
      assert.equal(removed, 400);
      await waitFor('retention to take effect', async () => (await store.stats()).spans === 1 || undefined, 20_000);
    });

    it('keeps names and attributes with tabs, newlines, backslashes, quotes and non-ASCII text exactly', async () => {
      const odd = 'tab\there\nnew line\r\\back\\slash "quoted" \u0000 naïve 日本語 🚀';
      const start = BigInt(T0 + 7_200_000) * 1_000_000n;
      const span = {
        t: 'span' as const, traceId: traceId(777), spanId: 'bbbbbbbbbbbbbbbb', name: odd, kind: 2 as const, status: 1 as const,
        startTimeUnixNano: `${start}`, endTimeUnixNano: `${start + 1_234_000_000n}`, attributes: { [odd]: odd, path: 'C:\\dir\\file.ts', n: 1 },
        service: `svc ${odd}`,
      };
      await store.insert({ spans: [span], logs: [], metrics: [], scores: [] }, { segment: 3, offset: 1 });
      const [got] = (await store.getTrace({ traceId: traceId(777) })).spans;
      assert.deepEqual({ name: got?.name, attributes: got?.attributes, service: got?.service }, { name: odd, attributes: span.attributes, service: span.service });
      const listed = await store.listTraces({ nameContains: 'naïve 日本語', limit: 5 });
      assert.deepEqual(listed.items.map((t) => [t.rootName, t.durationMs]), [[odd, 1234]]);
    });
  });
}
