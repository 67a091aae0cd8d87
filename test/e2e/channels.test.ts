import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { PaymentPayload, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { toClientEvmSigner } from "@x402/evm";
import { computeChannelId, signVoucher } from "@x402/evm/batch-settlement/client";
import { recoverTypedDataAddress, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paymentRequiredOf, receiptOf } from "../../client/mcp/payment-required.ts";
import { MODEL_OUTPUT_FOR_EXAMPLE } from "../../dev/catalog-model-outputs.ts";
import { serviceById } from "../../protocol/catalog/catalog.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { readPaymentRequired, readReceipt } from "../../dev/x402-payments.ts";
import { channelFor, depositPayload, voucherPayload } from "../support/batch-payloads.ts";
import {
  BATCH,
  batchTerms,
  channelClient,
  channelIdFor,
  channelLedger,
  channelReceipt,
  claimEverything,
  escrowChannel,
  holdGenerations,
  jobsSeen,
  newPayer,
  owing,
  poster,
  saltOf,
  until,
  usdcOf,
  type ChannelClient,
} from "../support/channels.ts";

// x402 channels (batch-settlement) end to end: the official @x402/evm client pays a catalog service
// through wrangler dev, a runner process and the Ollama stand-in; deposits, claims and refunds land on
// anvil's escrow and Circle's USDC, and every test reconciles the payer, the escrow, payTo and the ledger
// to the base unit.
const PRICE = 1000n; // $0.001: 1,000 calls fit the default $1 minimum deposit
const MIN_DEPOSIT = 1_000_000n;
const SENTIMENT = { text: "great battery, awful support" };

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    runners: 1,
    // Text models only, so a vision model finds no runner; four jobs at once for the parallel channels.
    runnerEnv: { RUNNER_MODELS: "qwen2.5:7b,qwen2.5:0.5b", RUNNER_CONCURRENCY: "*=4" },
    standin: { numParallel: 4 },
    // Claims are made by the tests (POST /admin/channels/claim), not by the claim job's threshold.
    edgeEnv: { SERVICES: JSON.stringify({ sentiment: { price: PRICE.toString() } }), CHANNEL_CLAIM_THRESHOLD: "1000000000000" },
  });
  stack.standin.script({ content: JSON.stringify(MODEL_OUTPUT_FOR_EXAMPLE.sentiment) });
});
afterAll(async () => stack?.stop());

const sentimentUrl = () => `${stack.edge.url}/v1/sentiment`;
const buy = (c: ChannelClient, body: unknown = SENTIMENT) =>
  c.pay(sentimentUrl(), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const sentiment = () => poster(stack, "/v1/sentiment");

/** A paid call that must succeed; its receipt. */
async function paid(c: ChannelClient, body: unknown = SENTIMENT): Promise<SettleResponse> {
  const response = await buy(c, body);
  if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${await response.text()} ${response.headers.get("PAYMENT-REQUIRED") ?? ""}`);
  await response.arrayBuffer();
  return readReceipt(response);
}

const claimAll = () => claimEverything(stack);

async function refusalOf(response: Response) {
  expect(response.status).toBe(402);
  // A verification refusal is a plain 402: no receipt (a client would read one as a failed settlement).
  expect(response.headers.get("PAYMENT-RESPONSE")).toBeNull();
  return readPaymentRequired(response);
}

describe("many calls on one deposit", () => {
  it("1,000 paid calls on one channel, one deposit, then one claim: payer, escrow, payTo and ledger agree to the base unit", async () => {
    const payer = await newPayer(stack, 2n * MIN_DEPOSIT);
    const c = channelClient(stack, payer);
    const { terms } = await sentiment().quote(SENTIMENT);
    expect(terms).toMatchObject({ amount: PRICE.toString(), extra: { minDeposit: MIN_DEPOSIT.toString() } });
    const channelId = channelIdFor(c.scheme, terms);
    const [payerBefore, payToBefore] = await Promise.all([usdcOf(stack, payer.address), usdcOf(stack, stack.payTo)]);

    const N = 1000;
    const receipts: SettleResponse[] = [];
    const started = performance.now();
    for (let i = 0; i < N; i++) receipts.push(await paid(c));
    const elapsedMs = Math.round(performance.now() - started);
    console.log(`channels: ${N} paid calls on one channel in ${elapsedMs} ms (${(elapsedMs / N).toFixed(1)} ms per call, probe + paid request)`);

    // Two requests per call (probe, paid), never a corrective round trip; one deposit, then vouchers.
    expect(c.exchanges.filter((e) => e.paid).map((e) => e.status)).toEqual(Array(N).fill(200));
    const deposits = receipts.filter((r) => r.transaction !== "");
    expect(deposits).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ success: true, amount: MIN_DEPOSIT.toString() });
    expect(deposits[0]).toBe(receipts[0]);
    receipts.forEach((r, i) => {
      const extra = channelReceipt(r);
      expect(extra.chargedAmount).toBe(PRICE);
      expect(extra.channelState).toMatchObject({ channelId, chargedCumulativeAmount: (PRICE * BigInt(i + 1)).toString() });
    });
    const charged = receipts.reduce((sum, r) => sum + channelReceipt(r).chargedAmount!, 0n);
    expect(charged).toBe(PRICE * BigInt(N));
    expect(await usdcOf(stack, payer.address)).toBe(payerBefore - MIN_DEPOSIT);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: 0n });

    const report = await claimAll();
    expect(report.claims).toHaveLength(1);
    expect(report.settle?.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: charged });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + charged);
    expect(await usdcOf(stack, payer.address)).toBe(payerBefore - MIN_DEPOSIT);

    const ledger = await channelLedger(stack, payer.address);
    expect(ledger.count).toBe(N);
    expect(ledger.sum).toBe(charged);
    expect(ledger.rows.every((row) => row.authorized === PRICE.toString() && row.charged === PRICE.toString() && row.service === "sentiment")).toBe(true);
    // Each row names its channel and cumulative; only the first moved money on chain (the deposit).
    expect(new Set(ledger.rows.map((row) => row.settlementRef)).size).toBe(N);
    expect(ledger.rows.filter((row) => row.txHash).map((row) => row.txHash!.toLowerCase())).toEqual([deposits[0]!.transaction.toLowerCase()]);
  }, 240_000);
});

describe("nothing is charged for work that was not delivered", () => {
  it("a failed job in the middle (model error, stream cut, no runner for the model) charges nothing, and the channel goes on without a resync", async () => {
    const payer = await newPayer(stack, MIN_DEPOSIT);
    const c = channelClient(stack, payer);
    await paid(c);
    await paid(c);

    stack.standin.injectFailure({ mode: "http_500", message: "model crashed" });
    const crashed = await buy(c);
    expect(crashed.status).toBe(502);
    expect(crashed.headers.get("PAYMENT-RESPONSE")).toBeNull();
    expect(((await crashed.json()) as { error: { code: string } }).error.code).toBe("ollama_error");

    stack.standin.injectFailure({ mode: "drop_mid_stream", afterTokens: 2 });
    const dropped = await buy(c);
    expect(dropped.status).toBe(502);
    expect(dropped.headers.get("PAYMENT-RESPONSE")).toBeNull();
    await dropped.arrayBuffer();

    // The same channel pays for chat too: a model no runner has is refused after verification, unpaid.
    const vision = await c.pay(`${stack.edge.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: "hi" }], max_tokens: 8 }),
    });
    expect(vision.status).toBe(503);
    expect(((await vision.json()) as { error: { code: string } }).error.code).toBe("no_runner");
    expect(vision.headers.get("PAYMENT-RESPONSE")).toBeNull();

    let ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: 2, sum: 2n * PRICE });

    // The client's state was untouched by the failures, and the edge's charge too: the next voucher fits.
    const mark = c.exchanges.length;
    const next = await paid(c);
    expect(c.exchanges.slice(mark).map((e) => e.status)).toEqual([402, 200]);
    expect(channelReceipt(next).channelState?.chargedCumulativeAmount).toBe((3n * PRICE).toString());

    const channelId = channelReceipt(next).channelState!.channelId as Hex;
    await claimAll();
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: 3n * PRICE });
    ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: 3, sum: 3n * PRICE });
  });

  it("a first call whose job fails sends no deposit: the payer's USDC does not move, and the next call deposits once", async () => {
    const payer = await newPayer(stack, MIN_DEPOSIT);
    const c = channelClient(stack, payer);
    stack.standin.injectFailure({ mode: "http_500" });
    const failed = await buy(c);
    expect(failed.status).toBe(502);
    expect(await usdcOf(stack, payer.address)).toBe(MIN_DEPOSIT);
    const receipt = await paid(c);
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(receipt.amount).toBe(MIN_DEPOSIT.toString());
    expect(await usdcOf(stack, payer.address)).toBe(0n);
    const channelId = channelReceipt(receipt).channelState!.channelId as Hex;
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: 0n });
    await claimAll();
    expect((await escrowChannel(stack, channelId)).totalClaimed).toBe(PRICE);
  });
});

describe("one request at a time per channel; channels in parallel", () => {
  it("a second call on a channel while one is in flight: 402 channel_busy, no job, nothing charged; the first completes", async () => {
    const payer = await newPayer(stack, MIN_DEPOSIT);
    const c = channelClient(stack, payer);
    await paid(c);
    const jobs = jobsSeen(stack);
    const hold = holdGenerations(stack);
    let first: Promise<Response>;
    try {
      first = buy(c);
      await stack.standin.waitFor((s) => s.active > 0, 15_000);
      const second = await buy(c);
      expect((await refusalOf(second)).error).toBe("invalid_batch_settlement_evm_channel_busy");
      expect(jobsSeen(stack)).toBe(jobs + 1);
    } finally {
      hold.release();
    }
    const completed = await first!;
    expect(completed.status).toBe(200);
    expect(channelReceipt(readReceipt(completed)).channelState?.chargedCumulativeAmount).toBe((2n * PRICE).toString());
    const ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: 2, sum: 2n * PRICE });
    // The refused call left the client's state alone: the next one fits at once.
    const mark = c.exchanges.length;
    await paid(c);
    expect(c.exchanges.slice(mark).map((e) => e.status)).toEqual([402, 200]);
    await claimAll();
  });

  it("one payer's channels with other salts run their calls at the same time, none busy", async () => {
    const payer = await newPayer(stack, 4n * MIN_DEPOSIT);
    const clients = [0, 1, 2, 3].map((i) => channelClient(stack, payer, { salt: saltOf(`parallel-${i}`) }));
    const { terms } = await sentiment().quote(SENTIMENT);
    const ids = clients.map((c) => channelIdFor(c.scheme, terms));
    expect(new Set(ids).size).toBe(4);

    for (const round of [1n, 2n]) {
      const hold = holdGenerations(stack);
      let calls: Array<Promise<Response>>;
      try {
        calls = clients.map((c) => buy(c));
        // All four generations are at the stand-in at once: none waited for another's channel.
        await stack.standin.waitFor((s) => s.active >= 4, 20_000);
      } finally {
        hold.release();
      }
      const responses = await Promise.all(calls!);
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      responses.forEach((r, i) => expect(channelReceipt(readReceipt(r)).channelState).toMatchObject({ channelId: ids[i], chargedCumulativeAmount: (round * PRICE).toString() }));
    }
    expect(await usdcOf(stack, payer.address)).toBe(0n); // four deposits
    await claimAll();
    for (const id of ids) expect(await escrowChannel(stack, id)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: 2n * PRICE });
  });
});

describe("cooperative refund", () => {
  it("scheme.refund(url) returns exactly what is left, the ledger is unchanged, and a later call re-deposits on the same channel", async () => {
    const payer = await newPayer(stack, 3n * MIN_DEPOSIT);
    const c = channelClient(stack, payer);
    for (let i = 0; i < 5; i++) await paid(c);
    const { terms } = await sentiment().quote(SENTIMENT);
    const channelId = channelIdFor(c.scheme, terms);
    const charged = 5n * PRICE;
    const [payerBefore, payToBefore, ledgerBefore] = await Promise.all([usdcOf(stack, payer.address), usdcOf(stack, stack.payTo), channelLedger(stack, payer.address)]);

    const refund = await c.scheme.refund(sentimentUrl());
    expect(refund).toMatchObject({ success: true, amount: (MIN_DEPOSIT - charged).toString() });
    expect(refund.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await usdcOf(stack, payer.address)).toBe(payerBefore + MIN_DEPOSIT - charged);
    // The refund claimed what was charged in the same transaction: the escrow keeps exactly that.
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: charged, totalClaimed: charged });
    const ledgerAfter = await channelLedger(stack, payer.address);
    expect({ count: ledgerAfter.count, sum: ledgerAfter.sum }).toEqual({ count: ledgerBefore.count, sum: ledgerBefore.sum });
    expect(ledgerAfter.count).toBe(5);

    // Nothing left to refund: the client refuses before sending anything.
    await expect(c.scheme.refund(sentimentUrl())).rejects.toThrow();

    const again = await paid(c);
    expect(again.transaction).toMatch(/^0x[0-9a-f]{64}$/); // a top-up deposit …
    expect(channelReceipt(again).channelState).toMatchObject({ channelId, chargedCumulativeAmount: (charged + PRICE).toString() }); // … on the same channel
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: charged + MIN_DEPOSIT, totalClaimed: charged });
    await paid(c);

    await claimAll();
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: charged + MIN_DEPOSIT, totalClaimed: charged + 2n * PRICE });
    expect(await usdcOf(stack, stack.payTo)).toBe(payToBefore + charged + 2n * PRICE);
    expect(await usdcOf(stack, payer.address)).toBe(payerBefore + MIN_DEPOSIT - charged - MIN_DEPOSIT);
    const ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: 7, sum: charged + 2n * PRICE });
  });
});

describe("MCP tool calls paid by channel", () => {
  it("_meta[x402/payment] from the official BatchSettlementEvmScheme: the result, the receipt in _meta, charged the tool's price, one deposit", async () => {
    const payer = await newPayer(stack, MIN_DEPOSIT);
    const c = channelClient(stack, payer);
    const mcp = new Client({ name: "edge402-channels-e2e", version: "0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${stack.edge.url}/mcp`)));
    try {
      const tools = await mcp.listTools();
      const tool = tools.tools.find((t) => t.name === "sentiment")!;
      expect((tool._meta?.["edge402/price"] as { amount: string }).amount).toBe(PRICE.toString());
      const call = async (meta?: Record<string, unknown>) => (await mcp.callTool({ name: "sentiment", arguments: SENTIMENT, ...(meta ? { _meta: meta } : {}) })) as CallToolResult;

      let channelId: string | undefined;
      for (let i = 1n; i <= 3n; i++) {
        const required = paymentRequiredOf(await call());
        if (!required) throw new Error("expected PaymentRequired");
        const requirements = batchTerms(required);
        const created = await c.scheme.createPaymentPayload(2, requirements);
        const payment = { x402Version: 2, resource: required.resource, accepted: requirements, payload: created.payload } as PaymentPayload;
        const jobs = jobsSeen(stack);
        const result = await call({ "x402/payment": payment });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toEqual(serviceById("sentiment")!.example.output);
        expect(jobsSeen(stack)).toBe(jobs + 1);
        const receipt = receiptOf(result);
        expect(receipt).toMatchObject({ success: true, network: stack.network });
        const extra = channelReceipt(receipt!);
        expect(extra.chargedAmount).toBe(PRICE);
        expect(extra.channelState?.chargedCumulativeAmount).toBe((i * PRICE).toString());
        channelId ??= extra.channelState!.channelId;
        expect(extra.channelState!.channelId).toBe(channelId);
        expect(receipt!.transaction === "").toBe(i > 1n); // the first call deposits, the others are vouchers
        // What @x402/fetch does with a receipt: the client's channel state follows the edge's.
        await c.scheme.schemeHooks.onPaymentResponse!({ paymentPayload: payment, requirements, settleResponse: receipt! } as never);
      }
      expect(await usdcOf(stack, payer.address)).toBe(0n);
      const ledger = await channelLedger(stack, payer.address);
      expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: 3, sum: 3n * PRICE });
      await claimAll();
      expect(await escrowChannel(stack, channelId as Hex)).toMatchObject({ balance: MIN_DEPOSIT, totalClaimed: 3n * PRICE });
    } finally {
      await mcp.close();
    }
  });
});

describe("bad channel payments: a specific 402 reason, no job, nothing charged", () => {
  // A channel made by hand with a small deposit (2.5 calls), so its ceiling can be exceeded.
  const DEPOSIT = 2n * PRICE + PRICE / 2n;
  let payer: LocalAccount;
  let terms: PaymentRequirements;
  let channelId: Hex;
  let firstVoucher: Awaited<ReturnType<typeof voucherPayload>>;
  let usedDeposit: Awaited<ReturnType<typeof depositPayload>>;

  beforeAll(async () => {
    payer = await newPayer(stack, 2n * MIN_DEPOSIT);
    terms = (await sentiment().quote(SENTIMENT)).terms;
    channelId = channelFor(payer, terms).channelId.toLowerCase() as Hex;
    usedDeposit = await depositPayload(payer, terms, DEPOSIT, PRICE);
    expect((await sentiment().post(SENTIMENT, usedDeposit)).status).toBe(200);
    firstVoucher = await voucherPayload(payer, terms, 2n * PRICE);
    expect((await sentiment().post(SENTIMENT, firstVoucher)).status).toBe(200);
  });

  /** Sends `payment`; expects a refusal with `reason`, no job, and nothing charged or moved anywhere. */
  async function expectRefused(payment: unknown, reason: string) {
    const before = { jobs: jobsSeen(stack), usdc: await usdcOf(stack, payer.address), escrow: await escrowChannel(stack, channelId), ledger: await channelLedger(stack, payer.address) };
    const required = await refusalOf(await sentiment().post(SENTIMENT, payment));
    expect(required.error).toBe(reason);
    expect(jobsSeen(stack)).toBe(before.jobs);
    expect(await usdcOf(stack, payer.address)).toBe(before.usdc);
    expect(await escrowChannel(stack, channelId)).toEqual(before.escrow);
    const ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: before.ledger.count, sum: before.ledger.sum });
    return required;
  }

  /** A voucher payload for an arbitrary config (its id computed from it, unless given). */
  async function voucherFor(config: ReturnType<typeof channelFor>["config"], max: bigint, options: { channelId?: Hex; by?: LocalAccount; accepted?: Partial<PaymentRequirements> } = {}) {
    const id = options.channelId ?? (computeChannelId(config, terms.network) as Hex);
    const voucher = await signVoucher(toClientEvmSigner(options.by ?? payer), id, max.toString(), terms.network);
    return { x402Version: 2, accepted: { ...terms, ...options.accepted }, payload: { type: "voucher", channelConfig: config, voucher } };
  }
  const config = () => channelFor(payer, terms).config;
  const other = () => privateKeyToAccount(generatePrivateKey()).address;

  it("a voucher signed by another key: voucher_signature", async () => {
    await expectRefused(await voucherFor(config(), 3n * PRICE, { by: privateKeyToAccount(generatePrivateKey()) }), "invalid_batch_settlement_evm_voucher_signature");
  });

  it("a voucher for another channel than its config: channel_id_mismatch", async () => {
    const elsewhere = channelFor(payer, terms, saltOf("another channel")).channelId as Hex;
    await expectRefused(await voucherFor(config(), 3n * PRICE, { channelId: elsewhere }), "invalid_batch_settlement_evm_channel_id_mismatch");
  });

  it.each([
    ["another receiver", "invalid_batch_settlement_evm_receiver_mismatch", () => ({ receiver: other() })],
    ["another receiver authorizer", "invalid_batch_settlement_evm_receiver_authorizer_mismatch", () => ({ receiverAuthorizer: other() })],
    ["another token", "invalid_batch_settlement_evm_token_mismatch", () => ({ token: other() })],
    ["another withdrawal delay", "invalid_batch_settlement_evm_withdraw_delay_mismatch", () => ({ withdrawDelay: 1800 })],
    ["a withdrawal delay below the escrow's minimum", "invalid_batch_settlement_evm_withdraw_delay_out_of_range", () => ({ withdrawDelay: 60 })],
  ] as const)("a channel config with %s (its id and voucher consistent with it): %s", async (_what, reason, change) => {
    await expectRefused(await voucherFor({ ...config(), ...change() }, PRICE), reason);
  });

  it("accepted terms with another network: invalid_network; with another asset: invalid_payment_requirements", async () => {
    await expectRefused(await voucherFor(config(), 3n * PRICE, { accepted: { network: "eip155:84532" } }), "invalid_network");
    await expectRefused(await voucherFor(config(), 3n * PRICE, { accepted: { asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e" } }), "invalid_payment_requirements");
  });

  it("an older voucher replayed: cumulative_amount_mismatch, and the corrective 402 carries the channel's state and the payer's highest voucher", async () => {
    const required = await expectRefused(firstVoucher, "invalid_batch_settlement_evm_cumulative_amount_mismatch");
    const extra = batchTerms(required).extra as { channelState: Record<string, unknown>; voucherState: { signedMaxClaimable: string; signature: Hex } };
    expect(extra.channelState).toMatchObject({ channelId, balance: DEPOSIT.toString(), totalClaimed: "0", chargedCumulativeAmount: (2n * PRICE).toString() });
    expect(extra.voucherState.signedMaxClaimable).toBe((2n * PRICE).toString());
    // The payer's own signature over that ceiling: what lets the official client adopt the state.
    const signedBy = await recoverTypedDataAddress({
      domain: { name: "x402 Batch Settlement", version: "1", chainId: stack.chain.chainId, verifyingContract: stack.chain.batchSettlement.escrow },
      types: { Voucher: [{ name: "channelId", type: "bytes32" }, { name: "maxClaimableAmount", type: "uint128" }] },
      primaryType: "Voucher",
      message: { channelId, maxClaimableAmount: 2n * PRICE },
      signature: extra.voucherState.signature,
    });
    expect(signedBy).toBe(payer.address);
  });

  it("a voucher above the deposit: cumulative_exceeds_balance", async () => {
    await expectRefused(await voucherPayload(payer, terms, 3n * PRICE), "invalid_batch_settlement_evm_cumulative_exceeds_balance");
  });

  it("a voucher on a channel that has no deposit: channel_not_found", async () => {
    await expectRefused(await voucherPayload(payer, terms, PRICE, { salt: saltOf("never deposited") }), "invalid_batch_settlement_evm_channel_not_found");
  });

  it("a deposit whose authorization is not the payer's signature: receive_authorization_signature", async () => {
    const deposit = await depositPayload(payer, terms, MIN_DEPOSIT, 3n * PRICE);
    const auth = (deposit.payload as { deposit: { authorization: { erc3009Authorization: { signature: Hex } } } }).deposit.authorization.erc3009Authorization;
    const forged = await privateKeyToAccount(generatePrivateKey()).signMessage({ message: "not a ReceiveWithAuthorization" });
    auth.signature = forged;
    await expectRefused(deposit, "invalid_batch_settlement_evm_receive_authorization_signature");
  });

  it("a deposit authorization already used, with a fresh voucher: deposit_simulation_failed, the job cancelled, nothing charged", async () => {
    // The authorization verifies locally; only the chain knows it was spent, so the refusal comes
    // from the deposit's simulation, which runs alongside the job (and cancels it).
    const replay = { ...usedDeposit, payload: { ...usedDeposit.payload, voucher: (await voucherPayload(payer, terms, 3n * PRICE)).payload.voucher } };
    const before = { usdc: await usdcOf(stack, payer.address), escrow: await escrowChannel(stack, channelId), ledger: await channelLedger(stack, payer.address), completed: stack.standin.stats().streamsCompleted };
    const hold = holdGenerations(stack);
    let response: Response;
    try {
      response = await sentiment().post(SENTIMENT, replay);
    } finally {
      hold.release();
    }
    const required = await refusalOf(response);
    expect(required.error).toBe("invalid_batch_settlement_evm_deposit_simulation_failed");
    expect(stack.standin.stats().streamsCompleted).toBe(before.completed);
    expect(await usdcOf(stack, payer.address)).toBe(before.usdc);
    expect(await escrowChannel(stack, channelId)).toEqual(before.escrow);
    expect((await channelLedger(stack, payer.address)).count).toBe(before.ledger.count);
  });

  it("50 copies of one voucher sent at once: exactly one job and one charge, the other 49 channel_busy", async () => {
    // A fresh deposit first (the hand-made channel is nearly full), then the 50 copies of the next voucher.
    const topUp = await depositPayload(payer, terms, MIN_DEPOSIT, 3n * PRICE);
    const toppedUp = await sentiment().post(SENTIMENT, topUp);
    expect(toppedUp.status, toppedUp.headers.get("PAYMENT-REQUIRED") ?? toppedUp.headers.get("PAYMENT-RESPONSE") ?? "").toBe(200);
    const voucher = await voucherPayload(payer, terms, 4n * PRICE);
    const jobs = jobsSeen(stack);
    const ledgerBefore = await channelLedger(stack, payer.address);
    const hold = holdGenerations(stack);
    let responses: Response[];
    try {
      let answered = 0;
      const sent = Array.from({ length: 50 }, () => sentiment().post(SENTIMENT, voucher).then((r) => (answered++, r)));
      // The one that got the channel is held at the stand-in until all the others have their answer.
      await until(async () => answered >= 49, "49 copies were never answered");
      hold.release();
      responses = await Promise.all(sent);
    } finally {
      hold.release();
    }
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = responses.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(49);
    for (const r of refused) expect((await refusalOf(r)).error).toBe("invalid_batch_settlement_evm_channel_busy");
    expect(jobsSeen(stack)).toBe(jobs + 1);
    const ledger = await channelLedger(stack, payer.address);
    expect({ count: ledger.count, sum: ledger.sum }).toEqual({ count: ledgerBefore.count + 1, sum: ledgerBefore.sum + PRICE });

    await claimAll();
    expect(await escrowChannel(stack, channelId)).toMatchObject({ balance: DEPOSIT + MIN_DEPOSIT, totalClaimed: 4n * PRICE });
    expect(ledger.sum).toBe(4n * PRICE);
  });
});
