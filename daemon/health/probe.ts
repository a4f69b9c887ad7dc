/**
 * One health check: an HTTP GET expecting 2xx within a timeout, or a TCP connect. Each result says
 * what happened (status code, latency, or the error) so the UI can show why a server is unhealthy.
 */
import * as http from 'node:http';
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

function httpProbe(spec: Extract<ProbeSpec, { kind: 'http' }>): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const done = (r: Omit<ProbeResult, 'at' | 'latencyMs'>) => resolve({ ...r, at: started, latencyMs: Date.now() - started });
    const req = http.get({ host: '127.0.0.1', port: spec.port, path: spec.path, timeout: spec.timeoutMs, agent: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      done({ ok: status >= 200 && status < 300, httpStatus: status, error: status >= 200 && status < 300 ? undefined : `HTTP ${status} from ${spec.path}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${spec.path} within ${spec.timeoutMs} ms`)));
    req.on('error', (err) => done({ ok: false, error: err.message }));
  });
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
