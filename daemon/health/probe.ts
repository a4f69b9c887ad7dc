/**
 * One health check: an HTTP GET expecting 2xx within a timeout, or a TCP connect. Each result says
 * what happened (status code, latency, or the error) so the UI can show why a server is unhealthy.
 */
import * as net from 'node:net';

export type ProbeSpec = { kind: 'http'; path: string; port: number; timeoutMs: number } | { kind: 'tcp'; port: number; timeoutMs: number };

export interface ProbeResult {
  ok: boolean;
  /** Unix ms. */
  at: number;
  latencyMs: number;
  httpStatus?: number;
  error?: string;
}

export function probe(spec: ProbeSpec): Promise<ProbeResult> {
  return spec.kind === 'http' ? httpProbe(spec) : tcpProbe(spec);
}

/**
 * A GET over a plain socket, reading only the status line. Node's HTTP client (agent, request
 * object, header bookkeeping, parser) cost more CPU than the check itself: with ten servers checked
 * every 5 s it was most of an idle daemon's time. `Connection: close` lets the server end the
 * exchange; the rest of the answer is read and dropped.
 */
function httpProbe(spec: Extract<ProbeSpec, { kind: 'http' }>): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port: spec.port });
    let head = '';
    let settled = false;
    const finish = (r: Omit<ProbeResult, 'at' | 'latencyMs'>, drain = false) => {
      if (settled) return;
      settled = true;
      resolve({ ...r, at: started, latencyMs: Date.now() - started });
      if (!drain) socket.destroy();
    };
    socket.setTimeout(spec.timeoutMs, () => {
      finish({ ok: false, error: `no answer from ${spec.path} within ${spec.timeoutMs} ms` });
      socket.destroy();
    });
    socket.once('connect', () => {
      socket.write(`GET ${spec.path} HTTP/1.1\r\nHost: 127.0.0.1:${spec.port}\r\nUser-Agent: runlens-health\r\nAccept: */*\r\nConnection: close\r\n\r\n`, 'latin1');
    });
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      head += chunk.toString('latin1', 0, Math.min(chunk.length, 256));
      const eol = head.indexOf('\r\n');
      if (eol < 0 && head.length < 256) return;
      const status = statusOf(eol < 0 ? head : head.slice(0, eol));
      if (status === undefined) return finish({ ok: false, error: `not an HTTP answer from ${spec.path}: ${JSON.stringify(head.slice(0, 60))}` });
      const ok = status >= 200 && status < 300;
      finish({ ok, httpStatus: status, error: ok ? undefined : `HTTP ${status} from ${spec.path}` }, true);
    });
    socket.once('end', () => {
      finish({ ok: false, error: `connection closed without an answer from ${spec.path}` });
      socket.destroy();
    });
    socket.on('error', (err) => finish({ ok: false, error: err.message }));
  });
}

/** The status code of an HTTP/1.x status line, or undefined. */
export function statusOf(line: string): number | undefined {
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: |$)/.exec(line);
  return m ? Number(m[1]) : undefined;
}

function tcpProbe(spec: Extract<ProbeSpec, { kind: 'tcp' }>): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port: spec.port });
    const finish = (ok: boolean, error?: string) => {
      socket.destroy();
      resolve({ ok, error, at: started, latencyMs: Date.now() - started });
    };
    socket.setTimeout(spec.timeoutMs, () => finish(false, `no TCP connection to port ${spec.port} within ${spec.timeoutMs} ms`));
    socket.once('connect', () => finish(true));
    socket.once('error', (err) => finish(false, err.message));
  });
}
