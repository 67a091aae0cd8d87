import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inspectRejectedFrame } from "../../../node-runner/tunnel/rejected-frame.ts";
import { JobIdSchema, parseEdgeMessage, parseRunnerMessage, type ParseResult } from "../../../protocol/tunnel-messages.ts";
import { deepJsonText, hostileJson, hostileText, jsonWithRawAt, oversizedText, setAt } from "../../support/hostile-arbitraries.ts";

// Generated tunnel frames, both directions: parsing never throws (a throw in the RunnerPool's
// webSocketMessage or the runner's onmessage is an unhandled error, not a clean close) and every
// refusal says what was wrong. Parsing is pure and fast: a few hundred runs per property.

const RUNNER = "rn_0123456789abcdef0123";
const JOB = "0b5a3c1e-1111-4222-8333-944455556666";
const metrics = { prompt_eval_count: 1, eval_count: 2, total_duration: 3, load_duration: 0, prompt_eval_duration: 1, eval_duration: 2 };

/** One valid frame of each type; the properties break one field at a time. */
const RUNNER_FRAMES: Record<string, unknown> = {
  auth: { type: "auth", runnerId: RUNNER, challenge: "A".repeat(43), timestamp: 1, signature: "B".repeat(86) },
  hello: { type: "hello", runnerId: RUNNER, version: "0.1.0", models: [{ name: "qwen2.5:7b", capacity: 2, capabilities: ["completion"] }], maxQueue: 16 },
  chunk: { type: "chunk", id: JOB, seq: 0, content: "Hel", thinking: "hmm" },
  done: { type: "done", id: JOB, doneReason: "stop", metrics, embeddings: [[0.1, 0.2]] },
  error: { type: "error", id: JOB, code: "ollama_error", message: "boom" },
  draining: { type: "draining" },
  ping: { type: "ping" },
};
const EDGE_FRAMES: Record<string, unknown> = {
  ready: { type: "ready", runnerId: RUNNER },
  job: {
    type: "job",
    id: JOB,
    timeoutMs: 10_000,
    spec: { kind: "chat", model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }], options: { temperature: 0, num_predict: 16 }, format: { type: "object" } },
  },
  embed: { type: "job", id: JOB, timeoutMs: 10_000, spec: { kind: "embed", model: "nomic-embed-text", input: ["a", "b"], dimensions: 8 } },
  cancel: { type: "cancel", id: JOB, reason: "client_gone" },
  pong: { type: "pong" },
};

/** Every path to a value inside `value` (the value itself included). */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => pathsOf(v, [...prefix, i])));
  if (typeof value === "object" && value !== null) return here.concat(...Object.entries(value).map(([k, v]) => pathsOf(v, [...prefix, k])));
  return here;
}

const valueAt = (value: unknown, path: (string | number)[]) => path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);

const directions = [
  { name: "runner → edge", parse: parseRunnerMessage, frames: RUNNER_FRAMES },
  { name: "edge → runner", parse: parseEdgeMessage, frames: EDGE_FRAMES },
] as const;

function parseSafely(parse: (frame: string) => ParseResult<unknown>, frame: string): ParseResult<unknown> {
  let result: ParseResult<unknown> | undefined;
  expect(() => (result = parse(frame))).not.toThrow();
  return result!;
}

function expectRefused(result: ParseResult<unknown>) {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.length).toBeGreaterThan(5);
}

/** A frame with the value at one path (chosen by `pick`) replaced. */
const mutation = (frames: Record<string, unknown>) =>
  fc.tuple(fc.constantFrom(...Object.keys(frames)), fc.nat()).map(([type, pick]) => {
    const frame = frames[type]!;
    const paths = pathsOf(frame);
    return { frame, path: paths[pick % paths.length]! };
  });

describe.each(directions)("tunnel frames $name, generated", ({ parse, frames }) => {
  it("accepts the templates (the properties below start from valid frames)", () => {
    for (const frame of Object.values(frames)) expect(parse(JSON.stringify(frame))).toMatchObject({ ok: true });
  });

  it("refuses any text that is not a protocol frame, without throwing", () => {
    fc.assert(
      fc.property(hostileText(200), (text) => expectRefused(parseSafely(parse, text))),
      { numRuns: 300 },
    );
  });

  it("refuses any JSON value that is not a protocol frame, without throwing", () => {
    fc.assert(
      fc.property(hostileJson, (json) => {
        const result = parseSafely(parse, JSON.stringify(json) ?? "null");
        if (!result.ok) expectRefused(result);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws when any one value of a valid frame is replaced by hostile JSON", () => {
    fc.assert(
      fc.property(mutation(frames), hostileJson, ({ frame, path }, replacement) => {
        const result = parseSafely(parse, JSON.stringify(setAt(frame, path, replacement)));
        if (!result.ok) expectRefused(result);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on deeply nested JSON anywhere in a frame", () => {
    fc.assert(
      fc.property(mutation(frames), deepJsonText(1_000, 50_000), ({ frame, path }, deep) => {
        const result = parseSafely(parse, jsonWithRawAt(frame, path, deep));
        if (!result.ok) expectRefused(result);
      }),
      { numRuns: 60 },
    );
  });

  it("refuses oversized text in any string field", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(frames)), fc.nat(), oversizedText(520_000, 530_000), (frame, pick, text) => {
        // String fields only; the largest bound is 512,000 (prompt text), so every one is crossed.
        const paths = pathsOf(frame).filter((p) => typeof valueAt(frame, p) === "string" && p.at(-1) !== "type");
        fc.pre(paths.length > 0);
        expectRefused(parseSafely(parse, JSON.stringify(setAt(frame, paths[pick % paths.length]!, text))));
      }),
      // Each run serialises and parses half a megabyte; a frame has at most a few string fields.
      { numRuns: 12 },
    );
  });
});

describe("inspectRejectedFrame (runner), generated", () => {
  it("never throws, and only ever returns a well-formed job id and a numeric protocol", () => {
    const frames = fc.oneof(
      hostileText(200),
      hostileJson.map((j) => JSON.stringify(j) ?? "null"),
      fc.tuple(hostileJson, hostileJson).map(([id, protocol]) => JSON.stringify({ type: "job", id, protocol })),
      fc.tuple(hostileJson, hostileJson).map(([id, protocol]) => JSON.stringify({ type: "challenge", id, protocol })),
      deepJsonText(1_000, 50_000),
      fc.constantFrom('{"type":"challenge","protocol":1e999}', '{"type":"job","id":"__proto__"}'),
    );
    fc.assert(
      fc.property(frames, (frame) => {
        let seen: ReturnType<typeof inspectRejectedFrame> | undefined;
        expect(() => (seen = inspectRejectedFrame(frame))).not.toThrow();
        if (seen!.jobId !== null) expect(JobIdSchema.safeParse(seen!.jobId).success).toBe(true);
        if (seen!.challengeProtocol !== null) expect(typeof seen!.challengeProtocol).toBe("number");
      }),
      { numRuns: 300 },
    );
  });
});
