/**
 * Why a payment was refused, as snake_case reasons clients can switch on. Where the x402 reference
 * (@x402/evm exact facilitator, spec §9) has a string for the case, it is used verbatim.
 */
export const PaymentReason = {
  paymentRequired: "payment_required",
  invalidPayload: "invalid_payload",
  invalidVersion: "invalid_x402_version",
  unsupportedScheme: "unsupported_scheme",
  invalidNetwork: "invalid_network",
  assetMismatch: "invalid_exact_evm_asset_mismatch",
  requirementsMismatch: "invalid_payment_requirements",
  recipientMismatch: "invalid_exact_evm_recipient_mismatch",
  valueMismatch: "invalid_exact_evm_payload_authorization_value_mismatch",
  valueMismatchV1: "invalid_exact_evm_authorization_value",
  validAfter: "invalid_exact_evm_payload_authorization_valid_after",
  validBefore: "invalid_exact_evm_payload_authorization_valid_before",
  windowTooLong: "invalid_exact_evm_payload_authorization_window_too_long",
  invalidSignature: "invalid_exact_evm_signature",
  nonceAlreadyUsed: "invalid_exact_evm_nonce_already_used",
  paymentInFlight: "payment_in_flight",
  insufficientBalance: "invalid_exact_evm_insufficient_balance",
  transactionFailed: "invalid_exact_evm_transaction_failed",
  settlementPending: "settlement_pending",
  unexpectedSettleError: "unexpected_settle_error",
} as const;

export type PaymentReasonCode = (typeof PaymentReason)[keyof typeof PaymentReason];

export interface PaymentRefusal {
  /** One of PaymentReason, or a reason a remote facilitator gave. */
  reason: PaymentReasonCode | (string & {});
  message: string;
}
