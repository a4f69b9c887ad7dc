/**
 * Many rows in one sql.js statement. sql.js binds every value from JavaScript (a malloc, a
 * JavaScript UTF-8 encoding loop per string, a few wrapped calls per value), which costs more than
 * SQLite's own work for small rows. So a batch's rows go in as one JSON array of arrays, bound
 * once as a blob (Node encodes it natively) and unpacked by SQLite's `json_each`: measured here
 * several times the rows per second of a prepared statement run per row, and JSON.stringify packs
 * rows far faster than any hand-made binary layout did.
 */
import type { Database, SqlValue } from 'sql.js';

export type Row = readonly (string | number)[];

/** `column(i)` is the expression for the i-th value of a row, for use in `select`. */
export function column(i: number): string {
  return `j.value->>${i}`;
}

function source(): string {
  // A blob argument would be read as SQLite's binary JSON; the cast makes it text.
  return 'json_each(CAST(?1 AS TEXT)) AS j';
}

function bind(rows: readonly Row[]): SqlValue[] {
  return [Buffer.from(JSON.stringify(rows), 'utf8')];
}

/** Runs `<head> SELECT <select> FROM <rows> <tail>`; no-op without rows. */
export function runRows(db: Database, rows: readonly Row[], head: string, select: string, tail = ''): void {
  if (rows.length === 0) return;
  const stmt = db.prepare(`${head} SELECT ${select} FROM ${source()} ${tail}`);
  try {
    stmt.run(bind(rows));
  } finally {
    stmt.free();
  }
}

/** Runs `SELECT <select> FROM <rows> <tail>` and returns the result rows as arrays. */
export function selectRows(db: Database, rows: readonly Row[], select: string, tail = ''): SqlValue[][] {
  if (rows.length === 0) return [];
  const stmt = db.prepare(`SELECT ${select} FROM ${source()} ${tail}`);
  try {
    stmt.bind(bind(rows));
    const out: SqlValue[][] = [];
    while (stmt.step()) out.push(stmt.get());
    return out;
  } finally {
    stmt.free();
  }
}
