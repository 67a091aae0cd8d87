import type { SettleResponse } from "@x402/core/types";
import type { EdgeConfig } from "../config/edge-config.ts";
import { ServerTiming } from "../http/server-timing.ts";
import type { Facilitator, SettleOutcome } from "./facilitator/facilitator.ts";
import { nonceKeyText, type PaymentLedger } from "./payment-ledger.ts";
import { PaymentReason, type PaymentRefusal } from "./reasons.ts";
import { buildPaymentTerms, type PaidResource, type PaymentTerms } from "./requirements.ts";
import type { SubmittedPayment } from "./submitted-payment.ts";
import { verifyExactPayment, type VerifiedPayment, type VerifyContext } from "./verify-exact.ts";

/** Time kept between the end of a job and the payment's validBefore, for settlement to land. */
const SETTLEMENT_MARGIN_MS = 15_000;
const MIN_JOB_TIME_MS = 5_000;

export interface JobUsage {
  promptTokens: number;
  completionTokens: number;
}

/** What a delivered result carries back to its transport: the receipt and where the time went. */
export interface Settlement {
  receipt: SettleResponse;
  serverTiming: string;
}

/**
 * What a service produced, in its transport's terms `T` (an HTTP Response, an MCP tool result).
 * `ok: false` means nothing billable happened: the nonce is released and `failure` goes out as is.
 * `ok: true` means a result is ready — whole, or a stream whose first chunk has already arrived — and
 * is delivered only once settlement succeeded.
 */
export type JobOutcome<T> =
  | { ok: false; failure: T }
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
    };

/** One paid call, as the payment core sees it: no HTTP, no MCP — a payment, a price, a job. */
export interface PaidCall<T> {
  payment: SubmittedPayment;
  config: EdgeConfig;
  ledger: DurableObjectStub<PaymentLedger>;
  facilitator: Facilitator;
  waitUntil(promise: Promise<unknown>): void;
  /** Ledger label, e.g. "chat.completions". */
  service: string;
  price: bigint;
  resource: PaidResource;
  isValidContractSignature?: VerifyContext["isValidContractSignature"];
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
 * The payment core, independent of transport and of the service sold:
 * verify locally → reserve the nonce → run (chain preflight alongside) → settle → record → deliver.
 * Every path after the reservation either settles or releases the nonce; nothing is charged for a
 * result that is not delivered.
 */
export async function runPaidCall<T>(call: PaidCall<T>): Promise<PaidCallResult<T>> {
  const { config, payment: submitted } = call;
  const terms = buildPaymentTerms(config.payment, call.price, call.resource);
  const refuse = (refusal: PaymentRefusal): PaidCallResult<T> => ({ kind: "payment_required", terms, refusal });
  if (submitted.kind === "none") {
    return refuse({ reason: PaymentReason.paymentRequired, message: `pay ${call.price} base units of ${config.payment.asset} to use this resource` });
  }
  if (submitted.kind === "invalid") return refuse(submitted.refusal);

  const timing = new ServerTiming();
  const nowMs = Date.now();
  const verdict = await verifyExactPayment(submitted.payload, {
    config: config.payment,
    terms,
    nowSeconds: Math.floor(nowMs / 1000),
    ...(call.isValidContractSignature ? { isValidContractSignature: call.isValidContractSignature } : {}),
  });
  timing.mark("verify");
  if (!verdict.ok) return refuse(verdict.refusal);
  const payment = verdict.payment;

  // The job must end early enough for settlement to land before the authorization expires.
  const windowMs = payment.validBefore * 1000 - nowMs - SETTLEMENT_MARGIN_MS;
  const timeoutMs = Math.min(config.jobTimeoutMs, windowMs);
  if (windowMs < MIN_JOB_TIME_MS) {
    return refuse({
      reason: PaymentReason.validBefore,
      message: `authorization expires too soon to run the job and settle; sign one valid for at least ${Math.ceil((MIN_JOB_TIME_MS + SETTLEMENT_MARGIN_MS) / 1000)}s`,
    });
  }
  const nonceKey = nonceKeyText({ chainId: config.payment.chainId, asset: config.payment.asset, payer: payment.payer, nonce: payment.authorization.nonce });
  const reservation = await call.ledger.reserve(nonceKey, {
    payer: payment.payer,
    amount: terms.price.toString(),
    validBefore: payment.validBefore,
    leaseMs: timeoutMs + 2 * SETTLEMENT_MARGIN_MS,
  });
  timing.mark("reserve");
  if (!reservation.ok) return refuse(refusalForReservation(reservation.state));

  // From here on the work must finish even if the client goes away mid-way, so that the nonce is
  // released or the settlement recorded: run it under waitUntil and await the same promise.
  const work = settleAndDeliver(call, { terms, submitted, payment, nonceKey, timeoutMs, timing });
  call.waitUntil(work.catch(() => {}));
  return work;
}

interface VerifiedCall {
  terms: PaymentTerms;
  submitted: Extract<SubmittedPayment, { kind: "v1" | "v2" }>;
  payment: VerifiedPayment;
  nonceKey: string;
  timeoutMs: number;
  timing: ServerTiming;
}

async function settleAndDeliver<T>(call: PaidCall<T>, state: VerifiedCall): Promise<PaidCallResult<T>> {
  const { terms, submitted, payment, nonceKey, timing } = state;
  const requirements = submitted.kind === "v1" && terms.v1 ? terms.v1 : terms.v2;
  const network = requirements.network;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    try {
      await call.ledger.release(nonceKey);
    } catch (error) {
      // The agent still gets the real reason; the reservation's lease frees the nonce later.
      console.error(`nonce release failed (the lease will expire it): ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const settleRequest = { payment, paymentPayload: submitted.payload, paymentRequirements: requirements };

  // The chain check runs alongside the job instead of before it; if it fails, the job is cancelled.
  const unsettleable = new AbortController();
  const preflight = checkSettleable(call, settleRequest, nonceKey);
  void preflight.then((verdict) => verdict && unsettleable.abort());

  let outcome: JobOutcome<T>;
  try {
    outcome = await call.run({ timeoutMs: state.timeoutMs, signal: unsettleable.signal });
  } catch (error) {
    await release();
    console.error(`paid call ${call.service} failed before a result: ${error instanceof Error ? error.stack : String(error)}`);
    return { kind: "internal_error" };
  }
  timing.mark("job");
  // A job that failed on its own (no runner, model error) is answered at once, not after the chain
  // check; one cancelled because the payment proved unsettleable is answered with the chain's reason.
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

  let settled: SettleOutcome;
  try {
    settled = await call.facilitator.settle(settleRequest);
  } catch (error) {
    settled = {
      success: false,
      reason: PaymentReason.unexpectedSettleError,
      message: error instanceof Error ? error.message : String(error),
      outcomeUnknown: true,
      transaction: null,
    };
  }

  timing.mark("settle");
  if (!settled.success) {
    outcome.abandon();
    if (settled.outcomeUnknown) await call.ledger.markPending(nonceKey, settled.transaction ?? "unknown");
    else await release();
    const receipt: SettleResponse = {
      success: false,
      errorReason: settled.reason,
      errorMessage: settled.message,
      payer: payment.payer,
      transaction: settled.transaction ?? "",
      network,
    };
    return { kind: "settlement_failed", terms, refusal: { reason: settled.reason, message: settled.message }, receipt };
  }

  try {
    await call.ledger.recordSettlement({
      nonceKey,
      network: call.config.payment.network,
      payer: payment.payer,
      payTo: call.config.payment.payTo,
      asset: call.config.payment.asset,
      amount: terms.price.toString(),
      service: call.service,
      txHash: settled.transaction,
      x402Version: payment.x402Version,
      model: outcome.model,
      runnerId: outcome.runnerId,
      promptTokens: outcome.usage?.promptTokens ?? null,
      completionTokens: outcome.usage?.completionTokens ?? null,
    });
  } catch (error) {
    // The money moved and the result is paid for: deliver it, and make the gap loud.
    console.error(`LEDGER WRITE FAILED for settled tx ${settled.transaction}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (outcome.streamUsage) {
    const transaction = settled.transaction;
    call.waitUntil(
      outcome.streamUsage
        .then((usage) => (usage ? call.ledger.recordUsage(transaction, usage.promptTokens, usage.completionTokens) : undefined))
        .catch(() => {}),
    );
  }

  timing.mark("record");
  const receipt: SettleResponse = { success: true, transaction: settled.transaction, network, payer: settled.payer };
  return { kind: "delivered", result: outcome.deliver({ receipt, serverTiming: timing.header() }) };
}

/**
 * Resolves to a refusal when the payment cannot be settled as things stand (the chain's definitive
 * "no", or more payments in flight than the payer's balance covers); null otherwise — including when
 * the check itself could not run, in which case settlement has the last word.
 */
async function checkSettleable(call: PaidCall<unknown>, request: Parameters<Facilitator["preflight"]>[0], nonceKey: string): Promise<PaymentRefusal | null> {
  try {
    const outcome = await call.facilitator.preflight(request);
    if (!outcome.ok) return outcome.definitive ? { reason: outcome.reason, message: outcome.message } : null;
    if (outcome.balance === null) return null;
    const admitted = await call.ledger.admitSpend(nonceKey, outcome.balance.toString());
    return admitted.ok
      ? null
      : { reason: PaymentReason.insufficientBalance, message: `the payer's balance ${outcome.balance} does not cover its ${admitted.inFlight} in flight` };
  } catch {
    return null;
  }
}

function refusalForReservation(state: "in_flight" | "settled" | "pending"): PaymentRefusal {
  switch (state) {
    case "settled":
      return { reason: PaymentReason.nonceAlreadyUsed, message: "this payment authorization was already used for a result" };
    case "pending":
      return { reason: PaymentReason.settlementPending, message: "this payment authorization is being settled; sign a new one" };
    case "in_flight":
      return { reason: PaymentReason.paymentInFlight, message: "this payment authorization is already paying for a request in progress" };
  }
}
