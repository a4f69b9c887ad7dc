import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogLine } from '../../shared/protocol/logs';
import { ServerLog } from '../../daemon/logs/serverLog';
import { Subscriber } from '../../daemon/logs/subscriber';

function runDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rl-run-'));
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('server log', () => {
  it('tails stdout and stderr files into numbered lines, including lines split across writes', async () => {
    const dir = runDir();
    const log = new ServerLog('s1', 100);
    const seen: LogLine[] = [];
    log.onLines((lines) => seen.push(...lines));
    log.attach('run1', dir);
    fs.appendFileSync(path.join(dir, 'stdout.log'), 'hello ');
    fs.appendFileSync(path.join(dir, 'stderr.log'), 'oops\n');
    fs.appendFileSync(path.join(dir, 'stdout.log'), 'world\n');
    await until('two lines', () => seen.length === 2);
    log.detach();
    assert.deepEqual(seen.map((l) => [l.stream, l.text]).sort(), [['stderr', 'oops'], ['stdout', 'hello world']]);
    assert.deepEqual(seen.map((l) => l.seq).sort(), [1, 2]);
    assert.ok(seen.every((l) => l.runId === 'run1'));
  });

  it('resumes from saved offsets without repeating lines', async () => {
    const dir = runDir();
    fs.writeFileSync(path.join(dir, 'stdout.log'), 'old1\nold2\n');
    const log = new ServerLog('s1', 100);
    const seen: string[] = [];
    log.onLines((lines) => seen.push(...lines.map((l) => l.text)));
    log.attach('run1', dir, { stdout: 5, stderr: 0 });
    fs.appendFileSync(path.join(dir, 'stdout.log'), 'new\n');
    await until('two lines', () => seen.length === 2);
    log.detach();
    assert.deepEqual(seen, ['old2', 'new']);
  });

  it('keeps the newest lines in the ring and pages backwards with grep', () => {
    const log = new ServerLog('s1', 5);
    for (let i = 1; i <= 8; i++) log.system(i % 2 ? `odd ${i}` : `\u001b[31meven\u001b[0m ${i}`);
    const tail = log.get({ serverId: 's1', tail: 3 });
    assert.deepEqual(tail.lines.map((l) => l.seq), [6, 7, 8]);
    assert.equal(tail.more, true);
    const older = log.get({ serverId: 's1', before: 6, limit: 10 });
    assert.deepEqual(older.lines.map((l) => l.seq), [4, 5]);
    const evens = log.get({ serverId: 's1', grep: 'EVEN', limit: 10 });
    assert.deepEqual(evens.lines.map((l) => l.seq), [4, 6, 8]);
    const newer = log.get({ serverId: 's1', since: 6 });
    assert.deepEqual(newer.lines.map((l) => l.seq), [7, 8]);
  });
});

describe('log subscriber', () => {
  const line = (seq: number): LogLine => ({ seq, time: 0, stream: 'stdout', text: `l${seq}`, runId: 'r' });

  it('batches lines and sends them in order', async () => {
    const got: number[] = [];
    const sub = new Subscriber({ send: async (lines) => void got.push(...lines.map((l) => l.seq)), maxBatch: 10 });
    for (let i = 1; i <= 25; i++) sub.push([line(i)]);
    await until('all lines', () => got.length === 25);
    assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('drops the oldest lines for a stalled client and reports how many were skipped', async () => {
    const batches: { seqs: number[]; skipped: number }[] = [];
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((r) => (release = r));
    let first = true;
    const sub = new Subscriber({
      maxBatch: 10, maxQueued: 100, maxInFlight: 1,
      send: async (lines, skipped) => {
        batches.push({ seqs: lines.map((l) => l.seq), skipped });
        if (first) {
          first = false;
          await stalled;
        }
      },
    });
    for (let i = 1; i <= 1000; i++) sub.push([line(i)]);
    release();
    await until('the queue to drain', () => batches.reduce((n, b) => n + b.seqs.length, 0) + batches.reduce((n, b) => n + b.skipped, 0) === 1000);
    const skipped = batches.reduce((n, b) => n + b.skipped, 0);
    assert.ok(skipped > 0, 'a stalled client should have skipped lines');
    assert.equal(batches.at(-1)!.seqs.at(-1), 1000, 'the newest line is never dropped');
    sub.close();
  });
});
