import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogLine } from '../../shared/protocol/logs';
import { LineRing } from '../../daemon/logs/lineRing';
import { RingBudget } from '../../daemon/logs/ringBudget';
import { ServerLog } from '../../daemon/logs/serverLog';
import { waitFor } from '../integration/helpers';

function fill(ring: LineRing, count: number, bytes: number): void {
  for (let i = 1; i <= count; i++) ring.push({ seq: i, time: 0, stream: 'stdout', text: 'x'.repeat(bytes), runId: 'r' });
}

describe('ring budget', () => {
  it('gives one ring its own cap and many rings equal shares of the total, never below the floor', () => {
    const budget = new RingBudget(10_000, 6_000, 1_000);
    const leave = [budget.join({ trimTo: () => undefined })];
    assert.equal(budget.share(), 6_000);
    leave.push(budget.join({ trimTo: () => undefined }));
    assert.equal(budget.share(), 5_000);
    for (let i = 0; i < 18; i++) leave.push(budget.join({ trimTo: () => undefined }));
    assert.equal(budget.share(), 1_000, '20 rings: 500 each would be below the floor');
    for (const l of leave.splice(1)) l();
    assert.equal(budget.share(), 6_000, 'the rings that left gave their share back');
  });

  it('trims the rings already there when another joins, so their total stays within the budget', () => {
    const budget = new RingBudget(10_000, 8_000, 100);
    const rings = Array.from({ length: 4 }, () => new LineRing(1000, () => budget.share()));
    budget.join(rings[0]!);
    fill(rings[0]!, 100, 100);
    assert.equal(rings[0]!.textBytes, 8_000, 'alone, a ring keeps its own cap');
    for (const r of rings.slice(1)) {
      budget.join(r);
      fill(r, 100, 100);
    }
    // The first ring went quiet before the others joined: it was trimmed when they did, not later.
    assert.deepEqual(rings.map((r) => r.textBytes), [2_500, 2_500, 2_500, 2_500]);
    assert.equal(rings[0]!.newestSeq, 100, 'trimming drops the oldest lines');
  });

  it('counts only the logs that hold lines: servers that never ran take no share', () => {
    const budget = new RingBudget(4_000, 3_000, 500);
    const logs = Array.from({ length: 5 }, (_, i) => new ServerLog(`s${i}`, { ringBudget: budget }));
    try {
      assert.equal(budget.share(), 3_000, 'five configured servers, none has written');
      logs[0]!.system('started');
      assert.equal(budget.share(), 3_000, 'one log with lines keeps its own cap');
      logs[1]!.system('started');
      assert.equal(budget.share(), 2_000);
    } finally {
      for (const log of logs) log.close();
    }
    assert.equal(budget.share(), 3_000, 'closed logs gave their shares back');
  });

  it('reads back from the files what a smaller share pushed out of memory', async () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-budget-'));
    const budget = new RingBudget(4_000, 3_000, 500);
    const logs = ['a', 'b'].map((name) => {
      const dir = path.join(runsDir, `run-${name}`);
      fs.mkdirSync(dir);
      const log = new ServerLog(name, { capacity: 1000, ringBudget: budget, indexFile: path.join(runsDir, `${name}.jsonl`), runsDir });
      const seen: LogLine[] = [];
      log.onLines((lines) => seen.push(...lines));
      log.attach(`run-${name}`, dir);
      return { log, dir, seen };
    });
    try {
      const texts = Array.from({ length: 100 }, (_, i) => `line ${i + 1} ${'p'.repeat(90)}`);
      for (const { dir } of logs) fs.appendFileSync(path.join(dir, 'stdout.log'), texts.join('\n') + '\n');
      await waitFor('both logs read', () => logs.every((l) => l.seen.length === 100), 5000);
      for (const { log } of logs) {
        // About 20 of the 100 lines fit in a 2,000-byte share; the rest comes from stdout.log.
        assert.deepEqual(log.get({ serverId: log.serverId, tail: 100 }).lines.map((l) => l.text), texts);
      }
    } finally {
      for (const { log } of logs) log.close();
      fs.rmSync(runsDir, { recursive: true, force: true });
    }
  });
});
