/**
 * Why a payment was refused, in terms of no particular scheme: snake_case reasons clients can
 * switch on, verbatim from the x402 spec (§9) where it has one. Each scheme adds its own reasons
 * (payments/schemes/<scheme>/…-reasons.ts).
 */
export const PaymentReason = {
  paymentRequired: "payment_required",
  invalidPayload: "invalid_payload",
  invalidVersion: "invalid_x402_version",
  unsupportedScheme: "unsupported_scheme",
  invalidNetwork: "invalid_network",
  requirementsMismatch: "invalid_payment_requirements",
  paymentInFlight: "payment_in_flight",
  settlementPending: "settlement_pending",
  unexpectedSettleError: "unexpected_settle_error",
} as const;

export type PaymentReasonCode = (typeof PaymentReason)[keyof typeof PaymentReason];

export interface PaymentRefusal {
  /** One of PaymentReason, a scheme's reason, or one a remote facilitator gave. */
  reason: PaymentReasonCode | (string & {});
  message: string;
  /**
   * A scheme's corrective terms: fields merged into that scheme's `extra` in the 402 that carries
   * this refusal, so a client whose state drifted can resynchronise (e.g. a channel's state).
   */
  correction?: { scheme: string; network: string; extra: Record<string, unknown> };
}
