import type { ServiceOffer } from "../config/services-config.ts";
import type { PaidResource } from "../payments/core/terms.ts";
import { bazaarExtension } from "./bazaar.ts";
import { jsonSchemaOf } from "./json-schemas.ts";

export interface ResourceDescription {
  url: string;
  description: string;
  mimeType: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  exampleBody: unknown;
  exampleOutput: unknown;
}

/**
 * What a 402 says about the resource: v1's `outputSchema` (x402-hono's shape) and v2's bazaar
 * extension both carry the input and output contracts, so any x402 catalogue can list it.
 */
export function paidResource(d: ResourceDescription): PaidResource {
  return {
    url: d.url,
    description: d.description,
    mimeType: d.mimeType,
    outputSchema: { input: { type: "http", method: "POST", bodyType: "json", bodyFields: d.inputSchema, discoverable: true }, output: d.outputSchema },
    extensions: { bazaar: bazaarExtension(d) },
  };
}

export function paidResourceFor(offer: ServiceOffer, origin: string): PaidResource {
  return paidResource(describeOffer(offer, origin));
}

function describeOffer(offer: ServiceOffer, origin: string): ResourceDescription {
  const { definition } = offer;
  return {
    url: `${origin}/v1/${definition.id}`,
    description: definition.description,
    mimeType: "application/json",
    inputSchema: jsonSchemaOf(definition.input, "input"),
    outputSchema: jsonSchemaOf(definition.output),
    exampleBody: definition.example.input,
    exampleOutput: definition.example.output,
  };
}
