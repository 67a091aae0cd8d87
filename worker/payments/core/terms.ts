import type { PaymentRequired, PaymentRequirements, ResourceInfo } from "@x402/core/types";
import type { PaymentRequiredV1, PaymentRequirementsV1 } from "@x402/core/types/v1";
import type { PaymentScheme, SchemeOffer } from "./payment-scheme.ts";
import type { PaidResource } from "./paid-resource.ts";
import type { PaymentRefusal } from "./reasons.ts";

export type { PaidResource } from "./paid-resource.ts";

/** One scheme's entry in the terms: the scheme and what it offers for this price. */
export interface TermsEntry {
  scheme: PaymentScheme;
  offer: SchemeOffer;
}

/** The terms of one payment: every registered scheme's offer, in the configured order. */
export interface PaymentTerms {
  price: bigint;
  resource: PaidResource;
  entries: readonly TermsEntry[];
}

/** Built only from the schemes' config and the quoted price, so the paid retry matches its 402. */
export function buildPaymentTerms(schemes: readonly PaymentScheme[], price: bigint, resource: PaidResource): PaymentTerms {
  return { price, resource, entries: schemes.map((scheme) => ({ scheme, offer: scheme.offer(price, resource) })) };
}

/** Every v2 `accepts` entry, with a refusal's correction merged into its scheme's `extra`. */
export function acceptsV2(terms: PaymentTerms, refusal?: PaymentRefusal): PaymentRequirements[] {
  return terms.entries.map(({ offer }) => corrected(offer.v2, refusal, offer.v2.network));
}

export function paymentRequiredV2(terms: PaymentTerms, refusal: PaymentRefusal | string): PaymentRequired {
  const why = typeof refusal === "string" ? { reason: refusal, message: refusal } : refusal;
  const resource: ResourceInfo = { url: terms.resource.url, description: terms.resource.description, mimeType: terms.resource.mimeType };
  return {
    x402Version: 2,
    error: why.reason,
    resource,
    accepts: acceptsV2(terms, why),
    ...(terms.resource.extensions ? { extensions: terms.resource.extensions } : {}),
  };
}

/** The v1 body's terms: the schemes whose network has a v1 name; null when none has. */
export function paymentRequiredV1(terms: PaymentTerms, refusal: PaymentRefusal | string): PaymentRequiredV1 | null {
  const why = typeof refusal === "string" ? { reason: refusal, message: refusal } : refusal;
  const accepts = terms.entries.flatMap(({ offer }) => (offer.v1 ? [corrected(offer.v1, why, offer.v2.network)] : []));
  return accepts.length > 0 ? { x402Version: 1, error: why.reason, accepts } : null;
}

function corrected<R extends PaymentRequirements | PaymentRequirementsV1>(requirements: R, refusal: PaymentRefusal | undefined, network: string): R {
  const fix = refusal?.correction;
  if (!fix || fix.scheme !== requirements.scheme || fix.network !== network) return requirements;
  return { ...requirements, extra: { ...requirements.extra, ...fix.extra } };
}
