import type { Stage } from "./stage-times.ts";

/**
 * What the payment core tells the edge's statistics about each paid call it ran (the port; the
 * sharded EdgeStats Durable Object implements it). Told after the answer is decided, under
 * waitUntil, so counting never delays or fails a call.
 */
export interface CallStats {
  observe(observation: CallObservation): Promise<unknown>;
}

/** How a paid call ended (PaidCallResult.kind). */
export const CALL_OUTCOMES = ["delivered", "payment_required", "settlement_failed", "job_failed", "internal_error"] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** The stages timed per delivered call (see stageDurations). */
export const TIMED_STAGES = ["queue", "model", "job", "settlement", "total"] as const;
export type TimedStage = (typeof TIMED_STAGES)[number];

/** The scheme label when no payment was sent, and when the payment named no scheme offered here. */
export const NO_SCHEME = "none";
export const UNKNOWN_SCHEME = "unknown";
/** A reason that is not a plain code (a remote facilitator's free text, say) is counted under this. */
export const OTHER_REASON = "other";

export interface CallObservation {
  /** Unix ms the call ended. */
  at: number;
  service: string;
  /** A scheme offered here, NO_SCHEME or UNKNOWN_SCHEME: never a client's free text (label cardinality). */
  scheme: string;
  outcome: CallOutcome;
  /** The refusal's or failure's code; null when delivered. */
  reason: string | null;
  /** Milliseconds per stage, delivered calls only (empty otherwise). */
  stages: Partial<Record<TimedStage, number>>;
}

/** Codes are snake_case from our own tables or the x402 spec; anything else is not a label we keep. */
export function reasonLabel(reason: string | undefined | null): string | null {
  if (reason === undefined || reason === null) return null;
  return /^[a-z][a-z0-9_]{0,79}$/.test(reason) ? reason : OTHER_REASON;
}

/**
 * The core's stage marks (verify, reserve, job, preflight, settle, record) as the operator's stages:
 * job as measured, model = the model's own duration when the runner reported it (queue = the rest of
 * the job), settlement = everything after the job until the result could go out, total = all of it.
 */
export function stageDurations(stages: readonly Stage[], modelMs: number | null | undefined): Partial<Record<TimedStage, number>> {
  const ms = (name: string) => stages.find((s) => s.name === name)?.ms ?? 0;
  const job = ms("job");
  const out: Partial<Record<TimedStage, number>> = {
    job,
    settlement: ms("preflight") + ms("settle") + ms("record"),
    total: stages.reduce((sum, s) => sum + s.ms, 0),
  };
  if (typeof modelMs === "number" && Number.isFinite(modelMs) && modelMs >= 0) {
    out.model = modelMs;
    out.queue = Math.max(0, job - modelMs);
  }
  return out;
}
