// The Ollama-API stand-in for tests and the local stack. Never a production backend.
export { startOllamaStandin } from "./server.ts";
export { DEFAULT_STANDIN_MODELS } from "./default-models.ts";
export type {
  FailureMode,
  FailurePlan,
  OllamaStandin,
  RecordedRequest,
  ScriptedReply,
  StandinCapability,
  StandinModel,
  StandinOptions,
  StandinStats,
} from "./types.ts";
