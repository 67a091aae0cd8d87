import { createPublicClient, http, type Address, type Hex } from "viem";

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

/** ERC-1271: asks a contract wallet whether it considers `signature` valid for `digest`. */
export function erc1271Verifier(rpcUrl: string) {
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: 5_000, retryCount: 0 }) });
  return async (wallet: Address, digest: Hex, signature: Hex): Promise<boolean> => {
    const code = await client.getCode({ address: wallet });
    if (!code || code === "0x") return false;
    const result = await client.readContract({ address: wallet, abi: erc1271Abi, functionName: "isValidSignature", args: [digest, signature] });
    return result.toLowerCase() === ERC1271_MAGIC;
  };
}
