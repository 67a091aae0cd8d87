import type { SettleResponse } from "@x402/core/types";
import { Ollama } from "ollama/browser";
import OpenAI from "openai";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { readReceipt } from "../../dev/x402-payments.ts";
import { channelClient, channelLedger, channelReceipt, claimNow, escrowChannel, newPayer, owing, poster, until, usdcOf, type ChannelClient } from "../support/channels.ts";

// Chat paid by channel is billed per token: the official channel client under the official `openai`
// client, the charge computed from the runner's (the stand-in's) own counts, streams settled
// provisionally and finalized when they end, and the next call resynchronised by a corrective 402.
const BASE = 700n;
const PER_MTOK = 2_500_000n; // 2.5 base units a token: the rounding up is visible
const MODEL = "qwen2.5:7b";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1, edgeEnv: { CHAT_BASE_PRICE: BASE.toString(), CHAT_PRICE_PER_MTOK: PER_MTOK.toString() } });
});
afterAll(async () => stack?.stop());

/** What the edge must charge for a call that processed and produced these tokens. */
const chargeFor = (promptTokens: number, completionTokens: number) => BASE + (BigInt(promptTokens + completionTokens) * PER_MTOK + 999_999n) / 1_000_000n;

/** The stand-in's own counts for this conversation, asked directly (it counts deterministically). */
async function standinCounts(content: string, maxTokens: number) {
  const direct = await new Ollama({ host: stack.standin.url }).chat({ model: MODEL, messages: [{ role: "user", content }], options: { num_predict: maxTokens } });
  return { prompt: direct.prompt_eval_count, completion: direct.eval_count };
}

const openaiFor = (c: ChannelClient) => new OpenAI({ apiKey: "x402", baseURL: `${stack.edge.url}/v1`, fetch: c.pay, maxRetries: 0 });
const quoteOf = async (body: Record<string, unknown>) => BigInt((await poster(stack, "/v1/chat/completions").quote(body)).terms.amount);

describe("chat paid by channel, billed per token", () => {
  it("whole, streamed, then whole again: each charged base + ceil(tokens × price / 1e6) from the runner's counts, below the quote; the call after a stream resyncs and succeeds; claimed exactly", async () => {
    const payer = await newPayer(stack, 2_000_000n);
    const c = channelClient(stack, payer);
    const openai = openaiFor(c);
    const charges: bigint[] = [];

    // 1. Whole result: the receipt states the charge.
    const q1 = "What is the capital of France?";
    stack.standin.script({ match: q1, content: "Paris is the capital of France." });
    const max1 = await quoteOf({ model: MODEL, messages: [{ role: "user", content: q1 }], max_tokens: 256 });
    const { data: completion, response } = await openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: q1 }], max_tokens: 256 }).withResponse();
    expect(completion.choices[0]?.message.content).toBe("Paris is the capital of France.");
    const counts1 = await standinCounts(q1, 256);
    expect(completion.usage).toMatchObject({ prompt_tokens: counts1.prompt, completion_tokens: counts1.completion });
    const receipt1 = readReceipt(response);
    const charge1 = chargeFor(counts1.prompt, counts1.completion);
    expect(channelReceipt(receipt1).chargedAmount).toBe(charge1);
    expect(charge1).toBeLessThan(max1);
    expect(receipt1.transaction).toMatch(/^0x[0-9a-f]{64}$/); // the first call deposits
    charges.push(charge1);
    const channelId = channelReceipt(receipt1).channelState!.channelId as Hex;

    // 2. Streamed: the header receipt is provisional (the ceiling); the stream's last event states the charge.
    const q2 = "Tell me a short story about a lighthouse.";
    const story = Array.from({ length: 30 }, (_, i) => `wave${i}`).join(" ");
    stack.standin.script({ match: q2, content: story });
    const max2 = await quoteOf({ model: MODEL, messages: [{ role: "user", content: q2 }], max_tokens: 512, stream: true, stream_options: { include_usage: true } });
    const { data: stream, response: streamed } = await openai.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: q2 }], max_tokens: 512, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const provisional = channelReceipt(readReceipt(streamed));
    expect(provisional).toMatchObject({ provisional: true, chargedAmount: max2 });
    let text = "";
    let finalReceipt: SettleResponse | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      const statement = (chunk as unknown as { x402_payment_response?: SettleResponse }).x402_payment_response;
      if (statement) finalReceipt = statement;
    }
    expect(text).toBe(story);
    const counts2 = await standinCounts(q2, 512);
    const charge2 = chargeFor(counts2.prompt, counts2.completion);
    expect(finalReceipt).toMatchObject({ success: true, network: stack.network });
    const final = channelReceipt(finalReceipt!);
    expect(final.provisional).toBeUndefined();
    expect(final.chargedAmount).toBe(charge2);
    expect(final.channelState?.chargedCumulativeAmount).toBe((charge1 + charge2).toString());
    expect(charge2).toBeLessThan(max2);
    charges.push(charge2);
    const streamRow = await until(async () => (await channelLedger(stack, payer.address)).rows.find((r) => r.charged === charge2.toString()), "the stream's ledger row never appeared");
    expect(streamRow).toMatchObject({ authorized: max2.toString(), promptTokens: counts2.prompt, completionTokens: counts2.completion, service: "chat.completions" });

    // 3. The client took the provisional ceiling as charged: the next call gets a corrective 402, resyncs, and succeeds.
    const q3 = "And the capital of Italy?";
    stack.standin.script({ match: q3, content: "Rome." });
    const mark = c.exchanges.length;
    const { data: third, response: thirdResponse } = await openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: q3 }], max_tokens: 64 }).withResponse();
    expect(third.choices[0]?.message.content).toBe("Rome.");
    expect(c.exchanges.slice(mark).map((e) => [e.status, e.error])).toEqual([
      [402, "payment_required"],
      [402, "invalid_batch_settlement_evm_cumulative_amount_mismatch"],
      [200, undefined],
    ]);
    const counts3 = await standinCounts(q3, 64);
    const charge3 = chargeFor(counts3.prompt, counts3.completion);
    const receipt3 = channelReceipt(readReceipt(thirdResponse));
    expect(receipt3.chargedAmount).toBe(charge3);
    expect(receipt3.channelState?.chargedCumulativeAmount).toBe((charge1 + charge2 + charge3).toString());
    charges.push(charge3);

    // The ledger, the claim and payTo agree with what the receipts stated.
    const total = charges.reduce((a, b) => a + b, 0n);
    const ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: 3, sum: total });
    const payToBefore = await usdcOf(stack, stack.payTo);
    const { status, report } = await claimNow(stack);
    expect(report.failures).toEqual([]);
    expect(status).toBe(200);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: 1_000_000n, totalClaimed: total });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + total);
    expect(await owing(stack)).toEqual([]);
  });

  it("a stream that fails after it began pays nothing: the channel's charge does not move, and the next call recovers and pays only its own tokens", async () => {
    const payer = await newPayer(stack, 2_000_000n);
    const c = channelClient(stack, payer);
    const openai = openaiFor(c);
    const first = await openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hello there" }], max_tokens: 32 }).withResponse();
    const charged = channelReceipt(readReceipt(first.response)).chargedAmount!;

    stack.standin.injectFailure({ mode: "error_mid_stream", afterTokens: 3 });
    const { data: stream, response } = await openai.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "this one breaks" }], max_tokens: 64, stream: true })
      .withResponse();
    expect(channelReceipt(readReceipt(response)).provisional).toBe(true);
    await expect(
      (async () => {
        for await (const _chunk of stream) {
          // the error event ends it
        }
      })(),
    ).rejects.toThrow();

    // Finalized at nothing: no charge recorded for it (a zero row at most), the cumulative unchanged.
    const q = "after the failure";
    stack.standin.script({ match: q, content: "still here" });
    const mark = c.exchanges.length;
    const next = await openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: q }], max_tokens: 32 }).withResponse();
    expect(next.data.choices[0]?.message.content).toBe("still here");
    expect(c.exchanges.slice(mark).map((e) => e.status)).toEqual([402, 402, 200]);
    const counts = await standinCounts(q, 32);
    const receipt = channelReceipt(readReceipt(next.response));
    expect(receipt.chargedAmount).toBe(chargeFor(counts.prompt, counts.completion));
    expect(receipt.channelState?.chargedCumulativeAmount).toBe((charged + receipt.chargedAmount!).toString());
    const ledger = await channelLedger(stack, payer.address);
    expect(ledger.sum).toBe(charged + receipt.chargedAmount!);
    expect(ledger.rows.filter((r) => r.charged !== "0")).toHaveLength(2);
  });
});
