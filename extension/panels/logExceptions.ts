/**
 * Finds uncaught exceptions in server log records. Node writes one to stderr as several lines (the
 * throwing line, a caret, a blank line, `Error: message`, then `    at …` frames), and each line is a
 * log record of its own; this groups consecutive lines of one run and keeps the groups that hold an
 * error header followed by stack frames. Pure, so it is unit-tested without a daemon.
 */
import type { LogRecord } from '../../shared/telemetry/model';

export interface LoggedException {
  serverId?: string;
  runId?: string;
  /** Unix ms of the header line. */
  timeMs: number;
  /** `TypeError: x is not a function`. */
  message: string;
  /** Header and frames, as a stack trace. */
  stack: string;
}

const FRAME = /^\s+at\s/;
const HEADER = /^(?:Uncaught\s+)?([A-Z]\w*(?:Error|Exception))(?::\s|$)/;
/** Lines of one report arrive within a few milliseconds; a longer gap starts a new group. */
const GAP_MS = 250;

function timeMs(r: LogRecord): number {
  return Number(r.timeUnixNano.slice(0, -6));
}

/** The line number in a server log record's id (`runId:stream:line`), or 0. */
function lineNo(r: LogRecord): number {
  const n = Number(r.id.slice(r.id.lastIndexOf(':') + 1));
  return Number.isFinite(n) ? n : 0;
}

/** Exceptions in `records` (any order); each is reported once, at its header line. */
export function exceptionsFromLogs(records: LogRecord[]): LoggedException[] {
  // Lines of one chunk can share a timestamp; server log ids end with the line number, which breaks the tie.
  const sorted = [...records].sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : lineNo(a) - lineNo(b)));
  const found: LoggedException[] = [];
  let header: { record: LogRecord; frames: string[] } | undefined;
  let last: LogRecord | undefined;
  const flush = () => {
    if (header && header.frames.length > 0) {
      const r = header.record;
      found.push({ serverId: r.serverId, runId: r.runId, timeMs: timeMs(r), message: r.message.trim(), stack: [r.message, ...header.frames].join('\n') });
    }
    header = undefined;
  };
  for (const r of sorted) {
    const sameGroup = last && last.runId === r.runId && timeMs(r) - timeMs(last) <= GAP_MS;
    if (!sameGroup) flush();
    last = r;
    if (header && FRAME.test(r.message)) header.frames.push(r.message);
    else if (HEADER.test(r.message.trim())) {
      flush();
      header = { record: r, frames: [] };
    } else if (header && header.frames.length > 0) flush();
  }
  flush();
  return found;
}
