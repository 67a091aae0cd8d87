import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { formatBaseUnits, parseBaseUnits } from "./usdc-amount.ts";

/** What a 402 asks for: the one `accepts` entry this client can pay (exact scheme, EVM network). */
export interface Quote {
  required: PaymentRequired;
  accepted: PaymentRequirements;
  /** USDC base units. */
  amount: bigint;
}

export type QuoteResult = { ok: true; quote: Quote } | { ok: false; problem: string };

/** Reads the v2 `PAYMENT-REQUIRED` header of a 402 (the JSON body is free-form in x402 v2). */
export function quoteFromHeaders(headers: Headers): QuoteResult {
  const header = headers.get("PAYMENT-REQUIRED");
  if (!header) return { ok: false, problem: "the edge answered 402 without a PAYMENT-REQUIRED header (not an x402 v2 server?)" };
  let required: PaymentRequired;
  try {
    required = decodePaymentRequiredHeader(header);
  } catch (error) {
    return { ok: false, problem: `the edge's PAYMENT-REQUIRED header cannot be decoded: ${error instanceof Error ? error.message : String(error)}` };
  }
  const accepts = Array.isArray(required.accepts) ? required.accepts : [];
  const accepted = accepts.find((a) => a.scheme === "exact" && /^eip155:\d+$/.test(a.network) && parseBaseUnits(String(a.amount)) !== null);
  if (!accepted) {
    const offered = accepts.map((a) => `${a.scheme} on ${a.network}`).join(", ") || "nothing";
    return { ok: false, problem: `the edge asks for no payment this client can make (it offers ${offered}; this client pays "exact" on eip155:* networks)` };
  }
  return { ok: true, quote: { required, accepted, amount: BigInt(accepted.amount) } };
}

/** The quote as the user sees it, one fact per line. */
export function quoteLines(quote: Quote, call: { method: string; path: string }): string[] {
  const { accepted } = quote;
  const token = [accepted.extra?.name, accepted.extra?.version].filter((v) => typeof v === "string").join(" v");
  return [
    `price     ${formatBaseUnits(quote.amount)} USDC (${quote.amount} base units) for ${call.method} ${call.path}`,
    `payTo     ${accepted.payTo}`,
    `network   ${accepted.network}`,
    `asset     ${accepted.asset}${token ? ` (${token})` : ""}`,
  ];
}

/** `--max-price` in base units: refuse anything above it, before a signature exists. */
export function checkMaxPrice(quote: Quote, maxPrice: bigint | null): { ok: true } | { ok: false; problem: string } {
  if (maxPrice === null || quote.amount <= maxPrice) return { ok: true };
  return {
    ok: false,
    problem: `refusing to pay: the quote ${formatBaseUnits(quote.amount)} USDC is above --max-price ${formatBaseUnits(maxPrice)} USDC; nothing was signed`,
  };
}

/** The receipt (`PAYMENT-RESPONSE`, or v1's `X-PAYMENT-RESPONSE`), if the response carries one. */
export function receiptFromHeaders(headers: Headers): SettleResponse | null {
  const header = headers.get("PAYMENT-RESPONSE") ?? headers.get("X-PAYMENT-RESPONSE");
  if (!header) return null;
  try {
    return decodePaymentResponseHeader(header);
  } catch {
    return null;
  }
}

/** The reason a 402 gives (`error` in PAYMENT-REQUIRED), e.g. after a payment the edge refused. */
export function paymentRequiredReason(headers: Headers): string | null {
  const header = headers.get("PAYMENT-REQUIRED");
  if (!header) return null;
  try {
    return decodePaymentRequiredHeader(header).error ?? null;
  } catch {
    return null;
  }
}
