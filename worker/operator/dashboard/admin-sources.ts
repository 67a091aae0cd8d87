import { z } from "zod";
import { AdminStats } from "../stats-types.ts";

/**
 * The admin API as the dashboard reads it: each /admin answer parsed with zod before anything is
 * drawn from it (the dashboard is the admin API's client, through AdminDispatch — the same routes,
 * guard and token, dispatched inside the Worker).
 */
export type AdminDispatch = (path: string) => Promise<Response>;

export const RunnersAnswer = z.object({
  runners: z.array(
    z.object({
      runnerId: z.string(),
      name: z.string().nullish(),
      version: z.string(),
      connectedAt: z.number(),
      draining: z.boolean(),
      /** `inFlight` counts the jobs running and those queued behind them (beyond `capacity`). */
      models: z.array(z.object({ name: z.string(), capacity: z.int().min(0), inFlight: z.int().min(0) })),
      lastSeenAt: z.number(),
      jobsServed: z.int().min(0),
    }),
  ),
});

export const FacilitatorAnswer = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("embedded"), network: z.string(), relayer: z.string() }),
  z.object({ kind: z.literal("remote"), network: z.string(), url: z.string() }),
]);

export const ChannelsAnswer = z.object({
  owing: z.array(z.object({ channelId: z.string(), unclaimed: z.string().regex(/^\d+$/), unclaimedSince: z.number().nullable(), withdrawRequestedAt: z.number() })),
});

const LedgerTotal = z.object({ count: z.int().min(0), amount: z.string().regex(/^\d+$/) });
export const PaymentsAnswer = z.object({
  payments: z.array(
    z.object({
      id: z.int(),
      settledAt: z.number(),
      service: z.string(),
      scheme: z.string(),
      payer: z.string(),
      charged: z.string().regex(/^\d+$/),
      txHash: z.string().nullable(),
      settlementRef: z.string(),
    }),
  ),
  totals: LedgerTotal.extend({
    byService: z.array(LedgerTotal.extend({ service: z.string() })),
    byScheme: z.array(LedgerTotal.extend({ scheme: z.string() })),
  }),
});

export { AdminStats };

export type SourceResult<T> = { ok: true; value: T } | { ok: false; source: string; code: string; message: string };

/** GETs one admin path and parses its JSON; a failure is a value (the rest of the page still renders). */
export async function readSource<T>(admin: AdminDispatch, path: string, schema: z.ZodType<T>): Promise<SourceResult<T>> {
  const source = path.split("?")[0]!;
  try {
    const response = await admin(path);
    if (response.status === 404) return { ok: false, source, code: "not_available", message: `${source} is not served by this edge` };
    if (!response.ok) return { ok: false, source, code: `http_${response.status}`, message: `${source} answered ${response.status}` };
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) return { ok: false, source, code: "unexpected_shape", message: `${source}: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}` };
    return { ok: true, value: parsed.data };
  } catch (error) {
    return { ok: false, source, code: "unreadable", message: `${source}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
