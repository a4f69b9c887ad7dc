/**
 * The daemon's event loop delay in fixed windows, for `daemon/status`: how long a timer or a
 * client's request waited for the loop. A histogram of the whole uptime would hide a bad minute,
 * and one reset by each status call would depend on who else is asking; fixed windows give every
 * caller the same figures.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { LoopDelayWindow } from '../shared/protocol/daemon';

const WINDOW_MS = 10_000;
/** Sampling period of the loop; delays shorter than this are not resolved. */
const RESOLUTION_MS = 10;

export class LoopDelayMonitor {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly timer: NodeJS.Timeout;
  private last: LoopDelayWindow | undefined;
  private windowStart = Date.now();

  constructor(windowMs = WINDOW_MS) {
    this.histogram.enable();
    this.timer = setInterval(() => this.roll(), windowMs);
    this.timer.unref();
  }

  /** The last complete window, or undefined in the daemon's first window. */
  lastWindow(): LoopDelayWindow | undefined {
    return this.last;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private roll(): void {
    const h = this.histogram;
    // The histogram measures how late each sampling timer fired, resolution included; in 0.01 ms.
    const late = (ns: number): number => Math.max(0, Math.round((ns - RESOLUTION_MS * 1e6) / 1e4) / 100);
    const end = Date.now();
    this.last = { startMs: this.windowStart, endMs: end, p50Ms: late(h.percentile(50)), p99Ms: late(h.percentile(99)), maxMs: late(h.max) };
    this.windowStart = end;
    h.reset();
  }
}
