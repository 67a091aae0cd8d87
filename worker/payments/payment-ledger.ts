import { DurableObject } from "cloudflare:workers";

/** Identity of one EIP-3009 authorization: the chain enforces that it is used at most once. */
export interface NonceKey {
  chainId: number;
  asset: string;
  payer: string;
  nonce: string;
}

export function nonceKeyText(key: NonceKey): string {
  return `${key.chainId}:${key.asset.toLowerCase()}:${key.payer.toLowerCase()}:${key.nonce.toLowerCase()}`;
}

export type ReserveResult = { ok: true } | { ok: false; state: "in_flight" | "settled" | "pending" };

export interface SettledPayment {
  nonceKey: string;
  network: string;
  payer: string;
  payTo: string;
  asset: string;
  /** base units, decimal string */
  amount: string;
  service: string;
  txHash: string;
  x402Version: number;
  model: string | null;
  runnerId: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

export interface LedgerRow extends SettledPayment {
  id: number;
  settledAt: number;
}

export interface LedgerQuery {
  since?: number;
  until?: number;
  payer?: string;
  service?: string;
  limit: number;
  offset: number;
}

export interface LedgerPage {
  payments: LedgerRow[];
  totals: { count: number; amount: string; byService: Array<{ service: string; count: number; amount: string }> };
}

/** A settlement found on chain that no paid call recorded: see PaymentLedger.recordRecovered. */
export interface RecoveredPayment extends Pick<SettledPayment, "nonceKey" | "network" | "payer" | "payTo" | "asset" | "amount" | "txHash"> {
  /** unix seconds */
  validBefore: number;
}

/** The ledger's `service` for recovered payments: which call they paid for is not on chain. */
export const RECOVERED_SERVICE = "recovered";

const PRUNE_INTERVAL_MS = 60 * 60_000;

/**
 * Payment state that must survive restarts, in Durable Object SQLite:
 *  - `reservations`: one row per authorization nonce being served or already settled. Reserving is
 *    atomic (a Durable Object runs one call at a time between awaits, and these calls never await),
 *    so the same payment sent 50 times at once is served once. A reservation has a lease, so one
 *    whose Worker died mid-job frees itself; a settled one is kept until its validBefore has passed,
 *    after which the chain itself refuses the authorization.
 *  - `payments`: the ledger of settled payments.
 */
export class PaymentLedger extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS reservations (
        nonce_key TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('reserved', 'pending', 'settled')),
        lease_until INTEGER NOT NULL,
        valid_before INTEGER NOT NULL,
        payer TEXT NOT NULL,
        amount TEXT NOT NULL,
        tx_hash TEXT
      );
      CREATE INDEX IF NOT EXISTS reservations_payer ON reservations (payer, state);
      CREATE TABLE IF NOT EXISTS payments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        settled_at INTEGER NOT NULL,
        nonce_key TEXT NOT NULL,
        network TEXT NOT NULL,
        payer TEXT NOT NULL,
        pay_to TEXT NOT NULL,
        asset TEXT NOT NULL,
        amount TEXT NOT NULL,
        service TEXT NOT NULL,
        tx_hash TEXT NOT NULL UNIQUE,
        x402_version INTEGER NOT NULL,
        model TEXT,
        runner_id TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER
      );
      CREATE INDEX IF NOT EXISTS payments_settled_at ON payments (settled_at);
    `);
  }

  reserve(nonceKey: string, reservation: { payer: string; amount: string; validBefore: number; leaseMs: number }): ReserveResult {
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<{ state: string; lease_until: number }>("SELECT state, lease_until FROM reservations WHERE nonce_key = ?", nonceKey)
      .toArray()[0];
    if (row) {
      if (row.state === "settled") return { ok: false, state: "settled" };
      if (row.state === "pending") return { ok: false, state: "pending" };
      if (row.lease_until > now) return { ok: false, state: "in_flight" };
    }
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO reservations (nonce_key, state, lease_until, valid_before, payer, amount, tx_hash) VALUES (?, 'reserved', ?, ?, ?, ?, NULL)",
      nonceKey,
      now + reservation.leaseMs,
      reservation.validBefore,
      reservation.payer.toLowerCase(),
      reservation.amount,
    );
    void this.schedulePrune();
    return { ok: true };
  }

  /**
   * One wallet may not start more concurrent jobs than its balance covers. Payments are admitted in
   * the order they were reserved: this one passes if it and the payer's earlier payments still in
   * flight fit in `balance` (read from the chain moments ago). Settlement remains the final guard.
   */
  admitSpend(nonceKey: string, balance: string): { ok: true } | { ok: false; inFlight: string } {
    const self = this.ctx.storage.sql
      .exec<{ payer: string; rowid: number }>("SELECT payer, rowid FROM reservations WHERE nonce_key = ?", nonceKey)
      .toArray()[0];
    if (!self) return { ok: true };
    const inFlight = this.ctx.storage.sql
      .exec<{ amount: string }>(
        "SELECT amount FROM reservations WHERE payer = ? AND state IN ('reserved', 'pending') AND lease_until > ? AND rowid <= ?",
        self.payer,
        Date.now(),
        self.rowid,
      )
      .toArray()
      .reduce((sum, row) => sum + BigInt(row.amount), 0n);
    return inFlight <= BigInt(balance) ? { ok: true } : { ok: false, inFlight: inFlight.toString() };
  }

  /** Nothing was charged: the authorization may be used again. */
  release(nonceKey: string): void {
    this.ctx.storage.sql.exec("DELETE FROM reservations WHERE nonce_key = ? AND state = 'reserved'", nonceKey);
  }

  /**
   * A transfer was broadcast but its outcome is unknown (receipt timeout): the authorization may still
   * be spent, so it must never be served again.
   */
  markPending(nonceKey: string, txHash: string): void {
    this.ctx.storage.sql.exec("UPDATE reservations SET state = 'pending', tx_hash = ? WHERE nonce_key = ?", txHash, nonceKey);
  }

  recordSettlement(payment: SettledPayment): number {
    this.ctx.storage.sql.exec(
      "UPDATE reservations SET state = 'settled', tx_hash = ? WHERE nonce_key = ?",
      payment.txHash,
      payment.nonceKey,
    );
    const row = this.ctx.storage.sql
      .exec<{ id: number }>(
        `INSERT INTO payments (settled_at, nonce_key, network, payer, pay_to, asset, amount, service, tx_hash, x402_version, model, runner_id, prompt_tokens, completion_tokens)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tx_hash) DO UPDATE SET service = excluded.service, x402_version = excluded.x402_version, model = excluded.model,
           runner_id = excluded.runner_id, prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens
         RETURNING id`,
        Date.now(),
        payment.nonceKey,
        payment.network,
        payment.payer.toLowerCase(),
        payment.payTo.toLowerCase(),
        payment.asset.toLowerCase(),
        payment.amount,
        payment.service,
        payment.txHash,
        payment.x402Version,
        payment.model,
        payment.runnerId,
        payment.promptTokens,
        payment.completionTokens,
      )
      .one();
    return row.id;
  }

  /**
   * Transfers the relayer found on chain that no paid call recorded (its Worker or the relayer
   * stopped mid-settlement, or the receipt came too late): the money moved, so the ledger lists them,
   * with what the chain knows (`service` "recovered", x402 version 0, no model, runner or
   * tokens), and their nonces count as used. Payments already recorded are left as they are.
   */
  recordRecovered(payments: RecoveredPayment[]): void {
    for (const payment of payments) {
      this.ctx.storage.sql.exec(
        `INSERT INTO reservations (nonce_key, state, lease_until, valid_before, payer, amount, tx_hash) VALUES (?, 'settled', 0, ?, ?, ?, ?)
         ON CONFLICT (nonce_key) DO UPDATE SET state = 'settled', tx_hash = excluded.tx_hash`,
        payment.nonceKey,
        payment.validBefore,
        payment.payer.toLowerCase(),
        payment.amount,
        payment.txHash,
      );
      this.ctx.storage.sql.exec(
        `INSERT INTO payments (settled_at, nonce_key, network, payer, pay_to, asset, amount, service, tx_hash, x402_version, model, runner_id, prompt_tokens, completion_tokens)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, NULL, NULL)
         ON CONFLICT (tx_hash) DO NOTHING`,
        Date.now(),
        payment.nonceKey,
        payment.network,
        payment.payer.toLowerCase(),
        payment.payTo.toLowerCase(),
        payment.asset.toLowerCase(),
        payment.amount,
        RECOVERED_SERVICE,
        payment.txHash,
      );
    }
    if (payments.length > 0) void this.schedulePrune();
  }

  /** Token counts of a streamed job arrive after settlement, when the stream ends. */
  recordUsage(txHash: string, promptTokens: number, completionTokens: number): void {
    this.ctx.storage.sql.exec(
      "UPDATE payments SET prompt_tokens = ?, completion_tokens = ? WHERE tx_hash = ?",
      promptTokens,
      completionTokens,
      txHash,
    );
  }

  list(query: LedgerQuery): LedgerPage {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (query.since !== undefined) (where.push("settled_at >= ?"), args.push(query.since));
    if (query.until !== undefined) (where.push("settled_at < ?"), args.push(query.until));
    if (query.payer) (where.push("payer = ?"), args.push(query.payer.toLowerCase()));
    if (query.service) (where.push("service = ?"), args.push(query.service));
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const sql = this.ctx.storage.sql;
    const payments = sql
      .exec<Record<string, string | number | null>>(
        `SELECT * FROM payments ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`,
        ...args,
        query.limit,
        query.offset,
      )
      .toArray()
      .map(toLedgerRow);
    // Amounts are summed by SQLite as 64-bit integers and returned as text: exact, never a float.
    const total = sql
      .exec<{ count: number; amount: string | null }>(
        `SELECT COUNT(*) AS count, CAST(SUM(CAST(amount AS INTEGER)) AS TEXT) AS amount FROM payments ${clause}`,
        ...args,
      )
      .one();
    const byService = sql
      .exec<{ service: string; count: number; amount: string }>(
        `SELECT service, COUNT(*) AS count, CAST(SUM(CAST(amount AS INTEGER)) AS TEXT) AS amount FROM payments ${clause} GROUP BY service ORDER BY service`,
        ...args,
      )
      .toArray();
    return { payments, totals: { count: total.count, amount: total.amount ?? "0", byService } };
  }

  private async schedulePrune() {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PRUNE_INTERVAL_MS);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec(
      "DELETE FROM reservations WHERE (state = 'reserved' AND lease_until < ?) OR (state != 'reserved' AND valid_before < ?)",
      now,
      Math.floor(now / 1000) - 60,
    );
    const left = this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(now + PRUNE_INTERVAL_MS);
  }
}

function toLedgerRow(r: Record<string, string | number | null>): LedgerRow {
  return {
    id: Number(r.id),
    settledAt: Number(r.settled_at),
    nonceKey: String(r.nonce_key),
    network: String(r.network),
    payer: String(r.payer),
    payTo: String(r.pay_to),
    asset: String(r.asset),
    amount: String(r.amount),
    service: String(r.service),
    txHash: String(r.tx_hash),
    x402Version: Number(r.x402_version),
    model: r.model === null ? null : String(r.model),
    runnerId: r.runner_id === null ? null : String(r.runner_id),
    promptTokens: r.prompt_tokens === null ? null : Number(r.prompt_tokens),
    completionTokens: r.completion_tokens === null ? null : Number(r.completion_tokens),
  };
}
