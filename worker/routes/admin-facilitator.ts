import type { Context } from "hono";
import { privateKeyToAccount } from "viem/accounts";
import type { AppEnv } from "../app-context.ts";
import { jsonError } from "../http/json-error.ts";
import { RemoteFacilitator } from "../payments/facilitator/remote-facilitator.ts";

/**
 * GET /admin/facilitator — how this edge settles, so an operator can check it before going live:
 * for a remote facilitator, its live `/supported` answer and whether it lists this edge's network.
 */
export async function adminFacilitatorRoute(c: Context<AppEnv>): Promise<Response> {
  const { facilitator, payment } = c.var.config;
  if (facilitator.kind === "embedded") {
    return c.json({ kind: "embedded", network: payment.network, relayer: privateKeyToAccount(facilitator.relayerKey).address, rpcUrl: facilitator.rpcUrl });
  }
  try {
    const supported = await new RemoteFacilitator({ url: facilitator.url }).supported();
    const servesThisEdge = supported.kinds.some((k) => k.scheme === "exact" && k.network === payment.network && k.x402Version === 2);
    return c.json({ kind: "remote", url: facilitator.url, network: payment.network, servesThisEdge, supported });
  } catch (error) {
    return jsonError(502, "facilitator_unreachable", `${facilitator.url}/supported: ${error instanceof Error ? error.message : String(error)}`);
  }
}
