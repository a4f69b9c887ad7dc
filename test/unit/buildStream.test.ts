import * as assert from 'node:assert/strict';
import type { BuildLogLine, BuildRecord } from '../../shared/protocol';
import { BuildStream, type Outgoing } from '../../daemon/rpc/buildStream';

const build = { id: 'b1', projectId: 'p1' } as BuildRecord;
const lines = (from: number, n: number): BuildLogLine[] =>
  Array.from({ length: n }, (_, i) => ({ seq: from + i, time: 0, stream: 'stdout', step: 'build', text: `line ${from + i}` }));

describe('build event stream to one subscriber', () => {
  it('keeps order, merges lines into batches, and sends one notification at a time', async () => {
    const sent: Outgoing[] = [];
    let release: () => void = () => undefined;
    const stream = new BuildStream(
      (item) => {
        sent.push(structuredClone(item));
        return new Promise<void>((r) => (release = r));
      },
      (err) => assert.fail(String(err)),
    );
    stream.push({ kind: 'log', build, lines: lines(1, 10) });
    stream.push({ kind: 'log', build, lines: lines(11, 10) });
    stream.push({ kind: 'changed', build });
    stream.push({ kind: 'log', build, lines: lines(21, 5) });
    assert.equal(sent.length, 1, 'the second send waits for the first');
    for (let i = 0; i < 3; i++) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(sent.map((s) => (s.kind === 'log' ? s.lines.map((l) => l.seq).join(',') : 'changed')), [
      '1,2,3,4,5,6,7,8,9,10',
      '11,12,13,14,15,16,17,18,19,20',
      'changed',
      '21,22,23,24,25',
    ]);
  });

  it('drops the oldest lines of a slow reader and says how many', async () => {
    const sent: Outgoing[] = [];
    let release: () => void = () => undefined;
    const stream = new BuildStream((item) => {
      sent.push(structuredClone(item));
      return new Promise<void>((r) => (release = r));
    }, () => undefined, 1000);
    stream.push({ kind: 'log', build, lines: lines(1, 1) });
    stream.push({ kind: 'log', build, lines: lines(2, 3000) });
    release();
    await new Promise((r) => setImmediate(r));
    const second = sent[1] as Extract<Outgoing, { kind: 'log' }>;
    assert.equal(second.dropped, 2000);
    assert.equal(second.lines[0]!.seq, 2002);
  });
});
