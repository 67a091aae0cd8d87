/** What routing needs to know about one connected, authenticated runner. */
export interface RunnerLoad {
  runnerId: string;
  draining: boolean;
  /** normalized model name → jobs it runs at once */
  capacity: ReadonlyMap<string, number>;
  maxQueue: number;
  /** normalized model name → jobs currently assigned */
  inFlight: ReadonlyMap<string, number>;
}

export type PickResult =
  | { ok: true; runnerId: string }
  | { ok: false; reason: "no_runner" | "runner_busy" };

/**
 * The runner with the most free capacity for the model wins; ties go to the runner with fewer jobs
 * overall. A runner whose slots are full still takes jobs into its queue, up to its maxQueue.
 */
export function pickRunner(runners: Iterable<RunnerLoad>, model: string, exclude: ReadonlySet<string> = new Set()): PickResult {
  let best: { runnerId: string; free: number; total: number } | null = null;
  let anyHasModel = false;
  for (const runner of runners) {
    if (runner.draining || exclude.has(runner.runnerId)) continue;
    const capacity = runner.capacity.get(model);
    if (capacity === undefined) continue;
    anyHasModel = true;
    const busy = runner.inFlight.get(model) ?? 0;
    const free = capacity - busy;
    if (free <= -runner.maxQueue) continue;
    let total = 0;
    for (const n of runner.inFlight.values()) total += n;
    if (!best || free > best.free || (free === best.free && total < best.total)) {
      best = { runnerId: runner.runnerId, free, total };
    }
  }
  if (best) return { ok: true, runnerId: best.runnerId };
  return { ok: false, reason: anyHasModel ? "runner_busy" : "no_runner" };
}
