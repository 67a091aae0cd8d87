/**
 * Duration histograms with fixed bucket bounds (seconds), shared by every shard, time bucket and
 * the Prometheus output so they can be added up. The bounds span a cached settlement (ms) to a
 * model's job cap (minutes). Counts per bucket are stored non-cumulative; index BOUNDS.length is +Inf.
 */
export const BOUNDS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;
export const BUCKETS = BOUNDS_SECONDS.length + 1;

export function bucketOf(seconds: number): number {
  const i = BOUNDS_SECONDS.findIndex((bound) => seconds <= bound);
  return i < 0 ? BOUNDS_SECONDS.length : i;
}

export function emptyBuckets(): number[] {
  return new Array<number>(BUCKETS).fill(0);
}

/**
 * The q-quantile estimated from bucket counts as Prometheus' histogram_quantile does: linear within
 * the bucket it falls in (from 0 for the first); a quantile in the +Inf bucket is the highest bound.
 * null when there are no observations.
 */
export function quantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count > 0 && seen + count >= rank) {
      if (i >= BOUNDS_SECONDS.length) return BOUNDS_SECONDS[BOUNDS_SECONDS.length - 1]!;
      const lower = i === 0 ? 0 : BOUNDS_SECONDS[i - 1]!;
      const upper = BOUNDS_SECONDS[i]!;
      return lower + ((upper - lower) * (rank - seen)) / count;
    }
    seen += count;
  }
  return BOUNDS_SECONDS[BOUNDS_SECONDS.length - 1]!;
}
