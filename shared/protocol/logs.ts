/**
 * The `logs` area: server log lines, read in pages or streamed to subscribers in batches.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';

export type LogStream = 'stdout' | 'stderr' | 'system';

export interface LogLine {
  /** Daemon-assigned, increasing across both streams of one server; the paging cursor. */
  seq: number;
  /** Unix ms when the daemon read the line. */
  time: number;
  stream: LogStream;
  /** The line as written, ANSI escapes kept; consumers strip them for search or plain views. */
  text: string;
  /** Set on every part but the last of a line longer than 64 KiB. */
  partial?: boolean;
  /** Which run of the server wrote it. */
  runId: string;
  /** Line number within its stream's file in that run (absent for Runlens's own lines). */
  line?: number;
}

export interface LogsGetParams {
  serverId: string;
  /** The last N lines (default 200 when neither `since` nor `before` is given). */
  tail?: number;
  /** Lines with seq > since. */
  since?: number;
  /** Lines with seq < before (paging backwards). */
  before?: number;
  limit?: number;
  /** Case-insensitive substring (ANSI-stripped) the line must contain. */
  grep?: string;
}

export interface LogsGetResult {
  lines: LogLine[];
  /** Seq of the newest line the daemon has, for a follow-up `since`. */
  lastSeq: number;
  /** True when more eligible lines exist beyond the returned ones (older, or newer for `since`). */
  more: boolean;
  /**
   * Set when a search of the files stopped at its read budget before filling the page: the seq
   * the scan reached. Ask again with it as `before` (or `since`) to go on.
   */
  scannedTo?: number;
}

export interface LogsSubscribeParams {
  serverId: string;
  /** Lines of backlog to send first (default 0). */
  tail?: number;
  /** Send every line after this seq first (a client resuming after a reconnect); wins over `tail`. */
  since?: number;
}

export interface LogsSubscribeResult {
  subscriptionId: number;
}

export interface LogsUnsubscribeParams {
  subscriptionId: number;
}

export interface LogLinesParams {
  subscriptionId: number;
  serverId: string;
  lines: LogLine[];
  /** Lines this subscriber did not keep up with; they are still in the files and in `logs/get`. */
  skipped?: number;
}

/** Client → daemon: a page of a server's log lines, from memory then from the log files. */
export const LogsGetRequest = new RequestType<LogsGetParams, LogsGetResult, void>('runlens/logs/get');

/** Client → daemon: stream a server's new log lines as `runlens/logs/lines` notifications. */
export const LogsSubscribeRequest = new RequestType<LogsSubscribeParams, LogsSubscribeResult, void>('runlens/logs/subscribe');

/** Client → daemon: stop a stream started with `runlens/logs/subscribe`. */
export const LogsUnsubscribeRequest = new RequestType<LogsUnsubscribeParams, void, void>('runlens/logs/unsubscribe');

/** Daemon → client: a batch of new lines for one subscription (by size and at most every 16 ms). */
export const LogLinesNotification = new NotificationType<LogLinesParams>('runlens/logs/lines');
