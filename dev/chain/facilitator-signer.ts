import { toFacilitatorEvmSigner, type FacilitatorEvmSigner } from "@x402/evm";
import type { Abi, Account, Chain, Hex, PublicActions, Transport, TypedDataDefinition, WalletClient } from "viem";

/**
 * The official facilitator's signer over a viem wallet client extended with public actions, adapted
 * method by method as the x402 examples do. FacilitatorEvmSigner types ABIs and typed data loosely
 * (unknown[], Record<string, unknown>) while viem types them precisely: the casts are that library
 * boundary and nothing more.
 */
export function facilitatorSignerOf(client: WalletClient<Transport, Chain, Account> & PublicActions<Transport, Chain>): FacilitatorEvmSigner {
  return toFacilitatorEvmSigner({
    address: client.account.address,
    getCode: (args) => client.getCode(args),
    readContract: (args) => client.readContract({ ...args, abi: args.abi as Abi, args: args.args ?? [] }),
    verifyTypedData: (args) => client.verifyTypedData(args as TypedDataDefinition & { address: Hex; signature: Hex }),
    writeContract: (args) => client.writeContract({ ...args, abi: args.abi as Abi }),
    sendTransaction: (args) => client.sendTransaction(args),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
  });
}
