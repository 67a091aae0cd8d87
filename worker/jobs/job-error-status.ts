import type { JobErrorCode } from "../../protocol/job.ts";

/** How each job failure reaches an HTTP client. 503s carry Retry-After: capacity may come back. */
export const JOB_ERROR_STATUS: Readonly<Record<JobErrorCode, number>> = {
  no_runner: 503,
  runner_busy: 503,
  runner_shutting_down: 503,
  model_not_found: 503,
  timeout: 504,
  ollama_unavailable: 502,
  ollama_error: 502,
  runner_disconnected: 502,
  invalid_output: 502,
  invalid_job: 502,
  cancelled: 502,
  internal: 502,
};

/** Retry-After for a 503 when the pool gave no better estimate. */
export const DEFAULT_RETRY_AFTER_SECONDS = 10;

/** Failures that happened before any output and may succeed on another runner. */
export const RETRYABLE_ON_ANOTHER_RUNNER: ReadonlySet<JobErrorCode> = new Set([
  "runner_disconnected",
  "runner_busy",
  "runner_shutting_down",
  "model_not_found",
  "ollama_unavailable",
]);
