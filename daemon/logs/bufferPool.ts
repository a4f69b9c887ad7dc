/**
 * Buffers of one size, lent and given back, shared by all servers' logs. Under a log flood the
 * daemon needs large buffers again and again: ring text blocks as rings turn over, backlog reads
 * of the tailers, copies of rotated log heads. A buffer dropped after use is memory outside the V8
 * heap that is given back only at a later garbage collection; in a 25 s flood of 20 servers the
 * rotations alone dropped 35 MB of 1 MiB copy buffers, and they showed as resident memory.
 *
 * A buffer given back is kept for the next taker, up to `keep` of them; beyond that it is left to
 * the garbage collector. A buffer of another size is never kept.
 */
export class BufferPool {
  private readonly spare: Buffer[] = [];

  constructor(readonly bytes: number, private readonly keep: number) {}

  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafeSlow(this.bytes);
  }

  give(buf: Buffer): void {
    if (buf.length === this.bytes && this.spare.length < this.keep && !this.spare.includes(buf)) this.spare.push(buf);
  }

  /** Buffers waiting for a taker. */
  get kept(): number {
    return this.spare.length;
  }
}

/** Bytes the tailers read at a time while catching up with a backlog. */
export const BACKLOG_READ_BYTES = 256 * 1024;
/** Bytes a rotation copies at a time. */
export const ROTATION_COPY_BYTES = 1024 * 1024;

/** The transient buffers of all servers' logs. */
export interface LogBuffers {
  backlog: BufferPool;
  copy: BufferPool;
}

/**
 * Kept: a backlog buffer for each of 8 tailers catching up at once (after 20 servers start
 * together, most are), and copy buffers for 2 rotations at once (each copies 10 MB).
 */
export function logBuffers(): LogBuffers {
  return { backlog: new BufferPool(BACKLOG_READ_BYTES, 8), copy: new BufferPool(ROTATION_COPY_BYTES, 2) };
}
