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

/** The q-quantile (0..1) of a histogram given as bucket → count. */
export function quantileFromBuckets(buckets: Map<number, number>, q: number): number {
  let total = 0;
  for (const n of buckets.values()) total += n;
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
    seen += buckets.get(b)!;
    if (seen >= rank) return bucketUpperMs(b);
  }
  return 0;
}

/** Exact quantile of raw values (nearest rank), for metric series. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}
