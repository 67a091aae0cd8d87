import type { FailureMode, FailurePlan } from "./types.ts";

export const MODEL_RUN_ERROR = "an error was encountered while running the model";
/** What a crashed llama runner looks like to an Ollama client. */
export const RUNNER_TERMINATED = "llama runner process has terminated: exit status 2";

/** A plan with its defaults filled in, as one request receives it. */
export interface ScheduledFailure {
  mode: FailureMode;
  afterTokens: number;
  message: string;
  dropStyle: "eof" | "reset";
}

interface Entry {
  plan: FailurePlan;
  modelKey: string | undefined;
  remaining: number;
}

const MODES: ReadonlyArray<FailureMode> = ["http_500", "error_mid_stream", "drop_mid_stream", "hang", "never_ending"];

/** Injected failures, consumed in order by the generations they apply to. */
export class FailureBook {
  readonly #entries: Entry[] = [];
  readonly #keyOf: (model: string) => string;

  constructor(keyOf: (model: string) => string) {
    this.#keyOf = keyOf;
  }

  inject(plan: FailurePlan): void {
    if (!MODES.includes(plan.mode)) throw new TypeError(`unknown failure mode ${JSON.stringify(plan.mode)}`);
    const times = plan.times ?? 1;
    if (!(times > 0)) throw new TypeError(`failure times must be > 0, got ${times}`);
    const afterTokens = plan.afterTokens ?? 3;
    if (!Number.isInteger(afterTokens) || afterTokens < 0) throw new TypeError(`afterTokens must be an integer >= 0, got ${afterTokens}`);
    this.#entries.push({ plan, modelKey: plan.model === undefined ? undefined : this.#keyOf(plan.model), remaining: times });
  }

  clear(): void {
    this.#entries.length = 0;
  }

  take(modelKey: string): ScheduledFailure | undefined {
    const index = this.#entries.findIndex((entry) => entry.modelKey === undefined || entry.modelKey === modelKey);
    const entry = this.#entries[index];
    if (!entry) return undefined;
    entry.remaining--;
    if (entry.remaining <= 0) this.#entries.splice(index, 1);
    const { plan } = entry;
    return {
      mode: plan.mode,
      afterTokens: plan.afterTokens ?? 3,
      message: plan.message ?? (plan.mode === "http_500" ? RUNNER_TERMINATED : MODEL_RUN_ERROR),
      dropStyle: plan.dropStyle ?? "eof",
    };
  }
}
