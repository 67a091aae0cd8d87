import type { Address, LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { mintUsdcBatch } from "../../dev/chain/usdc.ts";

/** One concurrency slot of a channel run: its own payer, its own channel, its share of the calls. */
export interface ChannelSlot {
  payer: LocalAccount;
  /** Calls this slot sends, one after another (a channel takes one request at a time). */
  calls: number;
  /** What its one deposit is: enough for every call at the quoted ceiling, no more. */
  deposit: bigint;
}

/**
 * Splits `n` calls over `c` slots as evenly as whole calls allow. Each slot's deposit is its calls ×
 * the price: the voucher of its last call claims at most that (the price is the ceiling even when
 * the service meters), so one deposit carries the slot through, and the books stay small numbers.
 */
export function planSlots(n: number, c: number, price: bigint): Array<Omit<ChannelSlot, "payer">> {
  return Array.from({ length: c }, (_, i) => {
    const calls = Math.floor(n / c) + (i < n % c ? 1 : 0);
    return { calls, deposit: price * BigInt(calls) };
  });
}

/**
 * Fresh payers (new keys, nobody else's balance moves with theirs), each minted exactly its
 * deposit: a payer ends at 0 when its deposit landed, so its balance delta is the deposit itself.
 * No ETH: the edge's relayer sends the deposit (ERC-3009), the payer only signs.
 */
export async function fundSlots(rpcUrl: string, usdc: Address, plan: ReadonlyArray<Omit<ChannelSlot, "payer">>): Promise<ChannelSlot[]> {
  const slots = plan.map((p) => ({ ...p, payer: privateKeyToAccount(generatePrivateKey()) }));
  await mintUsdcBatch(
    rpcUrl,
    usdc,
    slots.filter((s) => s.deposit > 0n).map((s) => ({ to: s.payer.address, amount: s.deposit })),
  );
  return slots;
}
