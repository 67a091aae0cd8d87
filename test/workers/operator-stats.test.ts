import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CallObservation } from "../../worker/payments/core/call-stats.ts";
import { AdminStats } from "../../worker/operator/stats-types.ts";

// The operator's counters: what the payment core records per call (EdgeStats shards) and what
// GET /admin/stats and GET /metrics make of it, with revenue from the ledger.

const ADMIN = "test-admin-token-0123456789"; // test/workers/wrangler.test.toml
const METRICS = "test-metrics-token-0123456789";
const get = (path: string, token?: string) => exports.default.fetch(`http://edge.test${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
const stats = async (query = ""): Promise<AdminStats> => {
  const response = await get(`/admin/stats${query}`, ADMIN);
  expect(response.status).toBe(200);
  return AdminStats.parse(await response.json());
};
const countOf = (s: AdminStats, match: Partial<AdminStats["calls"][number]>) =>
  s.calls.filter((c) => Object.entries(match).every(([k, v]) => c[k as keyof typeof c] === v)).reduce((n, c) => n + c.count, 0);

/** Polls `read` until `done` holds, at most `tries` times: counting happens under waitUntil, after the answer. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 100): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

const HOUR = 3_600_000;
const observe = (o: Partial<CallObservation> & Pick<CallObservation, "service" | "outcome">) =>
  env.EDGE_STATS.getByName(`stats-${Math.floor(Math.random() * 4)}`).observe({ at: Date.now(), scheme: "exact", reason: null, stages: {}, ...o });

describe("GET /admin/stats", () => {
  it("needs the admin token; the metrics token is not one", async () => {
    expect((await get("/admin/stats")).status).toBe(401);
    expect((await get("/admin/stats", METRICS)).status).toBe(401);
  });

  it("counts an unpaid call to a paid route as a payment_required quote with scheme none", async () => {
    const before = countOf(await stats(), { service: "sentiment", scheme: "none", outcome: "payment_required", reason: "payment_required" });
    const response = await exports.default.fetch("http://edge.test/v1/sentiment", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "fine" }) });
    expect(response.status).toBe(402);
    const after = await eventually(stats, (s) => countOf(s, { service: "sentiment", scheme: "none", outcome: "payment_required" }) > before);
    expect(countOf(after, { service: "sentiment", scheme: "none", outcome: "payment_required", reason: "payment_required" })).toBe(before + 1);
  });

  it("counts a payment naming a scheme not offered under `unknown`, never the client's text", async () => {
    const payment = btoa(JSON.stringify({ x402Version: 2, accepted: { scheme: "evil\"scheme", network: "eip155:31337" }, payload: {} }));
    const response = await exports.default.fetch("http://edge.test/v1/sentiment", { method: "POST", headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": payment }, body: JSON.stringify({ text: "fine" }) });
    expect(response.status).toBe(402);
    const after = await eventually(stats, (s) => countOf(s, { service: "sentiment", scheme: "unknown" }) > 0);
    expect(countOf(after, { service: "sentiment", scheme: "unknown" })).toBeGreaterThan(0);
    expect(JSON.stringify(after)).not.toContain("evil");
  });

  it("adds the shards up and estimates p50/p95 per service and stage per hour", async () => {
    const service = `svc-${crypto.randomUUID().slice(0, 8)}`;
    const at = Math.floor(Date.now() / HOUR) * HOUR + 60_000; // this hour, so the default range sees it
    // 20 delivered calls: jobs 100..2000 ms; settlement 10 ms each; one refused for a named reason.
    for (let i = 1; i <= 20; i++) await observe({ service, outcome: "delivered", at, stages: { job: i * 100, settlement: 10, total: i * 100 + 10 } });
    await observe({ service, outcome: "payment_required", reason: "invalid_exact_evm_payload_signature", at });
    const s = await stats(`?since=${at - HOUR}&until=${at + HOUR}`);
    expect(s.range.bucket).toBe("hour");
    expect(countOf(s, { service, outcome: "delivered", reason: null })).toBe(20);
    expect(countOf(s, { service, outcome: "payment_required", reason: "invalid_exact_evm_payload_signature" })).toBe(1);
    const job = s.latency.find((l) => l.service === service && l.stage === "job");
    const point = job?.points.find((p) => p.count > 0);
    expect(point?.count).toBe(20);
    // The true p50 is 1.0-1.1 s, p95 1.9-2.0 s; bucket interpolation lands within the buckets (0.5-1, 1-2.5 s).
    expect(point?.p50Seconds).toBeGreaterThan(0.5);
    expect(point?.p50Seconds).toBeLessThanOrEqual(1);
    expect(point?.p95Seconds).toBeGreaterThan(1);
    expect(point?.p95Seconds).toBeLessThanOrEqual(2.5);
    // An hour without calls is a point with no quantile, not a missing one.
    expect(job?.points.some((p) => p.count === 0 && p.p50Seconds === null)).toBe(true);
    // A range that excludes the hour does not see them.
    expect(countOf(await stats(`?since=${at - 5 * HOUR}&until=${at - 3 * HOUR}`), { service })).toBe(0);
  });

  it("revenue per UTC day, service and scheme from the ledger, exact in base units", async () => {
    const ledger = env.PAYMENT_LEDGER.getByName("ledger");
    const service = `rev-${crypto.randomUUID().slice(0, 8)}`;
    const row = (replayKey: string, charged: string, scheme: string) => ({
      scheme, replayKey, network: "eip155:31337", payer: "0x00000000000000000000000000000000000000aa", payTo: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
      asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3", authorized: charged, charged, service, settlementRef: `ref-${replayKey}`, txHash: null,
      x402Version: 2, model: null, runnerId: null, promptTokens: null, completionTokens: null,
    });
    // 2^53 + 1 and friends: a float would lose them.
    await ledger.record(row(`${service}-1`, "9007199254740993", "exact"));
    await ledger.record(row(`${service}-2`, "7", "exact"));
    await ledger.record(row(`${service}-3`, "10000", "batch-settlement"));
    const s = await stats();
    const mine = s.revenue.byDay.filter((d) => d.service === service);
    const today = new Date().toISOString().slice(0, 10);
    expect(mine).toEqual([
      { day: today, service, scheme: "batch-settlement", asset: "0x5fbdb2315678afecb367f032d93f642f64180aa3", count: 1, amount: "10000" },
      { day: today, service, scheme: "exact", asset: "0x5fbdb2315678afecb367f032d93f642f64180aa3", count: 2, amount: "9007199254741000" },
    ]);
    expect(s.revenue.byService.find((r) => r.service === service)).toEqual({ service, count: 3, amount: "9007199254751000" });
  });

  it("refuses a bad range with 400", async () => {
    expect((await get("/admin/stats?since=100&until=50", ADMIN)).status).toBe(400);
    expect((await get("/admin/stats?since=yesterday", ADMIN)).status).toBe(400);
    expect((await get(`/admin/stats?since=0&until=${500 * 86_400_000}`, ADMIN)).status).toBe(400);
  });
});

describe("GET /metrics", () => {
  it.each([
    ["no token", undefined],
    ["the admin token", ADMIN],
    ["the metrics token without its last character", METRICS.slice(0, -1)],
  ])("refuses %s with 401", async (_name, token) => {
    const response = await get("/metrics", token);
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="edge402-metrics"');
  });

  it("serves counters, histograms and gauges in the text format", async () => {
    const service = `met-${crypto.randomUUID().slice(0, 8)}`;
    await observe({ service, outcome: "delivered", stages: { job: 300, model: 200, queue: 100, settlement: 20, total: 320 } });
    await observe({ service, outcome: "job_failed", reason: "no_runner" });
    const response = await get("/metrics", METRICS);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain(`edge402_paid_calls_total{service="${service}",scheme="exact",outcome="delivered"} 1\n`);
    expect(text).toContain(`edge402_refusals_total{service="${service}",scheme="exact",outcome="job_failed",reason="no_runner"} 1\n`);
    expect(text).toContain(`edge402_job_duration_seconds_bucket{service="${service}",scheme="exact",le="0.25"} 0\n`);
    expect(text).toContain(`edge402_job_duration_seconds_bucket{service="${service}",scheme="exact",le="0.5"} 1\n`);
    expect(text).toContain(`edge402_job_duration_seconds_count{service="${service}",scheme="exact"} 1\n`);
    expect(text).toContain(`edge402_model_duration_seconds_sum{service="${service}",scheme="exact"} 0.2\n`);
    expect(text).toContain("# TYPE edge402_revenue_base_units_total counter\n");
    expect(text).toContain("edge402_runners_connected 0\n");
    // The test relayer's RPC is a closed port: the chain is reported down, not the scrape failed.
    expect(text).toContain('edge402_source_up{source="chain"} 0\n');
    expect(text).toContain('edge402_settlement_possible{network="eip155:31337"} 0\n');
  });
});

describe("GET /health", () => {
  it("is 503 naming every problem when no runner is connected and the RPC is down", async () => {
    const response = await exports.default.fetch("http://edge.test/health");
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; problems: string[]; runners: { online: number }; chain: { ok: boolean } };
    expect(body).toMatchObject({ status: "unavailable", problems: ["no_runner", "rpc_unreachable"], runners: { online: 0 }, chain: { ok: false } });
    expect(JSON.stringify(body)).not.toContain("127.0.0.1:1"); // no node error text, no RPC URL
  });
});
