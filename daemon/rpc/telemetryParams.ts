/** Run-time validation of telemetry request params: the socket accepts bytes from any local process. */
import {
  asObject, optNumber, optString, ParamError, reqNumber, reqOneOf, reqString,
} from '../../shared/protocol/validate';
import type { TelemetryBackend, TelemetryConfigureParams } from '../../shared/protocol/telemetry';
import { LOG_LEVELS, LOG_SOURCES } from '../../shared/telemetry/model';
import type {
  Aggregation, ListMetricsParams, ListScoresParams, ListTracesParams, MetricSeriesParams, SearchLogsParams, ServerStatsParams,
} from '../../shared/telemetry/query';

type O = Record<string, unknown>;

function optOneOf<T extends string>(p: O, field: string, values: readonly T[]): T | undefined {
  return p[field] === undefined ? undefined : reqOneOf(p, field, values);
}

export function backendOf(raw: unknown): TelemetryBackend | undefined {
  return optOneOf(asObject(raw), 'backend', ['local', 'clickhouse'] as const);
}

function range(p: O): { fromMs?: number; toMs?: number } {
  return { fromMs: optNumber(p, 'fromMs'), toMs: optNumber(p, 'toMs') };
}

function page(p: O): { limit?: number; cursor?: string } {
  return { limit: optNumber(p, 'limit'), cursor: optString(p, 'cursor', 1024) };
}

function stringMap(v: unknown, field: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const o = asObject(v, field);
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') throw new ParamError(`${field}.${k}`, 'a string');
  return o as Record<string, string>;
}

export function listTracesParams(raw: unknown): ListTracesParams {
  const p = asObject(raw);
  let attribute: ListTracesParams['attribute'];
  if (p.attribute !== undefined) {
    const a = asObject(p.attribute, 'attribute');
    attribute = { key: reqString(a, 'key', 256), value: reqString(a, 'value', 4096) };
  }
  return {
    ...range(p), ...page(p), attribute,
    serverId: optString(p, 'serverId', 256),
    service: optString(p, 'service', 256),
    nameContains: optString(p, 'nameContains', 256),
    status: optOneOf(p, 'status', ['ok', 'error'] as const),
    minDurationMs: optNumber(p, 'minDurationMs'),
    maxDurationMs: optNumber(p, 'maxDurationMs'),
    sort: optOneOf(p, 'sort', ['start', 'duration'] as const),
    order: optOneOf(p, 'order', ['asc', 'desc'] as const),
  };
}

export function traceIdParam(raw: unknown): string {
  const id = reqString(asObject(raw), 'traceId', 64).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new ParamError('traceId', '32 hex digits');
  return id;
}

export function searchLogsParams(raw: unknown): SearchLogsParams {
  const p = asObject(raw);
  return {
    ...range(p), ...page(p),
    level: optOneOf(p, 'level', LOG_LEVELS),
    text: optString(p, 'text', 1024),
    traceId: optString(p, 'traceId', 64)?.toLowerCase(),
    source: optOneOf(p, 'source', LOG_SOURCES),
    serverId: optString(p, 'serverId', 256),
  };
}

const AGGREGATIONS: readonly Aggregation[] = ['avg', 'min', 'max', 'sum', 'count', 'p50', 'p95', 'p99'];

export function metricSeriesParams(raw: unknown): MetricSeriesParams {
  const p = asObject(raw);
  const fromMs = reqNumber(p, 'fromMs');
  const toMs = reqNumber(p, 'toMs');
  const bucketMs = reqNumber(p, 'bucketMs');
  if (bucketMs < 1000 || (toMs - fromMs) / bucketMs > 10_000) throw new ParamError('bucketMs', 'at least 1000 and at most 10,000 buckets per range');
  return {
    name: reqString(p, 'name', 256), fromMs, toMs, bucketMs,
    aggregation: reqOneOf(p, 'aggregation', AGGREGATIONS),
    serverId: optString(p, 'serverId', 256),
    attributes: stringMap(p.attributes, 'attributes'),
    groupBy: optString(p, 'groupBy', 256),
  };
}

export function listMetricsParams(raw: unknown): ListMetricsParams {
  const p = asObject(raw);
  return { ...range(p), serverId: optString(p, 'serverId', 256) };
}

export function serverStatsParams(raw: unknown): ServerStatsParams {
  const p = asObject(raw);
  return { serverId: reqString(p, 'serverId', 256), fromMs: reqNumber(p, 'fromMs'), toMs: reqNumber(p, 'toMs'), bucketMs: optNumber(p, 'bucketMs') };
}

export function listScoresParams(raw: unknown): ListScoresParams {
  const p = asObject(raw);
  return { ...range(p), ...page(p), traceId: optString(p, 'traceId', 64)?.toLowerCase(), name: optString(p, 'name', 256) };
}

export function configureParams(raw: unknown): TelemetryConfigureParams {
  const p = asObject(raw);
  let clickhouse: TelemetryConfigureParams['clickhouse'];
  if (p.clickhouse !== undefined) {
    const c = asObject(p.clickhouse, 'clickhouse');
    clickhouse = { url: reqString(c, 'url', 1024), user: optString(c, 'user', 256), password: optString(c, 'password', 1024), database: optString(c, 'database', 256) };
  }
  let retention: TelemetryConfigureParams['retention'];
  if (p.retention !== undefined) {
    const r = asObject(p.retention, 'retention');
    retention = { maxAgeDays: optNumber(r, 'maxAgeDays'), maxSpans: optNumber(r, 'maxSpans') };
  }
  const watchDirs = p.watchDirs === undefined ? undefined : (Array.isArray(p.watchDirs) && p.watchDirs.every((d) => typeof d === 'string') ? (p.watchDirs as string[]) : (() => { throw new ParamError('watchDirs', 'an array of strings'); })());
  return { backend: backendOf(p), clickhouse, retention, watchDirs };
}
