import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usdcBalanceOf } from "../support/chain/usdc.ts";
import { startRpcRelay, type RpcRelay } from "../support/rpc-relay.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";
import { encodePayment, paymentV2, readPaymentRequired, readReceipt } from "../support/x402-payments.ts";

// The chain's RPC fails exactly when the edge tries to settle: the result must be withheld, the payer
// not charged, and the payment still good for one result once the chain is back.
let stack: TestStack;
let relay: RpcRelay;

beforeAll(async () => {
  stack = await startTestStack({
    runners: 1,
    prepareEdge: async (chain) => ({ RPC_URL: (relay = await startRpcRelay(chain.rpcUrl)).url }),
  });
});
afterAll(async () => {
  await stack?.stop();
  await relay?.stop();
});

describe("settlement faults", () => {
  it("RPC down at settlement: 402 with a failed receipt, no result, nothing moved, payment reusable", async () => {
    const payer = stack.chain.accounts.payers[4];
    const url = `${stack.edge.url}/v1/chat/completions`;
    const body = JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "settle me" }], max_tokens: 8 });
    const required = readPaymentRequired(await fetch(url, { method: "POST", body }));
    const header = encodePayment(await paymentV2(required, stack.chain.chainId, payer));
    const before = await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer.address);

    relay.failMethods.add("eth_sendRawTransaction");
    const failed = await fetch(url, { method: "POST", body, headers: { "PAYMENT-SIGNATURE": header } });
    expect(failed.status).toBe(402);
    expect(readReceipt(failed)).toMatchObject({ success: false, errorReason: "unexpected_settle_error", transaction: "" });
    expect(await failed.json()).not.toHaveProperty("choices"); // the result is withheld
    expect(relay.calls.get("eth_sendRawTransaction")).toBeGreaterThan(0);
    expect(await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer.address)).toBe(before);

    relay.failMethods.clear();
    const retried = await fetch(url, { method: "POST", body, headers: { "PAYMENT-SIGNATURE": header } });
    expect(retried.status).toBe(200);
    expect(await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer.address)).toBe(before - BigInt(required.accepts[0]!.amount));
  });
});
