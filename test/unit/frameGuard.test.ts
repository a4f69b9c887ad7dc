import * as assert from 'node:assert/strict';
import { FrameGuard, MAX_HEADER_BYTES } from '../../daemon/rpc/frameGuard';

const frame = (body: string): string => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('frame guard', () => {
  it('accepts well-formed messages, whole or split at every byte', () => {
    const text = frame('{"a":1}') + frame('{"body":"Content-Length: 999999999999"}') + frame('{}');
    assert.equal(new FrameGuard(1000).push(Buffer.from(text)), undefined);
    const g = new FrameGuard(1000);
    for (const byte of Buffer.from(text)) assert.equal(g.push(Buffer.from([byte])), undefined);
  });

  it('reports a header that never ends', () => {
    const v = new FrameGuard(1000).push(Buffer.alloc(MAX_HEADER_BYTES + 10, 0x41));
    assert.deepEqual(v, { kind: 'header-too-long' });
  });

  it('reports a header without Content-Length', () => {
    const v = new FrameGuard(1000).push(Buffer.from('Content-Type: x\r\n\r\n{}'));
    assert.equal(v?.kind, 'bad-header');
  });

  it('reports a message over the limit as soon as its header arrives', () => {
    assert.deepEqual(new FrameGuard(1000).push(Buffer.from('Content-Length: 1001\r\n\r\n')), { kind: 'too-large', bytes: 1001 });
  });

  it('checks the second message of a chunk, after skipping the first body', () => {
    const v = new FrameGuard(1000).push(Buffer.from(frame('{}') + 'Content-Length: 5000\r\n\r\n'));
    assert.deepEqual(v, { kind: 'too-large', bytes: 5000 });
  });
});
