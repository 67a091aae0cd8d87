import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChatJobSchema } from "../../../protocol/job.ts";
import { parseEdgeConfig, type EdgeConfig } from "../../../worker/config/edge-config.ts";
import { ChatCompletionRequestSchema } from "../../../worker/services/chat-completions/request-schema.ts";
import { planChatJob, type ChatJobPlan } from "../../../worker/services/chat-completions/to-job.ts";
import { hostileText, oversizedText } from "../../support/hostile-arbitraries.ts";
import { IMAGE_INPUT_ERROR_CODES } from "../../../protocol/image-input.ts";

// A chat request the edge quotes a price for must become a job every runner accepts: otherwise the
// agent pays (or signs) for a call that can only fail after the 402, as a 5xx. So, for generated
// requests the body schema accepts, planChatJob either refuses with a 4xx and a specific code, or
// plans a job that passes the runner's own schema and survives serialisation (the RPC to the
// RunnerPool and the tunnel frame). Planning is pure; the oversized texts make some runs cost a few
// milliseconds, hence 150 runs.

const parsed = parseEdgeConfig({
  NETWORK: "eip155:31337",
  PAY_TO: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  USDC_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  FACILITATOR: "remote",
  FACILITATOR_URL: "http://127.0.0.1:1",
  CHAT_MODELS: "qwen2.5:7b,qwen2.5vl:7b",
});
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config: EdgeConfig = parsed.config;

const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
/** Codes a refused plan may carry: each says what to fix. */
const PLAN_CODES = new Set([
  "model_not_offered",
  "invalid_request",
  ...IMAGE_INPUT_ERROR_CODES,
]);

const text = fc.oneof({ weight: 12, arbitrary: hostileText(64) }, { weight: 1, arbitrary: oversizedText(512_001, 512_050) });
const part = fc.oneof(
  { weight: 2, arbitrary: text.map((t) => ({ type: "text", text: t })) },
  { weight: 3, arbitrary: fc.constantFrom(PNG, "https://example.com/cat.png", "/etc/passwd", "not base64!").map((url) => ({ type: "image_url", image_url: { url } })) },
);
const message = fc.record({
  role: fc.constantFrom("system", "developer", "user", "assistant", "tool"),
  content: fc.oneof(text, fc.array(part, { maxLength: 12 }), fc.constant(null)),
});
const request = fc.record(
  {
    model: fc.constantFrom("qwen2.5:7b", "QWEN2.5:7B", "qwen2.5vl:7b", "llama3", "qwen2.5:7b\u0000"),
    messages: fc.array(message, { minLength: 1, maxLength: 4 }),
    max_tokens: fc.integer({ min: 1, max: 131_072 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    stop: fc.oneof(hostileText(8).filter((s) => s.length > 0), fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 4 })),
    response_format: fc.constantFrom({ type: "text" }, { type: "json_object" }),
  },
  { requiredKeys: ["model", "messages"] },
);
/** Nesting for a json_schema response format, built in the property (a deep counterexample cannot be printed). */
const formatDepth = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }) });

function nested(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: "string" };
  for (let i = 0; i < depth; i++) schema = { type: "object", properties: { a: schema } };
  return schema;
}

describe("planChatJob, generated", () => {
  it("refuses with a 4xx and a specific code, or plans a job every runner accepts and the tunnel can carry", () => {
    fc.assert(
      fc.property(request, formatDepth, (body, depth) => {
        const withFormat = depth > 0 ? { ...body, response_format: { type: "json_schema", json_schema: { name: "out", schema: nested(depth) } } } : body;
        const accepted = ChatCompletionRequestSchema.safeParse(withFormat);
        if (!accepted.success) return; // the route answers 400 invalid_request before planning
        let plan: ChatJobPlan | undefined;
        expect(() => (plan = planChatJob(accepted.data, config))).not.toThrow();
        if (!plan!.ok) {
          expect([400, 413, 415]).toContain(plan!.status);
          expect(PLAN_CODES).toContain(plan!.code);
          expect(plan!.message.length).toBeGreaterThan(10);
          return;
        }
        const job = plan!.job;
        const checked = ChatJobSchema.safeParse(job);
        expect(checked.success, checked.success ? "" : JSON.stringify(checked.error.issues[0]).slice(0, 300)).toBe(true);
        expect(() => structuredClone(job)).not.toThrow();
        expect(() => JSON.stringify(job)).not.toThrow();
        expect(plan!.price).toBeGreaterThan(0n);
      }),
      { numRuns: 150 },
    );
  });
});

describe("planChatJob, regressions found by the property above", () => {
  const plan = (body: unknown) => planChatJob(ChatCompletionRequestSchema.parse(body), config);

  it("a message with nine images is refused before the 402, not quoted and then refused by the runner (502)", () => {
    const result = plan({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: Array.from({ length: 9 }, () => ({ type: "image_url", image_url: PNG })) }] });
    expect(result).toMatchObject({ ok: false, status: 400, code: "invalid_request" });
    expect(!result.ok && result.message).toMatch(/messages\.0\.images/);
  });

  it("a message of 512,001 characters is refused before the 402, not quoted and then refused by the runner (502)", () => {
    const result = plan({ model: "qwen2.5:7b", messages: [{ role: "user", content: "x".repeat(512_001) }] });
    expect(result).toMatchObject({ ok: false, status: 400, code: "invalid_request" });
  });

  it("a json_schema response format nested 10,000 levels is refused before the 402, not a stack overflow after payment (500)", () => {
    const result = plan({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }], response_format: { type: "json_schema", json_schema: { name: "o", schema: nested(10_000) } } });
    expect(result).toMatchObject({ ok: false, status: 400, code: "invalid_request" });
    expect(!result.ok && result.message).toMatch(/format/);
  });
});
