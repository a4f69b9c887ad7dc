/**
 * ClickHouse failing under a running daemon: the server stopped and restarted during ingest, and
 * inserts answered with errors (refused before the rows land, or failed after they did). The
 * local store must not notice, the error must be reported while it lasts, and once ClickHouse is
 * back both stores must hold exactly what was written.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ListTracesRequest, ServerStatsRequest, TelemetryStatsRequest } from '../../shared/protocol';
import { waitFor } from '../integration/helpers';
import { mastraSpanText, observabilityFile, spansIn, useClickHouse } from '../integration/telemetry/mastraLines';
import { clickHouseForSuite, clickHouseQuery, type InsertFault } from './clickhouseProxy';
import { figure } from './figures';
import { DaemonUnderTest } from './harness';

const T0 = Date.now() - 3_600_000;

/**
 * The slowest traces (id, spans, errors, duration) and the request count as one store answers:
 * ClickHouse keeps per-batch trace and request summaries, which a retried batch must replace,
 * not add to, so its answers must equal the local store's.
 */
async function answers(c: MessageConnection, backend: 'local' | 'clickhouse'): Promise<{ traces: string[]; requests: number }> {
  const page = await c.sendRequest(ListTracesRequest, { backend, sort: 'duration', limit: 500 });
  const server = page.items[0]?.serverId ?? page.items[0]?.services[0] ?? '';
  const stats = await c.sendRequest(ServerStatsRequest, { backend, serverId: server, fromMs: T0 - 3_600_000, toMs: T0 + 3_600_000 });
  return {
    traces: page.items.map((t) => `${t.traceId} ${t.spanCount} ${t.errorCount} ${t.durationMs}`),
    requests: stats.points.reduce((a, p) => a + p.requests, 0),
  };
}

/** The scenario: ClickHouse stopped for 30 s during ingest. */
const OUTAGE_MS = 30_000;

describe('faults: ClickHouse down, restarted and failing during ingest', function () {
  this.timeout(180_000);
  const env = clickHouseForSuite();

  it('stopped mid-ingest and restarted: the error is reported meanwhile, then exact counts in both stores', async () => {
    const d = new DaemonUnderTest('rl-fch-down-');
    useClickHouse(d.home, env.ch.url, 'downup');
    try {
      await d.start();
      fs.writeFileSync(observabilityFile(d.home, '1_a.jsonl'), mastraSpanText(0, 5_000, T0));
      await waitFor('the first 5,000 in ClickHouse', async () => (await spansIn(d.c, 'clickhouse')) === 5_000 || undefined, 60_000);
      await env.ch.stop();
      const downAt = Date.now();
      // Ingest goes on through an outage of at least 30 s: a file of 1,000 spans at a time, each
      // taken by the local store before the next is written.
      let total = 5_000;
      for (let i = 0; total < 15_000 || Date.now() - downAt < OUTAGE_MS; i++) {
        fs.writeFileSync(observabilityFile(d.home, `2_${i}.jsonl`), mastraSpanText(total, 1_000, T0));
        total += 1_000;
        await waitFor(`the local store to take ${total}`, async () => (await spansIn(d.c, 'local')) === total || undefined, 60_000);
      }
      const error = await waitFor('the outage to be reported', async () => (await d.c.sendRequest(TelemetryStatsRequest, {})).storeErrors.clickhouse, 30_000);
      figure('ClickHouse stopped and restarted', 'error reported while down', error.slice(0, 120));
      await env.ch.start();
      const downMs = Date.now() - downAt;
      const upAt = Date.now();
      await waitFor('ClickHouse to catch up', async () => (await spansIn(d.c, 'clickhouse')) === total || undefined, 90_000);
      const s = await d.c.sendRequest(TelemetryStatsRequest, {});
      assert.deepEqual(s.stores.map((x) => [x.backend, x.spans, x.traces]), [['local', total, total / 10], ['clickhouse', total, total / 10]]);
      assert.equal(s.storeErrors.clickhouse, undefined, 'the error clears once inserts succeed');
      figure('ClickHouse stopped and restarted', 'outage (ms) / caught up after restart (ms)', `${downMs} / ${Date.now() - upAt}`);
      figure('ClickHouse stopped and restarted', 'spans written / local / ClickHouse', `${total} / ${s.stores[0]!.spans} / ${s.stores[1]!.spans}`);
    } finally {
      await d.dispose();
    }
  });

  const cases: { fault: InsertFault; count: number; what: string }[] = [
    { fault: 'refuse', count: 4, what: 'refused with an error before the rows land' },
    { fault: 'fail-after-commit', count: 3, what: 'failed after ClickHouse took the rows' },
  ];
  for (const { fault, count, what } of cases) {
    it(`inserts ${what} (${count} in a row): retried until exact, no duplicate in any answer`, async () => {
      const N = 12_000;
      const db = `errors_${fault.replace(/-/g, '_')}`;
      const d = new DaemonUnderTest('rl-fch-err-');
      useClickHouse(d.home, env.proxy.url, db);
      try {
        await d.start();
        fs.writeFileSync(observabilityFile(d.home, '1_a.jsonl'), mastraSpanText(0, 5_000, T0));
        await waitFor('the first 5,000 in ClickHouse', async () => (await spansIn(d.c, 'clickhouse')) === 5_000 || undefined, 60_000);
        const before = { ...env.proxy.counts };
        env.proxy.fault = fault;
        env.proxy.faultsLeft = count;
        fs.writeFileSync(observabilityFile(d.home, '2_b.jsonl'), mastraSpanText(5_000, N - 5_000, T0));
        let reported: string | undefined;
        await waitFor(`ClickHouse to hold all ${N}`, async () => {
          const s = await d.c.sendRequest(TelemetryStatsRequest, {});
          reported ??= s.storeErrors.clickhouse;
          // Rows that landed before a failed answer count at once: wait for the retries too.
          return (s.stores.find((x) => x.backend === 'clickhouse')?.spans === N && env.proxy.faultsLeft === 0 && !s.storeErrors.clickhouse) || undefined;
        }, 120_000);
        assert.equal(await spansIn(d.c, 'local'), N);
        const distinct = Number(await clickHouseQuery(env.ch.url, `SELECT count() FROM (SELECT DISTINCT trace_id, span_id FROM ${db}.spans)`));
        const rows = Number(await clickHouseQuery(env.ch.url, `SELECT count() FROM ${db}.spans`));
        assert.equal(distinct, N);
        const ch = await answers(d.c, 'clickhouse');
        assert.deepEqual(ch, await answers(d.c, 'local'));
        assert.equal(ch.requests, N / 10, 'one request per trace');
        const injected = fault === 'refuse' ? env.proxy.counts.refused - before.refused : env.proxy.counts.failedAfterCommit - before.failedAfterCommit;
        figure(`ClickHouse insert errors (${fault})`, 'errors injected / error reported', `${injected} / ${reported ? reported.slice(0, 100) : 'none seen between polls'}`);
        figure(`ClickHouse insert errors (${fault})`, 'spans written / local / ClickHouse distinct (physical rows)', `${N} / ${N} / ${distinct} (${rows})`);
      } finally {
        env.proxy.fault = 'pass';
        await d.dispose();
      }
    });
  }
});
