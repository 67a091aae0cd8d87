import type { z } from "zod";
import { PaymentReason, type PaymentRefusal } from "./reasons.ts";
import { PaymentPayloadV1Schema, PaymentPayloadV2Schema, schemeOf, type PaymentPayloadV1, type PaymentPayloadV2 } from "./wire.ts";

/** Each registered scheme's schema for its part of a PaymentPayload (`payload`), by scheme name. */
export type SchemePayloadSchemas = Readonly<Record<string, z.ZodType>>;

/**
 * The payment a client attached to a call, whatever carried it (an HTTP header, MCP `_meta`):
 * nothing, something that is not a payment (with the reason), or a well-formed payload of either
 * x402 version — its scheme part checked by that scheme's schema — not yet verified.
 */
export type SubmittedPayment =
  | { kind: "none" }
  | { kind: "invalid"; refusal: PaymentRefusal }
  | { kind: "v2"; payload: PaymentPayloadV2 }
  | { kind: "v1"; payload: PaymentPayloadV1 };

/**
 * Checks a decoded JSON value against the PaymentPayload envelopes, then its `payload` against the
 * schema of the scheme it names — or, for a scheme not registered here, against every registered
 * one, so a malformed payload is `invalid_payload` whatever it claims to be (an unknown scheme with a
 * well-formed payload is refused later, as `unsupported_scheme`). Parsed once: verification reads the
 * typed result. `source` names the carrier in messages.
 */
export function parsePaymentPayload(json: unknown, source: string, schemes: SchemePayloadSchemas): Exclude<SubmittedPayment, { kind: "none" }> {
  const invalid = (reason: PaymentRefusal["reason"], message: string) => ({ kind: "invalid" as const, refusal: { reason, message } });
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return invalid(PaymentReason.invalidPayload, `${source} must be a JSON object (a PaymentPayload)`);
  }
  const version = (json as { x402Version?: unknown }).x402Version;
  if (version !== 1 && version !== 2) {
    return invalid(PaymentReason.invalidVersion, `x402Version must be 1 or 2, got ${describeVersion(version)}`);
  }
  const envelope = version === 2 ? PaymentPayloadV2Schema.safeParse(json) : PaymentPayloadV1Schema.safeParse(json);
  if (!envelope.success) return invalid(PaymentReason.invalidPayload, issueText(envelope.error, []));

  const named = schemeOf(envelope.data).scheme;
  const candidates = Object.hasOwn(schemes, named) ? [schemes[named]!] : Object.values(schemes);
  let firstError: z.ZodError | null = null;
  for (const schema of candidates) {
    const parsed = schema.safeParse(envelope.data.payload);
    if (parsed.success) {
      const payload = { ...envelope.data, payload: parsed.data };
      return payload.x402Version === 2 ? { kind: "v2", payload } : { kind: "v1", payload: payload as PaymentPayloadV1 };
    }
    firstError ??= parsed.error;
  }
  return invalid(PaymentReason.invalidPayload, firstError ? issueText(firstError, ["payload"]) : `scheme "${named.slice(0, 64)}" is not offered here`);
}

function issueText(error: z.ZodError, prefix: string[]): string {
  const issue = error.issues[0];
  return `payment payload ${[...prefix, ...(issue?.path ?? [])].join(".")}: ${issue?.message ?? "invalid"}`;
}

/** Never JSON.stringify a structure of unknown depth: a header holds ~12k levels, past V8's stack. */
function describeVersion(version: unknown): string {
  if (Array.isArray(version)) return "an array";
  if (typeof version === "object" && version !== null) return "an object";
  return JSON.stringify(version ?? null).slice(0, 20);
}
