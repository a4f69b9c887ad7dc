/**
 * The HTTP health check reads only the status line over a plain socket; these serve it real
 * sockets on 127.0.0.1 with the answers servers give in practice, odd ones included.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { probe, statusOf } from '../../daemon/health/probe';

/** A TCP server that answers each connection with `answer`, after receiving the request head. */
async function serve(answer: (socket: net.Socket, request: string) => void): Promise<{ port: number; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        requests.push(text);
        answer(socket, text);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, requests, close: () => new Promise((r) => server.close(() => r())) };
}

describe('HTTP health probe', () => {
  it('reads the status code and sends a proper GET with Connection: close', async () => {
    const s = await serve((socket) => socket.end('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n'));
    try {
      const r = await probe({ kind: 'http', path: '/health?x=1', port: s.port, timeoutMs: 2000 });
      assert.equal(r.ok, true);
      assert.equal(r.httpStatus, 204);
      assert.match(s.requests[0]!, /^GET \/health\?x=1 HTTP\/1\.1\r\n/);
      assert.match(s.requests[0]!, /\r\nHost: 127\.0\.0\.1:\d+\r\n/);
      assert.match(s.requests[0]!, /\r\nConnection: close\r\n/);
    } finally {
      await s.close();
    }
  });

  it('fails on a 5xx, naming the status and the path', async () => {
    const s = await serve((socket) => socket.end('HTTP/1.1 500 Internal Server Error\r\n\r\noops'));
    try {
      const r = await probe({ kind: 'http', path: '/health', port: s.port, timeoutMs: 2000 });
      assert.equal(r.ok, false);
      assert.equal(r.httpStatus, 500);
      assert.equal(r.error, 'HTTP 500 from /health');
    } finally {
      await s.close();
    }
  });

  it('reads a status line split across packets, and an HTTP/1.0 answer', async () => {
    const s = await serve((socket) => {
      socket.write('HTTP/1.0 2');
      setImmediate(() => socket.end('00 OK\r\n\r\n'));
    });
    try {
      const r = await probe({ kind: 'http', path: '/', port: s.port, timeoutMs: 2000 });
      assert.equal(r.ok, true, r.error);
      assert.equal(r.httpStatus, 200);
    } finally {
      await s.close();
    }
  });

  it('fails with a reason on a non-HTTP answer, a closed connection, silence and a refused port', async () => {
    const garbage = await serve((socket) => socket.end('SSH-2.0-OpenSSH\r\n'));
    const closes = await serve((socket) => socket.end());
    const silent = await serve(() => undefined);
    try {
      assert.match((await probe({ kind: 'http', path: '/', port: garbage.port, timeoutMs: 2000 })).error!, /not an HTTP answer from \/: "SSH-2\.0/);
      assert.match((await probe({ kind: 'http', path: '/', port: closes.port, timeoutMs: 2000 })).error!, /connection closed without an answer/);
      const hung = await probe({ kind: 'http', path: '/h', port: silent.port, timeoutMs: 200 });
      assert.equal(hung.ok, false);
      assert.equal(hung.error, 'no answer from /h within 200 ms');
      assert.ok(hung.latencyMs >= 190, `latency ${hung.latencyMs}`);
    } finally {
      await Promise.all([garbage.close(), closes.close(), silent.close()]);
    }
    const port = garbage.port; // closed above: nothing listens there now
    assert.match((await probe({ kind: 'http', path: '/', port, timeoutMs: 2000 })).error!, /ECONNREFUSED/);
  });

  it('parses status lines strictly', () => {
    assert.equal(statusOf('HTTP/1.1 200 OK'), 200);
    assert.equal(statusOf('HTTP/2 503'), 503);
    assert.equal(statusOf('HTTP/1.1 2000 OK'), undefined);
    assert.equal(statusOf('hello'), undefined);
  });
});
