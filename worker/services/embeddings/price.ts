import { priceForTokens, type TokenPricing } from "../token-price.ts";

/** A deliberately generous characters-per-token ratio: the quote must not undercharge. */
const CHARS_PER_TOKEN = 3;

/** Base price plus the estimated input tokens at the per-million price, rounded up, in base units. */
export function embeddingsPrice(inputs: readonly string[], pricing: TokenPricing): bigint {
  const chars = inputs.reduce((sum, text) => sum + text.length, 0);
  return priceForTokens(pricing, Math.ceil(chars / CHARS_PER_TOKEN));
}
