import { formatUsdc } from "../../worker/offers/usdc.ts";
import type { AdminStats } from "../../worker/operator/stats-types.ts";

/** The earnings as a table for people: one line per day, service and scheme, then totals. Exact decimals. */
export function earningsTable(stats: AdminStats): string {
  const rows = stats.revenue.byDay.map((d) => [d.day, d.service, d.scheme, String(d.count), formatUsdc(BigInt(d.amount))]);
  const header = ["day (UTC)", "service", "scheme", "calls", stats.asset.symbol];
  const totals = [
    ...stats.revenue.byService.map((s) => ["", s.service, "(all)", String(s.count), formatUsdc(BigInt(s.amount))]),
    ...stats.revenue.byScheme.map((s) => ["", "(all)", s.scheme, String(s.count), formatUsdc(BigInt(s.amount))]),
    ["total", "", "", String(stats.revenue.total.count), formatUsdc(BigInt(stats.revenue.total.amount))],
  ];
  const all = [header, ...rows, ...totals];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const range = `${stats.range.since} .. ${stats.range.until} (${stats.asset.symbol} ${stats.asset.address} on ${stats.asset.network})`;
  return [range, "", line(header), rule, ...(rows.length ? rows.map(line) : ["(no charged calls in this range)"]), rule, ...totals.map(line), ""].join("\n");
}

/** CSV: day, service, scheme, asset, calls, amount in base units and in USDC (both exact). */
export function earningsCsv(stats: AdminStats): string {
  const lines = ["day,service,scheme,asset,calls,amount_base_units,amount_usdc"];
  for (const d of stats.revenue.byDay) lines.push([d.day, d.service, d.scheme, d.asset, d.count, d.amount, formatUsdc(BigInt(d.amount))].map((v) => csvField(String(v))).join(","));
  return `${lines.join("\n")}\n`;
}

function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
