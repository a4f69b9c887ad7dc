/**
 * The ClickHouse store's read queries. Every query groups by the record's identity first (or
 * aggregates with functions a duplicate cannot change, like min, max and uniqExact), so rows that
 * a retried insert added twice and ClickHouse has not merged yet never show twice.
 */
import type { LogRecord, ScoreRecord, SpanRecord } from '../../../shared/telemetry/model';
import { LOG_LEVELS } from '../../../shared/telemetry/model';
import type {
  GetTraceResult, ListMetricsParams, ListScoresParams, MetricInfo, MetricSeriesParams, MetricSeriesResult, Page, SearchLogsParams,
  ServerStatsParams, ServerStatsResult, StoreStats,
} from '../../../shared/telemetry/query';
import { clampLimit, decodeCursor, encodeCursor, msToNs, nsToMs } from '../cursor';
import { latencyQuantiles } from '../latency';
import { aggregate, aggregateGroups, bucketStart, groupLabel, metricInfos, type GroupedValue } from '../series';
import { parseHist } from '../local/rollups';
import { byStart } from '../local/traceSummary';
import { int, lit } from './schema';

export interface Rows {
  rows<T>(query: string): Promise<T[]>;
  /** The values of a one-column String query of JSON texts, parsed. */
  jsonLines<T>(query: string): Promise<T[]>;
}

function timeWhere(col: string, p: { fromMs?: number; toMs?: number }, where: string[]): void {
  if (p.fromMs !== undefined) where.push(`${col} >= ${int(msToNs(p.fromMs))}`);
  if (p.toMs !== undefined) where.push(`${col} < ${int(msToNs(p.toMs))}`);
}

export { listTraces } from './traceList';

export async function getTrace(db: Rows, traceId: string): Promise<GetTraceResult> {
  // The newest report of each span wins (an ended span over its start-only report). Rows come in
  // key order (trace, span), so LIMIT BY keeps one per span without a hash table, which grouping
  // by span id needed (30-40 ms of the server for 10,000 spans against under 10).
  const spans = await db.jsonLines<SpanRecord>(
    `SELECT rec FROM spans WHERE trace_id = ${lit(traceId)} ORDER BY span_id, end_ns DESC LIMIT 1 BY span_id`,
  );
  // Put in trace order here rather than by a second sort in the server (its share of the CPU
  // is the scarcer one here).
  spans.sort(byStart);
  return { traceId, spans };
}

async function pagedByTime<T>(db: Rows, table: string, where: string[], p: { limit?: number; cursor?: string }, dflt: number): Promise<Page<T>> {
  const after = decodeCursor(p.cursor);
  if (after) where.push(`(time_ns < ${int(String(after.v))} OR (time_ns = ${int(String(after.v))} AND id < ${lit(after.id)}))`);
  const limit = clampLimit(p.limit, dflt, 5000);
  const rows = await db.rows<{ id: string; time_ns: string; rec: string }>(
    `SELECT id, time_ns, any(rec) AS rec FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     GROUP BY time_ns, id ORDER BY time_ns DESC, id DESC LIMIT ${limit + 1}`,
  );
  const last = rows[limit - 1];
  return {
    items: rows.slice(0, limit).map((r) => JSON.parse(r.rec) as T),
    nextCursor: rows.length > limit && last ? encodeCursor({ v: String(last.time_ns), id: last.id }) : undefined,
  };
}

export function searchLogs(db: Rows, p: SearchLogsParams): Promise<Page<LogRecord>> {
  const where: string[] = [];
  timeWhere('time_ns', p, where);
  if (p.level) where.push(`severity >= ${LOG_LEVELS.indexOf(p.level)}`);
  if (p.text) where.push(`position(lowerUTF8(message), lowerUTF8(${lit(p.text)})) > 0`);
  if (p.traceId) where.push(`trace_id = ${lit(p.traceId)}`);
  if (p.source) where.push(`source = ${lit(p.source)}`);
  if (p.serverId) where.push(`server_id = ${lit(p.serverId)}`);
  return pagedByTime<LogRecord>(db, 'logs', where, p, 200);
}

export function listScores(db: Rows, p: ListScoresParams): Promise<Page<ScoreRecord>> {
  const where: string[] = [];
  timeWhere('time_ns', p, where);
  if (p.traceId) where.push(`trace_id = ${lit(p.traceId)}`);
  if (p.name) where.push(`name = ${lit(p.name)}`);
  return pagedByTime<ScoreRecord>(db, 'scores', where, p, 200);
}

export async function metricSeries(db: Rows, p: MetricSeriesParams): Promise<MetricSeriesResult> {
  const where = [`name = ${lit(p.name)}`, 'has_value = 1'];
  timeWhere('time_ns', p, where);
  if (p.serverId) where.push(`server_id = ${lit(p.serverId)}`);
  for (const [k, v] of Object.entries(p.attributes ?? {})) {
    where.push(`visitParamExtractRaw(attrs, ${lit(k)}) IN (${lit(JSON.stringify(v))}, ${lit(v)})`);
  }
  // 18.16 has no JSONExtract: the raw JSON of the value, unquoted in groupLabel.
  const group = p.groupBy === undefined ? "''" : `any(visitParamExtractRaw(attrs, ${lit(p.groupBy)}))`;
  const rows = await db.rows<{ t: string; v: number; kind: string; unit: string; g: string }>(
    `SELECT intDiv(any(time_ns), 1000000) AS t, any(value) AS v, any(kind) AS kind, any(unit) AS unit, ${group} AS g
     FROM metrics WHERE ${where.join(' AND ')} GROUP BY id`,
  );
  const buckets = new Map<number, number[]>();
  const grouped: GroupedValue[] = [];
  for (const r of rows) {
    const t = bucketStart(Number(r.t), p.fromMs, p.bucketMs);
    (buckets.get(t) ?? buckets.set(t, []).get(t)!).push(Number(r.v));
    if (p.groupBy !== undefined) grouped.push({ t, v: Number(r.v), group: groupLabel(r.g) });
  }
  const meta = rows[0] ?? (await db.rows<{ kind: string; unit: string }>(`SELECT kind, unit FROM metrics WHERE name = ${lit(p.name)} LIMIT 1`))[0];
  return {
    name: p.name, kind: meta?.kind as MetricSeriesResult['kind'], unit: meta?.unit || undefined, points: aggregate(buckets, p.aggregation),
    groups: p.groupBy === undefined ? undefined : aggregateGroups(grouped, p.aggregation),
  };
}

/** Distinct (name, attributes) of the metrics in a range, folded into one entry per name. */
export async function listMetrics(db: Rows, p: ListMetricsParams): Promise<MetricInfo[]> {
  const where: string[] = [];
  timeWhere('time_ns', p, where);
  if (p.serverId) where.push(`server_id = ${lit(p.serverId)}`);
  const rows = await db.rows<{ name: string; attrs: string; kind: string; unit: string }>(
    `SELECT name, attrs, any(kind) AS kind, any(unit) AS unit FROM metrics ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     GROUP BY name, attrs LIMIT 5000`,
  );
  return metricInfos(rows);
}

export async function serverStats(db: Rows, p: ServerStatsParams): Promise<ServerStatsResult> {
  const bucketMs = Math.max(60_000, p.bucketMs ?? 60_000);
  const fromMin = Math.floor(p.fromMs / 60_000);
  const per = Math.round(bucketMs / 60_000);
  // One row per minute and batch (spanIngest.ts); a retried batch's row replaces the first try's.
  const rows = await db.rows<{ m: number; n: string; errs: string; h: string }>(`
    SELECT minute AS m, argMax(requests, ver) AS n, argMax(errors, ver) AS errs, argMax(hist, ver) AS h
    FROM req_minute
    WHERE server_key = ${lit(p.serverId)} AND minute >= ${int(fromMin)} AND minute < ${int(Math.ceil(p.toMs / 60_000))}
    GROUP BY minute, batch`);
  const acc = new Map<number, { requests: number; errors: number; h: Map<number, number> }>();
  for (const r of rows) {
    const t = (fromMin + Math.floor((Number(r.m) - fromMin) / per) * per) * 60_000;
    const a = acc.get(t) ?? acc.set(t, { requests: 0, errors: 0, h: new Map() }).get(t)!;
    a.requests += Number(r.n);
    a.errors += Number(r.errs);
    for (const [b, n] of parseHist(r.h)) a.h.set(b, (a.h.get(b) ?? 0) + n);
  }
  const points = [...acc.entries()].sort(([x], [y]) => x - y).map(([t, a]) => ({
    t, requests: a.requests, errors: a.errors,
    ...latencyQuantiles(a.h),
  }));
  return { serverId: p.serverId, points };
}

export async function stats(db: Rows): Promise<StoreStats> {
  const [s] = await db.rows<{ spans: string; traces: string; lo: string; hi: string }>(
    'SELECT count() AS spans, uniqExact(trace_id) AS traces, min(s) AS lo, max(s) AS hi FROM (SELECT trace_id, span_id, any(start_ns) AS s FROM spans GROUP BY trace_id, span_id)',
  );
  const count = async (t: string): Promise<number> => Number((await db.rows<{ n: string }>(`SELECT uniqExact(id) AS n FROM ${t}`))[0]?.n ?? 0);
  const spans = Number(s?.spans ?? 0);
  return {
    backend: 'clickhouse',
    spans,
    traces: Number(s?.traces ?? 0),
    logs: await count('logs'),
    metrics: await count('metrics'),
    scores: await count('scores'),
    oldestMs: spans ? nsToMs(String(s!.lo)) : undefined,
    newestMs: spans ? nsToMs(String(s!.hi)) : undefined,
  };
}
