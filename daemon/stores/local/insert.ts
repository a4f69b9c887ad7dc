/**
 * Writing a batch into the local database in one transaction, together with its checkpoint.
 * Spans are keyed by (trace id, span id): a replayed span is recognised and, if it now carries an
 * end time the stored one lacked (Mastra reports start and end separately), updated. Trace
 * summaries are recomputed for every trace the batch touched, and the per-minute request rollups
 * count each span once, when it first has an end.
 */
import type { Database, Statement } from 'sql.js';
import type { LogRecord, MetricPoint, ScoreRecord, SpanRecord } from '../../../shared/telemetry/model';
import { LOG_LEVELS } from '../../../shared/telemetry/model';
import type { Checkpoint, InsertBatch } from '../../../shared/telemetry/query';
import { latencyBucket } from '../latency';

export function insertBatch(db: Database, batch: InsertBatch, checkpoint: Checkpoint): void {
  db.exec('BEGIN');
  try {
    const touched = insertSpans(db, batch.spans);
    refreshTraces(db, touched);
    insertLogs(db, batch.logs);
    insertMetrics(db, batch.metrics);
    insertScores(db, batch.scores);
    db.run("INSERT OR REPLACE INTO meta VALUES ('checkpoint', ?)", [JSON.stringify(checkpoint)]);
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** The key the request rollups use for a span: its server, else its service. */
export function serverKey(s: { serverId?: string; service?: string }): string {
  return s.serverId ?? s.service ?? '';
}

/** Spans that count as requests: server spans and roots. */
export function isRequest(s: SpanRecord): boolean {
  return s.kind === 2 || !s.parentSpanId;
}

class Rollup {
  private readonly minutes = new Map<string, { requests: number; errors: number }>();
  private readonly hist = new Map<string, number>();

  add(s: SpanRecord): void {
    const minute = Number(BigInt(s.startTimeUnixNano) / 60_000_000_000n);
    const key = JSON.stringify([serverKey(s), minute]);
    const m = this.minutes.get(key) ?? { requests: 0, errors: 0 };
    m.requests++;
    if (s.status === 2) m.errors++;
    this.minutes.set(key, m);
    const duration = Number(BigInt(s.endTimeUnixNano!) - BigInt(s.startTimeUnixNano));
    const hkey = JSON.stringify([serverKey(s), minute, latencyBucket(duration)]);
    this.hist.set(hkey, (this.hist.get(hkey) ?? 0) + 1);
  }

  flush(db: Database): void {
    const m = db.prepare(
      'INSERT INTO red_minute VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors',
    );
    for (const [key, v] of this.minutes) m.run([...(JSON.parse(key) as [string, number]), v.requests, v.errors]);
    m.free();
    const h = db.prepare('INSERT INTO red_hist VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n');
    for (const [key, n] of this.hist) h.run([...(JSON.parse(key) as [string, number, number]), n]);
    h.free();
  }
}

function insertSpans(db: Database, spans: readonly SpanRecord[]): Set<string> {
  const touched = new Set<string>();
  if (spans.length === 0) return touched;
  const rollup = new Rollup();
  const ins = db.prepare('INSERT OR IGNORE INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  let existing: Statement | undefined;
  let update: Statement | undefined;
  for (const s of spans) {
    touched.add(s.traceId);
    const rolls = s.endTimeUnixNano !== undefined && isRequest(s);
    ins.run(spanRow(s, rolls));
    if (db.getRowsModified() === 1) {
      if (rolls) rollup.add(s);
      continue;
    }
    // A span seen before: keep the newer report, and count it in the rollups only once.
    existing ??= db.prepare('SELECT rolled FROM spans WHERE trace_id = ? AND span_id = ?');
    update ??= db.prepare('INSERT OR REPLACE INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    existing.bind([s.traceId, s.spanId]);
    const rolled = existing.step() && existing.get()[0] === 1;
    existing.reset();
    if (s.endTimeUnixNano === undefined && rolled) continue;
    update.run(spanRow(s, rolled || rolls));
    if (rolls && !rolled) rollup.add(s);
  }
  ins.free();
  existing?.free();
  update?.free();
  rollup.flush(db);
  return touched;
}

function spanRow(s: SpanRecord, rolled: boolean): (string | number | null)[] {
  return [
    s.traceId, s.spanId, s.parentSpanId ?? '', s.name, s.kind, s.status, s.startTimeUnixNano,
    s.endTimeUnixNano ?? null, s.service ?? null, s.serverId ?? null, JSON.stringify(s), rolled ? 1 : 0,
  ];
}

const REFRESH_TRACE = `
INSERT OR REPLACE INTO traces
SELECT ?1,
  coalesce((SELECT name FROM spans WHERE trace_id = ?1 AND parent_span_id = '' LIMIT 1),
           (SELECT name FROM spans WHERE trace_id = ?1 ORDER BY start_ns LIMIT 1)),
  (SELECT span_id FROM spans WHERE trace_id = ?1 AND parent_span_id = '' LIMIT 1),
  min(start_ns), max(coalesce(end_ns, start_ns)), max(coalesce(end_ns, start_ns)) - min(start_ns),
  count(*), sum(status = 2), group_concat(DISTINCT service), max(server_id)
FROM spans WHERE trace_id = ?1`;

function refreshTraces(db: Database, traceIds: Set<string>): void {
  if (traceIds.size === 0) return;
  const stmt = db.prepare(REFRESH_TRACE);
  for (const id of traceIds) stmt.run([id]);
  stmt.free();
}

function insertLogs(db: Database, logs: readonly LogRecord[]): void {
  if (logs.length === 0) return;
  const stmt = db.prepare('INSERT OR IGNORE INTO logs VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const l of logs) {
    stmt.run([l.id, l.timeUnixNano, LOG_LEVELS.indexOf(l.level), l.message, l.traceId ?? null, l.source, l.serverId ?? null, JSON.stringify(l)]);
  }
  stmt.free();
}

function insertMetrics(db: Database, points: readonly MetricPoint[]): void {
  if (points.length === 0) return;
  const stmt = db.prepare('INSERT OR IGNORE INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const p of points) {
    stmt.run([p.id, p.name, p.timeUnixNano, pointValue(p), p.serverId ?? null, JSON.stringify(p.attributes), JSON.stringify(p)]);
  }
  stmt.free();
}

/** One number per point for series: the value, or a histogram's mean. */
export function pointValue(p: MetricPoint): number | null {
  if (p.value !== undefined) return p.value;
  if (p.histogram && p.histogram.count > 0) return p.histogram.sum / p.histogram.count;
  return null;
}

function insertScores(db: Database, scores: readonly ScoreRecord[]): void {
  if (scores.length === 0) return;
  const stmt = db.prepare('INSERT OR IGNORE INTO scores VALUES (?, ?, ?, ?, ?, ?)');
  for (const s of scores) stmt.run([s.id, s.name, s.value, s.timeUnixNano, s.traceId ?? null, JSON.stringify(s)]);
  stmt.free();
}
