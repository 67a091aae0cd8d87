// Public types of the Ollama-API stand-in. index.ts re-exports them by name.

export type StandinCapability = "completion" | "vision" | "embedding" | "tools" | "thinking";

export interface StandinModel {
  /** As `ollama list` shows it; the tag defaults to `latest`. */
  name: string;
  capabilities: StandinCapability[];
  /** GGUF architecture, which Ollama reports as `details.family` (e.g. "qwen2", "qwen25vl", "bert"). */
  family?: string;
  /** As Ollama prints it, e.g. "7.6B" or "494.03M". */
  parameterSize?: string;
  /** e.g. "Q4_K_M" or "F16". */
  quantization?: string;
  /** Hidden size; for embedding models the vector length /api/embed returns. */
  embeddingLength?: number;
  /** The architectural maximum (`<arch>.context_length`), not the served `num_ctx`. */
  contextLength?: number;
}

export interface StandinOptions {
  /** 0 = a random free port (default). */
  port?: number;
  /** Default 127.0.0.1. On a loopback address the Host guard is on, as in Ollama. */
  host?: string;
  models?: StandinModel[];
  /** Pacing of streamed tokens; 0 (default) = as fast as possible. */
  tokensPerSecond?: number;
  /** Generations run at once per model (OLLAMA_NUM_PARALLEL); default 1. */
  numParallel?: number;
  /** Requests allowed to wait for a slot, across models (OLLAMA_MAX_QUEUE); default 512. */
  maxQueue?: number;
  /** Reported by /api/version; default "0.32.15". */
  version?: string;
}

export type FailureMode =
  | "http_500" // 500 {"error":"..."} before any byte of the stream
  | "error_mid_stream" // status 200, some chunks, then {"error":"an error was encountered while running the model"} and no done
  | "drop_mid_stream" // some chunks then the TCP connection is destroyed (no done line)
  | "hang" // accepts the request and never sends a byte (until the client aborts)
  | "never_ending"; // streams tokens forever (until the client aborts)

export interface FailurePlan {
  mode: FailureMode;
  /** Content chunks sent before the failure, for the *_mid_stream modes; default 3. */
  afterTokens?: number;
  /** Only requests for this model (matched like Ollama matches names). */
  model?: string;
  /** Default 1; Infinity allowed. */
  times?: number;
  /** Replaces the error text of http_500 and error_mid_stream. */
  message?: string;
  /**
   * How drop_mid_stream ends the body. "eof" (default): the body is close-delimited, so the drop reads
   * as a clean end without `done` (ollama-js: "Did not receive done or success response in stream.").
   * "reset": the body is chunked and cut mid-chunk-stream, as when the Ollama process dies
   * (undici/fetch: TypeError "terminated").
   */
  dropStyle?: "eof" | "reset";
}

export interface ScriptedReply {
  model?: string;
  /** Tested against the last user message (chat) or the prompt (generate); a string matches as a substring. */
  match?: string | RegExp;
  /** The assistant's whole content; a function receives the request body as the client sent it. */
  content: string | ((request: unknown) => string);
  /** Default Infinity. */
  times?: number;
}

export interface StandinStats {
  /** Ollama API requests received (the /__standin control routes are not counted). */
  requests: number;
  /** Generations (chat/generate with input) that got a slot, streaming or not. */
  streamsStarted: number;
  /** Generations that sent their `done` answer. */
  streamsCompleted: number;
  /** Generations stopped because the client went away. */
  streamsAborted: number;
  /** Generations ended by an injected failure (http_500, error_mid_stream, drop_mid_stream). */
  streamsFailed: number;
  /** Generations holding a slot now. streamsStarted = completed + aborted + failed + active. */
  active: number;
  /** Requests waiting for a slot now. */
  queued: number;
}

export interface RecordedRequest {
  method: string;
  /** The URL path without the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, the raw text when it is not, undefined when empty. */
  body: unknown;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface OllamaStandin {
  /** e.g. http://127.0.0.1:54321 */
  readonly url: string;
  readonly port: number;
  readonly requests: ReadonlyArray<RecordedRequest>;
  stats(): StandinStats;
  setTokensPerSecond(tps: number): void;
  injectFailure(plan: FailurePlan): void;
  clearFailures(): void;
  /** Scripted replies win over the default reply and over format-generated JSON. */
  script(reply: ScriptedReply): void;
  clearScripts(): void;
  /** Resolves when the predicate over stats holds (checked on every state change); rejects after timeoutMs (default 5000). */
  waitFor(predicate: (s: StandinStats) => boolean, timeoutMs?: number): Promise<StandinStats>;
  /** Destroys open connections too; never hangs. */
  close(): Promise<void>;
}
