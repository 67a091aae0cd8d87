import { keccak256, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ANVIL_KEYS } from "../../../dev/chain/accounts.ts";
import type { ContractCall, MinedReceipt } from "../../../worker/chain/chain-client.ts";
import { DEFAULT_RELAYER_TIMING, RelayerCore, type LandedTx, type RelayerTiming, type SendOutcome, type SendRequest } from "../../../worker/chain/relayer/relayer-core.ts";
import { MemoryTxJournal, type JournaledTx } from "../../../worker/chain/relayer/tx-journal.ts";
import { FakeChain, FakeNodeError, type FakeTx } from "./support/fake-chain.ts";
import { VirtualClock } from "./support/virtual-clock.ts";

// RelayerCore against an in-memory chain (support/fake-chain.ts) in virtual time: nonces, gaps,
// lost answers, parked transactions and their replacements, receipts, the journal and the sweep, in
// milliseconds. The real node path (viem over JSON-RPC, anvil) is left to the end-to-end tests.

const signer = privateKeyToAccount(ANVIL_KEYS[0]);
const RELAYER = signer.address.toLowerCase() as Address;
const TOKEN = `0x${"ab".repeat(20)}` as Address;
const CHAIN_ID = 31_337;

const bump = (fee: bigint) => (fee * 5n) / 4n + 1n;

/** A distinct contract call (its calldata is never decoded: it only tells the calls apart). */
function call(n: number, gas: bigint | null = 90_000n): ContractCall {
  return { to: TOKEN, data: `0xa9059cbb${n.toString(16).padStart(8, "0")}`, gas };
}

const isGapFill = (tx: Omit<FakeTx, "from">) => tx.to === RELAYER && tx.value === 0n && tx.data === "0x";

/**
 * A relayer on a fake chain, in virtual time. Every raw transaction the fake receives is checked
 * against the journal at that moment (`unjournaled` lists those it did not hold with their nonce).
 */
function harness(options: { timing?: Partial<RelayerTiming>; chain?: FakeChain; journal?: MemoryTxJournal; clock?: VirtualClock } = {}) {
  const chain = options.chain ?? new FakeChain();
  const journal = options.journal ?? new MemoryTxJournal();
  const clock = options.clock ?? new VirtualClock();
  const checked: Hex[] = [];
  const unjournaled: Hex[] = [];
  chain.onSend = (tx) => {
    if (isGapFill(tx)) return;
    checked.push(tx.hash);
    if (!journal.all().some((e) => e.hash === tx.hash && e.nonce === tx.nonce && e.state === "sent")) unjournaled.push(tx.hash);
  };
  const relayer = new RelayerCore({ client: chain, signer, chainId: CHAIN_ID, journal, timing: options.timing, now: clock.now, sleep: clock.sleep });
  const landed: LandedTx[][] = [];
  return {
    chain,
    journal,
    clock,
    relayer,
    checked,
    unjournaled,
    landed,
    send: (request: SendRequest) => clock.run(relayer.send(request)),
    /** A sweep whose onLanded records what it was given. */
    sweep: () => clock.run(relayer.sweep(async (txs) => void landed.push(txs))),
    /** The same journal and chain, a new instance: what a restarted Durable Object sees. */
    restart: () => new RelayerCore({ client: chain, signer, chainId: CHAIN_ID, journal, timing: options.timing, now: clock.now, sleep: clock.sleep }),
  };
}

function mined(outcome: SendOutcome): MinedReceipt {
  if (outcome.status !== "mined") throw new Error(`expected mined, got ${JSON.stringify(outcome)}`);
  return outcome.receipt;
}

function entry(journal: MemoryTxJournal, hash: Hex): JournaledTx | undefined {
  return journal.all().find((e) => e.hash === hash);
}

/** A journal entry for a transaction signed but never sent (the instance stopped in between). */
async function journalUnsent(journal: MemoryTxJournal, nonce: number, extra: { memo?: unknown; expiresAt?: number | null; now: number }) {
  const serialized = await signer.signTransaction({ type: "eip1559", chainId: CHAIN_ID, to: TOKEN, data: "0xdead", gas: 90_000n, nonce, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
  const hash = keccak256(serialized);
  journal.sent({ hash, nonce, memo: extra.memo ?? null, expiresAt: extra.expiresAt ?? null }, extra.now);
  return hash;
}

describe("nonces", () => {
  it("hands concurrent sends consecutive nonces in the order they were made, synced once from the pending count", async () => {
    const h = harness();
    h.chain.seedNonce(signer.address, 7);
    const outcomes = await h.clock.run(Promise.all([0, 1, 2, 3, 4].map((n) => h.relayer.send({ call: call(n) }))));

    expect(h.chain.calls.transactionCount).toBe(1);
    const nonceOf = (hash: Hex) => h.chain.sent.find((tx) => tx.hash === hash)!.nonce;
    expect(outcomes.map((o) => nonceOf(mined(o).hash))).toEqual([7, 8, 9, 10, 11]);
    expect(outcomes.map((o) => h.chain.sent.find((tx) => tx.hash === mined(o).hash)!.data)).toEqual([0, 1, 2, 3, 4].map((n) => call(n).data));
    expect(outcomes.every((o) => mined(o).status === "success")).toBe(true);
    expect(h.chain.minedNonce(signer.address)).toBe(12);
  });

  it("keeps counting from its own nonce between sends (no second sync) and reuses fees within feeCacheMs", async () => {
    const h = harness({ timing: { feeCacheMs: 5_000 } });
    await h.send({ call: call(0) });
    await h.clock.advance(1_000);
    await h.send({ call: call(1) });
    expect(h.chain.calls.transactionCount).toBe(1);
    expect(h.chain.calls.estimateFeesPerGas).toBe(1);
    await h.clock.advance(10_000);
    h.chain.fees = { maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_500_000_000n };
    await h.send({ call: call(2) });
    expect(h.chain.calls.estimateFeesPerGas).toBe(2);
    expect(h.chain.sent.map((tx) => [tx.nonce, tx.maxFeePerGas])).toEqual([
      [0, 2_000_000_000n],
      [1, 2_000_000_000n],
      [2, 3_000_000_000n],
    ]);
  });

  it("estimates gas (×1.2) for gas: null, and a call whose estimation reverts is not_sent, reverted, and consumes no nonce", async () => {
    const h = harness();
    const bad = call(1, null);
    h.chain.estimateGasFor = (_from, c) => {
      if (c.data === bad.data) throw new FakeNodeError("execution reverted: FiatTokenV2: invalid signature");
      return 100_000n;
    };
    const [first, refused, second] = await h.clock.run(Promise.all([h.relayer.send({ call: call(0, null) }), h.relayer.send({ call: bad }), h.relayer.send({ call: call(2, null) })]));

    expect(refused).toEqual({ status: "not_sent", message: expect.stringContaining("invalid signature"), reverted: true });
    expect(h.chain.sent.map((tx) => [tx.nonce, tx.data, tx.gas])).toEqual([
      [0, call(0).data, 120_000n],
      [1, call(2).data, 120_000n],
    ]);
    expect(mined(first).status).toBe("success");
    expect(mined(second).status).toBe("success");
    expect(h.journal.all().map((e) => e.nonce)).toEqual([0, 1]); // nothing journaled for the refused one
  });

  it("a node that cannot be reached before anything is sent: not_sent (not reverted), nothing journaled, the nonce synced again next time", async () => {
    const h = harness();
    h.chain.unreachable = true;
    const estimated = await h.send({ call: call(0, null) });
    const fixed = await h.send({ call: call(1) });
    expect(estimated).toMatchObject({ status: "not_sent", reverted: false });
    expect(fixed).toMatchObject({ status: "not_sent", reverted: false, message: expect.stringContaining("could not prepare") });
    expect(h.journal.isEmpty).toBe(true);

    h.chain.unreachable = false;
    const later = await h.send({ call: call(2) });
    expect(h.chain.sent.map((tx) => tx.nonce)).toEqual([0]);
    expect(mined(later).status).toBe("success");
  });
});

describe("a send error", () => {
  it("the node does not know the transaction and later nonces are out: not_sent, and the gap is filled with a 0-value self-transfer so the later ones mine", async () => {
    const h = harness();
    h.chain.scriptSend((tx) => tx.data === call(0).data, { kind: "refuse", message: "connection reset by peer" });
    const send = (n: number) => h.relayer.send({ call: call(n), memo: { n } });
    const [first, second, third] = await h.clock.run(Promise.all([send(0), send(1), send(2)]));

    expect(first).toEqual({ status: "not_sent", message: expect.stringContaining("connection reset by peer"), reverted: false });
    const fill = h.chain.sent.filter(isGapFill);
    expect(fill).toHaveLength(1);
    expect(fill[0]).toMatchObject({ nonce: 0, to: RELAYER, value: 0n, gas: 21_000n });
    expect(h.chain.sentWithNonce(0).map((tx) => tx.data)).toEqual([call(0).data, "0x"]);
    expect(mined(second).status).toBe("success");
    expect(mined(third).status).toBe("success");
    expect(h.chain.minedNonce(signer.address)).toBe(3);

    // The next send carries on after them (the gap was filled, so no resync was needed).
    await h.send({ call: call(3) });
    expect(h.chain.calls.transactionCount).toBe(1);
    expect(h.chain.sent.at(-1)!.nonce).toBe(3);

    // The refused one stayed journaled (the node might have lied) until the sweep sees its nonce taken.
    expect(h.journal.all().filter((e) => e.nonce === 0 && e.state === "sent")).toHaveLength(1);
    expect(await h.sweep()).toEqual({ remaining: true }); // the acknowledged ones are in their grace time
    expect(h.journal.all().filter((e) => e.nonce === 0)).toHaveLength(0);
    expect(h.landed).toEqual([]);
  });

  it("the node does not know the transaction and nothing later is out: not_sent, no gap filler, and the nonce is synced from the chain next time", async () => {
    const h = harness();
    h.chain.scriptSends({ kind: "refuse", message: "execution reverted: nonce already used" });
    const refused = await h.send({ call: call(0) });
    expect(refused).toEqual({ status: "not_sent", message: expect.stringContaining("nonce already used"), reverted: true });
    expect(h.chain.sent.filter(isGapFill)).toEqual([]);

    const next = await h.send({ call: call(1) });
    expect(h.chain.calls.transactionCount).toBe(2);
    expect(h.chain.sent.map((tx) => tx.nonce)).toEqual([0, 0]);
    expect(mined(next).status).toBe("success");
  });

  it("the gap filler cannot be sent either: the nonce is synced again and the next send uses the gap itself", async () => {
    const h = harness();
    h.chain.scriptSend((tx) => tx.data === call(0).data, { kind: "refuse" });
    h.chain.scriptSend(isGapFill, { kind: "refuse" });
    const both = Promise.all([h.relayer.send({ call: call(0) }), h.relayer.send({ call: call(1) })]);
    await h.clock.advance(1_000); // the first is refused, the second waits behind the gap
    expect(h.chain.mempool().map((tx) => tx.nonce)).toEqual([1]);
    const third = await h.send({ call: call(2) });
    const [first, second] = await h.clock.run(both);

    expect(first.status).toBe("not_sent");
    expect(h.chain.sent.filter(isGapFill)).toHaveLength(1);
    expect(h.chain.calls.transactionCount).toBe(2);
    expect(h.chain.sent.filter((tx) => !isGapFill(tx)).map((tx) => [tx.data, tx.nonce])).toEqual([
      [call(0).data, 0],
      [call(1).data, 1],
      [call(2).data, 0],
    ]);
    expect(mined(third).status).toBe("success");
    expect(mined(second).status).toBe("success");
  });

  it("the node took it but the answer was lost: its receipt is awaited and the outcome is mined", async () => {
    const h = harness();
    h.chain.automine = false;
    h.chain.scriptSends({ kind: "lose-answer" });
    h.clock.after(3_000, () => h.chain.mine());
    const outcome = await h.send({ call: call(0), memo: { id: "a" } });

    const receipt = mined(outcome);
    expect(receipt).toMatchObject({ hash: h.chain.sent[0]!.hash, status: "success" });
    expect(entry(h.journal, receipt.hash)).toMatchObject({ state: "acknowledged", memo: { id: "a" } });
    // The nonce was used: the next send carries on without asking the chain.
    h.chain.automine = true;
    await h.send({ call: call(1) });
    expect(h.chain.calls.transactionCount).toBe(1);
    expect(h.chain.sent.map((tx) => tx.nonce)).toEqual([0, 1]);
  });

  it("the node cannot be asked: unknown with the hash, the journal keeps it, and the sweep hands it on once it shows up mined", async () => {
    const h = harness();
    h.chain.scriptSends({ kind: "unreachable", took: true });
    const outcome = await h.send({ call: call(0), memo: { id: "u" }, expiresAt: null });

    const hash = h.chain.sent[0]!.hash;
    expect(outcome).toEqual({ status: "unknown", hash, message: expect.stringContaining(hash) });
    expect(h.journal.all()).toEqual([expect.objectContaining({ hash, state: "sent", nonce: 0, memo: { id: "u" } })]);

    expect(await h.sweep()).toEqual({ remaining: true }); // still unreachable: it stays
    expect(h.landed).toEqual([]);

    h.chain.unreachable = false;
    expect(await h.sweep()).toEqual({ remaining: false });
    expect(h.landed).toEqual([[{ hash, memo: { id: "u" }, receipt: expect.objectContaining({ hash, status: "success" }) }]]);

    // The nonce is synced again: the node counts the one it took.
    await h.send({ call: call(1) });
    expect(h.chain.sent.at(-1)!.nonce).toBe(1);
  });
});

describe("a stuck transaction", () => {
  it("is replaced after resendAfterMs with the same nonce and fees ×1.25 (+1 wei), journaled before it leaves; the replacement lands and the original is forgotten", async () => {
    const h = harness({ timing: { resendAfterMs: 6_000 } });
    const start = h.clock.now();
    let replacementSentAt: number | null = null;
    h.chain.park = (tx) => tx.maxFeePerGas === h.chain.fees.maxFeePerGas; // the first one only
    const onSend = h.chain.onSend!;
    h.chain.onSend = (tx) => {
      onSend(tx);
      if (tx.maxFeePerGas !== h.chain.fees.maxFeePerGas) replacementSentAt ??= h.clock.now();
    };
    const outcome = await h.send({ call: call(0), memo: { id: "p" }, expiresAt: start + 600_000 });

    const [original, replacement] = h.chain.sent;
    expect(h.chain.sent).toHaveLength(2);
    expect(replacement).toMatchObject({
      nonce: original!.nonce,
      to: original!.to,
      data: original!.data,
      gas: original!.gas,
      maxFeePerGas: bump(original!.maxFeePerGas),
      maxPriorityFeePerGas: bump(original!.maxPriorityFeePerGas),
    });
    expect(replacementSentAt! - start).toBeGreaterThanOrEqual(6_000);
    expect(mined(outcome).hash).toBe(replacement!.hash);
    expect(h.chain.dropped).toEqual([original!.hash]);
    expect(h.journal.all()).toEqual([expect.objectContaining({ hash: replacement!.hash, state: "acknowledged", nonce: 0, memo: { id: "p" }, expiresAt: start + 600_000 })]);
    expect(h.unjournaled).toEqual([]);
    expect(h.checked).toEqual([original!.hash, replacement!.hash]);
  });

  it("whichever lands is the outcome: the original mined after a replacement was sent (and refused) wins, and the replacement is forgotten", async () => {
    const h = harness({ timing: { resendAfterMs: 6_000 } });
    h.chain.automine = false;
    h.chain.scriptSend((tx) => tx.maxFeePerGas !== h.chain.fees.maxFeePerGas, { kind: "refuse", message: "replacement transaction underpriced" });
    h.clock.after(8_000, () => h.chain.mine());
    const outcome = await h.send({ call: call(0) });

    const [original, replacement] = h.chain.sent;
    expect(h.chain.sent).toHaveLength(2);
    expect(replacement!.nonce).toBe(0);
    expect(mined(outcome).hash).toBe(original!.hash);
    expect(h.journal.all()).toEqual([expect.objectContaining({ hash: original!.hash, state: "acknowledged" })]);
  });

  it("is replaced at most maxResends times, fees bumped each time; no receipt by receiptTimeoutMs is unknown; the sweep later hands on the one that landed and forgets the losers", async () => {
    const h = harness({ timing: { resendAfterMs: 6_000, maxResends: 3, receiptTimeoutMs: 60_000 } });
    h.chain.park = () => true;
    const start = h.clock.now();
    const outcome = await h.send({ call: call(0), memo: { id: "stuck" } });

    const sent = h.chain.sent;
    expect(sent).toHaveLength(4);
    expect(sent.map((tx) => tx.nonce)).toEqual([0, 0, 0, 0]);
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i]!.maxFeePerGas).toBe(bump(sent[i - 1]!.maxFeePerGas));
      expect(sent[i]!.maxPriorityFeePerGas).toBe(bump(sent[i - 1]!.maxPriorityFeePerGas));
    }
    expect(outcome).toEqual({ status: "unknown", hash: sent[0]!.hash, message: expect.stringContaining("no receipt") });
    expect(h.clock.now() - start).toBeGreaterThanOrEqual(60_000);
    expect(h.journal.all().map((e) => [e.hash, e.state, e.nonce])).toEqual(sent.map((tx) => [tx.hash, "sent", 0]));
    expect(h.unjournaled).toEqual([]);

    // The last replacement is the one the node holds; it lands at last.
    h.chain.release(sent[3]!.hash);
    expect(await h.sweep()).toEqual({ remaining: false });
    expect(h.landed).toEqual([[{ hash: sent[3]!.hash, memo: { id: "stuck" }, receipt: expect.objectContaining({ status: "success" }) }]]);
  });

  it("maxResends: 1 sends one replacement at most", async () => {
    const h = harness({ timing: { resendAfterMs: 2_000, maxResends: 1, receiptTimeoutMs: 30_000 } });
    h.chain.park = () => true;
    const outcome = await h.send({ call: call(0) });
    expect(outcome.status).toBe("unknown");
    expect(h.chain.sent).toHaveLength(2);
  });

  it("no receipt by receiptTimeoutMs (and no resend due): unknown, still journaled", async () => {
    const h = harness({ timing: { receiptTimeoutMs: 10_000, resendAfterMs: 60_000 } });
    h.chain.automine = false;
    const start = h.clock.now();
    const outcome = await h.send({ call: call(0), memo: "m" });
    const hash = h.chain.sent[0]!.hash;
    expect(outcome).toEqual({ status: "unknown", hash, message: expect.stringContaining("10000 ms") });
    expect(h.clock.now() - start).toBeGreaterThanOrEqual(10_000);
    expect(h.chain.sent).toHaveLength(1);
    expect(h.journal.all()).toEqual([expect.objectContaining({ hash, state: "sent", memo: "m" })]);
  });

  it("a receipt that comes before receiptTimeoutMs is mined, not unknown", async () => {
    const h = harness({ timing: { receiptTimeoutMs: 10_000, resendAfterMs: 60_000 } });
    h.chain.automine = false;
    h.clock.after(8_000, () => h.chain.mine());
    expect((await h.send({ call: call(0) })).status).toBe("mined");
  });
});

describe("a reverted transaction", () => {
  it("is mined with status reverted, and the journal forgets it", async () => {
    const h = harness();
    h.chain.execute = (tx) => ({ status: tx.data === call(0).data ? "reverted" : "success", logs: [] });
    const outcome = await h.send({ call: call(0), memo: { id: "r" } });
    expect(mined(outcome)).toMatchObject({ status: "reverted", hash: h.chain.sent[0]!.hash });
    expect(h.journal.isEmpty).toBe(true);
    // It used its nonce.
    await h.send({ call: call(1) });
    expect(h.chain.sent.at(-1)!.nonce).toBe(1);
  });

  it("a reverted replacement: the journal forgets every hash of that nonce", async () => {
    const h = harness({ timing: { resendAfterMs: 6_000 } });
    h.chain.park = (tx) => tx.maxFeePerGas === h.chain.fees.maxFeePerGas;
    h.chain.execute = () => ({ status: "reverted", logs: [] });
    const outcome = await h.send({ call: call(0) });
    expect(mined(outcome)).toMatchObject({ status: "reverted", hash: h.chain.sent[1]!.hash });
    expect(h.journal.isEmpty).toBe(true);
  });

  it("logs of a mined transaction come back in its receipt", async () => {
    const h = harness();
    const log = { address: TOKEN, topics: [`0x${"11".repeat(32)}` as Hex], data: "0x01" as Hex };
    h.chain.execute = () => ({ status: "success", logs: [log] });
    expect(mined(await h.send({ call: call(0) })).logs).toEqual([log]);
  });
});

describe("journaling", () => {
  it("every transaction is in the journal (state sent, its nonce) before sendRawTransaction is called for it", async () => {
    const h = harness({ timing: { resendAfterMs: 3_000, receiptTimeoutMs: 20_000 } });
    h.chain.scriptSend((tx) => tx.data === call(1).data, { kind: "refuse" });
    h.chain.scriptSend((tx) => tx.data === call(3).data, { kind: "lose-answer" });
    const parked = call(4).data;
    h.chain.park = (tx) => tx.data === parked && tx.maxFeePerGas === h.chain.fees.maxFeePerGas;
    await h.clock.run(Promise.all([0, 1, 2, 3, 4, 5].map((n) => h.relayer.send({ call: call(n), memo: n }))));

    expect(h.checked).toHaveLength(h.chain.sent.filter((tx) => !isGapFill(tx)).length);
    expect(h.checked.length).toBeGreaterThanOrEqual(7); // six calls and at least one replacement
    expect(h.unjournaled).toEqual([]);
  });
});

describe("the sweep", () => {
  it("hands a journaled transaction that landed while nobody waited to onLanded with its memo, then forgets it", async () => {
    const h = harness({ timing: { receiptTimeoutMs: 5_000, resendAfterMs: 60_000 } });
    h.chain.automine = false;
    const outcome = await h.send({ call: call(0), memo: { scheme: "exact", id: 1 } });
    expect(outcome.status).toBe("unknown");
    const [receipt] = h.chain.mine();

    // A restarted instance: nothing in flight, everything in the journal is looked at.
    const restarted = h.restart();
    const landed: LandedTx[][] = [];
    expect(await h.clock.run(restarted.sweep(async (txs) => void landed.push(txs)))).toEqual({ remaining: false });
    expect(landed).toEqual([[{ hash: receipt!.hash, memo: { scheme: "exact", id: 1 }, receipt }]]);
    expect(h.journal.isEmpty).toBe(true);
  });

  it("leaves an acknowledged transaction alone inside acknowledgedGraceMs, and hands it on after", async () => {
    const h = harness({ timing: { acknowledgedGraceMs: 60_000 } });
    const receipt = mined(await h.send({ call: call(0), memo: "ack" }));
    expect(entry(h.journal, receipt.hash)?.state).toBe("acknowledged");

    await h.clock.advance(59_000);
    expect(await h.sweep()).toEqual({ remaining: true });
    expect(h.landed).toEqual([]);
    expect(entry(h.journal, receipt.hash)).toBeDefined();

    await h.clock.advance(1_000);
    expect(await h.sweep()).toEqual({ remaining: false });
    expect(h.landed).toEqual([[{ hash: receipt.hash, memo: "ack", receipt }]]);
  });

  it("forgets an unmined transaction whose nonce another mined transaction took, without handing it on", async () => {
    const h = harness();
    // Journaled, then the instance stopped before sending it; a new one used the nonce for something else.
    const orphan = await journalUnsent(h.journal, 0, { memo: "orphan", now: h.clock.now() });
    const restarted = h.restart();
    const outcome = await h.clock.run(restarted.send({ call: call(0) }));
    expect(h.chain.sent[0]!.nonce).toBe(0);
    expect(mined(outcome).status).toBe("success");

    expect(await h.clock.run(restarted.sweep(async (txs) => void h.landed.push(txs)))).toEqual({ remaining: true }); // the new one is acknowledged
    expect(entry(h.journal, orphan)).toBeUndefined();
    expect(h.landed).toEqual([]);
  });

  it("forgets an unmined transaction past expiresAt + expirySlackMs, keeps one inside the slack and one that never expires", async () => {
    const h = harness({ timing: { expirySlackMs: 60_000 } });
    const now = h.clock.now();
    const expired = await journalUnsent(h.journal, 5, { expiresAt: now - 60_001, now });
    const inSlack = await journalUnsent(h.journal, 6, { expiresAt: now - 59_000, now });
    const never = await journalUnsent(h.journal, 7, { expiresAt: null, now });

    expect(await h.sweep()).toEqual({ remaining: true });
    expect(h.journal.all().map((e) => e.hash).sort()).toEqual([inSlack, never].sort());
    expect(entry(h.journal, expired)).toBeUndefined();

    await h.clock.advance(1_001);
    expect(await h.sweep()).toEqual({ remaining: true });
    expect(h.journal.all().map((e) => e.hash)).toEqual([never]);
    expect(h.landed).toEqual([]);
  });

  it("with the chain unreachable, leaves everything where it is", async () => {
    const h = harness({ timing: { receiptTimeoutMs: 5_000, resendAfterMs: 60_000, acknowledgedGraceMs: 1_000 } });
    h.chain.automine = false;
    await h.send({ call: call(0), memo: "landed" }); // unknown, then mined below
    h.chain.mine();
    h.chain.automine = true;
    await h.send({ call: call(1), memo: "acknowledged" });
    await journalUnsent(h.journal, 0, { expiresAt: h.clock.now() - 3_600_000, now: h.clock.now() }); // expired and nonce taken
    await h.clock.advance(10_000);
    const before = h.journal.all();

    h.chain.unreachable = true;
    expect(await h.sweep()).toEqual({ remaining: true });
    expect(h.landed).toEqual([]);
    expect(h.journal.all()).toEqual(before);

    h.chain.unreachable = false;
    expect(await h.sweep()).toEqual({ remaining: false });
    expect(h.landed.flat().map((t) => t.memo)).toEqual(["landed", "acknowledged"]);
  });

  it("keeps the entries when onLanded throws, and hands them on again at the next sweep", async () => {
    const h = harness({ timing: { receiptTimeoutMs: 5_000, resendAfterMs: 60_000 } });
    h.chain.automine = false;
    await h.send({ call: call(0), memo: "once" });
    h.chain.mine();

    await expect(h.clock.run(h.relayer.sweep(async () => Promise.reject(new Error("ledger unavailable"))))).rejects.toThrow("ledger unavailable");
    expect(h.journal.all()).toEqual([expect.objectContaining({ memo: "once", state: "sent" })]);

    expect(await h.sweep()).toEqual({ remaining: false });
    expect(h.landed.flat().map((t) => t.memo)).toEqual(["once"]);
  });

  it("reports remaining: false for an empty journal without asking the chain", async () => {
    const h = harness();
    expect(await h.sweep()).toEqual({ remaining: false });
    expect(Object.values(h.chain.calls).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it("reports remaining: true while anything is left (an unmined entry), false once it is resolved", async () => {
    const h = harness({ timing: { receiptTimeoutMs: 5_000, resendAfterMs: 60_000 } });
    h.chain.automine = false;
    await h.send({ call: call(0) });
    expect(await h.sweep()).toEqual({ remaining: true });
    expect(await h.sweep()).toEqual({ remaining: true });
    h.chain.mine();
    expect(await h.sweep()).toEqual({ remaining: false });
  });

  it("skips entries a send() is still seeing through, even when they have landed", async () => {
    const h = harness();
    h.chain.automine = false;
    const sending = h.relayer.send({ call: call(0), memo: "busy" });
    await h.clock.advance(100);
    expect(h.chain.sent).toHaveLength(1);
    h.chain.mine(); // landed, but the send has not polled yet

    expect(await h.clock.run(h.relayer.sweep(async (txs) => void h.landed.push(txs)))).toEqual({ remaining: true });
    expect(h.landed).toEqual([]);
    expect(h.journal.all()).toEqual([expect.objectContaining({ memo: "busy", state: "sent" })]);

    expect((await h.clock.run(sending)).status).toBe("mined");
    expect(h.journal.all()).toEqual([expect.objectContaining({ memo: "busy", state: "acknowledged" })]);
  });

  it("skips in-flight entries of an expired transaction too (a send may still see it land)", async () => {
    const h = harness({ timing: { expirySlackMs: 0 } });
    h.chain.automine = false;
    const sending = h.relayer.send({ call: call(0), expiresAt: h.clock.now() - 1 });
    await h.clock.advance(100);
    expect(await h.clock.run(h.relayer.sweep(async (txs) => void h.landed.push(txs)))).toEqual({ remaining: true });
    expect(h.journal.all()).toHaveLength(1);
    h.chain.mine();
    expect((await h.clock.run(sending)).status).toBe("mined");
  });
});

describe("regressions", () => {
  it("the sweep handed on a transaction acknowledged while it ran (a stale snapshot), skipping its grace time", async () => {
    // The sweep worked from a snapshot of the journal: an entry in flight when it started, acknowledged
    // by its send while the sweep awaited the node about an earlier entry, was judged on its stale
    // `sent` state and handed to onLanded (and forgotten) at once, though its caller had just been told
    // and was recording it — what acknowledgedGraceMs exists to leave to the caller.
    const h = harness({ timing: { acknowledgedGraceMs: 60_000 } });
    h.chain.automine = false;
    const earlier = await journalUnsent(h.journal, 5, { memo: "earlier", now: h.clock.now() - 1 });
    const sending = h.relayer.send({ call: call(0), memo: "fresh" });
    await h.clock.advance(100);
    h.chain.mine(); // landed; the send sees it at its next poll (t+175 ms)
    h.chain.latency = (method, arg) => (method === "receipt" && arg === earlier ? h.clock.sleep(1_000) : undefined); // a slow answer

    const sweeping = h.relayer.sweep(async (txs) => void h.landed.push(txs));
    const [outcome, swept] = await h.clock.run(Promise.all([sending, sweeping]));

    expect(mined(outcome).status).toBe("success");
    expect(swept).toEqual({ remaining: true });
    expect(h.landed).toEqual([]);
    expect(entry(h.journal, mined(outcome).hash)?.state).toBe("acknowledged");
  });
});

describe("defaults", () => {
  it("are the old relayer's: 60 s receipts, 25 ms → 1 s polls, resend after 6 s up to 3 times, 5 s fee cache, 60 s grace and slack", () => {
    expect(DEFAULT_RELAYER_TIMING).toEqual({
      receiptTimeoutMs: 60_000,
      pollStartMs: 25,
      pollMaxMs: 1_000,
      resendAfterMs: 6_000,
      maxResends: 3,
      feeCacheMs: 5_000,
      acknowledgedGraceMs: 60_000,
      expirySlackMs: 60_000,
    });
  });
});
