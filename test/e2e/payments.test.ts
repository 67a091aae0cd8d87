import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PaymentRequired } from "@x402/core/types";
import type { LocalAccount } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { mintUsdc, transferEvents, usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { encodePayment, paymentV2, readPaymentRequired, readReceipt, type PaymentTweaks } from "../../dev/x402-payments.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";

// x402 payment rules at the real edge (workerd), settled on anvil with Circle's FiatTokenV2_2.
let stack: LocalStack;
let payer: LocalAccount;
const body = JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hello" }], max_tokens: 16 });

beforeAll(async () => {
  // The runner offers only text models, so a vision request finds no runner.
  stack = await startLocalStack({ runners: 1, runnerEnv: { RUNNER_MODELS: "qwen2.5:7b,qwen2.5:0.5b" }, edgeEnv: { JOB_TIMEOUT_MS: "3000" } });
  payer = stack.chain.accounts.payers[1];
});
afterAll(async () => stack?.stop());

const url = () => `${stack.edge.url}/v1/chat/completions`;
const post = (headers: Record<string, string> = {}, payload = body) => fetch(url(), { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload });

async function quote(): Promise<PaymentRequired> {
  const response = await post();
  expect(response.status).toBe(402);
  return readPaymentRequired(response);
}

async function signedHeader(tweaks: PaymentTweaks = {}, by: LocalAccount = payer): Promise<string> {
  return encodePayment(await paymentV2(await quote(), stack.chain.chainId, by, tweaks));
}

const balance = (who: `0x${string}`) => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, who);

async function refusal(response: Response) {
  expect(response.status).toBe(402);
  return { reason: readPaymentRequired(response).error, body: (await response.json()) as { message?: string } };
}

describe("x402 negotiation", () => {
  it("refuses an invalid body with 400 and the issues, before any 402", async () => {
    const response = await post({}, JSON.stringify({ model: "qwen2.5:7b", messages: "hi" }));
    expect(response.status).toBe(400);
    expect(response.headers.get("PAYMENT-REQUIRED")).toBeNull();
    const error = ((await response.json()) as { error: { code: string; issues: Array<{ path: string }> } }).error;
    expect(error.code).toBe("invalid_request");
    expect(error.issues[0]?.path).toBe("messages");
  });

  it("refuses a body that is not JSON with 400", async () => {
    expect((await post({}, "{nope")).status).toBe(400);
  });

  it("offers a channel (batch-settlement) first, then exact USDC payment with the token's EIP-712 domain, and the same terms every time", async () => {
    const [a, b] = await Promise.all([quote(), quote()]);
    expect(a).toEqual(b);
    expect(a.x402Version).toBe(2);
    const amount = a.accepts[0]!.amount;
    expect(a.accepts).toEqual([
      {
        scheme: "batch-settlement",
        network: stack.network,
        amount,
        asset: stack.usdc,
        payTo: stack.payTo,
        maxTimeoutSeconds: 300,
        // As @x402/evm's batch-settlement server writes them: the token's domain, then the channel's terms.
        extra: { name: "USD Coin", version: "2", receiverAuthorizer: stack.receiverAuthorizer, withdrawDelay: 900, minDeposit: "1000000" },
      },
      {
        scheme: "exact",
        network: stack.network,
        amount: expect.stringMatching(/^[1-9][0-9]*$/),
        asset: stack.usdc,
        payTo: stack.payTo,
        maxTimeoutSeconds: 300,
        extra: { name: "USD Coin", version: "2" },
      },
    ]);
    expect(a.accepts[1]!.amount).toBe(amount);
    expect(a.resource.url).toBe(url());
  });
});

describe("refusals, each with its reason, nothing run and nothing charged", () => {
  const cases: Array<[string, () => Promise<Record<string, string>>, string]> = [
    ["bad base64", async () => ({ "PAYMENT-SIGNATURE": "***" }), "invalid_payload"],
    ["bad JSON", async () => ({ "PAYMENT-SIGNATURE": Buffer.from("{nope").toString("base64") }), "invalid_payload"],
    ["wrong x402 version", async () => ({ "PAYMENT-SIGNATURE": encodePayment({ x402Version: 9 }) }), "invalid_x402_version"],
    ["wrong scheme", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ accepted: { scheme: "upto" } }) }), "unsupported_scheme"],
    ["wrong network", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ accepted: { network: "eip155:84532" } }) }), "invalid_network"],
    ["wrong asset", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ accepted: { asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e" }, domain: { verifyingContract: "0x036CbD53842c5426634e7929541eC2318f3dCF7e" } }) }), "invalid_exact_evm_asset_mismatch"],
    ["wrong payTo", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ to: "0x000000000000000000000000000000000000dEaD" }) }), "invalid_exact_evm_recipient_mismatch"],
    ["underpay", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ value: 1n }) }), "invalid_exact_evm_payload_authorization_value_mismatch"],
    ["overpay", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ value: 10n ** 12n }) }), "invalid_exact_evm_payload_authorization_value_mismatch"],
    ["expired", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ validBefore: BigInt(Math.floor(Date.now() / 1000) - 5) }) }), "invalid_exact_evm_payload_authorization_valid_before"],
    ["not yet valid", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ validAfter: BigInt(Math.floor(Date.now() / 1000) + 600) }) }), "invalid_exact_evm_payload_authorization_valid_after"],
    ["validity window too long", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ validBefore: BigInt(Math.floor(Date.now() / 1000) + 86_400) }) }), "invalid_exact_evm_payload_authorization_window_too_long"],
    ["bad signature", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ corruptSignature: true }) }), "invalid_exact_evm_signature"],
    ["signed by another key", async () => ({ "PAYMENT-SIGNATURE": await signedHeader({ signer: privateKeyToAccount(generatePrivateKey()) }) }), "invalid_exact_evm_signature"],
  ];

  it.each(cases)("%s", async (_name, headers, reason) => {
    const requestsBefore = stack.standin.stats().requests;
    const before = await balance(payer.address);
    const result = await refusal(await post(await headers()));
    expect(result.reason).toBe(reason);
    expect(result.body.message).toBeTruthy();
    expect(stack.standin.stats().requests).toBe(requestsBefore);
    expect(await balance(payer.address)).toBe(before);
  });
});

describe("one payment buys one response", () => {
  it("refuses a sequential replay of a payment that was already served", async () => {
    const header = await signedHeader();
    const first = await post({ "PAYMENT-SIGNATURE": header });
    expect(first.status).toBe(200);
    const replay = await refusal(await post({ "PAYMENT-SIGNATURE": header }));
    expect(replay.reason).toBe("invalid_exact_evm_nonce_already_used");
  });

  it("serves exactly one of 50 identical payments sent at the same instant, and settles it once", async () => {
    const fromBlock = BigInt((await blockNumber()) + 1);
    const before = await balance(payer.address);
    const header = await signedHeader();
    const required = await quote();
    const responses = await Promise.all(Array.from({ length: 50 }, () => post({ "PAYMENT-SIGNATURE": header })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 402)).toHaveLength(49);
    for (const r of responses.filter((r) => r.status === 402)) {
      expect(["payment_in_flight", "invalid_exact_evm_nonce_already_used"]).toContain(readPaymentRequired(r).error);
    }
    const transfers = await transferEvents(stack.chain.rpcUrl, stack.usdc, { fromBlock, from: payer.address });
    expect(transfers).toHaveLength(1);
    expect(await balance(payer.address)).toBe(before - BigInt(required.accepts[0]!.amount));
  });
});

describe("nothing is charged for work that was not delivered", () => {
  it("no runner has the model: 503 with Retry-After naming the model, balance unchanged", async () => {
    const visionBody = JSON.stringify({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: "hi" }], max_tokens: 8 });
    const required = readPaymentRequired(await post({}, visionBody));
    const header = encodePayment(await paymentV2(required, stack.chain.chainId, payer));
    const before = await balance(payer.address);
    const refused = await post({ "PAYMENT-SIGNATURE": header }, visionBody);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(error).toMatchObject({ code: "no_runner", model: "qwen2.5vl:7b" });
    expect(error.message).toContain("qwen2.5vl:7b");
    expect(await balance(payer.address)).toBe(before);
  });

  it("the model fails (Ollama 500): 502, balance unchanged, and the same payment then works", async () => {
    const header = await signedHeader();
    const before = await balance(payer.address);
    stack.standin.injectFailure({ mode: "http_500", message: "model crashed" });
    const failed = await post({ "PAYMENT-SIGNATURE": header });
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe("ollama_error");
    expect(await balance(payer.address)).toBe(before);
    // The nonce was released: the agent's signed payment is still good for one result.
    const retried = await post({ "PAYMENT-SIGNATURE": header });
    expect(retried.status).toBe(200);
    expect(await balance(payer.address)).toBeLessThan(before);
  });

  it("the job times out: 504, the Ollama call is dropped, balance unchanged", async () => {
    stack.standin.injectFailure({ mode: "hang" });
    const header = await signedHeader();
    const before = await balance(payer.address);
    const aborted = stack.standin.stats().streamsAborted;
    const response = await post({ "PAYMENT-SIGNATURE": header });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("timeout");
    await stack.standin.waitFor((s) => s.streamsAborted > aborted, 15_000);
    expect(await balance(payer.address)).toBe(before);
    stack.standin.clearFailures();
  });

  it("the payer has no USDC: refused with the chain's reason, the job cancelled, nothing moves", async () => {
    const broke = privateKeyToAccount(generatePrivateKey());
    stack.standin.injectFailure({ mode: "hang" }); // a job that would never finish on its own
    const header = await signedHeader({}, broke);
    const payToBefore = await balance(stack.payTo);
    const aborted = stack.standin.stats().streamsAborted;
    const response = await post({ "PAYMENT-SIGNATURE": header });
    const result = await refusal(response);
    expect(result.reason).toBe("invalid_exact_evm_insufficient_balance");
    expect(result.body).not.toHaveProperty("choices"); // the 402 body, not a result
    await stack.standin.waitFor((s) => s.streamsAborted > aborted, 15_000); // the runner dropped the Ollama call
    expect(await balance(stack.payTo)).toBe(payToBefore);
    stack.standin.clearFailures();
  });

  it("one wallet cannot run more concurrent jobs than its balance covers", async () => {
    const thin = privateKeyToAccount(generatePrivateKey());
    const required = await quote();
    const price = BigInt(required.accepts[0]!.amount);
    await mintUsdc(stack.chain.rpcUrl, stack.usdc, thin.address, price * 2n); // enough for two calls
    stack.standin.setTokensPerSecond(20);
    stack.standin.script({ match: "hello", content: "one two three four five six" });
    try {
      const headers = await Promise.all(Array.from({ length: 4 }, () => signedHeader({}, thin)));
      const responses = await Promise.all(headers.map((h) => post({ "PAYMENT-SIGNATURE": h })));
      const refused = responses.filter((r) => r.status === 402);
      expect(responses.filter((r) => r.status === 200)).toHaveLength(2);
      expect(refused).toHaveLength(2);
      for (const r of refused) expect(readPaymentRequired(r).error).toBe("invalid_exact_evm_insufficient_balance");
      // Refused before settlement (no receipt: no transfer was even attempted), not by a failed transfer.
      expect(refused.some((r) => r.headers.get("PAYMENT-RESPONSE") === null)).toBe(true);
      expect(await balance(thin.address)).toBe(0n);
    } finally {
      stack.standin.setTokensPerSecond(0);
      stack.standin.clearScripts();
    }
  });
});

async function blockNumber(): Promise<number> {
  const response = await fetch(stack.chain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) });
  return Number(((await response.json()) as { result: string }).result);
}
