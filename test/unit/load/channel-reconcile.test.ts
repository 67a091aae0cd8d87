import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import type { ChannelCallResult } from "../../../scripts/load/channel-driver.ts";
import { reconcileChannels, type ChannelReconcileInput } from "../../../scripts/load/channel-reconcile.ts";

// The channel books of a load run: each source (receipts, ledger, escrow views, channel objects,
// token balances) can disagree on its own, and each disagreement must fail a check.
const PRICE = 10_000n;
const CALLS = 3;
const payers: Address[] = ["0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "0x976EA74026E726554dB657fA54763abd0C3a0aa9"];
const ids: Hex[] = [`0x${"a".repeat(64)}`, `0x${"b".repeat(64)}`];
const DEPOSIT = PRICE * BigInt(CALLS);

function call(slot: number, i: number): ChannelCallResult {
  const deposit = i === 0 ? { amount: DEPOSIT, transaction: `0x${String(slot + 1).repeat(64)}` } : null;
  return {
    status: 200, reason: "ok", latencyMs: 5, txHash: null, payer: payers[slot]!, nonce: ids[slot]!, retryAfter: null, stages: {}, body: "",
    channel: { channelId: ids[slot]!, charged: PRICE, chargedCumulative: PRICE * BigInt(i + 1), balance: DEPOSIT, remaining: DEPOSIT - PRICE * BigInt(i + 1), deposit, provisional: false },
  };
}

function consistent(): ChannelReconcileInput {
  const results = [0, 1].flatMap((slot) => Array.from({ length: CALLS }, (_, i) => call(slot, i)));
  const total = PRICE * BigInt(results.length);
  return {
    results,
    channels: [0, 1].map((slot) => ({ channelId: ids[slot]!, payer: payers[slot]! })),
    ledger: {
      rows: results.map((r) => ({ scheme: "batch-settlement", payer: r.payer, amount: String(PRICE), charged: String(PRICE), settlementRef: `${r.channel!.channelId}@${r.channel!.chargedCumulative}`, txHash: r.channel!.deposit?.transaction ?? null, runnerId: "rn_a" })),
      totals: { count: results.length, amount: total },
    },
    claim: { status: 200, claims: [{ transaction: "0x01", channels: 2, amount: total }], settle: { transaction: "0x02" }, failures: [] },
    escrow: ids.map((channelId) => ({ channelId, balance: DEPOSIT, totalClaimed: DEPOSIT })),
    receiverBefore: { totalClaimed: 0n, totalSettled: 0n },
    receiverAfter: { totalClaimed: total, totalSettled: total },
    owing: new Map(),
    before: { block: 1n, payTo: 0n, payers: new Map(payers.map((p) => [p, DEPOSIT])) },
    after: { block: 9n, payTo: total, payers: new Map(payers.map((p) => [p, 0n])) },
  };
}

const failed = (input: ChannelReconcileInput) => reconcileChannels(input).filter((c) => !c.ok).map((c) => c.name.split(":")[0]);

describe("load run reconciliation by channel", () => {
  it("passes when receipts, ledger, escrow, channel objects and balances agree", () => {
    expect(failed(consistent())).toEqual([]);
  });

  it("counts what a channel object still owes as charged: claimed + unclaimed", () => {
    const input = consistent();
    input.escrow = [{ channelId: ids[0]!, balance: DEPOSIT, totalClaimed: DEPOSIT - PRICE }, input.escrow[1]!];
    input.receiverAfter = { totalClaimed: input.receiverAfter.totalClaimed - PRICE, totalSettled: input.receiverAfter.totalSettled - PRICE };
    input.after = { ...input.after, payTo: input.after.payTo - PRICE };
    input.owing = new Map([[ids[0]!, PRICE]]);
    expect(failed(input)).toEqual([]);
  });

  it("flags a charge the ledger recorded that no agent got a receipt for", () => {
    const input = consistent();
    input.results = input.results.slice(1).concat({ ...input.results[0]!, status: 502, reason: "job_failed", channel: null });
    expect(failed(input)).toEqual(expect.arrayContaining(["count", "charged", "per channel", "settlement refs one-to-one", "deposits", "5xx other than shed 503s", "calls neither 200 nor shed"]));
  });

  it("flags a claim that fell short of what was charged (the escrow's view, not the edge's word)", () => {
    const input = consistent();
    input.escrow = [{ channelId: ids[0]!, balance: DEPOSIT, totalClaimed: DEPOSIT - 1n }, input.escrow[1]!];
    input.receiverAfter = { ...input.receiverAfter, totalClaimed: input.receiverAfter.totalClaimed - 1n };
    expect(failed(input)).toEqual(["charged", "per channel"]);
  });

  it("flags a payer balance that moved by more than its deposit, and a settle that did not reach payTo", () => {
    const input = consistent();
    input.after = { ...input.after, payTo: input.after.payTo - 1n, payers: new Map([[payers[0]!, -1n], [payers[1]!, 0n]]) };
    expect(failed(input)).toEqual(["deposits", "settled to payTo"]);
  });

  it("flags a failed operator claim even when the numbers add up", () => {
    const input = consistent();
    input.claim = { ...input.claim, status: 502, failures: ["rpc down"] };
    expect(failed(input)).toEqual(["claim"]);
  });
});
