/**
 * The HTTP receiver on 127.0.0.1: OTLP/HTTP (`/v1/traces`, `/v1/metrics`, `/v1/logs`, JSON or
 * protobuf, optionally gzip) and Mastra's cloud-exporter routes (`…/spans/publish` and friends).
 * Bodies are limited to 20 MiB, checked against Content-Length before reading and counted while
 * reading and inflating; nothing a client sends can crash the daemon, only earn it a 4xx.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import type { Logger } from '../../log';
import { SegmentWriteError } from '../segments';

export const MAX_BODY_BYTES = 20 * 1024 * 1024;

export interface HttpAnswer {
  status: number;
  contentType?: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface IncomingBody {
  path: string;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Handles a request whose body was read and inflated; undefined means no such route. */
export type Route = (req: IncomingBody) => HttpAnswer | undefined;

export class BodyTooLarge extends Error {}

export class Receiver {
  private readonly server: http.Server;
  /** Ports of servers adopted from an earlier daemon that listened elsewhere: they still send there. */
  private readonly extra = new Map<number, http.Server>();
  port = 0;

  constructor(private readonly route: Route, private readonly log: Logger) {
    this.server = this.createServer();
  }

  private createServer(): http.Server {
    const server = http.createServer((req, res) => this.serve(req, res));
    server.on('clientError', (_err, socket) => socket.destroy());
    // Exporters keep connections alive between batches.
    server.keepAliveTimeout = 30_000;
    return server;
  }

  /**
   * Also listens on `port`, where a server started by an earlier daemon sends its telemetry (its
   * environment cannot change). The earlier daemon may still be letting go of it: a few tries.
   */
  async alsoListen(port: number, tries = 10, retryMs = 500): Promise<boolean> {
    if (port === this.port || this.extra.has(port)) return true;
    const server = this.createServer();
    this.extra.set(port, server);
    for (let i = 0; i < tries; i++) {
      if (!this.extra.has(port)) return false;
      if (await listenOn(server, port)) {
        this.log.info(`OTLP receiver also listening on http://127.0.0.1:${port} for servers started by an earlier daemon`);
        return true;
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
    this.extra.delete(port);
    this.log.warn(`OTLP port ${port}, used by servers started by an earlier daemon, stays taken; restart those servers to send telemetry to port ${this.port}`);
    return false;
  }

  /** Listens on `preferred`, else the next free port above it (up to 50 tries), else any free port. */
  async listen(preferred: number): Promise<number> {
    for (let port = preferred; port < preferred + 50 && preferred !== 0; port++) {
      if (await this.tryListen(port)) return this.port;
    }
    if (!(await this.tryListen(0))) throw new Error('cannot listen on 127.0.0.1 for OTLP; check local firewall or port limits');
    return this.port;
  }

  private async tryListen(port: number): Promise<boolean> {
    if (!(await listenOn(this.server, port))) return false;
    this.port = (this.server.address() as AddressInfo).port;
    return true;
  }

  async close(): Promise<void> {
    const servers = [this.server, ...this.extra.values()];
    this.extra.clear();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    })));
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'POST') return send(res, { status: 405, body: 'use POST', headers: { Allow: 'POST' } });
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      // Drain rather than close: a client still writing its body would see a broken pipe, not the 413.
      req.resume();
      return send(res, { status: 413, body: `body of ${declared} bytes exceeds the ${MAX_BODY_BYTES}-byte limit; send smaller batches` });
    }
    readBody(req).then(
      (raw) => {
        const body = inflate(raw, String(req.headers['content-encoding'] ?? 'identity'));
        const path = (req.url ?? '/').split('?')[0]!;
        const contentType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        const answer = this.route({ path, contentType, headers: req.headers, body });
        send(res, answer ?? { status: 404, body: `no route ${path}; OTLP uses /v1/traces, /v1/metrics and /v1/logs` });
      },
      (err: unknown) => this.fail(res, err),
    ).catch((err: unknown) => this.fail(res, err));
  }

  private fail(res: http.ServerResponse, err: unknown): void {
    if (err instanceof BodyTooLarge) return send(res, { status: 413, body: err.message });
    if (err instanceof BadEncoding) return send(res, { status: 400, body: err.message });
    // 503 is retryable for OTLP exporters: they keep the batch and send it again later.
    if (err instanceof SegmentWriteError) return send(res, { status: 503, body: err.message, headers: { 'Retry-After': '5' } });
    this.log.error(`OTLP receiver: ${(err as Error)?.stack ?? String(err)}`);
    if (!res.headersSent) send(res, { status: 500, body: 'internal error; see daemon.log' });
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge(`body exceeds the ${MAX_BODY_BYTES}-byte limit; send smaller batches`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function listenOn(server: http.Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = (): void => resolve(false);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve(true);
    });
  });
}

export class BadEncoding extends Error {}

function inflate(raw: Buffer, encoding: string): Buffer {
  const opts = { maxOutputLength: MAX_BODY_BYTES };
  try {
    if (encoding === 'gzip') return zlib.gunzipSync(raw, opts);
    if (encoding === 'deflate') return zlib.inflateSync(raw, opts);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new BodyTooLarge(`inflated body exceeds the ${MAX_BODY_BYTES}-byte limit; send smaller batches`);
    throw new BadEncoding(`body is not valid ${encoding} (${(err as Error).message})`);
  }
  if (encoding !== 'identity' && encoding !== '') throw new BadEncoding(`unsupported Content-Encoding '${encoding}'; use gzip or none`);
  return raw;
}

function send(res: http.ServerResponse, a: HttpAnswer): void {
  const body = typeof a.body === 'string' ? Buffer.from(a.body, 'utf8') : a.body;
  res.writeHead(a.status, {
    'Content-Type': a.contentType ?? 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...a.headers,
  });
  res.end(body);
}
