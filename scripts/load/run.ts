import type { LocalStack } from "../../dev/local-stack.ts";
import type { LoadConfig } from "./config.ts";
import type { CallResult } from "./driver.ts";
import type { Check } from "./reconcile.ts";
import type { LoadTarget } from "./target.ts";

/** What a run needs to pay its calls: the stack, the target, the settings. */
export interface RunContext {
  config: LoadConfig;
  stack: LocalStack;
  target: LoadTarget;
  url: string;
}

/**
 * One way of paying the run's calls (a scheme), prepared before the clock starts: `drive` sends the
 * calls, `reconcile` checks the books afterwards against the sources that scheme has.
 */
export interface LoadRun {
  price: bigint;
  payers: number;
  /** What the preparation did (signing, funding), for the progress line. */
  prepared: string;
  drive(options: { signal: AbortSignal; onProgress: (done: number) => void }): Promise<{ results: CallResult[]; wallMs: number }>;
  reconcile(): Promise<{ checks: Check[]; jobsPerRunner: Array<[string, number]> }>;
  /** Lines the report prints about how the calls were paid (after the run). */
  reportLines(): string[];
}

/** Settings that cannot work on this stack (exit 2, like a bad setting). */
export class UnworkableSettings extends Error {
  override readonly name = "UnworkableSettings";
}
