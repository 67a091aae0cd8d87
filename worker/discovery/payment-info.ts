import { priceForTokens } from "../services/token-price.ts";
import type { Pricing } from "./endpoints.ts";

/**
 * x402scan's per-operation payment block in OpenAPI (`x-payment-info`, its integration spec): the
 * protocols the operation is paid with, and its price in decimal USD — `fixed` with an `amount`, or
 * `dynamic` with the `min` and `max` any request can be quoted. Indexes list an operation as paid
 * from this (with its `402` response) and probe it; the 402 itself stays authoritative, in atomic
 * units. USDC is priced as USD, at its 6 decimals, written out in full ("0.010000"), as x402scan's
 * examples are.
 */
export type PaymentInfo = {
  price: { mode: "fixed"; currency: "USD"; amount: string } | { mode: "dynamic"; currency: "USD"; min: string; max: string };
  protocols: Array<{ x402: Record<string, never> }>;
};

export function paymentInfo(pricing: Pricing): PaymentInfo {
  const protocols = [{ x402: {} }];
  if (pricing.kind === "per_call") return { price: { mode: "fixed", currency: "USD", amount: usdDecimal(pricing.price) }, protocols };
  // A per-token quote lies between the fewest and the most tokens a request can be counted for.
  return {
    price: { mode: "dynamic", currency: "USD", min: usdDecimal(priceForTokens(pricing, pricing.tokenRange.min)), max: usdDecimal(priceForTokens(pricing, pricing.tokenRange.max)) },
    protocols,
  };
}

/** 6-decimal base units as a decimal string with all six places, exactly (no floating point): 10000n → "0.010000". */
export function usdDecimal(baseUnits: bigint): string {
  return `${baseUnits / 1_000_000n}.${(baseUnits % 1_000_000n).toString().padStart(6, "0")}`;
}
