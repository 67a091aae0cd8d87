/**
 * Reconnect delays: full-jitter exponential backoff, `random(0, min(cap, base·2^attempt))`.
 * Full jitter (rather than a fixed ladder) matters because an edge deploy drops every runner at once;
 * spreading their returns over the whole window keeps them from reconnecting in lockstep.
 * Pure: the caller passes the random source and the times.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A connection that stayed up this long was healthy: the next failure starts from attempt 0. */
  resetAfterMs: number;
  /** Uniform in [0, 1), like Math.random. */
  random: () => number;
}

export const BACKOFF_DEFAULTS = { baseMs: 500, capMs: 30_000, resetAfterMs: 10_000 } as const;

/** The delay before reconnect number `attempt` (0-based). */
export function backoffDelay(attempt: number, { baseMs, capMs, random }: Pick<BackoffOptions, "baseMs" | "capMs" | "random">): number {
  // The exponent is clamped so 2^attempt stays finite however long the edge is away.
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * ceiling), ceiling);
}

export interface Backoff {
  /** The delay before the next attempt; advances the attempt count. */
  next(): number;
  /** Report that a connection was up from `upSinceMs` until `downAtMs`. */
  connectionEnded(upSinceMs: number, downAtMs: number): void;
  readonly attempt: number;
}

export function createBackoff(options: BackoffOptions): Backoff {
  let attempt = 0;
  return {
    next() {
      const delay = backoffDelay(attempt, options);
      attempt += 1;
      return delay;
    },
    connectionEnded(upSinceMs, downAtMs) {
      if (downAtMs - upSinceMs >= options.resetAfterMs) attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}
