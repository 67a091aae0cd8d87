import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemClock } from "../../../node-runner/clock.ts";
import { startHeartbeat } from "../../../node-runner/tunnel/heartbeat.ts";

describe("heartbeat", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("pings every interval while the edge answers", () => {
    const onDead = vi.fn();
    let pings = 0;
    const heartbeat = startHeartbeat({ intervalMs: 1000, clock: systemClock, sendPing: () => pings++, onDead });
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(1000);
      heartbeat.seen();
    }
    expect(pings).toBe(5);
    expect(onDead).not.toHaveBeenCalled();
    heartbeat.stop();
  });

  it("declares the link dead after two silent intervals, and stops pinging", () => {
    const onDead = vi.fn();
    let pings = 0;
    startHeartbeat({ intervalMs: 1000, clock: systemClock, sendPing: () => pings++, onDead });
    vi.advanceTimersByTime(1999);
    expect(onDead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onDead).toHaveBeenCalledWith(2000);
    vi.advanceTimersByTime(10_000);
    expect(onDead).toHaveBeenCalledTimes(1);
    expect(pings).toBe(1);
  });

  it("counts any frame as liveness, not only pongs", () => {
    const onDead = vi.fn();
    const heartbeat = startHeartbeat({ intervalMs: 1000, clock: systemClock, sendPing: () => {}, onDead });
    vi.advanceTimersByTime(1500);
    heartbeat.seen(); // e.g. a job frame
    vi.advanceTimersByTime(1500);
    expect(onDead).not.toHaveBeenCalled();
    heartbeat.stop();
    vi.advanceTimersByTime(10_000);
    expect(onDead).not.toHaveBeenCalled();
  });
});
