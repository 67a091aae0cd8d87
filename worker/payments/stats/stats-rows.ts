import type { CallOutcome, TimedStage } from "../core/call-stats.ts";

/** One series of call counts (a Prometheus counter's labels). `reason` "" when delivered. */
export interface CallCountRow {
  service: string;
  scheme: string;
  outcome: CallOutcome;
  reason: string;
  count: number;
}

/** One duration histogram: non-cumulative counts per bucket of histogram.ts, their sum and count. */
export interface DurationRow {
  service: string;
  scheme: string;
  stage: TimedStage;
  buckets: number[];
  count: number;
  sumSeconds: number;
}

/** A histogram within one time bucket of a range (for latency over time). */
export interface TimedDurationRow extends DurationRow {
  /** Unix ms the time bucket starts. */
  start: number;
}

export interface StatsTotals {
  calls: CallCountRow[];
  durations: DurationRow[];
}

export interface StatsRange {
  calls: CallCountRow[];
  durations: TimedDurationRow[];
}
