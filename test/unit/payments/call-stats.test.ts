import { describe, expect, it } from "vitest";
import { reasonLabel, stageDurations, type CallObservation } from "../../../worker/payments/core/call-stats.ts";
import { runPaidCall, type PaidCall } from "../../../worker/payments/core/paid-call.ts";
import type { SubmittedPayment } from "../../../worker/payments/core/submitted-payment.ts";
import { FakeBook, FakeScheme, payloadFor } from "./support/fake-scheme.ts";

// What the payment core tells the operator's counters about each call: outcome, reason, scheme as a
// bounded label, and the stage times of delivered calls — sent under waitUntil, never awaited.

const resource = { url: "https://edge.example/v1/thing", description: "a thing", mimeType: "application/json" };

function call(scheme: FakeScheme, extra: Partial<PaidCall<string>> = {}) {
  const observed: CallObservation[] = [];
  const background: Array<Promise<unknown>> = [];
  const paid: PaidCall<string> = {
    payment: { kind: "v2", payload: payloadFor(scheme.scheme, scheme.network) } as SubmittedPayment,
    schemes: [scheme],
    book: new FakeBook(),
    stats: { observe: async (o) => void observed.push(o) },
    jobTimeoutMs: 120_000,
    waitUntil: (p) => void background.push(p),
    service: "thing",
    price: 1000n,
    resource,
    run: async () => ({ ok: true, model: "m", runnerId: "rn_1", usage: null, modelMs: 40, abandon: () => {}, deliver: () => "result" }),
    ...extra,
  };
  return { paid, observed, settled: () => Promise.all(background) };
}

describe("the payment core's call observations", () => {
  it("a delivered call: its scheme, no reason, and job / model / queue / settlement / total stages", async () => {
    const c = call(new FakeScheme("alpha", "test:1", "fixed"));
    expect((await runPaidCall(c.paid)).kind).toBe("delivered");
    await c.settled();
    expect(c.observed).toHaveLength(1);
    const [o] = c.observed;
    expect(o).toMatchObject({ service: "thing", scheme: "alpha", outcome: "delivered", reason: null });
    expect(Object.keys(o!.stages).sort()).toEqual(["job", "model", "queue", "settlement", "total"]);
    expect(o!.stages.model).toBe(40);
  });

  it("no payment: scheme none, reason payment_required, no stages", async () => {
    const c = call(new FakeScheme("alpha", "test:1", "fixed"), { payment: { kind: "none" } });
    await runPaidCall(c.paid);
    await c.settled();
    expect(c.observed).toEqual([expect.objectContaining({ scheme: "none", outcome: "payment_required", reason: "payment_required", stages: {} })]);
  });

  it("a payment naming a scheme not offered is `unknown`; the client's text is never a label", async () => {
    const c = call(new FakeScheme("alpha", "test:1", "fixed"), { payment: { kind: "v2", payload: payloadFor("x\"y{}", "test:1") } as SubmittedPayment });
    await runPaidCall(c.paid);
    await c.settled();
    expect(c.observed[0]).toMatchObject({ scheme: "unknown", outcome: "payment_required", reason: "unsupported_scheme" });
  });

  it("a failed job carries the job's error code", async () => {
    const c = call(new FakeScheme("alpha", "test:1", "fixed"), { run: async () => ({ ok: false, failure: "503", code: "no_runner" }) });
    expect((await runPaidCall(c.paid)).kind).toBe("job_failed");
    await c.settled();
    expect(c.observed[0]).toMatchObject({ scheme: "alpha", outcome: "job_failed", reason: "no_runner" });
  });

  it("a failed settlement carries the scheme's reason", async () => {
    const refusal = { reason: "insufficient_funds", message: "no" };
    const scheme = new FakeScheme("alpha", "test:1", "fixed", { settle: async () => ({ ok: false, refusal, receipt: { success: false, transaction: "", network: "test:1" } as never, outcomeUnknown: false, reference: null }) });
    const c = call(scheme);
    expect((await runPaidCall(c.paid)).kind).toBe("settlement_failed");
    await c.settled();
    expect(c.observed[0]).toMatchObject({ outcome: "settlement_failed", reason: "insufficient_funds" });
  });

  it("a stats object that fails costs the call nothing", async () => {
    const c = call(new FakeScheme("alpha", "test:1", "fixed"), { stats: { observe: async () => Promise.reject(new Error("stats down")) } });
    expect((await runPaidCall(c.paid)).kind).toBe("delivered");
    await expect(c.settled()).resolves.toBeDefined();
  });
});

describe("stage durations and reason labels", () => {
  const marks = [{ name: "verify", ms: 2 }, { name: "reserve", ms: 3 }, { name: "job", ms: 500 }, { name: "preflight", ms: 7 }, { name: "settle", ms: 90 }, { name: "record", ms: 3 }];

  it("splits the job into queue and model when the model's time is known", () => {
    expect(stageDurations(marks, 420)).toEqual({ job: 500, model: 420, queue: 80, settlement: 100, total: 605 });
  });

  it("leaves queue and model out when it is not (a stream before its end)", () => {
    expect(stageDurations(marks, null)).toEqual({ job: 500, settlement: 100, total: 605 });
  });

  it("keeps snake_case codes and folds anything else into `other`", () => {
    expect(reasonLabel("invalid_exact_evm_payload_signature")).toBe("invalid_exact_evm_payload_signature");
    expect(reasonLabel("Facilitator said: nope")).toBe("other");
    expect(reasonLabel("x".repeat(200))).toBe("other");
    expect(reasonLabel(null)).toBeNull();
  });
});
