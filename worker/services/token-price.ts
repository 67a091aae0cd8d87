/** A per-call base plus a per-million-token price (chat, embeddings), in base units. */
export interface TokenPricing {
  basePrice: bigint;
  pricePerMillionTokens: bigint;
}

/** What `tokens` cost: the base plus their share of the per-million price, rounded up to a base unit. */
export function priceForTokens(pricing: TokenPricing, tokens: number | bigint): bigint {
  const count = BigInt(tokens);
  return pricing.basePrice + (count * pricing.pricePerMillionTokens + 999_999n) / 1_000_000n;
}
