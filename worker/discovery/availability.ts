import { normalizeModelName } from "../../protocol/models.ts";
import type { RunnerStatus } from "../tunnel/runner-pool.ts";
import type { PaidEndpoint } from "./endpoints.ts";

/** Whether each endpoint can be served right now, from the runners connected this moment. */
export interface Availability {
  runnersOnline: number;
  /** Models some connected runner (not draining) offers, normalised names, sorted. */
  models: string[];
  services: Array<{ id: string; path: string; servable: boolean; freeSlots: number }>;
}

/**
 * An endpoint is servable when a connected, non-draining runner offers one of its models (a busy
 * one still queues); freeSlots counts what could start at once. Draining runners take no new jobs.
 */
export function availabilityOf(endpoints: readonly PaidEndpoint[], runners: readonly RunnerStatus[]): Availability {
  const live = runners.filter((r) => !r.draining);
  const free = new Map<string, number>();
  for (const r of live) for (const m of r.models) free.set(normalizeModelName(m.name), (free.get(normalizeModelName(m.name)) ?? 0) + Math.max(0, m.capacity - m.inFlight));
  return {
    runnersOnline: live.length,
    models: [...free.keys()].sort(),
    services: endpoints.map((e) => {
      const wanted = e.models.map(normalizeModelName).filter((m) => free.has(m));
      return { id: e.id, path: e.path, servable: wanted.length > 0, freeSlots: wanted.reduce((n, m) => n + (free.get(m) ?? 0), 0) };
    }),
  };
}
