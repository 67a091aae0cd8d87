import { describe, expect, it } from "vitest";
import { evaluateAlerts, FRESH_MEMORY, type AlertMemory, type EdgeObservation } from "../../../worker/operator/alerts/alert-rules.ts";

// When the webhook is told: each alert once when it starts and once when it ends, never every check.

const settings = { noRunnerMs: 60_000, settlementFailures: 3 };
const seen = (o: Partial<EdgeObservation>): EdgeObservation => ({ at: 0, runnersOnline: 1, gas: "ok", settlementFailures: 0, ...o });

/** Runs the observations in order, collecting every event as "alert:status". */
function replay(observations: EdgeObservation[], memory: AlertMemory = FRESH_MEMORY): string[] {
  const out: string[] = [];
  for (const o of observations) {
    const next = evaluateAlerts(memory, o, settings);
    memory = next.memory;
    out.push(...next.events.map((e) => `${e.alert}:${e.status}`));
  }
  return out;
}

describe("alert rules", () => {
  it("no_runner fires only after the runners have been gone for the whole window, once, and resolves once", () => {
    expect(replay([seen({ at: 0, runnersOnline: 0 }), seen({ at: 59_999, runnersOnline: 0 })])).toEqual([]);
    expect(replay([seen({ at: 0, runnersOnline: 0 }), seen({ at: 60_000, runnersOnline: 0 }), seen({ at: 120_000, runnersOnline: 0 }), seen({ at: 130_000, runnersOnline: 1 })])).toEqual(["no_runner:firing", "no_runner:resolved"]);
    // A runner that comes back in between restarts the window.
    expect(replay([seen({ at: 0, runnersOnline: 0 }), seen({ at: 30_000, runnersOnline: 1 }), seen({ at: 61_000, runnersOnline: 0 }), seen({ at: 100_000, runnersOnline: 0 })])).toEqual([]);
  });

  it("relayer_gas_low fires on low or empty, keeps its state while the balance cannot be read", () => {
    expect(replay([seen({ gas: "low" }), seen({ gas: "empty" }), seen({ gas: null }), seen({ gas: "ok" })])).toEqual(["relayer_gas_low:firing", "relayer_gas_low:resolved"]);
    expect(replay([seen({ gas: null }), seen({ gas: "ok" })])).toEqual([]);
  });

  it("settlements_failing counts failures since the last check, not since the start", () => {
    expect(replay([seen({ settlementFailures: 100 })])).toEqual([]); // the first look only learns the counter
    expect(replay([seen({ settlementFailures: 10 }), seen({ settlementFailures: 12 }), seen({ settlementFailures: 15 }), seen({ settlementFailures: 15 })])).toEqual(["settlements_failing:firing", "settlements_failing:resolved"]);
  });

  it("says what is wrong in words", () => {
    const { events } = evaluateAlerts({ ...FRESH_MEMORY, noRunnerSince: 0 }, seen({ at: 90_000, runnersOnline: 0, gas: "empty" }), settings);
    expect(events.map((e) => e.message)).toEqual(["no runner has been connected for 90 s: nothing can be sold", "the relayer's gas is gone: settlements cannot be paid for"]);
  });
});
