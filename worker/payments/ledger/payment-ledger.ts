import { DurableObject } from "cloudflare:workers";
import type { JobUsage, PaymentEntry, PaymentKey, RecoveredPayment } from "../core/payment-book.ts";
import { migrateLedger } from "./ledger-schema.ts";
import { revenueByDay, revenueTotals, type RevenueDayRow, type RevenueRow } from "./ledger-revenue.ts";
import { RECOVERED_SERVICE, type LedgerPage, type LedgerQuery, type LedgerRow, type Reservation, type ReserveResult } from "./ledger-types.ts";

const PRUNE_INTERVAL_MS = 60 * 60_000;

/**
 * Payment state that must survive restarts, in Durable Object SQLite (schema and migrations:
 * ledger-schema.ts), in terms of no scheme in particular — rows are keyed by scheme + replay key:
 *  - `reservations`: one row per payment being served or already settled, for the schemes that
 *    reserve here (one per authorization nonce, say). Reserving is atomic (a Durable Object runs one
 *    call at a time between awaits, and these calls never await), so the same payment sent 50 times
 *    at once is served once. A reservation has a lease, so one whose Worker died mid-job frees
 *    itself; a settled one is kept until the payment's own validity has passed.
 *  - `payments`: the ledger of charged calls (authorized and charged amounts, settlement reference).
 */
export class PaymentLedger extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrateLedger(ctx.storage);
  }

  reserve(key: PaymentKey, reservation: Reservation): ReserveResult {
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<{ state: string; lease_until: number }>("SELECT state, lease_until FROM reservations WHERE scheme = ? AND replay_key = ?", key.scheme, key.replayKey)
      .toArray()[0];
    if (row) {
      if (row.state === "settled") return { ok: false, state: "settled" };
      if (row.state === "pending") return { ok: false, state: "pending" };
      if (row.lease_until > now) return { ok: false, state: "in_flight" };
    }
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO reservations (scheme, replay_key, state, lease_until, valid_until, payer, amount, settlement_ref) VALUES (?, ?, 'reserved', ?, ?, ?, ?, NULL)",
      key.scheme,
      key.replayKey,
      now + reservation.leaseMs,
      reservation.validUntil,
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
  admitSpend(key: PaymentKey, balance: string): { ok: true } | { ok: false; inFlight: string } {
    const self = this.ctx.storage.sql
      .exec<{ payer: string; rowid: number }>("SELECT payer, rowid FROM reservations WHERE scheme = ? AND replay_key = ?", key.scheme, key.replayKey)
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

  /** Nothing was charged: the payment may be used again. */
  release(key: PaymentKey): void {
    this.ctx.storage.sql.exec("DELETE FROM reservations WHERE scheme = ? AND replay_key = ? AND state = 'reserved'", key.scheme, key.replayKey);
  }

  /** Settlement's outcome is unknown (it may still land): the payment must never be served again. */
  markPending(key: PaymentKey, settlementRef: string): void {
    this.ctx.storage.sql.exec("UPDATE reservations SET state = 'pending', settlement_ref = ? WHERE scheme = ? AND replay_key = ?", settlementRef, key.scheme, key.replayKey);
  }

  /** A charged call (PaymentBook.record); its reservation (if the scheme reserves here) is settled in the same step. */
  record(entry: PaymentEntry): number {
    const sql = this.ctx.storage.sql;
    sql.exec("UPDATE reservations SET state = 'settled', settlement_ref = ? WHERE scheme = ? AND replay_key = ?", entry.settlementRef, entry.scheme, entry.replayKey);
    // A recovered row (the sweep got there first) takes the call's details; nothing else changes.
    return sql
      .exec<{ id: number }>(
        `INSERT INTO payments (settled_at, scheme, replay_key, network, payer, pay_to, asset, authorized, charged, service, settlement_ref, tx_hash,
                               x402_version, model, runner_id, prompt_tokens, completion_tokens)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (scheme, replay_key) DO UPDATE SET service = excluded.service, x402_version = excluded.x402_version, model = excluded.model,
           runner_id = excluded.runner_id, prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens
         RETURNING id`,
        Date.now(),
        entry.scheme,
        entry.replayKey,
        entry.network,
        entry.payer.toLowerCase(),
        entry.payTo.toLowerCase(),
        entry.asset.toLowerCase(),
        entry.authorized,
        entry.charged,
        entry.service,
        entry.settlementRef,
        entry.txHash,
        entry.x402Version,
        entry.model,
        entry.runnerId,
        entry.promptTokens,
        entry.completionTokens,
      )
      .one().id;
  }

  /**
   * Settlements the relayer found on chain that no paid call recorded (its Worker or the relayer
   * stopped mid-settlement, or the receipt came too late): the money moved, so the ledger lists them
   * with what the chain knows (`service` "recovered", x402 version 0, no model, runner or tokens),
   * and their replay keys count as used. Payments already recorded are left as they are.
   */
  recordRecovered(payments: RecoveredPayment[]): void {
    const sql = this.ctx.storage.sql;
    for (const p of payments) {
      sql.exec(
        `INSERT INTO reservations (scheme, replay_key, state, lease_until, valid_until, payer, amount, settlement_ref) VALUES (?, ?, 'settled', 0, ?, ?, ?, ?)
         ON CONFLICT (scheme, replay_key) DO UPDATE SET state = 'settled', settlement_ref = excluded.settlement_ref`,
        p.scheme,
        p.replayKey,
        p.validUntil,
        p.payer.toLowerCase(),
        p.amount,
        p.settlementRef,
      );
      sql.exec(
        `INSERT INTO payments (settled_at, scheme, replay_key, network, payer, pay_to, asset, authorized, charged, service, settlement_ref, tx_hash,
                               x402_version, model, runner_id, prompt_tokens, completion_tokens)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, NULL, NULL)
         ON CONFLICT (scheme, replay_key) DO NOTHING`,
        Date.now(),
        p.scheme,
        p.replayKey,
        p.network,
        p.payer.toLowerCase(),
        p.payTo.toLowerCase(),
        p.asset.toLowerCase(),
        p.amount,
        p.amount,
        RECOVERED_SERVICE,
        p.settlementRef,
        p.txHash,
      );
    }
    if (payments.length > 0) void this.schedulePrune();
  }

  /** Token counts of a streamed job arrive after settlement, when the stream ends. */
  recordUsage(key: PaymentKey, usage: JobUsage): void {
    this.ctx.storage.sql.exec(
      "UPDATE payments SET prompt_tokens = ?, completion_tokens = ? WHERE scheme = ? AND replay_key = ?",
      usage.promptTokens,
      usage.completionTokens,
      key.scheme,
      key.replayKey,
    );
  }

  list(query: LedgerQuery): LedgerPage {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (query.since !== undefined) (where.push("settled_at >= ?"), args.push(query.since));
    if (query.until !== undefined) (where.push("settled_at < ?"), args.push(query.until));
    if (query.payer) (where.push("payer = ?"), args.push(query.payer.toLowerCase()));
    if (query.service) (where.push("service = ?"), args.push(query.service));
    if (query.scheme) (where.push("scheme = ?"), args.push(query.scheme));
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const sql = this.ctx.storage.sql;
    const payments = sql
      .exec<Record<string, string | number | null>>(`SELECT * FROM payments ${clause} ORDER BY id DESC LIMIT ? OFFSET ?`, ...args, query.limit, query.offset)
      .toArray()
      .map(toLedgerRow);
    // Amounts are summed by SQLite as 64-bit integers and returned as text: exact, never a float.
    const sum = "COUNT(*) AS count, CAST(SUM(CAST(charged AS INTEGER)) AS TEXT) AS amount";
    const total = sql.exec<{ count: number; amount: string | null }>(`SELECT ${sum} FROM payments ${clause}`, ...args).one();
    const byService = sql
      .exec<{ service: string; count: number; amount: string }>(`SELECT service, ${sum} FROM payments ${clause} GROUP BY service ORDER BY service`, ...args)
      .toArray();
    const byScheme = sql
      .exec<{ scheme: string; count: number; amount: string }>(`SELECT scheme, ${sum} FROM payments ${clause} GROUP BY scheme ORDER BY scheme`, ...args)
      .toArray();
    return { payments, totals: { count: total.count, amount: total.amount ?? "0", byService, byScheme } };
  }

  /** Charged per UTC day, service, scheme and asset in [since, until) (the operator's earnings). */
  revenueByDay(range: { since: number; until: number }): RevenueDayRow[] {
    return revenueByDay(this.ctx.storage.sql, range);
  }

  /** Charged for all time per service, scheme and asset (Prometheus counters). */
  revenueTotals(): RevenueRow[] {
    return revenueTotals(this.ctx.storage.sql);
  }

  private async schedulePrune() {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PRUNE_INTERVAL_MS);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec(
      "DELETE FROM reservations WHERE (state = 'reserved' AND lease_until < ?) OR (state != 'reserved' AND valid_until < ?)",
      now,
      Math.floor(now / 1000) - 60,
    );
    const left = this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reservations").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(now + PRUNE_INTERVAL_MS);
  }
}

function toLedgerRow(r: Record<string, string | number | null>): LedgerRow {
  const text = (v: string | number | null | undefined) => (v === null || v === undefined ? null : String(v));
  const int = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));
  return {
    id: Number(r.id),
    settledAt: Number(r.settled_at),
    scheme: String(r.scheme),
    replayKey: String(r.replay_key),
    network: String(r.network),
    payer: String(r.payer),
    payTo: String(r.pay_to),
    asset: String(r.asset),
    authorized: String(r.authorized),
    charged: String(r.charged),
    amount: String(r.charged),
    service: String(r.service),
    settlementRef: String(r.settlement_ref),
    txHash: text(r.tx_hash),
    x402Version: Number(r.x402_version),
    model: text(r.model),
    runnerId: text(r.runner_id),
    promptTokens: int(r.prompt_tokens),
    completionTokens: int(r.completion_tokens),
  };
}
