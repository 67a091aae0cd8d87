import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { BATCH_SETTLEMENT, pickRequirements, type PayScheme, type SchemeChoice } from "../../client/x402/schemes.ts";
import { formatBaseUnits, parseBaseUnits } from "./usdc-amount.ts";

/** What a 402 asks for: the one `accepts` entry this client pays (by scheme, on an EVM network). */
export interface Quote {
  required: PaymentRequired;
  accepted: PaymentRequirements;
  scheme: PayScheme;
  /** USDC base units: the call's price (for a metered channel call, the most it may be charged). */
  amount: bigint;
}

export type QuoteResult = { ok: true; quote: Quote } | { ok: false; problem: string };

const SCHEME_WANTED: Readonly<Record<SchemeChoice, string>> = {
  auto: `"batch-settlement" or "exact"`,
  "batch-settlement": `"batch-settlement" (--scheme batch-settlement)`,
  exact: `"exact" (--scheme exact)`,
};

/** Reads the v2 `PAYMENT-REQUIRED` header of a 402 (the JSON body is free-form in x402 v2). */
export function quoteFromHeaders(headers: Headers, scheme: SchemeChoice = "auto"): QuoteResult {
  const header = headers.get("PAYMENT-REQUIRED");
  if (!header) return { ok: false, problem: "the edge answered 402 without a PAYMENT-REQUIRED header (not an x402 v2 server?)" };
  let required: PaymentRequired;
  try {
    required = decodePaymentRequiredHeader(header);
  } catch (error) {
    return { ok: false, problem: `the edge's PAYMENT-REQUIRED header cannot be decoded: ${error instanceof Error ? error.message : String(error)}` };
  }
  const accepts = Array.isArray(required.accepts) ? required.accepts : [];
  const picked = pickRequirements(accepts, { scheme });
  if (!picked.ok) {
    return { ok: false, problem: `the edge asks for no payment this client can make (it offers ${picked.offered}; this client pays ${SCHEME_WANTED[scheme]} on eip155:* networks)` };
  }
  const accepted = picked.requirements;
  return { ok: true, quote: { required, accepted, scheme: picked.scheme, amount: parseBaseUnits(String(accepted.amount))! } };
}

/** The quote as the user sees it, one fact per line. */
export function quoteLines(quote: Quote, call: { method: string; path: string }): string[] {
  const { accepted } = quote;
  const token = [accepted.extra?.name, accepted.extra?.version].filter((v) => typeof v === "string").join(" v");
  const lines = [
    `price     ${formatBaseUnits(quote.amount)} USDC (${quote.amount} base units) for ${call.method} ${call.path}`,
    `payTo     ${accepted.payTo}`,
    `network   ${accepted.network}`,
    `asset     ${accepted.asset}${token ? ` (${token})` : ""}`,
  ];
  if (quote.scheme === BATCH_SETTLEMENT) {
    const minDeposit = parseBaseUnits(String(accepted.extra?.minDeposit ?? ""));
    lines.push(
      `scheme    batch-settlement: a payment channel (one deposit, then a signed voucher per call${minDeposit !== null ? `; the edge asks deposits of at least ${formatBaseUnits(minDeposit)} USDC` : ""})`,
    );
  } else {
    lines.push("scheme    exact: one USDC transfer for this call");
  }
  return lines;
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
