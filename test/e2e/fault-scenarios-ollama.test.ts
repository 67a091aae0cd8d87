import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FailurePlan } from "../../dev/ollama-standin/index.ts";
import { contentOf, errorOf, paidRequests, type PaidRequests } from "../support/paid-requests.ts";
import { checkpoint, expectReconciled } from "../support/reconcile.ts";
import { readSse } from "../../dev/sse.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { readPaymentRequired, readReceipt } from "../../dev/x402-payments.ts";

// Ollama fails in every way it can, behind a real runner. Each scenario checks (a) the agent gets a
// clear status and reason, (b) the payer is charged only for what was delivered (on-chain balance),
// (c) the edge's ledger matches the chain, transfer for transfer.
let stack: LocalStack;
let paid: PaidRequests;

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1, edgeEnv: { JOB_TIMEOUT_MS: "3000" } });
  paid = paidRequests(stack);
});
afterAll(async () => stack?.stop());
afterEach(() => {
  stack.standin.clearFailures();
  stack.standin.setTokensPerSecond(0);
});

const payer = () => stack.chain.accounts.payers[0];
const chat = (stream: boolean, content = "go") => ({ model: "qwen2.5:7b", messages: [{ role: "user", content }], max_tokens: 32, ...(stream && { stream: true }) });

/** A paid call under an injected failure; returns the response and what the books looked like before. */
async function paidCallUnder(failure: FailurePlan | null, stream: boolean, init: { signal?: AbortSignal } = {}) {
  const body = chat(stream);
  const { header, price } = await paid.sign(body, payer());
  const since = await checkpoint(stack, [payer().address]);
  if (failure) stack.standin.injectFailure(failure);
  const response = await paid.post(body, header, init);
  return { response, since, price, header, body };
}

describe("Ollama fails before any output: an error status, nothing charged, ledger = chain", () => {
  it.each([false, true])("Ollama answers 500 (stream: %s): 502 ollama_error with Ollama's message", async (stream) => {
    const { response, since } = await paidCallUnder({ mode: "http_500", message: "model crashed" }, stream);
    expect(response.status).toBe(502);
    expect(response.headers.get("PAYMENT-RESPONSE")).toBeNull();
    const error = await errorOf(response);
    expect(error.code).toBe("ollama_error");
    expect(error.message).toContain("model crashed");
    expect(error.message).toContain("nothing was charged");
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
  });

  it.each([false, true])("Ollama hangs (stream: %s): 504 timeout once the job times out, and the Ollama call is dropped", async (stream) => {
    const aborted = stack.standin.stats().streamsAborted;
    const { response, since } = await paidCallUnder({ mode: "hang" }, stream);
    expect(response.status).toBe(504);
    expect((await errorOf(response)).code).toBe("timeout");
    await stack.standin.waitFor((s) => s.streamsAborted > aborted && s.active === 0, 15_000);
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
  });

  it("Ollama drops the connection before answering (streamed): 502 ollama_unavailable, nothing charged", async () => {
    const { response, since } = await paidCallUnder({ mode: "drop_mid_stream", afterTokens: 0, dropStyle: "reset" }, true);
    expect(response.status).toBe(502);
    const error = await errorOf(response);
    // No byte of a response came back: to the runner, Ollama is gone (the job would go to another runner).
    expect(error.code).toBe("ollama_unavailable");
    expect(error.message).toContain(stack.standin.url.replace("http://", ""));
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
  });
});

describe("Ollama fails mid-answer", () => {
  const midStream: Array<[string, FailurePlan, RegExp]> = [
    ["drops the connection (EOF)", { mode: "drop_mid_stream", dropStyle: "eof" }, /ended without a final message/],
    ["drops the connection (reset)", { mode: "drop_mid_stream", dropStyle: "reset" }, /closed the connection/],
    ["reports an error line", { mode: "error_mid_stream" }, /error was encountered while running the model/],
  ];

  it.each(midStream)("Ollama %s, whole answer: 502 ollama_error, the partial answer withheld, nothing charged", async (_name, failure, message) => {
    const { response, since } = await paidCallUnder(failure, false);
    expect(response.status).toBe(502);
    const error = await errorOf(response);
    expect(error.code).toBe("ollama_error");
    expect(error.message).toMatch(message);
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
  });

  it.each(midStream)("Ollama %s, streamed: paid at the first chunk (by design), the stream ends with an error event", async (_name, failure, message) => {
    const { response, since, price } = await paidCallUnder(failure, true);
    expect(response.status).toBe(200);
    const receipt = readReceipt(response);
    expect(receipt.success).toBe(true);
    const events = await readSse(response);
    expect(events.map(contentOf).join("")).not.toBe("");
    expect(events).not.toContain("[DONE]");
    expect(events.at(-1)).toMatchObject({ error: { code: "ollama_error", message: expect.stringMatching(message) } });
    const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: price } });
    expect(newEntries).toEqual([expect.objectContaining({ txHash: receipt.transaction.toLowerCase(), service: "chat.completions", completionTokens: null })]);
  });
});

describe("the agent goes away", () => {
  it("client gives up before any output: nothing charged, ledger = chain, and the payment is good again once the job ended", async () => {
    const body = chat(false);
    const { header } = await paid.sign(body, payer());
    const since = await checkpoint(stack, [payer().address]);
    stack.standin.injectFailure({ mode: "hang" });
    const controller = new AbortController();
    const pending = paid.post(body, header, { signal: controller.signal });
    await stack.standin.waitFor((s) => s.active > 0, 15_000);
    const gaveUp = expect(pending).rejects.toThrow(/abort/i);
    controller.abort();
    await gaveUp;
    // Under wrangler dev, request.signal never fires (miniflare's entry worker does not pass the
    // disconnect on), so the job runs to its 3 s timeout here; on Cloudflare it is cancelled at once.
    await stack.standin.waitFor((s) => s.active === 0, 15_000);
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
    // The reservation is released when the job ends (not left to its lease): the same payment then buys a result.
    let retried = await paid.post(body, header);
    for (const deadline = Date.now() + 10_000; retried.status === 402 && Date.now() < deadline; ) {
      expect(readPaymentRequired(retried).error).toBe("payment_in_flight"); // the job is still running out its time
      retried = await paid.post(body, header);
    }
    expect(retried.status).toBe(200);
    await expectReconciled(stack, { since, charged: { [payer().address]: (await paid.quote(body)).price } });
  });

  it("client disconnects mid-stream: the Ollama call is aborted, the payer charged exactly once, ledger = chain", async () => {
    stack.standin.setTokensPerSecond(50);
    const aborted = stack.standin.stats().streamsAborted;
    const controller = new AbortController();
    const { response, since, price } = await paidCallUnder({ mode: "never_ending" }, true, { signal: controller.signal });
    expect(response.status).toBe(200);
    const receipt = readReceipt(response);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/"content":"[^"]+"/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before any content: ${text}`);
      text += value;
    }
    controller.abort();
    await stack.standin.waitFor((s) => s.streamsAborted > aborted && s.active === 0, 15_000);
    const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: price } });
    expect(newEntries.map((e) => e.txHash)).toEqual([receipt.transaction.toLowerCase()]);
    // The stream never finished: no usage is recorded rather than a made-up count.
    expect(newEntries[0]).toMatchObject({ promptTokens: null, completionTokens: null });
  });
});
