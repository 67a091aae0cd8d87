import { describe, expect, it, vi } from "vitest";
import { MIN_JOB_TIME_MS, runPaidCall, SETTLEMENT_MARGIN_MS, type JobOutcome, type PaidCall } from "../../../worker/payments/core/paid-call.ts";
import type { JobUsage } from "../../../worker/payments/core/payment-book.ts";
import { PaymentReason } from "../../../worker/payments/core/reasons.ts";
import type { SubmittedPayment } from "../../../worker/payments/core/submitted-payment.ts";
import { paymentRequiredV1, paymentRequiredV2 } from "../../../worker/payments/core/terms.ts";
import { FakeBook, FakeScheme, payloadFor, receipt, verifiedPayment } from "./support/fake-scheme.ts";

// The payment core against a fake scheme, a fake ledger and a fake job: every branch of the
// lifecycle, in milliseconds, with no chain and no workerd. The real schemes are tested on their own
// (verify-exact, relayer-core) and the whole path end to end (test/e2e).

const resource = { url: "https://edge.example/v1/thing", description: "a thing", mimeType: "application/json" };
const USAGE: JobUsage = { promptTokens: 10, completionTokens: 20 };

interface Job {
  outcome: JobOutcome<string>;
  delivered: Array<Parameters<Extract<JobOutcome<string>, { ok: true }>["deliver"]>[0]>;
  abandoned: number;
  signal: AbortSignal | null;
  timeoutMs: number | null;
}

/** A job whose result is delivered as a string; `stream` makes it a stream whose usage arrives later. */
function job(options: { fail?: boolean; throws?: boolean; usage?: JobUsage | null; stream?: Promise<JobUsage | null>; waitForAbort?: boolean } = {}) {
  const state: Job = { delivered: [], abandoned: 0, signal: null, timeoutMs: null, outcome: { ok: false, failure: "job failed" } };
  const run: PaidCall<string>["run"] = async ({ signal, timeoutMs }) => {
    state.signal = signal;
    state.timeoutMs = timeoutMs;
    if (options.throws) throw new Error("defect");
    if (options.waitForAbort) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    if (options.fail || (options.waitForAbort && signal.aborted)) return (state.outcome = { ok: false, failure: "job failed" });
    state.outcome = {
      ok: true,
      model: "m",
      runnerId: "rn_1",
      usage: options.stream ? null : (options.usage === undefined ? USAGE : options.usage),
      ...(options.stream ? { streamUsage: options.stream } : {}),
      abandon: () => void state.abandoned++,
      deliver: (settlement) => {
        state.delivered.push(settlement);
        return "result";
      },
    };
    return state.outcome;
  };
  return { state, run };
}

function paidCall(scheme: FakeScheme | FakeScheme[], run: PaidCall<string>["run"], extra: Partial<PaidCall<string>> = {}) {
  const schemes = Array.isArray(scheme) ? scheme : [scheme];
  const first = schemes[0]!;
  const background: Array<Promise<unknown>> = [];
  const book = new FakeBook();
  const call: PaidCall<string> = {
    payment: { kind: "v2", payload: payloadFor(first.scheme, first.network) } as SubmittedPayment,
    schemes,
    book,
    jobTimeoutMs: 120_000,
    waitUntil: (p) => void background.push(p),
    service: "thing",
    price: 1000n,
    resource,
    run,
    ...extra,
  };
  return { call, book, settled: () => Promise.all(background) };
}

describe("runPaidCall: refusals before anything is reserved", () => {
  it("answers an unpaid call with every scheme's offer, in the configured order", async () => {
    const a = new FakeScheme("alpha", "test:1", "metered");
    const b = new FakeScheme("beta", "test:1", "fixed");
    const { run } = job();
    const { call } = paidCall([a, b], run, { payment: { kind: "none" } });
    const result = await runPaidCall(call);
    expect(result.kind).toBe("payment_required");
    if (result.kind !== "payment_required") return;
    expect(result.refusal.reason).toBe(PaymentReason.paymentRequired);
    expect(paymentRequiredV2(result.terms, result.refusal).accepts.map((r) => r.scheme)).toEqual(["alpha", "beta"]);
    expect(a.calls).toEqual([]);
  });

  it("passes a payload that did not decode through, with its reason", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed");
    const { run, state } = job();
    const refusal = { reason: PaymentReason.invalidPayload, message: "garbage" };
    const result = await runPaidCall(paidCall(s, run, { payment: { kind: "invalid", refusal } }).call);
    expect(result).toMatchObject({ kind: "payment_required", refusal });
    expect(state.signal).toBeNull();
  });

  it.each([
    ["a scheme that is not offered", payloadFor("gamma", "test:1"), PaymentReason.unsupportedScheme],
    ["an offered scheme on another network", payloadFor("alpha", "test:2"), PaymentReason.invalidNetwork],
  ])("refuses %s without asking any scheme", async (_name, payload, reason) => {
    const s = new FakeScheme("alpha", "test:1", "fixed");
    const { run } = job();
    const result = await runPaidCall(paidCall(s, run, { payment: { kind: "v2", payload } as SubmittedPayment }).call);
    expect(result.kind === "payment_required" && result.refusal.reason).toBe(reason);
    expect(s.calls).toEqual([]);
  });

  it("picks the scheme a payment names among several, and v1 by its network name", async () => {
    const a = new FakeScheme("alpha", "test:1", "fixed");
    const b = new FakeScheme("beta", "test:1", "fixed", {}, "testnet");
    const { run } = job();
    const v1 = { kind: "v1", payload: { x402Version: 1, scheme: "beta", network: "testnet", payload: {} } } as SubmittedPayment;
    expect((await runPaidCall(paidCall([a, b], run, { payment: v1 }).call)).kind).toBe("delivered");
    expect(a.calls).toEqual([]);
    expect(b.ops()).toEqual(["verify", "reserve", "preflight", "settle"]);
    const v1Elsewhere = { kind: "v1", payload: { x402Version: 1, scheme: "alpha", network: "testnet", payload: {} } } as SubmittedPayment;
    const refused = await runPaidCall(paidCall([a, b], run, { payment: v1Elsewhere }).call);
    expect(refused.kind === "payment_required" && refused.refusal).toMatchObject({ reason: PaymentReason.invalidNetwork, message: expect.stringContaining("x402 v1 cannot pay") });
  });

  it("refuses what the scheme's verification refuses, and reserves nothing", async () => {
    const refusal = { reason: "scheme_says_no", message: "bad signature" };
    const s = new FakeScheme("alpha", "test:1", "fixed", { verify: () => ({ ok: false, refusal }) });
    const { run, state } = job();
    expect(await runPaidCall(paidCall(s, run).call)).toMatchObject({ kind: "payment_required", refusal });
    expect(s.ops()).toEqual(["verify"]);
    expect(state.signal).toBeNull();
  });

  it("asks verification for room for the shortest job and its settlement", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed");
    await runPaidCall(paidCall(s, job().run).call);
    expect(s.calls[0]).toMatchObject({ op: "verify", ctx: { minValidityMs: MIN_JOB_TIME_MS + SETTLEMENT_MARGIN_MS } });
  });

  it("refuses a payment already in use (reservation refused) without running the job", async () => {
    const refusal = { reason: PaymentReason.paymentInFlight, message: "busy" };
    const s = new FakeScheme("alpha", "test:1", "fixed", { reserve: refusal });
    const { run, state } = job();
    expect(await runPaidCall(paidCall(s, run).call)).toMatchObject({ kind: "payment_required", refusal });
    expect(s.ops()).toEqual(["verify", "reserve"]);
    expect(state.signal).toBeNull();
  });
});

describe("runPaidCall: after the reservation, every path settles, releases or holds", () => {
  it("bounds the job by the payment's deadline, less the settlement margin", async () => {
    const settleBy = Date.now() + 60_000;
    const s = new FakeScheme("alpha", "test:1", "fixed", { verify: () => ({ ok: true, payment: verifiedPayment({ settleBy }) }) });
    const { run, state } = job();
    await runPaidCall(paidCall(s, run).call);
    expect(state.timeoutMs).toBeLessThanOrEqual(60_000 - SETTLEMENT_MARGIN_MS);
    expect(state.timeoutMs).toBeGreaterThan(60_000 - SETTLEMENT_MARGIN_MS - 1_000);
    expect(s.calls.find((c) => c.op === "reserve")).toEqual({ op: "reserve", leaseMs: state.timeoutMs! + 2 * SETTLEMENT_MARGIN_MS });
  });

  it("releases and charges nothing when the job fails", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed");
    const { call, book } = paidCall(s, job({ fail: true }).run);
    expect(await runPaidCall(call)).toEqual({ kind: "job_failed", failure: "job failed" });
    expect(s.ops()).toEqual(["verify", "reserve", "preflight", "release"]);
    expect(book.entries).toEqual([]);
  });

  it("releases and reports an internal error when the job throws", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed");
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { call, book } = paidCall(s, job({ throws: true }).run);
    expect(await runPaidCall(call)).toEqual({ kind: "internal_error" });
    expect(s.ops()).toContain("release");
    expect(s.ops()).not.toContain("settle");
    expect(book.entries).toEqual([]);
    error.mockRestore();
  });

  it("cancels the job when the preflight says no, and answers with the preflight's reason", async () => {
    const refusal = { reason: "insufficient", message: "no funds" };
    const s = new FakeScheme("alpha", "test:1", "fixed", { preflight: async () => refusal });
    const { run, state } = job({ waitForAbort: true });
    const { call, book } = paidCall(s, run);
    expect(await runPaidCall(call)).toMatchObject({ kind: "payment_required", refusal });
    expect(state.signal?.aborted).toBe(true);
    expect(s.ops()).toEqual(["verify", "reserve", "preflight", "release"]);
    expect(book.entries).toEqual([]);
  });

  it("drops a finished result when the preflight says no after the job ended", async () => {
    let say!: (r: { reason: string; message: string }) => void;
    const s = new FakeScheme("alpha", "test:1", "fixed", { preflight: () => new Promise((resolve) => (say = resolve)) });
    const { run, state } = job();
    const pending = runPaidCall(paidCall(s, run).call);
    await vi.waitFor(() => expect(state.outcome.ok).toBe(true));
    say({ reason: "late_no", message: "chain said no" });
    expect(await pending).toMatchObject({ kind: "payment_required", refusal: { reason: "late_no" } });
    expect(state.abandoned).toBe(1);
    expect(state.delivered).toEqual([]);
    expect(s.ops()).not.toContain("settle");
  });

  it("withholds the result and releases when settlement fails for certain", async () => {
    const failed = receipt(false, { errorReason: "reverted" });
    const s = new FakeScheme("alpha", "test:1", "fixed", { settle: async () => ({ ok: false, refusal: { reason: "reverted", message: "no" }, receipt: failed, outcomeUnknown: false, reference: "0xref" }) });
    const { run, state } = job();
    const { call, book } = paidCall(s, run);
    expect(await runPaidCall(call)).toMatchObject({ kind: "settlement_failed", refusal: { reason: "reverted" }, receipt: failed });
    expect(s.ops()).toEqual(["verify", "reserve", "preflight", "settle", "release"]);
    expect(state.abandoned).toBe(1);
    expect(state.delivered).toEqual([]);
    expect(book.entries).toEqual([]);
  });

  it("holds the payment (never serves it again) when settlement's outcome is unknown", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed", {
      settle: async () => ({ ok: false, refusal: { reason: PaymentReason.settlementPending, message: "?" }, receipt: receipt(false), outcomeUnknown: true, reference: "0xmaybe" }),
    });
    const { call } = paidCall(s, job().run);
    expect((await runPaidCall(call)).kind).toBe("settlement_failed");
    expect(s.calls.at(-1)).toEqual({ op: "hold", reference: "0xmaybe" });
    expect(s.ops()).not.toContain("release");
  });

  it("holds, with an unexpected_settle_error, when settlement throws", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed", { settle: async () => Promise.reject(new Error("socket hang up")) });
    const result = await runPaidCall(paidCall(s, job().run).call);
    expect(result).toMatchObject({ kind: "settlement_failed", refusal: { reason: PaymentReason.unexpectedSettleError }, receipt: { success: false, errorReason: PaymentReason.unexpectedSettleError } });
    expect(s.calls.at(-1)).toEqual({ op: "hold", reference: null });
  });

  it("delivers a fixed-price result: charges the whole amount, records it, hands the receipt and stage times to the transport", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed");
    const { run, state } = job();
    const { call, book } = paidCall(s, run, { meter: () => 1n });
    expect(await runPaidCall(call)).toEqual({ kind: "delivered", result: "result" });
    expect(s.calls.find((c) => c.op === "settle")).toEqual({ op: "settle", amount: 1000n, final: true });
    expect(book.entries).toEqual([
      expect.objectContaining({ scheme: "alpha", replayKey: "replay-1", authorized: "1000", charged: "1000", settlementRef: "ref:1000", txHash: "0xtx", service: "thing", promptTokens: 10, completionTokens: 20 }),
    ]);
    expect(state.delivered[0]!.receipt.success).toBe(true);
    expect(state.delivered[0]!.stages.map((st) => st.name)).toEqual(["verify", "reserve", "job", "preflight", "settle", "record"]);
    expect(s.ops()).not.toContain("release");
  });

  it("still delivers a paid result when the ledger write fails (the money moved)", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed");
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { call, book } = paidCall(s, job().run);
    book.failing = true;
    expect(await runPaidCall(call)).toEqual({ kind: "delivered", result: "result" });
    expect(error).toHaveBeenCalledWith(expect.stringContaining("LEDGER WRITE FAILED"));
    error.mockRestore();
  });

  it("charges a metered result what it used, never more than the payment allows", async () => {
    for (const [cost, expected] of [[300n, 300n], [5000n, 1000n], [-5n, 0n]] as const) {
      const s = new FakeScheme("alpha", "test:1", "metered");
      const { call, book } = paidCall(s, job().run, { meter: (usage) => (usage === USAGE ? cost : -1n) });
      await runPaidCall(call);
      expect(s.calls.find((c) => c.op === "settle")).toEqual({ op: "settle", amount: expected, final: true });
      expect(book.entries[0]!.charged).toBe(expected.toString());
    }
  });

  it("settles a metered stream provisionally, then finalizes and records what it used when it ends", async () => {
    let end!: (usage: JobUsage | null) => void;
    const stream = new Promise<JobUsage | null>((resolve) => (end = resolve));
    const s = new FakeScheme("alpha", "test:1", "metered");
    const { run, state } = job({ stream });
    const { call, book, settled } = paidCall(s, run, { meter: (u) => BigInt(u.completionTokens * 7) });
    expect((await runPaidCall(call)).kind).toBe("delivered");
    expect(s.calls.find((c) => c.op === "settle")).toEqual({ op: "settle", amount: 1000n, final: false });
    expect(book.entries).toEqual([]); // nothing final until the stream ends
    end(USAGE);
    await settled();
    expect(s.calls.at(-1)).toEqual({ op: "finalize", amount: 140n });
    expect(book.entries).toEqual([expect.objectContaining({ charged: "140", settlementRef: "final:140", promptTokens: 10, completionTokens: 20 })]);
    // The stream's transport gets the final charge, to state it in the stream's last event.
    expect(await state.delivered[0]!.final).toMatchObject({ extra: { chargedAmount: "140" } });
  });

  it("finalizes a metered stream that ended without usage at zero", async () => {
    const s = new FakeScheme("alpha", "test:1", "metered");
    const { call, book, settled } = paidCall(s, job({ stream: Promise.resolve(null) }).run);
    await runPaidCall(call);
    await settled();
    expect(s.calls.at(-1)).toEqual({ op: "finalize", amount: 0n });
    expect(book.entries[0]!.charged).toBe("0");
  });

  it("records a metered stream's provisional charge when finalizing it fails, so the ledger says what the scheme holds", async () => {
    const s = new FakeScheme("alpha", "test:1", "metered");
    s.finalize = async () => {
      throw new Error("channel object unreachable");
    };
    const { call, book, settled } = paidCall(s, job({ stream: Promise.resolve(USAGE) }).run);
    expect((await runPaidCall(call)).kind).toBe("delivered");
    await settled();
    expect(book.entries).toEqual([expect.objectContaining({ charged: "1000", authorized: "1000" })]);
  });

  it("records a fixed-price stream at once and its token counts when it ends", async () => {
    const s = new FakeScheme("alpha", "test:1", "fixed");
    const { call, book, settled } = paidCall(s, job({ stream: Promise.resolve(USAGE) }).run);
    await runPaidCall(call);
    expect(book.entries).toHaveLength(1);
    await settled();
    expect(book.usage).toEqual([{ key: { scheme: "alpha", replayKey: "replay-1" }, usage: USAGE }]);
  });
});

describe("payment terms with a scheme's correction", () => {
  it("merge the correction into that scheme's extra only, in both x402 versions", async () => {
    const a = new FakeScheme("alpha", "test:1", "metered", {}, "testnet");
    const b = new FakeScheme("beta", "test:1", "fixed", {}, "testnet");
    const refusal = { reason: "resync", message: "m", correction: { scheme: "alpha", network: "test:1", extra: { channelState: { cumulative: "7" } } } };
    const { call } = paidCall([a, b], job().run, { payment: { kind: "invalid", refusal } });
    const result = await runPaidCall(call);
    if (result.kind !== "payment_required") throw new Error(result.kind);
    const v2 = paymentRequiredV2(result.terms, result.refusal);
    expect(v2.error).toBe("resync");
    expect(v2.accepts.map((r) => r.extra)).toEqual([{ kind: "alpha", channelState: { cumulative: "7" } }, { kind: "beta" }]);
    expect(paymentRequiredV1(result.terms, result.refusal)!.accepts.map((r) => r.extra)).toEqual([{ channelState: { cumulative: "7" } }, {}]);
  });
});
