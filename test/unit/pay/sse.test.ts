import { describe, expect, it } from "vitest";
import { SseParser, interpretChatEvent } from "../../../scripts/pay/sse.ts";

describe("SseParser", () => {
  it("returns events as the chunks that complete them arrive, however the text is split", () => {
    const text = 'data: {"a":1}\n\n: comment\nevent: x\ndata: line1\ndata: line2\n\r\ndata:[DONE]\r\n\r\n';
    for (const size of [1, 2, 3, 7, text.length]) {
      const parser = new SseParser();
      const events: string[] = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.feed(text.slice(i, i + size)));
      events.push(...parser.end());
      expect(events).toEqual(['{"a":1}', "line1\nline2", "[DONE]"]);
    }
  });

  it("ends an unterminated last event", () => {
    const parser = new SseParser();
    expect(parser.feed("data: tail")).toEqual([]);
    expect(parser.end()).toEqual(["tail"]);
  });
});

describe("interpretChatEvent", () => {
  it("reads deltas, usage, [DONE] and OpenAI-style errors", () => {
    expect(interpretChatEvent('{"choices":[{"delta":{"content":"Hel"}}]}')).toEqual([{ type: "delta", text: "Hel" }]);
    expect(interpretChatEvent('{"choices":[{"delta":{"role":"assistant"}}]}')).toEqual([]);
    expect(interpretChatEvent('{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}')).toEqual([{ type: "usage", promptTokens: 3, completionTokens: 5 }]);
    expect(interpretChatEvent("[DONE]")).toEqual([{ type: "done" }]);
    expect(interpretChatEvent('{"error":{"code":"runner_disconnected","message":"gone"}}')).toEqual([{ type: "error", code: "runner_disconnected", message: "gone" }]);
    expect(interpretChatEvent("plain text")).toEqual([{ type: "other", data: "plain text" }]);
  });

  it("reads a metered stream's final charge from its last event (x402_payment_response)", () => {
    const receipt = { success: true, transaction: "", network: "eip155:31337", extra: { chargedAmount: "300" } };
    expect(interpretChatEvent(JSON.stringify({ choices: [], x402_payment_response: receipt }))).toEqual([{ type: "payment_response", receipt }]);
    expect(interpretChatEvent(JSON.stringify({ x402_payment_response: receipt }))).toEqual([{ type: "payment_response", receipt }]);
    expect(interpretChatEvent(JSON.stringify({ choices: [], x402_payment_response: "not a receipt" }))).toEqual([]);
  });
});
