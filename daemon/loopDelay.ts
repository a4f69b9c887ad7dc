/**
 * The daemon's event loop delay in fixed windows, for `daemon/status`: how long a timer or a
 * client's request waited for the loop. A histogram of the whole uptime would hide a bad minute,
 * and one reset by each status call would depend on who else is asking; fixed windows give every
 * caller the same figures.
 *
 * Each window has its own histogram rather than one histogram reset: a histogram records the time
 * between its samples, and its first sample after a start or a reset only sets the clock, so a
 * delay that spanned the switch would be in neither window. The ending window's histogram keeps
 * sampling a little into the next window and is read then; a delay at the switch shows in both.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { LoopDelayWindow } from '../shared/protocol/daemon';

const WINDOW_MS = 10_000;
/** Sampling period of the loop; delays shorter than this are not resolved. */
const RESOLUTION_MS = 10;
/** How long the ending window's histogram goes on sampling after the switch. */
const OVERLAP_MS = 3 * RESOLUTION_MS;

function started(): IntervalHistogram {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  return h;
}

/** The histogram measures how late each sampling timer fired, resolution included; in 0.01 ms. */
function figures(h: IntervalHistogram, startMs: number, endMs: number): LoopDelayWindow {
  const late = (ns: number): number => Math.max(0, Math.round((ns - RESOLUTION_MS * 1e6) / 1e4) / 100);
  return { startMs, endMs, p50Ms: late(h.percentile(50)), p99Ms: late(h.percentile(99)), maxMs: late(h.max) };
}

export class LoopDelayMonitor {
  private current = started();
  private ending: IntervalHistogram | undefined;
  private readonly timer: NodeJS.Timeout;
  private settle: NodeJS.Timeout | undefined;
  private last: LoopDelayWindow | undefined;
  private windowStart = Date.now();

  constructor(windowMs = WINDOW_MS) {
    this.timer = setInterval(() => this.roll(), windowMs);
    this.timer.unref();
  }

  /** The last complete window, or undefined in the daemon's first window. */
  lastWindow(): LoopDelayWindow | undefined {
    return this.last;
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.settle) clearTimeout(this.settle);
    this.current.disable();
    this.ending?.disable();
  }

  private roll(): void {
    const ending = this.current;
    const startMs = this.windowStart;
    const endMs = Date.now();
    this.windowStart = endMs;
    this.current = started();
    this.ending = ending;
    this.settle = setTimeout(() => {
      this.last = figures(ending, startMs, endMs);
      ending.disable();
      this.ending = undefined;
    }, OVERLAP_MS);
    this.settle.unref();
  }
}
