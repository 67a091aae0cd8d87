import type { PaymentRequired, PaymentRequirements, ResourceInfo } from "@x402/core/types";
import type { PaymentRequiredV1, PaymentRequirementsV1 } from "@x402/core/types/v1";
import type { PaymentConfig } from "../config/edge-config.ts";

/** What is being sold at one URL, as x402 describes it to a buyer. */
export interface PaidResource {
  url: string;
  description: string;
  mimeType: string;
  /** v1 `outputSchema` (x402-hono's shape: input/output descriptions); absent → `{}`. */
  outputSchema?: Record<string, unknown>;
  /** v2 `extensions` (e.g. bazaar discovery), echoed by clients. */
  extensions?: Record<string, unknown>;
}

/** The terms of one payment, in both protocol versions. Built only from config and the quoted price. */
export interface PaymentTerms {
  price: bigint;
  resource: PaidResource;
  v2: PaymentRequirements;
  /** null when the network has no x402 v1 name (v1 clients cannot pay there). */
  v1: PaymentRequirementsV1 | null;
}

/**
 * Deterministic by construction (no clocks, no randomness), so the requirements a client echoes on
 * its paid retry are exactly the ones it was offered in the 402.
 */
export function buildPaymentTerms(config: PaymentConfig, price: bigint, resource: PaidResource): PaymentTerms {
  const extra = { name: config.assetName, version: config.assetVersion };
  return {
    price,
    resource,
    v2: {
      scheme: "exact",
      network: config.network,
      amount: price.toString(),
      asset: config.asset,
      payTo: config.payTo,
      maxTimeoutSeconds: config.maxTimeoutSeconds,
      extra,
    },
    v1:
      config.v1NetworkName === null
        ? null
        : {
            scheme: "exact",
            network: config.v1NetworkName as PaymentRequirementsV1["network"],
            maxAmountRequired: price.toString(),
            resource: resource.url,
            description: resource.description,
            mimeType: resource.mimeType,
            outputSchema: resource.outputSchema ?? {},
            payTo: config.payTo,
            maxTimeoutSeconds: config.maxTimeoutSeconds,
            asset: config.asset,
            extra,
          },
  };
}

export function paymentRequiredV2(terms: PaymentTerms, error: string): PaymentRequired {
  const resource: ResourceInfo = {
    url: terms.resource.url,
    description: terms.resource.description,
    mimeType: terms.resource.mimeType,
  };
  return {
    x402Version: 2,
    error,
    resource,
    accepts: [terms.v2],
    ...(terms.resource.extensions ? { extensions: terms.resource.extensions } : {}),
  };
}

export function paymentRequiredV1(terms: PaymentTerms, error: string): PaymentRequiredV1 | null {
  return terms.v1 ? { x402Version: 1, error, accepts: [terms.v1] } : null;
}
