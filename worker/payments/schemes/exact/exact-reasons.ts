/**
 * Refusal reasons of the exact scheme on EVM (EIP-3009), verbatim from the x402 reference
 * (@x402/evm exact facilitator, spec §9) where it has one.
 */
export const ExactReason = {
  assetMismatch: "invalid_exact_evm_asset_mismatch",
  recipientMismatch: "invalid_exact_evm_recipient_mismatch",
  valueMismatch: "invalid_exact_evm_payload_authorization_value_mismatch",
  valueMismatchV1: "invalid_exact_evm_authorization_value",
  validAfter: "invalid_exact_evm_payload_authorization_valid_after",
  validBefore: "invalid_exact_evm_payload_authorization_valid_before",
  windowTooLong: "invalid_exact_evm_payload_authorization_window_too_long",
  invalidSignature: "invalid_exact_evm_signature",
  nonceAlreadyUsed: "invalid_exact_evm_nonce_already_used",
  insufficientBalance: "invalid_exact_evm_insufficient_balance",
  transactionFailed: "invalid_exact_evm_transaction_failed",
  transferEventMismatch: "invalid_exact_evm_transfer_event_mismatch",
} as const;
