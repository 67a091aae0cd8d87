import type { SettleResponse } from "@x402/core/types";
import type { Address, Hex } from "viem";
import type { ChainClient } from "../../../chain/chain-client.ts";
import type { RelayerPort } from "../../../chain/relayer/relayer-port.ts";
import type { SignatureRecoverer } from "../../../chain/signatures/recoverer.ts";
import type { PaymentConfig } from "../../../config/edge-config.ts";
import type { PaymentScheme, SchemeOffer, SchemeRefund, SchemeSettlement, VerifyContext } from "../../core/payment-scheme.ts";
import { PaymentReason, type PaymentRefusal } from "../../core/reasons.ts";
import type { PaidResource } from "../../core/paid-resource.ts";
import type { PaymentPayload } from "../../core/wire.ts";
import { BATCH } from "./batch-constants.ts";
import { BatchReason } from "./batch-reasons.ts";
import type { BeginRequest, BeginResult, ChannelState, CommitResult } from "./channel-book.ts";
import type { ChannelSettings } from "./channel-settings.ts";
import { claimAndRefundCall, depositCall, readChannel, type OnchainChannel } from "./escrow-calls.ts";
import { privateKeyToAccount } from "viem/accounts";
import { batchDomain, claimBatchTypes, DEPOSIT_COLLECTOR_ADDRESS, ESCROW_ADDRESS, refundTypes } from "./batch-constants.ts";
import { verifyBatchPayment, type BatchPayment } from "./verify-batch.ts";

/** A deposit through the ERC-3009 collector: ~160k gas measured; the simulation already ran in preflight. */
const DEPOSIT_GAS = "300000";
/** The official server trusts a mirrored escrow state for clamp(withdrawDelay / 3, 30 s, 5 min). */
const ttlFor = (withdrawDelaySeconds: number) => Math.min(5 * 60_000, Math.max(30_000, Math.floor((withdrawDelaySeconds * 1000) / 3)));

/** What the scheme asks of a channel's Durable Object (PaymentChannel; a stub over RPC). */
export interface ChannelPort {
  begin(request: BeginRequest): Promise<unknown>;
  commit(pendingId: string, charge: { amount: string; final: boolean; deposited: string | null }): Promise<unknown>;
  finalize(pendingId: string, amount: string): Promise<unknown>;
  abort(pendingId: string): Promise<unknown>;
  hold(pendingId: string): Promise<unknown>;
  refunded(pendingId: string, onchain: OnchainChannel): Promise<unknown>;
}

export interface BatchSchemeOptions {
  config: PaymentConfig;
  settings: ChannelSettings;
  /** The channel object of an id (PAYMENT_CHANNEL.getByName). */
  channels: { getByName(channelId: string): ChannelPort };
  relayer: RelayerPort;
  /** For reading the escrow (only when a channel's mirror is stale, and for deposits and refunds). */
  chain: Pick<ChainClient, "call">;
  isValidContractSignature?: (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;
  /** Who signed a digest; default noble (verify-batch.ts). */
  recoverer?: SignatureRecoverer;
}

/** A batch payment once its channel reserved it. */
type Reserved = BatchPayment & { pendingId?: string };

/**
 * x402 `batch-settlement` on EVM: the payer deposits once into the escrow, then signs a cumulative
 * voucher per call; this edge verifies each voucher locally, charges what the call used (metered
 * billing, up to the call's price), and claims many channels in one transaction later
 * (channel-claims.ts). A deposit lands through the relayer when the job has worked, like an exact
 * transfer; a voucher settles with no chain round trip at all.
 */
export class BatchSettlementScheme implements PaymentScheme<Reserved> {
  readonly scheme = BATCH;
  readonly billing = "metered" as const;
  readonly contracts = { "batch-settlement escrow": ESCROW_ADDRESS, "ERC-3009 deposit collector": DEPOSIT_COLLECTOR_ADDRESS };
  readonly network: string;

  constructor(private readonly options: BatchSchemeOptions) {
    this.network = options.config.network;
  }

  offer(price: bigint, _resource: PaidResource): SchemeOffer {
    const { config, settings } = this.options;
    const minDeposit = settings.minDeposit > price ? settings.minDeposit : price;
    return {
      v2: {
        scheme: BATCH,
        network: config.network,
        amount: price.toString(),
        asset: config.asset,
        payTo: config.payTo,
        maxTimeoutSeconds: config.maxTimeoutSeconds,
        extra: { name: config.assetName, version: config.assetVersion, receiverAuthorizer: settings.receiverAuthorizer, withdrawDelay: settings.withdrawDelaySeconds, minDeposit: minDeposit.toString() },
      },
      v1: null,
    };
  }

  verify(payload: PaymentPayload, offer: SchemeOffer, ctx: VerifyContext) {
    const { config, settings, isValidContractSignature, recoverer } = this.options;
    return verifyBatchPayment(payload, {
      payment: config,
      settings,
      offer,
      nowMs: ctx.nowMs,
      minValidityMs: ctx.minValidityMs,
      ...(isValidContractSignature ? { isValidContractSignature } : {}),
      ...(recoverer ? { recoverer } : {}),
    });
  }

  /**
   * The channel object checks the voucher against the cumulative rule and the mirrored escrow state
   * and holds the channel for this call. The escrow is read only when the mirror is stale (or for a
   * deposit or a refund), then the channel is asked again with what it says.
   */
  async reserve(payment: Reserved, { leaseMs }: { leaseMs: number }): Promise<PaymentRefusal | null> {
    const { settings } = this.options;
    const request = {
      channelId: payment.channelId,
      config: payment.config,
      kind: payment.kind,
      maxClaimable: payment.voucher.maxClaimable,
      signature: payment.voucher.signature,
      price: payment.price.toString(),
      depositAmount: payment.deposit?.deposit.amount ?? null,
      leaseMs,
      ttlMs: ttlFor(settings.withdrawDelaySeconds),
      withdrawalMarginMs: Math.max(60_000, (settings.withdrawDelaySeconds * 1000) / 10),
      withdrawDelaySeconds: settings.withdrawDelaySeconds,
    };
    const channel = this.channel(payment);
    let result = (await channel.begin({ ...request, onchain: null })) as BeginResult;
    if (!result.ok && result.stale) {
      let onchain: OnchainChannel;
      try {
        onchain = await readChannel(this.options.chain, payment.channelId);
      } catch (error) {
        return { reason: BatchReason.stateUnavailable, message: `the escrow could not be read: ${error instanceof Error ? error.message : String(error)}` };
      }
      result = (await channel.begin({ ...request, onchain })) as BeginResult;
    }
    if (result.ok) {
      payment.pendingId = result.pendingId;
      return null;
    }
    if (result.stale) return { reason: BatchReason.stateUnavailable, message: "the channel's state could not be established" };
    return result.correction ? { ...result.refusal, correction: { scheme: BATCH, network: this.network, extra: result.correction } } : result.refusal;
  }

  /** A deposit is simulated (what the relayer will send when the job has worked); a voucher needs nothing. */
  async preflight(payment: Reserved): Promise<PaymentRefusal | null> {
    if (!payment.deposit) return null;
    const { simulation } = await this.options.relayer.preflight({ call: depositCall(payment.deposit), reads: [] });
    if (simulation.ok) return null;
    // Only the chain's own "no" is definitive; a node that could not be asked leaves it to settlement.
    return /revert/i.test(simulation.message) ? { reason: BatchReason.depositSimulationFailed, message: simulation.message } : null;
  }

  async release(payment: Reserved): Promise<void> {
    if (payment.pendingId) await this.channel(payment).abort(payment.pendingId);
  }

  async hold(payment: Reserved): Promise<void> {
    if (payment.pendingId) await this.channel(payment).hold(payment.pendingId);
  }

  async settle(payment: Reserved, charge: { amount: bigint; final: boolean }): Promise<SchemeSettlement> {
    const pendingId = payment.pendingId;
    if (!pendingId) return this.failed(payment, { reason: BatchReason.missingChannel, message: "the payment was not reserved" }, false);
    let transaction: Hex | null = null;
    if (payment.deposit) {
      const sent = await this.options.relayer.send({
        call: { ...depositCall(payment.deposit), gas: DEPOSIT_GAS },
        memo: { scheme: BATCH, kind: "deposit", channelId: payment.channelId },
        expiresAt: payment.settleBy,
      });
      if (sent.status === "unknown") return this.failed(payment, { reason: PaymentReason.settlementPending, message: sent.message }, true, sent.hash);
      if (sent.status === "not_sent") return this.failed(payment, { reason: BatchReason.depositTransactionFailed, message: sent.message }, false);
      if (sent.receipt.status !== "success") return this.failed(payment, { reason: BatchReason.depositTransactionFailed, message: `deposit ${sent.receipt.hash} reverted` }, false, sent.receipt.hash);
      transaction = sent.receipt.hash;
    }
    const committed = (await this.channel(payment).commit(pendingId, { amount: charge.amount.toString(), final: charge.final, deposited: payment.deposit?.deposit.amount ?? null })) as CommitResult;
    if (!committed.ok) return this.failed(payment, committed.refusal, false, transaction);
    const state = committed.state;
    return {
      ok: true,
      charged: charge.amount,
      settlementRef: `${payment.channelId}@${state.chargedCumulativeAmount}`,
      transaction,
      receipt: this.receipt(payment, transaction, charge.amount, state, !charge.final),
    };
  }

  async finalize(payment: Reserved, amount: bigint): Promise<{ charged: bigint; settlementRef: string; receipt: SettleResponse }> {
    const done = (await this.channel(payment).finalize(payment.pendingId ?? "", amount.toString())) as CommitResult;
    if (!done.ok) throw new Error(`${done.refusal.reason}: ${done.refusal.message}`);
    const cumulative = done.state.chargedCumulativeAmount;
    return { charged: amount, settlementRef: `${payment.channelId}@${cumulative}`, receipt: this.receipt(payment, null, amount, done.state, false) };
  }

  /**
   * The cooperative refund (spec "Refund and withdrawal"): the payer's zero-charge voucher
   * (maxClaimable = what was charged) is checked by the channel like any other; then one escrow
   * multicall claims what was charged and refunds the rest (or the amount asked, capped by the
   * contract) with the receiver authorizer's signatures, at the escrow's current refund nonce.
   */
  async refund(payment: Reserved): Promise<SchemeRefund> {
    if (payment.kind !== "refund") return { ok: false, refusal: { reason: BatchReason.payloadType, message: "a GET carries only a refund payload; buy with POST" }, receipt: null };
    const refused = await this.reserve(payment, { leaseMs: 120_000 });
    if (refused) return { ok: false, refusal: refused, receipt: null };
    const channel = this.channel(payment);
    const pendingId = payment.pendingId!;
    try {
      const { config, settings, relayer } = this.options;
      const before = await readChannel(this.options.chain, payment.channelId);
      const charged = BigInt(payment.voucher.maxClaimable);
      const claimedBefore = BigInt(before.totalClaimed) > charged ? BigInt(before.totalClaimed) : charged;
      const left = BigInt(before.balance) - claimedBefore;
      const requested = payment.refundAmount === null ? left : BigInt(payment.refundAmount);
      if (left <= 0n) {
        await channel.abort(pendingId);
        return { ok: false, refusal: { reason: BatchReason.refundNoBalance, message: "nothing is left in this channel to refund" }, receipt: null };
      }
      const authorizer = privateKeyToAccount(settings.receiverAuthorizerKey);
      const nonce = BigInt(before.refundNonce);
      const row = { config: payment.config, signedMaxClaimable: payment.voucher.maxClaimable, signature: payment.voucher.signature, totalClaimed: payment.voucher.maxClaimable };
      const domain = batchDomain(config.chainId);
      const [claimSignature, refundSignature] = await Promise.all([
        authorizer.signTypedData({ domain, types: claimBatchTypes, primaryType: "ClaimBatch", message: { claims: [{ channelId: payment.channelId, maxClaimableAmount: charged, totalClaimed: charged }] } }),
        authorizer.signTypedData({ domain, types: refundTypes, primaryType: "Refund", message: { channelId: payment.channelId, nonce, amount: requested } }),
      ]);
      const sent = await relayer.send({ call: { ...claimAndRefundCall(row, claimSignature, requested, nonce, refundSignature), gas: null }, memo: { scheme: BATCH, kind: "refund", channelId: payment.channelId } });
      if (sent.status !== "mined" || sent.receipt.status !== "success") {
        const message = sent.status === "mined" ? `refund ${sent.receipt.hash} reverted` : sent.message;
        if (sent.status === "unknown") await channel.hold(pendingId);
        else await channel.abort(pendingId);
        const refusal = { reason: sent.status === "unknown" ? PaymentReason.settlementPending : BatchReason.refundTransactionFailed, message };
        return { ok: false, refusal, receipt: this.failed(payment, refusal, sent.status === "unknown").receipt };
      }
      const after = await readChannel(this.options.chain, payment.channelId);
      await channel.refunded(pendingId, after);
      const refunded = BigInt(before.balance) - BigInt(after.balance);
      const state: ChannelState = { channelId: payment.channelId, balance: after.balance, totalClaimed: after.totalClaimed, withdrawRequestedAt: after.withdrawRequestedAt, refundNonce: after.refundNonce, chargedCumulativeAmount: payment.voucher.maxClaimable };
      return {
        ok: true,
        body: { message: "Refund acknowledged", channelId: payment.channelId },
        receipt: { success: true, transaction: sent.receipt.hash, network: this.network as SettleResponse["network"], payer: payment.payer, amount: refunded.toString(), extra: { channelState: state } },
      };
    } catch (error) {
      await channel.abort(pendingId).catch(() => {});
      const refusal = { reason: BatchReason.stateUnavailable, message: `the refund could not be made: ${error instanceof Error ? error.message : String(error)}` };
      return { ok: false, refusal, receipt: this.failed(payment, refusal, false).receipt };
    }
  }

  /** PAYMENT-RESPONSE for a voucher or deposit (spec "Payment Response Contract"). */
  private receipt(payment: Reserved, transaction: Hex | null, charged: bigint, state: ChannelState, provisional: boolean): SettleResponse {
    return {
      success: true,
      transaction: transaction ?? "",
      network: this.network as SettleResponse["network"],
      payer: payment.payer,
      amount: payment.deposit ? payment.deposit.deposit.amount : "",
      extra: { chargedAmount: charged.toString(), channelState: state, ...(provisional ? { provisional: true } : {}) },
    };
  }

  private failed(payment: Reserved, refusal: PaymentRefusal, outcomeUnknown: boolean, transaction: Hex | null = null): SchemeSettlement {
    return {
      ok: false,
      refusal,
      outcomeUnknown,
      reference: transaction,
      receipt: { success: false, errorReason: refusal.reason, errorMessage: refusal.message, payer: payment.payer, transaction: transaction ?? "", network: this.network as SettleResponse["network"] },
    };
  }

  private channel(payment: BatchPayment): ChannelPort {
    return this.options.channels.getByName(payment.channelId);
  }
}
