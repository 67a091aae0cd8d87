import { ledgerOf } from "../payments/ledger/ledger-binding.ts";
import type { Context } from "hono";
import { z } from "zod";
import { type AppEnv } from "../app-context.ts";
import { validationError } from "../http/validation-error.ts";
import type { LedgerRow } from "../payments/ledger/ledger-types.ts";

const Timestamp = z.union([z.string().regex(/^\d{1,15}$/).transform(Number), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);

const QuerySchema = z.object({
  since: Timestamp.optional(),
  until: Timestamp.optional(),
  payer: z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
  service: z.string().max(64).optional(),
  scheme: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  format: z.enum(["json", "csv"]).optional(),
});

// The columns the ledger has always had, then the scheme-neutral ones (appended, so existing
// spreadsheets and scripts that read columns by position keep working). `amount` = charged.
const CSV_COLUMNS = [
  "id", "settled_at", "network", "payer", "pay_to", "asset", "amount", "service", "tx_hash",
  "x402_version", "model", "runner_id", "prompt_tokens", "completion_tokens",
  "scheme", "authorized", "charged", "settlement_ref",
] as const;

/** GET /admin/payments — the ledger of charged calls with totals (overall, by service, by scheme), as JSON or CSV. */
export async function adminPaymentsRoute(c: Context<AppEnv>): Promise<Response> {
  const parsed = QuerySchema.safeParse(c.req.query());
  if (!parsed.success) return validationError(parsed.error);
  const { format, ...query } = parsed.data;
  const page = await ledgerOf(c.env).list(query);
  const wantsCsv = format === "csv" || (format === undefined && (c.req.header("Accept") ?? "").includes("text/csv"));
  if (!wantsCsv) return c.json(page, 200, { "Cache-Control": "no-store" });
  const lines = [CSV_COLUMNS.join(","), ...page.payments.map(csvLine)];
  return new Response(`${lines.join("\n")}\n`, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Total-Count": String(page.totals.count),
      "X-Total-Amount": page.totals.amount,
    },
  });
}

function csvLine(row: LedgerRow): string {
  const values = [
    row.id, new Date(row.settledAt).toISOString(), row.network, row.payer, row.payTo, row.asset, row.amount, row.service,
    row.txHash ?? "", row.x402Version, row.model ?? "", row.runnerId ?? "", row.promptTokens ?? "", row.completionTokens ?? "",
    row.scheme, row.authorized, row.charged, row.settlementRef,
  ];
  return values.map((v) => csvField(String(v))).join(",");
}

function csvField(value: string): string {
  // Quote when needed; a leading formula character is neutralised so spreadsheets never evaluate it.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
