import type { Hex } from "viem";
import type { JournaledTx, TxJournal } from "./tx-journal.ts";

/** The journal in the relayer Durable Object's SQLite: writes are durable before the object's next output. */
export class SqlTxJournal implements TxJournal {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS tx_journal (
        hash TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('sent', 'acknowledged')),
        nonce INTEGER NOT NULL,
        memo TEXT NOT NULL,
        expires_at INTEGER,
        updated_at INTEGER NOT NULL
      );
    `);
  }

  sent(entry: Omit<JournaledTx, "state" | "updatedAt">, now: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO tx_journal (hash, state, nonce, memo, expires_at, updated_at) VALUES (?, 'sent', ?, ?, ?, ?)",
      entry.hash,
      entry.nonce,
      JSON.stringify(entry.memo ?? null),
      entry.expiresAt,
      now,
    );
  }

  acknowledged(hash: Hex, now: number): void {
    this.sql.exec("UPDATE tx_journal SET state = 'acknowledged', updated_at = ? WHERE hash = ?", now, hash);
  }

  forget(hashes: readonly Hex[]): void {
    for (const hash of hashes) this.sql.exec("DELETE FROM tx_journal WHERE hash = ?", hash);
  }

  all(): JournaledTx[] {
    return this.sql
      .exec<{ hash: string; state: string; nonce: number; memo: string; expires_at: number | null; updated_at: number }>("SELECT * FROM tx_journal ORDER BY updated_at")
      .toArray()
      .map((r) => ({
        hash: r.hash as Hex,
        state: r.state === "acknowledged" ? "acknowledged" : "sent",
        nonce: Number(r.nonce),
        memo: JSON.parse(r.memo) as unknown,
        expiresAt: r.expires_at === null ? null : Number(r.expires_at),
        updatedAt: Number(r.updated_at),
      }));
  }

  get isEmpty(): boolean {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tx_journal").one().n === 0;
  }
}
