/**
 * One row per trace for the trace list, kept up to date at ingest in JavaScript: a batch's spans
 * are folded into the summary of their trace (new, or read back when the trace already exists),
 * and the summaries are written in one packed statement. Nanosecond times stay decimal strings and
 * are compared as such (no BigInt per span); only the duration is computed exactly, once per trace.
 */
import type { Database, SqlValue } from 'sql.js';
import type { SpanRecord } from '../../../shared/telemetry/model';
import { column, runRows, selectRows } from './jsonRows';

export interface TraceSummaryRow {
  traceId: string;
  /** The root span's name; without a root yet, the earliest span's. */
  rootName: string;
  rootSpanId: string;
  start: string;
  end: string;
  spanCount: number;
  errorCount: number;
  services: Set<string>;
  serverId: string;
}

/** Compares two non-negative decimal strings without leading zeros. */
export function cmpNs(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** Trace order: by start time, then span id. */
export function byStart(a: SpanRecord, b: SpanRecord): number {
  return cmpNs(a.startTimeUnixNano, b.startTimeUnixNano) || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);
}

export function spanEnd(s: SpanRecord): string {
  return s.endTimeUnixNano ?? s.startTimeUnixNano;
}

export function emptySummary(traceId: string, first: SpanRecord): TraceSummaryRow {
  return {
    traceId, rootName: first.name, rootSpanId: '', start: first.startTimeUnixNano, end: spanEnd(first),
    spanCount: 0, errorCount: 0, services: new Set(), serverId: '',
  };
}

/** Folds a span into its trace's summary; `counted` is false for a new report of a known span. */
export function addSpan(t: TraceSummaryRow, s: SpanRecord, counted = true): void {
  if (counted) t.spanCount++;
  if (s.status === 2) t.errorCount++;
  if (!s.parentSpanId) {
    t.rootName = s.name;
    t.rootSpanId = s.spanId;
  } else if (!t.rootSpanId && cmpNs(s.startTimeUnixNano, t.start) < 0) {
    t.rootName = s.name;
  }
  if (cmpNs(s.startTimeUnixNano, t.start) < 0) t.start = s.startTimeUnixNano;
  const end = spanEnd(s);
  if (cmpNs(end, t.end) > 0) t.end = end;
  if (s.service) t.services.add(s.service);
  if (s.serverId && s.serverId > t.serverId) t.serverId = s.serverId;
}

/** Takes back what an earlier report of a span added, before its newer report is folded in. */
export function removeReport(t: TraceSummaryRow, old: SpanRecord): void {
  if (old.status === 2) t.errorCount--;
}

/** Writes (inserts or replaces) the summaries. */
export function writeSummaries(db: Database, summaries: readonly TraceSummaryRow[]): void {
  const rows = summaries.map((t) => [
    t.traceId, t.rootName, t.rootSpanId, t.start, t.end, (BigInt(t.end) - BigInt(t.start)).toString(), t.spanCount, t.errorCount,
    [...t.services].sort().join(','), t.serverId,
  ]);
  // The nanosecond columns arrive as decimal text; CAST keeps them exact 64-bit integers.
  const c = Array.from({ length: 10 }, (_, i) => (i >= 3 && i <= 5 ? `CAST(${column(i)} AS INTEGER)` : column(i)));
  runRows(db, rows, 'INSERT OR REPLACE INTO traces', c.join(', '));
}

/** The stored summaries of those of `traceIds` that exist. */
export function readSummaries(db: Database, traceIds: Iterable<string>): Map<string, TraceSummaryRow> {
  const out = new Map<string, TraceSummaryRow>();
  const rows = selectRows(
    db, [...traceIds].map((id) => [id]),
    `t.trace_id, t.root_name, t.root_span_id, CAST(t.start_ns AS TEXT), CAST(t.end_ns AS TEXT), t.span_count, t.error_count, t.services, t.server_id`,
    `JOIN traces t ON t.trace_id = ${column(0)}`,
  );
  for (const r of rows) out.set(String(r[0]), fromRow(r));
  return out;
}

function fromRow(r: SqlValue[]): TraceSummaryRow {
  return {
    traceId: String(r[0]), rootName: String(r[1]), rootSpanId: String(r[2]), start: String(r[3]), end: String(r[4]),
    spanCount: Number(r[5]), errorCount: Number(r[6]), services: new Set(String(r[7]).split(',').filter(Boolean)), serverId: String(r[8]),
  };
}
