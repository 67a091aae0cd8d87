/**
 * Virtual time for code that takes `now` and `sleep`: nothing sleeps for real. `run(promise)` drives
 * the clock: whenever every pending promise chain has settled as far as it can (the microtask queue
 * is empty), time jumps to the earliest sleeper or scheduled event and wakes it. Concurrent sleepers
 * share one timeline, so deadlines hold as they would in real time, without flakiness.
 */
export class VirtualClock {
  private time: number;
  private seq = 0;
  private readonly timers: Array<{ at: number; seq: number; fire: () => void }> = [];

  constructor(start = 1_750_000_000_000) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.time + Math.max(0, ms), seq: this.seq++, fire: resolve });
    });

  /** Runs `fn` when virtual time reaches `at` (while the clock is being driven). */
  at(at: number, fn: () => void): void {
    this.timers.push({ at, seq: this.seq++, fire: fn });
  }

  /** Runs `fn` `ms` from now. */
  after(ms: number, fn: () => void): void {
    this.at(this.time + ms, fn);
  }

  /** Drives virtual time until `promise` settles; throws if nothing is left to wake and it has not. */
  async run<T>(promise: Promise<T>, { limitMs = 24 * 3_600_000 }: { limitMs?: number } = {}): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    const limit = this.time + limitMs;
    await idle();
    while (!settled) {
      const next = this.takeNext(limit);
      if (!next) throw new Error(`virtual clock: the promise is stuck (nothing scheduled before +${limitMs} ms)`);
      this.time = Math.max(this.time, next.at);
      next.fire();
      await idle();
    }
    return promise;
  }

  /** Moves virtual time forward by `ms`, waking (in order) everything due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await idle();
    for (let next = this.takeNext(target); next; next = this.takeNext(target)) {
      this.time = Math.max(this.time, next.at);
      next.fire();
      await idle();
    }
    this.time = target;
    await idle();
  }

  private takeNext(notAfter: number) {
    let best = -1;
    for (let i = 0; i < this.timers.length; i++) {
      const t = this.timers[i]!;
      const b = this.timers[best];
      if (t.at <= notAfter && (!b || t.at < b.at || (t.at === b.at && t.seq < b.seq))) best = i;
    }
    return best < 0 ? null : this.timers.splice(best, 1)[0]!;
  }
}

/** Lets every promise chain that can make progress do so (the microtask queue drains before a macrotask). */
function idle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
