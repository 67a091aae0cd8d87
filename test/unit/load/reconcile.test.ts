import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import type { BalanceSnapshot, ChainTransfer } from "../../../scripts/load/chain-audit.ts";
import type { CallResult } from "../../../scripts/load/driver.ts";
import { parseServerTiming } from "../../../scripts/load/driver.ts";
import type { LedgerRead } from "../../../scripts/load/ledger.ts";
import { reconcile, type ReconcileInput } from "../../../scripts/load/reconcile.ts";
import { summarizeLatency } from "../../../scripts/load/stats.ts";

const PRICE = 10_000n;
const payers: Address[] = ["0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", "0x976EA74026E726554dB657fA54763abd0C3a0aa9"];
const hash = (i: number) => `0x${i.toString(16).padStart(64, "0")}` as Hex;
const nonce = (i: number) => `0x${(1000 + i).toString(16).padStart(64, "0")}` as Hex;

const ok = (i: number): CallResult => ({ status: 200, reason: "ok", latencyMs: 10, txHash: hash(i), payer: payers[i % 2]!, nonce: nonce(i), retryAfter: null, stages: {}, body: "" });
const shed = (i: number): CallResult => ({ status: 503, reason: "runner_busy", latencyMs: 5, txHash: null, payer: payers[i % 2]!, nonce: nonce(i), retryAfter: "5", stages: {}, body: "" });

/** The books of `count` successful calls, all consistent. */
function consistent(count: number): ReconcileInput {
  const results = Array.from({ length: count }, (_, i) => ok(i));
  const ledger: LedgerRead = {
    rows: results.map((r) => ({ scheme: "exact", payer: r.payer.toLowerCase(), amount: String(PRICE), charged: String(PRICE), settlementRef: r.txHash!, txHash: r.txHash!, runnerId: "rn_a" })),
    totals: { count, amount: PRICE * BigInt(count) },
  };
  const transfers: ChainTransfer[] = results.map((r) => ({ txHash: r.txHash!, from: r.payer, value: PRICE }));
  const spentBy = (payer: Address) => PRICE * BigInt(results.filter((r) => r.payer === payer).length);
  const before: BalanceSnapshot = { block: 10n, payTo: 0n, payers: new Map(payers.map((p) => [p, 1_000_000_000n])) };
  const after: BalanceSnapshot = { block: 10n + BigInt(count), payTo: PRICE * BigInt(count), payers: new Map(payers.map((p) => [p, 1_000_000_000n - spentBy(p)])) };
  return { results, price: PRICE, ledger, transfers, before, after, refusedButCharged: 0 };
}

const failed = (input: ReconcileInput) => reconcile(input).filter((c) => !c.ok).map((c) => c.name);

describe("load run reconciliation", () => {
  it("passes when receipts, ledger and chain are the same payments, and shed 503s charged nothing", () => {
    const input = consistent(6);
    expect(failed({ ...input, results: [...input.results, shed(7)] })).toEqual([]);
  });

  it("flags a settled payment the agent never got a 200 for (ledger and chain have one more)", () => {
    const input = consistent(6);
    expect(failed({ ...input, results: input.results.slice(1) })).toEqual([
      "count: 200s = ledger rows = Transfer events",
      "amount: 200s × price = ledger = events = payTo Δ = payers' −Δ",
      "tx hashes one-to-one: receipts ↔ ledger ↔ chain",
    ]);
  });

  it("flags a 200 whose settlement the ledger did not record", () => {
    const input = consistent(6);
    const ledger = { rows: input.ledger.rows.slice(1), totals: { count: 5, amount: PRICE * 5n } };
    expect(failed({ ...input, ledger })).toEqual([
      "count: 200s = ledger rows = Transfer events",
      "amount: 200s × price = ledger = events = payTo Δ = payers' −Δ",
      "tx hashes one-to-one: receipts ↔ ledger ↔ chain",
    ]);
  });

  it("flags two receipts carrying the same transaction, even when the counts agree", () => {
    const input = consistent(6);
    const results = input.results.map((r, i) => (i === 1 ? { ...r, txHash: hash(0) } : r));
    const check = reconcile({ ...input, results }).find((c) => c.name.startsWith("tx hashes"))!;
    expect(check).toMatchObject({ ok: false, detail: "1 duplicate(s) in receipts; 1 in ledger not in receipts" });
  });

  it("flags a Transfer of the wrong amount and a balance that moved without a ledger row", () => {
    const input = consistent(4);
    const transfers = input.transfers.map((t, i) => (i === 0 ? { ...t, value: PRICE + 1n } : t));
    expect(failed({ ...input, transfers })).toEqual([
      "amount: 200s × price = ledger = events = payTo Δ = payers' −Δ",
      "Transfer events: from a payer, exactly the price",
    ]);
  });

  it("counts a 503 that is not the edge's own capacity refusal (a dev proxy's reset) as a failure, not as shed", () => {
    const input = consistent(3);
    const proxied: CallResult = { ...shed(9), reason: "http_503", retryAfter: "0", body: "Your worker restarted mid-request." };
    expect(failed({ ...input, results: [...input.results, proxied] })).toEqual(["5xx other than shed 503s", "calls neither 200 nor shed"]);
  });

  it("fails on any 5xx that is not a shed 503, on a refused call that was charged anyway, and on a 200 without a receipt", () => {
    const input = consistent(3);
    const broken: CallResult = { ...shed(9), status: 502, reason: "runner_disconnected", retryAfter: null };
    expect(failed({ ...input, results: [...input.results, broken], refusedButCharged: 1 })).toEqual([
      "refused calls charged on chain",
      "5xx other than shed 503s",
      "calls neither 200 nor shed",
    ]);
  });
});

describe("load run statistics", () => {
  it("takes nearest-rank p50/p99/max from every sample", () => {
    const samples = Array.from({ length: 200 }, (_, i) => 200 - i); // 1..200, unsorted
    expect(summarizeLatency(samples)).toEqual({ count: 200, p50: 100, p99: 198, max: 200 });
    expect(summarizeLatency([7])).toEqual({ count: 1, p50: 7, p99: 7, max: 7 });
  });

  it("reads the edge's Server-Timing stages", () => {
    expect(parseServerTiming("verify;dur=1, reserve;dur=3, job;dur=40, settle;dur=12")).toEqual({ verify: 1, reserve: 3, job: 40, settle: 12 });
    expect(parseServerTiming(null)).toEqual({});
  });
});
