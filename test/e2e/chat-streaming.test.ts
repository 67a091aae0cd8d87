import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ollama } from "ollama/browser";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { readReceipt } from "../../dev/x402-payments.ts";
import { officialV2Fetch } from "../support/x402-clients.ts";
import { readSse } from "../../dev/sse.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";

// The spine end to end: agent (official x402 client) → Worker in workerd → RunnerPool → tunnel →
// node-runner process → Ollama API (stand-in) → back, paid on anvil with Circle's USDC.
let stack: LocalStack;
let pay: typeof fetch;

const STORY = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1 });
  pay = officialV2Fetch(stack.chain.accounts.payers[0], { network: stack.network, asset: stack.usdc }) as typeof fetch;
});
afterAll(async () => stack?.stop());

const chatUrl = () => `${stack.edge.url}/v1/chat/completions`;
const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "tell me a story" }], max_tokens: 64, ...extra });

describe("paid chat completions through the tunnel", () => {
  it("answers an unpaid call with 402 and payment requirements, without running anything", async () => {
    const before = stack.standin.stats().requests;
    const response = await fetch(chatUrl(), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody() });
    expect(response.status).toBe(402);
    expect(response.headers.get("PAYMENT-REQUIRED")).toBeTruthy();
    expect(stack.standin.stats().requests).toBe(before);
  });

  it("runs a whole (non-streamed) paid chat and moves exactly the price on chain", async () => {
    stack.standin.script({ match: "capital of France", content: "Paris." });
    const payer = stack.chain.accounts.payers[0].address;
    const [payerBefore, payToBefore] = await Promise.all([usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer), usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, stack.payTo)]);
    const quote = await fetch(chatUrl(), { method: "POST", body: chatBody({ messages: [{ role: "user", content: "capital of France?" }] }) });
    const price = BigInt(JSON.parse(Buffer.from(quote.headers.get("PAYMENT-REQUIRED")!, "base64").toString()).accepts[0].amount);

    const response = await pay(chatUrl(), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody({ messages: [{ role: "user", content: "capital of France?" }] }) });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { completion_tokens: number; prompt_tokens: number } };
    expect(completion.choices[0]?.message.content).toBe("Paris.");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage.completion_tokens).toBeGreaterThan(0);

    const receipt = readReceipt(response);
    expect(receipt).toMatchObject({ success: true, network: stack.network, payer });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer)).toBe(payerBefore - price);
    expect(await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, stack.payTo)).toBe(payToBefore + price);

    const ledger = (await (await stack.admin(`/admin/payments?payer=${payer}`)).json()) as { payments: Array<{ txHash: string; amount: string; promptTokens: number; completionTokens: number; service: string }> };
    expect(ledger.payments.find((p) => p.txHash === receipt.transaction)).toMatchObject({
      amount: price.toString(),
      service: "chat.completions",
      completionTokens: completion.usage.completion_tokens,
      promptTokens: completion.usage.prompt_tokens,
    });
  });

  it("streams tokens as they are produced, in order, with Ollama's token counts", async () => {
    stack.standin.script({ match: "tell me a story", content: STORY });
    stack.standin.setTokensPerSecond(25);
    try {
      const response = await pay(chatUrl(), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody({ stream: true, stream_options: { include_usage: true } }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      expect(readReceipt(response).success).toBe(true); // the receipt goes out with the stream

      let completedAtFirstContent: number | null = null;
      const events = await readSse(response, (event) => {
        const content = (event as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content;
        if (content && completedAtFirstContent === null) completedAtFirstContent = stack.standin.stats().streamsCompleted;
      });
      // When the first words reached the agent, the stand-in had not finished the story yet.
      const completedBefore = stack.standin.stats().streamsCompleted - 1;
      expect(completedAtFirstContent).toBe(completedBefore);

      const chunks = events.filter((e): e is { choices: Array<{ delta: { content?: string }; finish_reason: string | null }> } => Array.isArray((e as { choices?: unknown }).choices));
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
      expect(text).toBe(STORY);
      expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
      expect(events.at(-1)).toBe("[DONE]");

      // Token counts are Ollama's own: the same request sent straight to the stand-in reports the same.
      const usage = (chunks.at(-1) as unknown as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
      const direct = await new Ollama({ host: stack.standin.url }).chat({ model: "qwen2.5:7b", messages: [{ role: "user", content: "tell me a story" }], options: { num_predict: 64 } });
      expect(usage).toEqual({ prompt_tokens: direct.prompt_eval_count, completion_tokens: direct.eval_count, total_tokens: direct.prompt_eval_count + direct.eval_count });
    } finally {
      stack.standin.setTokensPerSecond(0);
      stack.standin.clearScripts();
    }
  });

  it("cancels the job on the runner, and the Ollama call, when the agent disconnects mid-stream", async () => {
    stack.standin.injectFailure({ mode: "never_ending" });
    stack.standin.setTokensPerSecond(50);
    try {
      const aborted = stack.standin.stats().streamsAborted;
      const controller = new AbortController();
      const response = await pay(chatUrl(), { method: "POST", headers: { "content-type": "application/json" }, body: chatBody({ stream: true }), signal: controller.signal });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      await reader.read(); // the stream is flowing
      controller.abort();
      await stack.standin.waitFor((s) => s.streamsAborted > aborted, 15_000);
    } finally {
      stack.standin.setTokensPerSecond(0);
      stack.standin.clearFailures();
    }
  });
});
