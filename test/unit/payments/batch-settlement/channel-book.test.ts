import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import * as book from "../../../../worker/payments/schemes/batch-settlement/channel-book.ts";
import type { BeginRequest, ChannelRecord } from "../../../../worker/payments/schemes/batch-settlement/channel-book.ts";
import { BatchReason } from "../../../../worker/payments/schemes/batch-settlement/batch-reasons.ts";
import type { OnchainChannel } from "../../../../worker/payments/schemes/batch-settlement/escrow-calls.ts";

// The channel's rules without a Durable Object: the cumulative rule, one request at a time, the
// mirrored escrow state and when it must be read again, charges within the signed ceiling.

const ID = ("0x" + "ab".repeat(32)) as Hex;
const CONFIG = {
  payer: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  payerAuthorizer: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  receiver: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  receiverAuthorizer: "0x1563915e194D8CfBA1943570603F7606A3115508",
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  withdrawDelay: 900,
  salt: ("0x" + "00".repeat(32)) as Hex,
} as const;
const chain = (over: Partial<OnchainChannel> = {}): OnchainChannel => ({ balance: "1000", totalClaimed: "0", withdrawRequestedAt: 0, withdrawAmount: "0", refundNonce: "0", ...over });
const T0 = 1_000_000_000;
let n = 0;
const newId = () => `p${++n}`;

function request(over: Partial<BeginRequest> = {}): BeginRequest {
  return {
    channelId: ID,
    config: CONFIG,
    kind: "voucher",
    maxClaimable: "100",
    signature: "0xsig" as Hex,
    price: "100",
    depositAmount: null,
    onchain: null,
    leaseMs: 60_000,
    ttlMs: 300_000,
    withdrawalMarginMs: 90_000,
    withdrawDelaySeconds: 900,
    ...over,
  };
}

/** A channel that has a deposit of 1000 and has charged `charged`, mirrored at T0. */
function channelWith(charged: string, over: Partial<ChannelRecord> = {}): ChannelRecord {
  return { channelId: ID, config: CONFIG, charged, signedMax: charged, signature: "0xold" as Hex, onchain: chain(), syncedAt: T0, lastRequestAt: T0, unclaimedSince: null, pending: null, ...over };
}

function begun(record: ChannelRecord | null, req: BeginRequest, now = T0) {
  const step = book.begin(record, req, now, newId);
  return step;
}

describe("begin: the cumulative rule", () => {
  it("accepts charged + price, keeps the new voucher, and holds the channel for the call", () => {
    const { record, result } = begun(channelWith("300"), request({ maxClaimable: "400", signature: "0xnew" as Hex }));
    expect(result).toMatchObject({ ok: true, state: { chargedCumulativeAmount: "300", balance: "1000" } });
    expect(record).toMatchObject({ charged: "300", signedMax: "400", signature: "0xnew", pending: { kind: "voucher", max: "400" } });
  });

  it.each([["250", "lower than the last accepted"], ["500", "above charged + price"]])("refuses %s (%s) with a corrective 402's state", (max) => {
    const record = channelWith("300", { signedMax: "350", signature: "0xlast" as Hex });
    const { record: after, result } = begun(record, request({ maxClaimable: max }));
    expect(result).toMatchObject({
      ok: false,
      refusal: { reason: BatchReason.cumulativeMismatch },
      correction: { channelState: { chargedCumulativeAmount: "300", balance: "1000" }, voucherState: { signedMaxClaimable: "350", signature: "0xlast" } },
    });
    expect(after).toBe(record);
  });

  it("takes a new channel's cumulative from its first voucher, and reads the escrow first", () => {
    expect(begun(null, request({ kind: "deposit", depositAmount: "1000" })).result).toEqual({ ok: false, stale: true });
    const { record, result } = begun(null, request({ kind: "deposit", depositAmount: "1000", onchain: chain({ balance: "0" }) }));
    expect(result.ok).toBe(true);
    expect(record).toMatchObject({ charged: "0", signedMax: "100", syncedAt: T0 });
  });

  it("refuses a forgotten channel's voucher whose cumulative is behind what the escrow claimed", () => {
    const { result } = begun(null, request({ maxClaimable: "150", onchain: chain({ totalClaimed: "100" }) }));
    expect(result).toMatchObject({ ok: false, refusal: { reason: BatchReason.cumulativeBelowClaimed } });
  });
});

describe("begin: one request at a time, the escrow's limits", () => {
  it("refuses a second request while one is in flight, and takes it once the first ended or its lease ran out", () => {
    const first = begun(channelWith("0"), request());
    expect(begun(first.record, request(), T0 + 1).result).toMatchObject({ ok: false, refusal: { reason: BatchReason.channelBusy } });
    expect(begun(first.record, request(), T0 + 60_001).result.ok).toBe(true);
    expect(begun(book.abort(first.record, first.result.ok ? first.result.pendingId : ""), request(), T0 + 1).result.ok).toBe(true);
  });

  it("reads the escrow again once the mirror is older than its time to live, and uses what it says", () => {
    const record = channelWith("0");
    expect(begun(record, request(), T0 + 300_001).result).toEqual({ ok: false, stale: true });
    const fresh = begun(record, request({ onchain: chain({ balance: "50" }) }), T0 + 300_001);
    expect(fresh.result).toMatchObject({ ok: false, refusal: { reason: BatchReason.cumulativeExceedsBalance } });
  });

  it("refuses a voucher beyond the deposit, and a voucher on a channel with none", () => {
    expect(begun(channelWith("950"), request({ maxClaimable: "1050" })).result).toMatchObject({ ok: false, refusal: { reason: BatchReason.cumulativeExceedsBalance } });
    expect(begun(channelWith("0", { onchain: chain({ balance: "0" }) }), request()).result).toMatchObject({ ok: false, refusal: { reason: BatchReason.channelNotFound } });
  });

  it("counts a deposit's amount towards what the voucher may reach", () => {
    const record = channelWith("950");
    expect(begun(record, request({ kind: "deposit", maxClaimable: "1050", depositAmount: "1000", onchain: chain() })).result.ok).toBe(true);
  });

  it("accepts vouchers while a withdrawal is far from completing, refuses them once it is near", () => {
    const startedAt = T0 / 1000;
    const record = channelWith("0", { onchain: chain({ withdrawRequestedAt: startedAt }) });
    expect(begun(record, request(), T0 + 1000).result.ok).toBe(true);
    expect(begun(record, request({ onchain: chain({ withdrawRequestedAt: startedAt }) }), T0 + 900_000 - 89_000).result).toMatchObject({ ok: false, refusal: { reason: BatchReason.withdrawalPending } });
  });
});

describe("commit and finalize: charge what was used, never more than signed", () => {
  const reserved = () => {
    const step = begun(channelWith("300"), request({ maxClaimable: "400" }));
    if (!step.result.ok) throw new Error("not reserved");
    return { record: step.record, pendingId: step.result.pendingId };
  };

  it("charges the actual amount and frees the channel", () => {
    const { record, pendingId } = reserved();
    const step = book.commit(record, pendingId, { amount: "40", final: true, deposited: null }, T0 + 5);
    expect(step.result).toMatchObject({ ok: true, state: { chargedCumulativeAmount: "340" } });
    expect(step.record).toMatchObject({ charged: "340", pending: null, unclaimedSince: T0 + 5 });
  });

  it("refuses to charge beyond the voucher's ceiling, and charges nothing", () => {
    const { record, pendingId } = reserved();
    const step = book.commit(record, pendingId, { amount: "101", final: true, deposited: null }, T0);
    expect(step.result).toMatchObject({ ok: false, refusal: { reason: BatchReason.chargeExceedsSigned } });
    expect(step.record).toMatchObject({ charged: "300", pending: null });
  });

  it("refuses a commit from a request whose reservation another took over", () => {
    const { record } = reserved();
    expect(book.commit(record, "someone-else", { amount: "1", final: true, deposited: null }, T0).result).toMatchObject({ ok: false, refusal: { reason: BatchReason.channelBusy } });
  });

  it("keeps a stream's provisional charge until it is finalized, then charges what it used (capped)", () => {
    const { record, pendingId } = reserved();
    const provisional = book.commit(record, pendingId, { amount: "100", final: false, deposited: null }, T0);
    expect(provisional.result).toMatchObject({ ok: true, state: { chargedCumulativeAmount: "400" } });
    expect(provisional.record).toMatchObject({ charged: "300", pending: { provisional: "100" } });
    expect(book.finalize(provisional.record, pendingId, "37", T0).record).toMatchObject({ charged: "337", pending: null });
    expect(book.finalize(provisional.record, pendingId, "500", T0).record).toMatchObject({ charged: "400" });
  });

  it("adds a landed deposit to the mirrored balance", () => {
    const step = begun(channelWith("950"), request({ kind: "deposit", maxClaimable: "1050", depositAmount: "1000", onchain: chain() }));
    if (!step.result.ok) throw new Error("not reserved");
    expect(book.commit(step.record, step.result.pendingId, { amount: "60", final: true, deposited: "1000" }, T0).record).toMatchObject({ charged: "1010", onchain: { balance: "2000" } });
  });
});

describe("claims", () => {
  it("claim the charged amount citing the highest signed voucher, and nothing once claimed", () => {
    const record = channelWith("340", { signedMax: "400", signature: "0xhigh" as Hex });
    expect(book.claimRowOf(record)).toEqual({ config: CONFIG, signedMaxClaimable: "400", signature: "0xhigh", totalClaimed: "340" });
    const after = book.claimedUpTo(record, "340", T0);
    expect(book.claimRowOf(after)).toBeNull();
    expect(after).toMatchObject({ onchain: { totalClaimed: "340" }, unclaimedSince: null });
    // A stale claim report never lowers what the escrow holds.
    expect(book.claimedUpTo(after, "100", T0)).toMatchObject({ onchain: { totalClaimed: "340" } });
  });

  it("forget a channel that a refund left with nothing beyond its charges", () => {
    const step = begun(channelWith("300"), request({ kind: "refund", maxClaimable: "300", onchain: chain() }));
    if (!step.result.ok) throw new Error("not reserved");
    expect(book.refunded(step.record, step.result.pendingId, chain({ balance: "300", totalClaimed: "300", refundNonce: "1" }), T0)).toBeNull();
    expect(book.refunded(step.record, step.result.pendingId, chain({ balance: "500", totalClaimed: "300", refundNonce: "1" }), T0)).toMatchObject({ pending: null, onchain: { balance: "500" } });
  });

  it("refuse a refund of an empty channel", () => {
    expect(begun(channelWith("1000"), request({ kind: "refund", maxClaimable: "1000", onchain: chain() })).result).toMatchObject({ ok: false, refusal: { reason: BatchReason.refundNoBalance } });
  });
});
