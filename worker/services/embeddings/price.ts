/** A deliberately generous characters-per-token ratio: the quote must not undercharge. */
const CHARS_PER_TOKEN = 3;

/** Base price plus the estimated input tokens at the per-million price, rounded up, in base units. */
export function embeddingsPrice(inputs: readonly string[], pricing: { basePrice: bigint; pricePerMillionTokens: bigint }): bigint {
  const chars = inputs.reduce((sum, text) => sum + text.length, 0);
  const tokens = BigInt(Math.ceil(chars / CHARS_PER_TOKEN));
  return pricing.basePrice + (tokens * pricing.pricePerMillionTokens + 999_999n) / 1_000_000n;
}
