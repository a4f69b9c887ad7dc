/**
 * The ClickHouse store. Inserts are batched JSONEachRow per table; the schema is created or
 * migrated on first use, so a daemon started while ClickHouse is down keeps working and the feeder
 * retries with backoff (the JSONL segments are the on-disk buffer meanwhile). The checkpoint is a
 * small file per ClickHouse target written after the batch is in: a crash in between replays the
 * batch, which the ReplacingMergeTree keys and the grouping queries absorb.
 */
import { isAscii } from 'node:buffer';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import * as path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { LogRecord, MetricPoint, ScoreRecord } from '../../../shared/telemetry/model';
import { LOG_LEVELS } from '../../../shared/telemetry/model';
import type {
  Checkpoint, GetTraceParams, GetTraceResult, InsertBatch, ListScoresParams, ListTracesParams, ListMetricsParams, MetricInfo, MetricSeriesParams,
  MetricSeriesResult, Page, RetentionPolicy, SearchLogsParams, ServerStatsParams, ServerStatsResult, StoreStats,
  TelemetryStore, TraceSummary,
} from '../../../shared/telemetry/query';
import type { Logger } from '../../log';
import type { ClickHouseSettings } from '../../telemetry/settings';
import { msToNs } from '../cursor';
import { pointValue } from '../local/insert';
import { MastraSpanTable } from './mastraTable';
import * as q from './queries';
import { int, migrate } from './schema';
import { batchKey, insertSpans } from './spanIngest';

export interface ClickHouseStoreOptions extends ClickHouseSettings {
  /** Directory for the checkpoint file (the daemon's `telemetry/`). */
  stateDir: string;
  log: Logger;
}

const MASTRA_IMPORT_EVERY_MS = 10_000;
/** Largest response buffer kept between queries. */
const KEEP_SCRATCH = 16 * 1024 * 1024;

export class ClickHouseStore implements TelemetryStore {
  readonly backend = 'clickhouse' as const;
  private readonly client: ClickHouseClient;
  private readonly admin: ClickHouseClient;
  private ready: Promise<void> | undefined;
  private readonly checkpointFile: string;
  private readonly mastra: MastraSpanTable;
  private readonly mastraTimer: NodeJS.Timeout;
  private importing = false;
  private queue: Promise<void> = Promise.resolve();
  private scratch = Buffer.alloc(0);

  constructor(private readonly opts: ClickHouseStoreOptions) {
    const common = { url: opts.url, username: opts.user ?? 'default', password: opts.password ?? '', request_timeout: 30_000 };
    this.client = createClient({ ...common, database: opts.database });
    this.admin = createClient({ ...common, database: 'default' });
    const target = crypto.createHash('sha256').update(`${opts.url}|${opts.user ?? ''}|${opts.database}`).digest('hex').slice(0, 16);
    this.checkpointFile = path.join(opts.stateDir, `clickhouse-${target}.checkpoint.json`);
    this.mastra = new MastraSpanTable({
      rows: (q) => this.rows(q),
      insertSpans: (spans) => this.serially(() => insertSpans(this, spans, undefined, batchKey(spans, undefined, { segment: 0, offset: 0 }))),
      stateFile: path.join(opts.stateDir, `clickhouse-${target}.mastra-spans.json`),
      log: opts.log,
    });
    this.mastraTimer = setInterval(() => void this.importMastraSpans().catch(() => undefined), MASTRA_IMPORT_EVERY_MS);
    this.mastraTimer.unref();
  }

  /**
   * Copies new rows of Mastra's own `mastra_ai_spans` table, when the database has one
   * (mastraTable.ts); returns how many. Runs every few seconds; one import at a time.
   */
  async importMastraSpans(): Promise<number> {
    if (this.importing) return 0;
    this.importing = true;
    try {
      return await this.mastra.importNew();
    } finally {
      this.importing = false;
    }
  }

  /** Runs the migrations once per successful connection; a failure is retried on the next call. */
  private ensureSchema(): Promise<void> {
    this.ready ??= migrate(this.admin, this.client, this.opts.database).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  /**
   * Runs inserts one at a time (the feeder's and the Mastra import's): a batch decides which of
   * its traces are new by looking at what earlier batches wrote (spanIngest.ts).
   */
  private serially<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.then(() => undefined, () => undefined);
    return run;
  }

  async insert(batch: InsertBatch, checkpoint: Checkpoint): Promise<void> {
    await this.ensureSchema();
    const lines = batch.spanLines?.length === batch.spans.length ? batch.spanLines.map((l) => l.text) : undefined;
    await this.serially(() => insertSpans(this, batch.spans, lines, batchKey(batch.spans, batch.from, checkpoint)));
    await this.insertRows('logs', batch.logs.map(logRow));
    await this.insertRows('metrics', batch.metrics.map(metricRow));
    await this.insertRows('scores', batch.scores.map(scoreRow));
    const tmp = `${this.checkpointFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(checkpoint), { mode: 0o600 });
    fs.renameSync(tmp, this.checkpointFile);
  }

  async insertRows(table: string, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table, values: rows, format: 'JSONEachRow' });
  }

  async insertTabSeparated(table: string, columns: readonly string[], body: Buffer): Promise<void> {
    if (body.length === 0) return;
    const [first, ...rest] = columns;
    await this.client.insert({ table, values: Readable.from([body], { objectMode: false }), format: 'TabSeparated', columns: [first!, ...rest] });
  }

  async checkpoint(): Promise<Checkpoint | undefined> {
    try {
      return JSON.parse(fs.readFileSync(this.checkpointFile, 'utf8')) as Checkpoint;
    } catch {
      return undefined;
    }
  }

  /** Runs a query and returns its rows; the schema is ensured first. */
  async rows<T>(query: string): Promise<T[]> {
    await this.ensureSchema();
    const rs = await this.client.query({ query, format: 'JSONEachRow' });
    return (await rs.json()) as T[];
  }

  /**
   * Runs a query returning one String column of JSON values, one per row (TabSeparatedRaw sends
   * them unescaped; serialized JSON has no raw newline), and parses each. The body is gathered in
   * a buffer kept between calls and each line decoded on its own: the client's text() (decoded
   * chunk by chunk into one large string, then split) cost more than the parsing for the 3 MB of a
   * 10,000-span trace, and fresh large buffers and strings pay page faults on every call here.
   */
  async jsonLines<T>(query: string): Promise<T[]> {
    await this.ensureSchema();
    const { stream } = await this.client.exec({ query: `${query} FORMAT TabSeparatedRaw` });
    let n = 0;
    for await (const chunk of stream) {
      const c = chunk as Buffer;
      if (n + c.length > this.scratch.length) {
        const grown = Buffer.allocUnsafe(Math.max(n + c.length, this.scratch.length * 2));
        this.scratch.copy(grown, 0, 0, n);
        this.scratch = grown;
      }
      n += c.copy(this.scratch, n);
    }
    const body = this.scratch.subarray(0, n);
    if (this.scratch.length > KEEP_SCRATCH) this.scratch = Buffer.alloc(0);
    // ASCII decoded as Latin-1 is a plain copy.
    const enc = isAscii(body) ? 'latin1' : 'utf8';
    const out: T[] = [];
    for (let a = 0; a < n; ) {
      let b = body.indexOf(0x0a, a);
      if (b < 0) b = n;
      if (b > a) out.push(JSON.parse(body.toString(enc, a, b)) as T);
      a = b + 1;
    }
    return out;
  }

  listTraces(p: ListTracesParams): Promise<Page<TraceSummary>> {
    return q.listTraces(this, p);
  }
  getTrace(p: GetTraceParams): Promise<GetTraceResult> {
    return q.getTrace(this, p.traceId);
  }
  searchLogs(p: SearchLogsParams): Promise<Page<LogRecord>> {
    return q.searchLogs(this, p);
  }
  metricSeries(p: MetricSeriesParams): Promise<MetricSeriesResult> {
    return q.metricSeries(this, p);
  }
  listMetrics(p: ListMetricsParams): Promise<MetricInfo[]> {
    return q.listMetrics(this, p);
  }
  serverStats(p: ServerStatsParams): Promise<ServerStatsResult> {
    return q.serverStats(this, p);
  }
  listScores(p: ListScoresParams): Promise<Page<ScoreRecord>> {
    return q.listScores(this, p);
  }
  stats(): Promise<StoreStats> {
    return q.stats(this);
  }

  /**
   * Retention as mutations: spans older than the age limit go, and beyond `maxSpans` the oldest
   * spans go too (the cut is the start time of the newest `maxSpans`-th span; unmerged repeats
   * can make it remove slightly more). Rollup rows follow the spans; logs, metrics and scores go
   * by age.
   */
  async applyRetention(policy: RetentionPolicy, nowMs: number): Promise<number> {
    const ageCutoff = int(msToNs(nowMs - policy.maxAgeMs));
    let cutoff = ageCutoff;
    const [kept] = await this.rows<{ n: string }>(`SELECT count() AS n FROM spans WHERE start_ns >= ${ageCutoff}`);
    if (Number(kept?.n ?? 0) > policy.maxSpans) {
      const [edge] = await this.rows<{ c: string }>(
        `SELECT toString(start_ns) AS c FROM spans WHERE start_ns >= ${ageCutoff} ORDER BY start_ns DESC LIMIT 1 OFFSET ${int(policy.maxSpans - 1)}`,
      );
      if (edge) cutoff = int(edge.c);
    }
    const [old] = await this.rows<{ n: string }>(`SELECT count() AS n FROM (SELECT trace_id, span_id FROM spans WHERE start_ns < ${cutoff} GROUP BY trace_id, span_id)`);
    const removed = Number(old?.n ?? 0);
    if (removed > 0) {
      const minute = int((BigInt(cutoff) / 60_000_000_000n).toString());
      for (const [t, c] of [['spans', 'start_ns'], ['trace_pieces', 'st'], ['counted_requests', 'start_ns'], ['req_minute', 'minute']]) {
        await this.client.command({ query: `ALTER TABLE ${t} DELETE WHERE ${c} < ${c === 'minute' ? minute : cutoff}` });
      }
    }
    for (const t of ['logs', 'metrics', 'scores']) {
      const [any] = await this.rows<{ n: string }>(`SELECT count() AS n FROM ${t} WHERE time_ns < ${ageCutoff}`);
      if (Number(any?.n ?? 0) > 0) await this.client.command({ query: `ALTER TABLE ${t} DELETE WHERE time_ns < ${ageCutoff}` });
    }
    return removed;
  }

  async close(): Promise<void> {
    clearInterval(this.mastraTimer);
    await this.client.close();
    await this.admin.close();
  }
}

export async function openClickHouseStore(settings: ClickHouseSettings, log: Logger, stateDir: string): Promise<ClickHouseStore> {
  return new ClickHouseStore({ ...settings, stateDir, log });
}

function logRow(l: LogRecord): Record<string, unknown> {
  return {
    id: l.id, time_ns: l.timeUnixNano, severity: LOG_LEVELS.indexOf(l.level), message: l.message, trace_id: l.traceId ?? '',
    source: l.source, server_id: l.serverId ?? '', rec: JSON.stringify(l),
  };
}

function metricRow(p: MetricPoint): Record<string, unknown> {
  const raw = pointValue(p);
  const v = raw !== null && Number.isFinite(raw) ? raw : null;
  return {
    id: p.id, name: p.name, time_ns: p.timeUnixNano, value: v ?? 0, has_value: v === null ? 0 : 1, server_id: p.serverId ?? '',
    attrs: JSON.stringify(p.attributes), kind: p.kind, unit: p.unit ?? '',
  };
}

function scoreRow(s: ScoreRecord): Record<string, unknown> {
  return { id: s.id, name: s.name, value: s.value, time_ns: s.timeUnixNano, trace_id: s.traceId ?? '', rec: JSON.stringify(s) };
}
