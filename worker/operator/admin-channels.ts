import type { Context } from "hono";
import type { AppEnv } from "../app-context.ts";
import { jsonError } from "../http/json-error.ts";

/**
 * POST /admin/channels/claim — claims every channel's unclaimed value and settles it to payTo now,
 * answering once the transactions are mined (for operators, and for tests that must not wait for the
 * claim job's alarm). GET /admin/channels — the channels that owe a claim, when the claim job next
 * looks (`nextClaimAt`, epoch ms) and how its last round went.
 */
export async function adminClaimChannelsRoute(c: Context<AppEnv>): Promise<Response> {
  const report = await claimsOf(c).claimNow();
  return c.json(report, report.failures.length > 0 ? 502 : 200, { "Cache-Control": "no-store" });
}

export async function adminChannelsRoute(c: Context<AppEnv>): Promise<Response> {
  if (!c.env.CHANNEL_CLAIMS) return jsonError(404, "not_found", "channels are not configured on this edge");
  return c.json(await claimsOf(c).status(), 200, { "Cache-Control": "no-store" });
}

const claimsOf = (c: Context<AppEnv>) => c.env.CHANNEL_CLAIMS.getByName(c.var.config.payment.network);
