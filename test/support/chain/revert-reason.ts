import { BaseError, ContractFunctionRevertedError } from "viem";

/**
 * The Solidity `require` message inside a viem error, e.g. "FiatTokenV2: authorization is expired",
 * or undefined when the error is not a decoded revert (network failure, custom error, panic).
 */
export function revertReason(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.reason : undefined;
}
