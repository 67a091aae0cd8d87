// Chains where Circle's real USDC lives. A local chain must never claim one of these ids: wallets,
// x402 clients and our own config would then treat test payments as real ones.
const FORBIDDEN_CHAIN_IDS: ReadonlyMap<number, string> = new Map([
  [1, "Ethereum mainnet"],
  [8453, "Base mainnet"],
]);

export function assertLocalChainId(chainId: number): void {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new RangeError(`chainId must be a positive integer, got ${chainId}`);
  }
  const name = FORBIDDEN_CHAIN_IDS.get(chainId);
  if (name !== undefined) {
    throw new RangeError(`chainId ${chainId} is ${name}; local test chains must use another id (default 31337)`);
  }
}
