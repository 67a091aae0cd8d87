/**
 * How the pay CLI stops early: one line for stderr and the exit code (1 failed, 2 usage). Thrown only
 * inside the CLI's own flow and caught at its top (run.ts); library-like modules return values.
 */
export class PayFailure extends Error {
  override readonly name = "PayFailure";
  readonly exitCode: 1 | 2;

  constructor(message: string, exitCode: 1 | 2 = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** undici hides the reason a fetch failed (ECONNREFUSED, ENOTFOUND…) in `cause`. */
export function networkErrorCode(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const cause: unknown = error.cause;
  if (typeof cause === "object" && cause !== null) {
    if ("code" in cause && typeof cause.code === "string") return cause.code;
    if (cause instanceof Error) return cause.name === "AbortError" ? "timeout" : cause.message;
  }
  return error instanceof TypeError && error.message === "fetch failed" ? "fetch failed" : null;
}
