import type { Clock, Timer } from "../clock.ts";

/**
 * Sends a ping every interval and declares the link dead when nothing at all has arrived from the edge
 * for two intervals. Any frame counts, not just pongs: a busy edge sending cancels proves liveness too.
 * A half-open TCP connection (laptop sleep, NAT timeout) never errors by itself; this is what notices.
 */
export interface HeartbeatOptions {
  intervalMs: number;
  clock: Clock;
  sendPing: () => void;
  onDead: (silentForMs: number) => void;
}

export interface Heartbeat {
  /** Call on every frame from the edge. */
  seen(): void;
  stop(): void;
}

export function startHeartbeat({ intervalMs, clock, sendPing, onDead }: HeartbeatOptions): Heartbeat {
  let lastSeen = clock.now();
  let timer: Timer | null = null;
  const tick = () => {
    const silentFor = clock.now() - lastSeen;
    if (silentFor >= 2 * intervalMs) {
      timer = null;
      onDead(silentFor);
      return;
    }
    sendPing();
    timer = clock.setTimeout(tick, intervalMs);
  };
  timer = clock.setTimeout(tick, intervalMs);
  return {
    seen() {
      lastSeen = clock.now();
    },
    stop() {
      timer?.cancel();
      timer = null;
    },
  };
}
