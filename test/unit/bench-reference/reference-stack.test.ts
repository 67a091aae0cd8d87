// The benchmark's reference side: the x402 reference facilitator and an @x402/hono resource server
// in front of the same Ollama call edge402 makes, paid in Circle's USDC on anvil.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Network } from "@x402/core/types";
import type { Address } from "viem";
import { installMulticall3 } from "../../../bench/reference/multicall3.ts";
import { startReferenceStack, type ReferenceStack } from "../../../bench/reference/reference-stack.ts";
import { ANVIL_KEYS } from "../../../dev/chain/accounts.ts";
import { startLocalChain, type LocalChain } from "../../../dev/chain/local-chain.ts";
import { transferEvents, usdcBalanceOf } from "../../../dev/chain/usdc.ts";
import { startOllamaStandin, type OllamaStandin } from "../../../dev/ollama-standin/index.ts";
import { officialV2Fetch } from "../../support/x402-clients.ts";
import { encodePayment, paymentV2, readPaymentRequired, readReceipt } from "../../../dev/x402-payments.ts";

const PRICE = 1_234n;
const MODEL = "qwen2.5:0.5b";
const REPLY = "The reference stack answers.";

let chain: LocalChain;
let standin: OllamaStandin;
let stack: ReferenceStack;
let network: Network;
/** A payment header that has already paid once. */
let spentHeader: string;

beforeAll(async () => {
  [chain, standin] = await Promise.all([startLocalChain({ chainId: 31337 }), startOllamaStandin()]);
  standin.script({ model: MODEL, content: REPLY });
  network = `eip155:${chain.chainId}`;
  stack = await startReferenceStack({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    usdc: { address: chain.usdc.address, name: chain.usdc.name, version: chain.usdc.version },
    payTo: chain.accounts.payTo.address,
    relayerKey: ANVIL_KEYS[3], // the `relayer` role
    ollamaHost: standin.url,
    model: MODEL,
    price: PRICE,
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([standin?.close(), chain?.stop()]);
});

const chatRequest = (headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Say something." }], max_tokens: 32 }),
});
const balance = (who: Address) => usdcBalanceOf(chain.rpcUrl, chain.usdc.address, who);

interface ChatCompletion {
  object: string;
  model: string;
  choices: Array<{ message: { role: string; content: string }; finish_reason: string }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

describe("reference x402 stack", () => {
  it("answers an unpaid call with 402 and a PAYMENT-REQUIRED for our asset, price and payTo", async () => {
    const response = await fetch(stack.paidUrl, chatRequest());
    expect(response.status).toBe(402);
    const required = readPaymentRequired(response);
    expect(required.x402Version).toBe(2);
    expect(required.accepts[0]).toMatchObject({
      scheme: "exact",
      network,
      asset: chain.usdc.address,
      amount: PRICE.toString(),
      payTo: chain.accounts.payTo.address,
      extra: { name: chain.usdc.name, version: chain.usdc.version },
    });
    expect(standin.stats().requests).toBe(0); // nothing reached the model
  });

  it("serves a call paid by the official @x402/fetch client and settles exactly the price", async () => {
    const payer = chain.accounts.payers[0];
    const payTo = chain.accounts.payTo.address;
    const [payerBefore, payToBefore] = await Promise.all([balance(payer.address), balance(payTo)]);
    const pay = officialV2Fetch(payer, { network, asset: chain.usdc.address });

    const response = await pay(stack.paidUrl, chatRequest());
    expect(response.status).toBe(200);
    const completion = (await response.json()) as ChatCompletion;
    expect(completion).toMatchObject({ object: "chat.completion", model: MODEL });
    expect(completion.choices[0]).toMatchObject({ message: { role: "assistant", content: REPLY }, finish_reason: "stop" });
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + completion.usage.completion_tokens);

    const receipt = readReceipt(response);
    expect(receipt).toMatchObject({ success: true, network, payer: payer.address });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balance(payer.address)).toBe(payerBefore - PRICE);
    expect(await balance(payTo)).toBe(payToBefore + PRICE);
    const transfers = await transferEvents(chain.rpcUrl, chain.usdc.address, { from: payer.address, to: payTo });
    expect(transfers.filter((t) => t.txHash === receipt.transaction).map((t) => t.value)).toEqual([PRICE]);
  });

  it("makes the same model call edge402 makes (non-streamed chat, num_predict = max_tokens)", () => {
    const chat = standin.requests.filter((r) => r.path === "/api/chat").at(-1);
    expect(chat?.body).toMatchObject({ model: MODEL, stream: false, options: { num_predict: 32 }, messages: [{ role: "user", content: "Say something." }] });
  });

  it("serves the unpaid route with the same content and no payment", async () => {
    const payTo = chain.accounts.payTo.address;
    const payToBefore = await balance(payTo);
    const response = await fetch(stack.unpaidUrl, chatRequest());
    expect(response.status).toBe(200);
    expect(response.headers.get("PAYMENT-RESPONSE")).toBeNull();
    const completion = (await response.json()) as ChatCompletion;
    expect(completion.choices[0]?.message.content).toBe(REPLY);
    expect(await balance(payTo)).toBe(payToBefore);
  });

  it("accepts a pre-signed PAYMENT-SIGNATURE built from the 402, and refuses its replay", async () => {
    const payer = chain.accounts.payers[1];
    const payerBefore = await balance(payer.address);
    const required = readPaymentRequired(await fetch(stack.paidUrl, chatRequest()));
    const header = encodePayment(await paymentV2(required, chain.chainId, payer));

    const paid = await fetch(stack.paidUrl, chatRequest({ "PAYMENT-SIGNATURE": header }));
    expect(paid.status).toBe(200);
    expect(((await paid.json()) as ChatCompletion).choices[0]?.message.content).toBe(REPLY);
    expect(readReceipt(paid)).toMatchObject({ success: true, payer: payer.address });
    expect(await balance(payer.address)).toBe(payerBefore - PRICE);
    spentHeader = header;

    // The EIP-3009 nonce is spent on chain, so the same header cannot pay twice. The reason is
    // "simulation failed", not "nonce already used": the scheme diagnoses a failed simulation with
    // Multicall3, which anvil does not have, and falls back to the generic reason.
    const replay = await fetch(stack.paidUrl, chatRequest({ "PAYMENT-SIGNATURE": header }));
    expect(replay.status).toBe(402);
    expect(readPaymentRequired(replay).error).toBe("invalid_exact_evm_transaction_simulation_failed");
    expect(await balance(payer.address)).toBe(payerBefore - PRICE);
  });

  it("names the real refusal reason once the chain has Multicall3", async () => {
    await installMulticall3(chain.rpcUrl);
    const replay = await fetch(stack.paidUrl, chatRequest({ "PAYMENT-SIGNATURE": spentHeader }));
    expect(replay.status).toBe(402);
    expect(readPaymentRequired(replay).error).toBe("invalid_exact_evm_nonce_already_used");
  });

  it("stops every server it started", async () => {
    await stack.stop();
    await expect(fetch(stack.unpaidUrl, chatRequest())).rejects.toThrow();
    await expect(fetch(`${stack.facilitatorUrl}/supported`)).rejects.toThrow();
  });
});
