import type { z } from "zod";
import { GAS_PER_SETTLEMENT, gasLevel } from "../edge-state.ts";
import type { GasLevel } from "./data-schema.ts";

export interface RelayerGas {
  balanceWei: string | null;
  /** How many settlements the balance pays for at the fee per gas now. */
  settlementsLeft: number | null;
  level: z.infer<typeof GasLevel>;
  pendingTransactions: number | null;
  /** Pending past the receipt wait (Relayer.stuckTransactions). */
  stuckTransactions: number | null;
  /** Gas the relayer's mined transactions cost since `since` (its UTC day), wei. */
  gasSpentWei: string | null;
}

/**
 * The relayer's balance as its Durable Object reads it (Relayer.status(), the same reading /health
 * and /metrics use), judged by the same rule (edge-state.ts gasLevel): in settlements it still pays
 * for, which means the same on Base and on a local chain.
 */
export async function relayerGas(env: Env, network: string, since: number): Promise<RelayerGas> {
  try {
    const relayer = env.RELAYER.getByName(network);
    const [status, gasSpentWei, stuckTransactions] = await Promise.all([relayer.status(), relayer.gasSpentSince(since), relayer.stuckTransactions()]);
    if (status.balanceWei === null || status.maxFeePerGasWei === null) return { balanceWei: status.balanceWei, settlementsLeft: null, level: "unknown", pendingTransactions: status.pending, stuckTransactions, gasSpentWei };
    const balance = BigInt(status.balanceWei);
    const fee = BigInt(status.maxFeePerGasWei);
    const left = balance / (GAS_PER_SETTLEMENT * (fee > 0n ? fee : 1n));
    return {
      balanceWei: status.balanceWei,
      settlementsLeft: left > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(left),
      level: gasLevel(balance, fee),
      pendingTransactions: status.pending,
      stuckTransactions,
      gasSpentWei,
    };
  } catch {
    return { balanceWei: null, settlementsLeft: null, level: "unknown", pendingTransactions: null, stuckTransactions: null, gasSpentWei: null };
  }
}
