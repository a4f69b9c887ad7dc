/**
 * The text all servers' log rings may hold together. Each ring keeps its newest 10,000 lines, and
 * alone it may keep up to 4 MiB of their text; many servers share a total instead (8 MiB by
 * default), so twenty servers flooding their logs do not hold twenty copies of what is in their
 * files already. A line a ring no longer holds is read back from its run's file through the line
 * index, so a smaller share only moves where `logs/get` finds older lines, never loses them.
 *
 * Shares are equal: a ring's share is the total over the rings that hold lines (a configured
 * server that has not run since the daemon started takes none), between a floor (128 KiB, so a
 * busy server's recent lines always come from memory) and the per-ring cap. When a ring joins,
 * the others are trimmed to the new share at once; an idle ring would otherwise keep its old share
 * until its next line.
 *
 * The rings' text buffers come from one pool too (see BufferPool). Under a flood every ring frees
 * a buffer every few dozen milliseconds and needs a new one as often; a buffer left to the garbage
 * collector stays resident until a later collection.
 */
import { BufferPool } from './bufferPool';

/** Text one ring may hold when it is alone (or the budget is large). */
export const DEFAULT_RING_BYTES = 4 * 1024 * 1024;
/** Text all rings may hold together. */
export const DEFAULT_TOTAL_RING_BYTES = 8 * 1024 * 1024;
/** No ring's share is smaller than this, however many servers there are. */
export const MIN_RING_BYTES = 128 * 1024;

/** Text buffers are this big (a ring of 10,000 lines of 120 bytes spans about 20); a longer line gets one of its own. */
export const BLOCK_BYTES = 64 * 1024;

/** Spare buffers the shared pool keeps: enough for every ring of a flood to swap one at once. */
const SHARED_SPARE_BLOCKS = 32;

/** What the budget needs of a ring. */
export interface TrimmableRing {
  /** Drops the oldest lines until the text held is at most `bytes` (the newest line stays). */
  trimTo(bytes: number): void;
}

export class RingBudget {
  private readonly rings = new Set<TrimmableRing>();
  /** Text buffers for all rings that share this budget. */
  readonly blocks = new BufferPool(BLOCK_BYTES, SHARED_SPARE_BLOCKS);

  constructor(readonly totalBytes = DEFAULT_TOTAL_RING_BYTES, readonly perRingBytes = DEFAULT_RING_BYTES, readonly minBytes = MIN_RING_BYTES) {}

  /** The text one ring may hold now. */
  share(): number {
    const equal = Math.floor(this.totalBytes / Math.max(1, this.rings.size));
    return Math.min(this.perRingBytes, Math.max(this.minBytes, equal));
  }

  /** Counts a ring in (trimming the others to the smaller share); the returned function counts it out. */
  join(ring: TrimmableRing): () => void {
    this.rings.add(ring);
    const share = this.share();
    for (const r of this.rings) r.trimTo(share);
    return () => this.rings.delete(ring);
  }
}
