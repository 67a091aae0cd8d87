import type { JobErrorCode, JobSpec } from "../../protocol/job.ts";
import { jsonError } from "../http/json-error.ts";
import { readJobEvents, type JobEvent } from "../tunnel/job-events.ts";
import type { RunnerPool } from "../tunnel/runner-pool.ts";
import { DEFAULT_RETRY_AFTER_SECONDS, JOB_ERROR_STATUS, RETRYABLE_ON_ANOTHER_RUNNER } from "./job-error-status.ts";

const MAX_ATTEMPTS = 2;

export type JobFailure = { code: JobErrorCode; message: string; retryAfterSeconds?: number };

export type StartedJob =
  | { ok: false; failure: JobFailure }
  | {
      ok: true;
      jobId: string;
      runnerId: string;
      /** The first delta, or `done` for jobs without streamed output (embeddings). */
      first: Exclude<JobEvent, { type: "error" }>;
      /** Everything after `first`; closing it early (return()) cancels the job on the runner. */
      rest: AsyncGenerator<JobEvent, void, undefined>;
    };

/**
 * Dispatches a job and waits for its first event: the moment the job demonstrably works.
 * A failure before any output that another runner might not have (a runner dropped, was full, or
 * lacks the model) is retried once on a different runner.
 */
export interface StartJobOptions {
  timeoutMs: number;
  /** Aborts when the HTTP client goes away: the job is then cancelled on its runner. */
  signal?: AbortSignal;
  waitUntil(promise: Promise<unknown>): void;
}

export async function startJob(pool: DurableObjectStub<RunnerPool>, spec: JobSpec, options: StartJobOptions): Promise<StartedJob> {
  const tried: string[] = [];
  let failure: JobFailure = { code: "no_runner", message: `no runner serving model ${spec.model} is connected` };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (options.signal?.aborted) return { ok: false, failure: { code: "cancelled", message: "the job was cancelled before it started" } };
    const dispatched = await pool.dispatch(spec, { timeoutMs: options.timeoutMs, exclude: tried });
    if (!dispatched.ok) {
      // After a failed attempt, the earlier failure explains more than "no other runner".
      return { ok: false, failure: attempt === 0 ? { code: dispatched.code, message: dispatched.message, retryAfterSeconds: dispatched.retryAfterSeconds } : failure };
    }
    const cancel = () => options.waitUntil(pool.cancel(dispatched.jobId).catch(() => {}));
    const events = readJobEvents(dispatched.events, cancel);
    options.signal?.addEventListener("abort", cancel, { once: true });
    if (options.signal?.aborted) cancel();
    const next = await events.next();
    const first: JobEvent = next.done ? { type: "error", code: "runner_disconnected", message: "job stream ended without a result" } : next.value;
    if (first.type !== "error") return { ok: true, jobId: dispatched.jobId, runnerId: dispatched.runnerId, first, rest: events };
    await events.return();
    failure = { code: first.code, message: first.message };
    if (!RETRYABLE_ON_ANOTHER_RUNNER.has(first.code)) break;
    tried.push(dispatched.runnerId);
  }
  return { ok: false, failure };
}

export function jobFailureResponse(failure: JobFailure, extra?: Record<string, unknown>): Response {
  const status = JOB_ERROR_STATUS[failure.code];
  const headers: HeadersInit = status === 503 ? { "Retry-After": String(failure.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS) } : {};
  return jsonError(status, failure.code, `${failure.message}; nothing was charged`, extra, headers);
}

export interface CollectedOutput {
  content: string;
  thinking: string;
  done: Extract<JobEvent, { type: "done" }>;
}

/** Reads a started job to its end, for results that are validated or sent whole. */
export async function collectOutput(job: Extract<StartedJob, { ok: true }>): Promise<{ ok: true; output: CollectedOutput } | { ok: false; failure: JobFailure }> {
  let content = "";
  let thinking = "";
  let event: JobEvent = job.first;
  for (;;) {
    if (event.type === "error") return { ok: false, failure: { code: event.code, message: event.message } };
    if (event.type === "done") return { ok: true, output: { content, thinking, done: event } };
    content += event.content;
    thinking += event.thinking ?? "";
    const next = await job.rest.next();
    event = next.done ? { type: "error", code: "runner_disconnected", message: "job stream ended without a result" } : next.value;
  }
}
