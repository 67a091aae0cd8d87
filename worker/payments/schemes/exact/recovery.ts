import type { Address } from "viem";
import type { SchemeRecovery } from "../../core/payment-scheme.ts";
import { ExactTransferMemoSchema } from "./exact-memo.ts";
import { movedMoney } from "./transfer.ts";

/**
 * A transfer this scheme had the relayer send landed while no paid call waited for it (the call's
 * Worker or the relayer stopped mid-settlement, or the receipt came too late). If it moved the money
 * the authorization promised, it goes into the ledger as a recovered payment (a no-op when the paid
 * call recorded it after all).
 */
export const recoverExactTransfer: SchemeRecovery = (landed) => {
  const memo = ExactTransferMemoSchema.safeParse(landed.memo);
  if (!memo.success) return null;
  const m = memo.data;
  if (!movedMoney(landed.receipt, { asset: m.asset as Address, payer: m.payer as Address, payee: m.payee as Address, amount: m.amount })) return null;
  return {
    scheme: m.scheme,
    replayKey: m.replayKey,
    network: m.network,
    payer: m.payer,
    payTo: m.payee,
    asset: m.asset,
    amount: m.amount,
    settlementRef: landed.hash,
    txHash: landed.hash,
    validUntil: m.validBefore,
  };
};
