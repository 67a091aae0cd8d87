/** Time as a capability, so heartbeats, backoff and job timeouts can be driven by tests. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Look the globals up on each call (not once at import) so vitest's fake timers apply.
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};
