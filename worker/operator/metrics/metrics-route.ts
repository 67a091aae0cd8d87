import type { Context } from "hono";
import type { AppEnv } from "../../app-context.ts";
import { normalizeModelName } from "../../../protocol/models.ts";
import { ledgerOf } from "../../payments/ledger/ledger-binding.ts";
import { BOUNDS_SECONDS } from "../../payments/stats/histogram.ts";
import { statsTotals } from "../../payments/stats/stats-binding.ts";
import type { DurationRow } from "../../payments/stats/stats-rows.ts";
import type { TimedStage } from "../../payments/core/call-stats.ts";
import { readEdgeState } from "../edge-state.ts";
import { PrometheusText, type Sample } from "./prometheus-text.ts";

/** Each timed stage's histogram family (Prometheus: one family per thing measured, seconds as the unit). */
const DURATION_FAMILIES: ReadonlyArray<readonly [TimedStage, string, string]> = [
  ["job", "edge402_job_duration_seconds", "Paid calls' job time: dispatch to the result (a stream: to its first chunk)."],
  ["queue", "edge402_job_queue_duration_seconds", "Paid calls' job time before the model ran (dispatch, runner queue, transport)."],
  ["model", "edge402_model_duration_seconds", "The model's own run time as Ollama reported it."],
  ["settlement", "edge402_settlement_duration_seconds", "Paid calls' time after the job until the result could go out (preflight wait, settlement, ledger)."],
  ["total", "edge402_paid_call_duration_seconds", "Delivered paid calls, start to finish inside the edge."],
];

/**
 * GET /metrics (bearer METRICS_TOKEN) in the Prometheus text format. Counters come from Durable
 * Object state (EdgeStats shards for outcomes and durations, the ledger for revenue), so they survive
 * Worker restarts; gauges are read live. A source that cannot be read is reported by
 * `edge402_source_up{source} 0` and its gauges left out, rather than failing the whole scrape.
 */
export async function metricsRoute(c: Context<AppEnv>): Promise<Response> {
  const config = c.var.config;
  const [stats, revenue, state] = await Promise.all([statsTotals(c.env), ledgerOf(c.env).revenueTotals(), readEdgeState(c.env, config)]);
  const out = new PrometheusText();

  const byOutcome = new Map<string, Sample>();
  for (const r of stats.calls) {
    const labels = { service: r.service, scheme: r.scheme, outcome: r.outcome };
    const key = JSON.stringify(labels);
    const seen = byOutcome.get(key);
    byOutcome.set(key, { labels, value: Number(seen?.value ?? 0) + r.count });
  }
  out.counter("edge402_paid_calls_total", "Calls to paid routes by how they ended: delivered, payment_required (a quote or a refused payment), settlement_failed, job_failed (nothing charged), internal_error.", [...byOutcome.values()]);
  out.counter(
    "edge402_refusals_total",
    "Paid-route calls that were not delivered (nothing charged), by outcome and reason code.",
    stats.calls.filter((r) => r.outcome !== "delivered").map((r) => ({ labels: { service: r.service, scheme: r.scheme, outcome: r.outcome, reason: r.reason }, value: r.count })),
  );
  out.counter("edge402_charged_calls_total", "Charged calls in the ledger (one row each), by service, scheme and asset.", revenue.map((r) => ({ labels: { service: r.service, scheme: r.scheme, asset: r.asset }, value: r.count })));
  out.counter("edge402_revenue_base_units_total", "Charged, in base units of the asset (USDC: 6 decimals), from the ledger.", revenue.map((r) => ({ labels: { service: r.service, scheme: r.scheme, asset: r.asset }, value: r.amount })));
  for (const [stage, name, help] of DURATION_FAMILIES) {
    out.histogram(name, help, stats.durations.filter((d) => d.stage === stage).map((d: DurationRow) => ({ labels: { service: d.service, scheme: d.scheme }, bounds: BOUNDS_SECONDS, buckets: d.buckets, sum: d.sumSeconds })));
  }

  const live = state.runners.filter((r) => !r.draining);
  const perModel = new Map<string, { busy: number; free: number; queued: number }>();
  for (const r of live) {
    for (const m of r.models) {
      const key = normalizeModelName(m.name);
      const t = perModel.get(key) ?? { busy: 0, free: 0, queued: 0 };
      perModel.set(key, { busy: t.busy + Math.min(m.inFlight, m.capacity), free: t.free + Math.max(0, m.capacity - m.inFlight), queued: t.queued + Math.max(0, m.inFlight - m.capacity) });
    }
  }
  out.gauge("edge402_runners_connected", "Runners connected through the tunnel (draining ones included).", [{ labels: {}, value: state.runners.length }]);
  out.gauge("edge402_runner_slots", "Job slots of connected runners by model and state (busy, free).", [...perModel].flatMap(([model, t]) => [{ labels: { model, state: "busy" }, value: t.busy }, { labels: { model, state: "free" }, value: t.free }]));
  out.gauge("edge402_queue_depth", "Jobs waiting in runners' queues beyond their slots, by model.", [...perModel].map(([model, t]) => ({ labels: { model }, value: t.queued })));

  const { chain } = state;
  const sources: Sample[] = [{ labels: { source: "chain" }, value: chain.ok || chain.problem === "relayer_out_of_gas" ? 1 : 0 }];
  if (chain.relayer?.balanceWei != null) out.gauge("edge402_relayer_balance_wei", "The relayer account's gas balance, wei.", [{ labels: { address: chain.relayer.address ?? "" }, value: chain.relayer.balanceWei }]);
  if (chain.relayer) out.gauge("edge402_relayer_pending_transactions", "Relayer transactions sent whose outcome is not known yet.", [{ labels: {}, value: chain.relayer.pending }]);
  out.gauge("edge402_settlement_possible", "1 when the edge can settle now (RPC answers and the relayer has gas for a settlement, or the facilitator answers).", [{ labels: { network: chain.network }, value: chain.ok ? 1 : 0 }]);
  if (state.channels) {
    out.gauge("edge402_channel_unclaimed_base_units", "Charged on payment channels but not yet claimed on chain, base units of the asset.", [{ labels: { asset: config.payment.asset.toLowerCase() }, value: state.channels.unclaimed }]);
    out.gauge("edge402_channels_owing", "Payment channels with charges not yet claimed.", [{ labels: {}, value: state.channels.owing }]);
  }
  sources.push({ labels: { source: "channels" }, value: state.channels || !c.env.CHANNEL_CLAIMS ? 1 : 0 });
  out.gauge("edge402_source_up", "1 when /metrics could read the source.", sources);

  return new Response(out.toString(), { headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" } });
}
