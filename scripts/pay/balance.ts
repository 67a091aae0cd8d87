import { createPublicClient, erc20Abi, http, type Address } from "viem";

export type BalanceResult = { ok: true; balance: bigint } | { ok: false; problem: string };

/** The payer's token balance as the chain reports it now (`balanceOf`), not as computed from the quote. */
export async function readTokenBalance(rpcUrl: string, token: Address, owner: Address): Promise<BalanceResult> {
  try {
    const client = createPublicClient({ transport: http(rpcUrl, { timeout: 10_000, retryCount: 1 }) });
    const balance = await client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [owner] });
    return { ok: true, balance };
  } catch (error) {
    const message = error instanceof Error ? (("shortMessage" in error && typeof error.shortMessage === "string" && error.shortMessage) || error.message) : String(error);
    return { ok: false, problem: message.split("\n")[0] ?? message };
  }
}
