import { describe, expect, it } from "vitest";
import { parseEdgeConfig, type EdgeConfig } from "../../../worker/config/edge-config.ts";
import { ChatCompletionRequestSchema } from "../../../worker/services/chat-completions/request-schema.ts";
import { planChatJob } from "../../../worker/services/chat-completions/to-job.ts";

const parsed = parseEdgeConfig({
  NETWORK: "eip155:31337",
  PAY_TO: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  USDC_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  FACILITATOR: "remote",
  FACILITATOR_URL: "http://127.0.0.1:1",
  CHAT_MODELS: "qwen2.5:7b,qwen2.5vl:7b",
  CHAT_BASE_PRICE: "1000",
  CHAT_PRICE_PER_MTOK: "500000",
  CHAT_DEFAULT_MAX_TOKENS: "512",
});
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config: EdgeConfig = parsed.config;
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const plan = (body: unknown) => planChatJob(ChatCompletionRequestSchema.parse(body), config);

describe("planChatJob", () => {
  it("prices from the prompt size and the output cap, exactly, in integer base units", () => {
    const result = plan({ model: "qwen2.5:7b", messages: [{ role: "user", content: "x".repeat(300) }], max_tokens: 100 });
    // 300 chars / 3 = 100 prompt tokens + 100 output = 200 tokens × 500000 / 1e6 = 100, + base 1000
    expect(result).toMatchObject({ ok: true, price: 1100n, maxTokens: 100 });
  });

  it("quotes the same price for the same request (402 and paid retry agree)", () => {
    const body = { model: "qwen2.5:7b", messages: [{ role: "user", content: "hello" }] };
    expect(plan(body)).toEqual(plan(body));
  });

  it("caps generation at the quoted max_tokens (num_predict)", () => {
    const result = plan({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] });
    expect(result.ok && result.job.options?.num_predict).toBe(512);
  });

  it("refuses a model the edge does not offer", () => {
    expect(plan({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })).toMatchObject({ ok: false, status: 400, code: "model_not_offered" });
  });

  it("turns data: URL images into raw base64 and charges for them", () => {
    const result = plan({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] }], max_tokens: 10 });
    if (!result.ok) throw new Error(result.message);
    expect(result.job.messages[0]).toEqual({ role: "user", content: "what is this?", images: [PNG] });
    const textOnly = plan({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: "what is this?" }], max_tokens: 10 });
    if (!textOnly.ok) throw new Error(textOnly.message);
    expect(result.price - textOnly.price).toBe(512n); // 1024 image tokens × 500000 / 1e6
  });

  it.each([
    ["a remote URL", "https://example.com/cat.png", 400, "image_url_not_supported"],
    ["a file path", "/etc/hostname", 400, "image_path_not_supported"],
    ["a data URL that is not an image", `data:image/png;base64,${Buffer.from("#!/bin/sh\necho hi\n").toString("base64")}`, 415, "unsupported_image_type"],
    ["a data URL that is not base64", "data:image/png;base64,/etc/passwd", 400, "invalid_image_encoding"],
  ])("never passes %s to a runner", (_name, url, status, code) => {
    expect(plan({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: [{ type: "image_url", image_url: url }] }] })).toMatchObject({ ok: false, status, code });
  });

  it("maps response_format to Ollama's format", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const result = plan({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }], response_format: { type: "json_schema", json_schema: { name: "x", schema } } });
    expect(result.ok && result.job.format).toEqual(schema);
  });

  it("refuses features it would otherwise silently ignore", () => {
    expect(ChatCompletionRequestSchema.safeParse({ model: "m", messages: [{ role: "user", content: "x" }], n: 2 }).success).toBe(false);
    expect(ChatCompletionRequestSchema.safeParse({ model: "m", messages: [{ role: "user", content: "x" }], tools: [{ type: "function" }] }).success).toBe(false);
  });
});
