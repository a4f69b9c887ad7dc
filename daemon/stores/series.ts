/** Bucketing and aggregation of metric values into a series, the same for every store. */
import type { Aggregation, SeriesPoint } from '../../shared/telemetry/query';
import { quantile } from './latency';

export function bucketStart(tMs: number, fromMs: number, bucketMs: number): number {
  return fromMs + Math.floor((tMs - fromMs) / bucketMs) * bucketMs;
}

export function aggregate(buckets: Map<number, number[]>, how: Aggregation): SeriesPoint[] {
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, values]) => ({ t, v: reduce(values, how) }));
}

function reduce(values: number[], how: Aggregation): number {
  switch (how) {
    case 'count':
      return values.length;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      return values.reduce((a, b) => (b < a ? b : a), Infinity);
    case 'max':
      return values.reduce((a, b) => (b > a ? b : a), -Infinity);
    default: {
      const sorted = [...values].sort((a, b) => a - b);
      return quantile(sorted, { p50: 0.5, p95: 0.95, p99: 0.99 }[how]);
    }
  }
}
