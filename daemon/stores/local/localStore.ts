/**
 * The local store: an in-memory SQLite database (sql.js) fed from the JSONL segments and
 * snapshotted atomically to `<state>/index/local.sqlite`. The checkpoint lives in the database, so
 * a snapshot always holds data and checkpoint of the same moment; after a crash the feeder resumes
 * from the snapshot's checkpoint and the idempotent inserts absorb the replay. Without a usable
 * snapshot the store starts empty and is rebuilt from the segments. Span records stay in the
 * segments; the store indexes them (spanBodies.ts).
 *
 * Batches run inside one long transaction, each in its own savepoint (a failing batch leaves
 * nothing behind), committed before a snapshot is written, after 5,000 records and at least
 * every 30 s. A commit per batch cost more than the inserts themselves (each copies every changed
 * page into sql.js's in-memory file); a transaction of too many records keeps a journal as large
 * as the database (see COMMIT_AFTER_RECORDS). Committing matters only to the snapshot and the
 * journal: the connection sees its own uncommitted rows, so queries are never behind.
 */
import * as fs from 'node:fs';
import type { Database } from 'sql.js';
import type {
  Checkpoint, GetTraceParams, GetTraceResult, InsertBatch, ListScoresParams, ListTracesParams,
  ListMetricsParams, MetricInfo, MetricSeriesParams, MetricSeriesResult, Page, RetentionPolicy, SearchLogsParams,
  ServerStatsParams, ServerStatsResult, StoreStats, TelemetryStore, TraceSummary,
} from '../../../shared/telemetry/query';
import type { LogRecord, ScoreRecord } from '../../../shared/telemetry/model';
import type { Logger } from '../../log';
import { msToNs } from '../cursor';
import { insertBatch, trimLogs } from './insert';
import * as q from './queries';
import { needsRoom, openDatabase, reopenWithRoom, sqliteHeapBytes, writeSnapshot, type OpenDb } from './schema';
import { SpanBodies } from './spanBodies';

export interface LocalStoreOptions {
  /** Snapshot file; without one the store lives in memory only (tests, benchmarks). */
  snapshotFile?: string;
  /** How often a changed database is snapshotted. */
  snapshotEveryMs?: number;
  /** The JSONL segments directory: span records inserted with `spanLines` are read from there. */
  segmentsDir?: string;
  /**
   * Log records kept; past it the oldest go. A server logging 10,000 lines a second would
   * otherwise grow the daemon by gigabytes an hour. Measured with a flood of 120-byte lines: the
   * store's memory outside the JS heap stays at 119 MB with 50,000 kept, 336 MB with 100,000
   * (the database image is given room in proportion to its size). Older server lines stay in their run's log files (paged by logs/get) and
   * in the segments, and so in ClickHouse.
   */
  maxLogs?: number;
  log: Logger;
}

export const DEFAULT_MAX_LOGS = 50_000;

const COMMIT_EVERY_MS = 30_000;
/**
 * Records after which the open transaction is committed anyway. Until a commit, the in-memory
 * rollback journal holds the original of every page the transaction changed; a log flood that
 * turns the capped logs table over every few seconds changes every page, so a 30 s transaction
 * kept a second copy of the whole database in SQLite's heap.
 */
const COMMIT_AFTER_RECORDS = 5_000;
const SNAPSHOT_AFTER_RECORDS = 10_000;
const SNAPSHOT_AT_LEAST_EVERY_MS = 5 * 60_000;

export class LocalStore implements TelemetryStore {
  readonly backend = 'local' as const;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private snapshotBytes = 0;
  private sinceSnapshot = 0;
  private snapshotAt = Date.now();
  private txStartedMs: number | undefined;
  private txRecords = 0;
  private readonly bodies: SpanBodies;
  /** Log rows, counted at open and by inserts (an upper bound: replays are ignored by the insert). */
  private logRows: number;
  private readonly maxLogs: number;

  private db: Database;

  private constructor(private open: OpenDb, private readonly opts: LocalStoreOptions) {
    this.db = open.db;
    this.bodies = new SpanBodies(opts.segmentsDir);
    this.maxLogs = opts.maxLogs ?? DEFAULT_MAX_LOGS;
    this.logRows = Number(this.db.exec('SELECT count(*) FROM logs')[0]?.values[0]?.[0] ?? 0);
    if (opts.snapshotFile) {
      // Exporting the whole database is the costly part of an idle daemon; the segments are the
      // source of truth, so a longer interval only means a longer replay after a crash.
      this.timer = setInterval(() => this.snapshotIfDue(), opts.snapshotEveryMs ?? 30_000);
      this.timer.unref();
    }
  }

  static async open(opts: LocalStoreOptions): Promise<LocalStore> {
    const { rebuildReason, ...open } = await openDatabase(opts.snapshotFile);
    if (rebuildReason && opts.snapshotFile) {
      opts.log.warn(`local telemetry index: ${rebuildReason}; rebuilding it from the JSONL segments`);
      if (fs.existsSync(opts.snapshotFile) && !rebuildReason.startsWith('no snapshot')) {
        fs.renameSync(opts.snapshotFile, `${opts.snapshotFile}.bad`);
      }
    }
    return new LocalStore(open, opts);
  }

  async insert(batch: InsertBatch, checkpoint: Checkpoint): Promise<void> {
    if (this.txStartedMs === undefined) {
      this.db.exec('BEGIN');
      this.txStartedMs = Date.now();
    }
    this.db.exec('SAVEPOINT batch');
    try {
      insertBatch(this.db, this.bodies, batch, checkpoint, this.maxLogs);
      this.logRows += Math.min(batch.logs.length, this.maxLogs);
      // Trimmed a tenth past the cap, so the delete runs once per many batches.
      if (this.logRows > this.maxLogs * 1.1) this.logRows = trimLogs(this.db, this.maxLogs);
      this.db.exec('RELEASE batch');
    } catch (err) {
      this.db.exec('ROLLBACK TO batch; RELEASE batch');
      throw err;
    }
    this.dirty = true;
    const records = batch.spans.length + batch.logs.length + batch.metrics.length + batch.scores.length;
    this.sinceSnapshot += records;
    this.txRecords += records;
    if (needsRoom(this.open)) {
      this.commit();
      this.open = reopenWithRoom(this.open);
      this.db = this.open.db;
    } else if (this.txRecords >= COMMIT_AFTER_RECORDS || Date.now() - this.txStartedMs >= COMMIT_EVERY_MS) {
      this.commit();
    }
  }

  /** Commits what was inserted so far (the snapshot timer and close do this on their own). */
  async flush(): Promise<void> {
    this.commit();
  }

  /** Ends the open transaction, if any. */
  private commit(): void {
    if (this.txStartedMs === undefined) return;
    this.txStartedMs = undefined;
    this.txRecords = 0;
    this.db.exec('COMMIT');
  }

  async checkpoint(): Promise<Checkpoint | undefined> {
    const v = this.db.exec("SELECT value FROM meta WHERE key = 'checkpoint'")[0]?.values[0]?.[0];
    return typeof v === 'string' ? (JSON.parse(v) as Checkpoint) : undefined;
  }

  async listTraces(params: ListTracesParams): Promise<Page<TraceSummary>> {
    return q.listTraces(this.db, params);
  }
  async getTrace(params: GetTraceParams): Promise<GetTraceResult> {
    return q.getTrace(this.db, this.bodies, params.traceId);
  }
  async searchLogs(params: SearchLogsParams): Promise<Page<LogRecord>> {
    return q.searchLogs(this.db, params);
  }
  async metricSeries(params: MetricSeriesParams): Promise<MetricSeriesResult> {
    return q.metricSeries(this.db, params);
  }
  async listMetrics(params: ListMetricsParams): Promise<MetricInfo[]> {
    return q.listMetrics(this.db, params);
  }
  async serverStats(params: ServerStatsParams): Promise<ServerStatsResult> {
    return q.serverStats(this.db, params);
  }
  async listScores(params: ListScoresParams): Promise<Page<ScoreRecord>> {
    return q.listScores(this.db, params);
  }

  async stats(): Promise<StoreStats> {
    const one = (sql: string): number => Number(this.db.exec(sql)[0]?.values[0]?.[0] ?? 0);
    const range = this.db.exec('SELECT min(start_ns) / 1000000, max(start_ns) / 1000000 FROM traces')[0]?.values[0];
    return {
      backend: 'local',
      spans: one('SELECT coalesce(sum(span_count), 0) FROM traces'),
      traces: one('SELECT count(*) FROM traces'),
      logs: one('SELECT count(*) FROM logs'),
      metrics: one('SELECT count(*) FROM metrics'),
      scores: one('SELECT count(*) FROM scores'),
      oldestMs: range?.[0] == null ? undefined : Number(range[0]),
      newestMs: range?.[1] == null ? undefined : Number(range[1]),
      bytes: this.snapshotBytes || undefined,
      memory: this.memory(one),
    };
  }

  private memory(one: (sql: string) => number): StoreStats['memory'] {
    // In the worker these are the worker's own isolate; on the daemon thread (tests), the daemon's.
    const m = process.memoryUsage();
    const fileBytes = one('PRAGMA page_count') * one('PRAGMA page_size');
    return { heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, fileBytes, sqliteHeapBytes: sqliteHeapBytes() };
  }

  /** Drops whole traces older than the age limit, then the oldest traces beyond the span limit. */
  async applyRetention(policy: RetentionPolicy, nowMs: number): Promise<number> {
    const spanCount = (): number => Number(this.db.exec('SELECT coalesce(sum(span_count), 0) FROM traces')[0]?.values[0]?.[0] ?? 0);
    const before = spanCount();
    const cutoff = msToNs(nowMs - policy.maxAgeMs);
    this.commit();
    this.db.exec('BEGIN');
    try {
      this.db.run('CREATE TEMP TABLE doomed AS SELECT trace_id FROM traces WHERE start_ns < ?', [cutoff]);
      let excess = before - Number(this.db.exec('SELECT coalesce(sum(span_count), 0) FROM traces WHERE trace_id IN doomed')[0]?.values[0]?.[0]) - policy.maxSpans;
      if (excess > 0) {
        // Oldest traces first until enough spans are gone.
        const stmt = this.db.prepare('SELECT trace_id, span_count FROM traces WHERE trace_id NOT IN doomed ORDER BY start_ns');
        const add = this.db.prepare('INSERT INTO doomed VALUES (?)');
        while (excess > 0 && stmt.step()) {
          const [id, n] = stmt.get();
          add.run([id as string]);
          excess -= Number(n);
        }
        stmt.free();
        add.free();
      }
      this.db.run('DELETE FROM span_groups WHERE trace_id IN doomed');
      this.db.run('DELETE FROM traces WHERE trace_id IN doomed');
      this.db.run('DROP TABLE doomed');
      for (const t of ['logs', 'metrics', 'scores']) this.db.run(`DELETE FROM ${t} WHERE time_ns < ?`, [cutoff]);
      const minute = Math.floor((nowMs - policy.maxAgeMs) / 60_000);
      this.db.run('DELETE FROM red_minute WHERE minute < ?', [minute]);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
    const removed = before - spanCount();
    if (removed > 0) this.dirty = true;
    return removed;
  }

  /** Writes the snapshot now if anything changed since the last one. */
  /**
   * The timer's snapshot: each one exports and writes the whole database, so a trickle of records
   * (an idle daemon's resource samples) is snapshotted every few minutes rather than every 30 s.
   * The segments are the source of truth: a crash only means a longer replay.
   */
  private snapshotIfDue(): void {
    if (this.sinceSnapshot < SNAPSHOT_AFTER_RECORDS && Date.now() - this.snapshotAt < SNAPSHOT_AT_LEAST_EVERY_MS) return;
    this.snapshotIfDirty();
  }

  snapshotIfDirty(): void {
    this.sinceSnapshot = 0;
    this.snapshotAt = Date.now();
    if (!this.dirty || !this.opts.snapshotFile) return;
    this.dirty = false;
    // sql.js exports through SQLite's backup API, which waits for open write transactions.
    this.commit();
    try {
      this.snapshotBytes = writeSnapshot(this.open, this.opts.snapshotFile);
    } catch (err) {
      this.dirty = true;
      this.opts.log.error(`cannot write the local telemetry snapshot ${this.opts.snapshotFile}: ${(err as Error).message}; check free disk space`);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.commit();
    this.snapshotIfDirty();
    this.db.close();
  }
}
