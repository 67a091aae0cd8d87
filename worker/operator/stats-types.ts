import { z } from "zod";
import { CALL_OUTCOMES, TIMED_STAGES } from "../payments/core/call-stats.ts";

/**
 * The shape of GET /admin/stats (bearer ADMIN_TOKEN): what the operator dashboard reads. Defined here
 * once, as zod, so the route builds exactly this and the dashboard (and tests) parse it with the same
 * schema. Money is asset base units as decimal strings (USDC: 6 decimals, "10000" = $0.01), never a
 * float; durations are seconds as numbers (not money, so floats are fine); times are ISO-8601 UTC.
 */

/** How a paid call ended, as the payment core reports it (`PaidCallResult.kind`). */
export const CallOutcome = z.enum(CALL_OUTCOMES);
export type CallOutcome = z.infer<typeof CallOutcome>;

/**
 * Stages timed per delivered call: `queue` = the job's time before the model ran (dispatch, runner
 * queue, transport; known when the model's own duration is), `model` = Ollama's total_duration,
 * `job` = dispatch until the result (a stream: until its first chunk), `settlement` = after the job
 * until the result could be delivered (the scheme's preflight wait, settle, ledger write), `total`.
 */
export const TimedStage = z.enum(TIMED_STAGES);
export type TimedStage = z.infer<typeof TimedStage>;

/** The scheme label: a registered scheme's name, `none` (no payment sent) or `unknown` (a payment naming no scheme offered here). */
export const SchemeLabel = z.string().regex(/^[a-z0-9-]{1,32}$/);

const Amount = z.string().regex(/^\d+$/);
const IsoTime = z.iso.datetime();
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const StatsQuery = z.object({
  /** Range start, unix ms or ISO-8601; default 30 days before `until`. */
  since: z.union([z.string().regex(/^\d{1,15}$/).transform(Number), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]).optional(),
  /** Range end (exclusive), unix ms or ISO-8601; default now. */
  until: z.union([z.string().regex(/^\d{1,15}$/).transform(Number), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]).optional(),
  /** Latency bucket width; default: hour for ranges up to 3 days, else day. */
  bucket: z.enum(["hour", "day"]).optional(),
});
export type StatsQuery = z.infer<typeof StatsQuery>;

const Total = z.object({ count: z.int().min(0), amount: Amount });

export const RevenueDay = z.object({
  /** UTC day, YYYY-MM-DD. */
  day: Day,
  service: z.string(),
  scheme: z.string(),
  asset: z.string(),
  /** Charged calls that day (ledger rows). */
  count: z.int().min(0),
  /** Charged, in base units of `asset`. */
  amount: Amount,
});

export const CallCount = z.object({
  service: z.string(),
  scheme: SchemeLabel,
  outcome: CallOutcome,
  /** A refusal's or failure's code (payment reason, job error code); null for delivered calls. */
  reason: z.string().nullable(),
  count: z.int().min(0),
});

export const LatencyPoint = z.object({
  /** Bucket start (UTC). */
  start: IsoTime,
  count: z.int().min(0),
  /** Estimated from histogram buckets (linear within a bucket); null when the bucket saw no call. */
  p50Seconds: z.number().min(0).nullable(),
  p95Seconds: z.number().min(0).nullable(),
});

export const LatencySeries = z.object({
  service: z.string(),
  stage: TimedStage,
  points: z.array(LatencyPoint),
});

export const AdminStats = z.object({
  generatedAt: IsoTime,
  range: z.object({ since: IsoTime, until: IsoTime, bucket: z.enum(["hour", "day"]) }),
  /** The asset prices are in (this edge's network and token), to format base units for people. */
  asset: z.object({ network: z.string(), address: z.string(), decimals: z.int(), symbol: z.string() }),
  /** From the ledger (charged calls): the money. */
  revenue: z.object({
    total: Total,
    byService: z.array(Total.extend({ service: z.string() })),
    byScheme: z.array(Total.extend({ scheme: z.string() })),
    byDay: z.array(RevenueDay),
  }),
  /** From the stats objects: every paid-route call by outcome (delivered, and each refusal or uncharged failure by reason). */
  calls: z.array(CallCount),
  /** Per service and stage, over time buckets of `range.bucket`. */
  latency: z.array(LatencySeries),
  /** Live state lives where it already is: GET these with the same token. */
  sources: z.object({
    runners: z.literal("/admin/runners"),
    relayer: z.literal("/admin/facilitator"),
    channels: z.literal("/admin/channels"),
    payments: z.literal("/admin/payments"),
    health: z.literal("/health"),
  }),
});
export type AdminStats = z.infer<typeof AdminStats>;

/** Stages in the order a call goes through them (the order latency series are listed in). */
export const TIMED_STAGE_ORDER: readonly TimedStage[] = TIMED_STAGES;
