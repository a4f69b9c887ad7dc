/** The whole protocol between extension, CLI and daemon, one module per area. */
export * from './daemon';
export * from './builds';
export * from './telemetry';
export * from './servers';
export * from './logs';
export * from './health';
export * from './validate';

import { HelloRequest, DaemonStatusRequest, DaemonShutdownRequest } from './daemon';
import {
  BuildCancelRequest,
  BuildChangedNotification,
  BuildGetRequest,
  BuildListRequest,
  BuildLogNotification,
  BuildLogsRequest,
  BuildStartRequest,
  BuildSubscribeRequest,
  BuildUnsubscribeRequest,
} from './builds';
import {
  GetTraceRequest, ListMetricsRequest, ListScoresRequest, ListTracesRequest, MetricSeriesRequest, SearchLogsRequest, ServerStatsRequest,
  TelemetryConfigureRequest, TelemetryStatsRequest,
} from './telemetry';
import { ServerDidChangeNotification, ServersListRequest, ServersRestartRequest, ServersStartRequest, ServersStopRequest } from './servers';
import { LogLinesNotification, LogsGetRequest, LogsSubscribeRequest, LogsUnsubscribeRequest } from './logs';
import { HealthDidChangeNotification, HealthResultsRequest } from './health';

/** Every message, for documentation and for checks that names stay unique and well formed. */
export const ALL_MESSAGES = [
  HelloRequest, DaemonStatusRequest, DaemonShutdownRequest,
  ListTracesRequest, GetTraceRequest, SearchLogsRequest, MetricSeriesRequest, ListMetricsRequest, ServerStatsRequest, ListScoresRequest,
  TelemetryStatsRequest, TelemetryConfigureRequest,
  BuildStartRequest, BuildListRequest, BuildGetRequest, BuildCancelRequest, BuildLogsRequest,
  BuildSubscribeRequest, BuildUnsubscribeRequest, BuildLogNotification, BuildChangedNotification,
  ServersStartRequest, ServersStopRequest, ServersRestartRequest, ServersListRequest, ServerDidChangeNotification,
  LogsGetRequest, LogsSubscribeRequest, LogsUnsubscribeRequest, LogLinesNotification,
  HealthResultsRequest, HealthDidChangeNotification,
] as const;
