/**
 * The one error type the runner throws at its boundaries (start-up, key files). Expected outcomes
 * inside the daemon (a job failing, a socket closing) are values, not exceptions; this is for the
 * cases where the caller has to stop and tell the operator something.
 */
export type RunnerErrorCode =
  | "config_invalid"
  | "key_file_missing"
  | "key_file_invalid"
  | "key_file_exists"
  | "key_file_write_failed";

export class RunnerError extends Error {
  override readonly name = "RunnerError";
  readonly code: RunnerErrorCode;
  /** Every individual problem, for errors that collect several (config). */
  readonly details: readonly string[];

  constructor(code: RunnerErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
  }
}

export function isRunnerError(value: unknown): value is RunnerError {
  return value instanceof RunnerError;
}

/** An error's message plus its cause's code (undici hides ECONNREFUSED in `cause`), for logs. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  const code = typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : null;
  return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
