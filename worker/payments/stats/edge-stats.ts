import { DurableObject } from "cloudflare:workers";
import { CALL_OUTCOMES, OTHER_REASON, TIMED_STAGES, type CallObservation, type CallOutcome, type TimedStage } from "../core/call-stats.ts";
import { bucketOf, emptyBuckets } from "./histogram.ts";
import { ALL_TIME, HOUR_MS, migrateStats } from "./stats-schema.ts";
import type { CallCountRow, StatsRange, StatsTotals, TimedDurationRow } from "./stats-rows.ts";

/** Distinct call-count series one shard keeps; past it a new reason is counted as OTHER_REASON (bounded label cardinality). */
const MAX_SERIES = 2_000;

/**
 * Counters and duration histograms of paid calls, in Durable Object SQLite so they survive Worker
 * restarts and deploys (module globals would not). One of STATS_SHARDS objects (stats-binding.ts):
 * each call is counted in one shard picked at random, readers add the shards up. Counting is one
 * synchronous SQLite transaction per call; the payment core sends it under waitUntil, after the
 * answer is decided, so it never delays a call.
 */
export class EdgeStats extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrateStats(ctx.storage);
  }

  observe(o: CallObservation): void {
    const outcome: CallOutcome = CALL_OUTCOMES.includes(o.outcome) ? o.outcome : "internal_error";
    const hour = Math.floor(o.at / HOUR_MS);
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      let reason = o.reason ?? "";
      if (reason !== "" && !this.seriesExists(o.service, o.scheme, outcome, reason) && this.seriesCount() >= MAX_SERIES) reason = OTHER_REASON;
      for (const h of [hour, ALL_TIME]) {
        sql.exec(
          `INSERT INTO call_counts (hour, service, scheme, outcome, reason, count) VALUES (?, ?, ?, ?, ?, 1)
           ON CONFLICT (hour, service, scheme, outcome, reason) DO UPDATE SET count = count + 1`,
          h, o.service, o.scheme, outcome, reason,
        );
      }
      for (const stage of TIMED_STAGES) {
        const ms = o.stages[stage];
        if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) continue;
        const seconds = ms / 1000;
        for (const h of [hour, ALL_TIME]) {
          sql.exec(
            `INSERT INTO durations (hour, service, scheme, stage, bucket, count, sum_seconds) VALUES (?, ?, ?, ?, ?, 1, ?)
             ON CONFLICT (hour, service, scheme, stage, bucket) DO UPDATE SET count = count + 1, sum_seconds = sum_seconds + excluded.sum_seconds`,
            h, o.service, o.scheme, stage, bucketOf(seconds), seconds,
          );
        }
      }
    });
  }

  /** Lifetime counters and histograms (for /metrics). */
  totals(): StatsTotals {
    const calls = this.callRows("WHERE hour = ?", [ALL_TIME]);
    const durations = this.durationRows("WHERE hour = ?", [ALL_TIME], () => 0).map(({ start: _start, ...row }) => row);
    return { calls, durations };
  }

  /** Counts in [since, until) by whole hours, histograms per time bucket of `bucketMs` (a multiple of an hour). */
  range(since: number, until: number, bucketMs: number): StatsRange {
    const from = Math.floor(since / HOUR_MS);
    const to = Math.ceil(until / HOUR_MS);
    const where = "WHERE hour >= ? AND hour < ?";
    return {
      calls: this.callRows(where, [from, to]),
      durations: this.durationRows(where, [from, to], (hour) => Math.floor((hour * HOUR_MS) / bucketMs) * bucketMs),
    };
  }

  private callRows(where: string, args: number[]): CallCountRow[] {
    return this.ctx.storage.sql
      .exec<{ service: string; scheme: string; outcome: string; reason: string; count: number }>(
        `SELECT service, scheme, outcome, reason, SUM(count) AS count FROM call_counts ${where} GROUP BY service, scheme, outcome, reason`,
        ...args,
      )
      .toArray()
      .map((r) => ({ service: r.service, scheme: r.scheme, outcome: r.outcome as CallOutcome, reason: r.reason, count: Number(r.count) }));
  }

  private durationRows(where: string, args: number[], startOf: (hour: number) => number): TimedDurationRow[] {
    const rows = this.ctx.storage.sql
      .exec<{ hour: number; service: string; scheme: string; stage: string; bucket: number; count: number; sum_seconds: number }>(
        `SELECT hour, service, scheme, stage, bucket, count, sum_seconds FROM durations ${where}`,
        ...args,
      )
      .toArray();
    const series = new Map<string, TimedDurationRow>();
    for (const r of rows) {
      const start = startOf(Number(r.hour));
      const key = JSON.stringify([start, r.service, r.scheme, r.stage]);
      let row = series.get(key);
      if (!row) series.set(key, (row = { start, service: r.service, scheme: r.scheme, stage: r.stage as TimedStage, buckets: emptyBuckets(), count: 0, sumSeconds: 0 }));
      const i = Number(r.bucket);
      if (i >= 0 && i < row.buckets.length) row.buckets[i]! += Number(r.count);
      row.count += Number(r.count);
      row.sumSeconds += Number(r.sum_seconds);
    }
    return [...series.values()];
  }

  private seriesExists(service: string, scheme: string, outcome: string, reason: string): boolean {
    return this.ctx.storage.sql
      .exec("SELECT 1 FROM call_counts WHERE hour = ? AND service = ? AND scheme = ? AND outcome = ? AND reason = ?", ALL_TIME, service, scheme, outcome, reason)
      .toArray().length > 0;
  }

  private seriesCount(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM call_counts WHERE hour = ?", ALL_TIME).one().n;
  }
}
