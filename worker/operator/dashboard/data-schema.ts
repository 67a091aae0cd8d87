import { z } from "zod";
import { LatencySeries } from "../stats-types.ts";

/**
 * GET /dashboard/data: everything the page draws, in one JSON document the page polls. Built from
 * the admin API (dashboard-data.ts) and parsed with this schema by the tests. Money: base units of
 * `asset` as decimal strings; times: ISO-8601 UTC; wei: decimal strings.
 */
const Amount = z.string().regex(/^\d+$/);
const IsoTime = z.iso.datetime();
const Total = z.object({ count: z.int().min(0), amount: Amount });

export const RevenueWindow = z.object({
  window: z.enum(["today", "7d", "30d"]),
  /** First instant counted (UTC midnight of the window's first day). */
  since: IsoTime,
  total: Total,
  byService: z.array(Total.extend({ service: z.string() })),
  byScheme: z.array(Total.extend({ scheme: z.string() })),
});

export const ReasonCount = z.object({ reason: z.string(), count: z.int().min(0) });

export const DashboardRunner = z.object({
  runnerId: z.string(),
  name: z.string().nullable(),
  version: z.string(),
  connectedAt: IsoTime,
  draining: z.boolean(),
  models: z.array(z.string()),
  slotsBusy: z.int().min(0),
  slotsTotal: z.int().min(0),
  queued: z.int().min(0),
  lastHeartbeatAt: IsoTime,
  jobsServed: z.int().min(0),
});

/** edge-state.ts gasLevel (ok, low, empty), or unknown when the node could not be asked. */
export const GasLevel = z.enum(["ok", "low", "empty", "unknown"]);

export const DashboardData = z.object({
  generatedAt: IsoTime,
  asset: z.object({ network: z.string(), address: z.string(), decimals: z.int(), symbol: z.string() }),
  /** Explorer URL prefixes for this network; null on a network without one (the local chain). */
  explorer: z.object({ tx: z.string(), address: z.string() }).nullable(),
  revenue: z.object({
    windows: z.array(RevenueWindow),
    /** One entry per UTC day of the last 30 and scheme that earned that day. */
    perDay: z.array(z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), scheme: z.string(), count: z.int().min(0), amount: Amount })),
  }),
  /** Paid-route calls of the last 30 days by how they ended (null until the stats objects answer). */
  calls: z
    .object({
      paid: z.int().min(0),
      /** 402s: the payment was refused (or none was sent: `payment_required`). */
      refusals: z.array(ReasonCount),
      /** The job or its settlement failed: nothing was charged. */
      uncharged: z.array(ReasonCount.extend({ outcome: z.string() })),
    })
    .nullable(),
  /** Hourly p50/p95 over the last 24 hours, per service and stage. */
  latency: z.array(LatencySeries),
  runners: z.array(DashboardRunner),
  settlement: z.object({
    kind: z.enum(["embedded", "remote"]),
    network: z.string(),
    relayer: z.string().nullable(),
    facilitatorUrl: z.string().nullable(),
    balanceWei: Amount.nullable(),
    /** How many settlements the balance pays for at the current gas price. */
    settlementsLeft: z.int().min(0).nullable(),
    level: GasLevel,
    pendingTransactions: z.int().min(0).nullable(),
    stuckTransactions: z.int().min(0).nullable(),
    /** Gas the relayer's mined transactions cost over the last 30 UTC days (the revenue window beside it). */
    gasSpentWei: Amount.nullable(),
  }),
  channels: z
    .object({
      owing: z.array(
        z.object({
          channelId: z.string(),
          unclaimed: Amount,
          /** The payer's deposits in the escrow for this channel (null: its object could not be read). */
          deposit: Amount.nullable(),
          unclaimedSince: IsoTime.nullable(),
          /** When the claim job claims it at the latest (its age limit, or now for a pending withdrawal). */
          nextClaimBy: IsoTime.nullable(),
          withdrawRequestedAt: IsoTime.nullable(),
          /** When a pending withdrawal completes: what is unclaimed by then is the payer's again. */
          withdrawDeadline: IsoTime.nullable(),
          withdrawAmount: Amount.nullable(),
        }),
      ),
      unclaimedTotal: Amount,
    })
    .nullable(),
  payments: z.array(
    z.object({
      id: z.int(),
      settledAt: IsoTime,
      service: z.string(),
      scheme: z.string(),
      payer: z.string(),
      charged: Amount,
      txHash: z.string().nullable(),
      settlementRef: z.string(),
    }),
  ),
  /** Sources that could not be read this time (the rest of the page is still right). */
  problems: z.array(z.object({ source: z.string(), code: z.string(), message: z.string() })),
});
export type DashboardData = z.infer<typeof DashboardData>;
