/**
 * USDC amounts as text ↔ base units, with integer math only: a float cannot hold 0.1 exactly, and a
 * price cap that rounds the wrong way would let the client pay more than the operator allowed.
 */

/** Circle's USDC has 6 decimals on every chain edge402 uses (1 USDC = 1_000_000 base units). */
export const USDC_DECIMALS = 6;

/** 1005n → "0.001005"; 1_000_000n → "1"; 1_500_000n → "1.5". Trailing zeros of the fraction are dropped. */
export function formatBaseUnits(amount: bigint, decimals: number = USDC_DECIMALS): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`}`;
}

export type ParsedAmount = { ok: true; value: bigint } | { ok: false; error: string };

const DECIMAL = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

/**
 * "0.01" → 10_000n (6 decimals). Accepts `12`, `12.`, `.5`, `0.000001`; refuses signs, exponents,
 * separators, and more fractional digits than the token has (it could not be paid exactly).
 */
export function parseDecimalToBaseUnits(text: string, decimals: number = USDC_DECIMALS): ParsedAmount {
  const trimmed = text.trim();
  const match = DECIMAL.exec(trimmed);
  if (!match) return { ok: false, error: `"${text}" is not a decimal amount like 0.01` };
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? match[3] ?? "";
  if (fraction.length > decimals) {
    return { ok: false, error: `"${text}" has more than ${decimals} decimal places (the smallest unit is ${formatBaseUnits(1n, decimals)})` };
  }
  return { ok: true, value: BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0") };
}

/** "1005" → 1005n, for amounts that arrive as atomic integer strings (x402 `amount`). */
export function parseBaseUnits(text: string): bigint | null {
  return /^\d+$/.test(text) ? BigInt(text) : null;
}
