import { ExactReason } from "./exact-reasons.ts";

/**
 * FiatTokenV2_2 revert strings → x402 reasons (the mapping the reference facilitator applies).
 * Matched as substrings because RPC nodes wrap them differently ("execution reverted: …").
 */
const REVERTS: ReadonlyArray<readonly [string, string]> = [
  ["authorization is used or canceled", ExactReason.nonceAlreadyUsed],
  ["authorization is expired", ExactReason.validBefore],
  ["authorization is not yet valid", ExactReason.validAfter],
  ["invalid signature", ExactReason.invalidSignature],
  ["transfer amount exceeds balance", ExactReason.insufficientBalance],
];

export function reasonForRevert(message: string): string {
  const lower = message.toLowerCase();
  for (const [needle, reason] of REVERTS) if (lower.includes(needle)) return reason;
  return ExactReason.transactionFailed;
}
