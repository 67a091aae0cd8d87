import type { Hex } from "viem";
import type { TxJournal } from "../../../chain/relayer/tx-journal.ts";
import type { PaymentConfig } from "../../../config/edge-config.ts";
import type { ExactTransferMemo } from "./exact-memo.ts";
import { exactReplayKey } from "./nonce-key.ts";

/**
 * The relayer journal as the exact-only edge wrote it (`transfer_journal`, one EIP-3009 transfer a
 * row), carried into the generic journal with the memo exact's recovery reads — so a transfer in
 * flight across the deploy of this version is still found by the sweep. The relayer nonce of those
 * rows was not kept: they are given up only once their authorization expired. Returns how many it carried over.
 */
export function adoptLegacyTransferJournal(sql: SqlStorage, journal: TxJournal, config: PaymentConfig | null): number {
  const exists = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'transfer_journal'").one().n > 0;
  if (!exists || !config) return 0;
  const rows = sql
    .exec<{ tx_hash: string; state: string; asset: string; payer: string; payee: string; amount: string; nonce: string; valid_before: number; updated_at: number }>("SELECT * FROM transfer_journal")
    .toArray();
  for (const r of rows) {
    const memo: ExactTransferMemo = {
      scheme: "exact",
      network: config.network,
      replayKey: exactReplayKey({ chainId: config.chainId, asset: r.asset, payer: r.payer, nonce: r.nonce }),
      asset: r.asset,
      payer: r.payer,
      payee: r.payee,
      amount: r.amount,
      validBefore: Number(r.valid_before),
    };
    const hash = r.tx_hash as Hex;
    journal.sent({ hash, nonce: Number.MAX_SAFE_INTEGER, memo, expiresAt: memo.validBefore * 1000 }, Number(r.updated_at));
    if (r.state === "settled") journal.acknowledged(hash, Number(r.updated_at));
  }
  sql.exec("DROP TABLE transfer_journal");
  return rows.length;
}
