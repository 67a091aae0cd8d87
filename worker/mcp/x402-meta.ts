import { parsePaymentPayload, type SubmittedPayment } from "../payments/core/submitted-payment.ts";
import { SCHEME_PAYLOADS } from "../payments/schemes/payloads.ts";

/** x402 over MCP (coinbase/x402 specs/transports-v2/mcp.md): where the payment and the receipt travel. */
export const PAYMENT_META_KEY = "x402/payment";
export const PAYMENT_RESPONSE_META_KEY = "x402/payment-response";

/** edge402's own tool metadata: the price, the exact requirements a payment must meet, the result's schema. */
export const PRICE_META_KEY = "edge402/price";
export const ACCEPTS_META_KEY = "edge402/accepts";
export const OUTPUT_SCHEMA_META_KEY = "edge402/outputSchema";

/** The PaymentPayload a client put in a tool call's `_meta["x402/payment"]`, not yet verified. */
export function paymentFromMeta(meta: Record<string, unknown> | undefined): SubmittedPayment {
  const value = meta?.[PAYMENT_META_KEY];
  if (value === undefined) return { kind: "none" };
  return parsePaymentPayload(value, `_meta["${PAYMENT_META_KEY}"]`, SCHEME_PAYLOADS);
}
