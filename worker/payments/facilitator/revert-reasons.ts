import { PaymentReason } from "../reasons.ts";

/**
 * FiatTokenV2_2 revert strings → x402 reasons (the mapping the reference facilitator applies).
 * Matched as substrings because RPC nodes wrap them differently ("execution reverted: …").
 */
const REVERTS: ReadonlyArray<readonly [string, string]> = [
  ["authorization is used or canceled", PaymentReason.nonceAlreadyUsed],
  ["authorization is expired", PaymentReason.validBefore],
  ["authorization is not yet valid", PaymentReason.validAfter],
  ["invalid signature", PaymentReason.invalidSignature],
  ["transfer amount exceeds balance", PaymentReason.insufficientBalance],
];

export function reasonForRevert(message: string): string {
  const lower = message.toLowerCase();
  for (const [needle, reason] of REVERTS) if (lower.includes(needle)) return reason;
  return PaymentReason.transactionFailed;
}
