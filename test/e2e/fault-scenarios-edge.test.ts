import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodeFunctionData } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { fiatTokenAbi } from "../../dev/chain/fiat-token-abi.ts";
import { sendInOrder } from "../../dev/chain/send-in-order.ts";
import { fundEth, mintUsdc } from "../../dev/chain/usdc.ts";
import { paidRequests, type PaidRequests } from "../support/paid-requests.ts";
import { checkpoint, expectReconciled, readLedger } from "../support/reconcile.ts";
import { startRpcRelay, type RpcRelay } from "../../dev/rpc-relay.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { readPaymentRequired, readReceipt } from "../../dev/x402-payments.ts";

// The edge's own faults: the chain's RPC failing or the transfer reverting at settlement, and the
// edge process itself restarting or crashing. Each scenario checks (a) status and reason, (b) on-chain
// charges, (c) the ledger matches the chain; across a restart, that what must persist did.
let stack: LocalStack;
let relay: RpcRelay;
let paid: PaidRequests;

beforeAll(async () => {
  stack = await startLocalStack({
    runners: 1,
    prepareEdge: async (chain) => ({ RPC_URL: (relay = await startRpcRelay(chain.rpcUrl)).url }),
  });
  paid = paidRequests(stack);
});
afterAll(async () => {
  await stack?.stop();
  await relay?.stop();
});
afterEach(() => {
  relay.failMethods.clear();
  relay.loseAnswers.clear();
  relay.revertMethods.clear();
  stack.standin.clearFailures();
});

const payer = () => stack.chain.accounts.payers[4];
const chat = (content = "settle me") => ({ model: "qwen2.5:7b", messages: [{ role: "user", content }], max_tokens: 8 });

/** Polls `condition` (bounded), for state only observable by asking. */
async function until(condition: () => boolean, failure: string, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() >= deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function prepare(body: unknown, by = payer()) {
  const { header, price } = await paid.sign(body, by);
  const since = await checkpoint(stack, [by.address]);
  return { header, price, since };
}

describe("chain faults at settlement", () => {
  it("RPC down when the transfer is sent: 402 unexpected_settle_error, result withheld, nothing charged, ledger = chain; the payment then works once", async () => {
    const body = chat();
    const { header, price, since } = await prepare(body);
    relay.failMethods.add("eth_sendRawTransaction");
    const failed = await paid.post(body, header);
    expect(failed.status).toBe(402);
    expect(readReceipt(failed)).toMatchObject({ success: false, errorReason: "unexpected_settle_error", transaction: "" });
    expect(await failed.json()).not.toHaveProperty("choices"); // the result is withheld
    expect(relay.calls.get("eth_sendRawTransaction")).toBeGreaterThan(0);
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });

    relay.failMethods.clear();
    const retried = await paid.post(body, header);
    expect(retried.status).toBe(200);
    const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: price } });
    expect(newEntries.map((e) => e.txHash)).toEqual([readReceipt(retried).transaction.toLowerCase()]);
  });

  it("RPC down at the settlement of a stream: 402 before any byte of it, the job cancelled on its runner, nothing charged, ledger = chain", async () => {
    const body = { ...chat(), stream: true };
    const { header, since } = await prepare(body);
    stack.standin.injectFailure({ mode: "never_ending" });
    stack.standin.setTokensPerSecond(20);
    const aborted = stack.standin.stats().streamsAborted;
    relay.failMethods.add("eth_sendRawTransaction");
    try {
      const failed = await paid.post(body, header);
      expect(failed.status).toBe(402);
      expect(failed.headers.get("content-type")).toContain("application/json");
      expect(readReceipt(failed)).toMatchObject({ success: false, errorReason: "unexpected_settle_error" });
      await stack.standin.waitFor((s) => s.streamsAborted > aborted && s.active === 0, 15_000);
      await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
    } finally {
      stack.standin.setTokensPerSecond(0);
    }
  });

  it("the node takes the transfer but its answer is lost: the edge finds it on chain, delivers, and records it once (was: 402, charged with nothing delivered, missing from the ledger)", async () => {
    const body = chat();
    const { header, price, since } = await prepare(body);
    relay.loseAnswers.add("eth_sendRawTransaction");
    const response = await paid.post(body, header);
    expect(response.status).toBe(200);
    const receipt = readReceipt(response);
    expect(receipt.success).toBe(true);
    expect(await response.json()).toHaveProperty("choices");
    const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: price } });
    expect(newEntries.map((e) => e.txHash)).toEqual([receipt.transaction.toLowerCase()]);
  });

  it("RPC down for the transfer and for looking it up: 402 settlement_pending, the payment never served again, nothing charged, ledger = chain", async () => {
    const body = chat();
    const { header, since } = await prepare(body);
    relay.failMethods.add("eth_sendRawTransaction");
    relay.failMethods.add("eth_getTransactionByHash");
    const failed = await paid.post(body, header);
    expect(failed.status).toBe(402);
    const receipt = readReceipt(failed);
    // The edge cannot tell whether the transfer left: it names it, and treats the authorization as spent.
    expect(receipt).toMatchObject({ success: false, errorReason: "settlement_pending" });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    relay.failMethods.clear();
    const replay = await paid.post(body, header);
    expect(replay.status).toBe(402);
    expect(readPaymentRequired(replay).error).toBe("settlement_pending");
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
  });

  it("one transfer fails to send while a later one is already out: the later one still lands at once (was: stuck behind the nonce gap, 402 settlement_pending after 60 s, then charged)", async () => {
    const [a, b] = [chat("first"), chat("second")];
    const other = stack.chain.accounts.payers[2];
    const first = await prepare(a);
    const second = await paid.sign(b, other);
    const since = await checkpoint(stack, [payer().address, other.address]);
    const sends = relay.calls.get("eth_sendRawTransaction") ?? 0;
    const held = relay.hold("eth_sendRawTransaction");
    const pendingA = paid.post(a, first.header);
    await held.arrived; // A's transfer took nonce n and is on its way
    const pendingB = paid.post(b, second.header);
    await until(() => (relay.calls.get("eth_sendRawTransaction") ?? 0) >= sends + 2, "B's transfer never reached the relay"); // n+1, at the node
    held.fail(); // A's never does
    const [responseA, responseB] = await Promise.all([pendingA, pendingB]);
    expect(responseA.status).toBe(402);
    expect(readReceipt(responseA)).toMatchObject({ success: false, errorReason: "unexpected_settle_error" });
    expect(responseB.status).toBe(200);
    const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: 0n, [other.address]: second.price } });
    expect(newEntries.map((e) => e.txHash)).toEqual([readReceipt(responseB).transaction.toLowerCase()]);
  });

  it("the node refuses the transfer as reverting: 402 with the revert's reason (was: unexpected_settle_error), nothing charged, ledger = chain", async () => {
    const body = chat();
    const { header, since } = await prepare(body);
    relay.revertMethods.set("eth_sendRawTransaction", "FiatTokenV2: authorization is used or canceled");
    const response = await paid.post(body, header);
    expect(response.status).toBe(402);
    expect(readReceipt(response)).toMatchObject({ success: false, errorReason: "invalid_exact_evm_nonce_already_used" });
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });
  });

  it("the transfer reverts on chain (the payer spent its USDC after the preflight): 402 transaction_failed with the tx, nothing charged, ledger = chain", async () => {
    const body = chat();
    const { price } = await paid.quote(body);
    const spender = privateKeyToAccount(generatePrivateKey());
    await fundEth(stack.chain.rpcUrl, spender.address, 10n ** 18n);
    await mintUsdc(stack.chain.rpcUrl, stack.usdc, spender.address, price);
    const { header } = await paid.sign(body, spender);

    const held = relay.hold("eth_sendRawTransaction");
    const pending = paid.post(body, header);
    await held.arrived; // preflight passed, the job ran; the transfer is on its way to the node
    const sink = privateKeyToAccount(generatePrivateKey()).address;
    await sendInOrder(stack.chain.rpcUrl, spender, [
      { label: "spend it all", to: stack.usdc, data: encodeFunctionData({ abi: fiatTokenAbi, functionName: "transfer", args: [sink, price] }), gas: 100_000n },
    ]);
    const since = await checkpoint(stack, [spender.address]);
    held.release();

    const response = await pending;
    expect(response.status).toBe(402);
    const receipt = readReceipt(response);
    expect(receipt).toMatchObject({ success: false, errorReason: "invalid_exact_evm_transaction_failed", payer: spender.address });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await response.json()).not.toHaveProperty("choices");
    await expectReconciled(stack, { since, charged: { [spender.address]: 0n } });
  });
});

describe("the edge restarts", () => {
  it.each([
    ["stopped gracefully", false],
    ["killed", true],
  ])("%s: the ledger and spent nonces survive, runners come back, paid calls work, ledger = chain", async (_how, crash) => {
    const body = chat(`before a restart (${crash ? "crash" : "graceful"})`);
    const { header, price, since } = await prepare(body);
    const served = await paid.post(body, header);
    expect(served.status).toBe(200);
    const tx = readReceipt(served).transaction.toLowerCase();
    await expectReconciled(stack, { since, charged: { [payer().address]: price } });

    await stack.restartEdge({ crash });
    expect((await readLedger(stack)).map((e) => e.txHash)).toContain(tx);
    const replay = await paid.post(body, header);
    expect(replay.status).toBe(402);
    expect(readPaymentRequired(replay).error).toBe("invalid_exact_evm_nonce_already_used");

    await stack.waitForRunners(1, { timeoutMs: 45_000 });
    const next = await prepare(body);
    const after = await paid.post(body, next.header);
    expect(after.status).toBe(200);
    await expectReconciled(stack, { since: next.since, charged: { [payer().address]: next.price } });
  });

  it("killed with a call in flight: the agent gets an error at once, the Ollama call is dropped, nothing charged, ledger = chain", async () => {
    await stack.waitForRunners(1, { timeoutMs: 45_000 });
    const body = chat();
    const { header, since } = await prepare(body);
    stack.standin.injectFailure({ mode: "hang" });
    const aborted = stack.standin.stats().streamsAborted;
    const pending = paid.post(body, header);
    await stack.standin.waitFor((s) => s.active > 0, 15_000);
    const failed = expect(pending).rejects.toThrow("fetch failed");
    await stack.restartEdge({ crash: true });
    await failed;
    // The runner lost its tunnel, so it dropped the Ollama call.
    await stack.standin.waitFor((s) => s.streamsAborted > aborted && s.active === 0, 15_000);
    await expectReconciled(stack, { since, charged: { [payer().address]: 0n } });

    // The payment's reservation outlived the process that held it: until its lease runs out it is
    // refused as in flight (never served twice); a new payment works as soon as a runner is back.
    const retry = await paid.post(body, header);
    expect(retry.status).toBe(402);
    expect(readPaymentRequired(retry).error).toBe("payment_in_flight");
    await stack.waitForRunners(1, { timeoutMs: 45_000 });
    const next = await prepare(body);
    expect((await paid.post(body, next.header)).status).toBe(200);
    await expectReconciled(stack, { since: next.since, charged: { [payer().address]: next.price } });
  });

  it("killed while its transfer is on the way to the chain: the transfer lands, and the restarted edge puts it in the ledger (was: charged, never in the ledger)", async () => {
    await stack.waitForRunners(1, { timeoutMs: 45_000 });
    const body = chat();
    const { header, price, since } = await prepare(body);
    const held = relay.hold("eth_sendRawTransaction");
    const pending = paid.post(body, header);
    await held.arrived;
    const failed = expect(pending).rejects.toThrow("fetch failed");
    const restarted = stack.restartEdge({ crash: true });
    await failed;
    held.release(); // the node gets the transfer after all: the payer is charged, no result was delivered
    await restarted;

    // The next settlement wakes the relayer, which finds the orphaned transfer and records it.
    await stack.waitForRunners(1, { timeoutMs: 45_000 });
    const next = await prepare(body);
    expect((await paid.post(body, next.header)).status).toBe(200);
    const { newEntries } = await expectReconciled(stack, { since, charged: { [payer().address]: 2n * price } });
    expect(newEntries.map((e) => e.service).sort()).toEqual(["chat.completions", "recovered"]);
    // Its nonce counts as used: the payment is not served again.
    const replay = await paid.post(body, header);
    expect(replay.status).toBe(402);
    expect(readPaymentRequired(replay).error).toBe("invalid_exact_evm_nonce_already_used");
  });
});
