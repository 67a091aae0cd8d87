import type { z } from "zod";
import type { CallCount } from "../stats-types.ts";
import type { DashboardData } from "./data-schema.ts";

/**
 * Paid calls, refusals (402: the payment was refused, or none was sent) and uncharged failures
 * (the job or its settlement failed; nothing was charged) by reason, over every service and scheme.
 */
export function summarizeCalls(calls: ReadonlyArray<z.infer<typeof CallCount>>): NonNullable<DashboardData["calls"]> {
  const paid = calls.filter((c) => c.outcome === "delivered").reduce((n, c) => n + c.count, 0);
  const refusals = new Map<string, number>();
  const uncharged = new Map<string, { outcome: string; count: number }>();
  for (const call of calls) {
    if (call.outcome === "delivered") continue;
    const reason = call.reason ?? call.outcome;
    if (call.outcome === "payment_required") refusals.set(reason, (refusals.get(reason) ?? 0) + call.count);
    else {
      const key = `${call.outcome} ${reason}`;
      uncharged.set(key, { outcome: call.outcome, count: (uncharged.get(key)?.count ?? 0) + call.count });
    }
  }
  return {
    paid,
    refusals: [...refusals].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    uncharged: [...uncharged]
      .map(([key, v]) => ({ reason: key.split(" ")[1]!, outcome: v.outcome, count: v.count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
