/**
 * The `builds` area: isolated builds of a project folder (copy, fresh install, build, verify),
 * their history, their logs, and live streams of both. Method names are `runlens/builds/<verb>`.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';

export type BuildStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Steps in the order they run: read config and toolchain, copy the source, install, build, verify. */
export type BuildStep = 'prepare' | 'copy' | 'install' | 'build' | 'verify';
export const BUILD_STEPS: readonly BuildStep[] = ['prepare', 'copy', 'install', 'build', 'verify'];

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface StepRecord {
  name: BuildStep;
  status: StepStatus;
  /** Unix ms. */
  startedAt: number;
  endedAt?: number;
  /** The command run, for steps that run one (install, build). */
  command?: string;
  /** Exit code of each command the step ran, in order; null when it was killed by a signal. */
  exitCodes?: (number | null)[];
}

export interface BuildFailure {
  step: BuildStep;
  /** Why, and what to do about it. */
  message: string;
  reason: 'error' | 'timeout';
  /** The last lines of the failing step's output. */
  tail: string[];
}

export interface SourceCommit {
  sha: string;
  /** Branch or ref name when HEAD is attached. */
  ref?: string;
}

export interface BuildNode {
  /** Absolute path; inside `dir` when it comes from the project's own dependencies. */
  path: string;
  version: string;
  /** Where it came from: `runlens.json`'s `node`, or the PATH. */
  source: 'runlens.json' | 'PATH';
}

export interface BuildRecord {
  id: string;
  projectId: string;
  projectName: string;
  /** The user's project folder the build was copied from. */
  folder: string;
  /** The isolated copy the build ran in; servers of this build run from here. */
  dir: string;
  kind: 'mastra' | 'node';
  status: BuildStatus;
  /** The step running now, or the last one that ran. */
  step?: BuildStep;
  steps: StepRecord[];
  /** Unix ms. */
  queuedAt: number;
  startedAt?: number;
  endedAt?: number;
  timeoutMs: number;
  commit?: SourceCommit;
  packageManager?: { name: string; version?: string; lockfile?: string };
  /** The `node` the build step ran with; servers of this build run with it too. */
  node?: BuildNode;
  failure?: BuildFailure;
  /** Non-fatal notes, e.g. an install without a lockfile. */
  warnings: string[];
}

export type BuildLogStream = 'stdout' | 'stderr' | 'system';

export interface BuildLogLine {
  /** 1-based line number in the build's log; lets a reader of both `logs` and `log` drop duplicates. */
  seq: number;
  /** Unix ms. */
  time: number;
  stream: BuildLogStream;
  step: BuildStep;
  /** One line without its terminator; ANSI colour codes are kept. */
  text: string;
}

export interface BuildStartParams {
  /** Absolute path of the project folder. */
  project: string;
  /** Overrides the project's and the daemon's build timeout. */
  timeoutMs?: number;
  /** Subscribe this connection to the new build's changes and log before it starts. */
  follow?: boolean;
}

export interface BuildStartResult {
  build: BuildRecord;
  /** Set when `follow` was asked for. */
  subscriptionId?: number;
}

export interface BuildListParams {
  /** Only builds of this project folder. */
  project?: string;
  projectId?: string;
}

export interface BuildListResult {
  /** Newest first. */
  builds: BuildRecord[];
}

export interface BuildIdParams {
  buildId: string;
}

export interface BuildResult {
  build: BuildRecord;
}

export interface BuildLogsParams {
  buildId: string;
  /** Only the last `tail` lines. */
  tail?: number;
  /** Only lines written at or after this unix ms time. */
  since?: number;
}

export interface BuildLogsResult {
  lines: BuildLogLine[];
}

export interface BuildSubscribeParams {
  /** One build; or all builds of `projectId`; or, with neither, every build. */
  buildId?: string;
  projectId?: string;
}

export interface BuildSubscribeResult {
  subscriptionId: number;
}

export interface BuildUnsubscribeParams {
  subscriptionId: number;
}

export interface BuildLogNotificationParams {
  subscriptionId: number;
  buildId: string;
  projectId: string;
  lines: BuildLogLine[];
  /** Lines this subscriber missed because it read slower than the build wrote; they are in `logs`. */
  dropped?: number;
}

export interface BuildChangedNotificationParams {
  subscriptionId: number;
  build: BuildRecord;
}

/** Client → daemon: queue an isolated build of a project folder; answers at once with the queued record. */
export const BuildStartRequest = new RequestType<BuildStartParams, BuildStartResult, void>('runlens/builds/start');

/** Client → daemon: the kept builds, newest first, of one project or of all. */
export const BuildListRequest = new RequestType<BuildListParams, BuildListResult, void>('runlens/builds/list');

/** Client → daemon: one build's record. */
export const BuildGetRequest = new RequestType<BuildIdParams, BuildResult, void>('runlens/builds/get');

/** Client → daemon: cancel a queued or running build; answers once its processes are gone. */
export const BuildCancelRequest = new RequestType<BuildIdParams, BuildResult, void>('runlens/builds/cancel');

/** Client → daemon: lines of a build's log, optionally the last `tail` or those since a time. */
export const BuildLogsRequest = new RequestType<BuildLogsParams, BuildLogsResult, void>('runlens/builds/logs');

/** Client → daemon: stream `changed` and `log` notifications for builds to this connection. */
export const BuildSubscribeRequest = new RequestType<BuildSubscribeParams, BuildSubscribeResult, void>(
  'runlens/builds/subscribe',
);

/** Client → daemon: end a subscription (closing the connection ends all of its subscriptions). */
export const BuildUnsubscribeRequest = new RequestType<BuildUnsubscribeParams, Record<string, never>, void>(
  'runlens/builds/unsubscribe',
);

/** Daemon → client: a batch of new log lines of a subscribed build. */
export const BuildLogNotification = new NotificationType<BuildLogNotificationParams>('runlens/builds/log');

/** Daemon → client: a subscribed build changed status or step. */
export const BuildChangedNotification = new NotificationType<BuildChangedNotificationParams>('runlens/builds/changed');
