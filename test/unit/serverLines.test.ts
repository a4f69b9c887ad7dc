/**
 * Server output as `lines` segment records: grouping a sink batch into blocks, writing them, and
 * the segment parser expanding a block into the log records the stores keep (or quarantining a bad
 * one). And the daemon's own encoding of `logs/lines` notifications.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LogLinesNotification, type LogLine } from '../../shared/protocol/logs';
import type { LogRecord } from '../../shared/telemetry/model';
import { serverLineId, type ServerLinesRecord } from '../../shared/telemetry/serverLines';
import { serverLineRecords } from '../../daemon/servers/telemetryBridge';
import { parseSegmentLine } from '../../daemon/telemetry/feeder';
import { SegmentWriter, segmentName } from '../../daemon/telemetry/segments';
import { daemonMessageEncoder } from '../../daemon/rpc/messageEncoder';

const TIME = 1_717_171_717_400;

function line(stream: LogLine['stream'], n: number | undefined, text: string, runId = 'r1'): LogLine {
  return { seq: n ?? 0, time: TIME, stream, text, runId, line: n };
}

function expand(text: string): LogRecord[] {
  const r = parseSegmentLine(text);
  assert.ok(Array.isArray(r), `expected log records, got ${JSON.stringify(r)}`);
  return r;
}

describe('server output as lines records', () => {
  it('groups consecutive lines of one stream and run, and leaves Runlens lines out', () => {
    const blocks = serverLineRecords('p:web', 'web', [
      line('stdout', 1, 'a'), line('stdout', 2, 'b'), line('system', undefined, '--- restarted ---'),
      line('stdout', 3, 'c'), line('stderr', 1, 'oops'), line('stdout', 5, 'e'), line('stdout', 6, 'f', 'r2'),
    ]);
    assert.deepEqual(blocks.map((b) => [b.stream, b.runId, b.line, b.texts]), [
      ['stdout', 'r1', 1, ['a', 'b']], ['stdout', 'r1', 3, ['c']], ['stderr', 'r1', 1, ['oops']],
      ['stdout', 'r1', 5, ['e']], ['stdout', 'r2', 6, ['f']],
    ]);
    assert.equal(blocks[0]!.timeUnixNano, '1717171717400000000');
  });

  it('expands a block into one log record per line with stable ids, levels and plain text', () => {
    const [block] = serverLineRecords('p:web', 'web', [
      line('stderr', 41, 'plain on stderr'), line('stderr', 42, '\x1b[31mERROR\x1b[0m boom'), line('stderr', 43, '{"level":"info","msg":"json"}'),
    ]);
    const logs = expand(JSON.stringify(block));
    assert.deepEqual(logs.map((l) => [l.id, l.level, l.message]), [
      [serverLineId('r1', 'stderr', 41), 'warn', 'plain on stderr'],
      ['log:r1:stderr:42', 'error', 'ERROR boom'],
      ['log:r1:stderr:43', 'info', '{"level":"info","msg":"json"}'],
    ]);
    for (const l of logs) {
      assert.equal(l.t, 'log');
      assert.equal(l.source, 'server');
      assert.equal(l.serverId, 'p:web');
      assert.equal(l.service, 'web');
      assert.equal(l.runId, 'r1');
      assert.equal(l.timeUnixNano, '1717171717400000000');
      assert.deepEqual(l.attributes, { 'log.iostream': 'stderr' });
    }
  });

  it('expands the same block to the same records twice (a replay is dropped by id)', () => {
    const text = JSON.stringify(serverLineRecords('p:web', 'web', [line('stdout', 7, 'x'), line('stdout', 8, 'y')])[0]);
    assert.deepEqual(expand(text), expand(text));
  });

  it('gives a reason for a block it cannot expand', () => {
    const good = { t: 'lines', serverId: 's', runId: 'r', service: 'x', stream: 'stdout', line: 1, timeUnixNano: '1', texts: ['a'] };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, stream: 'system' }, /stream "system"/],
      [{ ...good, runId: undefined }, /without serverId, runId or service/],
      [{ ...good, line: 1.5 }, /without a line number or time/],
      [{ ...good, texts: ['a', 2] }, /texts are not strings/],
      [{ ...good, texts: 'a' }, /texts are not strings/],
    ];
    for (const [rec, reason] of cases) {
      const r = parseSegmentLine(JSON.stringify(rec));
      assert.equal(typeof r, 'string', JSON.stringify(rec));
      assert.match(r as string, reason);
    }
  });
});

describe('lines records in the segments', () => {
  it('are written as JSON that reads back as the same records, whatever the text', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-seglines-'));
    const texts = [
      'plain ascii line 1', '', 'a "quoted" word', 'back\\slash', 'tab\there', 'bell \u0007 and NUL \u0000', '\u001b[31mred\u001b[0m',
      'naïve 日本語 🚀', 'line\u2028separator', '\u007f delete', '\ufffd replaced', 'x'.repeat(70_000),
    ];
    const block: ServerLinesRecord = { t: 'lines', serverId: 'p:"web"', runId: 'r\\1', service: 'wéb', stream: 'stderr', line: 7, timeUnixNano: '1717171717400000000', texts };
    const w = new SegmentWriter(dir);
    try {
      w.append([block, { ...block, line: 19, texts: ['second'] }]);
      w.append([{ ...block, line: 20, texts: [] }]);
    } finally {
      w.close();
    }
    const lines = fs.readFileSync(path.join(dir, segmentName(1)), 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), [block, { ...block, line: 19, texts: ['second'] }, { ...block, line: 20, texts: [] }]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('logs/lines notifications as the daemon encodes them', () => {
  it('decode to exactly what JSON.stringify would have sent', async () => {
    const lines: LogLine[] = [
      { seq: 1, time: 1717171717123, stream: 'stdout', text: 'plain', runId: 'r1', line: 1 },
      { seq: 2, time: 1717171717124, stream: 'stderr', text: 'naïve "日本語" \\ 🚀 \u0000\u001b[0m\u2028', runId: 'r1', line: 1 },
      { seq: 3, time: 1717171717125, stream: 'system', text: '--- restarted ---', runId: 'r"2' },
      { seq: 4, time: 1717171717126, stream: 'stdout', text: 'x'.repeat(70_000), runId: 'r"2', line: 1, partial: true },
    ];
    const encoder = daemonMessageEncoder();
    const options = { charset: 'utf-8' as const };
    for (const params of [{ subscriptionId: 3, serverId: 'p:wéb', lines }, { subscriptionId: 4, serverId: 's', lines: [], skipped: 12 }]) {
      const msg = { jsonrpc: '2.0', method: LogLinesNotification.method, params };
      const bytes = await encoder.encode(msg, options);
      assert.deepEqual(JSON.parse(Buffer.from(bytes).toString('utf8')), JSON.parse(JSON.stringify(msg)));
    }
    const other = { jsonrpc: '2.0', id: 1, result: { lines: 'not a notification' } };
    assert.equal(Buffer.from(await encoder.encode(other, options)).toString('utf8'), JSON.stringify(other));
  });
});
