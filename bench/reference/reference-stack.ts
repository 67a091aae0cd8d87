import type { Network } from "@x402/core/types";
import type { Address, Hex } from "viem";
import { startReferenceFacilitator } from "./facilitator-server.ts";
import { PAID_PATH, startReferenceResourceServer, UNPAID_PATH } from "./resource-server.ts";

export interface ReferenceStackOptions {
  rpcUrl: string;
  chainId: number;
  /** The token and its EIP-712 domain. */
  usdc: { address: Address; name: string; version: string };
  payTo: Address;
  /** The facilitator's settlement key. */
  relayerKey: Hex;
  /** See ReferenceSignerOptions.nonceManager (default false, as the reference examples run). */
  nonceManager?: boolean;
  ollamaHost: string;
  model: string;
  /** USDC base units per call. */
  price: bigint;
}

export interface ReferenceStack {
  /** POST here: x402-protected chat completions. */
  paidUrl: string;
  /** POST here: the same handler, no payment. */
  unpaidUrl: string;
  facilitatorUrl: string;
  stop(): Promise<void>;
}

/** The x402 reference stack (facilitator + @x402/hono resource server), both on 127.0.0.1. */
export async function startReferenceStack(options: ReferenceStackOptions): Promise<ReferenceStack> {
  const { rpcUrl, chainId, usdc, payTo, relayerKey, ollamaHost, model, price, nonceManager = false } = options;
  const facilitator = await startReferenceFacilitator({ rpcUrl, chainId, relayerKey, nonceManager });
  try {
    const resource = await startReferenceResourceServer({
      facilitatorUrl: facilitator.url,
      network: `eip155:${chainId}` satisfies Network,
      asset: usdc.address,
      assetName: usdc.name,
      assetVersion: usdc.version,
      payTo,
      price,
      ollamaHost,
      model,
    });
    return {
      paidUrl: `${resource.url}${PAID_PATH}`,
      unpaidUrl: `${resource.url}${UNPAID_PATH}`,
      facilitatorUrl: facilitator.url,
      // The resource server first: it is the facilitator's only client.
      stop: async () => {
        try {
          await resource.stop();
        } finally {
          await facilitator.stop();
        }
      },
    };
  } catch (error) {
    await facilitator.stop();
    throw error;
  }
}
