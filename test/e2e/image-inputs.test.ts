import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalAccount } from "viem";
import { SEED_SERVICES } from "../../protocol/catalog/catalog.ts";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { MODEL_OUTPUT_FOR_EXAMPLE } from "../../dev/catalog-model-outputs.ts";
import { FILE_PATHS, HOSTILE_IMAGES, URLS } from "../support/hostile-images.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { encodePayment, paymentV2, readPaymentRequired, readReceipt } from "../../dev/x402-payments.ts";

// A file path, a URL or a non-image in an image field never reaches Ollama, even when the request
// carries a valid payment for the call: the real edge (wrangler dev) refuses it before the payment is
// looked at, so no runner gets a job, the Ollama stand-in records no request, and no USDC moves. The
// payment stays unspent. (test/workers/image-fields.test.ts has the same inputs without a chain.)
let stack: LocalStack;
let payer: LocalAccount;

const IMAGE_SERVICES = SEED_SERVICES.filter((s) => s.imageField !== undefined);

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1 });
  payer = stack.chain.accounts.payers[2];
});
afterAll(async () => stack?.stop());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${stack.edge.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const balance = () => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer.address);

/** A valid, signed, unspent payment for `validBody` at `path`, as the official client would send it. */
async function paymentFor(path: string, validBody: unknown): Promise<{ header: string; amount: bigint }> {
  const quote = await post(path, validBody);
  expect(quote.status).toBe(402);
  const required = readPaymentRequired(quote);
  return { header: encodePayment(await paymentV2(required, stack.chain.chainId, payer)), amount: BigInt(required.accepts[0]!.amount) };
}

/** Sends `body` with a valid payment and checks the refusal, and that nothing reached Ollama or moved money. */
async function expectRefusedUntouched(path: string, body: unknown, payment: string, status: number, code: string) {
  const [requestsBefore, balanceBefore] = [stack.standin.stats().requests, await balance()];
  const response = await post(path, body, { "PAYMENT-SIGNATURE": payment });
  expect(response.status).toBe(status);
  expect(response.headers.get("PAYMENT-REQUIRED")).toBeNull();
  expect(response.headers.get("PAYMENT-RESPONSE")).toBeNull();
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  expect(stack.standin.stats().requests).toBe(requestsBefore);
  expect(await balance()).toBe(balanceBefore);
}

describe.each(IMAGE_SERVICES.map((s) => [s.id, s] as const))("%s", (id, service) => {
  const path = `/v1/${id}`;
  const withImage = (value: unknown) => ({ ...service.example.input, [service.imageField!]: value });

  it.each(HOSTILE_IMAGES.map((h) => [h.name, h] as const))("%s: refused with a valid payment attached; Ollama sees nothing, nothing is charged", async (_name, hostile) => {
    const { header } = await paymentFor(path, service.example.input);
    await expectRefusedUntouched(path, withImage(hostile.value), header, hostile.status, hostile.code);
  });

  it("the payment sent with a refused image is still unspent: it pays for the valid call, once", async () => {
    const { header, amount } = await paymentFor(path, service.example.input);
    await expectRefusedUntouched(path, withImage("/etc/passwd"), header, 400, "image_path_not_supported");
    stack.standin.clearScripts();
    stack.standin.script({ content: JSON.stringify(MODEL_OUTPUT_FOR_EXAMPLE[id]), times: 1 });
    const [requestsBefore, balanceBefore] = [stack.standin.stats().requests, await balance()];
    const paid = await post(path, service.example.input, { "PAYMENT-SIGNATURE": header });
    expect(paid.status).toBe(200);
    expect(readReceipt(paid).success).toBe(true);
    expect(await balance()).toBe(balanceBefore - amount);
    // The control for every refusal above: a valid image does reach Ollama, as bytes.
    expect(stack.standin.stats().requests).toBe(requestsBefore + 1);
    const sent = stack.standin.requests.at(-1)?.body as { messages: Array<{ images?: string[] }> };
    expect(sent.messages.at(-1)?.images).toHaveLength(1);
  });
});

describe("chat image_url parts", () => {
  const path = "/v1/chat/completions";
  const chat = (url: string) => ({
    model: "qwen2.5vl:7b",
    max_tokens: 16,
    messages: [{ role: "user", content: [{ type: "text", text: "what is in this picture?" }, { type: "image_url", image_url: { url } }] }],
  });

  it.each([...FILE_PATHS, ...URLS].map((h) => [h.name, h] as const))("%s: refused with a valid payment attached; Ollama sees nothing, nothing is charged", async (_name, hostile) => {
    const { header } = await paymentFor(path, { ...chat("x"), messages: [{ role: "user", content: "what is in this picture?" }] });
    await expectRefusedUntouched(path, chat(hostile.value), header, hostile.status, hostile.code);
  });
});
