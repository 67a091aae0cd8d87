import type { EdgeConfig } from "../../config/edge-config.ts";

let started = false;

/**
 * Makes sure the AlertMonitor's alarm runs when alerts are configured: asked once per isolate (its
 * alarm then keeps itself going, across restarts: alarms are durable), on the edge's first request
 * after a start — an uptime monitor's /health is enough. Never awaited by the request.
 */
export function ensureAlertWatch(env: Env, config: EdgeConfig, waitUntil: (p: Promise<unknown>) => void): void {
  if (started || !config.alerts || !env.ALERT_MONITOR) return;
  started = true;
  waitUntil(env.ALERT_MONITOR.getByName("alerts").start().catch(() => void (started = false)));
}
