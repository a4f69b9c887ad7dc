/**
 * The last N log lines of a server, in a fixed-size ring: constant memory however much a server
 * writes, O(1) append, and lookups by sequence number for paging and catch-up. Besides the line
 * count, the text held is capped (4 Mi characters by default): 10,000 lines of 64 KiB would be
 * over half a gigabyte per server. Lines dropped early are still paged from the files.
 */
import type { LogLine } from '../../shared/protocol/logs';

export const DEFAULT_RING_CHARS = 4 * 1024 * 1024;

export class LineRing {
  private readonly slots: (LogLine | undefined)[];
  private next = 0;
  private count = 0;
  private chars = 0;

  constructor(readonly capacity: number, readonly maxChars = DEFAULT_RING_CHARS) {
    this.slots = new Array<LogLine | undefined>(capacity);
  }

  push(line: LogLine): void {
    if (this.count === this.capacity) this.dropOldest();
    while (this.count > 0 && this.chars + line.text.length > this.maxChars) this.dropOldest();
    this.slots[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    this.count++;
    this.chars += line.text.length;
  }

  private dropOldest(): void {
    const i = (this.next - this.count + this.capacity) % this.capacity;
    this.chars -= this.slots[i]!.text.length;
    this.slots[i] = undefined;
    this.count--;
  }

  get size(): number {
    return this.count;
  }

  /** Seq of the oldest line held, or undefined when empty. */
  get oldestSeq(): number | undefined {
    return this.at(0)?.seq;
  }

  get newestSeq(): number | undefined {
    return this.count ? this.at(this.count - 1)?.seq : undefined;
  }

  /** The i-th oldest line held. */
  at(i: number): LogLine | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const start = (this.next - this.count + this.capacity) % this.capacity;
    return this.slots[(start + i) % this.capacity];
  }

  /** Lines matching `keep`, newest last, optionally bounded by seq, at most `limit` nearest the bound. */
  select(opts: { since?: number; before?: number; limit: number; fromEnd: boolean; keep?: (l: LogLine) => boolean }): { lines: LogLine[]; more: boolean } {
    const picked: LogLine[] = [];
    let more = false;
    const inRange = (l: LogLine): boolean =>
      (opts.since === undefined || l.seq > opts.since) && (opts.before === undefined || l.seq < opts.before);
    // Walk from the end nearest the bound, so `limit` keeps the lines closest to it.
    const step = opts.fromEnd ? -1 : 1;
    for (let i = opts.fromEnd ? this.count - 1 : 0; i >= 0 && i < this.count; i += step) {
      const l = this.at(i)!;
      if (!inRange(l) || (opts.keep && !opts.keep(l))) continue;
      if (picked.length === opts.limit) {
        more = true;
        break;
      }
      picked.push(l);
    }
    if (opts.fromEnd) picked.reverse();
    return { lines: picked, more };
  }
}
