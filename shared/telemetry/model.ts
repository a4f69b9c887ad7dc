/**
 * The normalized telemetry record model: spans, logs, metric points and scores. This is the shape
 * of every line of Runlens's JSONL segments (see docs/telemetry-format.md) and of query results.
 * Nanosecond timestamps are decimal strings: they do not fit a JS number exactly.
 */

/** Attribute values after normalization: OTLP's typed values collapse to JSON. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

/** OTLP span kinds by number: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
export type SpanKind = 0 | 1 | 2 | 3 | 4 | 5;
/** OTLP status codes: 0 unset, 1 ok, 2 error. */
export type StatusCode = 0 | 1 | 2;

export interface SpanEvent {
  name: string;
  timeUnixNano: string;
  attributes?: Attributes;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes?: Attributes;
}

/** Where a record came from and which server run it belongs to. */
export interface Origin {
  /** `service.name` of the emitting resource. */
  service?: string;
  /** Runlens server id, when the record could be tied to a server. */
  serverId?: string;
  runId?: string;
}

export interface SpanRecord extends Origin {
  t: 'span';
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  /** Empty for a root span. */
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  status: StatusCode;
  statusMessage?: string;
  startTimeUnixNano: string;
  /** Absent while a span has started but not ended (Mastra reports both). */
  endTimeUnixNano?: string;
  attributes: Attributes;
  events?: SpanEvent[];
  links?: SpanLink[];
  resource?: Attributes;
  /** Instrumentation scope name, e.g. `@mastra/core` or an OTel instrumentation. */
  scope?: string;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type LogSource = 'server' | 'build' | 'app';

export interface LogRecord extends Origin {
  t: 'log';
  /** Stable id: a replayed line keeps its id, so stores can drop the duplicate. */
  id: string;
  timeUnixNano: string;
  level: LogLevel;
  message: string;
  /** Structured body when the log was not plain text. */
  body?: AttrValue;
  traceId?: string;
  spanId?: string;
  source: LogSource;
  attributes?: Attributes;
}

export type MetricKind = 'gauge' | 'sum' | 'histogram';

export interface HistogramValue {
  count: number;
  sum: number;
  min?: number;
  max?: number;
  /** Upper bounds; `bucketCounts` has one more entry (the overflow bucket). */
  bounds: number[];
  bucketCounts: number[];
}

export interface MetricPoint extends Origin {
  t: 'metric';
  id: string;
  name: string;
  kind: MetricKind;
  unit?: string;
  timeUnixNano: string;
  /** Gauges and sums. */
  value?: number;
  histogram?: HistogramValue;
  /** For sums: cumulative or delta. */
  monotonic?: boolean;
  attributes: Attributes;
}

export interface ScoreRecord extends Origin {
  t: 'score';
  id: string;
  /** Scorer name. */
  name: string;
  value: number;
  timeUnixNano: string;
  traceId?: string;
  spanId?: string;
  comment?: string;
  attributes?: Attributes;
}

export type TelemetryRecord = SpanRecord | LogRecord | MetricPoint | ScoreRecord;

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
export const LOG_SOURCES: readonly LogSource[] = ['server', 'build', 'app'];
