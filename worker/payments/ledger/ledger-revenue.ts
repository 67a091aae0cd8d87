/**
 * Revenue read from the ledger's `payments` (the truth of what was charged), grouped for the operator:
 * per UTC day, service, scheme and asset for a range, and for all time (Prometheus counters). Sums are
 * SQLite 64-bit integers returned as text — exact, never a float. Ranges use `payments_settled_at`.
 */
export interface RevenueRow {
  service: string;
  scheme: string;
  asset: string;
  count: number;
  amount: string;
}

export interface RevenueDayRow extends RevenueRow {
  /** UTC, YYYY-MM-DD. */
  day: string;
}

const SUM = "COUNT(*) AS count, CAST(SUM(CAST(charged AS INTEGER)) AS TEXT) AS amount";

export function revenueByDay(sql: SqlStorage, range: { since: number; until: number }): RevenueDayRow[] {
  return sql
    .exec<{ day: string; service: string; scheme: string; asset: string; count: number; amount: string | null }>(
      `SELECT strftime('%Y-%m-%d', settled_at / 1000, 'unixepoch') AS day, service, scheme, asset, ${SUM}
       FROM payments WHERE settled_at >= ? AND settled_at < ? GROUP BY day, service, scheme, asset ORDER BY day, service, scheme, asset`,
      range.since,
      range.until,
    )
    .toArray()
    .map((r) => ({ day: r.day, service: r.service, scheme: r.scheme, asset: r.asset, count: Number(r.count), amount: r.amount ?? "0" }));
}

export function revenueTotals(sql: SqlStorage): RevenueRow[] {
  return sql
    .exec<{ service: string; scheme: string; asset: string; count: number; amount: string | null }>(
      `SELECT service, scheme, asset, ${SUM} FROM payments GROUP BY service, scheme, asset ORDER BY service, scheme, asset`,
    )
    .toArray()
    .map((r) => ({ service: r.service, scheme: r.scheme, asset: r.asset, count: Number(r.count), amount: r.amount ?? "0" }));
}
