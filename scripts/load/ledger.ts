/** The fields of a GET /admin/payments row a load run checks (worker/payments/payment-ledger.ts LedgerRow). */
export interface LedgerRow {
  scheme: string;
  payer: string;
  /** = charged. */
  amount: string;
  charged: string;
  /** exact: the transfer's hash; batch-settlement: `channelId@cumulative`. */
  settlementRef: string;
  /** The transaction that moved the money for this call (exact: always; a channel: its deposit only). */
  txHash: string | null;
  runnerId: string | null;
}

interface LedgerPage {
  payments: LedgerRow[];
  totals: { count: number; amount: string };
}

/** GET /admin/payments allows at most this many rows per page. */
const PAGE_LIMIT = 1_000;

export interface LedgerRead {
  rows: LedgerRow[];
  /** The ledger's own totals (SQLite's count and exact sum), from the first page. */
  totals: { count: number; amount: bigint };
}

/**
 * Every row of the edge's ledger, paged through GET /admin/payments (newest first, `limit` ≤ 1000,
 * `offset`). The load stack's ledger starts empty, so every row is the run's. Read after the run,
 * when nothing is being added.
 */
export async function readLedger(admin: (path: string) => Promise<Response>): Promise<LedgerRead> {
  const rows: LedgerRow[] = [];
  let totals: LedgerRead["totals"] | null = null;
  for (let offset = 0; ; offset += PAGE_LIMIT) {
    const response = await admin(`/admin/payments?limit=${PAGE_LIMIT}&offset=${offset}`);
    if (response.status !== 200) throw new Error(`GET /admin/payments answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const page = (await response.json()) as LedgerPage;
    totals ??= { count: page.totals.count, amount: BigInt(page.totals.amount) };
    rows.push(...page.payments);
    if (page.payments.length < PAGE_LIMIT) break;
  }
  return { rows, totals: totals! };
}
