import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { officialV2Fetch } from "../support/x402-clients.ts";

// The official `openai` client, unmodified, given the x402 fetch wrapper as its fetch: agents that
// already speak OpenAI pay per call without an API key.
let stack: LocalStack;
let openai: OpenAI;

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1 });
  const pay = officialV2Fetch(stack.chain.accounts.payers[1], { network: stack.network, asset: stack.usdc });
  openai = new OpenAI({ apiKey: "unused: x402 pays", baseURL: `${stack.edge.url}/v1`, fetch: pay as typeof fetch, maxRetries: 0 });
});
afterAll(async () => stack?.stop());

const balance = () => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, stack.chain.accounts.payers[1].address);

describe("openai client through x402", () => {
  it("completes a paid chat", async () => {
    stack.standin.script({ match: "Say hi", content: "Hi there!", times: 1 });
    const before = await balance();
    const completion = await openai.chat.completions.create({ model: "qwen2.5:7b", messages: [{ role: "user", content: "Say hi" }], max_tokens: 16 });
    expect(completion.choices[0]?.message.content).toBe("Hi there!");
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(await balance()).toBeLessThan(before);
  });

  it("streams a paid chat, with usage", async () => {
    stack.standin.script({ match: "Count", content: "one two three four", times: 1 });
    const stream = await openai.chat.completions.create({ model: "qwen2.5:7b", messages: [{ role: "user", content: "Count" }], max_tokens: 16, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("one two three four");
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("gets paid embeddings (the SDK asks for base64 and decodes it)", async () => {
    const before = await balance();
    const result = await openai.embeddings.create({ model: "nomic-embed-text", input: ["hello", "world"] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(768);
    const norm = Math.hypot(...result.data[0]!.embedding);
    expect(norm).toBeCloseTo(1, 4); // Ollama's /api/embed vectors are L2-normalised, and survive float32 base64
    expect(await balance()).toBeLessThan(before);
  });

  it("gets float embeddings when asked", async () => {
    const result = await openai.embeddings.create({ model: "nomic-embed-text", input: "hello", encoding_format: "float" });
    expect(result.data[0]?.embedding).toHaveLength(768);
  });

  it("surfaces an edge error as the SDK's typed error", async () => {
    await expect(openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 400 });
  });
});
