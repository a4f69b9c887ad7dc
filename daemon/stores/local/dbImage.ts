/**
 * The array that holds the local store's database file, and snapshots written straight from it.
 *
 * sql.js keeps the database file of its in-memory file system in a typed array. The store opens
 * the database from an array of its own (`DbImage`) that sql.js keeps as the file (see `slice`
 * below), so that array is the file for as long as sql.js does not replace it. sql.js's own
 * export copies the whole database into a fresh array first: under a log flood that was a 22 MB
 * allocation every snapshot, and the daemon's largest spike of resident memory. After a commit
 * the file is a complete database (the rollback journal lives in SQLite's memory and is empty
 * then), so the snapshot can be written from the image itself.
 *
 * sql.js replaces the array in two places only: when a write runs past its end (growth), and
 * when the file is truncated. Both copy the old file whole, starting with `subarray(0, length)`;
 * SQLite reads at most one page at a time. So a `subarray` from 0 longer than the largest page
 * marks the image as no longer the file, and snapshots go back to sql.js's export. Before the
 * image is trusted, a small write must show in it, and its header must match the database.
 */
import type { Database } from 'sql.js';

/** SQLite's largest page size: no read by SQLite itself is longer. */
const MAX_PAGE_BYTES = 65_536;

export class DbImage extends Uint8Array<ArrayBuffer> {
  /** sql.js copied this array away: it is no longer the database file. */
  replaced = false;

  // Views of it (sql.js reads the file through `subarray`) are plain arrays.
  static get [Symbol.species](): Uint8ArrayConstructor {
    return Uint8Array;
  }

  /**
   * sql.js writes a database image into its in-memory file with `image.slice(0, length)`; a
   * whole-array slice of this class is the array itself, so the file takes it over. That saves a
   * copy of the whole file, and the room past the image stays untouched zero pages (no resident
   * memory) until SQLite writes there. If sql.js ever copies another way, it simply copies.
   */
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return start === 0 && end === this.length ? this : super.slice(start, end);
  }

  override subarray(begin?: number, end?: number): Uint8Array<ArrayBuffer> {
    if (begin === 0 && end !== undefined && end > MAX_PAGE_BYTES) this.replaced = true;
    return super.subarray(begin, end);
  }
}

/**
 * The committed database as it is in the image, without a copy; undefined when the image cannot
 * be trusted to be the file (the caller exports instead). Call it with no transaction open; it
 * commits one row of its own.
 */
export function committedImage(db: Database, image: DbImage): Uint8Array | undefined {
  if (image.replaced) return undefined;
  const header = new DataView(image.buffer, image.byteOffset, 100);
  // Proof that the image is the file: a write transaction bumps the file's change counter, and it
  // must show here. The row written counts these checks (snapshots and reopens); it must differ
  // from what is there, or SQLite leaves the page (and the counter) alone.
  const counter = header.getUint32(24);
  db.run("INSERT OR REPLACE INTO meta SELECT 'image_checks', coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'image_checks'), 0) + 1");
  if (header.getUint32(24) === counter) return undefined;
  const one = (sql: string): number => Number(db.exec(sql)[0]?.values[0]?.[0] ?? 0);
  const pages = one('PRAGMA page_count');
  const bytes = pages * one('PRAGMA page_size');
  if (bytes < 100 || bytes > image.length) return undefined;
  // The page count in the header is current when the change counter matches "valid for"; the
  // file format bytes are 1 for a rollback-journal database (sql.js's export writes them as 1).
  const current = header.getUint32(24) === header.getUint32(92) && header.getUint32(28) === pages;
  if (!current || image[18] !== 1 || image[19] !== 1) return undefined;
  if (new TextDecoder().decode(new Uint8Array(image.buffer, image.byteOffset, 15)) !== 'SQLite format 3') return undefined;
  return new Uint8Array(image.buffer, image.byteOffset, bytes);
}
