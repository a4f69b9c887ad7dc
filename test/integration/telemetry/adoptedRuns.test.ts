/**
 * Telemetry of a server that outlives its daemon. A server's exporter keeps the OTLP endpoint it was
 * started with, so when the next daemon listens elsewhere (its port was taken, or it is configured
 * differently) it must also listen where the adopted run sends, or those spans are lost.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { orClosed } from '../../../shared/node/rpcClient';
import { GetTraceRequest } from '../../../shared/protocol';
import { ServersStartRequest, ServersStopRequest } from '../../../shared/protocol/servers';
import { cliJson, connectClient, daemonPids, stopAll, tempHome, waitFor } from '../helpers';
import { copyFixture, serverNamed } from '../serverHelpers';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts (or replaces) the daemon of `home` with its OTLP receiver preferring `port`. */
async function startDaemon(home: string, port: number): Promise<MessageConnection> {
  const before = process.env.RUNLENS_OTLP_PORT;
  process.env.RUNLENS_OTLP_PORT = String(port);
  try {
    await cliJson(['daemon', 'start'], home);
  } finally {
    if (before === undefined) delete process.env.RUNLENS_OTLP_PORT;
    else process.env.RUNLENS_OTLP_PORT = before;
  }
  return connectClient(home);
}

async function send(port: number): Promise<{ status: number; body: string; traceId: string }> {
  const traceId = crypto.randomBytes(16).toString('hex');
  const r = await fetch(`http://127.0.0.1:${port}/send?trace=${traceId}`);
  return { status: r.status, body: await r.text(), traceId };
}

describe('telemetry of runs adopted from an earlier daemon', function () {
  this.timeout(60_000);
  const home = tempHome();
  const project = copyFixture();
  let c: MessageConnection | undefined;

  after(async () => {
    if (c) await orClosed(c, c.sendRequest(ServersStopRequest, { project })).catch(() => undefined);
    c?.dispose();
    await stopAll(home);
  });

  it('keeps receiving the spans of a server adopted by a daemon that listens on another port', async () => {
    const first = await freePort();
    c = await startDaemon(home, first);
    await orClosed(c, c.sendRequest(ServersStartRequest, { project, server: 'sender' }));
    const sender = await waitFor('the sender to run', async () => {
      const s = await serverNamed(c!, 'sender');
      return s.status === 'running' ? s : undefined;
    }, 30_000);
    const before = await send(sender.port!);
    assert.equal(before.status, 200, before.body);

    for (const pid of daemonPids(home)) process.kill(pid, 'SIGKILL');
    await waitFor('the daemon to die', () => daemonPids(home).length === 0);
    c.dispose();
    const second = await freePort();
    c = await startDaemon(home, second);
    const adopted = await serverNamed(c, 'sender');
    assert.deepEqual([adopted.status, adopted.pid], ['running', sender.pid], 'the same process, adopted');

    const after = await waitFor('the adopted run to reach the new daemon', async () => {
      const r = await send(sender.port!);
      return r.status === 200 ? r : undefined;
    }, 15_000);
    const trace = await waitFor('the span sent after the restart to be stored', async () => {
      const t = await orClosed(c!, c!.sendRequest(GetTraceRequest, { traceId: after.traceId }));
      return t.spans.length > 0 ? t : undefined;
    }, 15_000);
    assert.equal(trace.spans[0]!.serverId, sender.id, 'attributed to the adopted server');
    const old = await orClosed(c, c.sendRequest(GetTraceRequest, { traceId: before.traceId }));
    assert.equal(old.spans.length, 1, 'the span sent before the restart is kept once');
  });
});
