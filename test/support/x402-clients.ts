import { x402Client } from "@x402/core/client";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import type { LocalAccount } from "viem";

/**
 * The official x402 v2 client (@x402/fetch), unmodified. A local-chain USDC is not one of its
 * built-in default assets, so it has to be allowed explicitly (its spend controls), with a cap.
 */
export function officialV2Fetch(payer: LocalAccount, allow: { network: string; asset: string; maxAmountPerPayment?: string }) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: payer });
  client.setSpendControls({
    allowedAssets: [{ network: allow.network as `${string}:${string}`, asset: allow.asset, maxAmountPerPayment: allow.maxAmountPerPayment ?? "1000000" }],
  });
  return wrapFetchWithPayment(fetch, client);
}
