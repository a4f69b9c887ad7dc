/**
 * The last N log lines of a server, in a fixed-size ring: constant memory however much a server
 * writes, O(1) append, and lookups by sequence number for paging and catch-up. Besides the line
 * count, the text held is capped (4 MiB of UTF-8 by default, or a share of all servers' budget,
 * see RingBudget): 10,000 lines of 64 KiB would be over half a gigabyte per server. Lines dropped
 * early are still paged from the files.
 *
 * Lines are kept in columns (typed arrays) and their text as UTF-8 in reused buffers outside the
 * V8 heap, not as objects and strings. Under a flood of 10,000 lines/s a line object lives about a
 * second in the ring: long enough to be promoted to V8's old space and die there, which grew the
 * daemon's heap to five times its live data between full collections. Lines are rebuilt as
 * objects when read, which is rare next to writing.
 */
import type { LogLine, LogStream } from '../../shared/protocol/logs';
import { BLOCK_BYTES, DEFAULT_RING_BYTES, type TrimmableRing } from './ringBudget';
import { BufferPool } from './bufferPool';


const STREAMS: readonly LogStream[] = ['stdout', 'stderr', 'system'];
const PARTIAL = 4;

/** Slots a ring starts with; it doubles them as lines come, up to its capacity. */
const FIRST_SLOTS = 1024;

/** A ring's lines, one array per field. */
interface Columns {
  seqs: Float64Array;
  times: Float64Array;
  /** Line number in its file, NaN for Runlens's own lines. */
  lineNos: Float64Array;
  /** Stream index in the low bits, PARTIAL above. */
  flags: Uint8Array;
  runIds: (string | undefined)[];
  blocks: (Buffer | undefined)[];
  offsets: Uint32Array;
  lengths: Uint32Array;
}

function columns(slots: number): Columns {
  return {
    seqs: new Float64Array(slots), times: new Float64Array(slots), lineNos: new Float64Array(slots), flags: new Uint8Array(slots),
    runIds: new Array<string | undefined>(slots), blocks: new Array<Buffer | undefined>(slots), offsets: new Uint32Array(slots), lengths: new Uint32Array(slots),
  };
}

export class LineRing implements TrimmableRing {
  /**
   * Grown on demand: when many servers share the text budget, each ring holds a few thousand
   * lines, and 10,000 slots for each of 20 servers were 4 MB of columns never filled.
   */
  private c: Columns;
  private slots: number;
  private next = 0;
  private count = 0;
  private bytes = 0;
  private current: Buffer | undefined;
  private used = 0;

  private readonly maxBytes: () => number;

  /**
   * `maxBytes` is a fixed cap on the text held, or asked before each line (a share that changes).
   * `blocks` lends the text buffers; by default the ring keeps one emptied buffer for reuse, so a
   * steady flood allocates none.
   */
  constructor(readonly capacity: number, maxBytes: number | (() => number) = DEFAULT_RING_BYTES, private readonly pool = new BufferPool(BLOCK_BYTES, 1)) {
    this.maxBytes = typeof maxBytes === 'number' ? () => maxBytes : maxBytes;
    this.slots = Math.min(capacity, FIRST_SLOTS);
    this.c = columns(this.slots);
  }

  push(line: LogLine): void {
    if (this.count === this.capacity) this.dropOldest();
    const n = Buffer.byteLength(line.text);
    // A line larger than the cap alone is still kept: the newest line is always there.
    this.trimTo(this.maxBytes() - n);
    if (this.count === this.slots) this.grow();
    const s = this.next;
    const c = this.c;
    c.blocks[s] = this.room(n);
    c.offsets[s] = this.used;
    c.lengths[s] = this.current!.write(line.text, this.used);
    this.used += n;
    c.seqs[s] = line.seq;
    c.times[s] = line.time;
    c.lineNos[s] = line.line ?? NaN;
    c.flags[s] = STREAMS.indexOf(line.stream) | (line.partial ? PARTIAL : 0);
    c.runIds[s] = line.runId;
    this.next = (s + 1) % this.slots;
    this.count++;
    this.bytes += n;
  }

  trimTo(bytes: number): void {
    while (this.count > 0 && this.bytes > bytes) this.dropOldest();
  }

  /** Bytes of text (UTF-8) held. */
  get textBytes(): number {
    return this.bytes;
  }

  get size(): number {
    return this.count;
  }

  /** Seq of the oldest line held, or undefined when empty. */
  get oldestSeq(): number | undefined {
    return this.count ? this.c.seqs[this.slot(0)] : undefined;
  }

  get newestSeq(): number | undefined {
    return this.count ? this.c.seqs[this.slot(this.count - 1)] : undefined;
  }

  /** The i-th oldest line held. */
  at(i: number): LogLine | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.line(this.slot(i));
  }

  /** Lines matching `keep`, newest last, optionally bounded by seq, at most `limit` nearest the bound. */
  select(opts: { since?: number; before?: number; limit: number; fromEnd: boolean; keep?: (l: LogLine) => boolean }): { lines: LogLine[]; more: boolean } {
    const picked: LogLine[] = [];
    let more = false;
    // Walk from the end nearest the bound, so `limit` keeps the lines closest to it.
    const step = opts.fromEnd ? -1 : 1;
    for (let i = opts.fromEnd ? this.count - 1 : 0; i >= 0 && i < this.count; i += step) {
      const s = this.slot(i);
      const seq = this.c.seqs[s]!;
      if ((opts.since !== undefined && seq <= opts.since) || (opts.before !== undefined && seq >= opts.before)) continue;
      const l = this.line(s);
      if (opts.keep && !opts.keep(l)) continue;
      if (picked.length === opts.limit) {
        more = true;
        break;
      }
      picked.push(l);
    }
    if (opts.fromEnd) picked.reverse();
    return { lines: picked, more };
  }

  private slot(i: number): number {
    return (this.next - this.count + i + 2 * this.slots) % this.slots;
  }

  /** Twice the slots (up to the capacity), the lines moved over oldest first. */
  private grow(): void {
    const slots = Math.min(this.capacity, this.slots * 2);
    const from = this.c;
    const to = columns(slots);
    for (let i = 0; i < this.count; i++) {
      const s = this.slot(i);
      to.seqs[i] = from.seqs[s]!;
      to.times[i] = from.times[s]!;
      to.lineNos[i] = from.lineNos[s]!;
      to.flags[i] = from.flags[s]!;
      to.runIds[i] = from.runIds[s];
      to.blocks[i] = from.blocks[s];
      to.offsets[i] = from.offsets[s]!;
      to.lengths[i] = from.lengths[s]!;
    }
    this.c = to;
    this.slots = slots;
    this.next = this.count % slots;
  }

  private line(s: number): LogLine {
    const c = this.c;
    const start = c.offsets[s]!;
    const flags = c.flags[s]!;
    const l: LogLine = { seq: c.seqs[s]!, time: c.times[s]!, stream: STREAMS[flags & 3]!, text: c.blocks[s]!.toString('utf8', start, start + c.lengths[s]!), runId: c.runIds[s]! };
    if (flags & PARTIAL) l.partial = true;
    if (!Number.isNaN(c.lineNos[s])) l.line = c.lineNos[s];
    return l;
  }

  /** The buffer the next `n` bytes go to, at `this.used`. */
  private room(n: number): Buffer {
    if (this.current && this.used + n <= this.current.length) return this.current;
    // Lines go into buffers in order, so the lines of one buffer are consecutive in the ring and
    // it is free once its last line is dropped (see dropOldest).
    this.current = n > BLOCK_BYTES ? Buffer.allocUnsafeSlow(n) : this.pool.take();
    this.used = 0;
    return this.current;
  }

  private dropOldest(): void {
    const s = this.slot(0);
    const c = this.c;
    const block = c.blocks[s]!;
    this.bytes -= c.lengths[s]!;
    c.blocks[s] = undefined;
    c.runIds[s] = undefined;
    this.count--;
    if (this.count > 0 && c.blocks[this.slot(0)] === block) return;
    if (block === this.current) {
      // The ring is empty: write from the start of the current buffer again.
      this.used = 0;
    } else {
      this.pool.give(block);
    }
  }
}
