import type { SettleResponse } from "@x402/core/types";
import type { JobUsage, PaymentBook, PaymentEntry } from "./payment-book.ts";
import type { PaymentScheme, SchemeOffer, SchemeSettlement, VerifiedPayment } from "./payment-scheme.ts";
import { PaymentReason, type PaymentRefusal } from "./reasons.ts";
import { StageTimes, type Stage } from "./stage-times.ts";
import type { SubmittedPayment } from "./submitted-payment.ts";
import { chooseEntry } from "./choose-offer.ts";
import { buildPaymentTerms, type PaidResource, type PaymentTerms, type TermsEntry } from "./terms.ts";
import { NO_SCHEME, reasonLabel, stageDurations, UNKNOWN_SCHEME, type CallObservation, type CallStats } from "./call-stats.ts";
import { schemeOf } from "./wire.ts";

export type { JobUsage } from "./payment-book.ts";

/** Time kept between the end of a job and the payment's deadline, for settlement to land. */
export const SETTLEMENT_MARGIN_MS = 15_000;
/** A payment must leave at least this long for the job itself. */
export const MIN_JOB_TIME_MS = 5_000;

/** What a delivered result carries back to its transport: the receipt and where the time went. */
export interface Settlement {
  receipt: SettleResponse;
  stages: Stage[];
  /**
   * A metered stream's final charge, once it ended and was finalized (null if that failed): the
   * receipt above went out before the tokens were counted, so the stream's last event states this.
   */
  final?: Promise<SettleResponse | null>;
}

/**
 * What a service produced, in its transport's terms `T` (an HTTP Response, an MCP tool result).
 * `ok: false` means nothing billable happened: the payment is released and `failure` goes out as is.
 * `ok: true` means a result is ready — whole, or a stream whose first chunk has already arrived — and
 * is delivered only once settlement succeeded.
 */
export type JobOutcome<T> =
  /** `code`: the failure's code (a job error code), for the operator's counts. */
  | { ok: false; failure: T; code?: string }
  | {
      ok: true;
      deliver(settlement: Settlement): T;
      /** Settlement failed: stop the job (a stream still running on a runner) and drop the result. */
      abandon(): void;
      model: string | null;
      runnerId: string | null;
      /** Token counts: known now for whole results; for a stream, `streamUsage` resolves when it ends. */
      usage: JobUsage | null;
      streamUsage?: Promise<JobUsage | null>;
      /** The model's own run time (Ollama's total_duration), when the runner reported it before delivery. */
      modelMs?: number | null;
    };

/** One paid call, as the payment core sees it: no HTTP, no MCP, no scheme — a payment, a price, a job. */
export interface PaidCall<T> {
  payment: SubmittedPayment;
  /** The schemes this edge offers, in the order its 402s list them. */
  schemes: readonly PaymentScheme[];
  book: PaymentBook;
  /** Where the call's outcome and timings are counted (absent: not counted, e.g. in unit tests). */
  stats?: CallStats;
  jobTimeoutMs: number;
  waitUntil(promise: Promise<unknown>): void;
  /** Ledger label, e.g. "chat.completions". */
  service: string;
  /** The quoted price: what fixed-price schemes charge, and the ceiling for metered ones. */
  price: bigint;
  /** What the call actually cost for its usage, for metered schemes (capped at the price); absent: the price. */
  meter?(usage: JobUsage): bigint;
  resource: PaidResource;
  /**
   * Runs the job; `timeoutMs` already accounts for the payment's remaining validity, and `signal`
   * aborts when the payment turns out not to be settleable (the job is then cancelled on its runner).
   */
  run(options: { timeoutMs: number; signal: AbortSignal }): Promise<JobOutcome<T>>;
}

/** How a paid call ended; each transport renders these in its own terms (402 / tool result …). */
export type PaidCallResult<T> =
  /** No payment, or one refused before or alongside the job: nothing ran to completion, nothing charged. */
  | { kind: "payment_required"; terms: PaymentTerms; refusal: PaymentRefusal }
  /** The job produced a result but settlement failed: the result is withheld. */
  | { kind: "settlement_failed"; terms: PaymentTerms; refusal: PaymentRefusal; receipt: SettleResponse }
  /** The job failed (no runner, model error, timeout …): nothing charged. */
  | { kind: "job_failed"; failure: T }
  /** The job threw: a defect, logged; nothing charged. */
  | { kind: "internal_error" }
  | { kind: "delivered"; result: T };

/**
 * The payment core, independent of transport, of the service sold and of the payment scheme:
 * pick the scheme → verify locally → reserve → run (the scheme's preflight alongside) → settle →
 * record → deliver. Every path after the reservation either settles, releases or (outcome unknown)
 * holds the payment; nothing is charged for a result that is not delivered.
 */
export async function runPaidCall<T>(call: PaidCall<T>): Promise<PaidCallResult<T>> {
  const probe: CallProbe = { reason: null, delivered: null };
  const result = await runPaidCallFor(call, probe);
  if (call.stats) {
    // Worked out here, after the answer is decided: nothing of it sits on the path to delivery.
    const stages = probe.delivered ? stageDurations(probe.delivered.stages, probe.delivered.modelMs) : {};
    const observation: CallObservation = { at: Date.now(), service: call.service, scheme: schemeLabel(call), outcome: result.kind, reason: reasonOf(result, probe), stages };
    call.waitUntil(call.stats.observe(observation).catch((error: unknown) => console.error(`call stats not recorded: ${describe(error)}`)));
  }
  return result;
}

/** What the operator's counts need from inside a call: a job failure's code, a delivered call's stage marks. */
interface CallProbe {
  reason: string | null;
  delivered: { stages: readonly Stage[]; modelMs: number | null | undefined } | null;
}

/** The payment's scheme as a label: one offered here, or none/unknown (never the client's own text). */
function schemeLabel(call: PaidCall<unknown>): string {
  const submitted = call.payment;
  if (submitted.kind === "none") return NO_SCHEME;
  if (submitted.kind === "invalid") return UNKNOWN_SCHEME;
  const named = schemeOf(submitted.payload).scheme;
  return call.schemes.some((s) => s.scheme === named) ? named : UNKNOWN_SCHEME;
}

function reasonOf(result: PaidCallResult<unknown>, probe: CallProbe): string | null {
  switch (result.kind) {
    case "payment_required":
    case "settlement_failed":
      return reasonLabel(result.refusal.reason);
    case "job_failed":
      return reasonLabel(probe.reason) ?? "job_failed";
    case "internal_error":
      return "internal_error";
    case "delivered":
      return null;
  }
}

async function runPaidCallFor<T>(call: PaidCall<T>, probe: CallProbe): Promise<PaidCallResult<T>> {
  const { payment: submitted } = call;
  const terms = buildPaymentTerms(call.schemes, call.price, call.resource);
  const refuse = (refusal: PaymentRefusal): PaidCallResult<T> => ({ kind: "payment_required", terms, refusal });
  if (submitted.kind === "none") return refuse({ reason: PaymentReason.paymentRequired, message: `pay ${call.price} base units of ${assetsOf(terms)} to use this resource` });
  if (submitted.kind === "invalid") return refuse(submitted.refusal);

  const chosen = chooseEntry(terms, submitted.payload);
  if (!chosen.ok) return refuse(chosen.refusal);
  const { scheme, offer } = chosen.entry;

  const timing = new StageTimes();
  const nowMs = Date.now();
  const verdict = await scheme.verify(submitted.payload, offer, { nowMs, minValidityMs: MIN_JOB_TIME_MS + SETTLEMENT_MARGIN_MS });
  timing.mark("verify");
  if (!verdict.ok) return refuse(verdict.refusal);
  const payment = verdict.payment;

  // The job must end early enough for settlement to land before the payment expires.
  const timeoutMs = payment.settleBy === null ? call.jobTimeoutMs : Math.min(call.jobTimeoutMs, payment.settleBy - nowMs - SETTLEMENT_MARGIN_MS);
  const reserved = await scheme.reserve(payment, { leaseMs: timeoutMs + 2 * SETTLEMENT_MARGIN_MS });
  timing.mark("reserve");
  if (reserved) return refuse(reserved);

  // From here on the work must finish even if the client goes away mid-way, so that the payment is
  // released or the settlement recorded: run it under waitUntil and await the same promise.
  const work = settleAndDeliver(call, { terms, entry: chosen.entry, payment, timeoutMs, timing, probe });
  call.waitUntil(work.catch(() => {}));
  return work;
}

interface VerifiedCall {
  terms: PaymentTerms;
  entry: TermsEntry;
  payment: VerifiedPayment;
  timeoutMs: number;
  timing: StageTimes;
  probe: CallProbe;
}

async function settleAndDeliver<T>(call: PaidCall<T>, state: VerifiedCall): Promise<PaidCallResult<T>> {
  const { terms, entry, payment, timing } = state;
  const { scheme, offer } = entry;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    try {
      await scheme.release(payment);
    } catch (error) {
      // The agent still gets the real reason; the reservation's lease frees the payment later.
      console.error(`payment release failed (its lease will expire it): ${describe(error)}`);
    }
  };

  // The scheme's chain check runs alongside the job instead of before it; a "no" cancels the job.
  const unsettleable = new AbortController();
  const preflight = scheme.preflight(payment, offer).catch(() => null);
  void preflight.then((refusal) => refusal && unsettleable.abort());

  let outcome: JobOutcome<T>;
  try {
    outcome = await call.run({ timeoutMs: state.timeoutMs, signal: unsettleable.signal });
  } catch (error) {
    await release();
    console.error(`paid call ${call.service} failed before a result: ${error instanceof Error ? error.stack : String(error)}`);
    return { kind: "internal_error" };
  }
  timing.mark("job");
  if (!outcome.ok) state.probe.reason = outcome.code ?? null;
  // A job that failed on its own (no runner, model error) is answered at once, not after the chain
  // check; one cancelled because the payment proved unsettleable is answered with the scheme's reason.
  if (!outcome.ok && !unsettleable.signal.aborted) {
    await release();
    return { kind: "job_failed", failure: outcome.failure };
  }
  const refusal = await preflight;
  timing.mark("preflight");
  if (refusal) {
    if (outcome.ok) outcome.abandon();
    await release();
    return { kind: "payment_required", terms, refusal };
  }
  if (!outcome.ok) {
    await release();
    return { kind: "job_failed", failure: outcome.failure };
  }

  // Metered streams are charged when they end, for what they delivered; everything else now.
  const deferred = scheme.billing === "metered" && outcome.streamUsage !== undefined;
  const amount = scheme.billing === "fixed" || deferred ? payment.maxAmount : chargeFor(call, payment, outcome.usage);
  let settled: SchemeSettlement;
  try {
    settled = await scheme.settle(payment, { amount, final: !deferred }, offer);
  } catch (error) {
    const message = describe(error);
    settled = { ok: false, refusal: { reason: PaymentReason.unexpectedSettleError, message }, receipt: failedReceipt(payment, offer, PaymentReason.unexpectedSettleError, message), outcomeUnknown: true, reference: null };
  }
  timing.mark("settle");
  if (!settled.ok) {
    outcome.abandon();
    if (settled.outcomeUnknown) await scheme.hold(payment, settled.reference).catch((error: unknown) => console.error(`payment hold failed: ${describe(error)}`));
    else await release();
    return { kind: "settlement_failed", terms, refusal: settled.refusal, receipt: settled.receipt };
  }

  const row: PaymentEntry = {
    scheme: scheme.scheme,
    replayKey: payment.replayKey,
    network: scheme.network,
    payer: payment.payer,
    payTo: offer.v2.payTo,
    asset: offer.v2.asset,
    authorized: payment.maxAmount.toString(),
    charged: settled.charged.toString(),
    service: call.service,
    settlementRef: settled.settlementRef,
    txHash: settled.transaction,
    x402Version: payment.x402Version,
    model: outcome.model,
    runnerId: outcome.runnerId,
    promptTokens: outcome.usage?.promptTokens ?? null,
    completionTokens: outcome.usage?.completionTokens ?? null,
  };
  let final: Promise<SettleResponse | null> | undefined;
  if (deferred) {
    final = finalizeStream(call, scheme, payment, row, outcome.streamUsage!);
    call.waitUntil(final);
  } else {
    await record(call.book, row);
    if (outcome.streamUsage) {
      call.waitUntil(outcome.streamUsage.then((usage) => (usage ? call.book.recordUsage(row, usage) : undefined)).catch(() => {}));
    }
  }
  timing.mark("record");
  const stages = timing.list();
  state.probe.delivered = { stages, modelMs: outcome.modelMs };
  return { kind: "delivered", result: outcome.deliver({ receipt: settled.receipt, stages, ...(final ? { final } : {}) }) };
}

/** A metered stream ended: the amount it used is committed (the provisional charge is lowered to it), then recorded. */
async function finalizeStream<T>(call: PaidCall<T>, scheme: PaymentScheme, payment: VerifiedPayment, row: PaymentEntry, streamUsage: Promise<JobUsage | null>): Promise<SettleResponse | null> {
  const usage = await streamUsage.catch(() => null);
  const amount = usage ? chargeFor(call, payment, usage) : 0n;
  try {
    if (!scheme.finalize) throw new Error(`metered scheme ${scheme.scheme} cannot finalize a charge`);
    const final = await scheme.finalize(payment, amount);
    await record(call.book, {
      ...row,
      charged: final.charged.toString(),
      settlementRef: final.settlementRef,
      promptTokens: usage?.promptTokens ?? null,
      completionTokens: usage?.completionTokens ?? null,
    });
    return final.receipt;
  } catch (error) {
    // The provisional charge (the ceiling) stands in the scheme: the ledger records that, so the two agree.
    console.error(`finalizing the charge of a ${call.service} stream failed, its provisional charge stands: ${describe(error)}`);
    await record(call.book, row);
    return null;
  }
}

async function record(book: PaymentBook, row: PaymentEntry): Promise<void> {
  try {
    await book.record(row);
  } catch (error) {
    // The money moved and the result is paid for: deliver it, and make the gap loud.
    console.error(`LEDGER WRITE FAILED for ${row.scheme} payment ${row.settlementRef}: ${describe(error)}`);
  }
}

/** What a metered call costs for its usage, never more than the payment allows. */
function chargeFor(call: PaidCall<unknown>, payment: VerifiedPayment, usage: JobUsage | null): bigint {
  const cost = usage && call.meter ? call.meter(usage) : call.price;
  return cost < payment.maxAmount ? (cost < 0n ? 0n : cost) : payment.maxAmount;
}

function failedReceipt(payment: VerifiedPayment, offer: SchemeOffer, reason: string, message: string): SettleResponse {
  const network = payment.x402Version === 1 && offer.v1 ? offer.v1.network : offer.v2.network;
  return { success: false, errorReason: reason, errorMessage: message, payer: payment.payer, transaction: "", network: network as SettleResponse["network"] };
}

function assetsOf(terms: PaymentTerms): string {
  return [...new Set(terms.entries.map((e) => e.offer.v2.asset))].join(" or ") || "the asset";
}


function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
