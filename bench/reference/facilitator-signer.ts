import type { FacilitatorEvmSigner } from "@x402/evm";
import { createWalletClient, defineChain, http, nonceManager, publicActions, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { facilitatorSignerOf } from "../../dev/chain/facilitator-signer.ts";

export interface ReferenceSignerOptions {
  rpcUrl: string;
  chainId: number;
  /** Submits transferWithAuthorization and pays its gas. */
  relayerKey: Hex;
  /**
   * viem's nonce manager on the account. Off by default, as in the reference examples: without it,
   * concurrent settlements from one key collide on the account nonce ("nonce too low").
   */
  nonceManager?: boolean;
}

/**
 * The facilitator signer the x402 examples build (examples/typescript/facilitator, e2e/facilitators):
 * one viem wallet client extended with public actions, adapted method by method to
 * FacilitatorEvmSigner. Default client options (http transport, 4 s polling), as people run it.
 */
export function referenceFacilitatorSigner({ rpcUrl, chainId, relayerKey, nonceManager: manageNonces = false }: ReferenceSignerOptions): FacilitatorEvmSigner {
  const account = privateKeyToAccount(relayerKey, manageNonces ? { nonceManager } : {});
  // A chain on the client, as the reference does with baseSepolia: without one viem would ask the
  // node for eth_chainId before every write.
  const chain = defineChain({
    id: chainId,
    name: `local ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const client = createWalletClient({ account, chain, transport: http(rpcUrl) }).extend(publicActions);

  return facilitatorSignerOf(client);
}
