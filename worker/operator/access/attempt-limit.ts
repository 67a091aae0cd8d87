/**
 * How many wrong admin tokens one client address may present: at most MAX_FAILED_ATTEMPTS in a
 * window of ATTEMPT_WINDOW_MS, then every attempt from it is refused — the right token too, or the
 * lock would still answer guesses — until the window that filled up ends. A right token clears the
 * address's count. Pure rules: the AdminGuard object stores the rows and applies them one call at a
 * time, so concurrent guesses are counted in order and none slips past the limit.
 */
export const MAX_FAILED_ATTEMPTS = 10;
export const ATTEMPT_WINDOW_MS = 15 * 60_000;

export interface AttemptRow {
  windowStart: number;
  failures: number;
}

export type AttemptVerdict =
  | { ok: true }
  | { ok: false; code: "wrong_token"; attemptsLeft: number }
  | { ok: false; code: "too_many_attempts"; retryAfterSeconds: number };

export function judgeAttempt(row: AttemptRow | null, correct: boolean, now: number): { verdict: AttemptVerdict; next: AttemptRow | null } {
  const live = row && now < row.windowStart + ATTEMPT_WINDOW_MS ? row : null;
  if (live && live.failures >= MAX_FAILED_ATTEMPTS) {
    return { verdict: { ok: false, code: "too_many_attempts", retryAfterSeconds: Math.ceil((live.windowStart + ATTEMPT_WINDOW_MS - now) / 1000) }, next: live };
  }
  if (correct) return { verdict: { ok: true }, next: null };
  const next = { windowStart: live?.windowStart ?? now, failures: (live?.failures ?? 0) + 1 };
  return { verdict: { ok: false, code: "wrong_token", attemptsLeft: MAX_FAILED_ATTEMPTS - next.failures }, next };
}
