import type { Hex } from "viem";
import type { PaymentRefusal } from "../../core/reasons.ts";
import type { BatchPayload, ChannelConfig } from "./batch-payload.ts";
import { BatchReason } from "./batch-reasons.ts";
import type { ClaimRow, OnchainChannel } from "./escrow-calls.ts";

/**
 * One channel's state as this edge keeps it (spec "Per-Channel State"; the official server's Channel
 * record): its config, what was charged, the highest voucher the payer signed, the escrow's state
 * mirrored with the time it was read, and the one request in flight. Pure functions over it, so the
 * rules are tested without a Durable Object; channel-object.ts keeps it in SQLite.
 */
export interface ChannelRecord {
  channelId: Hex;
  config: ChannelConfig;
  /** Cumulative amount actually charged, base units. */
  charged: string;
  /** The highest voucher's ceiling and the payer's signature over it: what a claim cites. */
  signedMax: string;
  signature: Hex;
  onchain: OnchainChannel;
  /** ms; null: the mirror must be read again before it is trusted. */
  syncedAt: number | null;
  lastRequestAt: number;
  /** ms since which some charged value has not been claimed; null when everything is claimed. */
  unclaimedSince: number | null;
  pending: PendingRequest | null;
}

export interface PendingRequest {
  id: string;
  kind: BatchPayload["type"];
  /** The ceiling of the voucher this request signed. */
  max: string;
  expiresAt: number;
  /** A metered stream's provisional charge, until it is finalized. */
  provisional: string | null;
}

/** What a client is told about the channel (PAYMENT-RESPONSE `extra.channelState`, corrective 402s). */
export interface ChannelState {
  channelId: Hex;
  balance: string;
  totalClaimed: string;
  withdrawRequestedAt: number;
  refundNonce: string;
  chargedCumulativeAmount: string;
}

export interface BeginRequest {
  channelId: Hex;
  config: ChannelConfig;
  kind: BatchPayload["type"];
  maxClaimable: string;
  signature: Hex;
  /** The call's ceiling: a voucher adds at most this to the cumulative. */
  price: string;
  depositAmount: string | null;
  /** Fresh escrow state, when the caller read it (the record asked for it, or a deposit or refund needs it). */
  onchain: OnchainChannel | null;
  leaseMs: number;
  /** How long a mirrored escrow state is trusted (official default: clamp(withdrawDelay/3, 30 s, 5 min)). */
  ttlMs: number;
  /** A voucher is refused once a pending withdrawal completes within this long (ms): a claim must still land. */
  withdrawalMarginMs: number;
  withdrawDelaySeconds: number;
}

export type BeginResult =
  | { ok: true; pendingId: string; state: ChannelState }
  | { ok: false; stale: true }
  /** `correction`: the channel's state and highest voucher, for a corrective 402. */
  | { ok: false; stale?: false; refusal: PaymentRefusal; correction?: Record<string, unknown> };

export type Step<R> = { record: ChannelRecord | null; result: R };

const big = BigInt;

export function stateOf(record: ChannelRecord, charged = record.charged): ChannelState {
  const { onchain } = record;
  return { channelId: record.channelId, balance: onchain.balance, totalClaimed: onchain.totalClaimed, withdrawRequestedAt: onchain.withdrawRequestedAt, refundNonce: onchain.refundNonce, chargedCumulativeAmount: charged };
}

/** The corrective terms (spec: `extra.channelState` + `extra.voucherState`) a client resynchronises from. */
export function correctionOf(record: ChannelRecord): Record<string, unknown> {
  return { channelState: stateOf(record), voucherState: { signedMaxClaimable: record.signedMax, signature: record.signature } };
}

/**
 * A request claims the channel: one at a time (`channel_busy`), with the voucher the cumulative rule
 * asks for (`maxClaimable == charged + price`; a refund's == charged), within the escrow's balance
 * and above what was claimed. The new voucher is kept at once (the official server does the same:
 * a failed call leaves it, unused, as the highest signed); the charge only when the call succeeds.
 */
export function begin(record: ChannelRecord | null, req: BeginRequest, now: number, newId: () => string): Step<BeginResult> {
  const refuse = (reason: string, message: string, correction?: Record<string, unknown>): Step<BeginResult> => ({
    record,
    result: { ok: false, refusal: { reason, message }, ...(correction ? { correction } : {}) },
  });
  if (record?.pending && record.pending.expiresAt > now) return refuse(BatchReason.channelBusy, "another request on this channel is in progress; one at a time per channel (open another channel for concurrency)");

  const max = big(req.maxClaimable);
  const price = big(req.price);
  // With no record (a new channel, or one this edge forgot), the client's own cumulative is taken,
  // checked against what the escrow says was already claimed.
  const base = record ? big(record.charged) : req.kind === "refund" ? max : max >= price ? max - price : 0n;
  const expected = req.kind === "refund" ? base : base + price;
  if (max !== expected) {
    return refuse(BatchReason.cumulativeMismatch, `the voucher's maxClaimableAmount must be ${expected} (charged ${base}${req.kind === "refund" ? "" : ` + this call's ${price}`}), not ${max}`, record ? correctionOf(record) : undefined);
  }

  const needsChain = !record || record.syncedAt === null || now - record.syncedAt > req.ttlMs || req.kind !== "voucher";
  if (needsChain && !req.onchain) return { record, result: { ok: false, stale: true } };
  const onchain = req.onchain ?? record!.onchain;
  const syncedAt = req.onchain ? now : record!.syncedAt;

  const balance = big(onchain.balance);
  const claimed = big(onchain.totalClaimed);
  if (req.kind === "voucher" && balance === 0n) return refuse(BatchReason.channelNotFound, "this channel has no deposit; send a deposit payload");
  const available = balance + (req.depositAmount ? big(req.depositAmount) : 0n);
  if (max > available) return refuse(BatchReason.cumulativeExceedsBalance, `the voucher's ${max} exceeds the channel's ${available}; deposit more`);
  if (base < claimed || (req.kind !== "refund" && max <= claimed)) {
    return refuse(BatchReason.cumulativeBelowClaimed, `the escrow has already claimed ${claimed} of this channel; the voucher's cumulative ${base} is behind it`);
  }
  if (req.kind === "refund" && balance - base <= 0n) return refuse(BatchReason.refundNoBalance, "nothing is left in this channel to refund");
  if (req.kind !== "refund" && onchain.withdrawRequestedAt > 0) {
    const completesAt = (onchain.withdrawRequestedAt + req.withdrawDelaySeconds) * 1000;
    if (completesAt - now < req.withdrawalMarginMs) return refuse(BatchReason.withdrawalPending, "the payer's withdrawal from this channel completes too soon to accept more vouchers; open a new channel");
  }

  const pendingId = newId();
  const next: ChannelRecord = {
    channelId: req.channelId,
    config: req.config,
    charged: base.toString(),
    signedMax: max > big(record?.signedMax ?? "0") ? max.toString() : (record?.signedMax ?? max.toString()),
    signature: max > big(record?.signedMax ?? "0") ? req.signature : (record?.signature ?? req.signature),
    onchain,
    syncedAt,
    lastRequestAt: now,
    unclaimedSince: record?.unclaimedSince ?? null,
    pending: { id: pendingId, kind: req.kind, max: max.toString(), expiresAt: now + req.leaseMs, provisional: null },
  };
  return { record: next, result: { ok: true, pendingId, state: stateOf(next) } };
}

export type CommitResult = { ok: true; state: ChannelState } | { ok: false; refusal: PaymentRefusal };

/**
 * The call succeeded: charge `amount` (≤ what the voucher allows). `final: false` (a metered stream)
 * only reserves it until `finalize`. `deposited`: the deposit that paid into the channel landed.
 */
export function commit(record: ChannelRecord | null, pendingId: string, charge: { amount: string; final: boolean; deposited: string | null }, now: number): Step<CommitResult> {
  if (!record) return { record, result: { ok: false, refusal: { reason: BatchReason.missingChannel, message: "the channel is not known here" } } };
  if (record.pending?.id !== pendingId) return { record, result: { ok: false, refusal: { reason: BatchReason.channelBusy, message: "another request took this channel over (this one's reservation expired)" } } };
  const onchain = charge.deposited ? { ...record.onchain, balance: (big(record.onchain.balance) + big(charge.deposited)).toString() } : record.onchain;
  const charged = big(record.charged) + big(charge.amount);
  if (charged > big(record.pending.max)) {
    return {
      record: { ...record, onchain, pending: null },
      result: { ok: false, refusal: { reason: BatchReason.chargeExceedsSigned, message: `Charged ${charged} exceeds signed max ${record.pending.max}` } },
    };
  }
  const syncedAt = charge.deposited ? now : record.syncedAt;
  if (!charge.final) {
    const next = { ...record, onchain, syncedAt, pending: { ...record.pending, provisional: charge.amount } };
    return { record: next, result: { ok: true, state: stateOf(next, charged.toString()) } };
  }
  const next = charged_(record, charged, onchain, syncedAt, now);
  return { record: next, result: { ok: true, state: stateOf(next) } };
}

/** A metered stream ended: its provisional charge becomes `amount` (never more). */
export function finalize(record: ChannelRecord | null, pendingId: string, amount: string, now: number): Step<CommitResult> {
  if (!record || record.pending?.id !== pendingId || record.pending.provisional === null) {
    return { record, result: { ok: false, refusal: { reason: BatchReason.missingChannel, message: "no provisional charge to finalize on this channel" } } };
  }
  const used = big(amount) < big(record.pending.provisional) ? big(amount) : big(record.pending.provisional);
  const next = charged_(record, big(record.charged) + used, record.onchain, record.syncedAt, now);
  return { record: next, result: { ok: true, state: stateOf(next) } };
}

function charged_(record: ChannelRecord, charged: bigint, onchain: OnchainChannel, syncedAt: number | null, now: number): ChannelRecord {
  const unclaimed = charged > big(onchain.totalClaimed);
  return { ...record, charged: charged.toString(), onchain, syncedAt, lastRequestAt: now, pending: null, unclaimedSince: unclaimed ? (record.unclaimedSince ?? now) : null };
}

/** Nothing was charged: the channel is free again; the voucher stays as the highest signed. */
export function abort(record: ChannelRecord | null, pendingId: string): ChannelRecord | null {
  return record && record.pending?.id === pendingId ? { ...record, pending: null } : record;
}

/** The deposit's outcome is unknown: the mirror is read again before the channel is trusted; the reservation runs out on its own. */
export function hold(record: ChannelRecord | null, pendingId: string): ChannelRecord | null {
  return record && record.pending?.id === pendingId ? { ...record, syncedAt: null } : record;
}

/** What a claim of this channel sends: the highest signed voucher, claiming what was charged. */
export function claimRowOf(record: ChannelRecord | null): ClaimRow | null {
  if (!record || big(record.charged) <= big(record.onchain.totalClaimed)) return null;
  return { config: record.config, signedMaxClaimable: record.signedMax, signature: record.signature, totalClaimed: record.charged };
}

/** The escrow says this much is claimed now (a claim landed, or a fresh read). */
export function claimed(record: ChannelRecord | null, onchain: OnchainChannel, now: number): ChannelRecord | null {
  if (!record) return record;
  const next = { ...record, onchain, syncedAt: now };
  return { ...next, unclaimedSince: big(next.charged) > big(onchain.totalClaimed) ? (record.unclaimedSince ?? now) : null };
}

/**
 * A cooperative refund landed (with the claim of what was charged): the mirror takes the escrow's
 * new state; a channel with nothing left beyond what was charged is forgotten (the client forgets
 * it too, and comes back with a top-up deposit on the same channel).
 */
export function refunded(record: ChannelRecord | null, pendingId: string, onchain: OnchainChannel, now: number): ChannelRecord | null {
  if (!record || record.pending?.id !== pendingId) return record;
  if (big(onchain.balance) <= big(record.charged)) return null;
  return { ...record, onchain, syncedAt: now, pending: null, unclaimedSince: big(record.charged) > big(onchain.totalClaimed) ? record.unclaimedSince : null };
}

/** A claim of this channel up to `totalClaimed` landed (the escrow keeps the larger of old and new). */
export function claimedUpTo(record: ChannelRecord | null, totalClaimed: string, now: number): ChannelRecord | null {
  if (!record) return record;
  const current = big(record.onchain.totalClaimed);
  const next = big(totalClaimed) > current ? totalClaimed : record.onchain.totalClaimed;
  return claimed(record, { ...record.onchain, totalClaimed: next }, now);
}
