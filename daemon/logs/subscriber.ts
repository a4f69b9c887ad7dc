/**
 * One client's stream of a server's lines. Lines are batched (up to `maxBatch` lines or 16 ms,
 * whichever comes first) and sent as notifications. The daemon never waits for a slow client and
 * never queues without bound: with too many batches in flight the queue grows up to `maxQueued`,
 * beyond which the oldest lines are dropped and the next batch says how many were skipped. The
 * lines themselves stay in the files and can be read with `logs/get`.
 */
import type { LogLine } from '../../shared/protocol/logs';

export interface SubscriberOptions {
  send(lines: LogLine[], skipped: number): Promise<void>;
  maxBatch?: number;
  maxQueued?: number;
  maxInFlight?: number;
  flushMs?: number;
  /** Start paused: lines queue (in order) until `resume`, e.g. until the subscribe reply is out. */
  paused?: boolean;
}

export class Subscriber {
  private queue: LogLine[] = [];
  private skipped = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private paused: boolean;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private readonly maxInFlight: number;
  private readonly flushMs: number;

  constructor(private readonly opts: SubscriberOptions) {
    this.maxBatch = opts.maxBatch ?? 2000;
    this.maxQueued = opts.maxQueued ?? 50_000;
    this.maxInFlight = opts.maxInFlight ?? 4;
    this.flushMs = opts.flushMs ?? 16;
    this.paused = opts.paused ?? false;
  }

  resume(): void {
    this.paused = false;
    this.flush();
  }

  push(lines: readonly LogLine[]): void {
    if (this.closed || lines.length === 0) return;
    for (const line of lines) this.queue.push(line);
    const over = this.queue.length - this.maxQueued;
    if (over > 0) {
      this.queue.splice(0, over);
      this.skipped += over;
    }
    if (this.queue.length >= this.maxBatch) this.flush();
    // An idle stream sends at once: a single line should not wait out the batching window.
    // While batches are in flight, lines gather for up to `flushMs` and go out together.
    else if (this.inFlight === 0 && !this.timer) this.timer = setTimeout(() => this.flush(), 0);
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue = [];
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (!this.closed && !this.paused && this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.queue.splice(0, this.maxBatch);
      const skipped = this.skipped;
      this.skipped = 0;
      this.inFlight++;
      this.opts.send(batch, skipped).then(
        () => this.sent(),
        () => this.close(),
      );
    }
  }

  private sent(): void {
    this.inFlight--;
    if (this.queue.length > 0) this.flush();
  }
}
