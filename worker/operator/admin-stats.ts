import type { Context } from "hono";
import type { AppEnv } from "../app-context.ts";
import { jsonError } from "../http/json-error.ts";
import { validationError } from "../http/validation-error.ts";
import { ledgerOf } from "../payments/ledger/ledger-binding.ts";
import { quantile } from "../payments/stats/histogram.ts";
import type { TimedDurationRow } from "../payments/stats/stats-rows.ts";
import { mergeDurations, statsRange } from "../payments/stats/stats-binding.ts";
import { AdminStats, StatsQuery, TIMED_STAGE_ORDER, type CallOutcome } from "./stats-types.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The longest range one request may ask for (hourly points stay ≤ 72 and daily ≤ 400). */
const MAX_RANGE_MS = 400 * DAY_MS;

/**
 * GET /admin/stats?since&until&bucket — the operator dashboard's figures (shape: stats-types.ts):
 * revenue from the ledger, call outcomes and latency from the EdgeStats shards, pointers to the
 * live sources. Counts are by whole UTC hours (the stats' resolution); revenue by the ledger's ms.
 */
export async function adminStatsRoute(c: Context<AppEnv>): Promise<Response> {
  const parsed = StatsQuery.safeParse(c.req.query());
  if (!parsed.success) return validationError(parsed.error);
  const now = Date.now();
  const until = parsed.data.until ?? now;
  const since = parsed.data.since ?? until - 30 * DAY_MS;
  if (!(since < until)) return jsonError(400, "invalid_range", "since must be before until");
  if (until - since > MAX_RANGE_MS) return jsonError(400, "invalid_range", `a range may span at most ${MAX_RANGE_MS / DAY_MS} days`);
  const bucket = parsed.data.bucket ?? (until - since <= 3 * DAY_MS ? "hour" : "day");
  const bucketMs = bucket === "hour" ? HOUR_MS : DAY_MS;

  const [byDay, stats] = await Promise.all([ledgerOf(c.env).revenueByDay({ since, until }), statsRange(c.env, since, until, bucketMs)]);
  const { payment } = c.var.config;

  const sum = <K extends "service" | "scheme">(key: K) => {
    const totals = new Map<string, { count: number; amount: bigint }>();
    for (const r of byDay) {
      const t = totals.get(r[key]) ?? { count: 0, amount: 0n };
      totals.set(r[key], { count: t.count + r.count, amount: t.amount + BigInt(r.amount) });
    }
    return [...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, t]) => ({ [key]: name, count: t.count, amount: t.amount.toString() }) as { count: number; amount: string } & Record<K, string>);
  };
  const total = byDay.reduce((t, r) => ({ count: t.count + r.count, amount: t.amount + BigInt(r.amount) }), { count: 0, amount: 0n });

  const body: AdminStats = {
    generatedAt: new Date(now).toISOString(),
    range: { since: new Date(since).toISOString(), until: new Date(until).toISOString(), bucket },
    asset: { network: payment.network, address: payment.asset, decimals: 6, symbol: "USDC" },
    revenue: { total: { count: total.count, amount: total.amount.toString() }, byService: sum("service"), byScheme: sum("scheme"), byDay },
    calls: stats.calls.map((r) => ({ service: r.service, scheme: r.scheme, outcome: r.outcome as CallOutcome, reason: r.reason === "" ? null : r.reason, count: r.count })),
    latency: latencySeries(stats.durations, since, until, bucketMs),
    sources: { runners: "/admin/runners", relayer: "/admin/facilitator", channels: "/admin/channels", payments: "/admin/payments", health: "/health" },
  };
  // Checked against the published schema before it goes out: the dashboard parses it with the same one.
  return c.json(AdminStats.parse(body), 200, { "Cache-Control": "no-store" });
}

/** Per service and stage (schemes added up), one point per time bucket of the range, empty ones included. */
function latencySeries(rows: readonly TimedDurationRow[], since: number, until: number, bucketMs: number): AdminStats["latency"] {
  const merged = mergeDurations(rows.map((r) => ({ ...r, scheme: "" })));
  const starts: number[] = [];
  for (let t = Math.floor(since / bucketMs) * bucketMs; t < until; t += bucketMs) starts.push(t);
  const series = new Map<string, Map<number, TimedDurationRow>>();
  for (const r of merged) {
    const key = JSON.stringify([r.service, r.stage]);
    if (!series.has(key)) series.set(key, new Map());
    series.get(key)!.set(r.start, r);
  }
  return [...series]
    .map(([key, byStart]) => {
      const [service, stage] = JSON.parse(key) as [string, TimedDurationRow["stage"]];
      const points = starts.map((start) => {
        const row = byStart.get(start);
        const seconds = (q: number) => (row ? quantile(row.buckets, q) : null);
        return { start: new Date(start).toISOString(), count: row?.count ?? 0, p50Seconds: seconds(0.5), p95Seconds: seconds(0.95) };
      });
      return { service, stage, points };
    })
    .sort((a, b) => (a.service === b.service ? TIMED_STAGE_ORDER.indexOf(a.stage) - TIMED_STAGE_ORDER.indexOf(b.stage) : a.service < b.service ? -1 : 1));
}
