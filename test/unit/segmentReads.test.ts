import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadBatch } from '../../daemon/telemetry/feeder';
import { ReadScratch, SegmentWriter } from '../../daemon/telemetry/segments';
import type { Checkpoint } from '../../shared/telemetry/query';

describe('segment reads', () => {
  it('reads batch after batch through one reused buffer, every line once, across segments and character sets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-segreads-'));
    // Small segments, so reads cross from one to the next.
    const writer = new SegmentWriter(dir, 4096);
    const texts: string[] = [];
    try {
      for (let block = 0; block < 60; block++) {
        const lines = Array.from({ length: 1 + (block % 7) }, (_, i) => (block % 3 === 0 ? `naïve 日本語 ${block}.${i}` : `plain ${block}.${i} ${'x'.repeat(block)}`));
        texts.push(...lines);
        writer.append([{ t: 'lines', serverId: 'p:s', runId: 'r1', service: 's', stream: 'stdout', line: texts.length - lines.length + 1, timeUnixNano: '1', texts: lines }]);
      }
      const scratch = new ReadScratch();
      const seen: string[] = [];
      let from: Checkpoint = { segment: 0, offset: 0 };
      const buffers = new Set<Buffer>();
      for (let reads = 0; reads < 1000; reads++) {
        const b = loadBatch(dir, from, 700, scratch);
        buffers.add(scratch.take(1));
        if (b.next.segment === from.segment && b.next.offset === from.offset) break;
        assert.deepEqual(b.bad, []);
        seen.push(...b.batch.logs.map((l) => l.message));
        from = b.next;
      }
      // Lines are strings by the time the next read overwrites the buffer.
      assert.deepEqual(seen, texts);
      assert.equal(buffers.size, 1, 'one buffer served every read');
    } finally {
      writer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
