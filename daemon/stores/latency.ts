/**
 * Latency histograms with logarithmic buckets, shared by the stores' request-rate rollups: each
 * bucket is 8% wider than the one before, so a percentile read from them is within 8% of the
 * exact value, and a minute of any traffic fits in a few dozen buckets.
 */

const GROWTH = 1.08;
const LOG_GROWTH = Math.log(GROWTH);

/** Bucket index of a duration given in nanoseconds (resolution starts at one microsecond). */
export function latencyBucket(durationNs: number): number {
  const us = durationNs / 1000;
  return us <= 1 ? 0 : Math.ceil(Math.log(us) / LOG_GROWTH);
}

/** Upper bound of a bucket, in milliseconds. */
export function bucketUpperMs(bucket: number): number {
  return Math.pow(GROWTH, bucket) / 1000;
}

/** p50, p95 and p99 of a histogram in one pass over its sorted buckets. */
export function latencyQuantiles(buckets: Map<number, number>): { p50Ms: number; p95Ms: number; p99Ms: number } {
  let total = 0;
  for (const n of buckets.values()) total += n;
  const qs = [0.5, 0.95, 0.99];
  const out = [0, 0, 0];
  if (total > 0) {
    const ranks = qs.map((q) => Math.max(1, Math.ceil(q * total)));
    let seen = 0;
    let k = 0;
    for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
      seen += buckets.get(b)!;
      while (k < 3 && seen >= ranks[k]!) out[k++] = bucketUpperMs(b);
      if (k === 3) break;
    }
  }
  return { p50Ms: out[0]!, p95Ms: out[1]!, p99Ms: out[2]! };
}

/** Exact quantile of raw values (nearest rank), for metric series. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}
