import { PaymentReason, type PaymentRefusal } from "./reasons.ts";
import { PaymentPayloadV1Schema, PaymentPayloadV2Schema, type PaymentPayloadV1, type PaymentPayloadV2 } from "./wire.ts";

/**
 * The payment a client attached to a call, whatever carried it (an HTTP header, MCP `_meta`):
 * nothing, something that is not a payment (with the reason), or a well-formed payload of either
 * x402 version, not yet verified.
 */
export type SubmittedPayment =
  | { kind: "none" }
  | { kind: "invalid"; refusal: PaymentRefusal }
  | { kind: "v2"; payload: PaymentPayloadV2 }
  | { kind: "v1"; payload: PaymentPayloadV1 };

/** Checks a decoded JSON value against the PaymentPayload schemas; `source` names it in messages. */
export function parsePaymentPayload(json: unknown, source: string): Exclude<SubmittedPayment, { kind: "none" }> {
  const invalid = (reason: PaymentRefusal["reason"], message: string) => ({ kind: "invalid" as const, refusal: { reason, message } });
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return invalid(PaymentReason.invalidPayload, `${source} must be a JSON object (a PaymentPayload)`);
  }
  const version = (json as { x402Version?: unknown }).x402Version;
  if (version !== 1 && version !== 2) {
    return invalid(PaymentReason.invalidVersion, `x402Version must be 1 or 2, got ${describeVersion(version)}`);
  }
  const parsed = version === 2 ? PaymentPayloadV2Schema.safeParse(json) : PaymentPayloadV1Schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(PaymentReason.invalidPayload, `payment payload ${issue?.path.join(".") || ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data.x402Version === 2 ? { kind: "v2", payload: parsed.data } : { kind: "v1", payload: parsed.data as PaymentPayloadV1 };
}

/** Never JSON.stringify a structure of unknown depth: a header holds ~12k levels, past V8's stack. */
function describeVersion(version: unknown): string {
  if (Array.isArray(version)) return "an array";
  if (typeof version === "object" && version !== null) return "an object";
  return JSON.stringify(version ?? null).slice(0, 20);
}
