import type { StandinStats } from "./types.ts";

interface Waiter {
  predicate: (s: StandinStats) => boolean;
  resolve: (s: StandinStats) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Counters plus waitFor: predicates are re-checked on every change, so tests never poll or sleep. */
export class StatsTracker {
  readonly #stats: StandinStats = {
    requests: 0,
    streamsStarted: 0,
    streamsCompleted: 0,
    streamsAborted: 0,
    streamsFailed: 0,
    active: 0,
    queued: 0,
  };
  readonly #waiters = new Set<Waiter>();

  snapshot(): StandinStats {
    return { ...this.#stats };
  }

  update(change: (stats: StandinStats) => void): void {
    change(this.#stats);
    const current = this.snapshot();
    for (const waiter of this.#waiters) {
      if (!waiter.predicate(current)) continue;
      this.#settle(waiter);
      waiter.resolve(current);
    }
  }

  waitFor(predicate: (s: StandinStats) => boolean, timeoutMs = 5000): Promise<StandinStats> {
    const current = this.snapshot();
    if (predicate(current)) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#settle(waiter);
          reject(new Error(`ollama-standin: waitFor timed out after ${timeoutMs} ms; stats are ${JSON.stringify(this.#stats)}`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Fails every pending waitFor, e.g. when the stand-in closes. */
  rejectAll(reason: string): void {
    for (const waiter of this.#waiters) {
      this.#settle(waiter);
      waiter.reject(new Error(`ollama-standin: ${reason}; stats are ${JSON.stringify(this.#stats)}`));
    }
  }

  #settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.#waiters.delete(waiter);
  }
}
