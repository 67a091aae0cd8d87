import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fundEth } from "../../dev/chain/fund-eth.ts";
import { ADMIN_TOKEN, METRICS_TOKEN, startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { AdminStats } from "../../worker/operator/stats-types.ts";
import { paidRequests } from "../support/paid-requests.ts";
import { startRpcRelay, type RpcRelay } from "../../dev/rpc-relay.ts";

// The operator console on the real stack (wrangler dev, anvil + Circle USDC, a node-runner process,
// the Ollama stand-in): after real paid calls and a failed one, /metrics (parsed by promtool) and
// /admin/stats agree with the ledger, `npm run earnings` prints the ledger's sums, `node-runner
// status` shows the jobs served, and /health follows the runner and the relayer's gas.

const ROOT = resolve(import.meta.dirname, "../..");
let stack: LocalStack;
/** The edge reaches the chain through this relay, so a test can take the RPC down. */
let relay: RpcRelay;

interface LedgerRow { service: string; scheme: string; charged: string }

beforeAll(async () => {
  // No vision model on the runner: a paid call for one fails with no_runner (nothing charged).
  stack = await startLocalStack({
    runners: 1,
    runnerEnv: { RUNNER_MODELS: "qwen2.5:7b,qwen2.5:0.5b,nomic-embed-text" },
    prepareEdge: async (chain) => {
      relay = await startRpcRelay(chain.rpcUrl, { delayMs: 0 });
      return { RPC_URL: relay.url };
    },
  });
  await stack.waitForRunners(1);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await relay?.stop();
});

const get = (path: string, token?: string) => fetch(`${stack.edge.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
const ledgerRows = async (): Promise<LedgerRow[]> => ((await (await stack.admin("/admin/payments?limit=1000")).json()) as { payments: LedgerRow[] }).payments;

/** Polls `read` until `done`, at most `tries` times (stats are written under waitUntil, after the answer). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, tries = 300): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/** `name{labels} value` lines of a Prometheus text, as {labels, value}. */
function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: string }> {
  return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, "gm"))].map((m) => ({
    labels: Object.fromEntries([...m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!])),
    value: m[2]!,
  }));
}
/**
 * wrangler dev reloads the Worker when a source file changes (others may edit this tree while the
 * test runs), closing the connection of a request in flight: such a request is sent again, at most
 * twice. Only a connection error is retried, never an answer.
 */
async function fetchThroughReloads(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
}
const sumOf = (list: Array<{ value: string }>) => list.reduce((n, s) => n + BigInt(s.value), 0n);

const run = (args: string[], env: Record<string, string | undefined>) => spawnSync(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });

describe("after real paid calls", () => {
  beforeAll(async () => {
    const payer = stack.chain.accounts.payers[2];
    const sentiment = paidRequests(stack, "/v1/sentiment");
    for (const text of ["great", "awful", "fine"]) {
      const { header } = await sentiment.sign({ text }, payer);
      const response = await sentiment.post({ text }, header);
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const chat = paidRequests(stack, "/v1/chat/completions");
    const ok = { model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }], max_tokens: 16 };
    const paid = await chat.post(ok, (await chat.sign(ok, payer)).header);
    expect(paid.status).toBe(200);
    // Paid, but no runner has the model: 503, nothing charged.
    const vision = { model: "qwen2.5vl:7b", messages: [{ role: "user", content: "hi" }], max_tokens: 16 };
    const failed = await chat.post(vision, (await chat.sign(vision, payer)).header);
    expect(failed.status).toBe(503);
    await failed.body?.cancel();
  }, 120_000);

  it("/metrics: promtool accepts it, and its counters equal the ledger's rows and sums", async () => {
    const rows = await ledgerRows();
    expect(rows).toHaveLength(4);
    const scrape = async () => (await get("/metrics", METRICS_TOKEN)).text();
    const text = await eventually(scrape, (t) => sumOf(samples(t, "edge402_paid_calls_total").filter((s) => s.labels.outcome === "delivered")) === 4n && sumOf(samples(t, "edge402_refusals_total").filter((s) => s.labels.outcome === "job_failed")) === 1n);

    const checked = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(checked.stdout + checked.stderr).toBe("");
    expect(checked.status).toBe(0);

    for (const [service, scheme] of [["sentiment", "exact"], ["chat.completions", "exact"]] as const) {
      const mine = rows.filter((r) => r.service === service && r.scheme === scheme);
      const labelled = (name: string) => samples(text, name).filter((s) => s.labels.service === service && s.labels.scheme === scheme);
      expect(sumOf(labelled("edge402_revenue_base_units_total"))).toBe(mine.reduce((n, r) => n + BigInt(r.charged), 0n));
      expect(sumOf(labelled("edge402_charged_calls_total"))).toBe(BigInt(mine.length));
      expect(sumOf(labelled("edge402_paid_calls_total").filter((s) => s.labels.outcome === "delivered"))).toBe(BigInt(mine.length));
      expect(sumOf(labelled("edge402_job_duration_seconds_count"))).toBe(BigInt(mine.length));
      expect(sumOf(labelled("edge402_settlement_duration_seconds_count"))).toBe(BigInt(mine.length));
    }
    expect(samples(text, "edge402_refusals_total")).toContainEqual({ labels: { service: "chat.completions", scheme: "exact", outcome: "job_failed", reason: "no_runner" }, value: "1" });
    // Each paid call was quoted first: unpaid requests count as quotes (scheme none).
    expect(sumOf(samples(text, "edge402_paid_calls_total").filter((s) => s.labels.scheme === "none" && s.labels.outcome === "payment_required"))).toBe(5n);
    expect(text).toMatch(/^edge402_runners_connected 1$/m);
    expect(text).toMatch(/^edge402_runner_slots\{model="qwen2\.5:7b",state="free"\} 1$/m);
    expect(text).toMatch(/^edge402_relayer_balance_wei\{address="0x[0-9a-fA-F]{40}"\} [1-9]\d*$/m);
    expect(text).toMatch(/^edge402_relayer_pending_transactions 0$/m);
    // The token is the metrics token only.
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/metrics", ADMIN_TOKEN)).status).toBe(401);
  });

  it("/admin/stats: revenue per day equals the ledger, and the calls are counted by outcome", async () => {
    const rows = await ledgerRows();
    const stats = AdminStats.parse(await (await stack.admin("/admin/stats?since=" + (Date.now() - 86_400_000))).json());
    expect(BigInt(stats.revenue.total.amount)).toBe(rows.reduce((n, r) => n + BigInt(r.charged), 0n));
    expect(stats.revenue.total.count).toBe(rows.length);
    expect(stats.revenue.byDay.reduce((n, d) => n + BigInt(d.amount), 0n)).toBe(BigInt(stats.revenue.total.amount));
    expect(stats.calls.filter((c) => c.outcome === "delivered").reduce((n, c) => n + c.count, 0)).toBe(4);
    const sentimentJob = stats.latency.find((l) => l.service === "sentiment" && l.stage === "job");
    expect(sentimentJob?.points.reduce((n, p) => n + p.count, 0)).toBe(3);
    expect(sentimentJob?.points.some((p) => p.p50Seconds !== null)).toBe(true);
  });

  it("npm run earnings prints the ledger's sums (CSV with --edge and ADMIN_TOKEN; a table from stack.json)", async () => {
    const rows = await ledgerRows();
    const csv = run(["scripts/earnings.ts", "--since", "1d", "--csv", "--edge", stack.edge.url], { ADMIN_TOKEN, EDGE402_STATE_DIR: mkdtempSync(join(tmpdir(), "earnings-")) });
    expect(csv.stderr).toBe("");
    expect(csv.status).toBe(0);
    const [header, ...lines] = csv.stdout.trim().split("\n");
    expect(header).toBe("day,service,scheme,asset,calls,amount_base_units,amount_usdc");
    const total = lines.reduce((n, l) => n + BigInt(l.split(",")[5]!), 0n);
    expect(total).toBe(rows.reduce((n, r) => n + BigInt(r.charged), 0n));
    expect(lines.reduce((n, l) => n + Number(l.split(",")[4]), 0)).toBe(rows.length);

    // The local stack's file gives the edge and the token; a wrong token is refused (exit 1).
    const stateDir = mkdtempSync(join(tmpdir(), "earnings-stack-"));
    try {
      writeFileSync(join(stateDir, "stack.json"), JSON.stringify({ edgeUrl: stack.edge.url, adminToken: ADMIN_TOKEN }));
      const table = run(["scripts/earnings.ts"], { EDGE402_STATE_DIR: stateDir, ADMIN_TOKEN: undefined, EDGE_URL: undefined });
      expect(table.status, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/^total\s+4\s+\S+$/m);
      const refused = run(["scripts/earnings.ts"], { EDGE402_STATE_DIR: stateDir, ADMIN_TOKEN: "wrong-token-0123456789", EDGE_URL: undefined });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("refused the admin token");
      const usage = run(["scripts/earnings.ts", "--since", "nonsense", "--csv=1"], { EDGE402_STATE_DIR: stateDir });
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain("2 problems");
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("node-runner status: connected, its models, and the jobs it served", async () => {
    const runner = stack.runners[0]!;
    const status = () => spawnSync(process.execPath, [join(ROOT, "bin/node-runner.js"), "status", "--key-file", runner.keyFile], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    const served = (out: string) => Number(/jobs {8}\d+ now, (\d+) served/.exec(out)?.[1] ?? -1);
    const shown = await eventually(async () => status(), (s) => served(s.stdout) >= 4 && s.stdout.includes("jobs        0 now"), 50);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("state       connected, pid ");
    expect(shown.stdout).toContain("qwen2.5:7b (1 at once)");
    // 3 sentiment jobs + 1 chat (a structured answer the stand-in gets wrong is retried: one more job); the vision call never reached it.
    expect(served(shown.stdout)).toBeGreaterThanOrEqual(4);
    expect(shown.stdout).toMatch(/jobs {8}0 now, \d+ served, 0 failed/);
  });
});

describe("counters live in Durable Object state", () => {
  it("survive a restart of the edge's process: the same counters and histograms after it", async () => {
    const counters = (text: string) =>
      ["edge402_paid_calls_total", "edge402_refusals_total", "edge402_revenue_base_units_total", "edge402_job_duration_seconds_count"].flatMap((name) => samples(text, name).map((s) => `${name}${JSON.stringify(s.labels)} ${s.value}`)).sort();
    const scrape = async () => (await fetchThroughReloads(`${stack.edge.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const before = counters(await scrape());
    expect(before.length).toBeGreaterThan(5);
    await stack.restartEdge();
    await stack.waitForRunners(1);
    expect(counters(await scrape())).toEqual(before);
  }, 120_000);
});

describe("GET /health and the index page follow the runner and the relayer's gas", () => {
  interface Health { status: string; problems: string[]; runners: { online: number }; models: string[]; chain: { ok: boolean; relayer?: { address: Address; gas: string } } }
  const health = async () => {
    const response = await fetchThroughReloads(`${stack.edge.url}/health`);
    return { code: response.status, body: (await response.json()) as Health };
  };

  it("200 with runners, models and chain while it can serve and settle; the index page says so", async () => {
    const { code, body } = await health();
    expect(code).toBe(200);
    expect(body).toMatchObject({ status: "ok", problems: [], runners: { online: 1 }, chain: { ok: true, relayer: { gas: "ok" } } });
    expect(body.models).toContain("qwen2.5:7b");
    const page = await (await fetchThroughReloads(`${stack.edge.url}/`, { headers: { Accept: "text/html" } })).text();
    expect(page).toContain("1 runner online");
    expect(page).toMatch(/<tr data-service="sentiment">.*<td class="now ok">available<\/td><\/tr>/);
    expect(page).toMatch(/<tr data-service="alt-text">.*<td class="now no">no runner<\/td><\/tr>/);
  });

  it("503 relayer_out_of_gas when the relayer cannot pay for a settlement, 200 once funded again", async () => {
    const { body } = await health();
    const relayer = body.chain.relayer!.address;
    await fundEth(stack.chain.rpcUrl, relayer, 0n);
    const empty = await eventually(health, (h) => h.code === 503);
    expect(empty.body.problems).toEqual(["relayer_out_of_gas"]);
    await fundEth(stack.chain.rpcUrl, relayer, 10n ** 21n);
    expect((await eventually(health, (h) => h.code === 200)).code).toBe(200);
  });

  it("503 rpc_unreachable while the chain's RPC is down, 200 when it answers again", async () => {
    relay.failMethods.add("eth_getBalance");
    const down = await eventually(health, (h) => h.code === 503);
    expect(down.body.problems).toEqual(["rpc_unreachable"]);
    expect(JSON.stringify(down.body)).not.toContain(relay.url); // codes only: no node error text
    relay.failMethods.clear();
    expect((await eventually(health, (h) => h.code === 200)).code).toBe(200);
  });

  it("503 no_runner when the runner is stopped, 200 when it comes back", async () => {
    const [runner] = stack.runners.splice(0, 1);
    await runner!.stop();
    const down = await eventually(health, (h) => h.code === 503);
    expect(down.body).toMatchObject({ status: "unavailable", problems: ["no_runner"], runners: { online: 0 } });
    const page = await (await fetchThroughReloads(`${stack.edge.url}/`, { headers: { Accept: "text/html" } })).text();
    expect(page).toContain("0 runners online");
    const back = stack.startRunner(runner!.key);
    await back.connected;
    const up = await eventually(health, (h) => h.code === 200);
    expect(up.body).toMatchObject({ status: "ok", runners: { online: 1 } });
  });
});
