/** The local store's read queries, over the tables of schema.ts. */
import type { Database, SqlValue } from 'sql.js';
import type { LogRecord, ScoreRecord, SpanRecord } from '../../../shared/telemetry/model';
import { LOG_LEVELS } from '../../../shared/telemetry/model';
import type {
  GetTraceResult, ListMetricsParams, ListScoresParams, ListTracesParams, MetricInfo, MetricSeriesParams, MetricSeriesResult, Page,
  SearchLogsParams, ServerStatsParams, ServerStatsResult, TraceSummary,
} from '../../../shared/telemetry/query';
import { clampLimit, decodeCursor, encodeCursor, msToNs } from '../cursor';
import { aggregate, aggregateGroups, bucketStart, groupLabel, metricInfos, type GroupedValue } from '../series';
import { latencyQuantiles } from '../latency';
import { parseHist } from './rollups';
import type { SpanBodies, SpanEntry } from './spanBodies';
import { LOG_COLUMNS, logFromRow } from './logRows';
import { byStart } from './traceSummary';

type Row = Record<string, SqlValue>;

export function all(db: Database, sql: string, params: SqlValue[] = []): Row[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const rows: Row[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject());
    return rows;
  } finally {
    stmt.free();
  }
}

/** Adds a condition and the values for its placeholders. */
function add(where: string[], args: SqlValue[], clause: string, ...values: SqlValue[]): void {
  where.push(clause);
  args.push(...values);
}

/** Adds `start_ns`-style time bounds to a where-list. */
function timeBounds(column: string, p: { fromMs?: number; toMs?: number }, where: string[], args: SqlValue[]): void {
  if (p.fromMs !== undefined) {
    where.push(`${column} >= ?`);
    args.push(msToNs(p.fromMs));
  }
  if (p.toMs !== undefined) {
    where.push(`${column} < ?`);
    args.push(msToNs(p.toMs));
  }
}

export function listTraces(db: Database, p: ListTracesParams): Page<TraceSummary> {
  const where: string[] = [];
  const args: SqlValue[] = [];
  timeBounds('start_ns', p, where, args);
  if (p.serverId !== undefined) add(where, args, 'server_id = ?', p.serverId);
  if (p.service !== undefined) add(where, args, "(',' || services || ',') LIKE ?", `%,${p.service},%`);
  if (p.nameContains) add(where, args, "instr(lower(root_name), lower(?)) > 0", p.nameContains);
  if (p.status === 'error') where.push('error_count > 0');
  if (p.status === 'ok') where.push('error_count = 0');
  if (p.minDurationMs !== undefined) add(where, args, 'duration_ns >= ?', p.minDurationMs * 1e6);
  if (p.maxDurationMs !== undefined) add(where, args, 'duration_ns <= ?', p.maxDurationMs * 1e6);
  if (p.attribute) {
    where.push("trace_id IN (SELECT g.trace_id FROM span_groups g, json_each(g.attrs) e WHERE CAST(json_extract(e.value, '$.' || json_quote(?)) AS TEXT) = ?)");
    args.push(p.attribute.key, p.attribute.value);
  }
  const col = p.sort === 'duration' ? 'duration_ns' : 'start_ns';
  const desc = p.order !== 'asc';
  const after = decodeCursor(p.cursor);
  if (after) {
    where.push(`(${col} ${desc ? '<' : '>'} ? OR (${col} = ? AND trace_id ${desc ? '<' : '>'} ?))`);
    args.push(after.v, after.v, after.id);
  }
  const limit = clampLimit(p.limit);
  const dir = desc ? 'DESC' : 'ASC';
  const index = col === 'start_ns' || !windowIsLarge(db, p) ? 'traces_start' : 'traces_duration';
  const rows = all(
    db,
    `SELECT trace_id, root_name, root_span_id, CAST(start_ns AS TEXT) AS s, CAST(end_ns AS TEXT) AS e,
       CAST(${col} AS TEXT) AS k, duration_ns, span_count, error_count, services, server_id
     FROM traces INDEXED BY ${index} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${col} ${dir}, trace_id ${dir} LIMIT ${limit + 1}`,
    args,
  );
  const items = rows.slice(0, limit).map(
    (r): TraceSummary => ({
      traceId: String(r.trace_id),
      rootName: String(r.root_name),
      rootSpanId: r.root_span_id ? String(r.root_span_id) : undefined,
      startTimeUnixNano: String(r.s),
      endTimeUnixNano: String(r.e),
      durationMs: Number(r.duration_ns) / 1e6,
      spanCount: Number(r.span_count),
      errorCount: Number(r.error_count),
      services: r.services ? String(r.services).split(',').sort() : [],
      serverId: r.server_id ? String(r.server_id) : undefined,
    }),
  );
  const last = rows[limit - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ v: String(last.k), id: String(last.trace_id) }) : undefined };
}

/**
 * Sorted by duration, a page is cheapest read from the duration index, skipping traces outside
 * the window, when the window holds many traces; from the start index and sorted, when it holds
 * few. Counting up to a threshold through the start index decides which (a few ms at most).
 */
const FEW_TRACES = 5000;

function windowIsLarge(db: Database, p: ListTracesParams): boolean {
  const where: string[] = [];
  const args: SqlValue[] = [];
  timeBounds('start_ns', p, where, args);
  const n = all(db, `SELECT count(*) AS n FROM (SELECT 1 FROM traces INDEXED BY traces_start ${where.length ? `WHERE ${where.join(' AND ')}` : ''} LIMIT ${FEW_TRACES})`, args)[0]?.n;
  return Number(n) >= FEW_TRACES;
}

export function getTrace(db: Database, bodies: SpanBodies, traceId: string): GetTraceResult {
  const rows = all(db, 'SELECT entries FROM span_groups WHERE trace_id = ? ORDER BY seq', [traceId]);
  const entries: SpanEntry[] = [];
  for (const r of rows) for (const e of JSON.parse(String(r.entries)) as SpanEntry[]) entries.push(e);
  const spans = bodies.resolve(entries).filter((s): s is SpanRecord => s !== undefined);
  spans.sort(byStart);
  return { traceId, spans };
}

export function searchLogs(db: Database, p: SearchLogsParams): Page<LogRecord> {
  const where: string[] = [];
  const args: SqlValue[] = [];
  timeBounds('time_ns', p, where, args);
  if (p.level) add(where, args, 'severity >= ?', LOG_LEVELS.indexOf(p.level));
  if (p.text) add(where, args, 'instr(lower(message), lower(?)) > 0', p.text);
  if (p.traceId) add(where, args, 'trace_id = ?', p.traceId);
  if (p.source) add(where, args, 'source = ?', p.source);
  if (p.serverId) add(where, args, 'server_id = ?', p.serverId);
  return newestFirst(db, 'logs', LOG_COLUMNS, logFromRow, where, args, p);
}

/** An attribute of a metric point as text; binds the attribute key. */
const ATTR_TEXT = "CAST(json_extract(attrs, '$.' || json_quote(?)) AS TEXT)";

export function metricSeries(db: Database, p: MetricSeriesParams): MetricSeriesResult {
  const where = ['name = ?', 'time_ns >= ?', 'time_ns < ?', 'value IS NOT NULL'];
  const args: SqlValue[] = [p.name, msToNs(p.fromMs), msToNs(p.toMs)];
  if (p.serverId) add(where, args, 'server_id = ?', p.serverId);
  for (const [k, v] of Object.entries(p.attributes ?? {})) {
    where.push(`${ATTR_TEXT} = ?`);
    args.push(k, v);
  }
  const group = p.groupBy === undefined ? 'NULL' : ATTR_TEXT;
  const rows = all(db, `SELECT time_ns / 1000000 AS t, value, ${group} AS g FROM metrics WHERE ${where.join(' AND ')}`,
    p.groupBy === undefined ? args : [p.groupBy, ...args]);
  const buckets = new Map<number, number[]>();
  const grouped: GroupedValue[] = [];
  for (const r of rows) {
    const t = bucketStart(Number(r.t), p.fromMs, p.bucketMs);
    const list = buckets.get(t) ?? [];
    list.push(Number(r.value));
    buckets.set(t, list);
    if (p.groupBy !== undefined) grouped.push({ t, v: Number(r.value), group: groupLabel(r.g) });
  }
  const head = all(db, 'SELECT rec FROM metrics WHERE name = ? LIMIT 1', [p.name])[0];
  const meta = head ? (JSON.parse(String(head.rec)) as { kind?: MetricSeriesResult['kind']; unit?: string }) : {};
  return {
    name: p.name, kind: meta.kind, unit: meta.unit, points: aggregate(buckets, p.aggregation),
    groups: p.groupBy === undefined ? undefined : aggregateGroups(grouped, p.aggregation),
  };
}

/** Distinct (name, attributes) of the metrics in a range, folded into one entry per name. */
export function listMetrics(db: Database, p: ListMetricsParams): MetricInfo[] {
  const where: string[] = [];
  const args: SqlValue[] = [];
  timeBounds('time_ns', p, where, args);
  if (p.serverId) add(where, args, 'server_id = ?', p.serverId);
  const rows = all(db, `SELECT name, attrs, json_extract(max(rec), '$.kind') AS kind, json_extract(max(rec), '$.unit') AS unit
    FROM metrics ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY name, attrs LIMIT 5000`, args);
  return metricInfos(rows.map((r) => ({ name: String(r.name), attrs: String(r.attrs), kind: r.kind === null ? undefined : String(r.kind), unit: r.unit === null ? undefined : String(r.unit) })));
}

export function serverStats(db: Database, p: ServerStatsParams): ServerStatsResult {
  const bucketMs = Math.max(60_000, p.bucketMs ?? 60_000);
  const perBucket = Math.round(bucketMs / 60_000);
  const fromMin = Math.floor(p.fromMs / 60_000);
  const toMin = Math.ceil(p.toMs / 60_000);
  const args = [p.serverId, fromMin, toMin];
  const counts = all(db, 'SELECT minute, requests, errors, hist FROM red_minute WHERE server_key = ? AND minute >= ? AND minute < ?', args);
  const key = (minute: number): number => (fromMin + Math.floor((minute - fromMin) / perBucket) * perBucket) * 60_000;
  const acc = new Map<number, { requests: number; errors: number; h: Map<number, number> }>();
  const at = (t: number) => acc.get(t) ?? acc.set(t, { requests: 0, errors: 0, h: new Map() }).get(t)!;
  for (const r of counts) {
    const a = at(key(Number(r.minute)));
    a.requests += Number(r.requests);
    a.errors += Number(r.errors);
    for (const [b, n] of parseHist(String(r.hist))) a.h.set(b, (a.h.get(b) ?? 0) + n);
  }
  const points = [...acc.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, a]) => ({
      t,
      requests: a.requests,
      errors: a.errors,
      ...latencyQuantiles(a.h),
    }));
  return { serverId: p.serverId, points };
}

export function listScores(db: Database, p: ListScoresParams): Page<ScoreRecord> {
  const where: string[] = [];
  const args: SqlValue[] = [];
  timeBounds('time_ns', p, where, args);
  if (p.traceId) add(where, args, 'trace_id = ?', p.traceId);
  if (p.name) add(where, args, 'name = ?', p.name);
  return newestFirst(db, 'scores', "id, CAST(time_ns AS TEXT) AS k, rec", (r) => JSON.parse(String(r.rec)) as ScoreRecord, where, args, p);
}

/** A page of a time-keyed table's records, newest first, continuing after the cursor's (time, id). */
function newestFirst<T>(
  db: Database,
  table: 'logs' | 'scores',
  columns: string,
  toItem: (row: Row) => T,
  where: string[],
  args: SqlValue[],
  p: { cursor?: string; limit?: number },
): Page<T> {
  const after = decodeCursor(p.cursor);
  if (after) add(where, args, '(time_ns < ? OR (time_ns = ? AND id < ?))', after.v, after.v, after.id);
  const limit = clampLimit(p.limit, 200, 5000);
  const rows = all(
    db,
    `SELECT ${columns} FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY time_ns DESC, id DESC LIMIT ${limit + 1}`,
    args,
  );
  const last = rows[limit - 1];
  return {
    items: rows.slice(0, limit).map(toItem),
    nextCursor: rows.length > limit && last ? encodeCursor({ v: String(last.k), id: String(last.id) }) : undefined,
  };
}
