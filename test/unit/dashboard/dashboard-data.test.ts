import { describe, expect, it } from "vitest";
import { summarizeCalls } from "../../../worker/operator/dashboard/call-summary.ts";
import { reasonMeaning, REASON_DOCS } from "../../../worker/operator/dashboard/reasons.ts";
import { revenueFromDays } from "../../../worker/operator/dashboard/revenue-windows.ts";
import { JobErrorCodeSchema } from "../../../protocol/job.ts";
import { PaymentReason } from "../../../worker/payments/core/reasons.ts";
import { CallOutcome } from "../../../worker/operator/stats-types.ts";

const NOW = Date.parse("2026-12-03T15:00:00Z");
const day = (d: string, service: string, scheme: string, count: number, amount: string) => ({ day: d, service, scheme, asset: "0xusdc", count, amount });

describe("revenue windows", () => {
  it("sums UTC days into today, 7 and 30 days, by service and scheme, exactly", () => {
    const revenue = revenueFromDays(
      [
        day("2026-11-04", "sentiment", "exact", 1, "10000"), // 30th day back: in the 30-day window
        day("2026-11-27", "sentiment", "batch-settlement", 2, "20000"), // 7th day back
        day("2026-12-03", "sentiment", "exact", 3, "30000"),
        day("2026-12-03", "chat.completions", "batch-settlement", 1, "9007199254740993"), // past 2^53
      ],
      NOW,
    );
    const w = Object.fromEntries(revenue.windows.map((x) => [x.window, x]));
    expect(w.today!.since).toBe("2026-12-03T00:00:00.000Z");
    expect(w.today!.total).toEqual({ count: 4, amount: "9007199254770993" });
    expect(w["7d"]!.total).toEqual({ count: 6, amount: "9007199254790993" });
    expect(w["30d"]!.total).toEqual({ count: 7, amount: "9007199254800993" });
    expect(w["30d"]!.byService).toEqual([
      { service: "chat.completions", count: 1, amount: "9007199254740993" },
      { service: "sentiment", count: 6, amount: "60000" },
    ]);
    expect(revenue.perDay).toContainEqual({ day: "2026-12-03", scheme: "exact", count: 3, amount: "30000" });
  });
});

describe("calls by how they ended", () => {
  it("splits paid calls, refusals and uncharged failures, summed over services and schemes", () => {
    const summary = summarizeCalls([
      { service: "sentiment", scheme: "exact", outcome: "delivered", reason: null, count: 3 },
      { service: "chat", scheme: "exact", outcome: "delivered", reason: null, count: 2 },
      { service: "sentiment", scheme: "none", outcome: "payment_required", reason: "payment_required", count: 4 },
      { service: "chat", scheme: "none", outcome: "payment_required", reason: "payment_required", count: 1 },
      { service: "sentiment", scheme: "exact", outcome: "job_failed", reason: "timeout", count: 1 },
      { service: "sentiment", scheme: "exact", outcome: "settlement_failed", reason: "unexpected_settle_error", count: 1 },
    ]);
    expect(summary).toEqual({
      paid: 5,
      refusals: [{ reason: "payment_required", count: 5 }],
      uncharged: [
        { reason: "timeout", outcome: "job_failed", count: 1 },
        { reason: "unexpected_settle_error", outcome: "settlement_failed", count: 1 },
      ],
    });
  });
});

describe("the reasons page", () => {
  it("explains every core payment reason, every job error code and every uncharged outcome", () => {
    const codes = [...Object.values(PaymentReason), ...JobErrorCodeSchema.options, ...CallOutcome.options.filter((o) => o !== "delivered" && o !== "payment_required")];
    expect(codes.filter((c) => reasonMeaning(c) === null)).toEqual([]);
    expect(new Set(REASON_DOCS.map((d) => d.code)).size).toBe(REASON_DOCS.length);
  });

  it("explains a scheme's verification codes by their pattern, and admits a code it does not know", () => {
    expect(reasonMeaning("invalid_batch_settlement_evm_voucher_signature")).toMatch(/batch-settlement scheme.*voucher signature/);
    expect(reasonMeaning("something_else")).toBeNull();
  });
});
