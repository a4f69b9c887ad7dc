import * as assert from 'node:assert/strict';
import { LineSplitter } from '../../daemon/logs/lineSplitter';

const texts = (lines: { text: string }[]): string[] => lines.map((l) => l.text);

describe('line splitter', () => {
  it('joins a line split across chunks, even inside a UTF-8 character', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('héllo wörld\nnext\n');
    const out = [];
    for (const b of bytes) out.push(...s.push(Buffer.from([b])));
    assert.deepEqual(texts(out), ['héllo wörld', 'next']);
  });

  it('treats \\r\\n as one line end, also when split between chunks', () => {
    const s = new LineSplitter();
    assert.deepEqual(texts([...s.push(Buffer.from('a\r')), ...s.push(Buffer.from('\nb\r\n'))]), ['a', 'b']);
  });

  it('keeps each redraw of a \\r progress line', () => {
    const s = new LineSplitter();
    assert.deepEqual(texts(s.push(Buffer.from('10%\r50%\r100%\ndone\n'))), ['10%', '50%', '100%', 'done']);
  });

  it('keeps empty lines', () => {
    assert.deepEqual(texts(new LineSplitter().push(Buffer.from('a\n\nb\n'))), ['a', '', 'b']);
  });

  it('cuts a very long line into marked parts and loses no byte', () => {
    const s = new LineSplitter(1024);
    const long = 'x'.repeat(5000);
    const out = [...s.push(Buffer.from(long + '\n'))];
    assert.equal(out.length, 5);
    assert.ok(out.slice(0, 4).every((l) => l.partial));
    assert.equal(out[4]!.partial, false);
    assert.equal(out.map((l) => l.text).join(''), long);
  });

  it('does not cut inside a multi-byte character', () => {
    const s = new LineSplitter(10);
    const out = s.push(Buffer.from('ééééééééé\n'));
    assert.equal(out.map((l) => l.text).join(''), 'ééééééééé');
    assert.ok(out.every((l) => !l.text.includes('\uFFFD')));
  });

  it('turns invalid UTF-8 and binary into replacement characters instead of failing', () => {
    const out = new LineSplitter().push(Buffer.from([0xff, 0xfe, 0x41, 0x00, 0x0a]));
    assert.equal(out.length, 1);
    assert.match(out[0]!.text, /\uFFFD\uFFFDA\u0000/);
  });

  it('returns the unterminated rest on flush', () => {
    const s = new LineSplitter();
    assert.deepEqual(texts(s.push(Buffer.from('a\nrest'))), ['a']);
    assert.deepEqual(texts(s.flush()), ['rest']);
    assert.deepEqual(s.flush(), []);
  });
});
