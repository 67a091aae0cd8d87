import { HTTPFacilitatorClient, x402ResourceServer, type RoutesConfig } from "@x402/core/server";
import type { Network } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { paymentMiddleware } from "@x402/hono";
import { Hono } from "hono";
import { chatCompletionHandler } from "./chat-completion-handler.ts";
import { serveLoopback, type LoopbackServer } from "./serve-loopback.ts";

export interface ReferenceResourceServerOptions {
  facilitatorUrl: string;
  /** CAIP-2, e.g. "eip155:31337". */
  network: Network;
  /** The token contract. */
  asset: string;
  /** EIP-712 domain of the token, which payers sign over. */
  assetName: string;
  assetVersion: string;
  payTo: string;
  /** Base units of `asset` per call. */
  price: bigint;
  ollamaHost: string;
  /** The model used when a request names none. */
  model: string;
  /** 0 or absent: a free port. */
  port?: number;
}

export type ReferenceResourceServer = LoopbackServer;

export const PAID_PATH = "/v1/chat/completions";
export const UNPAID_PATH = "/unpaid/v1/chat/completions";

/**
 * A Hono app on Node as the x402 docs set one up: @x402/hono's paymentMiddleware in front of
 * POST /v1/chat/completions (exact scheme, a fixed AssetAmount price), verify/settle through the
 * facilitator over HTTP. The same handler without the middleware at /unpaid/… is the baseline.
 * Resolves only once the middleware has finished its own facilitator initialization.
 */
export async function startReferenceResourceServer(options: ReferenceResourceServerOptions): Promise<ReferenceResourceServer> {
  const { facilitatorUrl, network, asset, assetName, assetVersion, payTo, price, port } = options;
  const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: facilitatorUrl })).register(network, new ExactEvmScheme());
  await assertFacilitatorSupports(resourceServer, network);

  const routes: RoutesConfig = {
    [`POST ${PAID_PATH}`]: {
      accepts: {
        scheme: "exact",
        network,
        payTo,
        price: { amount: price.toString(), asset, extra: { name: assetName, version: assetVersion } },
      },
      description: "Chat completion (reference x402 stack)",
      mimeType: "application/json",
    },
  };
  const handler = chatCompletionHandler(options);
  const app = new Hono();
  // Mounted on the paid route only, so the unpaid baseline carries no x402 code at all.
  app.post(PAID_PATH, paymentMiddleware(routes, resourceServer), handler);
  app.post(UNPAID_PATH, handler);

  await awaitMiddlewareInitialization(app);
  return serveLoopback(app.fetch, port);
}

/**
 * paymentMiddleware starts GET /supported when it is built and, if the facilitator then lacks our
 * (network, exact) kind, calls process.exit(1) from a background promise. Checking first turns that
 * into an error the caller can see.
 */
async function assertFacilitatorSupports(resourceServer: x402ResourceServer, network: Network): Promise<void> {
  await resourceServer.initialize();
  if (!resourceServer.getSupportedKind(2, network, "exact")) {
    throw new Error(`the facilitator does not list x402 v2 "exact" on ${network}`);
  }
}

/**
 * The middleware's initialization promise is private; the only way to wait for it is a request
 * through it. An unpaid in-process request awaits it and must come back as a 402 — anything else
 * means initialization failed. Afterwards no request pays for /supported.
 */
async function awaitMiddlewareInitialization(app: Hono): Promise<void> {
  const response = await app.request(PAID_PATH, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  if (response.status !== 402) {
    throw new Error(`x402 middleware did not initialize: warm-up request got HTTP ${response.status} ${await response.text()}`);
  }
}
