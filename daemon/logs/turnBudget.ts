/**
 * Shares the event loop between the file tailers of all servers. libuv hands every completed
 * file read to JavaScript in one go, and each read of a backlog is up to 256 KiB of lines to split,
 * number and pass on: after 20 servers start at once, the tailers' reads completing together held
 * the loop for 200 ms, with timers, health checks and clients' requests waiting behind them.
 *
 * Work handed to `run` runs at once while the current slice of the loop has used less than its
 * budget; past it, the work waits for a later turn (in order), so timers and I/O get their turn
 * in between. A tailer hands over the handling of a whole read (its lines and its next read), so
 * its own reads stay in order.
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds of work per slice of the loop before the rest waits for a later turn. */
export const DEFAULT_SLICE_MS = 8;

export class TurnBudget {
  private sliceStart = 0;
  private sliceOpen = false;
  private readonly waiting: (() => void)[] = [];
  private drainScheduled = false;

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {}

  /** Work still waiting for a turn. */
  get pending(): number {
    return this.waiting.length;
  }

  run(work: () => void): void {
    if (this.waiting.length === 0 && !this.spent()) return work();
    this.waiting.push(work);
    this.scheduleDrain();
  }

  /** Whether this slice is used up; opens a slice (ending at the loop's check phase) when none is. */
  private spent(): boolean {
    const now = performance.now();
    if (!this.sliceOpen) {
      this.sliceOpen = true;
      this.sliceStart = now;
      setImmediate(() => {
        this.sliceOpen = false;
      });
    }
    return now - this.sliceStart >= this.sliceMs;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.drainScheduled = false;
    try {
      while (this.waiting.length > 0) {
        // The first piece of a slice always runs, so the queue moves whatever the budget.
        const fresh = !this.sliceOpen;
        if (this.spent() && !fresh) break;
        this.waiting.shift()!();
      }
    } finally {
      // Also when a piece threw: the others still get their turn.
      if (this.waiting.length > 0) this.scheduleDrain();
    }
  }
}
