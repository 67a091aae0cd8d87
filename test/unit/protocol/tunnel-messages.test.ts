import { describe, expect, it } from "vitest";
import { closeReasonFromCode, TunnelCloseCode } from "../../../protocol/close-codes.ts";
import { MAX_FRAME_CHARS, parseEdgeMessage, parseRunnerMessage, PING_FRAME, PONG_FRAME } from "../../../protocol/tunnel-messages.ts";

const RUNNER = "rn_0123456789abcdef0123";
const JOB = "0b5a3c1e-1111-4222-8333-944455556666";
const metrics = { prompt_eval_count: 1, eval_count: 2, total_duration: 3, load_duration: 0, prompt_eval_duration: 1, eval_duration: 2 };

describe("tunnel messages", () => {
  it.each([
    { type: "auth", runnerId: RUNNER, challenge: "A".repeat(43), timestamp: 1, signature: "B".repeat(86) },
    { type: "hello", runnerId: RUNNER, version: "0.1.0", models: [{ name: "qwen2.5:7b", capacity: 2, capabilities: ["completion"] }], maxQueue: 16 },
    { type: "chunk", id: JOB, seq: 0, content: "Hel" },
    { type: "chunk", id: JOB, seq: 1, content: "", thinking: "hmm" },
    { type: "done", id: JOB, doneReason: "stop", metrics },
    { type: "done", id: JOB, doneReason: "stop", metrics: {}, embeddings: [[0.1, 0.2]] },
    { type: "error", id: JOB, code: "ollama_error", message: "boom" },
    { type: "draining" },
    { type: "ping" },
  ])("accepts runner message %j", (message) => {
    expect(parseRunnerMessage(JSON.stringify(message))).toMatchObject({ ok: true, message: { type: message.type } });
  });

  it("fills Ollama's omitted zero counters with 0", () => {
    const parsed = parseRunnerMessage(JSON.stringify({ type: "done", id: JOB, doneReason: "stop", metrics: { eval_count: 4 } }));
    expect(parsed.ok && parsed.message.type === "done" && parsed.message.metrics).toEqual({ ...Object.fromEntries(Object.keys(metrics).map((k) => [k, 0])), eval_count: 4 });
  });

  it.each([
    ["not JSON", "{"],
    ["a binary frame", new Uint8Array([1, 2])],
    ["an unknown type", JSON.stringify({ type: "shell", cmd: "rm -rf /" })],
    ["an extra field", JSON.stringify({ type: "ping", extra: 1 })],
    ["a malformed runner id", JSON.stringify({ type: "hello", runnerId: "rn_x", version: "1", models: [], maxQueue: 0 })],
    ["an unknown error code", JSON.stringify({ type: "error", id: JOB, code: "oops", message: "" })],
    ["a negative token count", JSON.stringify({ type: "done", id: JOB, doneReason: "stop", metrics: { eval_count: -1 } })],
    ["a job id with a slash", JSON.stringify({ type: "chunk", id: "../../etc", seq: 0, content: "" })],
    ["a capacity of zero", JSON.stringify({ type: "hello", runnerId: RUNNER, version: "1", models: [{ name: "m", capacity: 0 }], maxQueue: 0 })],
  ])("refuses %s with a reason", (_name, frame) => {
    const parsed = parseRunnerMessage(frame as string);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.length).toBeGreaterThan(0);
  });

  it("refuses an oversized frame before parsing it", () => {
    expect(parseRunnerMessage(" ".repeat(MAX_FRAME_CHARS + 1))).toEqual({ ok: false, error: "frame too large" });
  });

  it("parses the edge's job frame, validating the job spec inside", () => {
    const job = { type: "job", id: JOB, timeoutMs: 10_000, spec: { kind: "chat", model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] } };
    expect(parseEdgeMessage(JSON.stringify(job)).ok).toBe(true);
    expect(parseEdgeMessage(JSON.stringify({ ...job, timeoutMs: 10 })).ok).toBe(false);
    expect(parseEdgeMessage(JSON.stringify({ ...job, spec: { ...job.spec, messages: [{ role: "root", content: "hi" }] } })).ok).toBe(false);
  });

  it("uses fixed heartbeat frames the edge can auto-answer", () => {
    expect(PING_FRAME).toBe('{"type":"ping"}');
    expect(PONG_FRAME).toBe('{"type":"pong"}');
  });

  it("maps close codes back to their reasons", () => {
    for (const [reason, code] of Object.entries(TunnelCloseCode)) expect(closeReasonFromCode(code)).toBe(reason);
    expect(closeReasonFromCode(1000)).toBeNull();
  });
});
