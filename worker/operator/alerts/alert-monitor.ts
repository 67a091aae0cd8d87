import { DurableObject } from "cloudflare:workers";
import { edgeConfigFor } from "../../config/edge-config.ts";
import { statsTotals } from "../../payments/stats/stats-binding.ts";
import { readEdgeState } from "../edge-state.ts";
import { evaluateAlerts, FRESH_MEMORY, type AlertEvent, type AlertMemory } from "./alert-rules.ts";

const MEMORY_KEY = "alert-memory";
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The edge's alert watch (one object, "alerts"): while ALERT_WEBHOOK_URL is set, its alarm looks at
 * the edge every ALERT_CHECK_SECONDS (runners, relayer gas, settlement failures) and POSTs each
 * alert's start and end to the webhook as JSON. An alarm, not a cron trigger: it runs the same
 * under wrangler dev and deployed, and its memory (what is firing) lives in its storage.
 */
export class AlertMonitor extends DurableObject<Env> {
  /** Called by the Worker (once per isolate): makes sure the alarm runs. */
  async start(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const parsed = edgeConfigFor(this.env);
    if (!parsed.ok || !parsed.config.alerts) return; // unset: the watch stops until configured again
    const { config } = parsed;
    const alerts = config.alerts!;
    try {
      const [state, stats] = await Promise.all([readEdgeState(this.env, config), statsTotals(this.env)]);
      const memory = (await this.ctx.storage.get<AlertMemory>(MEMORY_KEY)) ?? FRESH_MEMORY;
      const next = evaluateAlerts(
        memory,
        {
          at: Date.now(),
          runnersOnline: state.runners.filter((r) => !r.draining).length,
          gas: state.chain.relayer?.level ?? null,
          settlementFailures: stats.calls.filter((c) => c.outcome === "settlement_failed").reduce((n, c) => n + c.count, 0),
        },
        { noRunnerMs: alerts.noRunnerSeconds * 1000, settlementFailures: alerts.settlementFailures },
      );
      // Remembered only once told: a webhook that failed is told again at the next check.
      const delivered = await Promise.all(next.events.map((event) => this.notify(alerts, config.payment.network, event)));
      const undelivered = next.events.filter((_, i) => !delivered[i]);
      await this.ctx.storage.put(MEMORY_KEY, undelivered.length === 0 ? next.memory : { ...next.memory, firing: rollBack(next.memory.firing, undelivered) });
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + alerts.checkSeconds * 1000);
    }
  }

  private async notify(to: { webhookUrl: string; webhookToken: string | null }, network: string, event: AlertEvent): Promise<boolean> {
    try {
      const response = await fetch(to.webhookUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(to.webhookToken ? { Authorization: `Bearer ${to.webhookToken}` } : {}) },
        body: JSON.stringify({ source: "edge402", network, ...event, at: new Date().toISOString() }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (!response.ok) console.error(`alert webhook answered ${response.status} for ${event.alert} ${event.status}`);
      return response.ok;
    } catch (error) {
      // The URL is left out: webhook URLs often carry their own secret.
      console.error(`alert webhook unreachable for ${event.alert} ${event.status}: ${error instanceof Error ? error.name : "error"}`);
      return false;
    }
  }
}

/** Undo the state change of events that were not delivered, so they are sent again next time. */
function rollBack(firing: AlertMemory["firing"], undelivered: AlertEvent[]): AlertMemory["firing"] {
  const set = new Set(firing);
  for (const e of undelivered) {
    if (e.status === "firing") set.delete(e.alert);
    else set.add(e.alert);
  }
  return [...set];
}
