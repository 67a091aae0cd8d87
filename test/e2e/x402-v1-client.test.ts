import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wrapFetchWithPayment, decodeXPaymentResponse } from "x402-fetch";
import { createWalletClient, http, publicActions } from "viem";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";

// The legacy official client (x402-fetch 1.x, x402 v1) knows networks by name only, so this edge is
// configured for eip155:84532 ("base-sepolia") — served by a local anvil with that chain id.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ chainId: 84532, runners: 1 });
});
afterAll(async () => stack?.stop());

describe("x402 v1 (x402-fetch)", () => {
  it("advertises v1 terms in the 402 body next to the v2 header", async () => {
    const response = await fetch(`${stack.edge.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] }) });
    expect(response.status).toBe(402);
    const body = (await response.json()) as { x402Version: number; accepts: Array<Record<string, unknown>> };
    expect(body.x402Version).toBe(1);
    expect(body.accepts[0]).toMatchObject({
      scheme: "exact",
      network: "base-sepolia",
      resource: `${stack.edge.url}/v1/chat/completions`,
      mimeType: "application/json",
      payTo: stack.payTo,
      asset: stack.usdc,
      extra: { name: "USD Coin", version: "2" },
    });
  });

  it("pays with X-PAYMENT, gets the result and an X-PAYMENT-RESPONSE receipt, and the balance moves by the price", async () => {
    stack.standin.script({ match: "ping", content: "pong" });
    const account = stack.chain.accounts.payers[2];
    const wallet = createWalletClient({ account, chain: stack.chain.chain, transport: http(stack.chain.rpcUrl) }).extend(publicActions);
    const pay = wrapFetchWithPayment(fetch, wallet as never, 1_000_000n);
    const before = await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, account.address);

    const body = JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "ping" }], max_tokens: 8 });
    const quote = (await (await fetch(`${stack.edge.url}/v1/chat/completions`, { method: "POST", body })).json()) as { accepts: Array<{ maxAmountRequired: string }> };
    const response = await pay(`${stack.edge.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content).toBe("pong");
    expect(response.headers.get("PAYMENT-RESPONSE")).toBeNull();
    const receipt = decodeXPaymentResponse(response.headers.get("X-PAYMENT-RESPONSE")!);
    expect(receipt).toMatchObject({ success: true, network: "base-sepolia", payer: account.address });
    expect(await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, account.address)).toBe(before - BigInt(quote.accepts[0]!.maxAmountRequired));
  });
});
