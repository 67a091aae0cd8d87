import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PaymentEntry, RecoveredPayment } from "../../worker/payments/core/payment-book.ts";

// Each test uses its own ledger object, so they cannot see each other's rows.
const ledger = (name: string) => env.PAYMENT_LEDGER.getByName(name);
/** Keys of the exact scheme, whose nonces these tests reserve. */
const k = (replayKey: string) => ({ scheme: "exact", replayKey });
const reservation = (amount = "1000", validUntil = Math.floor(Date.now() / 1000) + 300) => ({ payer: "0xAbC0000000000000000000000000000000000001", amount, validUntil, leaseMs: 60_000 });
const settled = (replayKey: string, txHash: string, extra: Partial<PaymentEntry> & { amount?: string } = {}): PaymentEntry => {
  const { amount = "1000", ...rest } = extra;
  return {
  ...k(replayKey),
  network: "eip155:31337",
  payer: "0xAbC0000000000000000000000000000000000001",
  payTo: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  authorized: amount,
  charged: amount,
  service: "chat.completions",
  settlementRef: txHash,
  txHash,
  x402Version: 2,
  model: "qwen2.5:7b",
  runnerId: "rn_00000000000000000000",
  promptTokens: 10,
  completionTokens: 5,
  ...rest,
  };
};

const recovered = (replayKey: string, txHash: string): RecoveredPayment => ({
  ...k(replayKey),
  network: "eip155:31337",
  payer: "0xAbC0000000000000000000000000000000000001",
  payTo: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  amount: "1000",
  settlementRef: txHash,
  txHash,
  validUntil: Math.floor(Date.now() / 1000) + 300,
});

describe("PaymentLedger reservations", () => {
  it("reserves a nonce once, even when 50 reservations arrive at the same instant", async () => {
    const stub = ledger("race");
    const results = await Promise.all(Array.from({ length: 50 }, () => stub.reserve(k("k1"), reservation())));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.state === "in_flight")).toBe(true);
  });

  it("frees a released reservation (nothing was charged) and keeps a settled one", async () => {
    const stub = ledger("release");
    expect(await stub.reserve(k("k2"), reservation())).toEqual({ ok: true });
    await stub.release(k("k2"));
    expect(await stub.reserve(k("k2"), reservation())).toEqual({ ok: true });
    await stub.record(settled("k2", "0x" + "aa".repeat(32)));
    expect(await stub.reserve(k("k2"), reservation())).toEqual({ ok: false, state: "settled" });
    await stub.release(k("k2")); // a late release never frees a settled payment
    expect(await stub.reserve(k("k2"), reservation())).toEqual({ ok: false, state: "settled" });
  });

  it("never frees a payment whose transfer may still land", async () => {
    const stub = ledger("pending");
    await stub.reserve(k("k3"), reservation());
    await stub.markPending(k("k3"), "0x" + "bb".repeat(32));
    await stub.release(k("k3"));
    expect(await stub.reserve(k("k3"), reservation())).toEqual({ ok: false, state: "pending" });
  });

  it("lets an abandoned reservation (its Worker died mid-job) be taken again once its lease ran out", async () => {
    const stub = ledger("lease");
    expect(await stub.reserve(k("k4"), { ...reservation(), leaseMs: -1 })).toEqual({ ok: true });
    expect(await stub.reserve(k("k4"), reservation())).toEqual({ ok: true });
  });

  it("survives a restart of the object", async () => {
    const stub = ledger("restart");
    await stub.reserve(k("k5"), reservation());
    await stub.record(settled("k5", "0x" + "cc".repeat(32)));
    // abort() ends the object the way a crash or a deploy does: memory gone, SQLite storage kept.
    await expect(runInDurableObject(stub, (_instance, state) => state.abort("test restart"))).rejects.toThrow("test restart");
    expect(await ledger("restart").reserve(k("k5"), reservation())).toEqual({ ok: false, state: "settled" });
    expect((await ledger("restart").list({ limit: 10, offset: 0 })).totals.count).toBe(1);
  });

  it("prunes settled reservations after their validBefore (the chain refuses them by then) and expired leases", async () => {
    const stub = ledger("prune");
    await stub.reserve(k("old"), reservation("1", Math.floor(Date.now() / 1000) - 3600));
    await stub.record(settled("old", "0x" + "dd".repeat(32)));
    await stub.reserve(k("fresh"), reservation());
    await stub.record(settled("fresh", "0x" + "ee".repeat(32)));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.reserve(k("old"), reservation())).toEqual({ ok: true });
    expect(await stub.reserve(k("fresh"), reservation())).toEqual({ ok: false, state: "settled" });
  });

  it("admits a payer's payments in reservation order, up to its balance", async () => {
    const stub = ledger("spend");
    for (const key of ["a", "b", "c"]) await stub.reserve(k(key), reservation("400"));
    expect(await stub.admitSpend(k("a"), "1000")).toEqual({ ok: true });
    expect(await stub.admitSpend(k("b"), "1000")).toEqual({ ok: true });
    expect(await stub.admitSpend(k("c"), "1000")).toEqual({ ok: false, inFlight: "1200" });
  });
});

describe("PaymentLedger listing", () => {
  it("lists newest first with exact integer totals, overall and per service, and filters", async () => {
    const stub = ledger("list");
    const big = (2n ** 62n).toString(); // beyond 2^53: a float sum would lose it
    await stub.record(settled("x1", "0x" + "01".repeat(32), { amount: big }));
    await stub.record(settled("x2", "0x" + "02".repeat(32), { amount: "7", service: "embeddings" }));
    await stub.record(settled("x3", "0x" + "03".repeat(32), { amount: "5", payer: "0x000000000000000000000000000000000000dEaD" }));
    const page = await stub.list({ limit: 10, offset: 0 });
    expect(page.payments.map((p) => p.txHash)).toEqual(["0x" + "03".repeat(32), "0x" + "02".repeat(32), "0x" + "01".repeat(32)]);
    expect(page.totals.count).toBe(3);
    expect(page.totals.amount).toBe((2n ** 62n + 12n).toString());
    expect(page.totals.byService).toEqual([
      { service: "chat.completions", count: 2, amount: (2n ** 62n + 5n).toString() },
      { service: "embeddings", count: 1, amount: "7" },
    ]);
    const byPayer = await stub.list({ limit: 10, offset: 0, payer: "0x000000000000000000000000000000000000DEAD" });
    expect(byPayer.payments).toHaveLength(1);
    expect(byPayer.totals.amount).toBe("5");
  });

  it("records a streamed job's token counts when its stream ends", async () => {
    const stub = ledger("usage");
    const tx = "0x" + "04".repeat(32);
    await stub.record(settled("u1", tx, { promptTokens: null, completionTokens: null }));
    await stub.recordUsage(k("u1"), { promptTokens: 12, completionTokens: 34 });
    expect((await stub.list({ limit: 1, offset: 0 })).payments[0]).toMatchObject({ promptTokens: 12, completionTokens: 34 });
  });
});

describe("PaymentLedger recovered settlements (transfers on chain that no paid call recorded)", () => {
  it("lists a transfer whose paid call died mid-settlement, and its nonce is used from then on (was: charged on chain, never in the ledger)", async () => {
    const stub = ledger("recover-orphan");
    const tx = "0x" + "05".repeat(32);
    await stub.reserve(k("r1"), reservation());
    await stub.markPending(k("r1"), tx);
    await stub.recordRecovered([recovered("r1", tx), recovered("r2", "0x" + "06".repeat(32))]);
    expect(await stub.reserve(k("r1"), reservation())).toEqual({ ok: false, state: "settled" });
    expect(await stub.reserve(k("r2"), reservation())).toEqual({ ok: false, state: "settled" }); // released before the transfer landed
    const page = await stub.list({ limit: 10, offset: 0 });
    expect(page.payments.map((p) => [p.txHash, p.service, p.x402Version, p.model])).toEqual([
      ["0x" + "06".repeat(32), "recovered", 0, null],
      [tx, "recovered", 0, null],
    ]);
  });

  it("leaves a payment the paid call recorded as it is, and lets a late paid call fill in a recovered one", async () => {
    const stub = ledger("recover-known");
    const known = "0x" + "07".repeat(32);
    const late = "0x" + "08".repeat(32);
    await stub.record(settled("k1", known));
    await stub.recordRecovered([recovered("k1", known), recovered("k2", late)]);
    await stub.recordRecovered([recovered("k2", late)]); // a second sweep changes nothing
    await stub.record(settled("k2", late, { service: "sentiment" }));
    const page = await stub.list({ limit: 10, offset: 0 });
    expect(page.totals.count).toBe(2);
    expect(page.payments.map((p) => [p.txHash, p.service, p.x402Version, p.model])).toEqual([
      [late, "sentiment", 2, "qwen2.5:7b"],
      [known, "chat.completions", 2, "qwen2.5:7b"],
    ]);
  });
});
