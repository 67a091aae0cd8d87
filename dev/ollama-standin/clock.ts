import { hrtime } from "node:process";

// Anchor the wall clock once and advance it with the monotonic clock: nanosecond stamps that never go
// backwards, which Date.now() (milliseconds, adjustable) cannot give.
const epochAnchorNs = BigInt(Date.now()) * 1_000_000n;
const monotonicAnchorNs = hrtime.bigint();

export function nowNs(): bigint {
  return epochAnchorNs + (hrtime.bigint() - monotonicAnchorNs);
}

/** Nanoseconds between two stamps as a JSON-safe integer, at least 1 so Ollama's omitempty never drops it. */
export function durationNs(fromNs: bigint, toNs: bigint): number {
  return Math.max(1, Number(toNs - fromNs));
}

/** Go's time.RFC3339Nano in UTC, the layout of `created_at`: "2025-11-20T18:15:31.118123Z". */
export function formatUtc(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  return `${new Date(ms).toISOString().slice(0, 19)}${fraction(ns)}Z`;
}

/** The same layout in the machine's zone with its offset, as Ollama prints `modified_at` and `expires_at`. */
export function formatLocal(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const offsetMinutes = -new Date(ms).getTimezoneOffset();
  const shifted = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  return `${shifted}${fraction(ns)}${offset(offsetMinutes)}`;
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms)) * 1_000_000n;
}

// Go trims trailing zeros of the fraction and drops the dot when nothing is left.
function fraction(ns: bigint): string {
  const sub = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  if (sub === 0n) return "";
  return `.${sub.toString().padStart(9, "0").replace(/0+$/, "")}`;
}

// Go prints "Z" for a zero offset even in a local zone.
function offset(minutes: number): string {
  if (minutes === 0) return "Z";
  const sign = minutes > 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
