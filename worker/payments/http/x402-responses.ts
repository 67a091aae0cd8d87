import { encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import type { SettleResponse } from "@x402/core/types";
import type { PaymentHeaderName } from "./payment-header.ts";
import type { PaymentRefusal } from "../core/reasons.ts";
import { paymentRequiredV1, paymentRequiredV2, type PaymentTerms } from "../core/terms.ts";

const EXPOSE = "PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE";

/**
 * A 402 both client generations understand: the v2 `PAYMENT-REQUIRED` header (read first by
 * @x402/fetch) and the v1 JSON body with `accepts` (the only thing x402-fetch reads).
 */
export function paymentRequiredResponse(terms: PaymentTerms, refusal: PaymentRefusal, extraHeaders?: HeadersInit): Response {
  const v1 = paymentRequiredV1(terms, refusal);
  const v2 = paymentRequiredV2(terms, refusal);
  const body = v1 ? { ...v1, message: refusal.message } : { ...v2, message: refusal.message };
  const headers = new Headers(extraHeaders);
  headers.set("PAYMENT-REQUIRED", encodePaymentRequiredHeader(v2));
  headers.set("Content-Type", "application/json");
  headers.set("Cache-Control", "no-store");
  headers.set("Access-Control-Expose-Headers", EXPOSE);
  return new Response(JSON.stringify(body), { status: 402, headers });
}

/** The receipt header for the version the client paid with. */
export function receiptHeaders(paidWith: PaymentHeaderName, settle: SettleResponse): Headers {
  const headers = new Headers();
  headers.set(paidWith === "X-PAYMENT" ? "X-PAYMENT-RESPONSE" : "PAYMENT-RESPONSE", encodePaymentResponseHeader(settle));
  headers.set("Access-Control-Expose-Headers", EXPOSE);
  headers.set("Cache-Control", "private, no-store");
  return headers;
}

/** Settlement failed: the result is withheld, the client learns why (x402: 402 + failed receipt). */
export function settlementFailedResponse(terms: PaymentTerms, paidWith: PaymentHeaderName, settle: SettleResponse): Response {
  const refusal: PaymentRefusal = {
    reason: settle.errorReason ?? "unexpected_settle_error",
    message: settle.errorMessage ?? "settlement failed; nothing was charged",
  };
  return paymentRequiredResponse(terms, refusal, receiptHeaders(paidWith, settle));
}
