/**
 * The `servers` area: start, stop, restart and list the servers of a project, and hear about
 * every change of state.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';

export type ServerStatus = 'building' | 'starting' | 'running' | 'unhealthy' | 'stopping' | 'stopped' | 'crashed';

export interface ServerExit {
  code: number | null;
  signal: string | null;
  /** Unix ms. */
  at: number;
}

export interface ServerInfo {
  /** `<projectId>:<name>`. */
  id: string;
  projectId: string;
  projectDir: string;
  name: string;
  status: ServerStatus;
  /** Why the server is in this state, when that is not obvious (a crash, a give-up, a port clash). */
  reason?: string;
  pid?: number;
  port?: number;
  url?: string;
  runId?: string;
  buildId?: string;
  /** Unix ms of the current run's start. */
  startedAt?: number;
  restartCount: number;
  lastExit?: ServerExit;
  cpuPercent?: number;
  rssBytes?: number;
}

export interface ServersStartParams {
  /** The project folder (absolute path). */
  project: string;
  /** One server of the project; all of them (in dependency order) when absent. */
  server?: string;
  /** Start from this earlier build (rollback) instead of the latest successful one. */
  buildId?: string;
  /** Build first even when a successful build exists. */
  rebuild?: boolean;
}

export interface ServersStopParams {
  project: string;
  server?: string;
}

export interface ServersListParams {
  project?: string;
}

export interface ServersResult {
  servers: ServerInfo[];
}

/** One run of a server: a start of its process, from the spawn to the exit. */
export interface RunInfo {
  runId: string;
  serverId: string;
  buildId?: string;
  pid: number;
  port: number;
  /** Unix ms. */
  startedAt: number;
  /** Unix ms; absent while the run goes on (or if a daemon never saw it end). */
  endedAt?: number;
  exit?: ServerExit;
  /** How it ended, in words: "stopped", "exited with code 1", "killed by SIGKILL". */
  outcome?: string;
  /** The run's log files, for opening them as they are on disk. */
  stdoutFile: string;
  stderrFile: string;
}

export interface ServersRunsParams {
  /** `<projectId>:<name>`. */
  serverId: string;
  /** Newest first; default 20. */
  limit?: number;
}

export interface ServersRunsResult {
  runs: RunInfo[];
}

/** Client → daemon: start a project's server(s) from their latest successful build, building if needed. */
export const ServersStartRequest = new RequestType<ServersStartParams, ServersResult, void>('runlens/servers/start');

/** Client → daemon: stop a project's server(s), waiting until every process of each is gone. */
export const ServersStopRequest = new RequestType<ServersStopParams, ServersResult, void>('runlens/servers/stop');

/** Client → daemon: stop then start a project's server(s). */
export const ServersRestartRequest = new RequestType<ServersStartParams, ServersResult, void>('runlens/servers/restart');

/** Client → daemon: every known server with its state, pid, port, run, build and last exit. */
export const ServersListRequest = new RequestType<ServersListParams, ServersResult, void>('runlens/servers/list');

/** Client → daemon: the latest runs of one server, newest first, from the run records on disk. */
export const ServersRunsRequest = new RequestType<ServersRunsParams, ServersRunsResult, void>('runlens/servers/runs');

/** Daemon → client: a server changed state (started, crashed, restarted, stopped...). */
export const ServerDidChangeNotification = new NotificationType<{ server: ServerInfo }>('runlens/servers/didChange');
