/**
 * A fetch double for the executor's unit tests: records each request's JSON body and answers with
 * scripted Ollama responses, NDJSON streams included. Integration tests use a real HTTP server.
 */
export interface RecordedCall {
  url: string;
  body: unknown;
  headers: Record<string, string>;
  signal: AbortSignal | null;
}

export type Reply = (call: RecordedCall) => Response | Promise<Response>;

export function fakeFetch(reply: Reply): { fetch: typeof fetch; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fetchDouble = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    const call: RecordedCall = {
      url: String(input),
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
      headers,
      signal: init?.signal ?? null,
    };
    calls.push(call);
    call.signal?.throwIfAborted();
    return abortable(await reply(call), call.signal);
  };
  return { fetch: fetchDouble as typeof fetch, calls };
}

/** Like undici: aborting the request's signal errors a body that is still being read. */
function abortable(response: Response, signal: AbortSignal | null): Response {
  if (!signal || !response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      signal.addEventListener("abort", () => controller.error(signal.reason), { once: true });
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (signal.aborted) return;
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

export function ndjson(lines: readonly unknown[], { end = true }: { end?: boolean } = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const line of lines) controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      if (end) controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "application/x-ndjson" } });
}

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8" } });
}

/** A response that never arrives until the request's signal aborts (then fetch rejects, like undici). */
export function untilAborted(call: RecordedCall): Promise<Response> {
  return new Promise((_, reject) => {
    call.signal?.addEventListener("abort", () => reject(call.signal?.reason), { once: true });
  });
}

export const FINAL_CHAT = {
  model: "qwen2.5:7b",
  created_at: "2025-11-20T18:15:31.118123Z",
  message: { role: "assistant", content: "" },
  done: true,
  done_reason: "stop",
  total_duration: 1411527917,
  load_duration: 21418292,
  prompt_eval_count: 36,
  prompt_eval_duration: 176102000,
  eval_count: 2,
  eval_duration: 1066337000,
};

export const chatDelta = (content: string) => ({
  model: "qwen2.5:7b",
  created_at: "2025-11-20T18:15:31.118123Z",
  message: { role: "assistant", content },
  done: false,
});
