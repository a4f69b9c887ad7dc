/**
 * Spans into ClickHouse with the summaries the trace list and the request stats read, written by
 * the store per batch (schema.ts, migration 3). Grouping a million spans (or even the hundred
 * thousand rows of a per-trace rollup) by trace id at query time took hundreds of milliseconds on
 * ClickHouse 18.16; reading rows already summarized takes a few.
 *
 * - `trace_pieces`: one row per trace and batch with that batch's summary of the trace. A piece
 *   whose trace already had a piece when it was written is marked `cont`; the trace list merges
 *   only the pieces of such traces at query time and reads every other trace's one piece as it is.
 * - `req_minute`: request counts, errors and the latency histogram per server, minute and batch.
 *   A request span is counted once: spans already counted by another batch (`counted_requests`)
 *   are skipped.
 *
 * Idempotency: rows are keyed by the batch (`batchKey`: where in the segments it starts, else a
 * hash of its spans). A retried batch starts at the same place, classifies its spans the same way
 * (lookups ignore rows of its own key) and writes rows of the same keys, which replace the first
 * attempt's (`ver`: the larger retry wins); queries pick the newest row per key before merging.
 */
import * as crypto from 'node:crypto';
import type { SpanRecord } from '../../../shared/telemetry/model';
import type { Checkpoint } from '../../../shared/telemetry/query';
import { formatHist, rolls, Rollup } from '../local/rollups';
import { preferNew } from '../local/spanIngest';
import { cmpNs, spanEnd } from '../local/traceSummary';
import { lit } from './schema';

export interface SpanDb {
  rows<T>(query: string): Promise<T[]>;
  insertRows(table: string, rows: Record<string, unknown>[]): Promise<void>;
  /** Inserts TabSeparated rows (UTF-8, one row per line, `columns` in order). */
  insertTabSeparated(table: string, columns: readonly string[], body: Buffer): Promise<void>;
}

export interface BatchKey {
  id: string;
  /** Decimal UInt64; of two rows with the same key, the one with the larger `ver` wins. */
  ver: string;
}

/** Lookups of earlier pieces of a trace look this far (ns) around the batch's times. */
const LOOKUP_SLACK_NS = 86_400n * 1_000_000_000n;

export function batchKey(spans: readonly SpanRecord[], from: Checkpoint | undefined, next: Checkpoint): BatchKey {
  const ver = (BigInt(next.segment) * 1_000_000_000_000n + BigInt(next.offset)).toString();
  if (from) return { id: `${from.segment}:${from.offset}`, ver };
  const h = crypto.createHash('sha1');
  for (const s of spans) h.update(`${s.traceId}/${s.spanId}/${s.endTimeUnixNano ?? ''}\n`);
  return { id: `h:${h.digest('hex')}`, ver };
}

interface Piece {
  st: string;
  en: string;
  root: string;
  rootSpan: string;
  firstName: string;
  spans: number;
  errors: number;
  services: Set<string>;
  servers: Set<string>;
}

/** The batch's spans per trace, one report per span (the better one, as the local store keeps). */
function byTrace(spans: readonly SpanRecord[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  spans.forEach((s, i) => {
    let t = out.get(s.traceId);
    if (!t) out.set(s.traceId, (t = new Map()));
    const at = t.get(s.spanId);
    if (at === undefined || preferNew(spans[at]!, s)) t.set(s.spanId, i);
  });
  return out;
}

function piece(spans: readonly SpanRecord[], idx: Iterable<number>): Piece {
  let p: Piece | undefined;
  for (const i of idx) {
    const s = spans[i]!;
    const end = spanEnd(s);
    p ??= { st: s.startTimeUnixNano, en: end, root: '', rootSpan: '', firstName: s.name, spans: 0, errors: 0, services: new Set(), servers: new Set() };
    p.spans++;
    if (s.status === 2) p.errors++;
    if (!s.parentSpanId) {
      p.root = s.name;
      p.rootSpan = s.spanId;
    }
    if (cmpNs(s.startTimeUnixNano, p.st) < 0) {
      p.st = s.startTimeUnixNano;
      p.firstName = s.name;
    }
    if (cmpNs(end, p.en) > 0) p.en = end;
    if (s.service) p.services.add(s.service);
    if (s.serverId) p.servers.add(s.serverId);
  }
  return p!;
}

const inList = (ids: Iterable<string>): string => [...ids].map(lit).join(', ');

/**
 * Which traces already have pieces: `any` of any batch (this batch's own earlier attempt
 * included), `other` of another batch.
 */
async function earlierPieces(db: SpanDb, ids: string[], lo: bigint, hi: bigint, key: BatchKey): Promise<{ any: Set<string>; other: Set<string> }> {
  const rows = await db.rows<{ trace_id: string; batch: string }>(
    `SELECT DISTINCT trace_id, batch FROM trace_pieces
     WHERE st >= ${lo < LOOKUP_SLACK_NS ? 0n : lo - LOOKUP_SLACK_NS} AND st < ${hi + LOOKUP_SLACK_NS} AND trace_id IN (${inList(ids)})`,
  );
  const any = new Set<string>();
  const other = new Set<string>();
  for (const r of rows) {
    any.add(r.trace_id);
    if (r.batch !== key.id) other.add(r.trace_id);
  }
  return { any, other };
}

/** Request spans of `traceIds` that another batch already counted, as `trace/span`. */
async function countedElsewhere(db: SpanDb, traceIds: Set<string>, key: BatchKey): Promise<Set<string>> {
  if (traceIds.size === 0) return new Set();
  const rows = await db.rows<{ trace_id: string; span_id: string }>(
    `SELECT DISTINCT trace_id, span_id FROM counted_requests WHERE trace_id IN (${inList(traceIds)}) AND batch != ${lit(key.id)}`,
  );
  return new Set(rows.map((r) => `${r.trace_id}/${r.span_id}`));
}

/**
 * Inserts the spans and their summaries. `lines`: each span's segment line, stored as the record
 * instead of serializing it again. The spans go in while the summaries are worked out (the
 * lookups answer in a few milliseconds, the spans take most of a batch's time); a failure of
 * either is retried as a whole with the same key, and what was counted is decided by
 * `counted_requests`, not by the spans table.
 */
export async function insertSpans(db: SpanDb, spans: readonly SpanRecord[], lines: readonly (string | undefined)[] | undefined, key: BatchKey): Promise<void> {
  if (spans.length === 0) return;
  // Encoded row by row and joined as bytes: one string of 14,000 joined rows has to be flattened
  // before encoding, three times slower here.
  const body = Buffer.concat(spans.map((s, i) => Buffer.from(spanLine(s, lines?.[i]))));
  const stored = db.insertTabSeparated('spans', SPAN_COLUMNS, body);
  const summarized = insertSummaries(db, spans, key);
  await settled([stored, summarized]);
}

/** Waits for all, then throws the first error: a retry must never overlap this attempt's inserts. */
async function settled(all: Promise<void>[]): Promise<void> {
  for (const r of await Promise.allSettled(all)) if (r.status === 'rejected') throw r.reason;
}

async function insertSummaries(db: SpanDb, spans: readonly SpanRecord[], key: BatchKey): Promise<void> {
  const traces = byTrace(spans);
  let lo: bigint | undefined;
  let hi = 0n;
  const pieces = new Map<string, Piece>();
  for (const [traceId, idx] of traces) {
    const p = piece(spans, idx.values());
    pieces.set(traceId, p);
    const st = BigInt(p.st);
    if (lo === undefined || st < lo) lo = st;
    if (st > hi) hi = st;
  }
  const earlier = await earlierPieces(db, [...pieces.keys()], lo!, hi, key);
  const skip = await countedElsewhere(db, earlier.other, key);
  const rollup = new Rollup();
  const counted: Record<string, unknown>[] = [];
  for (const idx of traces.values()) {
    for (const i of idx.values()) {
      const s = spans[i]!;
      if (!rolls(s) || skip.has(`${s.traceId}/${s.spanId}`)) continue;
      rollup.add(s);
      counted.push({ trace_id: s.traceId, span_id: s.spanId, batch: key.id, start_ns: s.startTimeUnixNano });
    }
  }
  const cells = [...rollup.pending()].map((c) => ({
    server_key: c.server, minute: c.minute, batch: key.id, ver: key.ver, requests: c.requests, errors: c.errors, hist: formatHist(c.hist),
  }));
  await settled([db.insertRows('req_minute', cells), db.insertRows('counted_requests', counted), db.insertRows('trace_pieces', [...pieces].map(([traceId, p]) => ({
    trace_id: traceId, batch: key.id, ver: key.ver, cont: earlier.any.has(traceId) ? 1 : 0, st: p.st, en: p.en,
    dur: (BigInt(p.en) - BigInt(p.st)).toString(), root: p.root, root_span: p.rootSpan, first_name: p.firstName,
    n_spans: p.spans, n_errors: p.errors, services: [...p.services], servers: [...p.servers],
  })))]);
}

const SPAN_COLUMNS = [
  'trace_id', 'span_id', 'parent_span_id', 'name', 'kind', 'status', 'start_ns', 'end_ns', 'has_end', 'service', 'server_id', 'run_id', 'attributes', 'rec',
] as const;

/**
 * A span as one TabSeparated row (SPAN_COLUMNS). `line`: the span's segment line, stored as the
 * record as it is rather than serialized again. TabSeparated rather than JSONEachRow: every row
 * carries the record's JSON text, which JSONEachRow escapes quote by quote on the way out and
 * ClickHouse unescapes on the way in; here only backslashes (rare in it) need escaping. On 1,000,000
 * spans JSONEachRow encoding was a third of the store's CPU.
 */
function spanLine(s: SpanRecord, line: string | undefined): string {
  return `${tsv(s.traceId)}\t${tsv(s.spanId)}\t${tsv(s.parentSpanId ?? '')}\t${tsv(s.name)}\t${small(s.kind)}\t${small(s.status)}\t${uint(s.startTimeUnixNano)}\t${uint(s.endTimeUnixNano ?? '0')}\t${s.endTimeUnixNano ? 1 : 0}\t${tsv(s.service ?? '')}\t${tsv(s.serverId ?? '')}\t${tsv(s.runId ?? '')}\t${s.attributes === undefined ? '' : tsv(JSON.stringify(s.attributes))}\t${tsv(line ?? JSON.stringify(s))}\n`;
}

const TSV_SPECIAL = /[\\\t\n\r\0]/g;
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** A String value in TabSeparated: backslash, tab, newline, carriage return and NUL escaped. */
function tsv(v: string): string {
  return v.replace(TSV_SPECIAL, (c) => TSV_ESCAPES[c]!);
}

/** A UInt8 in TabSeparated: an enum value out of range (or missing) is 0, as a missing JSON field was. */
function small(v: unknown): number {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255 ? (v as number) : 0;
}

/** A UInt64 in TabSeparated: the record model keeps nanoseconds as decimal strings; anything else is 0. */
function uint(v: string): string {
  return /^\d{1,20}$/.test(v) ? v : '0';
}
