/**
 * The ClickHouse store's read queries. Every query groups by the record's identity first (or
 * aggregates with functions a duplicate cannot change, like min, max and uniqExact), so rows that
 * a retried insert added twice and ClickHouse has not merged yet never show twice.
 */
import type { LogRecord, ScoreRecord, SpanRecord } from '../../../shared/telemetry/model';
import { LOG_LEVELS } from '../../../shared/telemetry/model';
import type {
  GetTraceResult, ListMetricsParams, ListScoresParams, ListTracesParams, MetricInfo, MetricSeriesParams, MetricSeriesResult, Page, SearchLogsParams,
  ServerStatsParams, ServerStatsResult, StoreStats, TraceSummary,
} from '../../../shared/telemetry/query';
import { clampLimit, decodeCursor, encodeCursor, msToNs, nsToMs } from '../cursor';
import { latencyQuantiles } from '../latency';
import { aggregate, aggregateGroups, bucketStart, groupLabel, metricInfos, type GroupedValue } from '../series';
import { int, lit } from './schema';

export interface Rows {
  rows<T>(query: string): Promise<T[]>;
  /** Values of a one-column String query, unescaped. */
  lines(query: string): Promise<string[]>;
}

function timeWhere(col: string, p: { fromMs?: number; toMs?: number }, where: string[]): void {
  if (p.fromMs !== undefined) where.push(`${col} >= ${int(msToNs(p.fromMs))}`);
  if (p.toMs !== undefined) where.push(`${col} < ${int(msToNs(p.toMs))}`);
}

interface TraceRow {
  trace_id: string; root: string; first: string; root_span: string; s: string; e: string; dur: string;
  spans: string; errors: string; services: string[]; servers: string[];
}

const SPAN_COLUMNS = `anyIf(name, parent_span_id = '') AS root, argMin(name, start_ns) AS first,
  anyIf(span_id, parent_span_id = '') AS root_span, min(start_ns) AS s, max(if(has_end = 1, end_ns, start_ns)) AS e,
  e - s AS dur, uniqExact(span_id) AS spans, uniqExactIf(span_id, status = 2) AS errors,
  groupUniqArrayIf(service, service != '') AS services, groupUniqArrayIf(server_id, server_id != '') AS servers`;

/** The trace rollup's columns, merged; `s`, `e` and `dur` are cheap (min and max states). */
const ROLLUP: Record<string, string> = {
  s: 'minMerge(st) AS s', e: 'maxMerge(en) AS e', dur: 'e - s AS dur',
  root: 'anyIfMerge(root) AS root', first: 'argMinMerge(first_name) AS first', root_span: 'anyIfMerge(root_span) AS root_span',
  spans: 'uniqExactMerge(n_spans) AS spans', errors: 'uniqExactIfMerge(n_errors) AS errors',
  services: 'groupUniqArrayIfMerge(services) AS services', servers: 'groupUniqArrayIfMerge(servers) AS servers',
};

interface Filter {
  having: string[];
  /** Rollup columns the conditions use. */
  uses: Set<string>;
}

function traceFilter(p: ListTracesParams, col: 's' | 'dur', desc: boolean): Filter {
  const having: string[] = [];
  const uses = new Set<string>(['s', 'e', 'dur']);
  const need = (c: string, cond: string): void => {
    uses.add(c);
    having.push(cond);
  };
  if (p.fromMs !== undefined) having.push(`s >= ${int(msToNs(p.fromMs))}`);
  if (p.toMs !== undefined) having.push(`s < ${int(msToNs(p.toMs))}`);
  if (p.serverId !== undefined) need('servers', `has(servers, ${lit(p.serverId)})`);
  if (p.service !== undefined) need('services', `has(services, ${lit(p.service)})`);
  if (p.nameContains) {
    uses.add('root');
    need('first', `position(lowerUTF8(if(root != '', root, first)), lowerUTF8(${lit(p.nameContains)})) > 0`);
  }
  if (p.status === 'error') need('errors', 'errors > 0');
  if (p.status === 'ok') need('errors', 'errors = 0');
  if (p.minDurationMs !== undefined) having.push(`dur >= ${int(Math.round(p.minDurationMs * 1e6))}`);
  if (p.maxDurationMs !== undefined) having.push(`dur <= ${int(Math.round(p.maxDurationMs * 1e6))}`);
  if (p.attribute) {
    const raw = `visitParamExtractRaw(attributes, ${lit(p.attribute.key)})`;
    having.push(`countIf(${raw} IN (${lit(JSON.stringify(p.attribute.value))}, ${lit(p.attribute.value)})) > 0`);
  }
  const after = decodeCursor(p.cursor);
  if (after) {
    const v = int(String(after.v));
    having.push(`(${col} ${desc ? '<' : '>'} ${v} OR (${col} = ${v} AND trace_id ${desc ? '<' : '>'} ${lit(after.id)}))`);
  }
  return { having, uses };
}

/**
 * One page of trace summaries. Filtering by attribute reads the spans (only they know
 * attributes). Otherwise the rollup is read twice: first the page's trace ids, computing only the
 * columns the filters and the sort need (min and max states are cheap; the span-id sets behind
 * the counts are not), then the full summaries of just those traces.
 */
async function traceRows(db: Rows, p: ListTracesParams, f: Filter, order: string, limit: number): Promise<TraceRow[]> {
  const having = f.having.length ? `HAVING ${f.having.join(' AND ')}` : '';
  if (p.attribute) {
    // A trace starts in the window when its earliest span does.
    const where = p.fromMs !== undefined ? `WHERE start_ns >= ${int(msToNs(p.fromMs))}` : '';
    return db.rows<TraceRow>(`SELECT trace_id, ${SPAN_COLUMNS} FROM spans ${where} GROUP BY trace_id ${having} ORDER BY ${order} LIMIT ${limit}`);
  }
  // Rollup rows carry the start of their first block; an hour of slack keeps every row of a trace
  // that starts in the window and lets ClickHouse skip older partitions.
  const where = p.fromMs !== undefined ? `WHERE first_start >= ${int(msToNs(Math.max(0, p.fromMs - 3_600_000)))}` : '';
  const page = await db.rows<{ trace_id: string }>(
    `SELECT trace_id, ${[...f.uses].map((c) => ROLLUP[c]).join(', ')} FROM trace_rollup ${where} GROUP BY trace_id ${having} ORDER BY ${order} LIMIT ${limit}`,
  );
  if (page.length === 0) return [];
  const full = await db.rows<TraceRow>(
    `SELECT trace_id, ${Object.values(ROLLUP).join(', ')} FROM trace_rollup WHERE trace_id IN (${page.map((r) => lit(r.trace_id)).join(', ')}) GROUP BY trace_id`,
  );
  const byId = new Map(full.map((r) => [r.trace_id, r]));
  return page.map((r) => byId.get(r.trace_id)).filter((r): r is TraceRow => r !== undefined);
}

export async function listTraces(db: Rows, p: ListTracesParams): Promise<Page<TraceSummary>> {
  const col = p.sort === 'duration' ? 'dur' : 's';
  const desc = p.order !== 'asc';
  const limit = clampLimit(p.limit);
  const dir = desc ? 'DESC' : 'ASC';
  const rows = await traceRows(db, p, traceFilter(p, col, desc), `${col} ${dir}, trace_id ${dir}`, limit + 1);
  const items = rows.slice(0, limit).map(
    (r): TraceSummary => ({
      traceId: r.trace_id,
      rootName: r.root || r.first,
      rootSpanId: r.root_span || undefined,
      startTimeUnixNano: String(r.s),
      endTimeUnixNano: String(r.e),
      durationMs: Number(r.dur) / 1e6,
      spanCount: Number(r.spans),
      errorCount: Number(r.errors),
      services: [...r.services].sort(),
      serverId: r.servers[0],
    }),
  );
  const last = rows[limit - 1];
  const key = (r: TraceRow): string => String(col === 'dur' ? r.dur : r.s);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ v: key(last), id: last.trace_id }) : undefined };
}

export async function getTrace(db: Rows, traceId: string): Promise<GetTraceResult> {
  // The newest report of each span wins (an ended span over its start-only report).
  const recs = await db.lines(
    `SELECT rec FROM (SELECT argMax(rec, end_ns) AS rec, min(start_ns) AS s, span_id FROM spans WHERE trace_id = ${lit(traceId)} GROUP BY span_id ORDER BY s, span_id)`,
  );
  return { traceId, spans: recs.map((r) => JSON.parse(r) as SpanRecord) };
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
  // The same log-scale latency buckets as the local store's rollups (see stores/latency.ts).
  const rows = await db.rows<{ m: string; b: number; n: string; errors: string }>(`
    SELECT minute AS m, if(d <= 1000, 0, toInt32(ceil(log(d / 1000) / log(1.08)))) AS b, count() AS n, countIf(st = 2) AS errors
    FROM (
      SELECT minute, trace_id, span_id, max(dur_ns) AS d, max(status) AS st
      FROM requests
      WHERE server_key = ${lit(p.serverId)} AND minute >= ${int(fromMin)} AND minute < ${int(Math.ceil(p.toMs / 60_000))}
      GROUP BY minute, trace_id, span_id)
    GROUP BY m, b`);
  const acc = new Map<number, { requests: number; errors: number; h: Map<number, number> }>();
  for (const r of rows) {
    const t = (fromMin + Math.floor((Number(r.m) - fromMin) / per) * per) * 60_000;
    const a = acc.get(t) ?? acc.set(t, { requests: 0, errors: 0, h: new Map() }).get(t)!;
    a.requests += Number(r.n);
    a.errors += Number(r.errors);
    a.h.set(Number(r.b), (a.h.get(Number(r.b)) ?? 0) + Number(r.n));
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
