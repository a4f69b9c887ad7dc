/**
 * The ClickHouse trace list, over the per-batch trace pieces of spanIngest.ts. Most traces have
 * one piece (`cont = 0`), which is their summary: a page of them is a filtered top-N read with no
 * grouping. Traces that arrived in several batches (their later pieces have `cont = 1`) are merged
 * at query time, and their span and error counts come from the spans themselves (a span reported
 * in two batches counts once). The two answers are merged in order. Filtering by attribute reads
 * the spans (only they know attributes).
 */
import type { ListTracesParams, Page, TraceSummary } from '../../../shared/telemetry/query';
import { clampLimit, decodeCursor, encodeCursor, msToNs } from '../cursor';
import { cmpNs } from '../local/traceSummary';
import type { Rows } from './queries';
import { int, lit } from './schema';

interface TraceRow {
  trace_id: string; s: string; e: string; d: string; rt: string; fst: string; rs: string;
  n: string; errs: string; svcs: string[]; srvs: string[];
}

/** Column expressions of one query shape (a single piece, or pieces merged per trace). */
interface Cols {
  s: string;
  d: string;
  errs: string;
  name: string;
  svcs: string;
  srvs: string;
}

const PIECE: Cols = { s: 'st', d: 'dur', errs: 'n_errors', name: "if(root != '', root, first_name)", svcs: 'services', srvs: 'servers' };
const PIECE_SELECT = 'trace_id, st AS s, en AS e, dur AS d, root AS rt, first_name AS fst, root_span AS rs, n_spans AS n, n_errors AS errs, services AS svcs, servers AS srvs';
const MERGED: Cols = { s: 's', d: 'd', errs: 'errs', name: "if(rt != '', rt, fst)", svcs: 'svcs', srvs: 'srvs' };
const MERGED_SELECT = `trace_id, min(st) AS s, max(en) AS e, e - s AS d, anyIf(root, root != '') AS rt, argMin(first_name, st) AS fst,
  anyIf(root_span, root_span != '') AS rs, toUInt64(0) AS n, max(n_errors) AS errs, groupUniqArrayArray(services) AS svcs, groupUniqArrayArray(servers) AS srvs`;
/** The same summary computed from the spans (attribute filter). */
const SPANS_SELECT = `trace_id, min(start_ns) AS s, max(if(has_end = 1, end_ns, start_ns)) AS e, e - s AS d, anyIf(name, parent_span_id = '') AS rt,
  argMin(name, start_ns) AS fst, anyIf(span_id, parent_span_id = '') AS rs, uniqExact(span_id) AS n, uniqExactIf(span_id, status = 2) AS errs,
  groupUniqArrayIf(service, service != '') AS svcs, groupUniqArrayIf(server_id, server_id != '') AS srvs`;

/** Up to this many split traces are dropped from a page of single pieces after reading it. */
const FEW_SPLIT = 1000;

/** Pieces of one trace lie within a day of each other (spanIngest.ts looks that far). */
const DAY_MS = 86_400_000;

function conditions(p: ListTracesParams, c: Cols, key: 's' | 'd', desc: boolean): string[] {
  const out: string[] = [];
  if (p.fromMs !== undefined) out.push(`${c.s} >= ${int(msToNs(p.fromMs))}`);
  if (p.toMs !== undefined) out.push(`${c.s} < ${int(msToNs(p.toMs))}`);
  if (p.serverId !== undefined) out.push(`has(${c.srvs}, ${lit(p.serverId)})`);
  if (p.service !== undefined) out.push(`has(${c.svcs}, ${lit(p.service)})`);
  if (p.nameContains) out.push(`position(lowerUTF8(${c.name}), lowerUTF8(${lit(p.nameContains)})) > 0`);
  if (p.status === 'error') out.push(`${c.errs} > 0`);
  if (p.status === 'ok') out.push(`${c.errs} = 0`);
  if (p.minDurationMs !== undefined) out.push(`${c.d} >= ${int(Math.round(p.minDurationMs * 1e6))}`);
  if (p.maxDurationMs !== undefined) out.push(`${c.d} <= ${int(Math.round(p.maxDurationMs * 1e6))}`);
  const after = decodeCursor(p.cursor);
  if (after) {
    const v = int(String(after.v));
    const k = c[key];
    out.push(`(${k} ${desc ? '<' : '>'} ${v} OR (${k} = ${v} AND trace_id ${desc ? '<' : '>'} ${lit(after.id)}))`);
  }
  return out;
}

/** Traces with more than one piece near the window. */
function splitTraces(p: ListTracesParams): string {
  const where = ['cont = 1'];
  if (p.fromMs !== undefined) where.push(`st >= ${int(msToNs(Math.max(0, p.fromMs - DAY_MS)))}`);
  if (p.toMs !== undefined) where.push(`st < ${int(msToNs(p.toMs + DAY_MS))}`);
  return `SELECT trace_id FROM trace_pieces WHERE ${where.join(' AND ')}`;
}

async function pageRows(db: Rows, p: ListTracesParams, key: 's' | 'd', desc: boolean, limit: number): Promise<TraceRow[]> {
  const dir = desc ? 'DESC' : 'ASC';
  const order = `ORDER BY ${key} ${dir}, trace_id ${dir} LIMIT ${limit}`;
  if (p.attribute) {
    const raw = `visitParamExtractRaw(attributes, ${lit(p.attribute.key)})`;
    const having = [...conditions(p, MERGED, key, desc), `countIf(${raw} IN (${lit(JSON.stringify(p.attribute.value))}, ${lit(p.attribute.value)})) > 0`];
    // A trace starts in the window when its earliest span does.
    const where = p.fromMs !== undefined ? `WHERE start_ns >= ${int(msToNs(p.fromMs))}` : '';
    return db.rows<TraceRow>(`SELECT ${SPANS_SELECT} FROM spans ${where} GROUP BY trace_id HAVING ${having.join(' AND ')} ${order}`);
  }
  const split = splitTraces(p);
  const merged = conditions(p, MERGED, key, desc);
  const mergedRows = db.rows<TraceRow>(`SELECT ${MERGED_SELECT} FROM trace_pieces WHERE trace_id IN (${split}) GROUP BY trace_id
    ${merged.length ? `HAVING ${merged.join(' AND ')}` : ''} ${order}`);
  mergedRows.catch(() => undefined); // awaited below; not unhandled if the next query fails first
  // Single pieces of split traces are left out. When there are few split traces, a page of single
  // pieces is read with room for them and they are dropped here: excluding them in the query
  // made it read and look up every trace id of the window.
  const splitRows = await db.rows<{ trace_id: string }>(`${split} LIMIT ${FEW_SPLIT + 1}`);
  const few = splitRows.length <= FEW_SPLIT;
  const ids = new Set(splitRows.map((r) => r.trace_id));
  const single = ['cont = 0', ...(few ? [] : [`trace_id NOT IN (${split})`]), ...conditions(p, PIECE, key, desc)];
  // Only the sort key and id of the page: ClickHouse reads every selected column of each row in
  // the window before it sorts, and the names and service lists were most of those bytes.
  const singles = db.rows<{ trace_id: string; s: string; d: string }>(
    `SELECT trace_id, st AS s, dur AS d FROM trace_pieces WHERE ${single.join(' AND ')} ORDER BY ${key} ${dir}, trace_id ${dir} LIMIT ${few ? limit + ids.size : limit}`,
  );
  const [a, b] = await Promise.all([singles, mergedRows]);
  const sign = desc ? -1 : 1;
  const page = [...a.filter((r) => !ids.has(r.trace_id)), ...b]
    .sort((x, y) => sign * (cmpNs(x[key], y[key]) || (x.trace_id < y.trace_id ? -1 : x.trace_id > y.trace_id ? 1 : 0)))
    .slice(0, limit);
  return details(db, page, new Map(b.map((r) => [r.trace_id, r])));
}

/**
 * The full rows of a page: single pieces read by trace id; merged traces as merged, with span and
 * error counts from the spans (each span once).
 */
async function details(db: Rows, page: { trace_id: string }[], merged: Map<string, TraceRow>): Promise<TraceRow[]> {
  const singleIds = page.filter((r) => !merged.has(r.trace_id)).map((r) => lit(r.trace_id));
  const mergedIds = page.filter((r) => merged.has(r.trace_id)).map((r) => lit(r.trace_id));
  const [pieces, counts] = await Promise.all([
    singleIds.length ? db.rows<TraceRow>(`SELECT ${PIECE_SELECT} FROM trace_pieces WHERE trace_id IN (${singleIds.join(', ')}) AND cont = 0`) : [],
    mergedIds.length
      ? db.rows<{ trace_id: string; n: string; errs: string }>(
        `SELECT trace_id, uniqExact(span_id) AS n, uniqExactIf(span_id, status = 2) AS errs FROM spans WHERE trace_id IN (${mergedIds.join(', ')}) GROUP BY trace_id`,
      )
      : [],
  ]);
  const single = new Map(pieces.map((r) => [r.trace_id, r]));
  const exact = new Map(counts.map((c) => [c.trace_id, c]));
  return page.flatMap((r) => {
    const m = merged.get(r.trace_id);
    const c = exact.get(r.trace_id);
    const row = m ? (c ? { ...m, n: c.n, errs: c.errs } : m) : single.get(r.trace_id);
    return row ? [row] : [];
  });
}

export async function listTraces(db: Rows, p: ListTracesParams): Promise<Page<TraceSummary>> {
  const key = p.sort === 'duration' ? 'd' : 's';
  const desc = p.order !== 'asc';
  const limit = clampLimit(p.limit);
  const rows = await pageRows(db, p, key, desc, limit + 1);
  const items = rows.slice(0, limit).map(
    (r): TraceSummary => ({
      traceId: r.trace_id,
      rootName: r.rt || r.fst,
      rootSpanId: r.rs || undefined,
      startTimeUnixNano: String(r.s),
      endTimeUnixNano: String(r.e),
      durationMs: Number(r.d) / 1e6,
      spanCount: Number(r.n),
      errorCount: Number(r.errs),
      services: [...r.svcs].sort(),
      serverId: [...r.srvs].sort().at(-1),
    }),
  );
  const last = rows[limit - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ v: String(last[key]), id: last.trace_id }) : undefined };
}
