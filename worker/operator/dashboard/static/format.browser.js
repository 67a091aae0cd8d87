// Formatting for people. Money arrives as base-unit decimal strings and is formatted with BigInt
// arithmetic, never through a float, so the page shows exactly what the ledger holds.

/** "1234567" with 6 decimals → "$1.234567"; trailing zeros trimmed down to cents. */
export function money(amount, decimals, symbol = "USDC") {
  const value = BigInt(amount);
  const scale = 10n ** BigInt(decimals);
  const whole = (value / scale).toLocaleString("en-US");
  let fraction = (value % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  if (fraction.length < 2) fraction = fraction.padEnd(2, "0");
  return symbol === "USDC" ? `$${whole}.${fraction}` : `${whole}.${fraction} ${symbol}`;
}

/** A base-unit amount as a number of whole units (for chart axes only; figures use money()). */
export function units(amount, decimals) {
  return Number(BigInt(amount)) / 10 ** decimals;
}

/** Wei → ETH with 6 significant decimals. */
export function ether(wei) {
  const value = BigInt(wei);
  const whole = value / 10n ** 18n;
  const fraction = ((value % 10n ** 18n) / 10n ** 12n).toString().padStart(6, "0");
  return `${whole.toLocaleString("en-US")}.${fraction} ETH`;
}

export function count(n) {
  return n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US");
}

export function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)} UTC`;
}

/** "3 min ago", "2 h ago", for times within days; the full time otherwise. */
export function ago(iso, now = Date.now()) {
  if (!iso) return "—";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400 * 2) return `${Math.floor(seconds / 3600)} h ago`;
  return time(iso);
}

export function short(hex) {
  return hex && hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex ?? "—";
}

export function seconds(value) {
  if (value === null || value === undefined) return "—";
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
}
