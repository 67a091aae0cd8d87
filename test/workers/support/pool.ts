import { env } from "cloudflare:workers";
import type { RunnerStatus } from "../../../worker/tunnel/runner-pool.ts";

export const pool = () => env.RUNNER_POOL.getByName("pool");

/** Waits (bounded) until the pool's view satisfies `predicate`; each check is one RPC round trip. */
export async function waitForPool(predicate: (runners: RunnerStatus[]) => boolean, attempts = 200): Promise<RunnerStatus[]> {
  for (let i = 0; i < attempts; i++) {
    const runners = await pool().status();
    if (predicate(runners)) return runners;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("pool never reached the expected state");
}
