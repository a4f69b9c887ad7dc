import * as assert from 'node:assert/strict';
import { exceptionsFromLogs } from '../../extension/panels/logExceptions';
import type { LogRecord } from '../../shared/telemetry/model';

let n = 0;
function line(ms: number, message: string, runId = 'r1'): LogRecord {
  return { t: 'log', id: `${runId}:stderr:${n++}`, timeUnixNano: `${1_700_000_000_000 + ms}000000`, level: 'warn', message, source: 'server', serverId: 's:api', runId };
}

describe('exceptions in server logs', () => {
  it("groups Node's uncaught exception report into one exception with its frames", () => {
    const records = [
      line(0, 'listening on 3000'),
      line(1000, '/app/src/server.js:12'),
      line(1000, "    throw new TypeError('bad input');"),
      line(1000, '    ^'),
      line(1000, ''),
      line(1001, 'TypeError: bad input'),
      line(1001, '    at handle (/app/src/server.js:12:11)'),
      line(1001, '    at Server.<anonymous> (/app/src/server.js:30:3)'),
      line(1002, ''),
      line(1002, 'Node.js v20.20.2'),
    ];
    const [e, ...rest] = exceptionsFromLogs(records.reverse());
    assert.equal(rest.length, 0);
    assert.equal(e.message, 'TypeError: bad input');
    assert.equal(e.serverId, 's:api');
    assert.match(e.stack, /^TypeError: bad input\n {4}at handle \(\/app\/src\/server\.js:12:11\)\n/);
  });

  it('ignores error words without frames, and keeps runs and distant lines apart', () => {
    const records = [
      line(0, 'Error: could not reach the cache, retrying'),
      line(10, 'Error: first', 'r1'),
      line(11, '    at a (/app/a.js:1:1)', 'r2'),
      line(5000, 'RangeError: second'),
      line(5001, '    at b (/app/b.js:2:2)'),
    ];
    const found = exceptionsFromLogs(records);
    assert.deepEqual(found.map((e) => e.message), ['RangeError: second']);
  });
});
