/**
 * The exact scheme's replay key: one EIP-3009 authorization, which the chain lets be used at most
 * once. The format is the one the ledger has always keyed nonces by (its v1 rows carry it).
 */
export function exactReplayKey(key: { chainId: number; asset: string; payer: string; nonce: string }): string {
  return `${key.chainId}:${key.asset.toLowerCase()}:${key.payer.toLowerCase()}:${key.nonce.toLowerCase()}`;
}
