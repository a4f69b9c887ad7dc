/**
 * A real server writes a 50 MB line, then binary output (NUL bytes, invalid UTF-8), then 20,000
 * short lines that push all of it out of the daemon's in-memory ring. Paged back from the files
 * with logs/get: the long line comes back whole as 64 KiB parts marked `partial`, the binary
 * lines come back line for line (bad bytes as U+FFFD), and every byte of the file is accounted for.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { orClosed } from '../../shared/node/rpcClient';
import { LogsGetRequest, type LogLine } from '../../shared/protocol/logs';
import { ServersStartRequest, ServersStopRequest } from '../../shared/protocol/servers';
import { npmProject } from '../integration/buildHelpers';
import { waitFor } from '../integration/helpers';
import { runDirOf, serverNamed } from '../integration/serverHelpers';
import { figure } from './figures';
import { startLiveDaemon, type LiveDaemon } from './liveDaemon';

const LONG = 50 * 1000 * 1000;
const TAIL_LINES = 20_000;

/** The server: one write each of the long line, the binary block and the tail, then it serves. */
const SCRIPT = `
const fs = require('fs');
const http = require('http');
fs.writeSync(1, 'before\\n');
const unit = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
const long = Buffer.alloc(${LONG});
for (let i = 0; i < long.length; i += unit.length) unit.copy(long, i);
fs.writeSync(1, Buffer.concat([long, Buffer.from('\\n')]));
const binary = Buffer.alloc(256 * 1024);
let x = 12345;
for (let i = 0; i < binary.length; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; binary[i] = x >> 16 & 255; }
for (let i = 0; i < binary.length; i++) if (binary[i] === 10 || binary[i] === 13) binary[i] = 0;
for (let i = 999; i < binary.length; i += 1000) binary[i] = 10;
fs.writeSync(1, binary);
fs.writeSync(1, '\\n');
let tail = '';
for (let i = 0; i < ${TAIL_LINES}; i++) tail += 'tail ' + i + '\\n';
fs.writeSync(1, tail + 'done\\n');
http.createServer((q, s) => s.end('ok')).listen(process.env.PORT);
`;

/** Every line of the server, oldest first, paged backwards from the newest with logs/get. */
async function pageAll(d: LiveDaemon, serverId: string): Promise<LogLine[]> {
  const pages: LogLine[][] = [];
  let before: number | undefined;
  for (;;) {
    const page = await orClosed(d.client, d.client.sendRequest(LogsGetRequest, { serverId, ...(before === undefined ? { tail: 1000 } : { before, limit: 1000 }) }));
    if (!page.lines.length) break;
    pages.unshift(page.lines);
    before = page.lines[0]!.seq;
    if (!page.more) break;
  }
  return pages.flat();
}

describe('hostile server output (real daemon, real server)', function () {
  this.timeout(600_000);
  let d: LiveDaemon;
  let project: string;

  before(async () => {
    d = await startLiveDaemon('rl-fz-logs-');
    // Rotation off (a file limit above the output): the test compares what pages back with the
    // live file's bytes, and a rotation would have punched the head of that file out.
    const logs = { maxFileBytes: 1024 * 1024 * 1024 };
    project = npmProject({}, { 'runlens.json': JSON.stringify({ servers: [{ name: 'noisy', start: 'node noisy.js', logs }] }), 'noisy.js': SCRIPT });
  });
  after(async () => {
    await orClosed(d.client, d.client.sendRequest(ServersStopRequest, { project })).catch(() => undefined);
    await d?.stop();
    fs.rmSync(path.dirname(project), { recursive: true, force: true });
  });

  it('pages back a 50 MB line whole in marked 64 KiB parts, and binary output line for line', async () => {
    await orClosed(d.client, d.client.sendRequest(ServersStartRequest, { project }));
    const s = await serverNamed(d.client, 'noisy');
    const file = path.join(runDirOf(d.home, s), 'stdout.log');
    const fileBytes = await waitFor('the whole output in stdout.log', () => {
      const text = fs.readFileSync(file);
      return text.subarray(-5).toString() === 'done\n' ? text : undefined;
    }, 120_000);
    await waitFor('the last line in the daemon', async () =>
      (await orClosed(d.client, d.client.sendRequest(LogsGetRequest, { serverId: s.id, tail: 1 }))).lines[0]?.text === 'done' || undefined, 60_000);

    const lines = (await pageAll(d, s.id)).filter((l) => l.stream === 'stdout' && l.runId === s.runId && l.line !== undefined);
    const texts = lines.map((l) => l.text);
    assert.equal(texts[0], 'before');
    // The long line: consecutive parts, all but the last marked partial, joined back to 50 MB.
    const parts = lines.slice(1, lines.findIndex((l, i) => i > 0 && !l.partial) + 1);
    assert.equal(parts.length, Math.ceil(LONG / 65536));
    assert.ok(parts.slice(0, -1).every((p) => p.partial) && !parts.at(-1)!.partial, 'all parts but the last are marked partial');
    const joined = parts.map((p) => p.text).join('');
    assert.equal(joined.length, LONG);
    assert.equal(joined, fileBytes.subarray(7, 7 + LONG).toString('latin1'));

    // Binary: the same lines as the file's bytes decoded with replacement characters.
    const binStart = 7 + LONG + 1;
    const binEnd = fileBytes.indexOf('tail 0\n', binStart);
    const expected = fileBytes.subarray(binStart, binEnd - 1).toString('utf8').split('\n');
    const got = texts.slice(1 + parts.length, 1 + parts.length + expected.length);
    assert.equal(got.length, expected.length);
    assert.equal(got.filter((t, i) => t !== expected[i]).length, 0, 'binary lines differ from the file');
    const tail = texts.slice(1 + parts.length + expected.length);
    assert.equal(tail.length, TAIL_LINES + 1);
    assert.equal(tail.filter((t, i) => t !== (i < TAIL_LINES ? `tail ${i}` : 'done')).length, 0);
    await d.assertServing();
    const newlines = fileBytes.filter((b) => b === 10).length;
    figure('Server output: 50 MB line and binary', 'bytes in file / bytes of the long line paged back', `${fileBytes.length} / ${joined.length}`);
    figure('Server output: 50 MB line and binary', 'lines in file / lines paged back (long line as one)', `${newlines} / ${lines.length - parts.length + 1}`);
    figure('Server output: 50 MB line and binary', 'long line parts (64 KiB, marked partial)', parts.length);
    figure('Server output: 50 MB line and binary', 'binary lines in file / paged back identical', `${expected.length} / ${got.length}`);
  });
});
