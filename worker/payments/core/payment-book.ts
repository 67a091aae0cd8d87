/**
 * The ledger as the payment core sees it (the PaymentLedger Durable Object implements it): where a
 * delivered, charged call is written down, in terms of no scheme in particular.
 */
export interface PaymentBook {
  record(entry: PaymentEntry): Promise<unknown>;
  /** Token counts of a streamed job arrive after settlement, when the stream ends. */
  recordUsage(key: PaymentKey, usage: JobUsage): Promise<unknown>;
}

export interface PaymentKey {
  scheme: string;
  replayKey: string;
}

export interface JobUsage {
  promptTokens: number;
  completionTokens: number;
}

/** One charged call. Amounts are base units as decimal strings. */
export interface PaymentEntry extends PaymentKey {
  network: string;
  payer: string;
  payTo: string;
  asset: string;
  /** The most the payment allowed. */
  authorized: string;
  /** What was charged (= authorized for fixed-price schemes). */
  charged: string;
  service: string;
  /** The scheme's reference to what settled it (a tx hash; a channel + cumulative amount). */
  settlementRef: string;
  /** The transaction that moved the money, when one did for this call. */
  txHash: string | null;
  x402Version: number;
  model: string | null;
  runnerId: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

/** A settlement found on chain that no paid call recorded (see SchemeRecovery). */
export interface RecoveredPayment extends PaymentKey {
  network: string;
  payer: string;
  payTo: string;
  asset: string;
  amount: string;
  settlementRef: string;
  txHash: string;
  /** Unix seconds until which the replay key must stay refused (the payment's own validity). */
  validUntil: number;
}
