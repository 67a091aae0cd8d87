import type { Context } from "hono";
import { privateKeyToAccount } from "viem/accounts";
import type { AppEnv } from "../app-context.ts";
import { jsonError } from "../http/json-error.ts";
import { RemoteFacilitator } from "../payments/facilitator/remote-facilitator.ts";
import { paymentSchemesFor } from "../payments/schemes/registry.ts";

/**
 * GET /admin/facilitator — how this edge settles, so an operator can check it before going live:
 * for a remote facilitator, its live `/supported` answer and whether it lists every scheme this edge
 * offers on its network (`servesThisEdge`; per scheme in `schemes`).
 */
export async function adminFacilitatorRoute(c: Context<AppEnv>): Promise<Response> {
  const { facilitator, payment } = c.var.config;
  const offered = paymentSchemesFor(c.var.config, c.env);
  if (facilitator.kind === "embedded") {
    return c.json({ kind: "embedded", network: payment.network, schemes: offered.map((s) => s.scheme), relayer: privateKeyToAccount(facilitator.relayerKey).address, rpcUrl: facilitator.rpcUrl });
  }
  try {
    const supported = await new RemoteFacilitator({ url: facilitator.url }).supported();
    const schemes = offered.map((s) => ({
      scheme: s.scheme,
      network: s.network,
      supported: supported.kinds.some((k) => k.scheme === s.scheme && k.network === s.network && k.x402Version === 2),
    }));
    const servesThisEdge = schemes.every((s) => s.supported);
    return c.json({ kind: "remote", url: facilitator.url, network: payment.network, servesThisEdge, schemes, supported });
  } catch (error) {
    return jsonError(502, "facilitator_unreachable", `${facilitator.url}/supported: ${error instanceof Error ? error.message : String(error)}`);
  }
}
