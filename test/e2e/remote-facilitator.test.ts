import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startReferenceFacilitator, type ReferenceFacilitator } from "../../bench/reference/facilitator-server.ts";
import { installMulticall3 } from "../../bench/reference/multicall3.ts";
import { ANVIL_KEYS } from "../../dev/chain/accounts.ts";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { officialV2Fetch } from "../support/x402-clients.ts";
import { encodePayment, paymentV2, readPaymentRequired, readReceipt } from "../../dev/x402-payments.ts";

// FACILITATOR=remote: the edge verifies locally as always, but preflights with POST /verify and
// settles with POST /settle on a real x402 facilitator (the reference one, @x402/core + @x402/evm).
let stack: LocalStack;
let facilitator: ReferenceFacilitator;

beforeAll(async () => {
  stack = await startLocalStack({
    runners: 1,
    prepareEdge: async (chain) => {
      // The reference facilitator names refusals through Multicall3, which anvil lacks.
      await installMulticall3(chain.rpcUrl);
      facilitator = await startReferenceFacilitator({ rpcUrl: chain.rpcUrl, chainId: chain.chainId, relayerKey: ANVIL_KEYS[0] });
      return { FACILITATOR: "remote", FACILITATOR_URL: facilitator.url };
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await facilitator?.stop();
});

const url = () => `${stack.edge.url}/v1/chat/completions`;
const body = JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "remote" }], max_tokens: 8 });

describe("remote facilitator", () => {
  it("settles a paid call through the facilitator's HTTP API and moves exactly the price", async () => {
    const payer = stack.chain.accounts.payers[0];
    const before = await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer.address);
    const price = BigInt(readPaymentRequired(await fetch(url(), { method: "POST", body })).accepts[0]!.amount);
    const response = await officialV2Fetch(payer, { network: stack.network, asset: stack.usdc })(url(), { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(200);
    expect(readReceipt(response)).toMatchObject({ success: true, payer: payer.address });
    expect(await usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, payer.address)).toBe(before - price);
  });

  it("takes the facilitator's /verify refusal as final: 402 with its reason, nothing settled", async () => {
    const broke = privateKeyToAccount(generatePrivateKey());
    const required = readPaymentRequired(await fetch(url(), { method: "POST", body }));
    const response = await fetch(url(), { method: "POST", body, headers: { "PAYMENT-SIGNATURE": encodePayment(await paymentV2(required, stack.chain.chainId, broke)) } });
    expect(response.status).toBe(402);
    expect(readPaymentRequired(response).error).toBe("invalid_exact_evm_insufficient_balance");
    expect(response.headers.get("PAYMENT-RESPONSE")).toBeNull();
  });

  it("shows the facilitator and whether it serves this edge's network on /admin/facilitator", async () => {
    const info = (await (await stack.admin("/admin/facilitator")).json()) as { kind: string; servesThisEdge: boolean };
    expect(info).toMatchObject({ kind: "remote", servesThisEdge: true });
  });
});
