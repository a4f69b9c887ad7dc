import * as assert from 'node:assert/strict';
import { isLibraryFrame, parseStack, sourceLabel, spanSource } from '../../shared/telemetry/spanSource';

describe('span source and stack frames', () => {
  it('parses V8 frames: named, anonymous, async, constructors, file URLs and Windows paths', () => {
    const frames = parseStack([
      'Error: boom',
      '    at handle (/app/src/server.js:12:5)',
      '    at /app/src/anon.js:3:9',
      '    at async Promise.all (index 0)',
      '    at async route (file:///app/src/route.mjs:40:11)',
      '    at new Store (C:\\app\\src\\store.js:7:3)',
      '    at eval (eval at run (/app/src/x.js:1:1), <anonymous>:1:1)',
      '    at <anonymous> (/app/src/mapped.js:51:67)',
      '    at Server.<anonymous> (/app/src/server.js:58:3)',
    ].join('\n'));
    assert.deepEqual(frames.map((f) => [f.functionName, f.file, f.line, f.column]), [
      ['handle', '/app/src/server.js', 12, 5],
      [undefined, '/app/src/anon.js', 3, 9],
      ['route', 'file:///app/src/route.mjs', 40, 11],
      ['new Store', 'C:\\app\\src\\store.js', 7, 3],
      [undefined, '/app/src/mapped.js', 51, 67],
      ['Server.<anonymous>', '/app/src/server.js', 58, 3],
    ]);
  });

  it('parses Firefox-style frames', () => {
    const [f] = parseStack('handle@http://localhost/app.js:3:4');
    assert.equal(f.functionName, 'handle');
    assert.equal(f.line, 3);
  });

  it('tells runtime and dependency frames from project frames', () => {
    assert.ok(isLibraryFrame({ file: 'node:internal/timers', line: 1 }));
    assert.ok(isLibraryFrame({ file: '/app/node_modules/express/lib/router.js', line: 1 }));
    assert.ok(!isLibraryFrame({ file: '/app/src/server.js', line: 1 }));
  });

  it('prefers code.* attributes, then code.stacktrace, then exception events', () => {
    const attrs = spanSource({ attributes: { 'code.file.path': '/a/b.ts', 'code.line.number': 4, 'code.stacktrace': 'at x (/c.js:1:1)' } });
    assert.equal(attrs?.kind, 'attributes');
    const stack = spanSource({ attributes: { 'code.stacktrace': '    at x (/app/src/c.js:1:2)' } });
    assert.ok(stack?.kind === 'stack' && stack.frames[0].file === '/app/src/c.js');
    const event = spanSource({
      attributes: {},
      events: [{ name: 'exception', timeUnixNano: '1', attributes: { 'exception.stacktrace': 'Error\n    at y (/app/src/d.js:5:6)' } }],
    });
    assert.ok(event?.kind === 'stack' && event.frames[0].line === 5);
    assert.equal(spanSource({ attributes: { 'code.file.path': '/a.ts' } }), undefined);
  });

  it('labels a location with its last two path parts', () => {
    assert.equal(sourceLabel({ file: '/w/src/routes/weather.ts', line: 42 }), 'routes/weather.ts:42');
  });
});
