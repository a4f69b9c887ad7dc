/**
 * Writing a batch into the local database together with its checkpoint. The caller (LocalStore)
 * wraps it in a savepoint, so a batch lands whole or not at all. Spans go through spanIngest.ts;
 * logs, metrics and scores are keyed by id, so a replayed record is ignored.
 */
import type { Database } from 'sql.js';
import type { LogRecord, MetricPoint, ScoreRecord } from '../../../shared/telemetry/model';
import type { Checkpoint, InsertBatch } from '../../../shared/telemetry/query';
import type { SpanBodies } from './spanBodies';
import { INSERT_LOG, logRow } from './logRows';
import { ingestSpans } from './spanIngest';

export function insertBatch(db: Database, bodies: SpanBodies, batch: InsertBatch, checkpoint: Checkpoint, maxLogs = Infinity): void {
  ingestSpans(db, bodies, batch.spans, batch.spanLines);
  // Logs past the cap would be trimmed at once: a batch larger than the cap keeps its newest.
  insertLogs(db, batch.logs.length > maxLogs ? batch.logs.slice(-maxLogs) : batch.logs);
  insertMetrics(db, batch.metrics);
  insertScores(db, batch.scores);
  db.run("INSERT OR REPLACE INTO meta VALUES ('checkpoint', ?)", [JSON.stringify(checkpoint)]);
}

function insertLogs(db: Database, logs: readonly LogRecord[]): void {
  if (logs.length === 0) return;
  const stmt = db.prepare(INSERT_LOG);
  for (const l of logs) stmt.run(logRow(l));
  stmt.free();
}

/**
 * Deletes the oldest log rows past `keep` (rowids grow with inserts, which follow arrival order);
 * returns the rows left.
 */
export function trimLogs(db: Database, keep: number): number {
  db.run('DELETE FROM logs WHERE rowid <= (SELECT max(rowid) FROM logs) - ?', [keep]);
  return Number(db.exec('SELECT count(*) FROM logs')[0]?.values[0]?.[0] ?? 0);
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
