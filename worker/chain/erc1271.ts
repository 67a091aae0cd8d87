import { createPublicClient, http, type Address, type Hex, type PublicClient } from "viem";

const ERC1271_MAGIC = "0x1626ba7e";
const erc1271Abi = [
  {
    type: "function",
    name: "isValidSignature",
    stateMutability: "view",
    inputs: [
      { name: "hash", type: "bytes32" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ name: "", type: "bytes4" }],
  },
] as const;

const clients = new Map<string, PublicClient>();

/**
 * ERC-1271: asks a contract wallet whether it considers `signature` valid for `digest`. Every paid
 * request carries this capability but almost none use it, so the RPC client is only made (once per
 * isolate and URL) when a contract-wallet signature actually shows up.
 */
export function erc1271Verifier(rpcUrl: string) {
  return async (wallet: Address, digest: Hex, signature: Hex): Promise<boolean> => {
    let client = clients.get(rpcUrl);
    if (!client) {
      client = createPublicClient({ transport: http(rpcUrl, { timeout: 5_000, retryCount: 0 }) }) as PublicClient;
      clients.set(rpcUrl, client);
    }
    const code = await client.getCode({ address: wallet });
    if (!code || code === "0x") return false;
    const result = await client.readContract({ address: wallet, abi: erc1271Abi, functionName: "isValidSignature", args: [digest, signature] });
    return result.toLowerCase() === ERC1271_MAGIC;
  };
}
