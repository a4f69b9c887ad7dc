/**
 * Spans into the local store. Spans are stored in groups, one row per trace and batch
 * (`span_groups`): their ids, where each record is (spanBodies.ts) and their attributes. A batch of
 * 10,000 spans of 1,000 traces is then 1,000 small rows written by one statement, instead
 * of 10,000 rows bound one by one (see jsonRows.ts for how rows reach SQLite).
 *
 * Identity is (trace id, span id). Within a batch the better report of a span wins (one with an
 * end over one without); a trace the store already has takes the slow path: its stored span ids
 * are read, repeats are compared with the stored report (read back) and replace it when better,
 * and the trace summary and rollups are corrected instead of counting twice.
 */
import type { Database } from 'sql.js';
import type { SpanRecord } from '../../../shared/telemetry/model';
import type { SegmentLine } from '../../../shared/telemetry/query';
import { column, runRows, type Row } from './jsonRows';
import { Rollup, rolls } from './rollups';
import { refEntry, type SpanBodies, type SpanEntry } from './spanBodies';
import { addSpan, emptySummary, readSummaries, removeReport, writeSummaries, type TraceSummaryRow } from './traceSummary';

interface Pending {
  spans: SpanRecord[];
  /** Each span's entry as JSON text. */
  entries: string[];
  index: Map<string, number>;
}

const GROUP_COLUMNS = [0, 1, 2, 3, 4].map(column).join(', ');

/** A newer report replaces an older one unless it lacks the end the older one has. */
export function preferNew(old: SpanRecord, next: SpanRecord): boolean {
  return next.endTimeUnixNano !== undefined || old.endTimeUnixNano === undefined;
}

function attrsJson(spans: readonly SpanRecord[]): string {
  let s = '[';
  for (let i = 0; i < spans.length; i++) s += (i ? ',' : '') + JSON.stringify(spans[i]!.attributes ?? {});
  return s + ']';
}

function groupByTrace(spans: readonly SpanRecord[], refs: readonly SegmentLine[] | undefined, bodies: SpanBodies): Map<string, Pending> {
  const useRefs = refs !== undefined && refs.length === spans.length && bodies.indexesSegments;
  const byTrace = new Map<string, Pending>();
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    const entry = useRefs ? refEntry(refs[i]!) : JSON.stringify(s);
    let p = byTrace.get(s.traceId);
    if (!p) byTrace.set(s.traceId, (p = { spans: [], entries: [], index: new Map() }));
    const at = p.index.get(s.spanId);
    if (at === undefined) {
      p.index.set(s.spanId, p.spans.length);
      p.spans.push(s);
      p.entries.push(entry);
    } else if (preferNew(p.spans[at]!, s)) {
      p.spans[at] = s;
      p.entries[at] = entry;
    }
  }
  return byTrace;
}

export function ingestSpans(db: Database, bodies: SpanBodies, spans: readonly SpanRecord[], refs: readonly SegmentLine[] | undefined): void {
  if (spans.length === 0) return;
  const byTrace = groupByTrace(spans, refs, bodies);
  const known = readSummaries(db, byTrace.keys());
  const rollup = new Rollup();
  const summaries: TraceSummaryRow[] = [];
  const groups: Row[] = [];
  for (const [traceId, p] of byTrace) {
    const old = known.get(traceId);
    if (old) {
      mergeIntoKnown(db, bodies, old, p, rollup, groups);
      summaries.push(old);
      continue;
    }
    const t = emptySummary(traceId, p.spans[0]!);
    for (const s of p.spans) {
      addSpan(t, s);
      if (rolls(s)) rollup.add(s);
    }
    summaries.push(t);
    groups.push([traceId, 0, [...p.index.keys()].join(','), `[${p.entries.join(',')}]`, attrsJson(p.spans)]);
  }
  runRows(db, groups, 'INSERT OR REPLACE INTO span_groups', GROUP_COLUMNS);
  writeSummaries(db, summaries);
  rollup.flush(db);
}

interface StoredGroup {
  seq: number;
  entriesText: string;
  attrsText: string;
  entries?: SpanEntry[];
  attrs?: unknown[];
  dirty: boolean;
  ids: string;
}

/** The slow path for a trace the store already has: see the header. */
function mergeIntoKnown(db: Database, bodies: SpanBodies, t: TraceSummaryRow, p: Pending, rollup: Rollup, groups: Row[]): void {
  const stored = readGroups(db, t.traceId);
  const where = new Map<string, [StoredGroup, number]>();
  let maxSeq = -1;
  for (const g of stored) {
    maxSeq = Math.max(maxSeq, g.seq);
    g.ids.split(',').forEach((id, k) => where.set(id, [g, k]));
  }
  const fresh: Pending = { spans: [], entries: [], index: new Map() };
  p.spans.forEach((s, i) => {
    const at = where.get(s.spanId);
    if (!at) {
      addSpan(t, s);
      if (rolls(s)) rollup.add(s);
      fresh.index.set(s.spanId, fresh.spans.length);
      fresh.spans.push(s);
      fresh.entries.push(p.entries[i]!);
      return;
    }
    const [g, k] = at;
    g.entries ??= JSON.parse(g.entriesText) as SpanEntry[];
    g.attrs ??= JSON.parse(g.attrsText) as unknown[];
    const before = bodies.resolve([g.entries[k]!])[0];
    if (before && !preferNew(before, s)) return;
    if (before) removeReport(t, before);
    addSpan(t, s, false);
    if (rolls(s) && !(before && rolls(before))) rollup.add(s);
    g.entries[k] = JSON.parse(p.entries[i]!) as SpanEntry;
    g.attrs[k] = s.attributes ?? {};
    g.dirty = true;
  });
  for (const g of stored) {
    if (g.dirty) groups.push([t.traceId, g.seq, g.ids, JSON.stringify(g.entries), JSON.stringify(g.attrs)]);
  }
  if (fresh.spans.length > 0) {
    groups.push([t.traceId, maxSeq + 1, [...fresh.index.keys()].join(','), `[${fresh.entries.join(',')}]`, attrsJson(fresh.spans)]);
  }
}

function readGroups(db: Database, traceId: string): StoredGroup[] {
  const stmt = db.prepare('SELECT seq, ids, entries, attrs FROM span_groups WHERE trace_id = ?');
  try {
    stmt.bind([traceId]);
    const out: StoredGroup[] = [];
    while (stmt.step()) {
      const [seq, ids, entries, attrs] = stmt.get();
      out.push({ seq: Number(seq), ids: String(ids), entriesText: String(entries), attrsText: String(attrs), dirty: false });
    }
    return out;
  } finally {
    stmt.free();
  }
}
