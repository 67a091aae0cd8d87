import { toFacilitatorEvmSigner, type FacilitatorEvmSigner } from "@x402/evm";
import { createWalletClient, defineChain, http, nonceManager, publicActions, type Abi, type Hex, type TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";

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

  // FacilitatorEvmSigner describes ABIs and typed data loosely (unknown[], Record<string, unknown>)
  // while viem types them precisely; the casts below are that library boundary and nothing more.
  return toFacilitatorEvmSigner({
    address: account.address,
    getCode: (args) => client.getCode(args),
    readContract: (args) => client.readContract({ ...args, abi: args.abi as Abi, args: args.args ?? [] }),
    verifyTypedData: (args) => client.verifyTypedData(args as TypedDataDefinition & { address: Hex; signature: Hex }),
    writeContract: (args) => client.writeContract({ ...args, abi: args.abi as Abi }),
    sendTransaction: (args) => client.sendTransaction(args),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
  });
}
