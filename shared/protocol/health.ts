/**
 * The `health` area: readiness and liveness results and resource use of each server.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ServerStatus } from './servers';

export interface HealthDidChangeParams {
  serverId: string;
  status: ServerStatus;
  reason?: string;
  /** CPU of the whole process tree, percent of one core. */
  cpuPercent?: number;
  rssBytes?: number;
  /** Latency of the last health check. */
  latencyMs?: number;
}

export interface HealthCheckResult {
  ok: boolean;
  /** Unix ms. */
  at: number;
  latencyMs: number;
  httpStatus?: number;
  error?: string;
}

export interface HealthResultsParams {
  serverId: string;
}

export interface HealthResultsResult {
  results: HealthCheckResult[];
}

/** Daemon → client: a server's health changed, or a new resource sample (at most once per interval). */
export const HealthDidChangeNotification = new NotificationType<HealthDidChangeParams>('runlens/health/didChange');

/** Client → daemon: the last health check results of a server (newest last). */
export const HealthResultsRequest = new RequestType<HealthResultsParams, HealthResultsResult, void>('runlens/health/results');
