/** Handlers for the `telemetry` area: queries go to the selected store, settings to the service. */
import {
  GetTraceRequest, ListMetricsRequest, ListScoresRequest, ListTracesRequest, MetricSeriesRequest, SearchLogsRequest, ServerStatsRequest,
  TelemetryConfigureRequest, TelemetryStatsRequest,
} from '../../shared/protocol';
import type { TelemetryService } from '../telemetry/service';
import type { Logger } from '../log';
import type { ClientConnection } from './connection';
import { handle } from './handle';
import * as v from './telemetryParams';

export function registerTelemetryHandlers(conn: ClientConnection, telemetry: TelemetryService, log: Logger): void {
  const store = async (raw: unknown) => {
    await telemetry.ready;
    return telemetry.store(v.backendOf(raw));
  };
  handle(conn, log, ListTracesRequest, async (raw) => (await store(raw)).listTraces(v.listTracesParams(raw)));
  handle(conn, log, GetTraceRequest, async (raw) => (await store(raw)).getTrace({ traceId: v.traceIdParam(raw) }));
  handle(conn, log, SearchLogsRequest, async (raw) => (await store(raw)).searchLogs(v.searchLogsParams(raw)));
  handle(conn, log, MetricSeriesRequest, async (raw) => (await store(raw)).metricSeries(v.metricSeriesParams(raw)));
  handle(conn, log, ListMetricsRequest, async (raw) => (await store(raw)).listMetrics(v.listMetricsParams(raw)));
  handle(conn, log, ServerStatsRequest, async (raw) => (await store(raw)).serverStats(v.serverStatsParams(raw)));
  handle(conn, log, ListScoresRequest, async (raw) => (await store(raw)).listScores(v.listScoresParams(raw)));

  handle(conn, log, TelemetryStatsRequest, async () => {
    await telemetry.ready;
    const stores = [];
    for (const backend of ['local', 'clickhouse'] as const) {
      try {
        stores.push(await telemetry.store(backend).stats());
      } catch {
        // Not configured, or unreachable: storeErrors says which.
      }
    }
    return {
      otlpEndpoint: telemetry.otlpEndpoint(),
      backend: telemetry.settings.backend,
      stores,
      quarantined: telemetry.quarantine.total(),
      quarantineFile: telemetry.quarantine.file,
      storeErrors: telemetry.storeErrors(),
      ingestError: telemetry.ingestError,
    };
  });

  handle(conn, log, TelemetryConfigureRequest, async (raw) => {
    const p = v.configureParams(raw);
    await telemetry.ready;
    const r = p.retention;
    await telemetry.configure({
      backend: p.backend,
      clickhouse: p.clickhouse && { ...p.clickhouse, database: p.clickhouse.database ?? 'runlens' },
      watchDirs: p.watchDirs,
      retention: r && {
        maxAgeMs: r.maxAgeDays !== undefined ? r.maxAgeDays * 24 * 3600_000 : telemetry.settings.retention.maxAgeMs,
        maxSpans: r.maxSpans ?? telemetry.settings.retention.maxSpans,
      },
    });
    return { backend: telemetry.settings.backend };
  });
}
