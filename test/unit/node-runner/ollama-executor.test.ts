import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../../protocol/base64.ts";
import { parseEdgeMessage } from "../../../protocol/tunnel-messages.ts";
import type { JobSpec } from "../../../protocol/job.ts";
import { classifyOllamaError } from "../../../node-runner/jobs/ollama-errors.ts";
import { createOllamaExecutor } from "../../../node-runner/jobs/ollama-executor.ts";
import type { Delta } from "../../../node-runner/jobs/chunk-batcher.ts";
import { chatDelta, fakeFetch, FINAL_CHAT, jsonResponse, ndjson, untilAborted } from "./support/fake-fetch.ts";

const HOST = "http://127.0.0.1:11434";
// A PNG signature followed by bytes whose base64 has non-zero padding bits ("…AB==" style inputs
// decode to the same bytes as their canonical form, so the runner must send the canonical one).
const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 250]);
const PNG_BASE64 = bytesToBase64(PNG_BYTES);
/** Same bytes, but with the unused bits before "=" set: valid strict base64, not the canonical form. */
const PNG_BASE64_LOOSE = (() => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const pad = PNG_BASE64.indexOf("=");
  const last = alphabet.indexOf(PNG_BASE64[pad - 1] ?? "A");
  return `${PNG_BASE64.slice(0, pad - 1)}${alphabet[last | 1]}${PNG_BASE64.slice(pad)}`;
})();

function specFromFrame(spec: unknown): JobSpec {
  const parsed = parseEdgeMessage(JSON.stringify({ type: "job", id: "job_00000001", spec, timeoutMs: 60_000 }));
  if (!parsed.ok || parsed.message.type !== "job") throw new Error(`job did not parse: ${parsed.ok ? "" : parsed.error}`);
  return parsed.message.spec;
}

async function run(spec: JobSpec, fetchDouble: typeof fetch, signal = new AbortController().signal) {
  const deltas: Delta[] = [];
  const result = await createOllamaExecutor({ host: HOST, fetch: fetchDouble })(spec, signal, (d) => deltas.push(d));
  return { result, deltas };
}

describe("images reach Ollama only as the validated bytes", () => {
  it.each([
    ["a file path", "/etc/hostname"],
    ["a URL", "https://example.com/cat.png"],
    ["a data: URI", `data:image/png;base64,${PNG_BASE64}`],
    ["base64 of a non-image", bytesToBase64(new TextEncoder().encode("just some text, not an image"))],
  ])("a job carrying %s is rejected before it could be run", (_, image) => {
    const frame = JSON.stringify({
      type: "job",
      id: "job_00000001",
      spec: { kind: "chat", model: "qwen2.5vl:7b", messages: [{ role: "user", content: "hi", images: [image] }] },
      timeoutMs: 60_000,
    });
    expect(parseEdgeMessage(frame).ok).toBe(false);
  });

  it("chat: the request body carries base64 of exactly the decoded bytes", async () => {
    const { fetch, calls } = fakeFetch(() => ndjson([chatDelta("a cat"), FINAL_CHAT]));
    const spec = specFromFrame({
      kind: "chat",
      model: "qwen2.5vl:7b",
      messages: [{ role: "user", content: "describe", images: [PNG_BASE64_LOOSE, PNG_BASE64] }],
    });
    expect(PNG_BASE64_LOOSE).not.toBe(PNG_BASE64);
    await run(spec, fetch);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(`${HOST}/api/chat`);
    expect(calls[0]?.body).toEqual({
      model: "qwen2.5vl:7b",
      messages: [{ role: "user", content: "describe", images: [PNG_BASE64, PNG_BASE64] }],
      stream: true,
    });
  });

  it("generate: same for top-level images", async () => {
    const { fetch, calls } = fakeFetch(() => ndjson([{ response: "x", done: false }, { response: "", done: true, done_reason: "stop" }]));
    await run(specFromFrame({ kind: "generate", model: "qwen2.5vl:7b", prompt: "p", images: [PNG_BASE64_LOOSE] }), fetch);
    expect(calls[0]?.body).toMatchObject({ images: [PNG_BASE64], stream: true, prompt: "p" });
  });

  it("sends no header from anywhere but ollama-js's own", async () => {
    const { fetch, calls } = fakeFetch(() => ndjson([chatDelta("a"), FINAL_CHAT]));
    await run(specFromFrame({ kind: "chat", model: "qwen2.5:7b", messages: [{ role: "user", content: "x" }] }), fetch);
    expect(Object.keys(calls[0]?.headers ?? {}).sort()).toEqual(["accept", "content-type", "user-agent"]);
  });
});

describe("ollama executor", () => {
  const chat = specFromFrame({ kind: "chat", model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }], think: false });

  it("streams deltas and returns Ollama's metrics from the final chunk", async () => {
    const { fetch } = fakeFetch(() =>
      ndjson([chatDelta("Hel"), { ...chatDelta("lo"), message: { role: "assistant", content: "lo", thinking: "t" } }, FINAL_CHAT]),
    );
    const { result, deltas } = await run(chat, fetch);
    expect(deltas).toEqual([{ content: "Hel" }, { content: "lo", thinking: "t" }, { content: "" }]);
    expect(result).toEqual({
      doneReason: "stop",
      metrics: {
        prompt_eval_count: 36,
        eval_count: 2,
        total_duration: 1411527917,
        load_duration: 21418292,
        prompt_eval_duration: 176102000,
        eval_duration: 1066337000,
      },
    });
  });

  it("defaults metrics Ollama omitted to 0", async () => {
    const { fetch } = fakeFetch(() => ndjson([{ message: { role: "assistant", content: "" }, done: true, done_reason: "length", eval_count: 5 }]));
    const { result } = await run(chat, fetch);
    expect(result.doneReason).toBe("length");
    expect(result.metrics).toMatchObject({ eval_count: 5, prompt_eval_count: 0, load_duration: 0 });
  });

  it("embeds with the job's signal on the (non-streaming) request, so it can be aborted", async () => {
    const { fetch, calls } = fakeFetch(() =>
      jsonResponse(200, { model: "all-minilm", embeddings: [[0.1, 0.2]], total_duration: 10, prompt_eval_count: 3 }),
    );
    const { result } = await run(specFromFrame({ kind: "embed", model: "all-minilm", input: ["a"], dimensions: 2 }), fetch);
    expect(calls[0]?.body).toEqual({ model: "all-minilm", input: ["a"], dimensions: 2 });
    expect(result).toMatchObject({ embeddings: [[0.1, 0.2]], metrics: { prompt_eval_count: 3, total_duration: 10 } });

    const job = new AbortController();
    const hanging = fakeFetch(untilAborted);
    const pending = run(specFromFrame({ kind: "embed", model: "all-minilm", input: "a" }), hanging.fetch, job.signal);
    await expect.poll(() => hanging.calls.length).toBe(1);
    job.abort(new Error("job cancelled"));
    await expect(pending).rejects.toThrow("job cancelled");
  });

  it("aborts a stream mid-way through the job's signal", async () => {
    const job = new AbortController();
    const { fetch } = fakeFetch(() => ndjson([chatDelta("a")], { end: false }));
    const deltas: Delta[] = [];
    const pending = createOllamaExecutor({ host: HOST, fetch })(chat, job.signal, (d) => {
      deltas.push(d);
      job.abort(new Error("timeout"));
    });
    await expect(pending).rejects.toThrow();
    expect(deltas).toEqual([{ content: "a" }]);
  });
});

describe("Ollama failures → job error codes", () => {
  const chat = specFromFrame({ kind: "chat", model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] });
  const failureOf = async (fetchDouble: typeof fetch) => {
    const error: unknown = await run(chat, fetchDouble).then(
      () => null,
      (e: unknown) => e,
    );
    return classifyOllamaError(error, HOST);
  };

  it.each([
    [404, { error: "model 'qwen2.5:7b' not found" }, "model_not_found"],
    [503, { error: "server busy, please try again.  maximum pending requests exceeded" }, "runner_busy"],
    [500, { error: "llama runner process has terminated" }, "ollama_error"],
    [400, { error: '"qwen2.5:7b" does not support thinking' }, "ollama_error"],
  ])("HTTP %i → %s", async (status, body, code) => {
    const failure = await failureOf(fakeFetch(() => jsonResponse(status, body)).fetch);
    expect(failure.code).toBe(code);
    expect(failure.message).toContain(body.error);
  });

  it("connection refused → ollama_unavailable", async () => {
    const refused = fakeFetch(() => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    });
    expect(await failureOf(refused.fetch)).toEqual({ code: "ollama_unavailable", message: `cannot reach Ollama at ${HOST} (ECONNREFUSED)` });
  });

  it("an error line mid-stream → ollama_error with Ollama's text", async () => {
    const failure = await failureOf(fakeFetch(() => ndjson([chatDelta("a"), { error: "an error was encountered while running the model" }])).fetch);
    expect(failure).toEqual({ code: "ollama_error", message: "Ollama: an error was encountered while running the model" });
  });

  it("a stream that ends without done → ollama_error", async () => {
    const failure = await failureOf(fakeFetch(() => ndjson([chatDelta("a")])).fetch);
    expect(failure).toEqual({ code: "ollama_error", message: "Ollama's stream ended without a final message" });
  });

  it("keeps messages within the protocol's 1000 characters", async () => {
    const failure = await failureOf(fakeFetch(() => jsonResponse(500, { error: "x".repeat(5000) })).fetch);
    expect(failure.message.length).toBeLessThanOrEqual(1000);
  });
});
