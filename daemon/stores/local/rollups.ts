/**
 * Request rollups per server and minute, maintained at ingest: request and error counts and a
 * log-scale latency histogram (stores/latency.ts) kept as `bucket:count` text in the same row, so
 * an hour of one server is 60 rows to read. A batch aggregates in memory first, then merges into
 * the few rows it touched. Each span counts once, when it is first seen with an end.
 */
import type { Database } from 'sql.js';
import type { SpanRecord } from '../../../shared/telemetry/model';
import { latencyBucket } from '../latency';

/** The key the request rollups use for a span: its server, else its service. */
export function serverKey(s: { serverId?: string; service?: string }): string {
  return s.serverId ?? s.service ?? '';
}

/** Spans that count as requests: server spans and roots. */
export function isRequest(s: SpanRecord): boolean {
  return s.kind === 2 || !s.parentSpanId;
}

/** Whether a report of a span is counted in the rollups: an ended request. */
export function rolls(s: SpanRecord): boolean {
  return s.endTimeUnixNano !== undefined && isRequest(s);
}

/** Minute since the epoch of a nanosecond decimal string. */
export function minuteOf(ns: string): number {
  return ns.length <= 9 ? 0 : Math.floor(Number(ns.slice(0, ns.length - 9)) / 60);
}

export interface Cell {
  server: string;
  minute: number;
  requests: number;
  errors: number;
  hist: Map<number, number>;
}

export class Rollup {
  private readonly cells = new Map<string, Cell>();

  add(s: SpanRecord): void {
    const server = serverKey(s);
    const minute = minuteOf(s.startTimeUnixNano);
    const key = `${minute}|${server}`;
    let c = this.cells.get(key);
    if (!c) this.cells.set(key, (c = { server, minute, requests: 0, errors: 0, hist: new Map() }));
    c.requests++;
    if (s.status === 2) c.errors++;
    // Both times exceed 2^53 ns; their difference in doubles is off by at most a few hundred ns,
    // far below the microsecond resolution of the buckets.
    const b = latencyBucket(Number(s.endTimeUnixNano!) - Number(s.startTimeUnixNano));
    c.hist.set(b, (c.hist.get(b) ?? 0) + 1);
  }

  /** The cells added since the last flush. */
  pending(): IterableIterator<Cell> {
    return this.cells.values();
  }

  flush(db: Database): void {
    if (this.cells.size === 0) return;
    const read = db.prepare('SELECT requests, errors, hist FROM red_minute WHERE server_key = ? AND minute = ?');
    const write = db.prepare('INSERT OR REPLACE INTO red_minute VALUES (?, ?, ?, ?, ?)');
    try {
      for (const c of this.cells.values()) {
        read.bind([c.server, c.minute]);
        if (read.step()) {
          const [requests, errors, hist] = read.get();
          c.requests += Number(requests);
          c.errors += Number(errors);
          for (const [b, n] of parseHist(String(hist))) c.hist.set(b, (c.hist.get(b) ?? 0) + n);
        }
        read.reset();
        write.run([c.server, c.minute, c.requests, c.errors, formatHist(c.hist)]);
      }
    } finally {
      read.free();
      write.free();
    }
    this.cells.clear();
  }
}

export function parseHist(text: string): Map<number, number> {
  const out = new Map<number, number>();
  if (!text) return out;
  for (const part of text.split(',')) {
    const i = part.indexOf(':');
    out.set(Number(part.slice(0, i)), Number(part.slice(i + 1)));
  }
  return out;
}

export function formatHist(h: Map<number, number>): string {
  return [...h].map(([b, n]) => `${b}:${n}`).join(',');
}
