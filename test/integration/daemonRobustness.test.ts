/** Hostile and broken input on the real socket: the daemon drops the offender and serves the rest. */
import * as assert from 'node:assert/strict';
import * as child_process from 'node:child_process';
import * as crypto from 'node:crypto';
import { DaemonStatusRequest, HelloRequest } from '../../shared/protocol';
import { connectOnce } from '../../shared/node/launcher';
import { orClosed } from '../../shared/node/rpcClient';
import { statePaths } from '../../shared/node/stateDir';
import { cliJson, connectClient, daemonPids, readLog, stopAll, tempHome, waitFor } from './helpers';

/** Writes `bytes` on a fresh connection and resolves with whatever came back once the daemon closed it. */
async function sendRaw(home: string, bytes: Buffer | string): Promise<string> {
  const socket = await connectOnce(statePaths(home).socket);
  return new Promise((resolve, reject) => {
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Sends `prefix` raw, then one framed message, and resolves with the first framed reply. */
async function rpcRaw(home: string, body: string, last?: string): Promise<Record<string, unknown>> {
  const socket = await connectOnce(statePaths(home).socket);
  return new Promise((resolve, reject) => {
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString();
      const at = buf.indexOf('\r\n\r\n');
      const len = Number(/Content-Length: (\d+)/.exec(buf)?.[1]);
      if (at !== -1 && buf.length >= at + 4 + len) {
        socket.destroy();
        resolve(JSON.parse(buf.slice(at + 4, at + 4 + len)) as Record<string, unknown>);
      }
    });
    socket.on('error', reject);
    socket.write(last === undefined ? frame(body) : body + frame(last));
  });
}

describe('daemon under hostile input', () => {
  let home: string;
  before(async () => {
    home = tempHome();
    await cliJson(['daemon', 'start'], home);
  });
  after(() => stopAll(home));

  /** After each hostile act, the daemon must still be the same process and answer a normal client. */
  async function assertStillServing(): Promise<void> {
    const c = await connectClient(home);
    const s = await orClosed(c, c.sendRequest(DaemonStatusRequest, {}));
    assert.deepEqual(daemonPids(home), [s.daemon.pid]);
    c.dispose();
  }

  it('drops a connection that sends random bytes', async () => {
    const healthy = await connectClient(home, 'bystander');
    await sendRaw(home, crypto.randomBytes(64 * 1024));
    await waitFor('the daemon to log the malformed input', () => /closed: malformed input: peer sent/.test(readLog(home)));
    // A client connected meanwhile is untouched.
    const s = await orClosed(healthy, healthy.sendRequest(DaemonStatusRequest, {}));
    assert.ok(s.connections.some((c) => c.name === 'bystander'));
    healthy.dispose();
    await assertStillServing();
  });

  it('drops a connection whose message body is not JSON', async () => {
    await sendRaw(home, frame('{"jsonrpc":"2.0","id":1,"method":'));
    await assertStillServing();
  });

  it('answers JSON that is not JSON-RPC, or names no known method, with errors', async () => {
    // eslint-disable-next-line no-restricted-syntax -- a method the protocol does not have, on purpose
    const unknown = await rpcRaw(home, JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'runlens/daemon/explode', params: {} }));
    assert.equal((unknown.error as { code: number }).code, -32601);
    // Junk that parses as JSON is logged and skipped; the same connection still gets answers.
    const junkThenStatus = frame(JSON.stringify({ hello: 'world' })) + frame('[1,2,3]') + frame('"text"');
    const reply = await rpcRaw(home, junkThenStatus, JSON.stringify({ jsonrpc: '2.0', id: 9, method: DaemonStatusRequest.method, params: {} }));
    assert.equal(reply.id, 9);
    assert.ok((reply.result as { daemon: { pid: number } }).daemon.pid > 0);
    await assertStillServing();
  });

  it('rejects bad params with InvalidParams naming the field', async () => {
    const reply = await rpcRaw(home, JSON.stringify({ jsonrpc: '2.0', id: 1, method: HelloRequest.method, params: { protocolVersion: 'one' } }));
    const error = reply.error as { code: number; message: string };
    assert.equal(error.code, -32602);
    assert.match(error.message, /'protocolVersion' must be a finite number/);
    const notObject = await rpcRaw(home, JSON.stringify({ jsonrpc: '2.0', id: 2, method: HelloRequest.method, params: [1] }));
    assert.equal((notObject.error as { code: number }).code, -32602);
    await assertStillServing();
  });

  it('drops a peer announcing a gigantic message instead of buffering it', async () => {
    await sendRaw(home, 'Content-Length: 99999999999\r\n\r\n{"jsonrpc":');
    await waitFor('the oversize message to be logged', () => /announced a message of 99999999999 bytes/.test(readLog(home)));
    await assertStillServing();
  });

  it('survives a flood of connections that open and vanish at once', async () => {
    await Promise.all(Array.from({ length: 200 }, async () => {
      const s = await connectOnce(statePaths(home).socket);
      s.destroy();
    }));
    await assertStillServing();
  });

  it('cannot be reached by another user', async function () {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
      console.warn('    SKIPPED LOUDLY: switching to another uid needs root; run the suite as root to check socket privacy');
      this.skip();
    }
    const script = `require('net').createConnection(${JSON.stringify(statePaths(home).socket)})` +
      `.on('connect', () => { console.log('CONNECTED'); process.exit(0) })` +
      `.on('error', (e) => { console.log(e.code); process.exit(0) })`;
    const r = child_process.spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'EACCES', `another uid got: ${r.stdout}${r.stderr}`);
    await assertStillServing();
  });
});
