/**
 * How a log record is laid out in the local store's `logs` table. The columns hold what queries
 * filter and sort on, plus the run and service; `rest` holds only what is left (attributes, a
 * structured body, a span id), or NULL. Keeping the whole record as JSON beside the columns
 * stored every message, id and time twice: 748 bytes per 120-byte server line against 324 now,
 * and the table is what a log flood fills (the newest 50,000 lines are kept).
 */
import type { SqlValue } from 'sql.js';
import type { LogLevel, LogRecord, LogSource } from '../../../shared/telemetry/model';
import { LOG_LEVELS } from '../../../shared/telemetry/model';

export const LOGS_DDL = `
CREATE TABLE logs (
  id TEXT PRIMARY KEY, time_ns INTEGER NOT NULL, severity INTEGER NOT NULL, message TEXT NOT NULL,
  trace_id TEXT, source TEXT NOT NULL, server_id TEXT, run_id TEXT, service TEXT, rest TEXT);
CREATE INDEX logs_time ON logs (time_ns);
CREATE INDEX logs_trace ON logs (trace_id);`;

export const INSERT_LOG = 'INSERT OR IGNORE INTO logs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Columns a page of logs reads back, in the order `logFromRow` expects. */
export const LOG_COLUMNS = 'id, CAST(time_ns AS TEXT) AS k, severity, message, trace_id, source, server_id, run_id, service, rest';

/** A time SQLite's 64-bit INTEGER column gives back as the same text. */
const CANONICAL_NS = /^(0|[1-9]\d{0,18})$/;
const canonicalNs = (ns: string): boolean => CANONICAL_NS.test(ns) && BigInt(ns) <= 9_223_372_036_854_775_807n;

const IN_COLUMNS = new Set(['t', 'id', 'timeUnixNano', 'level', 'message', 'traceId', 'source', 'serverId', 'runId', 'service']);

export function logRow(l: LogRecord): SqlValue[] {
  const severity = LOG_LEVELS.indexOf(l.level);
  let rest: Record<string, unknown> | undefined;
  for (const key of Object.keys(l) as (keyof LogRecord)[]) {
    if (IN_COLUMNS.has(key) || l[key] === undefined) continue;
    (rest ??= {})[key] = l[key];
  }
  // Values a column would not give back exactly stay in `rest`, which wins when read.
  if (!canonicalNs(l.timeUnixNano)) (rest ??= {}).timeUnixNano = l.timeUnixNano;
  if (severity < 0) (rest ??= {}).level = l.level;
  return [l.id, l.timeUnixNano, Math.max(severity, 0), l.message, l.traceId ?? null, l.source, l.serverId ?? null, l.runId ?? null, l.service ?? null, rest ? JSON.stringify(rest) : null];
}

export function logFromRow(r: Record<string, SqlValue>): LogRecord {
  const l: LogRecord = {
    t: 'log',
    id: String(r.id),
    timeUnixNano: String(r.k),
    level: LOG_LEVELS[Number(r.severity)] as LogLevel,
    message: String(r.message),
    source: String(r.source) as LogSource,
  };
  if (r.trace_id !== null) l.traceId = String(r.trace_id);
  if (r.server_id !== null) l.serverId = String(r.server_id);
  if (r.run_id !== null) l.runId = String(r.run_id);
  if (r.service !== null) l.service = String(r.service);
  return r.rest === null ? l : { ...l, ...(JSON.parse(String(r.rest)) as Partial<LogRecord>) };
}
