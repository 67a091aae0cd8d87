import type { LogLevel } from "../log.ts";
import type { ConcurrencySpec } from "./model-settings.ts";

/**
 * The runner's settings, from (lowest to highest precedence) a JSON file, the environment and flags.
 * Everything is checked in one pass so the operator sees every problem at once, not one per restart.
 */
export interface RunnerConfig {
  /** As the operator wrote it; for logs. */
  readonly edgeUrl: string;
  /** What the runner dials: ws(s)://host[:port]/tunnel. */
  readonly tunnelUrl: string;
  readonly keyFile: string;
  /** Normalized, e.g. http://127.0.0.1:11434. */
  readonly ollamaHost: string;
  /** Normalized model names the operator allows; null means everything Ollama has. */
  readonly models: readonly string[] | null;
  readonly concurrency: ConcurrencySpec;
  readonly maxQueue: number;
  readonly jobTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly graceMs: number;
  readonly modelPollMs: number;
  readonly name: string;
  readonly logLevel: LogLevel;
}
