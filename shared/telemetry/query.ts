/**
 * Query parameters and results shared by the stores, the telemetry area of the protocol and the
 * panels. Times in filters are Unix milliseconds (what a UI picks); times in results keep their
 * nanosecond strings. Every list is paged with an opaque cursor.
 */
import type { LogLevel, LogRecord, LogSource, MetricKind, MetricPoint, ScoreRecord, SpanRecord } from './model';

export interface TimeRange {
  /** Unix ms, inclusive. */
  fromMs?: number;
  /** Unix ms, exclusive. */
  toMs?: number;
}

export type TraceSort = 'start' | 'duration';

export interface ListTracesParams extends TimeRange {
  serverId?: string;
  service?: string;
  /** Case-insensitive substring of the root span's name. */
  nameContains?: string;
  /** `error`: at least one span failed; `ok`: none did. */
  status?: 'ok' | 'error';
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Some span of the trace has this attribute with this value (compared as text). */
  attribute?: { key: string; value: string };
  sort?: TraceSort;
  /** Default: descending. */
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

export interface TraceSummary {
  traceId: string;
  rootName: string;
  rootSpanId?: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
  serverId?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; absent on the last page. */
  nextCursor?: string;
}

export interface GetTraceParams {
  traceId: string;
}

export interface GetTraceResult {
  traceId: string;
  spans: SpanRecord[];
}

export interface SearchLogsParams extends TimeRange {
  level?: LogLevel;
  /** Case-insensitive substring of the message. */
  text?: string;
  traceId?: string;
  source?: LogSource;
  serverId?: string;
  limit?: number;
  cursor?: string;
}

export type Aggregation = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'p50' | 'p95' | 'p99';

export interface MetricSeriesParams {
  name: string;
  fromMs: number;
  toMs: number;
  /** Bucket width in ms, at least 1000. */
  bucketMs: number;
  aggregation: Aggregation;
  serverId?: string;
  /** Points must carry every one of these attributes (compared as text). */
  attributes?: Record<string, string>;
  /** Also split the series by this attribute's value (`groups` in the result). */
  groupBy?: string;
}

export interface SeriesPoint {
  /** Bucket start, Unix ms. */
  t: number;
  v: number;
}

/** One value of the `groupBy` attribute and its series; points without the attribute have value ''. */
export interface MetricGroup {
  value: string;
  points: SeriesPoint[];
}

export interface MetricSeriesResult {
  name: string;
  kind?: MetricKind;
  unit?: string;
  points: SeriesPoint[];
  /** With `groupBy`: the groups with the most points (at most MAX_METRIC_GROUPS), largest first. */
  groups?: MetricGroup[];
}

/** The most groups a grouped series returns: more lines than this no chart can tell apart. */
export const MAX_METRIC_GROUPS = 8;

/** Which metrics have points in a range (for a picker): names with kind, unit and attribute keys. */
export interface ListMetricsParams extends TimeRange {
  serverId?: string;
}

export interface MetricInfo {
  name: string;
  kind?: MetricKind;
  unit?: string;
  /** Attribute keys seen on its points, sorted; the panel groups by one of them. */
  attributeKeys: string[];
}

/** Request rate, error rate and latency of a server's incoming requests, from its spans. */
export interface ServerStatsParams {
  serverId: string;
  fromMs: number;
  toMs: number;
  /** Default one minute. */
  bucketMs?: number;
}

export interface RedPoint {
  t: number;
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface ServerStatsResult {
  serverId: string;
  points: RedPoint[];
}

export interface ListScoresParams extends TimeRange {
  traceId?: string;
  name?: string;
  limit?: number;
  cursor?: string;
}

export interface StoreStats {
  backend: 'local' | 'clickhouse';
  spans: number;
  traces: number;
  logs: number;
  metrics: number;
  scores: number;
  /** Oldest span start, Unix ms. */
  oldestMs?: number;
  newestMs?: number;
  /** On-disk size of the store's own files (snapshot), when it has any. */
  bytes?: number;
  /** Memory of an embedded store's thread: its V8 heap, memory outside it (SQLite's WebAssembly heap
   * and the database file are part of `externalBytes`), the database's size and SQLite's heap. */
  memory?: { heapUsedBytes: number; heapTotalBytes: number; externalBytes: number; fileBytes: number; sqliteHeapBytes?: number };
}

export interface RetentionPolicy {
  maxAgeMs: number;
  maxSpans: number;
  /** Log records the local store keeps (newest); read at start-up. Default 50,000. */
  maxLogs?: number;
}

export interface InsertBatch {
  spans: SpanRecord[];
  logs: LogRecord[];
  metrics: MetricPoint[];
  scores: ScoreRecord[];
  /**
   * The segment line each span was read from (same order as `spans`), when the batch came from
   * the segments: the local store indexes those lines instead of storing a second copy, and
   * ClickHouse sends the text as it is instead of serializing the record again.
   */
  spanLines?: SegmentLine[];
  /**
   * Where in the segments the batch starts, when it came from them. A retry of a failed insert
   * starts at the same place (and may read further), so ClickHouse keys the summaries it writes
   * per batch by it and a retry replaces them instead of counting twice.
   */
  from?: Checkpoint;
}

/** A line of a JSONL segment: its text (without the newline), segment number, byte offset and length. */
export interface SegmentLine {
  text: string;
  segment: number;
  offset: number;
  bytes: number;
}

/** A position in Runlens's own JSONL segments: everything before it is in the store. */
export interface Checkpoint {
  segment: number;
  offset: number;
}

/**
 * What every store offers. Inserts are idempotent: a span is keyed by trace and span id, every
 * other record by its id, so replaying a batch after a crash leaves no duplicate in any answer.
 */
export interface TelemetryStore {
  readonly backend: 'local' | 'clickhouse';
  /** Inserts a batch and records `checkpoint` with it, so both land or neither does. */
  insert(batch: InsertBatch, checkpoint: Checkpoint): Promise<void>;
  /** Where to resume reading segments; `undefined` means from the start. */
  checkpoint(): Promise<Checkpoint | undefined>;
  listTraces(params: ListTracesParams): Promise<Page<TraceSummary>>;
  getTrace(params: GetTraceParams): Promise<GetTraceResult>;
  searchLogs(params: SearchLogsParams): Promise<Page<LogRecord>>;
  metricSeries(params: MetricSeriesParams): Promise<MetricSeriesResult>;
  listMetrics(params: ListMetricsParams): Promise<MetricInfo[]>;
  serverStats(params: ServerStatsParams): Promise<ServerStatsResult>;
  listScores(params: ListScoresParams): Promise<Page<ScoreRecord>>;
  stats(): Promise<StoreStats>;
  /** Drops data older than the policy allows; returns how many spans went. */
  applyRetention(policy: RetentionPolicy, nowMs: number): Promise<number>;
  close(): Promise<void>;
}
