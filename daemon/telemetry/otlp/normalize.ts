/**
 * OTLP export requests (already decoded from JSON or protobuf into plain objects) to normalized
 * records. Items that cannot be used (bad ids, missing times) are counted and described, for the
 * response's `partialSuccess`; the rest of the request is kept.
 */
import * as crypto from 'node:crypto';
import type { Attributes, LogLevel, LogRecord, MetricPoint, Origin, SpanKind, SpanRecord, StatusCode, TelemetryRecord } from '../../../shared/telemetry/model';
import { compact, type RunRegistry } from '../origins';
import { arr, enumValue, hexId, int, isObj, keyValues, nanos, num, type Obj } from './values';

export interface Normalized {
  records: TelemetryRecord[];
  rejected: number;
  /** First few reasons, for the partialSuccess message. */
  reasons: string[];
}

const KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

class Collector implements Normalized {
  records: TelemetryRecord[] = [];
  rejected = 0;
  reasons: string[] = [];
  reject(reason: string): void {
    this.rejected++;
    if (this.reasons.length < 5 && !this.reasons.includes(reason)) this.reasons.push(reason);
  }
}

/** Walks resource → scope → items, with the two historical names of the scope level. */
function eachItem(body: Obj, resourceKey: string, scopeKeys: string[], itemKey: string, visit: (item: unknown, resource: Obj, scope: Obj) => void): void {
  for (const rs of arr(body[resourceKey])) {
    if (!isObj(rs)) continue;
    const resource = isObj(rs.resource) ? rs.resource : {};
    for (const key of scopeKeys) {
      for (const ss of arr(rs[key])) {
        if (!isObj(ss)) continue;
        const scope = isObj(ss.scope) ? ss.scope : isObj(ss.instrumentationLibrary) ? ss.instrumentationLibrary : {};
        for (const item of arr(ss[itemKey])) visit(item, resource, scope);
      }
    }
  }
}

export function normalizeTraces(body: Obj, runs: RunRegistry): Normalized {
  const out = new Collector();
  // Every span of a resource shares its attributes and origin: work them out once per resource.
  const resources = new Map<Obj, ResourceInfo>();
  eachItem(body, 'resourceSpans', ['scopeSpans', 'instrumentationLibrarySpans'], 'spans', (item, resource, scope) => {
    let info = resources.get(resource);
    if (!info) {
      const attributes = keyValues(resource.attributes);
      resources.set(resource, (info = { attributes, origin: compact(runs.resolve(attributes)) }));
    }
    const span = isObj(item) ? toSpan(item, info, scope) : 'span is not an object';
    if (typeof span === 'string') out.reject(span);
    else out.records.push(span);
  });
  return out;
}

interface ResourceInfo {
  attributes: Attributes;
  origin: Origin;
}

function toSpan(s: Obj, resource: ResourceInfo, scope: Obj): SpanRecord | string {
  const traceId = hexId(s.traceId, 16);
  const spanId = hexId(s.spanId, 8);
  if (!traceId) return 'span with an invalid traceId (need 32 hex digits, not all zero)';
  if (!spanId) return 'span with an invalid spanId (need 16 hex digits, not all zero)';
  const start = nanos(s.startTimeUnixNano);
  if (!start) return 'span without startTimeUnixNano';
  const status = isObj(s.status) ? s.status : {};
  const parent = hexId(s.parentSpanId, 8);
  const end = nanos(s.endTimeUnixNano);
  // Built with only the fields that have values (no copy through `compact`); empty event and
  // link lists are left out, as the record model allows. Each span is serialized into a segment
  // next, and every key costs there.
  const span: SpanRecord = {
    t: 'span', traceId, spanId, name: typeof s.name === 'string' ? s.name : '',
    kind: clampEnum(enumValue(s.kind, KINDS), 5) as SpanKind, status: clampEnum(enumValue(status.code, STATUS), 2) as StatusCode,
    startTimeUnixNano: start, attributes: keyValues(s.attributes),
  };
  if (parent) span.parentSpanId = parent;
  if (typeof status.message === 'string' && status.message) span.statusMessage = status.message;
  if (end && end !== '0') span.endTimeUnixNano = end;
  const events = arr(s.events);
  if (events.length > 0) {
    span.events = events.filter(isObj).map((e) => ({ name: String(e.name ?? ''), timeUnixNano: nanos(e.timeUnixNano) ?? start, attributes: keyValues(e.attributes) }));
  }
  const links = arr(s.links).filter(isObj).flatMap((l) => {
    const t = hexId(l.traceId, 16);
    const sp = hexId(l.spanId, 8);
    return t && sp ? [{ traceId: t, spanId: sp, attributes: keyValues(l.attributes) }] : [];
  });
  if (links.length > 0) span.links = links;
  span.resource = resource.attributes;
  if (typeof scope.name === 'string') span.scope = scope.name;
  return Object.assign(span, resource.origin);
}

function clampEnum(v: number | undefined, max: number): number {
  return v !== undefined && v >= 0 && v <= max ? v : 0;
}

export function normalizeLogs(body: Obj, runs: RunRegistry): Normalized {
  const out = new Collector();
  eachItem(body, 'resourceLogs', ['scopeLogs', 'instrumentationLibraryLogs'], 'logRecords', (item, resource) => {
    if (!isObj(item)) return out.reject('log record is not an object');
    const time = nanos(item.timeUnixNano) ?? nanos(item.observedTimeUnixNano);
    if (!time || time === '0') return out.reject('log record without timeUnixNano or observedTimeUnixNano');
    const body = isObj(item.body) ? keyValuesBody(item.body) : null;
    const log: LogRecord = compact({
      t: 'log',
      id: crypto.randomUUID(),
      timeUnixNano: time,
      level: levelOf(int(item.severityNumber), item.severityText),
      message: typeof body === 'string' ? body : JSON.stringify(body ?? ''),
      body: typeof body === 'string' ? undefined : body,
      traceId: hexId(item.traceId, 16),
      spanId: hexId(item.spanId, 8),
      source: 'app',
      attributes: keyValues(item.attributes),
      ...runs.resolve(keyValues(resource.attributes)),
    } as LogRecord);
    out.records.push(log);
  });
  return out;
}

function keyValuesBody(v: Obj): ReturnType<typeof keyValues>[string] {
  return keyValues([{ key: 'b', value: v }]).b ?? null;
}

/** OTLP severity numbers: 1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal. */
export function levelOf(severity: number | undefined, text: unknown): LogLevel {
  if (severity && severity >= 1 && severity <= 24) return (['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const)[Math.floor((severity - 1) / 4)]!;
  const t = typeof text === 'string' ? text.toLowerCase() : '';
  if (t.startsWith('warn')) return 'warn';
  if (t.startsWith('err')) return 'error';
  if (t.startsWith('fatal') || t.startsWith('crit')) return 'fatal';
  if (t.startsWith('debug')) return 'debug';
  if (t.startsWith('trace')) return 'trace';
  return 'info';
}

export function normalizeMetrics(body: Obj, runs: RunRegistry): Normalized {
  const out = new Collector();
  eachItem(body, 'resourceMetrics', ['scopeMetrics', 'instrumentationLibraryMetrics'], 'metrics', (item, resource) => {
    if (!isObj(item) || typeof item.name !== 'string' || !item.name) return out.reject('metric without a name');
    const origin = runs.resolve(keyValues(resource.attributes));
    const base = { name: item.name, unit: typeof item.unit === 'string' && item.unit ? item.unit : undefined, ...origin };
    const points = metricPoints(item, base);
    if (typeof points === 'string') out.reject(points);
    else out.records.push(...points);
  });
  return out;
}

function metricPoints(m: Obj, base: Pick<MetricPoint, 'name' | 'unit' | 'service' | 'serverId' | 'runId'>): MetricPoint[] | string {
  const data = isObj(m.gauge) ? m.gauge : isObj(m.sum) ? m.sum : isObj(m.histogram) ? m.histogram : undefined;
  if (!data) return `metric '${base.name}': only gauge, sum and histogram are supported`;
  const kind = data === m.gauge ? 'gauge' : data === m.sum ? 'sum' : 'histogram';
  const points: MetricPoint[] = [];
  for (const dp of arr(data.dataPoints)) {
    if (!isObj(dp)) continue;
    const time = nanos(dp.timeUnixNano);
    if (!time) continue;
    const p: MetricPoint = compact({ t: 'metric', id: crypto.randomUUID(), kind, timeUnixNano: time, attributes: keyValues(dp.attributes), ...base } as MetricPoint);
    if (kind === 'histogram') {
      p.histogram = compact({
        count: num(dp.count) ?? 0,
        sum: num(dp.sum) ?? 0,
        min: num(dp.min),
        max: num(dp.max),
        bounds: arr(dp.explicitBounds).map((b) => num(b) ?? 0),
        bucketCounts: arr(dp.bucketCounts).map((b) => num(b) ?? 0),
      });
    } else {
      p.value = num(dp.asDouble) ?? num(dp.asInt) ?? 0;
      if (kind === 'sum') p.monotonic = data.isMonotonic === true;
    }
    points.push(p);
  }
  return points;
}
