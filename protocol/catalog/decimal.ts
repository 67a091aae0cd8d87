/**
 * Exact decimal numbers for money: an integer count of 10^-scale units, so "12.50" is
 * `{ units: 1250n, scale: 2 }`. Sums and products are exact; nothing here ever goes through a float.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** Plain decimal notation: optional minus, digits, optional fraction. No exponent, no separators. */
export const DECIMAL_PATTERN = /^-?\d+(?:\.\d+)?$/;

/** Parses plain decimal notation ("-1234.50"); anything else (separators, symbols, exponents) is null. */
export function parseDecimal(text: string): Decimal | null {
  if (!DECIMAL_PATTERN.test(text)) return null;
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const units = BigInt(whole + fraction);
  return { units: negative ? -units : units, scale: fraction.length };
}

/** Writes `d` with exactly `d.scale` decimals, without leading zeros and without "-0". */
export function formatDecimal(d: Decimal): string {
  const negative = d.units < 0n;
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, "0");
  const whole = digits.slice(0, digits.length - d.scale);
  const body = d.scale === 0 ? whole : `${whole}.${digits.slice(digits.length - d.scale)}`;
  return negative ? `-${body}` : body;
}

function rescale(d: Decimal, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function multiplyDecimals(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** Numeric comparison, whatever the scales: "1.50" equals "1.5". */
export function compareDecimals(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * True when `rounded` is what `exact` becomes when rounded to `rounded`'s own number of decimals:
 * |exact − rounded| ≤ half a unit of its last place. The bound is inclusive, so a tie rounded either
 * way (half-up or half-even) is accepted: 1.5 × 33.33 = 49.995 matches "50.00" and "49.99", not "49.98".
 */
export function roundsTo(exact: Decimal, rounded: Decimal): boolean {
  const scale = Math.max(exact.scale, rounded.scale);
  const difference = rescale(exact, scale) - rescale(rounded, scale);
  const twiceDistance = 2n * (difference < 0n ? -difference : difference);
  return twiceDistance <= 10n ** BigInt(scale - rounded.scale);
}
