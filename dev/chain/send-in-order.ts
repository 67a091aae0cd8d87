import type { Address, Hash, Hex, LocalAccount, TransactionReceipt } from "viem";
import { localPublicClient } from "./local-client.ts";

export interface PlannedTransaction {
  /** Names the step in errors. */
  label: string;
  /** Absent for a contract creation. */
  to?: Address;
  data: Hex;
  /** Fixed up front: estimating would run against the state before earlier steps are mined. */
  gas: bigint;
}

export interface SendInOrderOptions {
  /** Nonce of the first step, when the caller precomputed contract addresses from it. */
  firstNonce?: number;
}

const RECEIPT_TIMEOUT_MS = 30_000;

/**
 * Sends `plan` from one account with consecutive nonces, without waiting between transactions, then
 * waits for all receipts and throws if any step reverted. Nonce order makes the node execute the
 * steps in order, so a step may rely on an earlier one (call a contract deployed just before it).
 */
export async function sendInOrder(
  rpcUrl: string,
  account: LocalAccount,
  plan: readonly PlannedTransaction[],
  options: SendInOrderOptions = {},
): Promise<TransactionReceipt[]> {
  const client = localPublicClient(rpcUrl);
  const [chainId, firstNonce, fees] = await Promise.all([
    client.getChainId(),
    options.firstNonce ?? client.getTransactionCount({ address: account.address, blockTag: "pending" }),
    client.estimateFeesPerGas(),
  ]);
  const signed = await Promise.all(
    plan.map((step, index) =>
      account.signTransaction({
        type: "eip1559",
        chainId,
        nonce: firstNonce + index,
        to: step.to ?? null,
        data: step.data,
        gas: step.gas,
        // Headroom so a base-fee rise between signing and mining (interval mining) cannot strand a step.
        maxFeePerGas: fees.maxFeePerGas * 2n,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      }),
    ),
  );
  const hashes: Hash[] = [];
  // One at a time, so the node never sees a nonce gap.
  for (const serializedTransaction of signed) {
    hashes.push(await client.sendRawTransaction({ serializedTransaction }));
  }
  const receipts = await Promise.all(
    hashes.map((hash) => client.waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS })),
  );
  receipts.forEach((receipt, index) => {
    if (receipt.status !== "success") {
      const step = plan[index];
      throw new Error(
        `step "${step?.label}" from ${account.address} reverted` +
          ` (tx ${receipt.transactionHash}, gas used ${receipt.gasUsed} of ${step?.gas})`,
      );
    }
  });
  return receipts;
}
