/**
 * A fault injector between the daemon and a real ClickHouse: it forwards every HTTP request, and
 * on inserts can answer with a ClickHouse-style error instead (the insert never reached the
 * server), answer with an error after ClickHouse took the rows (the daemon must replay without
 * duplicates), or hold the insert until the test has done something (killed the daemon) first.
 * ClickHouse itself cannot be told to fail this way on demand, so this part is simulated.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clickHouseAvailable, startClickHouse, type ClickHouseServer } from '../integration/clickhouseServer';

export type InsertFault = 'pass' | 'refuse' | 'fail-after-commit';

export interface InsertHold {
  /** Runs when an insert arrives, before (or after, with `afterCommit`) it reaches ClickHouse. */
  run(): Promise<void>;
  afterCommit: boolean;
}

export class ClickHouseProxy {
  url = '';
  fault: InsertFault = 'pass';
  /** Faults left to inject; 'pass' again after that. */
  faultsLeft = Infinity;
  hold: InsertHold | undefined;
  readonly counts = { inserts: 0, refused: 0, failedAfterCommit: 0 };
  private readonly server: http.Server;

  constructor(private readonly target: string) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    const insert = /^\s*INSERT\b/i.test(query);
    if (insert) this.counts.inserts++;
    const fault = insert && this.faultsLeft > 0 ? this.fault : 'pass';
    if (fault !== 'pass') this.faultsLeft--;
    const hold = insert ? this.hold : undefined;
    if (hold) this.hold = undefined;
    if (hold && !hold.afterCommit) {
      // The sender died with the insert in flight: it never reaches ClickHouse.
      await hold.run();
      res.destroy();
      return;
    }
    if (fault === 'refuse') {
      this.counts.refused++;
      res.writeHead(500, { 'content-type': 'text/plain', 'x-clickhouse-exception-code': '241' });
      res.end('Code: 241. DB::Exception: Memory limit (total) exceeded (injected by the test proxy). (MEMORY_LIMIT_EXCEEDED)\n');
      return;
    }
    const upstream = await fetch(this.target + (req.url ?? '/'), {
      method: req.method,
      headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection', 'transfer-encoding'].includes(k)).map(([k, v]) => [k, String(v)])),
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
    }).catch((e: Error) => e);
    if (upstream instanceof Error) {
      res.writeHead(502).end(`proxy: ClickHouse unreachable: ${upstream.message}`);
      return;
    }
    const text = Buffer.from(await upstream.arrayBuffer());
    if (hold?.afterCommit) await hold.run();
    if (fault === 'fail-after-commit') {
      this.counts.failedAfterCommit++;
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Code: 159. DB::Exception: Timeout exceeded while reading the answer (injected by the test proxy after the rows were written). (TIMEOUT_EXCEEDED)\n');
      return;
    }
    const headers: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) headers[k] = v;
    });
    res.writeHead(upstream.status, headers).end(text);
  }
}

/** Runs a query on ClickHouse directly (not through the daemon) and returns its text answer. */
export async function clickHouseQuery(url: string, sql: string): Promise<string> {
  const r = await fetch(`${url}/?query=${encodeURIComponent(sql)}`);
  const text = await r.text();
  if (!r.ok) throw new Error(`ClickHouse answered ${r.status} to ${sql}: ${text}`);
  return text.trim();
}

export interface ClickHouseUnderTest {
  ch: ClickHouseServer;
  proxy: ClickHouseProxy;
}

/** A real ClickHouse and the proxy in front of it for the enclosing describe block (its hooks start and stop them). */
export function clickHouseForSuite(): ClickHouseUnderTest {
  const env = {} as ClickHouseUnderTest;
  before(async function () {
    this.timeout(60_000);
    if (!clickHouseAvailable()) throw new Error('clickhouse-server is not installed; run scripts/setup.sh (this scenario needs a real ClickHouse)');
    process.env.RUNLENS_OTLP_PORT = '0';
    env.ch = await startClickHouse();
    env.proxy = await new ClickHouseProxy(env.ch.url).start();
  });
  after(async () => {
    delete process.env.RUNLENS_OTLP_PORT;
    await env.proxy?.close();
    await env.ch?.dispose();
  });
  return env;
}
