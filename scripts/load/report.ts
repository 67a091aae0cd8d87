import { fmt, table } from "../../bench/lib/stats.ts";
import type { LoadConfig } from "./config.ts";
import type { CallResult } from "./driver.ts";
import { isShed, type Check } from "./reconcile.ts";
import { countBy, summarizeLatency } from "./stats.ts";

export interface LoadReport {
  config: LoadConfig;
  method: string;
  path: string;
  price: bigint;
  /** "the Ollama-API stand-in" or the real Ollama's URL. */
  models: string;
  payers: number;
  /** How the calls were paid: the scheme, and what signing cost (the scheme's own lines). */
  payment: readonly string[];
  /** Unpaid quotes sent at concurrency C before the clock started, and how many did not get a 402. */
  warmUp: { count: number; failed: number };
  results: readonly CallResult[];
  wallMs: number;
  /** Runner tunnels that dropped and reconnected during the run (0 when nothing went wrong). */
  tunnelReconnects: number;
  /** Ledger rows per runner id. */
  jobsPerRunner: Array<[string, number]>;
  checks: readonly Check[];
}

export function passed(checks: readonly Check[]): boolean {
  return checks.every((c) => c.ok);
}

/** The compact summary a load run prints. */
export function formatReport(r: LoadReport): string {
  const { config } = r;
  const ok = r.results.filter((x) => x.status === 200 && x.reason === "ok");
  const others = r.results.filter((x) => !(x.status === 200 && x.reason === "ok"));
  const okLatency = summarizeLatency(ok.map((x) => x.latencyMs));
  const seconds = r.wallMs / 1000;
  const lines: string[] = [];

  lines.push(`edge402 load — ${r.method} ${r.path}, ${r.price} base units per call by ${config.scheme}, models from ${r.models}`);
  lines.push(`N ${config.n}  C ${config.c}  runners ${config.runners} (${config.slotsPerRunner} slots + ${config.queuePerRunner} queue each)  payers ${r.payers}  blocks ${config.blockMs > 0 ? `every ${config.blockMs} ms` : "per transaction (automine)"}`);
  lines.push(`warm-up: ${r.warmUp.count} unpaid quotes at concurrency ${config.c} before the clock started (${r.warmUp.failed} not answered 402)`);
  lines.push(...r.payment);
  lines.push("");
  lines.push(
    table(
      countBy(r.results, (x) => `${x.status} ${x.reason}${isShed(x) ? " (shed, Retry-After)" : ""}`).map(([outcome, count]) => ({ "status reason": outcome, calls: String(count) })),
    ),
  );
  for (const [outcome, example] of firstOfEach(others)) lines.push(`  ${outcome}: ${example}`);
  lines.push("");
  const rows = [
    { measure: "latency p50 (ms, 200s)", value: fmt(okLatency.p50, 1) },
    { measure: "latency p99 (ms, 200s)", value: fmt(okLatency.p99, 1) },
    { measure: "latency max (ms, 200s)", value: fmt(okLatency.max, 1) },
    { measure: "throughput (200s/s)", value: fmt(ok.length / seconds, 1) },
    { measure: "responses/s", value: fmt(r.results.length / seconds, 1) },
    { measure: "wall time (s)", value: fmt(seconds, 2) },
  ];
  if (others.length > 0) {
    const other = summarizeLatency(others.map((x) => x.latencyMs));
    rows.splice(3, 0, { measure: "latency p50 / p99 (ms, non-200s)", value: `${fmt(other.p50, 1)} / ${fmt(other.p99, 1)}` });
  }
  rows.push({ measure: "edge stages p50 / p99 (ms, 200s)", value: stageSummary(ok) });
  rows.push({ measure: "tunnel reconnects during the run", value: String(r.tunnelReconnects) });
  rows.push({ measure: "jobs per runner (ledger)", value: r.jobsPerRunner.map(([id, n]) => `${id} ${n}`).join(" · ") || "none" });
  lines.push(table(rows));
  lines.push("");
  lines.push(table(r.checks.map((c) => ({ reconciliation: c.name, result: c.ok ? "ok" : "FAIL", detail: c.detail }))));
  lines.push("");
  lines.push(passed(r.checks) ? "PASS" : "FAIL");
  return lines
    .join("\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

/** Where the edge says the time went (Server-Timing), per stage in the order the edge reports them. */
function stageSummary(results: readonly CallResult[]): string {
  const names = [...new Set(results.flatMap((x) => Object.keys(x.stages)))];
  return (
    names
      .map((name) => {
        const s = summarizeLatency(results.map((x) => x.stages[name]).filter((v): v is number => v !== undefined));
        return `${name} ${fmt(s.p50, 0)}/${fmt(s.p99, 0)}`;
      })
      .join(" · ") || "none"
  );
}

/** For each non-200 outcome, what the edge said the first time (the start of the body). */
function firstOfEach(results: readonly CallResult[]): Array<[string, string]> {
  const seen = new Map<string, string>();
  for (const x of results) {
    const key = `${x.status} ${x.reason}`;
    if (!seen.has(key)) seen.set(key, JSON.stringify(x.body.replace(/\s+/g, " ").slice(0, 160)));
  }
  return [...seen];
}
