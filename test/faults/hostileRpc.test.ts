/**
 * Malformed and oversized JSON-RPC on the real daemon's socket, fuzzed: framed requests with
 * damaged bytes or wrongly typed params, broken headers, random bytes, an announced 65 MiB message
 * and a real 10 MiB one. Each input is answered with an error, skipped, or its connection is
 * dropped with the reason in daemon.log; a bystander connection open throughout keeps working and
 * the daemon is the same process at the end.
 */
import * as assert from 'node:assert/strict';
import { DaemonStatusRequest, GetTraceRequest, ListTracesRequest, LogsGetRequest, SearchLogsRequest, ServersListRequest, BuildListRequest } from '../../shared/protocol';
import { connectOnce } from '../../shared/node/launcher';
import { orClosed } from '../../shared/node/rpcClient';
import { statePaths } from '../../shared/node/stateDir';
import { connectClient, readLog, waitFor } from '../integration/helpers';
import { figure } from './figures';
import { mutateBytes, mutateJson, jsonText, randomBytes, Tally, type Random } from './fuzz';
import { startLiveDaemon, type LiveDaemon } from './liveDaemon';
import { inParallel } from './otlpBodies';
import { seededRandom } from './seeded';

const INPUTS = 2_000;
const PROBE_ID = 424242;

// Hello is left out: a well-formed hello from a newer client makes the daemon hand over and exit, by design.
const BASES: { method: string; params: unknown }[] = [
  { method: DaemonStatusRequest.method, params: {} },
  { method: ServersListRequest.method, params: { folder: '/tmp/none' } },
  { method: LogsGetRequest.method, params: { serverId: 'none', limit: 10 } },
  { method: ListTracesRequest.method, params: { limit: 5 } },
  { method: GetTraceRequest.method, params: { traceId: '5b8efff798038103d269b633813fc60c' } },
  { method: SearchLogsRequest.method, params: { text: 'x' } },
  { method: BuildListRequest.method, params: {} },
];

function frame(body: Buffer | string): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b]);
}

function hostileInput(rng: Random, tally: Tally): Buffer {
  const base = rng.pick(BASES);
  const request = { jsonrpc: '2.0', id: rng.int(1, 1000), method: base.method, params: base.params };
  const kind = rng.pick(['damaged body', 'wrong params', 'broken header', 'random bytes', 'not JSON-RPC'] as const);
  tally.add(kind);
  switch (kind) {
    case 'damaged body': return frame(mutateBytes(rng, Buffer.from(JSON.stringify(request))));
    case 'wrong params': return frame(jsonText(mutateJson(rng, request, 64 * 1024)));
    case 'broken header': return Buffer.concat([mutateBytes(rng, Buffer.from(`Content-Length: ${JSON.stringify(request).length}\r\n\r\n`)), Buffer.from(JSON.stringify(request))]);
    case 'random bytes': return randomBytes(rng, rng.int(1, 16 * 1024));
    default: return frame(jsonText(rng.pick([[1, 2], 'text', null, { jsonrpc: '1.0', id: 'x' }, { id: 1, method: 42 }])));
  }
}

type Outcome = 'dropped' | 'error answer' | 'answered' | 'skipped' | 'held incomplete frame';

/**
 * Sends `input`, then a status request on the same connection, and reads until the daemon closes
 * the connection or answers the status request. A frame whose body is announced longer than what
 * came is legitimately waited for: after a while the connection counts as held and is closed here.
 */
async function probe(home: string, input: Buffer): Promise<Outcome> {
  const socket = await connectOnce(statePaths(home).socket);
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let outcome: Outcome = 'skipped';
    const done = (o: Outcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done('held incomplete frame'), 3_000);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        const len = Number(/Content-Length: (\d+)/.exec(buf.subarray(0, end).toString())?.[1]);
        if (end === -1 || buf.length < end + 4 + len) return;
        const reply = JSON.parse(buf.subarray(end + 4, end + 4 + len).toString()) as { id?: unknown; error?: unknown };
        buf = buf.subarray(end + 4 + len);
        if (reply.id === PROBE_ID) return done(outcome);
        if (reply.id !== undefined) outcome = reply.error ? 'error answer' : 'answered';
      }
    });
    socket.on('close', () => done('dropped'));
    socket.on('error', () => done('dropped'));
    socket.write(input);
    socket.write(frame(JSON.stringify({ jsonrpc: '2.0', id: PROBE_ID, method: DaemonStatusRequest.method, params: {} })));
  });
}

describe('hostile JSON-RPC on the daemon socket (real daemon)', function () {
  this.timeout(600_000);
  let d: LiveDaemon;

  before(async () => {
    d = await startLiveDaemon('rl-fz-rpc-');
  });
  after(async () => d?.stop());

  it(`answers, skips or drops each of ${INPUTS} malformed messages, and a bystander keeps working`, async () => {
    const rng = seededRandom('JSON-RPC malformed messages');
    const bystander = await connectClient(d.home, 'bystander');
    const tally = new Tally();
    const inputs = Array.from({ length: INPUTS }, () => hostileInput(rng, tally));
    console.log(`      inputs: ${tally}`);
    const outcomes = new Tally();
    const logBefore = (readLog(d.home).match(/closed: malformed input/g) ?? []).length;
    await inParallel(inputs, 16, async (input) => outcomes.add(await probe(d.home, input)));
    console.log(`      outcomes: ${outcomes}`);
    const reasons = (readLog(d.home).match(/closed: malformed input/g) ?? []).length - logBefore;
    // Every drop is explained in daemon.log (a drop may also come from the peer closing a held frame: ≥).
    assert.ok(reasons >= outcomes.get('dropped'), `${outcomes.get('dropped')} drops but ${reasons} logged reasons`);
    const status = await orClosed(bystander, bystander.sendRequest(DaemonStatusRequest, {}));
    assert.equal(status.daemon.pid, d.pid);
    bystander.dispose();
    await d.assertServing();
    figure('JSON-RPC malformed messages', 'sent / error answer / skipped / dropped with reason / held incomplete', `${INPUTS} / ${outcomes.get('error answer')} / ${outcomes.get('skipped')} / ${outcomes.get('dropped')} / ${outcomes.get('held incomplete frame')}`);
    figure('JSON-RPC malformed messages', 'answered normally (harmless after damage)', outcomes.get('answered'));
  });

  it('drops a peer announcing 65 MiB, answers a real 10 MiB message with InvalidParams, and stays up', async () => {
    const rssBefore = d.rss();
    const announced = await probe(d.home, Buffer.from(`Content-Length: ${65 * 2 ** 20}\r\n\r\n{"jsonrpc":"2.0"`));
    assert.equal(announced, 'dropped');
    await waitFor('the oversize announcement in daemon.log', () => readLog(d.home).includes(`announced a message of ${65 * 2 ** 20} bytes`));
    const big = JSON.stringify({ jsonrpc: '2.0', id: 5, method: GetTraceRequest.method, params: { traceId: 'f'.repeat(10 * 2 ** 20) } });
    assert.equal(await probe(d.home, frame(big)), 'error answer');
    await d.assertServing();
    figure('JSON-RPC oversized messages', 'announced 65 MiB / real 10 MiB', `${announced} / error answer`);
    figure('JSON-RPC oversized messages', 'daemon RSS before / after (MiB)', `${(rssBefore / 2 ** 20).toFixed(0)} / ${(d.rss() / 2 ** 20).toFixed(0)}`);
  });
});

