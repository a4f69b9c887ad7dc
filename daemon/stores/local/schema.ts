/**
 * The local store's SQLite schema (sql.js, in memory, snapshotted to disk) and how a database is
 * opened: from the snapshot when it is readable and of this schema version, else empty, in which
 * case the feeder replays the JSONL segments from the start and rebuilds it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { LOGS_DDL } from './logRows';
import { committedImage, DbImage } from './dbImage';

export const SCHEMA_VERSION = 3;

const DDL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
-- Spans in groups, one row per trace and batch (spanIngest.ts): span ids (comma-separated), the
-- JSON array of their entries (a segment reference [segment, offset, bytes] or the record inline,
-- see spanBodies.ts) and the JSON array of their attributes, for the attribute filter.
CREATE TABLE span_groups (
  trace_id TEXT NOT NULL, seq INTEGER NOT NULL, ids TEXT NOT NULL, entries TEXT NOT NULL, attrs TEXT NOT NULL,
  PRIMARY KEY (trace_id, seq)) WITHOUT ROWID;
-- One row per trace, maintained at ingest (traceSummary.ts): the trace list reads only this. The
-- indexes carry the primary key, so they also give the (value, trace_id) order pages use.
CREATE TABLE traces (
  trace_id TEXT PRIMARY KEY, root_name TEXT NOT NULL, root_span_id TEXT NOT NULL, start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, span_count INTEGER NOT NULL,
  error_count INTEGER NOT NULL, services TEXT NOT NULL, server_id TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX traces_start ON traces (start_ns);
CREATE INDEX traces_duration ON traces (duration_ns);
-- Requests per server and minute with their latency histogram ("bucket:count,..."), rollups.ts.
CREATE TABLE red_minute (
  server_key TEXT NOT NULL, minute INTEGER NOT NULL, requests INTEGER NOT NULL, errors INTEGER NOT NULL,
  hist TEXT NOT NULL, PRIMARY KEY (server_key, minute)) WITHOUT ROWID;
${LOGS_DDL}
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
  engine ??= new Promise<SqlJsStatic>((resolve, reject) => {
    // Emscripten's hook for instantiating the module ourselves: the same as its own, except that
    // we keep the instance's memory, which sql.js does not expose, to report its size.
    const instantiateWasm = (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object => {
      WebAssembly.instantiate(fs.readFileSync(locateWasm('sql-wasm.wasm')), imports).then(({ instance, module }) => {
        sqliteMemory = Object.values(instance.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
        done(instance, module);
      }, reject);
      return {};
    };
    initSqlJs({ locateFile: (file: string) => locateWasm(file), instantiateWasm } as Parameters<typeof initSqlJs>[0]).then(resolve, reject);
  });
  return engine;
}

let sqliteMemory: WebAssembly.Memory | undefined;

/** Bytes of SQLite's WebAssembly heap in this thread (it grows and never shrinks), once loaded. */
export function sqliteHeapBytes(): number | undefined {
  return sqliteMemory?.buffer.byteLength;
}

function locateWasm(file: string): string {
  // Next to the bundle when packaged; in node_modules when running from the repository.
  const beside = path.join(__dirname, file);
  if (fs.existsSync(beside)) return beside;
  return require.resolve(`sql.js/dist/${file}`);
}

export interface OpenResult extends OpenDb {
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
      return { ...fresh(SQL), rebuildReason: 'no snapshot yet' };
    }
    try {
      const open = openImage(SQL, bytes);
      const problem = check(open.db);
      if (!problem) {
        tune(open.db);
        return open;
      }
      open.db.close();
      return { ...fresh(SQL), rebuildReason: problem };
    } catch (err) {
      return { ...fresh(SQL), rebuildReason: `snapshot unreadable (${(err as Error).message})` };
    }
  }
  return fresh(SQL);
}

/**
 * Per-connection settings. The database file lives in sql.js's in-memory file system, so the
 * rollback journal can live in memory too. The page cache is 2 MiB: a page it misses is a copy
 * from that in-memory file, which is cheap, while SQLite's WebAssembly heap grows to the cache's
 * size and never shrinks, so a larger cache only keeps the database twice in memory. 1,000,000
 * spans went in at 111,804 per CPU-second with 2 MiB, against 111–125k with 16 and 256 MiB.
 */
export function tune(db: Database): void {
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -2048');
}

/**
 * sql.js keeps the database file in a typed array that grows by 12.5% at a time, copying the
 * whole file on each step: growing to 50 MB that way took seconds here, longer than the inserts.
 * So the file is opened with room to spare: the image followed by zeros (SQLite goes by the page
 * count in the header and ignores the pages past it until it needs them; an export copies only
 * the real pages). When the database nears the end of that room, the store reopens it from an
 * export with three times as much room as it has data (`needsRoom`, `reopenWithRoom`): the file
 * is then copied a few times in all as it grows, not dozens. sql.js keeps the padded array
 * itself (`DbImage`), so room not yet written costs no resident memory. The room is at least
 * 64 MiB for the same reason: it is address space, not memory, while each reopen holds the file
 * twice until the old array is collected (with 16 MiB, a log flood reopened the database in its
 * first seconds, and that was the daemon's highest resident memory of the flood).
 */
const MIN_ROOM = 64 * 1024 * 1024;
const ROOM_FACTOR = 3;

export interface OpenDb {
  db: Database;
  /** Bytes the database file can reach before sql.js has to grow it. */
  capacity: number;
  /** The array sql.js keeps as the database file (while it does: see DbImage). */
  image: DbImage;
  SQL: SqlJsStatic;
}

function openImage(SQL: SqlJsStatic, image: Uint8Array): OpenDb {
  const padded = new DbImage(new ArrayBuffer(image.length + Math.max(MIN_ROOM, image.length * ROOM_FACTOR)));
  padded.set(image);
  const db = new SQL.Database(padded);
  return { db, capacity: padded.length, image: padded, SQL };
}

/** Whether the database has used most of its room. */
export function needsRoom(open: OpenDb): boolean {
  const pages = Number(open.db.exec('PRAGMA page_count')[0]?.values[0]?.[0] ?? 0);
  const size = Number(open.db.exec('PRAGMA page_size')[0]?.values[0]?.[0] ?? 4096);
  return pages * size > open.capacity * 0.8;
}

/** Reopens a database (no transaction open) from its export, with room to grow. */
export function reopenWithRoom(open: OpenDb): OpenDb {
  // From the file's own array when it can be trusted: an export would be a third copy.
  const image = committedImage(open.db, open.image) ?? open.db.export();
  open.db.close();
  const next = openImage(open.SQL, image);
  tune(next.db);
  return next;
}

function fresh(SQL: SqlJsStatic): OpenDb {
  const empty = new SQL.Database();
  empty.exec(DDL);
  empty.run('INSERT INTO meta VALUES (?, ?)', ['schema', String(SCHEMA_VERSION)]);
  const image = empty.export();
  empty.close();
  const open = openImage(SQL, image);
  tune(open.db);
  return open;
}

/** Returns what is wrong with a loaded snapshot, or undefined when it can be used. */
function check(db: Database): string | undefined {
  const ok = db.exec('PRAGMA quick_check')[0]?.values[0]?.[0];
  if (ok !== 'ok') return `snapshot failed its integrity check (${String(ok)})`;
  const version = db.exec("SELECT value FROM meta WHERE key = 'schema'")[0]?.values[0]?.[0];
  if (version !== String(SCHEMA_VERSION)) return `snapshot has schema ${String(version)}, this daemon ${SCHEMA_VERSION}`;
  return undefined;
}

/**
 * Writes the database (no transaction open) to `file` atomically: a reader sees the old snapshot
 * or the new one. From the file's own array when it can be trusted, else through sql.js's export.
 */
export function writeSnapshot(open: OpenDb, file: string): number {
  const bytes = committedImage(open.db, open.image) ?? open.db.export();
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
