import { HEARTBEAT_INTERVAL_MS } from "../../protocol/tunnel-messages.ts";
import { DEFAULT_OLLAMA_HOST } from "./ollama-host.ts";

export const CONFIG_DEFAULTS = {
  ollamaHost: DEFAULT_OLLAMA_HOST,
  maxQueue: 16,
  jobTimeoutMs: 300_000,
  heartbeatMs: HEARTBEAT_INTERVAL_MS,
  graceMs: 30_000,
  modelPollMs: 30_000,
  logLevel: "info",
} as const;

/** Where each setting can be given. Flags are `--<flag>`; the config file uses the field name. */
export const CONFIG_FIELDS = {
  edgeUrl: { env: "EDGE_URL", flag: "edge-url" },
  keyFile: { env: "RUNNER_KEY_FILE", flag: "key-file" },
  ollamaHost: { env: "OLLAMA_HOST", flag: "ollama-host" },
  models: { env: "RUNNER_MODELS", flag: "models" },
  concurrency: { env: "RUNNER_CONCURRENCY", flag: "concurrency" },
  maxQueue: { env: "RUNNER_MAX_QUEUE", flag: "max-queue" },
  jobTimeoutMs: { env: "RUNNER_JOB_TIMEOUT_MS", flag: "job-timeout-ms" },
  heartbeatMs: { env: "RUNNER_HEARTBEAT_MS", flag: "heartbeat-ms" },
  graceMs: { env: "RUNNER_GRACE_MS", flag: "grace-ms" },
  modelPollMs: { env: "RUNNER_MODEL_POLL_MS", flag: "model-poll-ms" },
  name: { env: "RUNNER_NAME", flag: "name" },
  logLevel: { env: "RUNNER_LOG_LEVEL", flag: "log-level" },
} as const;
export type ConfigField = keyof typeof CONFIG_FIELDS;
export const CONFIG_FILE_ENV = "EDGE402_RUNNER_CONFIG";
