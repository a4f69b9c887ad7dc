/**
 * The time range both panels share: a preset ("last hour") or a custom span. A user's change in one
 * panel is applied in the other and remembered for the workspace, so the traces and the metrics of
 * a panel opened later cover the same time.
 */
import { MessageError, obj, oneOf, optNum, type Obj } from './check';

export const TIME_RANGES = ['5m', '15m', '1h', '6h', '24h', '7d', 'custom'] as const;
export type TimeRangeKey = (typeof TIME_RANGES)[number];

/** Length of each preset range in ms. */
export const RANGE_MS: Record<Exclude<TimeRangeKey, 'custom'>, number> = {
  '5m': 5 * 60_000, '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000,
};

export const RANGE_LABELS: Record<TimeRangeKey, string> = {
  '5m': 'Last 5 minutes', '15m': 'Last 15 minutes', '1h': 'Last hour', '6h': 'Last 6 hours', '24h': 'Last 24 hours', '7d': 'Last 7 days', custom: 'Custom…',
};

export interface TimeWindow {
  range: TimeRangeKey;
  /** Only for `custom`: Unix ms. */
  fromMs?: number;
  toMs?: number;
}

export const DEFAULT_WINDOW: TimeWindow = { range: '1h' };

/** A window's bounds now: presets end now; a custom window is taken as it is. */
export function windowBounds(w: TimeWindow, nowMs: number): { fromMs: number; toMs: number } {
  if (w.range !== 'custom') return { fromMs: nowMs - RANGE_MS[w.range], toMs: nowMs };
  const toMs = w.toMs ?? nowMs;
  return { fromMs: w.fromMs ?? toMs - RANGE_MS['1h'], toMs };
}

export function sameWindow(a: TimeWindow, b: TimeWindow): boolean {
  return a.range === b.range && (a.range !== 'custom' || (a.fromMs === b.fromMs && a.toMs === b.toMs));
}

/** The window part of anything that carries one (a trace filter, a metrics query, a message). */
export function parseWindow(value: unknown, field = 'window'): TimeWindow {
  const o: Obj = obj(value, field);
  const range = oneOf(o, 'range', TIME_RANGES);
  if (range !== 'custom') return { range };
  const fromMs = optNum(o, 'fromMs');
  const toMs = optNum(o, 'toMs');
  if (fromMs === undefined || toMs === undefined || fromMs >= toMs) throw new MessageError('fromMs', 'before toMs in a custom range');
  return { range, fromMs, toMs };
}
