import type { EdgeConfig } from "../config/edge-config.ts";
import type { PaymentScheme } from "../payments/core/payment-scheme.ts";
import { acceptsV2, buildPaymentTerms } from "../payments/core/terms.ts";
import { paidEndpoints, type Pricing } from "./endpoints.ts";
import { formatUsdc } from "../offers/usdc.ts";

/**
 * GET /.well-known/x402 — every paid resource with its x402 `accepts`, shaped like the bazaar
 * discovery list (`items: [{resource, type, x402Version, accepts, metadata}]`) so catalogues and
 * agents can read it without a 402 round trip per route.
 */
export function wellKnownX402(config: EdgeConfig, schemes: readonly PaymentScheme[], origin: string) {
  return {
    x402Version: 2,
    name: "edge402",
    network: config.payment.network,
    asset: config.payment.asset,
    payTo: config.payment.payTo,
    schemes: schemes.map((s) => s.scheme),
    items: paidEndpoints(config).map((endpoint) => {
      const terms = buildPaymentTerms(schemes, endpoint.examplePrice, { url: `${origin}${endpoint.path}`, description: endpoint.description, mimeType: "application/json" });
      return {
        resource: `${origin}${endpoint.path}`,
        type: "http",
        method: "POST",
        x402Version: 2,
        accepts: acceptsV2(terms),
        metadata: {
          id: endpoint.id,
          title: endpoint.title,
          description: endpoint.description,
          models: endpoint.models,
          pricing: describePricing(endpoint.pricing),
          input: endpoint.inputSchema,
          output: endpoint.outputSchema,
          example: endpoint.example,
        },
      };
    }),
  };
}

export function describePricing(pricing: Pricing) {
  return pricing.kind === "per_call"
    ? { kind: "per_call", amount: pricing.price.toString(), usdc: formatUsdc(pricing.price) }
    : {
        kind: "per_token",
        baseAmount: pricing.basePrice.toString(),
        perMillionTokens: pricing.pricePerMillionTokens.toString(),
        usdcBase: formatUsdc(pricing.basePrice),
        usdcPerMillionTokens: formatUsdc(pricing.pricePerMillionTokens),
        tokens: pricing.note,
        note: "the exact price is quoted in each request's 402; `accepts` here is the example request's",
      };
}
