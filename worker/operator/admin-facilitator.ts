import type { Context } from "hono";
import { createPublicClient, defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { PaymentScheme } from "../payments/core/payment-scheme.ts";
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
    const contracts = await contractsPresent(facilitator.rpcUrl, payment.chainId, offered);
    return c.json({ kind: "embedded", network: payment.network, schemes: offered.map((s) => s.scheme), relayer: privateKeyToAccount(facilitator.relayerKey).address, rpcUrl: facilitator.rpcUrl, contracts });
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

/** Whether the contracts the offered schemes rely on have code on this network (an operator's check before going live). */
async function contractsPresent(rpcUrl: string, chainId: number, schemes: readonly PaymentScheme[]): Promise<Record<string, boolean | null>> {
  const wanted = schemes.flatMap((s) => Object.entries(s.contracts ?? {}));
  if (wanted.length === 0) return {};
  const client = createPublicClient({ chain: defineChain({ id: chainId, name: `eip155:${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [] } } }), transport: http(rpcUrl, { timeout: 5_000, retryCount: 0 }) });
  const present = await Promise.all(wanted.map(([, address]) => client.getCode({ address }).then((code) => !!code && code !== "0x", () => null)));
  return Object.fromEntries(wanted.map(([name], i) => [name, present[i] ?? null]));
}
