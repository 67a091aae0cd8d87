import type { EdgeConfig } from "../config/edge-config.ts";
import type { PaymentScheme } from "../payments/core/payment-scheme.ts";
import { paidEndpoints } from "./endpoints.ts";
import { describePricing } from "./well-known.ts";
import { paymentInfo } from "./payment-info.ts";

const errorSchema = {
  type: "object",
  properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" }, type: { type: "string" } }, required: ["code", "message"] } },
};
const error = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });

/** GET /openapi.json — OpenAPI 3.1, generated from the same zod schemas the edge validates with. */
export function openApiDocument(config: EdgeConfig, schemes: readonly PaymentScheme[], origin: string) {
  const paths: Record<string, unknown> = {};
  for (const endpoint of paidEndpoints(config)) {
    paths[endpoint.path] = {
      post: {
        operationId: endpoint.id.replace(/[^A-Za-z0-9]+(.)/g, (_m, c: string) => c.toUpperCase()),
        summary: endpoint.title,
        description: endpoint.description,
        requestBody: { required: true, content: { "application/json": { schema: endpoint.inputSchema, example: endpoint.example.input } } },
        responses: {
          "200": {
            description: "The result; the PAYMENT-RESPONSE header (x402 v1: X-PAYMENT-RESPONSE) carries the settlement receipt.",
            headers: { "PAYMENT-RESPONSE": { schema: { type: "string" }, description: "base64 JSON SettleResponse" } },
            content: { "application/json": { schema: endpoint.outputSchema, example: endpoint.example.output } },
          },
          "400": error("Invalid body or image (before any payment is asked)."),
          "402": {
            description: "Payment Required: the terms, or why the payment was refused (the PAYMENT-REQUIRED header's `error`).",
            headers: { "PAYMENT-REQUIRED": { schema: { type: "string" }, description: "base64 JSON PaymentRequired (x402 v2)" } },
          },
          "413": error("Body or image too large."),
          "415": error("Unsupported image type."),
          "502": error("The job failed or produced invalid output; nothing was charged."),
          "503": error("No runner can take the job now (Retry-After); nothing was charged."),
          "504": error("The job timed out; nothing was charged."),
        },
        // What x402 indexes read (x402scan): this operation is paid, by x402, at this price in USD.
        "x-payment-info": paymentInfo(endpoint.pricing),
        "x-x402": {
          schemes: [...new Set(schemes.map((s) => s.scheme))],
          network: config.payment.network,
          asset: config.payment.asset,
          payTo: config.payment.payTo,
          pricing: describePricing(endpoint.pricing),
          models: endpoint.models,
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "edge402",
      version: "1",
      description: "Ollama inference sold per call for USDC over x402 (no accounts, no API keys: the payment is the authentication).",
      // x402scan shows this to agents as how to use the API at a high level.
      "x-guidance":
        "POST a JSON body to a /v1/<service> path. Without a payment the answer is 402 with the terms in the PAYMENT-REQUIRED header (x402 v2; schemes batch-settlement and exact); retry with the signed payment in PAYMENT-SIGNATURE and read the receipt in PAYMENT-RESPONSE. Invalid input is refused (400) before any price is asked; a failed job is not charged. /v1/chat/completions and /v1/embeddings are OpenAI-compatible and priced per request.",
    },
    servers: [{ url: origin }],
    paths,
    components: { schemas: { Error: errorSchema } },
  };
}
