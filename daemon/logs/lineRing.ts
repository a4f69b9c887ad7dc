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

export class LineRing implements TrimmableRing {
  private readonly seqs: Float64Array;
  private readonly times: Float64Array;
  /** Line number in its file, NaN for Runlens's own lines. */
  private readonly lineNos: Float64Array;
  /** Stream index in the low bits, PARTIAL above. */
  private readonly flags: Uint8Array;
  private readonly runIds: (string | undefined)[];
  private readonly blocks: (Buffer | undefined)[];
  private readonly offsets: Uint32Array;
  private readonly lengths: Uint32Array;
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
    this.seqs = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.lineNos = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.runIds = new Array<string | undefined>(capacity);
    this.blocks = new Array<Buffer | undefined>(capacity);
    this.offsets = new Uint32Array(capacity);
    this.lengths = new Uint32Array(capacity);
  }

  push(line: LogLine): void {
    if (this.count === this.capacity) this.dropOldest();
    const n = Buffer.byteLength(line.text);
    // A line larger than the cap alone is still kept: the newest line is always there.
    this.trimTo(this.maxBytes() - n);
    const s = this.next;
    this.blocks[s] = this.room(n);
    this.offsets[s] = this.used;
    this.lengths[s] = this.current!.write(line.text, this.used);
    this.used += n;
    this.seqs[s] = line.seq;
    this.times[s] = line.time;
    this.lineNos[s] = line.line ?? NaN;
    this.flags[s] = STREAMS.indexOf(line.stream) | (line.partial ? PARTIAL : 0);
    this.runIds[s] = line.runId;
    this.next = (s + 1) % this.capacity;
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
    return this.count ? this.seqs[this.slot(0)] : undefined;
  }

  get newestSeq(): number | undefined {
    return this.count ? this.seqs[this.slot(this.count - 1)] : undefined;
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
      const seq = this.seqs[s]!;
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
    return (this.next - this.count + i + 2 * this.capacity) % this.capacity;
  }

  private line(s: number): LogLine {
    const start = this.offsets[s]!;
    const flags = this.flags[s]!;
    const l: LogLine = { seq: this.seqs[s]!, time: this.times[s]!, stream: STREAMS[flags & 3]!, text: this.blocks[s]!.toString('utf8', start, start + this.lengths[s]!), runId: this.runIds[s]! };
    if (flags & PARTIAL) l.partial = true;
    if (!Number.isNaN(this.lineNos[s])) l.line = this.lineNos[s];
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
    const block = this.blocks[s]!;
    this.bytes -= this.lengths[s]!;
    this.blocks[s] = undefined;
    this.runIds[s] = undefined;
    this.count--;
    if (this.count > 0 && this.blocks[this.slot(0)] === block) return;
    if (block === this.current) {
      // The ring is empty: write from the start of the current buffer again.
      this.used = 0;
    } else {
      this.pool.give(block);
    }
  }
}
