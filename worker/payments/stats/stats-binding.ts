import type { CallStats } from "../core/call-stats.ts";
import type { CallCountRow, DurationRow, StatsRange, StatsTotals, TimedDurationRow } from "./stats-rows.ts";

/**
 * The EdgeStats shards. Every paid-route request is counted — unpaid 402 quotes too, about one per
 * paid call — so the stats see about twice the ledger's traffic; one object would be the edge's
 * busiest. Four shards, picked at random per call, keep each below the ledger's rate; readers (a
 * scrape, the dashboard's polling) are rare and add four small answers up.
 */
export const STATS_SHARDS = 4;

export function callStatsFor(env: Env): CallStats {
  return { observe: (o) => env.EDGE_STATS.getByName(`stats-${Math.floor(Math.random() * STATS_SHARDS)}`).observe(o) };
}

const shards = (env: Env) => Array.from({ length: STATS_SHARDS }, (_, i) => env.EDGE_STATS.getByName(`stats-${i}`));

export async function statsTotals(env: Env): Promise<StatsTotals> {
  const parts = await Promise.all(shards(env).map((s) => s.totals()));
  return { calls: mergeCalls(parts.flatMap((p) => p.calls)), durations: mergeDurations(parts.flatMap((p) => p.durations)) };
}

export async function statsRange(env: Env, since: number, until: number, bucketMs: number): Promise<StatsRange> {
  const parts = await Promise.all(shards(env).map((s) => s.range(since, until, bucketMs)));
  return { calls: mergeCalls(parts.flatMap((p) => p.calls)), durations: mergeDurations(parts.flatMap((p) => p.durations)) };
}

export function mergeCalls(rows: readonly CallCountRow[]): CallCountRow[] {
  const merged = new Map<string, CallCountRow>();
  for (const r of rows) {
    const key = JSON.stringify([r.service, r.scheme, r.outcome, r.reason]);
    const seen = merged.get(key);
    if (seen) seen.count += r.count;
    else merged.set(key, { ...r });
  }
  return [...merged.values()].sort((a, b) => compare([a.service, a.scheme, a.outcome, a.reason], [b.service, b.scheme, b.outcome, b.reason]));
}

export function mergeDurations<R extends DurationRow | TimedDurationRow>(rows: readonly R[]): R[] {
  const merged = new Map<string, R>();
  for (const r of rows) {
    const key = JSON.stringify(["start" in r ? r.start : 0, r.service, r.scheme, r.stage]);
    const seen = merged.get(key);
    if (!seen) {
      merged.set(key, { ...r, buckets: [...r.buckets] });
      continue;
    }
    r.buckets.forEach((n, i) => (seen.buckets[i] = (seen.buckets[i] ?? 0) + n));
    seen.count += r.count;
    seen.sumSeconds += r.sumSeconds;
  }
  return [...merged.values()].sort((a, b) => compare([String("start" in a ? a.start : 0).padStart(16, "0"), a.service, a.scheme, a.stage], [String("start" in b ? b.start : 0).padStart(16, "0"), b.service, b.scheme, b.stage]));
}

function compare(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}
