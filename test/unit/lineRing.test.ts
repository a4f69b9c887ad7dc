import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogLine } from '../../shared/protocol/logs';
import { LineRing } from '../../daemon/logs/lineRing';
import { ServerLog } from '../../daemon/logs/serverLog';

function line(seq: number, text: string): LogLine {
  return { seq, time: 0, stream: 'stdout', text, runId: 'r' };
}

describe('line ring', () => {
  it('keeps at most its line count', () => {
    const ring = new LineRing(3);
    for (let i = 1; i <= 5; i++) ring.push(line(i, `l${i}`));
    assert.deepEqual(ring.select({ limit: 10, fromEnd: true }).lines.map((l) => l.seq), [3, 4, 5]);
  });

  it('drops the oldest lines once the text held passes its byte cap', () => {
    const ring = new LineRing(100, 25);
    for (let i = 1; i <= 4; i++) ring.push(line(i, 'x'.repeat(10)));
    assert.deepEqual([ring.size, ring.oldestSeq, ring.newestSeq], [2, 3, 4]);
    // A line larger than the cap alone is still kept: the newest line is always there.
    ring.push(line(5, 'y'.repeat(40)));
    assert.deepEqual([ring.size, ring.oldestSeq], [1, 5]);
    ring.push(line(6, 'z'));
    assert.deepEqual(ring.select({ limit: 10, fromEnd: true }).lines.map((l) => l.seq), [6]);
  });

  it('gives back every field of a line as it was pushed: UTF-8, streams, partial parts, line numbers', () => {
    const ring = new LineRing(10);
    const lines: LogLine[] = [
      { seq: 1, time: 1717171717123, stream: 'stdout', text: 'plain', runId: 'r1', line: 1 },
      { seq: 2, time: 1717171717124, stream: 'stderr', text: 'naïve 日本語 🚀 \u001b[31mred\u001b[0m', runId: 'r1', line: 1 },
      { seq: 3, time: 1717171717125, stream: 'system', text: '--- restarted ---', runId: 'r2' },
      { seq: 4, time: 1717171717126, stream: 'stdout', text: 'x'.repeat(70_000), runId: 'r2', line: 1, partial: true },
      { seq: 5, time: 1717171717127, stream: 'stdout', text: '', runId: 'r2', line: 2 },
    ];
    for (const l of lines) ring.push(l);
    assert.deepEqual(ring.select({ limit: 10, fromEnd: true }).lines, lines);
    assert.deepEqual(ring.at(1), lines[1]);
    assert.equal(ring.at(5), undefined);
  });

  it('keeps lines right across many reused text buffers, with lines longer than a buffer among them', () => {
    const ring = new LineRing(500, 600_000);
    const text = (i: number): string => (i % 97 === 0 ? `${i} ${'L'.repeat(300_000)}` : `${i} ${'é'.repeat(i % 200)}`);
    for (let i = 1; i <= 20_000; i++) {
      ring.push(line(i, text(i)));
      if (i % 1000 === 0) {
        const held = ring.select({ limit: 1000, fromEnd: true }).lines;
        assert.equal(held.at(-1)!.seq, i);
        for (const l of held) assert.equal(l.text, text(l.seq), `line ${l.seq} after ${i} pushes`);
      }
    }
    assert.deepEqual(ring.select({ since: 19_995, limit: 10, fromEnd: false }).lines.map((l) => l.seq), [19_996, 19_997, 19_998, 19_999, 20_000]);
  });

  it('grows its slots as lines come, up to its capacity, keeping every line in order across a wrapped ring', () => {
    const text = (i: number): string => String(i).padStart(10, '0');
    let cap = 800 * 10;
    const ring = new LineRing(5000, () => cap);
    const push = (from: number, to: number): void => {
      for (let i = from; i <= to; i++) ring.push(line(i, text(i)));
    };
    const held = (): LogLine[] => ring.select({ limit: 10_000, fromEnd: false }).lines;
    // 800 lines fit the text cap: the first slots wrap around many times before any growth.
    push(1, 3000);
    assert.deepEqual([ring.size, ring.oldestSeq], [800, 2201]);
    cap = 4000 * 10;
    push(3001, 7000);
    assert.equal(ring.size, 4000);
    assert.deepEqual(held().map((l) => l.text), Array.from({ length: 4000 }, (_, i) => text(3001 + i)));
    cap = 100_000;
    push(7001, 12_000);
    assert.equal(ring.size, 5000, 'never more lines than its capacity');
    assert.deepEqual(held().map((l) => l.seq), Array.from({ length: 5000 }, (_, i) => 7001 + i));
    assert.deepEqual(ring.select({ since: 11_997, limit: 10, fromEnd: false }).lines.map((l) => l.text), [text(11_998), text(11_999), text(12_000)]);
  });

  it('pages lines the byte cap pushed out of memory back from the files', async () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-ring-'));
    const dir = path.join(runsDir, 'run1');
    fs.mkdirSync(dir);
    const log = new ServerLog('s1', { capacity: 1000, ringBytes: 2000, indexFile: path.join(runsDir, 'index.jsonl'), runsDir });
    const seen: LogLine[] = [];
    log.onLines((lines) => seen.push(...lines));
    log.attach('run1', dir);
    const texts = Array.from({ length: 200 }, (_, i) => `line ${i + 1} ${'p'.repeat(90)}`);
    fs.appendFileSync(path.join(dir, 'stdout.log'), texts.join('\n') + '\n');
    const end = Date.now() + 5000;
    while (seen.length < 200 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    assert.equal(seen.length, 200);
    // About 20 lines of ~100 characters fit in the ring; the rest comes from stdout.log.
    const page = log.get({ serverId: 's1', tail: 200 });
    assert.deepEqual(page.lines.map((l) => l.text), texts);
    const old = log.get({ serverId: 's1', before: 51, limit: 50 });
    assert.deepEqual(old.lines.map((l) => l.seq), Array.from({ length: 50 }, (_, i) => i + 1));
    log.close();
    fs.rmSync(runsDir, { recursive: true, force: true });
  });
});
