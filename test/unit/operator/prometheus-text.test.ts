import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PrometheusText } from "../../../worker/operator/metrics/prometheus-text.ts";
import { BOUNDS_SECONDS, bucketOf, emptyBuckets, quantile } from "../../../worker/payments/stats/histogram.ts";

// The /metrics writer checked by Prometheus' own parser (promtool, Debian's prometheus package:
// .ci/run installs it when missing), and the histogram arithmetic the dashboard's p50/p95 rest on.

const promtool = (text: string) => spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });

describe("PrometheusText", () => {
  it("writes what promtool accepts, with no lint findings", () => {
    execFileSync("promtool", ["--version"], { stdio: "ignore" });
    const buckets = emptyBuckets();
    buckets[bucketOf(0.3)]! += 2;
    buckets[bucketOf(1000)]! += 1;
    const text = new PrometheusText()
      .counter("edge402_paid_calls_total", "Calls.", [{ labels: { service: "sentiment", scheme: "exact", outcome: "delivered" }, value: 3 }, { labels: { service: 'we"ird\\na\nme', scheme: "none", outcome: "payment_required" }, value: 1 }])
      .counter("edge402_revenue_base_units_total", "Charged, base units.", [{ labels: { service: "sentiment", scheme: "exact", asset: "0xabc" }, value: "9007199254740993" }])
      .gauge("edge402_runners_connected", "Runners.", [{ labels: {}, value: 0 }])
      .histogram("edge402_job_duration_seconds", "Job time.", [{ labels: { service: "sentiment", scheme: "exact" }, bounds: BOUNDS_SECONDS, buckets, sum: 1000.6 }])
      .toString();
    const checked = promtool(text);
    expect(checked.stdout + checked.stderr).toBe("");
    expect(checked.status).toBe(0);
    // Base units go out digit for digit; buckets are cumulative; +Inf and _count equal the total.
    expect(text).toContain('edge402_revenue_base_units_total{service="sentiment",scheme="exact",asset="0xabc"} 9007199254740993\n');
    expect(text).toContain('edge402_job_duration_seconds_bucket{service="sentiment",scheme="exact",le="0.25"} 0\n');
    expect(text).toContain('edge402_job_duration_seconds_bucket{service="sentiment",scheme="exact",le="0.5"} 2\n');
    expect(text).toContain('edge402_job_duration_seconds_bucket{service="sentiment",scheme="exact",le="300"} 2\n');
    expect(text).toContain('edge402_job_duration_seconds_bucket{service="sentiment",scheme="exact",le="+Inf"} 3\n');
    expect(text).toContain('edge402_job_duration_seconds_count{service="sentiment",scheme="exact"} 3\n');
    expect(text).toContain('service="we\\"ird\\\\na\\nme"');
  });

  it("is a parser that can fail: promtool refuses a counter without _total and a broken line", () => {
    const lint = promtool("# HELP edge402_calls Calls.\n# TYPE edge402_calls counter\nedge402_calls 1\n");
    expect(lint.status).not.toBe(0);
    expect(lint.stdout + lint.stderr).toContain('counter metrics should have "_total" suffix');
    expect(promtool('edge402_x{a="b} 1\n').status).not.toBe(0);
    expect(() => new PrometheusText().counter("edge402_calls", "no suffix", [])).toThrow(/_total/);
  });
});

describe("histogram quantiles", () => {
  it("interpolates within the bucket like histogram_quantile", () => {
    const counts = emptyBuckets();
    counts[bucketOf(0.2)] = 10; // the (0.1, 0.25] bucket
    expect(quantile(counts, 0.5)).toBeCloseTo(0.175, 6);
    expect(quantile(counts, 1)).toBeCloseTo(0.25, 6);
  });

  it("is null without observations and the highest bound in +Inf", () => {
    expect(quantile(emptyBuckets(), 0.5)).toBeNull();
    const counts = emptyBuckets();
    counts[bucketOf(10_000)] = 1;
    expect(quantile(counts, 0.95)).toBe(300);
  });

  it("puts a bound's own value in its bucket (le is inclusive)", () => {
    expect(bucketOf(0.005)).toBe(0);
    expect(bucketOf(0.0051)).toBe(1);
    expect(bucketOf(300)).toBe(BOUNDS_SECONDS.length - 1);
    expect(bucketOf(300.1)).toBe(BOUNDS_SECONDS.length);
  });
});
