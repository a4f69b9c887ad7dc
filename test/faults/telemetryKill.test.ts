/**
 * SIGKILL of the daemon during span ingest (both stores at once, at two seeded-random points) and
 * in the middle of one ClickHouse batch insert (before ClickHouse has the rows, or after it has
 * them but before the daemon hears so). Spans arrive as Mastra JSONL in a run's watched folder.
 * Measured: spans written vs. held by each store (distinct, as queries see them), and the rows
 * ClickHouse physically holds (a replayed batch is absorbed by the table keys).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { TelemetryStatsRequest } from '../../shared/protocol';
import { waitFor } from '../integration/helpers';
import { mastraSpanText, observabilityFile, spansIn, useClickHouse } from '../integration/telemetry/mastraLines';
import { clickHouseForSuite, clickHouseQuery } from './clickhouseProxy';
import { figure } from './figures';
import { DaemonUnderTest } from './harness';
import { seededRandom } from './seeded';

const T0 = Date.now() - 3_600_000;

/**
 * Appends `n` spans to `file` a chunk at a time while running, as a server writes its JSONL. Paused
 * while the daemon is down, so a fast ingest can never finish before the chosen kill point.
 */
function pacedSpanWriter(file: string, n: number, chunk = 500, everyMs = 50) {
  let written = 0;
  let timer: NodeJS.Timeout | undefined;
  let limit = n;
  const tick = () => {
    const count = Math.min(chunk, limit - written);
    if (count > 0) fs.appendFileSync(file, mastraSpanText(written, count, T0));
    written += Math.max(count, 0);
    if (written >= limit) pause();
  };
  const pause = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    /** Writes on until `upTo` spans (all of them by default) are in the file. */
    resume: (upTo = n) => {
      limit = Math.min(upTo, n);
      if (!timer && written < limit) timer = setInterval(tick, everyMs);
    },
    pause,
    done: () => written >= n,
  };
}

/** Distinct spans and physical rows of a ClickHouse database. */
async function clickHouseRows(url: string, db: string): Promise<{ distinct: number; rows: number }> {
  const distinct = Number(await clickHouseQuery(url, `SELECT count() FROM (SELECT DISTINCT trace_id, span_id FROM ${db}.spans)`));
  const rows = Number(await clickHouseQuery(url, `SELECT count() FROM ${db}.spans`));
  return { distinct, rows };
}

async function bothStoresHold(d: DaemonUnderTest, n: number, timeoutMs: number): Promise<void> {
  await waitFor(`${n} spans in both stores`, async () => {
    const [l, c] = [await spansIn(d.c, 'local'), await spansIn(d.c, 'clickhouse')];
    return l === n && c === n ? true : undefined;
  }, timeoutMs);
}

describe('faults: daemon SIGKILL during telemetry ingest', function () {
  this.timeout(240_000);
  const env = clickHouseForSuite();

  it('span ingest into the local store and ClickHouse, killed twice: exact counts, no loss, no duplicates', async () => {
    const N = 40_000;
    const rng = seededRandom('daemon killed mid-ingest');
    const d = new DaemonUnderTest('rl-fk-ingest-');
    useClickHouse(d.home, env.ch.url, 'ingestkill');
    try {
      await d.start();
      const writer = pacedSpanWriter(observabilityFile(d.home, '1700000000000_spans.jsonl'), N);
      let killedAt = 0;
      for (let round = 1; round <= 2; round++) {
        const target = Math.max(killedAt + 1, Math.round(N * rng.int(10, 45 * round) / 100));
        // Never past the kill point by more than a little: a slow answer must not let the ingest end first.
        writer.resume(Math.min(N - 1000, target + 2000));
        const seen = await waitFor(`${target} spans in the local store`, async () => {
          const n = await spansIn(d.c, 'local');
          if (n >= N) throw new Error(`ingest finished before the kill point ${target}; lower it`);
          return n >= target ? n : undefined;
        }, 120_000).finally(() => writer.pause());
        const inClickHouse = await spansIn(d.c, 'clickhouse');
        await d.kill();
        killedAt = seen;
        figure('daemon killed mid-ingest', `round ${round} kill point (local / ClickHouse spans)`, `${seen} / ${inClickHouse} of ${N}`);
        await d.start();
      }
      writer.resume();
      await waitFor('the writer to finish', () => writer.done(), 60_000);
      const t = Date.now();
      await bothStoresHold(d, N, 180_000);
      const s = await d.c.sendRequest(TelemetryStatsRequest, {});
      assert.deepEqual(s.stores.map((x) => [x.backend, x.spans, x.traces]), [['local', N, N / 10], ['clickhouse', N, N / 10]]);
      const rows = await clickHouseRows(env.ch.url, 'ingestkill');
      assert.equal(rows.distinct, N, 'ClickHouse holds each span');
      figure('daemon killed mid-ingest', 'spans written / local / ClickHouse (traces)', `${N} / ${s.stores[0]!.spans} / ${s.stores[1]!.spans} (${s.stores[1]!.traces})`);
      figure('daemon killed mid-ingest', 'ClickHouse rows before merge (replays absorbed by keys)', `${rows.rows} rows for ${rows.distinct} spans`);
      figure('daemon killed mid-ingest', 'caught up after the last restart in (ms)', Date.now() - t);
    } finally {
      await d.dispose();
    }
  });

  for (const afterCommit of [false, true]) {
    const when = afterCommit ? 'after ClickHouse took the rows' : 'before the rows reach ClickHouse';
    it(`a ClickHouse batch insert killed ${when}: exact counts after the restart`, async () => {
      const N = 12_000;
      const db = afterCommit ? 'insertkill_after' : 'insertkill_before';
      const rng = seededRandom(`daemon killed mid-insert (${afterCommit ? 'after' : 'before'} commit)`);
      const d = new DaemonUnderTest('rl-fk-insert-');
      useClickHouse(d.home, env.proxy.url, db);
      try {
        await d.start();
        const first = rng.int(1, 6) * 1000;
        fs.writeFileSync(observabilityFile(d.home, '1700000000000_a.jsonl'), mastraSpanText(0, first, T0));
        await bothStoresHold(d, first, 60_000);
        // The next insert is held at the proxy; the daemon is killed while it waits for the answer.
        let killed = false;
        env.proxy.hold = { afterCommit, run: async () => {
          await d.kill();
          killed = true;
        } };
        fs.writeFileSync(observabilityFile(d.home, '1700000000001_b.jsonl'), mastraSpanText(first, N - first, T0));
        await waitFor('the daemon to be killed mid-insert', () => killed || undefined, 60_000);
        const held = await clickHouseRows(env.ch.url, db);
        figure(`daemon killed mid-insert (${afterCommit ? 'after' : 'before'} commit)`, 'kill point (spans in ClickHouse when killed)', `${held.distinct} of ${N}, first file ${first} spans`);
        await d.start();
        await bothStoresHold(d, N, 120_000);
        const rows = await clickHouseRows(env.ch.url, db);
        assert.equal(rows.distinct, N);
        if (afterCommit) assert.ok(rows.rows > N - first || rows.rows === N, 'the batch ClickHouse took is inserted again on replay (absorbed by keys)');
        figure(`daemon killed mid-insert (${afterCommit ? 'after' : 'before'} commit)`, 'spans written / local / ClickHouse distinct (rows)', `${N} / ${await spansIn(d.c, 'local')} / ${rows.distinct} (${rows.rows})`);
      } finally {
        env.proxy.hold = undefined;
        await d.dispose();
      }
    });
  }
});
