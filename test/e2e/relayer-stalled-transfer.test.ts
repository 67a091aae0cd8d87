import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { localPublicClient } from "../../dev/chain/local-client.ts";
import { paidRequests, type PaidRequests } from "../support/paid-requests.ts";
import { checkpoint, expectReconciled } from "../support/reconcile.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { readReceipt } from "../../dev/x402-payments.ts";

// Found by `npm run load` (embeddings, C=32): anvil, taking a transaction while the one before it is
// being mined, can park it for good ("queued" with exactly the account's next nonce). The relayer
// waited 60 s for its receipt, answered settlement_pending — and every later settlement, queued
// behind that nonce, did the same. A node may also simply drop a transaction. Here the relayer's
// transfer is dropped from anvil's pool on purpose (deterministic); the relayer must send it again
// with the same nonce and higher fees, so it and the transfers behind it land.
let stack: LocalStack;
let paid: PaidRequests;

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1 });
  paid = paidRequests(stack);
});
afterAll(async () => stack?.stop());

const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
  const response = await fetch(stack.chain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
};

/** The relayer's transactions waiting in anvil's pool, by nonce. */
async function relayerPool(): Promise<Map<number, Hex>> {
  const content = await rpc<{ pending: Record<string, Record<string, { hash: Hex }>>; queued: Record<string, Record<string, { hash: Hex }>> }>("txpool_content");
  const relayer = stack.chain.accounts.relayer.address.toLowerCase();
  const byNonce = new Map<number, Hex>();
  for (const group of [content.pending, content.queued]) {
    for (const [address, txs] of Object.entries(group ?? {})) {
      if (address.toLowerCase() !== relayer) continue;
      for (const [nonce, tx] of Object.entries(txs)) byNonce.set(Number(nonce), tx.hash);
    }
  }
  return byNonce;
}

/** Polls `condition` (bounded): the pool's state can only be observed by asking. */
async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, failure: string, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() >= deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const chat = (content: string) => ({ model: "qwen2.5:7b", messages: [{ role: "user", content }], max_tokens: 8 });

describe("relayer: a settlement transaction the node took but never mines", () => {
  it("a transfer dropped from the mempool is sent again with the same nonce and higher fees: it and the settlement queued behind its nonce both land (was: 60 s, then settlement_pending for both)", async () => {
    const [first, second] = [stack.chain.accounts.payers[2], stack.chain.accounts.payers[3]];
    const bodies = [chat("stalled one"), chat("queued behind it")];
    const a = await paid.sign(bodies[0], first);
    const b = await paid.sign(bodies[1], second);
    const since = await checkpoint(stack, [first.address, second.address]);
    const client = localPublicClient(stack.chain.rpcUrl);
    const relayerNonce = await client.getTransactionCount({ address: stack.chain.accounts.relayer.address, blockTag: "latest" });

    // Hold blocks back so both transfers are seen waiting in the pool, then lose the first one.
    await rpc("evm_setAutomine", [false]);
    const started = Date.now();
    let responses: [Response, Response];
    try {
      const firstCall = paid.post(bodies[0], a.header);
      const dropped = (await until(relayerPool, (pool) => pool.has(relayerNonce), "the first transfer never reached the pool")).get(relayerNonce)!;
      const secondCall = paid.post(bodies[1], b.header);
      await until(relayerPool, (pool) => pool.has(relayerNonce + 1), "the second transfer never reached the pool");
      await rpc("anvil_dropTransaction", [dropped]);
      await rpc("evm_setAutomine", [true]);
      responses = await Promise.all([firstCall, secondCall]);
      expect(readReceipt(responses[0]).transaction).not.toBe(dropped);
    } finally {
      await rpc("evm_setAutomine", [true]);
    }

    for (const response of responses) {
      expect(response.status, await response.clone().text()).toBe(200);
      expect(readReceipt(response).success).toBe(true);
    }
    // Well inside the 60 s the relayer used to wait before giving up.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await client.getTransactionCount({ address: stack.chain.accounts.relayer.address, blockTag: "latest" })).toBe(relayerNonce + 2);
    const { newEntries } = await expectReconciled(stack, { since, charged: { [first.address]: a.price, [second.address]: b.price } });
    expect(newEntries.map((e) => e.txHash).sort()).toEqual(responses.map((r) => readReceipt(r).transaction.toLowerCase()).sort());
  }, 60_000);
});
