import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { EdgeConfig } from "../config/edge-config.ts";
import type { ServiceOffer } from "../config/services-config.ts";
import { jsonSchemaOf } from "../offers/json-schemas.ts";
import { formatUsdc } from "../offers/usdc.ts";
import type { PaymentScheme } from "../payments/core/payment-scheme.ts";
import { acceptsV2, buildPaymentTerms, type PaidResource } from "../payments/core/terms.ts";
import { ACCEPTS_META_KEY, OUTPUT_SCHEMA_META_KEY, PAYMENT_META_KEY, PRICE_META_KEY } from "./x402-meta.ts";

/** The x402 resource a tool sells; `mcp://tool/<name>` as in the x402 MCP transport's examples. */
export function toolResource(offer: ServiceOffer): PaidResource {
  return { url: `mcp://tool/${offer.definition.id}`, description: offer.definition.description, mimeType: "application/json" };
}

/**
 * Every enabled catalog service as an MCP tool, named by its service id, with the catalog's input
 * schema. The price is in the description (for the model choosing a tool) and in `_meta` (for the
 * client paying for it), with the exact requirements, so a client can pay on its first call.
 *
 * The output schema goes in `_meta`, not `outputSchema`: the MCP SDK client validates
 * `structuredContent` against `outputSchema` even on error results, and x402 puts PaymentRequired
 * there — declaring it would make every unpaid call a client-side schema error.
 */
export function catalogTools(config: EdgeConfig, schemes: readonly PaymentScheme[]): Tool[] {
  return config.services.map((offer) => {
    const { definition, price } = offer;
    const terms = buildPaymentTerms(schemes, price, toolResource(offer));
    return {
      name: definition.id,
      title: definition.title,
      description: `${definition.description} Costs ${formatUsdc(price)} USDC per call, paid with x402 (_meta["${PAYMENT_META_KEY}"]); nothing is charged if no result is delivered.`,
      inputSchema: jsonSchemaOf(definition.input, "input") as Tool["inputSchema"],
      annotations: { title: definition.title, readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      _meta: {
        [PRICE_META_KEY]: { amount: price.toString(), usdc: formatUsdc(price), asset: config.payment.asset, network: config.payment.network },
        [ACCEPTS_META_KEY]: acceptsV2(terms),
        [OUTPUT_SCHEMA_META_KEY]: jsonSchemaOf(definition.output),
      },
    };
  });
}
