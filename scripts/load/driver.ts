import { setMaxListeners } from "node:events";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import type { SettleResponse } from "@x402/core/types";
import type { Address, Hex } from "viem";
import { assertLoopbackUrl } from "./loopback.ts";
import type { SignedPayment } from "./payments.ts";

/** How one paid call ended, as the agent saw it. */
export interface CallResult {
  status: number;
  /** "ok" for a 200 with a successful receipt; else the edge's reason (x402 reason or error code). */
  reason: string;
  latencyMs: number;
  /** From the 200's PAYMENT-RESPONSE receipt (by channel: a deposit's, none for a voucher). */
  txHash: Hex | null;
  payer: Address;
  /** The EIP-3009 nonce (exact); by channel, the channel id. */
  nonce: Hex;
  /** A 503's Retry-After, if it sent one. */
  retryAfter: string | null;
  /** The start of a non-200's body, to show what the edge said. */
  body: string;
  /** The edge's Server-Timing stages (verify, reserve, job, preflight, settle, record), ms. */
  stages: Record<string, number>;
}

export interface DriveOptions {
  url: string;
  body: string;
  payments: readonly SignedPayment[];
  concurrency: number;
  signal: AbortSignal;
  /** Called after each call with the number done so far. */
  onProgress?: (done: number) => void;
}

export interface DriveResult {
  results: CallResult[];
  wallMs: number;
}

/**
 * Sends one paid call per pre-signed payment, `concurrency` at a time (a new one as soon as one
 * ends), and reads every response to the end. No retries: a 503 is recorded as the agent got it.
 */
export async function drive(options: DriveOptions): Promise<DriveResult> {
  assertLoopbackUrl(options.url, "the load target");
  const { payments, signal } = options;
  // Each call in flight listens to the run's signal (and stops when it ends): C listeners at most.
  setMaxListeners(Math.max(10, options.concurrency + 1), signal);
  const results: CallResult[] = new Array(payments.length);
  let cursor = 0;
  let done = 0;
  const started = performance.now();
  const worker = async () => {
    while (!signal.aborted) {
      const index = cursor++;
      const payment = payments[index];
      if (!payment) return;
      results[index] = await call(options, payment);
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, payments.length) }, worker));
  return { results: results.filter((r) => r !== undefined), wallMs: performance.now() - started };
}

async function call(options: DriveOptions, payment: SignedPayment): Promise<CallResult> {
  return (await paidCall(options, payment.header, { payer: payment.payer, nonce: payment.nonce }, "transaction")).result;
}

/** Where one paid call goes: the run's target and its abort signal. */
export interface PaidRequest {
  url: string;
  body: string;
  signal: AbortSignal;
}

/** A paid call as the agent saw it, with what a paying client reads next (its receipt and headers). */
export interface PaidCallOutcome {
  result: CallResult;
  /** The decoded PAYMENT-RESPONSE, if any (a failed one too). */
  receipt: SettleResponse | null;
  /** The response's headers (null when no response came): the official client reads its receipt or corrective 402 from them. */
  headers: Headers | null;
}

/**
 * One paid call with a payment header, read to the end. `receiptKind` says what makes a 200 "ok":
 * `transaction` (exact) wants a successful receipt naming a transaction; `channel` (batch-settlement)
 * a successful receipt, whose `transaction` is "" for a voucher and the deposit's hash for a deposit.
 */
export async function paidCall(request: PaidRequest, header: string, who: { payer: Address; nonce: Hex }, receiptKind: "transaction" | "channel"): Promise<PaidCallOutcome> {
  const started = performance.now();
  // One controller per call, tied to the run's signal and untied when the call ends: handing the run's
  // own signal to every fetch leaves a listener on it per call (thousands over a long run).
  const controller = new AbortController();
  const abort = () => controller.abort();
  request.signal.addEventListener("abort", abort, { once: true });
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": header },
      body: request.body,
      signal: controller.signal,
    });
    const text = await response.text();
    const latencyMs = performance.now() - started;
    const retryAfter = response.headers.get("Retry-After");
    const stages = parseServerTiming(response.headers.get("Server-Timing"));
    const receipt = decodeReceipt(response.headers);
    if (response.status === 200) {
      const txHash = receipt?.success && TX_HASH.test(receipt.transaction) ? (receipt.transaction as Hex) : null;
      const receiptOk = receiptKind === "transaction" ? txHash !== null : receipt?.success === true;
      const reason = !receiptOk ? "no_receipt" : !isJson(text) ? "body_not_json" : "ok";
      return { result: { ...who, status: 200, reason, latencyMs, txHash, retryAfter, stages, body: reason === "ok" ? "" : text.slice(0, 200) }, receipt, headers: response.headers };
    }
    return { result: { ...who, status: response.status, reason: reasonOf(response, text), latencyMs, txHash: null, retryAfter, stages, body: text.slice(0, 200) }, receipt, headers: response.headers };
  } catch (error) {
    const latencyMs = performance.now() - started;
    const reason = request.signal.aborted ? "aborted" : networkReason(error);
    return { result: { ...who, status: 0, reason, latencyMs, txHash: null, retryAfter: null, stages: {}, body: error instanceof Error ? error.message.slice(0, 200) : "" }, receipt: null, headers: null };
  } finally {
    request.signal.removeEventListener("abort", abort);
  }
}

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

function decodeReceipt(headers: Headers): SettleResponse | null {
  const header = headers.get("PAYMENT-RESPONSE");
  if (!header) return null;
  try {
    return decodePaymentResponseHeader(header);
  } catch {
    return null;
  }
}

/** The edge's own words for a refusal: the failed receipt, the 402's reason, or the error code. */
function reasonOf(response: Response, text: string): string {
  try {
    const failed = response.headers.get("PAYMENT-RESPONSE");
    if (failed) return decodePaymentResponseHeader(failed).errorReason ?? "settlement_failed";
    const required = response.headers.get("PAYMENT-REQUIRED");
    if (required) return decodePaymentRequiredHeader(required).error ?? "payment_required";
  } catch {
    // fall through to the body
  }
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    if (typeof body.error?.code === "string") return body.error.code;
  } catch {
    // not JSON
  }
  return `http_${response.status}`;
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  return error instanceof Error ? error.name : "network_error";
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `verify;dur=1, job;dur=40` → { verify: 1, job: 40 }. */
export function parseServerTiming(header: string | null): Record<string, number> {
  const stages: Record<string, number> = {};
  for (const entry of (header ?? "").split(",")) {
    const [name, ...params] = entry.trim().split(";");
    const dur = params.map((p) => /^\s*dur=([\d.]+)\s*$/.exec(p)?.[1]).find((d) => d !== undefined);
    if (name && dur !== undefined) stages[name] = Number(dur);
  }
  return stages;
}
