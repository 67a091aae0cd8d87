import type { JobErrorCode } from "../../protocol/job.ts";

/**
 * Turns what ollama-js throws into the protocol's error codes. ollama-js does not export its
 * ResponseError class, so it is recognised by name and its `status_code` field.
 */
export interface JobFailure {
  code: JobErrorCode;
  message: string;
}

/** ErrorMessage.message is limited to 1000 characters. */
export const MAX_ERROR_MESSAGE = 1000;

const NO_DONE_MESSAGE = "Did not receive done or success response in stream.";

export function classifyOllamaError(error: unknown, ollamaHost: string): JobFailure {
  if (isResponseError(error)) {
    const status = error.status_code;
    const detail = error.message || `HTTP ${status}`;
    if (status === 404) return failure("model_not_found", `Ollama: ${detail}`);
    if (status === 503) return failure("runner_busy", `Ollama is busy: ${detail}`);
    if (status === 403) return failure("ollama_error", `Ollama refused the request (403): check that OLLAMA_HOST points at this machine's Ollama`);
    return failure("ollama_error", `Ollama answered ${status}: ${detail}`);
  }
  if (error instanceof Error) {
    // undici reports a refused/unresolvable/reset connection as TypeError("fetch failed") with the cause.
    if (error.name === "TypeError" && error.message === "fetch failed") {
      return failure("ollama_unavailable", `cannot reach Ollama at ${ollamaHost}${causeCode(error)}`);
    }
    // ...and a response body cut off by the other side as TypeError("terminated").
    if (error.name === "TypeError" && error.message === "terminated") {
      return failure("ollama_error", "Ollama closed the connection before the response was complete");
    }
    if (error.message === NO_DONE_MESSAGE) return failure("ollama_error", "Ollama's stream ended without a final message");
    // A `{"error": …}` line in the middle of a stream arrives as a plain Error with Ollama's text.
    return failure("ollama_error", `Ollama: ${error.message}`);
  }
  return failure("ollama_error", `Ollama: ${String(error)}`);
}

function isResponseError(error: unknown): error is Error & { status_code: number } {
  return error instanceof Error && error.name === "ResponseError" && typeof (error as { status_code?: unknown }).status_code === "number";
}

function causeCode(error: Error): string {
  const cause: unknown = error.cause;
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") return ` (${cause.code})`;
  return "";
}

function failure(code: JobErrorCode, message: string): JobFailure {
  return { code, message: message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…` : message };
}
