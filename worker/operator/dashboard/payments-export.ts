import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../app-context.ts";
import { validationError } from "../../http/validation-error.ts";
import type { AdminDispatch } from "./admin-sources.ts";
import { PAGE_HEADERS } from "./pages/page-headers.ts";

const DAY_MS = 86_400_000;
const PAGE_ROWS = 1000;
/** 200 pages of the admin CSV: 200,000 rows, past any local ledger; the download says when it stopped short. */
const MAX_PAGES = 200;

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "must be a date");
const ExportQuery = z.object({ from: Day.optional(), to: Day.optional() });

/**
 * GET /dashboard/payments.csv?from=YYYY-MM-DD&to=YYYY-MM-DD (UTC days, `to` included): the admin CSV
 * (GET /admin/payments?format=csv) for any range, paged through 1,000 rows at a time and joined under
 * one header. The range ends no later than the export's start, so a payment arriving meanwhile cannot
 * shift the pages (it would be listed twice).
 */
export async function paymentsExportRoute(c: Context<AppEnv>, admin: AdminDispatch): Promise<Response> {
  const parsed = ExportQuery.safeParse(c.req.query());
  if (!parsed.success) return validationError(parsed.error);
  const now = Date.now();
  const since = parsed.data.from ? Date.parse(`${parsed.data.from}T00:00:00Z`) : 0;
  const until = Math.min(parsed.data.to ? Date.parse(`${parsed.data.to}T00:00:00Z`) + DAY_MS : now, now);
  const lines: string[] = [];
  let total = 0;
  let pages = 0;
  for (; pages < MAX_PAGES; pages++) {
    const response = await admin(`/admin/payments?format=csv&since=${since}&until=${until}&limit=${PAGE_ROWS}&offset=${pages * PAGE_ROWS}`);
    if (!response.ok) return c.json({ error: { code: "export_failed", message: `the admin CSV answered ${response.status}` } }, 502);
    total = Number(response.headers.get("X-Total-Count") ?? "0");
    const [header = "", ...rows] = (await response.text()).split("\n").filter((line) => line.length > 0);
    if (pages === 0) lines.push(header);
    lines.push(...rows);
    if (rows.length < PAGE_ROWS || lines.length - 1 >= total) break;
  }
  const name = `edge402-payments-${parsed.data.from ?? "start"}-to-${parsed.data.to ?? new Date(now).toISOString().slice(0, 10)}.csv`;
  return new Response(`${lines.join("\n")}\n`, {
    headers: {
      ...PAGE_HEADERS,
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "X-Total-Count": String(total),
      "X-Complete": String(lines.length - 1 >= total),
    },
  });
}
