/**
 * Snapshots of the local store written straight from the array that holds its database file, in
 * a real (in-memory) SQLite: the snapshot is the committed database, and once sql.js has moved
 * the file to another array (growth past the room), or when the array cannot be shown to be the
 * file, snapshots fall back to its export.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { committedImage, DbImage } from '../../daemon/stores/local/dbImage';
import { loadSqlJs, openDatabase, reopenWithRoom, writeSnapshot, type OpenDb } from '../../daemon/stores/local/schema';

async function reopened(file: string): Promise<{ check: unknown; rows: unknown[] }> {
  const db = new (await loadSqlJs()).Database(fs.readFileSync(file));
  try {
    const check = db.exec('PRAGMA integrity_check')[0]?.values[0]?.[0];
    const rows = db.exec("SELECT key, length(value) FROM meta WHERE key LIKE 'k%' ORDER BY key")[0]?.values ?? [];
    return { check, rows };
  } finally {
    db.close();
  }
}

describe('local store snapshots from the database image', () => {
  let dir: string;
  let open: OpenDb;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-dbimage-'));
    open = await openDatabase(undefined);
  });
  afterEach(() => {
    open.db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the committed database from the image itself, equal to what an export holds', async () => {
    open.db.exec('BEGIN');
    for (let i = 0; i < 200; i++) open.db.run('INSERT INTO meta VALUES (?, ?)', [`k${String(i).padStart(3, '0')}`, 'v'.repeat(i * 10)]);
    open.db.exec('COMMIT');
    assert.ok(committedImage(open.db, open.image), 'the image is trusted as the file');
    const file = path.join(dir, 'snap.sqlite');
    writeSnapshot(open, file);
    const exported = path.join(dir, 'export.sqlite');
    fs.writeFileSync(exported, open.db.export());
    const fromImage = await reopened(file);
    assert.equal(fromImage.check, 'ok');
    assert.equal(fromImage.rows.length, 200);
    assert.deepEqual(fromImage, await reopened(exported));
  });

  it('goes back to the export once the file outgrew the image, and the snapshot is still whole', async () => {
    // Past the room the image was opened with: sql.js copies the file to a larger array.
    const blobs = Math.ceil(open.capacity / 1_000_000) + 2;
    open.db.exec('BEGIN');
    for (let i = 0; i < blobs; i++) open.db.run('INSERT INTO meta VALUES (?, zeroblob(1000000))', [`k${i}`]);
    open.db.exec('COMMIT');
    assert.equal(open.image.replaced, true, 'the copy was noticed');
    assert.equal(committedImage(open.db, open.image), undefined);
    const file = path.join(dir, 'snap.sqlite');
    writeSnapshot(open, file);
    const snap = await reopened(file);
    assert.equal(snap.check, 'ok');
    assert.equal(snap.rows.length, blobs);
  });

  it('reopens with more room from the image itself, every row kept', () => {
    open.db.exec('BEGIN');
    for (let i = 0; i < 500; i++) open.db.run('INSERT INTO meta VALUES (?, ?)', [`k${i}`, 'w'.repeat(200)]);
    open.db.exec('COMMIT');
    const before = open.image;
    open = reopenWithRoom(open);
    assert.notEqual(open.image, before);
    assert.equal(open.db.exec('PRAGMA quick_check')[0]?.values[0]?.[0], 'ok');
    assert.equal(open.db.exec("SELECT count(*) FROM meta WHERE key LIKE 'k%'")[0]?.values[0]?.[0], 500);
    open.db.run('INSERT INTO meta VALUES (?, ?)', ['after', 'reopen']);
    assert.ok(committedImage(open.db, open.image), 'the new image is the file too');
  });

  it('trusts an image only when a write shows in it: a copy of the file with the same header is refused', () => {
    open.db.run('INSERT INTO meta VALUES (?, ?)', ['k1', 'v']);
    // Equal to the file byte for byte, header included, but not the array sql.js writes to.
    const copy = new DbImage(new ArrayBuffer(open.image.length));
    copy.set(open.image);
    assert.equal(committedImage(open.db, copy), undefined);
    assert.ok(committedImage(open.db, open.image), 'the real image passes the same check');
  });
});
