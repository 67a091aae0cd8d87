import type { MinedReceipt } from "../chain-client.ts";

const DAY_MS = 86_400_000;

/**
 * What the relayer's mined transactions cost it in gas (gasUsed × effectiveGasPrice, wei), per UTC
 * day, for the operator to weigh against revenue. Sums are BigInt over decimal text: a day's wei can
 * pass SQLite's 64-bit integers. (The zero-value transfers that fill a nonce gap are not counted.)
 */
export class GasBook {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS gas_spent (day INTEGER PRIMARY KEY, wei TEXT NOT NULL)");
  }

  spent(receipt: MinedReceipt, now: number): void {
    const day = Math.floor(now / DAY_MS);
    const fee = BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
    const before = this.sql.exec<{ wei: string }>("SELECT wei FROM gas_spent WHERE day = ?", day).toArray()[0]?.wei ?? "0";
    this.sql.exec("INSERT OR REPLACE INTO gas_spent (day, wei) VALUES (?, ?)", day, (BigInt(before) + fee).toString());
  }

  /** Wei spent on the UTC days from the one holding `since` on. */
  since(since: number): string {
    return this.sql
      .exec<{ wei: string }>("SELECT wei FROM gas_spent WHERE day >= ?", Math.floor(since / DAY_MS))
      .toArray()
      .reduce((sum, row) => sum + BigInt(row.wei), 0n)
      .toString();
  }
}
