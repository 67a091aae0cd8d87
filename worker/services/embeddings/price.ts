import { priceForTokens, type TokenPricing } from "../token-price.ts";

/** A deliberately generous characters-per-token ratio: the quote must not undercharge. */
const CHARS_PER_TOKEN = 3;

/** Input characters a request can carry at most: 256 strings of 100,000 (request-schema.ts), within its body. */
const MAX_INPUT_CHARS = 256 * 100_000;

/** The fewest and most tokens an embeddings quote can count (inputs are never empty), for discovery's price range. */
export function embeddingsQuotedTokenRange(maxBodyBytes: number): { min: number; max: number } {
  return { min: 1, max: Math.ceil(Math.min(maxBodyBytes, MAX_INPUT_CHARS) / CHARS_PER_TOKEN) };
}

/** Base price plus the estimated input tokens at the per-million price, rounded up, in base units. */
export function embeddingsPrice(inputs: readonly string[], pricing: TokenPricing): bigint {
  const chars = inputs.reduce((sum, text) => sum + text.length, 0);
  return priceForTokens(pricing, Math.ceil(chars / CHARS_PER_TOKEN));
}
