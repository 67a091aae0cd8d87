/**
 * When the operator is told (ALERT_WEBHOOK_URL), decided from one observation of the edge at a time
 * and what was remembered from the last: pure, so the rules are tested without a clock or a network.
 * Each alert fires once when its condition starts and resolves once when it ends — never every check.
 */
export const ALERTS = ["no_runner", "relayer_gas_low", "settlements_failing"] as const;
export type AlertName = (typeof ALERTS)[number];

export interface AlertSettings {
  /** No runner connected for this long fires no_runner. */
  noRunnerMs: number;
  /** This many settlement failures since the last check fires settlements_failing. */
  settlementFailures: number;
}

export interface EdgeObservation {
  at: number;
  runnersOnline: number;
  /** null: no relayer (remote facilitator) or its balance could not be read this time. */
  gas: "ok" | "low" | "empty" | null;
  /** All-time count of settlement_failed outcomes (a counter: only its increase matters). */
  settlementFailures: number;
}

export interface AlertMemory {
  /** When runners were first seen missing (null: some are connected). */
  noRunnerSince: number | null;
  settlementFailures: number | null;
  firing: AlertName[];
}

export interface AlertEvent {
  alert: AlertName;
  status: "firing" | "resolved";
  message: string;
}

export const FRESH_MEMORY: AlertMemory = { noRunnerSince: null, settlementFailures: null, firing: [] };

export function evaluateAlerts(memory: AlertMemory, seen: EdgeObservation, settings: AlertSettings): { memory: AlertMemory; events: AlertEvent[] } {
  const noRunnerSince = seen.runnersOnline > 0 ? null : (memory.noRunnerSince ?? seen.at);
  const failedSince = memory.settlementFailures === null ? 0 : Math.max(0, seen.settlementFailures - memory.settlementFailures);
  const active: Record<AlertName, string | null> = {
    no_runner: noRunnerSince !== null && seen.at - noRunnerSince >= settings.noRunnerMs ? `no runner has been connected for ${Math.round((seen.at - noRunnerSince) / 1000)} s: nothing can be sold` : null,
    // Unknown gas (an RPC hiccup) keeps whatever state the alert had: neither fire nor resolve on no data.
    relayer_gas_low: seen.gas === null ? (memory.firing.includes("relayer_gas_low") ? "(unchanged)" : null) : seen.gas === "ok" ? null : `the relayer's gas is ${seen.gas === "empty" ? "gone: settlements cannot be paid for" : "low: top it up before settlements fail"}`,
    settlements_failing: failedSince >= settings.settlementFailures ? `${failedSince} settlements failed since the last check` : null,
  };
  const events: AlertEvent[] = [];
  const firing: AlertName[] = [];
  for (const alert of ALERTS) {
    const message = active[alert];
    const was = memory.firing.includes(alert);
    if (message !== null) firing.push(alert);
    if (message !== null && !was) events.push({ alert, status: "firing", message });
    if (message === null && was) events.push({ alert, status: "resolved", message: RESOLVED[alert] });
  }
  return { memory: { noRunnerSince, settlementFailures: seen.settlementFailures, firing }, events };
}

const RESOLVED: Record<AlertName, string> = {
  no_runner: "a runner is connected again",
  relayer_gas_low: "the relayer has gas again",
  settlements_failing: "no settlement failed since the last check",
};
