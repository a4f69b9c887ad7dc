/**
 * The ClickHouse store. Inserts are batched JSONEachRow per table; the schema is created or
 * migrated on first use, so a daemon started while ClickHouse is down keeps working and the feeder
 * retries with backoff (the JSONL segments are the on-disk buffer meanwhile). The checkpoint is a
 * small file per ClickHouse target written after the batch is in: a crash in between replays the
 * batch, which the ReplacingMergeTree keys and the grouping queries absorb.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { LogRecord, MetricPoint, ScoreRecord, SpanRecord } from '../../../shared/telemetry/model';
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

export interface ClickHouseStoreOptions extends ClickHouseSettings {
  /** Directory for the checkpoint file (the daemon's `telemetry/`). */
  stateDir: string;
  log: Logger;
}

const MASTRA_IMPORT_EVERY_MS = 10_000;

export class ClickHouseStore implements TelemetryStore {
  readonly backend = 'clickhouse' as const;
  private readonly client: ClickHouseClient;
  private readonly admin: ClickHouseClient;
  private ready: Promise<void> | undefined;
  private readonly checkpointFile: string;
  private readonly mastra: MastraSpanTable;
  private readonly mastraTimer: NodeJS.Timeout;
  private importing = false;

  constructor(private readonly opts: ClickHouseStoreOptions) {
    const common = { url: opts.url, username: opts.user ?? 'default', password: opts.password ?? '', request_timeout: 30_000 };
    this.client = createClient({ ...common, database: opts.database });
    this.admin = createClient({ ...common, database: 'default' });
    const target = crypto.createHash('sha256').update(`${opts.url}|${opts.user ?? ''}|${opts.database}`).digest('hex').slice(0, 16);
    this.checkpointFile = path.join(opts.stateDir, `clickhouse-${target}.checkpoint.json`);
    this.mastra = new MastraSpanTable({
      rows: (q) => this.rows(q),
      insertSpans: (spans) => this.insertRows('spans', spans.map((s) => spanRow(s, undefined))),
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

  async insert(batch: InsertBatch, checkpoint: Checkpoint): Promise<void> {
    await this.ensureSchema();
    const lines = batch.spanLines?.length === batch.spans.length ? batch.spanLines : undefined;
    await this.insertRows('spans', batch.spans.map((s, i) => spanRow(s, lines?.[i]?.text)));
    await this.insertRows('logs', batch.logs.map(logRow));
    await this.insertRows('metrics', batch.metrics.map(metricRow));
    await this.insertRows('scores', batch.scores.map(scoreRow));
    const tmp = `${this.checkpointFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(checkpoint), { mode: 0o600 });
    fs.renameSync(tmp, this.checkpointFile);
  }

  private async insertRows(table: string, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table, values: rows, format: 'JSONEachRow' });
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
   * Runs a query returning one String column and gives its values. TabSeparatedRaw sends them
   * unescaped, one per line, which suits JSON records (serialized JSON has no raw tab or newline)
   * and spares parsing every record twice, once as JSONEachRow and once as itself.
   */
  async lines(query: string): Promise<string[]> {
    await this.ensureSchema();
    const rs = await this.client.query({ query, format: 'TabSeparatedRaw' });
    const text = await rs.text();
    return text.length === 0 ? [] : text.slice(0, text.endsWith('\n') ? -1 : undefined).split('\n');
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
      for (const [t, c] of [['spans', 'start_ns'], ['requests', 'start_ns'], ['trace_rollup', 'first_start']]) {
        await this.client.command({ query: `ALTER TABLE ${t} DELETE WHERE ${c} < ${cutoff}` });
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

/** `line`: the span's segment line, stored as the record as it is rather than serialized again. */
function spanRow(s: SpanRecord, line: string | undefined): Record<string, unknown> {
  return {
    trace_id: s.traceId, span_id: s.spanId, parent_span_id: s.parentSpanId ?? '', name: s.name, kind: s.kind,
    status: s.status, start_ns: s.startTimeUnixNano, end_ns: s.endTimeUnixNano ?? '0', has_end: s.endTimeUnixNano ? 1 : 0,
    service: s.service ?? '', server_id: s.serverId ?? '', run_id: s.runId ?? '', attributes: JSON.stringify(s.attributes),
    rec: line ?? JSON.stringify(s),
  };
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
