/**
 * A block of server output lines as one segment record (`t: "lines"`), and its expansion into the
 * log records the stores keep. A server logging 10,000 lines a second made the daemon build, encode
 * and write one full log record per line on its event loop; a block record is one small object and
 * an array of strings, and the stores (which run apart from the event loop) expand it. The
 * expansion is deterministic, so a block read again after a crash expands to the same ids.
 */
import { stripAnsi } from '../ansi';
import { guessLevel } from '../logLevel';
import type { LogRecord, TelemetryRecord } from './model';

export interface ServerLinesRecord {
  t: 'lines';
  serverId: string;
  runId: string;
  /** The server's name: the records' `service`. */
  service: string;
  stream: 'stdout' | 'stderr';
  /** Line number (in its stream's file of that run) of `texts[0]`; the others follow on. */
  line: number;
  /** When the daemon read the block; every line of it gets this time. */
  timeUnixNano: string;
  /** The lines as written, ANSI escapes kept. */
  texts: string[];
}

/** Shared, frozen: a fresh attributes object per line of a flood was garbage for nothing. */
const STREAM_ATTRIBUTES = { stdout: Object.freeze({ 'log.iostream': 'stdout' }), stderr: Object.freeze({ 'log.iostream': 'stderr' }) };

/** The id of line `line` of a run's stream: the same for a line whichever way it was recorded. */
export function serverLineId(runId: string, stream: string, line: number): string {
  return `log:${runId}:${stream}:${line}`;
}

export function expandLines(r: ServerLinesRecord): LogRecord[] {
  const attributes = STREAM_ATTRIBUTES[r.stream];
  return r.texts.map((text, i) => {
    const message = stripAnsi(text);
    return {
      t: 'log',
      id: serverLineId(r.runId, r.stream, r.line + i),
      timeUnixNano: r.timeUnixNano,
      level: guessLevel(message, r.stream),
      message,
      source: 'server',
      serverId: r.serverId,
      runId: r.runId,
      service: r.service,
      attributes,
    };
  });
}

/** What is wrong with a parsed `lines` record, or undefined when it can be expanded. */
export function linesProblem(r: Partial<ServerLinesRecord>): string | undefined {
  if (typeof r.serverId !== 'string' || typeof r.runId !== 'string' || typeof r.service !== 'string') return 'lines without serverId, runId or service';
  if (r.stream !== 'stdout' && r.stream !== 'stderr') return `lines with stream ${JSON.stringify(r.stream)}`;
  if (!Number.isSafeInteger(r.line) || typeof r.timeUnixNano !== 'string') return 'lines without a line number or time';
  if (!Array.isArray(r.texts) || !r.texts.every((t) => typeof t === 'string')) return 'lines whose texts are not strings';
  return undefined;
}

/** What a segment line holds: a record, or a block of server lines standing for many log records. */
export type SegmentRecord = TelemetryRecord | ServerLinesRecord;
