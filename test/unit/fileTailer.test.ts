/**
 * The file tailer on real files: a backlog is read whole and in order through the larger
 * buffer, later appends through the small one, and nothing is read twice or skipped.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileTailer } from '../../daemon/logs/fileTailer';
import { TurnBudget } from '../../daemon/logs/turnBudget';
import { BufferPool } from '../../daemon/logs/bufferPool';
import { waitFor } from '../integration/helpers';

/** Counts the buffers it had to make: a buffer given back and taken again is not counted. */
class CountingPool extends BufferPool {
  made = 0;

  override take(): Buffer {
    if (this.kept === 0) this.made++;
    return super.take();
  }
}

describe('file tailer', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-tailer-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every byte once and in order when its reads wait for turns', async () => {
    const files = [0, 1, 2].map((i) => path.join(dir, `out${i}.log`));
    files.forEach((f, i) => fs.writeFileSync(f, Array.from({ length: 5000 }, (_, n) => `${i}:${n} ${'y'.repeat(80)}\n`).join('')));
    const turns = new TurnBudget(0); // every read but the first of a turn waits
    const got = files.map(() => [] as Buffer[]);
    const tailers = files.map((f, i) => new FileTailer(f, 0, { data: (chunk) => void got[i]!.push(Buffer.from(chunk)) }, turns));
    tailers.forEach((t) => t.start());
    try {
      await waitFor('all three files', () => files.every((f, i) => Buffer.concat(got[i]!).length === fs.statSync(f).size));
      files.forEach((f, i) => assert.equal(Buffer.concat(got[i]!).toString(), fs.readFileSync(f, 'utf8')));
    } finally {
      tailers.forEach((t) => t.stop());
    }
  });

  it('reads a backlog whole in large blocks, then appends in small ones, each byte once', async () => {
    const file = path.join(dir, 'out.log');
    const lines = (from: number, n: number): string => Array.from({ length: n }, (_, i) => `line ${from + i} ${'x'.repeat(100)}\n`).join('');
    fs.writeFileSync(file, lines(0, 20_000)); // ~2.2 MB waiting before the tailer starts
    const chunks: Buffer[] = [];
    const sizes: number[] = [];
    let last = 0;
    const pool = new CountingPool(256 * 1024, 1);
    const tailer = new FileTailer(file, 0, {
      data: (chunk, offset) => {
        chunks.push(Buffer.from(chunk));
        sizes.push(chunk.length);
        assert.equal(offset, last + chunk.length, 'offsets follow the chunks');
        last = offset;
      },
    }, undefined, pool);
    tailer.start();
    try {
      const backlog = fs.statSync(file).size;
      await waitFor('the backlog', () => last === backlog);
      assert.equal(sizes[0], 64 * 1024, 'the first read fills the small buffer');
      assert.ok(sizes.slice(1, -1).every((n) => n === 256 * 1024), `then reads 256 KiB at a time: ${sizes.join(',')}`);
      const before = sizes.length;
      fs.appendFileSync(file, lines(20_000, 10));
      await waitFor('the append', () => last === fs.statSync(file).size);
      assert.ok(sizes.slice(before).every((n) => n <= 64 * 1024), 'an append after the backlog reads into the small buffer');
      assert.equal(pool.kept, 1, 'the backlog buffer went back to the pool');
      fs.appendFileSync(file, lines(20_010, 20_000));
      await waitFor('a second backlog', () => last === fs.statSync(file).size);
      assert.equal(pool.made, 1, 'the second backlog read through the buffer the first gave back');
      assert.equal(Buffer.concat(chunks).toString(), fs.readFileSync(file, 'utf8'));
    } finally {
      tailer.stop();
    }
  });
});
