import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogLine } from '../../shared/protocol/logs';
import { ServerLog } from '../../daemon/logs/serverLog';
import { Subscriber } from '../../daemon/logs/subscriber';
import { LogRotator, readRotationState, rotationStateFile } from '../../daemon/logs/logRotation';
import { BufferPool } from '../../daemon/logs/bufferPool';

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
    const log = new ServerLog('s1', { capacity: 100 });
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
    const log = new ServerLog('s1', { capacity: 100 });
    const seen: string[] = [];
    log.onLines((lines) => seen.push(...lines.map((l) => l.text)));
    log.attach('run1', dir, { stdout: 5, stderr: 0 });
    fs.appendFileSync(path.join(dir, 'stdout.log'), 'new\n');
    await until('two lines', () => seen.length === 2);
    log.detach();
    assert.deepEqual(seen, ['old2', 'new']);
  });

  it('keeps the newest lines in the ring and pages backwards with grep', () => {
    const log = new ServerLog('s1', { capacity: 5 });
    for (let i = 1; i <= 8; i++) log.system(i % 2 ? `odd ${i}` : `\u001b[31meven\u001b[0m ${i}`);
    const tail = log.get({ serverId: 's1', tail: 3 });
    assert.deepEqual(tail.lines.map((l) => l.seq), [6, 7, 8]);
    assert.equal(tail.more, true);
    const older = log.get({ serverId: 's1', before: 6, limit: 2 });
    assert.deepEqual(older.lines.map((l) => l.seq), [4, 5]);
    assert.equal(older.more, true, 'lines 1-3 are older than the ring but still in the index');
    const oldest = log.get({ serverId: 's1', before: 4, limit: 10 });
    assert.deepEqual(oldest.lines.map((l) => l.text), ['odd 1', '\u001b[31meven\u001b[0m 2', 'odd 3']);
    assert.equal(oldest.more, false);
    const evens = log.get({ serverId: 's1', grep: 'EVEN', limit: 10 });
    assert.deepEqual(evens.lines.map((l) => l.seq), [2, 4, 6, 8]);
    const newer = log.get({ serverId: 's1', since: 6 });
    assert.deepEqual(newer.lines.map((l) => l.seq), [7, 8]);
  });
});

describe('server log paging past the ring', () => {
  const write = (dir: string, stream: string, text: string): void => fs.appendFileSync(path.join(dir, `${stream}.log`), text);

  it('reads older pages back from the files, interleaved streams in seq order, across a daemon restart', async () => {
    const runsDir = runDir();
    const dir = path.join(runsDir, 'run1');
    fs.mkdirSync(dir);
    const indexFile = path.join(runsDir, 'index.jsonl');
    const log = new ServerLog('s1', { capacity: 10, indexFile });
    const seen: LogLine[] = [];
    log.onLines((lines) => seen.push(...lines));
    log.attach('run1', dir);
    for (let i = 1; i <= 300; i++) {
      write(dir, i % 3 === 0 ? 'stderr' : 'stdout', `line ${i}\r\n`);
      // Interleaving only shows when each write is read on its own.
      if (i % 50 === 0) await until(`line ${i}`, () => seen.length === i);
    }
    await until('300 lines', () => seen.length === 300);
    const saved = log.offsets()!;
    log.close();
    const all = new Map(seen.map((l) => [l.seq, l]));
    const page = log.get({ serverId: 's1', before: 101, limit: 50 });
    assert.deepEqual(page.lines.map((l) => l.seq), Array.from({ length: 50 }, (_, i) => 51 + i));
    for (const l of page.lines) assert.deepEqual([l.text, l.stream, l.line], [all.get(l.seq)!.text, all.get(l.seq)!.stream, all.get(l.seq)!.line]);
    assert.equal(page.more, true);

    // A new daemon: an empty ring, the index read back from disk.
    const again = new ServerLog('s1', { capacity: 10, indexFile, firstSeq: 300, runsDir });
    again.attach('run1', dir, saved);
    const first = again.get({ serverId: 's1', before: 11, limit: 10 });
    assert.deepEqual(first.lines.map((l) => [l.seq, l.text]), [...all.values()].slice(0, 10).map((l) => [l.seq, l.text]));
    const forward = again.get({ serverId: 's1', since: 295, limit: 100 });
    assert.deepEqual(forward.lines.map((l) => l.seq), [296, 297, 298, 299, 300]);
    const grep = again.get({ serverId: 's1', grep: 'line 12', limit: 100 });
    assert.deepEqual(grep.lines.map((l) => l.text).sort(), ['line 12', 'line 120', 'line 121', 'line 122', 'line 123', 'line 124', 'line 125', 'line 126', 'line 127', 'line 128', 'line 129']);
    assert.deepEqual(grep.lines.map((l) => l.seq), grep.lines.map((l) => l.seq).sort((a, b) => a - b));
    again.close();
  });

  it('rotates a log file without losing a line and pages through the rotated copies', async () => {
    const dir = runDir();
    const log = new ServerLog('s1', { capacity: 100, indexFile: path.join(dir, 'index.jsonl'), rotation: { maxBytes: 64 * 1024, keep: 3 } });
    let count = 0;
    log.onLines((lines) => (count += lines.filter((l) => l.stream === 'stdout').length));
    log.attach('run1', dir);
    const total = 20_000;
    for (let i = 1; i <= total; i += 1000) {
      write(dir, 'stdout', Array.from({ length: 1000 }, (_, j) => `row ${String(i + j).padStart(6, '0')} ${'y'.repeat(20)}\n`).join(''));
      await until(`row ${i + 999}`, () => count >= i + 999);
    }
    const live = (): fs.Stats => fs.statSync(path.join(dir, 'stdout.log'));
    await until('three rotations, finished', () => {
      const state = readRotationState(path.join(dir, 'stdout.log'));
      // Rotation catches up with reading: it ends with less than one file's worth left live.
      return live().size - state.holeEnd < 64 * 1024 && state.files.length === 3 && state.files.every((f) => fs.existsSync(path.join(dir, f.name)));
    });
    log.close();
    const files = fs.readdirSync(dir).filter((f) => /^stdout\.log\.\d$/.test(f)).sort();
    assert.deepEqual(files, ['stdout.log.1', 'stdout.log.2', 'stdout.log.3'], 'keeps 3 copies');
    assert.ok(live().blocks * 512 < live().size / 2, `the rotated head of stdout.log is a hole (${live().blocks * 512} bytes on disk of ${live().size})`);
    // Everything still on disk reads back in order, with no line missing between copies.
    const rows: number[] = [];
    for (let before: number | undefined = undefined; ; ) {
      const page = log.get({ serverId: 's1', before, limit: 1000 });
      const mine = page.lines.filter((l) => l.stream === 'stdout').map((l) => Number(l.text.split(' ')[1]));
      rows.unshift(...mine);
      if (!page.more || page.lines.length === 0) break;
      before = page.lines[0]!.seq;
    }
    assert.equal(rows.at(-1), total);
    assert.ok(rows.length > 64 * 1024 * 3 / 32, `read back ${rows.length} rows`);
    rows.forEach((r, i) => i > 0 && assert.equal(r, rows[i - 1]! + 1, `row ${r} follows ${rows[i - 1]}`));
  });
});

describe('log rotation where holes cannot be punched', () => {
  it('keeps every byte in the live file, says so once, and stops trying', async () => {
    const dir = runDir();
    const file = path.join(dir, 'stdout.log');
    fs.writeFileSync(file, 'x'.repeat(99) + '\n'.repeat(1) + 'y'.repeat(199_999) + '\n');
    const reports: string[] = [];
    let punches = 0;
    const copies = new BufferPool(1024, 1);
    const rotator = new LogRotator(file, { maxBytes: 64 * 1024, keep: 2 }, (m) => reports.push(m), async () => {
      punches++;
      throw new Error('Operation not supported');
    }, copies);
    rotator.advanced(100);
    rotator.advanced(200_100);
    await until('the failed punch to be reported', () => reports.length === 1);
    for (let i = 0; i < 5; i++) rotator.advanced(200_100 + i);
    assert.equal(punches, 1, 'no second attempt after the filesystem said no');
    assert.match(reports[0]!, /cannot be rotated here \(Operation not supported\); it keeps growing, and no line is lost/);
    assert.equal(fs.statSync(file).size, 200_100, 'the live file is untouched');
    assert.equal(fs.readFileSync(`${file}.1`, 'utf8'), fs.readFileSync(file, 'utf8').slice(0, 200_100), 'the copy went through the small borrowed buffer whole');
    assert.equal(copies.kept, 1, 'the copy buffer went back to the pool');
  });
});

describe('log rotation interrupted by a daemon crash', () => {
  it('punches the head an earlier daemon noted but did not punch, so no byte stays in two places', async () => {
    const dir = runDir();
    const file = path.join(dir, 'stdout.log');
    fs.writeFileSync(file, 'a'.repeat(99) + '\n' + 'b'.repeat(99) + '\n');
    // The earlier daemon copied the first line to stdout.log.1 and wrote the note, then died.
    fs.writeFileSync(`${file}.1`, 'a'.repeat(99) + '\n');
    fs.writeFileSync(rotationStateFile(file), JSON.stringify({ holeEnd: 100, files: [{ name: 'stdout.log.1', from: 0, to: 100 }] }));
    const punched: [string, number][] = [];
    const rotator = new LogRotator(file, { maxBytes: 64 * 1024, keep: 2 }, () => undefined, async (f, length) => void punched.push([f, length]));
    await until('the noted head to be punched', () => punched.length === 1);
    assert.deepEqual(punched, [[file, 100]]);
    assert.equal(rotator.current.holeEnd, 100, 'the note stands');
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
