/**
 * Log records through the local store's `logs` table layout, in a real (in-memory) SQLite: what
 * goes in comes back equal, whether the columns hold it all or `rest` has to keep a part.
 */
import * as assert from 'node:assert/strict';
import type { Database } from 'sql.js';
import type { LogRecord } from '../../shared/telemetry/model';
import { INSERT_LOG, LOG_COLUMNS, LOGS_DDL, logFromRow, logRow } from '../../daemon/stores/local/logRows';
import { loadSqlJs, sqliteHeapBytes } from '../../daemon/stores/local/schema';

function roundTrip(db: Database, l: LogRecord): LogRecord {
  db.run(INSERT_LOG, logRow(l));
  const stmt = db.prepare(`SELECT ${LOG_COLUMNS} FROM logs WHERE id = ?`, [l.id]);
  try {
    assert.ok(stmt.step(), `${l.id} was stored`);
    return logFromRow(stmt.getAsObject());
  } finally {
    stmt.free();
  }
}

describe('local store log rows', () => {
  let db: Database;
  before(async () => {
    db = new (await loadSqlJs()).Database();
    db.exec(LOGS_DDL);
  });
  after(() => db.close());

  const serverLine: LogRecord = {
    t: 'log',
    id: 'srv:20261128T113138-a0b9dbc1:stdout:42',
    timeUnixNano: '1764329498123456789',
    level: 'info',
    message: 'GET /items 200',
    source: 'server',
    serverId: 'shop/api',
    runId: '20261128T113138-a0b9dbc1',
    service: 'api',
    attributes: { 'log.iostream': 'stdout' },
  };

  it('knows the size of the SQLite heap once the engine is loaded', () => {
    assert.ok((sqliteHeapBytes() ?? 0) >= 1024 * 1024, `SQLite heap: ${sqliteHeapBytes()} bytes`);
  });

  it('gives a server line back whole, keeping only its attributes outside the columns', () => {
    assert.deepEqual(roundTrip(db, serverLine), serverLine);
    const rest = db.exec("SELECT rest FROM logs WHERE id = 'srv:20261128T113138-a0b9dbc1:stdout:42'")[0]?.values[0]?.[0];
    assert.equal(rest, '{"attributes":{"log.iostream":"stdout"}}');
  });

  it('gives back a record with a trace, a span, a structured body and no server', () => {
    const l: LogRecord = { t: 'log', id: 'otlp:1', timeUnixNano: '0', level: 'fatal', message: 'boom', body: { code: 7, tags: ['a', 'b'] }, traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), source: 'app' };
    assert.deepEqual(roundTrip(db, l), l);
    assert.equal(db.exec("SELECT rest IS NULL FROM logs WHERE id = 'otlp:1'")[0]?.values[0]?.[0], 0);
  });

  it('stores a record with nothing outside the columns without rest', () => {
    const l: LogRecord = { t: 'log', id: 'plain', timeUnixNano: '5', level: 'debug', message: 'x', source: 'app' };
    assert.deepEqual(roundTrip(db, l), l);
    assert.equal(db.exec("SELECT rest FROM logs WHERE id = 'plain'")[0]?.values[0]?.[0], null);
  });

  it('keeps times and levels a column would change in rest, and they win when read', () => {
    const times = ['0012', '9223372036854775808', '18446744073709551615', '1.5e3'];
    times.forEach((timeUnixNano, i) => {
      const l: LogRecord = { t: 'log', id: `odd-time-${i}`, timeUnixNano, level: 'warn', message: 'odd', source: 'app' };
      assert.deepEqual(roundTrip(db, l), l, timeUnixNano);
    });
    const l = { t: 'log', id: 'odd-level', timeUnixNano: '9223372036854775807', level: 'notice', message: 'odd', source: 'app' } as unknown as LogRecord;
    assert.deepEqual(roundTrip(db, l), l);
  });
});
