/**
 * Where the local store keeps a span's full record. Spans read from Runlens's JSONL segments are
 * indexed, not copied: the store keeps `[segment, offset, bytes]` of the segment line and reads it
 * back when a trace is opened (segments are append-only, so the line never changes). That keeps a
 * million spans in well under 100 MB of SQLite instead of half a gigabyte twice over (sql.js holds
 * the database file and its page cache in memory). Spans inserted directly (tests, a store without
 * segments) keep their record inline. A line whose segment retention already removed is skipped.
 */
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SpanRecord } from '../../../shared/telemetry/model';
import type { SegmentLine } from '../../../shared/telemetry/query';
import { segmentName } from '../../telemetry/segments';

/** A stored span: a segment reference or the record itself. */
export type SpanEntry = [number, number, number] | SpanRecord;

/** Lines of one segment closer than this are read with one call. */
const GAP = 64 * 1024;
const MAX_READ = 16 * 1024 * 1024;
/** Largest read buffer kept between reads. */
const KEEP = 4 * 1024 * 1024;

export function refEntry(r: SegmentLine): string {
  return `[${r.segment},${r.offset},${r.bytes}]`;
}

export class SpanBodies {
  private scratch = Buffer.alloc(0);

  constructor(private readonly segmentsDir: string | undefined) {}

  /** Whether references can be resolved, i.e. the store knows the segments directory. */
  get indexesSegments(): boolean {
    return this.segmentsDir !== undefined;
  }

  /** The records of `entries`, in the same order; undefined where a line can no longer be read. */
  resolve(entries: readonly SpanEntry[]): (SpanRecord | undefined)[] {
    const out: (SpanRecord | undefined)[] = new Array<SpanRecord | undefined>(entries.length);
    const refs: { i: number; seg: number; off: number; len: number }[] = [];
    entries.forEach((e, i) => {
      if (Array.isArray(e)) refs.push({ i, seg: e[0], off: e[1], len: e[2] });
      else out[i] = e;
    });
    if (refs.length === 0 || !this.segmentsDir) return out;
    refs.sort((a, b) => a.seg - b.seg || a.off - b.off);
    const fds = new Map<number, number | undefined>();
    try {
      for (let k = 0; k < refs.length; ) {
        const first = refs[k]!;
        let end = first.off + first.len;
        let m = k + 1;
        for (; m < refs.length; m++) {
          const r = refs[m]!;
          if (r.seg !== first.seg || r.off > end + GAP || r.off + r.len - first.off > MAX_READ) break;
          end = Math.max(end, r.off + r.len);
        }
        const buf = this.read(fds, first.seg, first.off, end - first.off);
        if (buf) this.parseLines(buf, first.off, refs.slice(k, m), out);
        k = m;
      }
    } finally {
      for (const fd of fds.values()) if (fd !== undefined) fs.closeSync(fd);
    }
    return out;
  }

  /**
   * Parses the lines `refs` name out of `buf` (which starts at byte `base` of their segment).
   * Each line is decoded on its own: small strings are young-generation garbage, where one string
   * of the whole range (cut with substrings) was a large object, and cost twice the CPU here.
   */
  private parseLines(buf: Buffer, base: number, refs: readonly { i: number; off: number; len: number }[], out: (SpanRecord | undefined)[]): void {
    // ASCII (most telemetry) decoded as Latin-1 is a plain copy, as the segment reader does.
    const enc = isAscii(buf) ? 'latin1' : 'utf8';
    for (const r of refs) {
      const a = r.off - base;
      out[r.i] = parse(buf.toString(enc, a, a + r.len));
    }
  }

  private read(fds: Map<number, number | undefined>, seg: number, off: number, len: number): Buffer | undefined {
    if (!fds.has(seg)) {
      try {
        fds.set(seg, fs.openSync(path.join(this.segmentsDir!, segmentName(seg)), 'r'));
      } catch {
        fds.set(seg, undefined);
      }
    }
    const fd = fds.get(seg);
    if (fd === undefined) return undefined;
    const buf = this.buffer(len);
    const n = fs.readSync(fd, buf, 0, len, off);
    return n === len ? buf : undefined;
  }

  /**
   * A buffer for one read, valid until the next. Reads up to KEEP bytes reuse one kept buffer:
   * a fresh multi-megabyte buffer per trace costs page faults that took longer than reading
   * into it on this machine.
   */
  private buffer(len: number): Buffer {
    if (len > KEEP) return Buffer.allocUnsafe(len);
    if (this.scratch.length < len) this.scratch = Buffer.allocUnsafe(Math.min(KEEP, Math.max(len, this.scratch.length * 2)));
    return this.scratch.subarray(0, len);
  }
}

function parse(text: string): SpanRecord | undefined {
  try {
    const r = JSON.parse(text) as SpanRecord;
    return r && r.t === 'span' ? r : undefined;
  } catch {
    return undefined;
  }
}
