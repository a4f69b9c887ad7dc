/** Reading logged lines back from a run's file: lines that straddle the 256 KiB read blocks come back whole. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readEntryLines } from '../../daemon/logs/fileLines';

describe('readEntryLines', () => {
  it('returns every line of an entry intact across read blocks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-filelines-'));
    try {
      // 111-byte lines: none of the 256 KiB block ends falls on a line end.
      const lines = Array.from({ length: 10_000 }, (_, i) => `line ${String(i + 1).padStart(5, '0')} ${'x'.repeat(98)}`);
      fs.writeFileSync(path.join(dir, 'stdout.log'), lines.join('\n') + '\n');
      const got = readEntryLines({ seq: 1, run: 'r', stream: 'stdout', time: 0, offset: 0, line: 1 }, dir, 0, lines.length);
      assert.equal(got.length, lines.length);
      got.forEach((l, i) => l.text !== lines[i] && assert.fail(`line ${i + 1} read back as ${l.text.slice(0, 20)}…`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
