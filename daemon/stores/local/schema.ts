/**
 * The local store's SQLite schema (sql.js, in memory, snapshotted to disk) and how a database is
 * opened: from the snapshot when it is readable and of this schema version, else empty, in which
 * case the feeder replays the JSONL segments from the start and rebuilds it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';

export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
-- One row per span; rec holds the full normalized record. rolled: counted in the rollups already.
CREATE TABLE spans (
  trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT NOT NULL, name TEXT NOT NULL,
  kind INTEGER NOT NULL, status INTEGER NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER,
  service TEXT, server_id TEXT, rec TEXT NOT NULL, rolled INTEGER NOT NULL,
  PRIMARY KEY (trace_id, span_id)) WITHOUT ROWID;
-- One row per trace, recomputed for every trace a batch touches: the trace list reads only this.
CREATE TABLE traces (
  trace_id TEXT PRIMARY KEY, root_name TEXT NOT NULL, root_span_id TEXT, start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL, services TEXT, server_id TEXT);
CREATE INDEX traces_start ON traces (start_ns);
CREATE INDEX traces_duration ON traces (duration_ns);
-- Requests per server and minute, and their latency histogram, maintained at ingest.
CREATE TABLE red_minute (
  server_key TEXT NOT NULL, minute INTEGER NOT NULL, requests INTEGER NOT NULL, errors INTEGER NOT NULL,
  PRIMARY KEY (server_key, minute)) WITHOUT ROWID;
CREATE TABLE red_hist (
  server_key TEXT NOT NULL, minute INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (server_key, minute, bucket)) WITHOUT ROWID;
CREATE TABLE logs (
  id TEXT PRIMARY KEY, time_ns INTEGER NOT NULL, severity INTEGER NOT NULL, message TEXT NOT NULL,
  trace_id TEXT, source TEXT NOT NULL, server_id TEXT, rec TEXT NOT NULL);
CREATE INDEX logs_time ON logs (time_ns);
CREATE INDEX logs_trace ON logs (trace_id);
CREATE TABLE metrics (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, time_ns INTEGER NOT NULL, value REAL, server_id TEXT,
  attrs TEXT NOT NULL, rec TEXT NOT NULL);
CREATE INDEX metrics_name_time ON metrics (name, time_ns);
CREATE TABLE scores (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL, time_ns INTEGER NOT NULL,
  trace_id TEXT, rec TEXT NOT NULL);
CREATE INDEX scores_time ON scores (time_ns);
CREATE INDEX scores_trace ON scores (trace_id);
`;

let engine: Promise<SqlJsStatic> | undefined;

/** The sql.js engine, loaded once per process (it is immutable; the databases are not shared). */
export function loadSqlJs(): Promise<SqlJsStatic> {
  engine ??= initSqlJs({ locateFile: (file) => locateWasm(file) });
  return engine;
}

function locateWasm(file: string): string {
  // Next to the bundle when packaged; in node_modules when running from the repository.
  const beside = path.join(__dirname, file);
  if (fs.existsSync(beside)) return beside;
  return require.resolve(`sql.js/dist/${file}`);
}

export interface OpenResult {
  db: Database;
  /** Why the snapshot was not used, when it was not. */
  rebuildReason?: string;
}

export async function openDatabase(snapshotFile: string | undefined): Promise<OpenResult> {
  const SQL = await loadSqlJs();
  if (snapshotFile) {
    let bytes: Buffer | undefined;
    try {
      bytes = fs.readFileSync(snapshotFile);
    } catch {
      return { db: fresh(SQL), rebuildReason: 'no snapshot yet' };
    }
    try {
      const db = new SQL.Database(bytes);
      const problem = check(db);
      if (!problem) return { db };
      db.close();
      return { db: fresh(SQL), rebuildReason: problem };
    } catch (err) {
      return { db: fresh(SQL), rebuildReason: `snapshot unreadable (${(err as Error).message})` };
    }
  }
  return { db: fresh(SQL) };
}

function fresh(SQL: SqlJsStatic): Database {
  const db = new SQL.Database();
  db.exec(DDL);
  db.run('INSERT INTO meta VALUES (?, ?)', ['schema', String(SCHEMA_VERSION)]);
  return db;
}

/** Returns what is wrong with a loaded snapshot, or undefined when it can be used. */
function check(db: Database): string | undefined {
  const ok = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
  if (ok !== 'ok') return `snapshot failed its integrity check (${String(ok)})`;
  const version = db.exec("SELECT value FROM meta WHERE key = 'schema'")[0]?.values[0]?.[0];
  if (version !== String(SCHEMA_VERSION)) return `snapshot has schema ${String(version)}, this daemon ${SCHEMA_VERSION}`;
  return undefined;
}

/** Writes the database to `file` atomically: a reader sees the old snapshot or the new one. */
export function writeSnapshot(db: Database, file: string): number {
  const bytes = db.export();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return bytes.length;
}
