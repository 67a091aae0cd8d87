import type { z } from "zod";
import type { RevenueDay } from "../stats-types.ts";
import type { DashboardData, RevenueWindow } from "./data-schema.ts";

type Day = z.infer<typeof RevenueDay>;
type Window = z.infer<typeof RevenueWindow>;

const DAY_MS = 86_400_000;
const WINDOWS = [["today", 1], ["7d", 7], ["30d", 30]] as const;

/** UTC midnight `days - 1` days before `now`'s day: the first instant of a window of `days` days ending today. */
export function windowStart(now: number, days: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
}

/**
 * Today / 7 / 30 days (UTC days, today included) and the per-day series by scheme, from the
 * ledger's per-day rows (GET /admin/stats). Sums are BigInt: exact, whatever the amounts.
 */
export function revenueFromDays(byDay: readonly Day[], now: number): DashboardData["revenue"] {
  const windows = WINDOWS.map(([window, days]): Window => {
    const since = windowStart(now, days);
    const first = new Date(since).toISOString().slice(0, 10);
    const rows = byDay.filter((d) => d.day >= first);
    return {
      window,
      since: new Date(since).toISOString(),
      total: sum(rows),
      byService: grouped(rows, (r) => r.service).map(([service, t]) => ({ service, ...t })),
      byScheme: grouped(rows, (r) => r.scheme).map(([scheme, t]) => ({ scheme, ...t })),
    };
  });
  const perDay = grouped(byDay, (r) => `${r.day} ${r.scheme}`).map(([key, t]) => {
    const [day = "", scheme = ""] = key.split(" ");
    return { day, scheme, ...t };
  });
  return { windows, perDay };
}

function sum(rows: readonly Day[]): { count: number; amount: string } {
  return { count: rows.reduce((n, r) => n + r.count, 0), amount: rows.reduce((a, r) => a + BigInt(r.amount), 0n).toString() };
}

function grouped(rows: readonly Day[], key: (row: Day) => string): Array<[string, { count: number; amount: string }]> {
  const groups = new Map<string, Day[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([k, list]) => [k, sum(list)]);
}
