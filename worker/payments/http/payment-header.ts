import { isStrictBase64 } from "../../../protocol/base64.ts";
import { PaymentReason, type PaymentRefusal } from "../core/reasons.ts";
import { parsePaymentPayload } from "../core/submitted-payment.ts";
import { SCHEME_PAYLOADS } from "../schemes/payloads.ts";
import type { PaymentPayloadV1, PaymentPayloadV2 } from "../core/wire.ts";

export const PAYMENT_SIGNATURE_HEADER = "PAYMENT-SIGNATURE";
export const X_PAYMENT_HEADER = "X-PAYMENT";
/** A real payload encodes to 1.5–3 KB (a transfer authorization; a channel deposit); anything far larger is not one. */
const MAX_HEADER_CHARS = 16 * 1024;

export type PaymentHeaderName = typeof PAYMENT_SIGNATURE_HEADER | typeof X_PAYMENT_HEADER;

export type ExtractedPayment =
  | { kind: "none" }
  | { kind: "invalid"; header: PaymentHeaderName; refusal: PaymentRefusal }
  | { kind: "v2"; header: PaymentHeaderName; payload: PaymentPayloadV2 }
  | { kind: "v1"; header: PaymentHeaderName; payload: PaymentPayloadV1 };

/**
 * Reads the payment a client sent: `PAYMENT-SIGNATURE` (x402 v2) or `X-PAYMENT` (v1), each a base64
 * JSON PaymentPayload. Either version is accepted in either header, like the reference server.
 */
export function extractPayment(headers: Headers): ExtractedPayment {
  const v2 = headers.get(PAYMENT_SIGNATURE_HEADER);
  const header: PaymentHeaderName | null = v2 !== null ? PAYMENT_SIGNATURE_HEADER : headers.get(X_PAYMENT_HEADER) !== null ? X_PAYMENT_HEADER : null;
  if (header === null) return { kind: "none" };
  const text = (v2 ?? headers.get(X_PAYMENT_HEADER) ?? "").trim();
  const invalid = (reason: PaymentRefusal["reason"], message: string): ExtractedPayment => ({
    kind: "invalid",
    header,
    refusal: { reason, message },
  });

  if (text.length > MAX_HEADER_CHARS) return invalid(PaymentReason.invalidPayload, `${header} header is larger than ${MAX_HEADER_CHARS} characters`);
  if (!isStrictBase64(text)) return invalid(PaymentReason.invalidPayload, `${header} header is not base64`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0))));
  } catch {
    return invalid(PaymentReason.invalidPayload, `${header} header is not base64-encoded JSON`);
  }
  return { ...parsePaymentPayload(json, `${header} header`, SCHEME_PAYLOADS), header };
}
