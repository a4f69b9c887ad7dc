/**
 * The local store keeps the newest `maxLogs` log records, so a log flood cannot grow the daemon
 * without bound; older lines stay in the run's files and in the segments.
 */
import * as assert from 'node:assert/strict';
import { LocalStore } from '../../../daemon/stores/local/localStore';
import type { LogRecord } from '../../../shared/telemetry/model';
import type { InsertBatch } from '../../../shared/telemetry/query';
import { T0 } from './fixtures';

const quiet = { info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };

function logBatch(from: number, n: number): InsertBatch {
  const logs: LogRecord[] = Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { t: 'log', id: `line-${i}`, timeUnixNano: String(BigInt(T0 + i) * 1_000_000n), level: 'info', message: `line ${i}`, source: 'server', serverId: 'srv' };
  });
  return { spans: [], logs, metrics: [], scores: [], spanLines: [] };
}

async function allMessages(store: LocalStore): Promise<number[]> {
  const out: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.searchLogs({ limit: 1000, cursor });
    out.push(...page.items.map((l) => Number(l.message.slice(5))));
    cursor = page.nextCursor;
  } while (cursor);
  return out.sort((a, b) => a - b);
}

describe('local store log cap', () => {
  it('keeps the newest records, trimming a tenth past the cap', async () => {
    const store = await LocalStore.open({ log: quiet, maxLogs: 1000 });
    try {
      for (let b = 0; b < 20; b++) await store.insert(logBatch(b * 300, 300), { segment: 1, offset: b + 1 });
      const kept = await allMessages(store);
      assert.ok(kept.length >= 1000 && kept.length <= 1100, `kept ${kept.length}`);
      assert.equal(kept.at(-1), 5999, 'the newest line is kept');
      assert.deepEqual(kept, Array.from({ length: kept.length }, (_, k) => 6000 - kept.length + k), 'exactly the newest lines are kept');
      assert.equal((await store.stats()).logs, kept.length);
      // A replayed batch (same ids) adds nothing and loses nothing.
      await store.insert(logBatch(5700, 300), { segment: 1, offset: 99 });
      assert.deepEqual(await allMessages(store), kept);
    } finally {
      await store.close();
    }
  });

  it('inserts only the newest records of a batch larger than the cap', async () => {
    const store = await LocalStore.open({ log: quiet, maxLogs: 500 });
    try {
      await store.insert(logBatch(0, 5000), { segment: 1, offset: 1 });
      const kept = await allMessages(store);
      assert.equal(kept.length, 500);
      assert.equal(kept[0], 4500);
      assert.equal(kept.at(-1), 4999);
    } finally {
      await store.close();
    }
  });
});
