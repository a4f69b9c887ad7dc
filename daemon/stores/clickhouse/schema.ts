/**
 * The ClickHouse schema, created and migrated by the daemon. Only types that ClickHouse 18.16 has
 * (String, UInt8/64, Float64, JSON kept in String columns) so the same tables work on old and
 * current servers. Tables are ReplacingMergeTree keyed by the record's identity, and every query
 * groups by that identity too: a replayed batch leaves no duplicate in any answer, before or after
 * ClickHouse merges the parts.
 */
import type { ClickHouseClient } from '@clickhouse/client';

// Aliases must not reuse column names of `spans`: ClickHouse substitutes aliases everywhere.
const TRACE_ROLLUP_SELECT = `SELECT trace_id, min(start_ns) AS first_start,
    minState(start_ns) AS st, maxState(if(has_end = 1, end_ns, start_ns)) AS en,
    uniqExactState(span_id) AS n_spans, uniqExactIfState(span_id, toUInt8(status = 2)) AS n_errors,
    anyIfState(name, toUInt8(parent_span_id = '')) AS root, anyIfState(span_id, toUInt8(parent_span_id = '')) AS root_span,
    argMinState(name, start_ns) AS first_name,
    groupUniqArrayIfState(service, toUInt8(service != '')) AS services, groupUniqArrayIfState(server_id, toUInt8(server_id != '')) AS servers
  FROM spans GROUP BY trace_id`;

/** Requests (server spans and roots) with an end, per server and minute; see stores/local/rollups.ts. */
const REQUESTS_SELECT = `SELECT if(server_id != '', server_id, service) AS server_key,
    toUInt32(intDiv(start_ns, 60000000000)) AS minute, trace_id, span_id, start_ns,
    toUInt64(if(end_ns > start_ns, end_ns - start_ns, 0)) AS dur_ns, status
  FROM spans WHERE has_end = 1 AND (kind = 2 OR parent_span_id = '')`;

/** Each migration runs once, in order; `runlens_schema` records which ran. */
const MIGRATIONS: string[][] = [
  [
    `CREATE TABLE IF NOT EXISTS spans (
      trace_id String, span_id String, parent_span_id String, name String, kind UInt8, status UInt8,
      start_ns UInt64, end_ns UInt64, has_end UInt8, service String, server_id String, run_id String,
      attributes String, rec String
    ) ENGINE = ReplacingMergeTree(end_ns)
    PARTITION BY toYYYYMMDD(toDateTime(intDiv(start_ns, 1000000000)))
    ORDER BY (trace_id, span_id)`,
    `CREATE TABLE IF NOT EXISTS logs (
      id String, time_ns UInt64, severity UInt8, message String, trace_id String, source String,
      server_id String, rec String
    ) ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMMDD(toDateTime(intDiv(time_ns, 1000000000)))
    ORDER BY (time_ns, id)`,
    `CREATE TABLE IF NOT EXISTS metrics (
      id String, name String, time_ns UInt64, value Float64, has_value UInt8, server_id String,
      attrs String, kind String, unit String
    ) ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMMDD(toDateTime(intDiv(time_ns, 1000000000)))
    ORDER BY (name, time_ns, id)`,
    `CREATE TABLE IF NOT EXISTS scores (
      id String, name String, value Float64, time_ns UInt64, trace_id String, rec String
    ) ENGINE = ReplacingMergeTree
    ORDER BY (time_ns, id)`,
  ],
  // Rollups kept at ingest by materialized views, so the trace list and the request stats read a
  // tenth of the rows, already in the order they need. Both absorb replays: the trace rollup keeps
  // only duplicate-proof aggregate states (min, max, uniqExact, any), and `requests` is keyed by
  // span identity and grouped by it in queries. Existing spans are copied in once.
  [
    `CREATE TABLE IF NOT EXISTS trace_rollup (
      trace_id String, first_start UInt64,
      st AggregateFunction(min, UInt64), en AggregateFunction(max, UInt64),
      n_spans AggregateFunction(uniqExact, String), n_errors AggregateFunction(uniqExactIf, String, UInt8),
      root AggregateFunction(anyIf, String, UInt8), root_span AggregateFunction(anyIf, String, UInt8),
      first_name AggregateFunction(argMin, String, UInt64),
      services AggregateFunction(groupUniqArrayIf, String, UInt8), servers AggregateFunction(groupUniqArrayIf, String, UInt8)
    ) ENGINE = AggregatingMergeTree
    PARTITION BY toYYYYMMDD(toDateTime(intDiv(first_start, 1000000000)))
    ORDER BY trace_id`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS trace_rollup_mv TO trace_rollup AS ${TRACE_ROLLUP_SELECT}`,
    `INSERT INTO trace_rollup ${TRACE_ROLLUP_SELECT}`,
    `CREATE TABLE IF NOT EXISTS requests (
      server_key String, minute UInt32, trace_id String, span_id String, start_ns UInt64, dur_ns UInt64, status UInt8
    ) ENGINE = ReplacingMergeTree
    PARTITION BY intDiv(minute, 1440)
    ORDER BY (server_key, minute, trace_id, span_id)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS requests_mv TO requests AS ${REQUESTS_SELECT}`,
    `INSERT INTO requests ${REQUESTS_SELECT}`,
  ],
  // The rollups of migration 2 still had to be grouped by trace (or by request span) at query
  // time: 150-350 ms here for an hour of 1 M spans. The store now writes summaries per batch
  // (spanIngest.ts) that queries read mostly as they are; existing spans are summarized once.
  // Pieces are read by trace id (a page's rows, the pieces of split traces, the lookups at
  // ingest), scattered over the key space: small granules make those reads a sixth of the bytes.
  [
    'DROP TABLE IF EXISTS trace_rollup_mv',
    'DROP TABLE IF EXISTS requests_mv',
    'DROP TABLE IF EXISTS trace_rollup',
    'DROP TABLE IF EXISTS requests',
    `CREATE TABLE IF NOT EXISTS trace_pieces (
      trace_id String, batch String, ver UInt64, cont UInt8, st UInt64, en UInt64, dur UInt64,
      root String, root_span String, first_name String, n_spans UInt64, n_errors UInt64,
      services Array(String), servers Array(String)
    ) ENGINE = ReplacingMergeTree(ver)
    PARTITION BY toYYYYMMDD(toDateTime(intDiv(st, 1000000000)))
    ORDER BY (trace_id, batch)
    SETTINGS index_granularity = 256`,
    `CREATE TABLE IF NOT EXISTS req_minute (
      server_key String, minute UInt32, batch String, ver UInt64, requests UInt64, errors UInt64, hist String
    ) ENGINE = ReplacingMergeTree(ver)
    PARTITION BY intDiv(minute, 1440)
    ORDER BY (server_key, minute, batch)`,
    `CREATE TABLE IF NOT EXISTS counted_requests (trace_id String, span_id String, batch String, start_ns UInt64)
    ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMMDD(toDateTime(intDiv(start_ns, 1000000000)))
    ORDER BY (trace_id, span_id, batch)`,
    `INSERT INTO trace_pieces SELECT trace_id, 'migrated', 0, 0, min(start_ns) AS p_st, max(if(has_end = 1, end_ns, start_ns)) AS p_en, p_en - p_st,
      anyIf(name, parent_span_id = ''), anyIf(span_id, parent_span_id = ''), argMin(name, start_ns), uniqExact(span_id),
      uniqExactIf(span_id, status = 2), groupUniqArrayIf(service, service != ''), groupUniqArrayIf(server_id, server_id != '')
    FROM spans GROUP BY trace_id`,
    `INSERT INTO counted_requests SELECT trace_id, span_id, 'migrated', min(start_ns) FROM spans
    WHERE has_end = 1 AND (kind = 2 OR parent_span_id = '') GROUP BY trace_id, span_id`,
    // The same log-scale buckets as stores/latency.ts.
    `INSERT INTO req_minute SELECT k, m, 'migrated', 0, sum(n), sum(errs), arrayStringConcat(groupArray(concat(toString(b), ':', toString(n))), ',')
    FROM (SELECT k, m, if(d <= 1000, 0, toInt32(ceil(log(d / 1000) / log(1.08)))) AS b, count() AS n, countIf(e = 2) AS errs
      FROM (SELECT any(if(server_id != '', server_id, service)) AS k, toUInt32(intDiv(min(start_ns), 60000000000)) AS m,
          max(if(end_ns > start_ns, end_ns - start_ns, 0)) AS d, max(status) AS e
        FROM spans WHERE has_end = 1 AND (kind = 2 OR parent_span_id = '') GROUP BY trace_id, span_id)
      GROUP BY k, m, b)
    GROUP BY k, m`,
  ],
];

export const CLICKHOUSE_SCHEMA_VERSION = MIGRATIONS.length;

/** Creates the database and applies pending migrations; safe to run from several daemons. */
export async function migrate(admin: ClickHouseClient, client: ClickHouseClient, database: string): Promise<void> {
  await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${ident(database)}` });
  await client.command({ query: 'CREATE TABLE IF NOT EXISTS runlens_schema (version UInt32, applied_ms UInt64) ENGINE = TinyLog' });
  const rs = await client.query({ query: 'SELECT max(version) AS v FROM runlens_schema', format: 'JSONEachRow' });
  const current = Number(((await rs.json()) as { v: number | string }[])[0]?.v ?? 0);
  for (let v = current; v < MIGRATIONS.length; v++) {
    for (const statement of MIGRATIONS[v]!) await client.command({ query: statement });
    await client.command({ query: `INSERT INTO runlens_schema VALUES (${v + 1}, ${Date.now()})` });
  }
}

/** A quoted SQL string literal. ClickHouse 18.16 has no server-side query parameters. */
export function lit(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A decimal integer literal (nanoseconds stay exact as text). */
export function int(v: string | number): string {
  const s = typeof v === 'number' ? String(Math.trunc(v)) : v;
  if (!/^-?\d+$/.test(s)) throw new Error(`not an integer: ${s}`);
  return s;
}

export function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid ClickHouse database name '${name}': use letters, digits and _`);
  return name;
}
