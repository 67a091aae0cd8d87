import type { PaymentEntry, PaymentKey } from "../core/payment-book.ts";

export type ReserveResult = { ok: true } | { ok: false; state: "in_flight" | "settled" | "pending" };

export interface Reservation {
  payer: string;
  /** base units, decimal string: what the payment may spend (for admitSpend) */
  amount: string;
  /** unix seconds after which the payment can no longer be settled (a settled one is kept until then) */
  validUntil: number;
  leaseMs: number;
}

export interface LedgerRow extends PaymentEntry {
  id: number;
  settledAt: number;
  /** = charged; the name the ledger's JSON and CSV have always used for what was paid. */
  amount: string;
}

export interface LedgerQuery {
  since?: number;
  until?: number;
  payer?: string;
  service?: string;
  scheme?: string;
  limit: number;
  offset: number;
}

export interface LedgerTotal {
  count: number;
  amount: string;
}

export interface LedgerPage {
  payments: LedgerRow[];
  totals: LedgerTotal & {
    byService: Array<{ service: string } & LedgerTotal>;
    byScheme: Array<{ scheme: string } & LedgerTotal>;
  };
}

export type { PaymentKey };

/** The ledger's `service` for recovered payments: which call they paid for is not on chain. */
export const RECOVERED_SERVICE = "recovered";
