import { createTestClient, createWalletClient, http, publicActions, type Hex, type LocalAccount } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { batchSettlementEscrowAbi, BATCH_SETTLEMENT_ESCROW_ADDRESS } from "../../dev/chain/batch-settlement.ts";
import { MODEL_OUTPUT_FOR_EXAMPLE } from "../../dev/catalog-model-outputs.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { startRpcRelay, type RpcRelay } from "../../dev/rpc-relay.ts";
import { readReceipt } from "../../dev/x402-payments.ts";
import {
  channelClient,
  channelIdFor,
  channelLedger,
  channelReceipt,
  claimEverything,
  claimNow,
  claimsStatus,
  escrowChannel,
  escrowReceiver,
  newPayer,
  owing,
  poster,
  until,
  usdcOf,
  type ChannelClient,
} from "../support/channels.ts";

// Channels when things go wrong: the edge restarting (or killed) between vouchers and their claim,
// the chain's RPC failing or losing the claim's transaction, and the payer starting a timed
// withdrawal while value is unclaimed. Every scenario reconciles escrow, payTo, payer and ledger.
const PRICE = 1000n;
const MIN_DEPOSIT = 1_000_000n;
const WITHDRAW_DELAY = 900;
const SENTIMENT = { text: "the screen is great" };

let stack: LocalStack;
let relay: RpcRelay;

beforeAll(async () => {
  stack = await startLocalStack({
    runners: 1,
    prepareEdge: async (chain) => ({ RPC_URL: (relay = await startRpcRelay(chain.rpcUrl)).url }),
    edgeEnv: {
      SERVICES: JSON.stringify({ sentiment: { price: PRICE.toString() } }),
      // Claims are made by the tests, except the claim job's watch for withdrawals (every second here).
      CHANNEL_CLAIM_THRESHOLD: "1000000000000",
      CHANNEL_WATCH_SECONDS: "1",
      CHANNEL_WITHDRAW_DELAY_SECONDS: String(WITHDRAW_DELAY),
    },
  });
  stack.standin.script({ content: JSON.stringify(MODEL_OUTPUT_FOR_EXAMPLE.sentiment) });
});
afterAll(async () => {
  await stack?.stop();
  await relay?.stop();
});
afterEach(() => {
  relay.failMethods.clear();
  relay.loseAnswers.clear();
  relay.revertMethods.clear();
});

const sentimentUrl = () => `${stack.edge.url}/v1/sentiment`;

async function paid(c: ChannelClient) {
  const response = await c.pay(sentimentUrl(), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(SENTIMENT) });
  if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${await response.text()} ${response.headers.get("PAYMENT-REQUIRED") ?? ""}`);
  await response.arrayBuffer();
  return readReceipt(response);
}

/** A payer with a channel already paying: `calls` calls made, one deposit. */
async function payingChannel(calls: number) {
  const payer = await newPayer(stack, 2n * MIN_DEPOSIT);
  const c = channelClient(stack, payer);
  for (let i = 0; i < calls; i++) await paid(c);
  const { terms } = await poster(stack, "/v1/sentiment").quote(SENTIMENT);
  return { payer, c, terms, channelId: channelIdFor(c.scheme, terms) };
}

const claimAll = () => claimEverything(stack);

describe("the edge restarts between vouchers and their claim", () => {
  it.each([
    ["stopped gracefully", false],
    ["killed", true],
  ])("%s: the vouchers accepted before are claimed afterwards in full, and the channel goes on without a resync", async (_how, crash) => {
    const { payer, c, channelId } = await payingChannel(5);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: 0n });
    const payToBefore = await usdcOf(stack, stack.payTo);

    await stack.restartEdge({ crash });
    expect((await owing(stack)).map((o) => o.channelId)).toEqual([channelId]);
    await claimAll();
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: 5n * PRICE });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 5n * PRICE);

    // The restarted edge kept the channel: the client's next voucher fits at once.
    await stack.waitForRunners(1, { timeoutMs: 45_000 });
    const mark = c.exchanges.length;
    const receipt = await paid(c);
    expect(c.exchanges.slice(mark).map((e) => e.status)).toEqual([402, 200]);
    expect(channelReceipt(receipt).channelState).toMatchObject({ channelId, chargedCumulativeAmount: (6n * PRICE).toString(), totalClaimed: (5n * PRICE).toString() });
    await claimAll();
    expect(await escrowChannel(stack, channelId)).toMatchObject({ totalClaimed: 6n * PRICE });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 6n * PRICE);
    const ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: 6, sum: 6n * PRICE });
  });
});

describe("a claim whose RPC fails is retried and lands once", () => {
  it("sending fails: 502 naming the failure, nothing claimed or moved; the next claim lands, exactly once", async () => {
    const { payer, channelId } = await payingChannel(3);
    const payToBefore = await usdcOf(stack, stack.payTo);
    const sends = relay.calls.get("eth_sendRawTransaction") ?? 0;
    relay.failMethods.add("eth_sendRawTransaction");
    const failed = await claimNow(stack);
    expect(failed.status).toBe(502);
    expect(failed.report.claims).toEqual([]);
    expect(failed.report.failures).toEqual([expect.stringContaining("claim not sent")]);
    expect(relay.calls.get("eth_sendRawTransaction")).toBeGreaterThan(sends);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ totalClaimed: 0n });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore);
    expect((await owing(stack)).map((o) => o.channelId)).toEqual([channelId]);

    relay.failMethods.clear();
    const report = await claimAll();
    expect(report.claims).toHaveLength(1);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ totalClaimed: 3n * PRICE });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 3n * PRICE);
    // Nothing is claimed or settled twice.
    expect(await claimAll()).toMatchObject({ claims: [], settle: null });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 3n * PRICE);
    expect((await channelLedger(stack, payer.address)).sum).toBe(3n * PRICE);
  });

  it("the node takes the claim but its answer is lost: the edge finds it on chain and reports it claimed, once", async () => {
    const { channelId } = await payingChannel(2);
    const payToBefore = await usdcOf(stack, stack.payTo);
    relay.loseAnswers.add("eth_sendRawTransaction");
    const report = await claimAll();
    expect(report.claims).toHaveLength(1);
    expect(report.settle?.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ totalClaimed: 2n * PRICE });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 2n * PRICE);
    relay.loseAnswers.clear();
    expect(await claimAll()).toMatchObject({ claims: [], settle: null });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 2n * PRICE);
  });

  it("the claim lands but the edge cannot learn it (answer lost, lookups down): reported unknown; the next round re-claims as a no-op and settles once", async () => {
    const { channelId } = await payingChannel(4);
    const payToBefore = await usdcOf(stack, stack.payTo);
    const receiverBefore = await escrowReceiver(stack);
    relay.loseAnswers.add("eth_sendRawTransaction");
    relay.failMethods.add("eth_getTransactionByHash");
    relay.failMethods.add("eth_getTransactionReceipt");
    const unknown = await claimNow(stack);
    expect(unknown.status).toBe(502);
    expect(unknown.report.failures).toEqual([expect.stringContaining("claim outcome unknown")]);
    // It did land: the escrow claimed it; nothing was settled to payTo yet.
    expect(await escrowChannel(stack, channelId)).toMatchObject({ totalClaimed: 4n * PRICE });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore);

    relay.loseAnswers.clear();
    relay.failMethods.clear();
    await claimAll();
    expect(await escrowChannel(stack, channelId)).toMatchObject({ totalClaimed: 4n * PRICE });
    expect(await escrowReceiver(stack)).toEqual({ totalClaimed: receiverBefore.totalClaimed + 4n * PRICE, totalSettled: receiverBefore.totalSettled + 4n * PRICE });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 4n * PRICE);
    expect(await claimAll()).toMatchObject({ claims: [], settle: null });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 4n * PRICE);
  });
});

describe("the claim job when its claims keep failing", () => {
  it("retries after a pause, not in a loop, and lands once the RPC is back (was: ~40 claim attempts a second against the failing RPC while a withdrawal was pending)", async () => {
    const { payer, c, terms, channelId } = await payingChannel(3);
    const payToBefore = await usdcOf(stack, stack.payTo);
    const sends = () => relay.calls.get("eth_sendRawTransaction") ?? 0;
    relay.failMethods.add("eth_sendRawTransaction");
    const base = sends();
    // A withdrawal makes the channel due at once: the claim job tries to claim it, and fails.
    const wallet = walletOf(payer);
    const initiated = await wallet.writeContract({ address: BATCH_SETTLEMENT_ESCROW_ADDRESS, abi: batchSettlementEscrowAbi, functionName: "initiateWithdraw", args: [contractConfig(c.scheme.buildChannelConfig(terms)), MIN_DEPOSIT / 2n] });
    expect((await wallet.waitForTransactionReceipt({ hash: initiated })).status).toBe("success");
    await until(async () => sends() > base, "the claim job never tried to claim the channel being withdrawn");

    // The failed round is over, and the claim job has set its next look a retry pause later, not
    // "now" (a loop would make dozens of attempts a second; CHANNEL_WATCH_SECONDS=1 makes the pause 1 s).
    // (Without the pause the job's next look stays "now" after each failed round, and this times out.)
    const failed = await until(async () => {
      const status = await claimsStatus(stack);
      const paused = status.lastRound && status.lastRound.failures.length > 0 && status.nextClaimAt !== null && status.nextClaimAt - status.lastRound.endedAt >= 1000;
      return paused ? status : null;
    }, "after its failed round the claim job never paused before the next");
    expect(failed.lastRound!.failures).toEqual([expect.stringContaining("claim not sent")]);
    expect(failed.owing.map((o) => o.channelId)).toContain(channelId);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ totalClaimed: 0n });

    relay.failMethods.clear();
    await until(async () => (await escrowChannel(stack, channelId)).totalClaimed === 3n * PRICE, "the claim never landed once the RPC was back");
    await until(async () => (await usdcOf(stack, stack.payTo)) === payToBefore + 3n * PRICE, "the claimed value never reached payTo");
    await until(async () => (await owing(stack)).length === 0, "the channel still owes a claim");
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 3n * PRICE);
  });
});

describe("a withdrawal started while its channel owed nothing", () => {
  it("is still noticed: a voucher accepted after it is claimed at once, well before the withdrawal could complete (was: the watch skipped channels that owed nothing, so that voucher waited for the hourly claim and the payer could withdraw it)", async () => {
    const { payer, c, terms, channelId } = await payingChannel(2);
    await claimAll(); // the channel owes nothing now
    const payToBefore = await usdcOf(stack, stack.payTo);
    const other = await payingChannel(1); // another channel owes, so the claim job's watch runs every second

    const wallet = walletOf(payer);
    const initiated = await wallet.writeContract({ address: BATCH_SETTLEMENT_ESCROW_ADDRESS, abi: batchSettlementEscrowAbi, functionName: "initiateWithdraw", args: [contractConfig(c.scheme.buildChannelConfig(terms)), MIN_DEPOSIT - 2n * PRICE] });
    expect((await wallet.waitForTransactionReceipt({ hash: initiated })).status).toBe("success");
    // The watch reads the chain's logs past the withdrawal (twice, so one of its reads surely covers
    // that block; a block is mined each time so there is something new to read).
    const testClient = createTestClient({ mode: "anvil", transport: http(stack.chain.rpcUrl) });
    const logReads = relay.calls.get("eth_getLogs") ?? 0;
    await until(async () => {
      await testClient.mine({ blocks: 1 });
      return (relay.calls.get("eth_getLogs") ?? 0) >= logReads + 2;
    }, "the claim job's watch never read the chain's logs");

    // The payer goes on paying on the channel it is withdrawing from: the edge must claim that at once.
    const receipt = await paid(c);
    expect(channelReceipt(receipt).chargedAmount).toBe(PRICE);
    await until(async () => (await escrowChannel(stack, channelId)).totalClaimed === 3n * PRICE, "the voucher accepted during the withdrawal was not claimed");
    await claimAll();
    expect(await escrowChannel(stack, other.channelId)).toMatchObject({ totalClaimed: PRICE });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + 2n * PRICE);
  });
});

// Last in this file: it moves the chain's clock past the withdrawal delay, and deposits the client
// signs carry wall-clock validity, so no deposit can follow it.
describe("a timed withdrawal by the payer", () => {
  it("started while value is unclaimed: the edge's watch claims before it completes; the payer gets back only the unclaimed rest, payTo keeps everything charged", async () => {
    const { payer, c, terms, channelId } = await payingChannel(4);
    const charged = 4n * PRICE;
    const payToBefore = await usdcOf(stack, stack.payTo);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: 0n });

    const wallet = walletOf(payer);
    const config = contractConfig(c.scheme.buildChannelConfig(terms));
    const initiated = await wallet.writeContract({ address: BATCH_SETTLEMENT_ESCROW_ADDRESS, abi: batchSettlementEscrowAbi, functionName: "initiateWithdraw", args: [config, MIN_DEPOSIT] });
    expect((await wallet.waitForTransactionReceipt({ hash: initiated })).status).toBe("success");
    expect(await escrowChannel(stack, channelId)).toMatchObject({ withdrawAmount: MIN_DEPOSIT, totalClaimed: 0n });

    // The edge sees the WithdrawInitiated log and claims (and settles) on its own, well inside the delay.
    await until(async () => (await escrowChannel(stack, channelId)).totalClaimed === charged, "the edge never claimed the channel being withdrawn");
    await until(async () => (await usdcOf(stack, stack.payTo)) === payToBefore + charged, "the claimed value never reached payTo");
    await until(async () => (await owing(stack)).length === 0, "the channel still owes a claim");

    const testClient = createTestClient({ mode: "anvil", transport: http(stack.chain.rpcUrl) });
    await testClient.increaseTime({ seconds: WITHDRAW_DELAY + 1 });
    await testClient.mine({ blocks: 1 });
    const payerBefore = await usdcOf(stack, payer.address);
    const finalized = await wallet.writeContract({ address: BATCH_SETTLEMENT_ESCROW_ADDRESS, abi: batchSettlementEscrowAbi, functionName: "finalizeWithdraw", args: [config] });
    expect((await wallet.waitForTransactionReceipt({ hash: finalized })).status).toBe("success");

    expect(await usdcOf(stack, payer.address)).toBe(payerBefore + MIN_DEPOSIT - charged);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: charged, totalClaimed: charged, withdrawAmount: 0n });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + charged);
    const ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: 4, sum: charged });
  });
});

function walletOf(account: LocalAccount) {
  return createWalletClient({ account, chain: stack.chain.chain, transport: http(stack.chain.rpcUrl, { retryCount: 0 }), pollingInterval: 10 }).extend(publicActions);
}

/** The channel config as the escrow's ABI takes it. */
function contractConfig(config: { payer: string; payerAuthorizer: string; receiver: string; receiverAuthorizer: string; token: string; withdrawDelay: number; salt: string }) {
  return {
    payer: config.payer as Hex,
    payerAuthorizer: config.payerAuthorizer as Hex,
    receiver: config.receiver as Hex,
    receiverAuthorizer: config.receiverAuthorizer as Hex,
    token: config.token as Hex,
    withdrawDelay: config.withdrawDelay,
    salt: config.salt as Hex,
  };
}
