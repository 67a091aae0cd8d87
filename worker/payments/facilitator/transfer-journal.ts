import type { Address, Hex } from "viem";
import type { Authorization } from "../wire.ts";

/**
 * A transfer the relayer signed and is sending, or sent and settled: written before the transaction
 * leaves, so whatever happens next (the object restarts mid-settlement, the Worker dies before it
 * records the payment, the receipt never comes) the transfer can be found again and put in the
 * ledger once it is on chain. `sent`: its outcome is not known yet; `settled`: it moved the money and
 * the paid call was told so (it records the payment; the journal makes sure that happened).
 */
export interface JournaledTransfer {
  txHash: Hex;
  state: "sent" | "settled";
  asset: Address;
  payer: Address;
  payee: Address;
  /** base units, decimal string */
  amount: string;
  nonce: Hex;
  /** The authorization's validBefore, unix seconds: after it, a transfer not yet mined never will move money. */
  validBefore: number;
  updatedAt: number;
}

export class TransferJournal {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS transfer_journal (
        tx_hash TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('sent', 'settled')),
        asset TEXT NOT NULL,
        payer TEXT NOT NULL,
        payee TEXT NOT NULL,
        amount TEXT NOT NULL,
        nonce TEXT NOT NULL,
        valid_before INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `);
  }

  sent(txHash: Hex, asset: Address, authorization: Authorization, now: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO transfer_journal (tx_hash, state, asset, payer, payee, amount, nonce, valid_before, updated_at) VALUES (?, 'sent', ?, ?, ?, ?, ?, ?, ?)",
      txHash,
      asset,
      authorization.from,
      authorization.to,
      authorization.value,
      authorization.nonce,
      Number(authorization.validBefore),
      now,
    );
  }

  settled(txHash: Hex, now: number): void {
    this.sql.exec("UPDATE transfer_journal SET state = 'settled', updated_at = ? WHERE tx_hash = ?", now, txHash);
  }

  /** The transfer moved nothing and never will (not sent, or reverted), or it is in the ledger now. */
  forget(txHashes: Hex[]): void {
    for (const hash of txHashes) this.sql.exec("DELETE FROM transfer_journal WHERE tx_hash = ?", hash);
  }

  all(): JournaledTransfer[] {
    return this.sql
      .exec<{ tx_hash: string; state: string; asset: string; payer: string; payee: string; amount: string; nonce: string; valid_before: number; updated_at: number }>(
        "SELECT * FROM transfer_journal ORDER BY updated_at",
      )
      .toArray()
      .map((r) => ({
        txHash: r.tx_hash as Hex,
        state: r.state === "settled" ? "settled" : "sent",
        asset: r.asset as Address,
        payer: r.payer as Address,
        payee: r.payee as Address,
        amount: r.amount,
        nonce: r.nonce as Hex,
        validBefore: Number(r.valid_before),
        updatedAt: Number(r.updated_at),
      }));
  }

  get isEmpty(): boolean {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM transfer_journal").one().n === 0;
  }
}
