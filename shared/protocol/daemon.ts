/**
 * The `daemon` area: handshake, status and lifecycle of the background daemon.
 * Every message is a typed constant; method names are `runlens/daemon/<verb>`.
 */
import { RequestType } from 'vscode-jsonrpc';

/** Bumped on any incompatible change to a message's shape. */
export const PROTOCOL_VERSION = 1;

/** What kind of program is on the other end of a connection. */
export type ClientKind = 'extension' | 'cli' | 'test';

export interface HelloParams {
  protocolVersion: number;
  /** Semver of the client's Runlens build. */
  clientVersion: string;
  /** Build stamp (ms since epoch) of the client's bundle; breaks ties between equal versions. */
  clientBuild: number;
  clientKind: ClientKind;
  /** Free text shown in `daemon status`, e.g. the workspace name. */
  clientName?: string;
  clientPid?: number;
}

export interface DaemonIdentity {
  pid: number;
  version: string;
  build: number;
  protocolVersion: number;
  /** Unix ms. */
  startedAt: number;
  home: string;
  socketPath: string;
}

export type HelloResult =
  | { outcome: 'ok'; daemon: DaemonIdentity; connectionId: number }
  /** The client is newer: the daemon hands over and exits; the client starts its own build. */
  | { outcome: 'handover'; daemon: DaemonIdentity }
  /** The client speaks an older protocol than the daemon understands. */
  | { outcome: 'incompatible'; daemon: DaemonIdentity; message: string };

export interface ConnectionInfo {
  id: number;
  kind: ClientKind | 'unknown';
  name?: string;
  pid?: number;
  /** Unix ms. */
  connectedAt: number;
}

export type DaemonStatusParams = Record<string, never>;

export interface DaemonStatusResult {
  daemon: DaemonIdentity;
  uptimeMs: number;
  connections: ConnectionInfo[];
  rssBytes: number;
  /** The daemon thread's V8 heap and the memory outside it (buffers); the store worker's is apart. */
  memory?: { heapUsedBytes: number; heapTotalBytes: number; externalBytes: number; arrayBuffersBytes: number };
  /** Where apps send OTLP/HTTP, e.g. `http://127.0.0.1:4318`. */
  otlpEndpoint?: string;
  /** Event loop delay over the last complete 10 s window (absent in the daemon's first one). */
  loopDelay?: LoopDelayWindow;
}

export interface LoopDelayWindow {
  /** Unix ms. */
  startMs: number;
  endMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface DaemonShutdownParams {
  /** Written to daemon.log so a reader knows why the daemon stopped. */
  reason: string;
}

export interface DaemonShutdownResult {
  pid: number;
}

/** Client → daemon, first message on every connection: protocol versions and who is calling. */
export const HelloRequest = new RequestType<HelloParams, HelloResult, void>('runlens/daemon/hello');

/** Client → daemon: identity, uptime, memory and connected clients. */
export const DaemonStatusRequest = new RequestType<DaemonStatusParams, DaemonStatusResult, void>(
  'runlens/daemon/status',
);

/** Client → daemon: stop the daemon gracefully after answering. */
export const DaemonShutdownRequest = new RequestType<DaemonShutdownParams, DaemonShutdownResult, void>(
  'runlens/daemon/shutdown',
);
