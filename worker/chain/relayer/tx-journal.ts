import type { Hex } from "viem";

/**
 * A transaction the relayer signed, written down before it leaves: whatever happens next (the object
 * restarts mid-send, its caller dies before recording the outcome, the receipt never comes) it can be
 * found again. `memo` is the caller's, opaque here: what the caller needs to make sense of the
 * transaction should it land while nobody waits for it. `sent`: its outcome is not known yet;
 * `acknowledged`: it landed and its caller was told (the sweep still hands it on after a grace time,
 * in case the caller could not record it).
 */
export interface JournaledTx {
  hash: Hex;
  state: "sent" | "acknowledged";
  /** The relayer account's nonce it uses: once a transaction with that nonce is mined, no other can be. */
  nonce: number;
  memo: unknown;
  /** Unix ms after which it can no longer land with effect (e.g. its authorization expired); null: never. */
  expiresAt: number | null;
  updatedAt: number;
}

export interface TxJournal {
  sent(entry: Omit<JournaledTx, "state" | "updatedAt">, now: number): void;
  acknowledged(hash: Hex, now: number): void;
  forget(hashes: readonly Hex[]): void;
  all(): JournaledTx[];
  readonly isEmpty: boolean;
}

/** The journal in memory, for tests (the Relayer object keeps it in SQLite: sql-tx-journal.ts). */
export class MemoryTxJournal implements TxJournal {
  private readonly entries = new Map<Hex, JournaledTx>();

  sent(entry: Omit<JournaledTx, "state" | "updatedAt">, now: number): void {
    this.entries.set(entry.hash, { ...entry, state: "sent", updatedAt: now });
  }

  acknowledged(hash: Hex, now: number): void {
    const entry = this.entries.get(hash);
    if (entry) this.entries.set(hash, { ...entry, state: "acknowledged", updatedAt: now });
  }

  forget(hashes: readonly Hex[]): void {
    for (const hash of hashes) this.entries.delete(hash);
  }

  all(): JournaledTx[] {
    return [...this.entries.values()].sort((a, b) => a.updatedAt - b.updatedAt);
  }

  get isEmpty(): boolean {
    return this.entries.size === 0;
  }
}
