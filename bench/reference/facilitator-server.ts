import { x402Facilitator } from "@x402/core/facilitator";
import type { Network, PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import { Hono, type Context } from "hono";
import type { Hex } from "viem";
import { referenceFacilitatorSigner } from "./facilitator-signer.ts";
import { serveLoopback, type LoopbackServer } from "./serve-loopback.ts";

export interface ReferenceFacilitatorOptions {
  rpcUrl: string;
  chainId: number;
  relayerKey: Hex;
  /** See ReferenceSignerOptions.nonceManager. */
  nonceManager?: boolean;
  /** 0 or absent: a free port. */
  port?: number;
}

export type ReferenceFacilitator = LoopbackServer;

/**
 * The x402 facilitator HTTP API (POST /verify, POST /settle, GET /supported) over the reference
 * library: x402Facilitator with @x402/evm's exact scheme, default options, for `eip155:<chainId>`.
 * The HTTP layer follows the reference example server: library results pass through as 200 JSON,
 * a thrown error becomes 500 {error}, a body without payload/requirements 400.
 */
export async function startReferenceFacilitator(options: ReferenceFacilitatorOptions): Promise<ReferenceFacilitator> {
  const { rpcUrl, chainId, relayerKey, port, nonceManager = false } = options;
  const network: Network = `eip155:${chainId}`;
  const facilitator = new x402Facilitator().register(
    network,
    new ExactEvmScheme(referenceFacilitatorSigner({ rpcUrl, chainId, relayerKey, nonceManager })),
  );

  const app = new Hono();
  app.get("/supported", (c) => c.json(facilitator.getSupported()));
  app.post("/verify", (c) => withFacilitatorRequest(c, (payload, requirements) => facilitator.verify(payload, requirements)));
  app.post("/settle", (c) => withFacilitatorRequest(c, (payload, requirements) => facilitator.settle(payload, requirements)));
  return serveLoopback(app.fetch, port);
}

async function withFacilitatorRequest(
  c: Context,
  run: (payload: PaymentPayload, requirements: PaymentRequirements) => Promise<object>,
): Promise<Response> {
  const body: unknown = await c.req.json().catch(() => undefined);
  if (!isFacilitatorRequest(body)) {
    return c.json({ error: "Missing paymentPayload or paymentRequirements" }, 400);
  }
  try {
    // Shape-checked only, like the reference server: the scheme validates the fields it uses and
    // answers invalid ones as values (isValid/success false), which is what we benchmark against.
    return c.json(await run(body.paymentPayload as PaymentPayload, body.paymentRequirements as PaymentRequirements));
  } catch (error) {
    return c.json({ error: error instanceof Error ? error.message : String(error) }, 500);
  }
}

function isFacilitatorRequest(body: unknown): body is { paymentPayload: object; paymentRequirements: object } {
  if (typeof body !== "object" || body === null) return false;
  const { paymentPayload, paymentRequirements } = body as Record<string, unknown>;
  return typeof paymentPayload === "object" && paymentPayload !== null && typeof paymentRequirements === "object" && paymentRequirements !== null;
}
