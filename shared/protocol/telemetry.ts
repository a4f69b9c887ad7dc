/**
 * The `telemetry` area: queries over traces, logs, metrics and scores, answered by the configured
 * store (or the one named in `backend`), plus pipeline status and settings.
 * Method names are `runlens/telemetry/<verb>`.
 */
import { RequestType } from 'vscode-jsonrpc';
import type { LogRecord, ScoreRecord } from '../telemetry/model';
import type {
  GetTraceParams, GetTraceResult, ListMetricsParams, ListScoresParams, ListTracesParams, MetricInfo, MetricSeriesParams, MetricSeriesResult, Page,
  SearchLogsParams, ServerStatsParams, ServerStatsResult, StoreStats, TraceSummary,
} from '../telemetry/query';

export type TelemetryBackend = 'local' | 'clickhouse';

/** Every query may name the store to ask; by default the configured backend answers. */
export interface StoreSelector {
  backend?: TelemetryBackend;
}

export interface TelemetryStatsResult {
  /** Where apps send OTLP, e.g. `http://127.0.0.1:4318`. */
  otlpEndpoint: string;
  backend: TelemetryBackend;
  stores: StoreStats[];
  /** Inputs quarantined or rejected since the daemon started; details in `quarantineFile`. */
  quarantined: number;
  quarantineFile: string;
  /** Per store, the last insert error while it is failing. */
  storeErrors: Partial<Record<TelemetryBackend, string>>;
  /** Set while incoming telemetry cannot be written to the state dir (the disk is full, say). */
  ingestError?: string;
}

export interface TelemetryConfigureParams {
  backend?: TelemetryBackend;
  clickhouse?: { url: string; user?: string; password?: string; database?: string };
  retention?: { maxAgeDays?: number; maxSpans?: number };
  watchDirs?: string[];
}

/** Client → daemon: one page of traces, one row per trace, filtered and sorted. */
export const ListTracesRequest = new RequestType<ListTracesParams & StoreSelector, Page<TraceSummary>, void>('runlens/telemetry/listTraces');

/** Client → daemon: every span of one trace, by start time. */
export const GetTraceRequest = new RequestType<GetTraceParams & StoreSelector, GetTraceResult, void>('runlens/telemetry/getTrace');

/** Client → daemon: one page of log records, newest first. */
export const SearchLogsRequest = new RequestType<SearchLogsParams & StoreSelector, Page<LogRecord>, void>('runlens/telemetry/searchLogs');

/** Client → daemon: a metric aggregated into time buckets. */
export const MetricSeriesRequest = new RequestType<MetricSeriesParams & StoreSelector, MetricSeriesResult, void>('runlens/telemetry/metricSeries');

/** Client → daemon: the metrics with points in a range (names, kind, unit, attribute keys), by name. */
export const ListMetricsRequest = new RequestType<ListMetricsParams & StoreSelector, MetricInfo[], void>('runlens/telemetry/listMetrics');

/** Client → daemon: request rate, error count and latency percentiles of a server, from its spans. */
export const ServerStatsRequest = new RequestType<ServerStatsParams & StoreSelector, ServerStatsResult, void>('runlens/telemetry/serverStats');

/** Client → daemon: one page of Mastra evaluation scores, newest first. */
export const ListScoresRequest = new RequestType<ListScoresParams & StoreSelector, Page<ScoreRecord>, void>('runlens/telemetry/listScores');

/** Client → daemon: OTLP endpoint, record counts per store, quarantine and store errors. */
export const TelemetryStatsRequest = new RequestType<Record<string, never>, TelemetryStatsResult, void>('runlens/telemetry/stats');

/** Extension → daemon: telemetry settings, including the ClickHouse password from secret storage. */
export const TelemetryConfigureRequest = new RequestType<TelemetryConfigureParams, { backend: TelemetryBackend }, void>('runlens/telemetry/configure');
