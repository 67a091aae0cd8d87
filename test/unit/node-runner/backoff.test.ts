import { describe, expect, it } from "vitest";
import { backoffDelay, BACKOFF_DEFAULTS, createBackoff } from "../../../node-runner/tunnel/backoff.ts";

const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
};

describe("full-jitter backoff", () => {
  it("draws from [0, min(cap, base·2^attempt)) with the injected random", () => {
    const top = (attempt: number) => backoffDelay(attempt, { ...BACKOFF_DEFAULTS, random: () => 0.999_999 });
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(top)).toEqual([499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999]);
    expect(backoffDelay(3, { ...BACKOFF_DEFAULTS, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...BACKOFF_DEFAULTS, random: () => 0.5 })).toBe(2000);
  });

  it("stays within the cap however many attempts", () => {
    for (const attempt of [10, 100, 10_000]) {
      const delay = backoffDelay(attempt, { ...BACKOFF_DEFAULTS, random: () => 0.999_999 });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(BACKOFF_DEFAULTS.capMs);
    }
  });

  it("never leaves the bounds even for a random source outside [0, 1)", () => {
    expect(backoffDelay(2, { ...BACKOFF_DEFAULTS, random: () => 7 })).toBe(2000);
    expect(backoffDelay(2, { ...BACKOFF_DEFAULTS, random: () => -1 })).toBe(0);
  });

  it("grows per attempt and resets only after a connection that stayed up long enough", () => {
    const backoff = createBackoff({ ...BACKOFF_DEFAULTS, random: sequence(0.5) });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([250, 500, 1000]);
    backoff.connectionEnded(1_000, 1_000 + BACKOFF_DEFAULTS.resetAfterMs - 1);
    expect(backoff.next()).toBe(2000);
    backoff.connectionEnded(1_000, 1_000 + BACKOFF_DEFAULTS.resetAfterMs);
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(250);
  });
});
