import type { PaymentResponseContext } from "@x402/core/client";
import type { PaymentPayloadContext, PaymentPayloadResult, PaymentRequirements, SchemeClientHooks, SchemeNetworkClient, SettleResponse } from "@x402/core/types";
import { toClientEvmSigner, type ClientEvmSigner } from "@x402/evm";
import {
  BatchSettlementEvmScheme,
  computeChannelId,
  parseAnnouncedMinDeposit,
  type BatchSettlementDepositStrategyContext,
  type ClientChannelStorage,
} from "@x402/evm/batch-settlement/client";
import { createPublicClient, http, type LocalAccount } from "viem";
import { BATCH_SETTLEMENT } from "./schemes.ts";

/**
 * Paying by x402 `batch-settlement` (a payment channel) with the official client scheme
 * (`BatchSettlementEvmScheme` from @x402/evm), configured the way edge402's own tools use it:
 *  - deposits are sized by the edge's `extra.minDeposit` hint and capped by `maxDeposit` (ours, not
 *    the official "5 × per-payment spend cap", which would lock deposits to a few calls' worth);
 *  - a stream's provisional receipt is held back until its final charge is known (ChannelScheme).
 * The channel's state (what was charged, what was deposited) lives in a `ClientChannelStorage`.
 */

/** Without a cap of the caller's, a deposit is at most 1 USDC (the edge's default minDeposit). */
export const DEFAULT_MAX_DEPOSIT = 1_000_000n;

/** The two refusals the official client resyncs from (x402 `errors.ts`), over HTTP or MCP. */
export const CORRECTIVE_REASONS: ReadonlySet<string> = new Set([
  "invalid_batch_settlement_evm_cumulative_amount_mismatch",
  "invalid_batch_settlement_evm_cumulative_below_claimed",
]);

/** The call's voucher needs a bigger deposit than the caller allows: nothing was signed. */
export class DepositAboveCap extends Error {
  override readonly name = "DepositAboveCap";
  constructor(
    readonly needed: bigint,
    readonly maxDeposit: bigint,
  ) {
    super(`the channel needs a deposit of at least ${needed} base units, above the deposit cap of ${maxDeposit}`);
  }
}

/** The error (or the one it wraps, as @x402/fetch does) that says the deposit cap stopped a payment. */
export function depositAboveCapOf(error: unknown): DepositAboveCap | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof DepositAboveCap) return e;
  // @x402/fetch rewraps payload errors as `Failed to create payment payload: <message>` without a cause.
  const match = error instanceof Error ? /deposit of at least (\d+) base units, above the deposit cap of (\d+)/.exec(error.message) : null;
  return match ? new DepositAboveCap(BigInt(match[1]!), BigInt(match[2]!)) : null;
}

/**
 * How big a deposit is: what the voucher needs at least, raised to the edge's `minDeposit` hint (or
 * 5 × the call's price without one, the official default), never above `maxDeposit`.
 */
export function sizeDeposit(context: Pick<BatchSettlementDepositStrategyContext, "requestAmount" | "minimumDepositAmount" | "paymentRequirements">, maxDeposit: bigint): string {
  const amount = BigInt(context.requestAmount);
  const needed = BigInt(context.minimumDepositAmount);
  if (needed > maxDeposit) throw new DepositAboveCap(needed, maxDeposit);
  const target = parseAnnouncedMinDeposit(context.paymentRequirements.extra?.minDeposit, amount) ?? amount * 5n;
  const wanted = target > needed ? target : needed;
  return (wanted < maxDeposit ? wanted : maxDeposit).toString();
}

export interface ChannelSchemeOptions {
  /** Signs vouchers and deposit authorizations; with `readContract` (channelSigner with an RPC) it can resync from the chain. */
  signer: ClientEvmSigner;
  storage: ClientChannelStorage;
  /** The per-payment spend cap the x402 client is given (the most one call may cost), base units. */
  priceCap: bigint;
  /** The largest deposit to sign, base units. */
  maxDeposit: bigint;
}

/**
 * The official scheme with our deposit sizing. The official client caps a deposit at
 * `depositMultiplier × the per-payment spend cap` before any strategy runs; the multiplier is set so
 * that ceiling is at least `maxDeposit`, and the strategy enforces `maxDeposit` exactly.
 */
export function createChannelScheme({ signer, storage, priceCap, maxDeposit }: ChannelSchemeOptions): ChannelScheme {
  const multiplier = priceCap > 0n ? (maxDeposit + priceCap - 1n) / priceCap : 3n;
  const official = new BatchSettlementEvmScheme(signer, {
    storage,
    depositPolicy: { depositMultiplier: Number(multiplier > 3n ? multiplier : 3n) },
    depositStrategy: (context) => sizeDeposit(context, maxDeposit),
  });
  return new ChannelScheme(official, storage);
}

/**
 * A signer that can read the chain when an RPC is known: the official client needs `readContract` to
 * recover a channel it has no record of and to check a corrective 402 against the escrow. Without one
 * it still pays from its stored state, but cannot resync.
 */
export function channelSigner(account: LocalAccount, rpcUrl: string | null): ClientEvmSigner {
  if (!rpcUrl) return account as unknown as ClientEvmSigner;
  return toClientEvmSigner(account as never, createPublicClient({ transport: http(rpcUrl, { timeout: 10_000, retryCount: 1 }) }) as never);
}

/**
 * The official client scheme as registered with an x402Client: payloads and receipts are the
 * official ones, with one change of timing — a receipt marked `extra.provisional` (a metered stream's
 * charge at its first chunk, the call's maximum) is held until the stream states its final charge
 * (`settleHeld`), so the channel's stored cumulative charge is what the edge finally charged and the
 * next call needs no corrective round trip.
 */
export class ChannelScheme implements SchemeNetworkClient {
  readonly scheme = BATCH_SETTLEMENT;
  readonly schemeHooks: SchemeClientHooks;
  readonly findDefaultAsset: BatchSettlementEvmScheme["findDefaultAsset"];
  #held: PaymentResponseContext | null = null;
  readonly #apply: NonNullable<SchemeClientHooks["onPaymentResponse"]>;

  constructor(
    readonly official: BatchSettlementEvmScheme,
    readonly storage: ClientChannelStorage,
  ) {
    this.findDefaultAsset = official.findDefaultAsset;
    const apply = official.schemeHooks.onPaymentResponse;
    if (!apply) throw new Error("the official batch-settlement client scheme has no onPaymentResponse hook");
    this.#apply = apply;
    this.schemeHooks = {
      ...official.schemeHooks,
      onPaymentResponse: async (ctx) => {
        if (ctx.settleResponse?.success && ctx.settleResponse.extra?.provisional === true) {
          this.#held = ctx;
          return;
        }
        return apply(ctx);
      },
    };
  }

  createPaymentPayload(x402Version: number, requirements: PaymentRequirements, context?: PaymentPayloadContext): Promise<PaymentPayloadResult> {
    return this.official.createPaymentPayload(x402Version, requirements, context);
  }

  /** True while a provisional receipt waits for its stream's final charge. */
  get holding(): boolean {
    return this.#held !== null;
  }

  /**
   * The stream ended: its final receipt (the last event's `x402_payment_response`) updates the
   * channel as the header receipt would have; without one, the provisional receipt does (the edge
   * may then correct the next call, which the official client resyncs from).
   */
  async settleHeld(final: SettleResponse | null): Promise<void> {
    const held = this.#held;
    this.#held = null;
    if (!held) return;
    await this.#apply(final?.success ? { ...held, settleResponse: final } : held);
  }

  /** The channel a requirement opens or continues (the official config and id, for this signer). */
  channelId(requirements: PaymentRequirements): `0x${string}` {
    return computeChannelId(this.official.buildChannelConfig(requirements), requirements.network);
  }
}

/** What a channel receipt (PAYMENT-RESPONSE or `_meta["x402/payment-response"]`) says, in numbers. */
export interface ChannelReceipt {
  channelId: string | null;
  /** Charged for this call (`extra.chargedAmount`). */
  charged: bigint | null;
  /** Charged on the channel so far, this call included (`channelState.chargedCumulativeAmount`). */
  chargedCumulative: bigint | null;
  /** Deposited into the channel (less refunds), per the escrow (`channelState.balance`). */
  balance: bigint | null;
  /** What the deposits still cover: balance − charged so far. */
  remaining: bigint | null;
  /** A deposit this call made: its amount and transaction. */
  deposit: { amount: bigint; transaction: string } | null;
  /** A stream's charge at its first chunk; the final one comes at its end. */
  provisional: boolean;
}

export function channelReceipt(receipt: SettleResponse): ChannelReceipt {
  const extra = (receipt.extra ?? {}) as { chargedAmount?: unknown; provisional?: unknown; channelState?: Record<string, unknown> };
  const state = typeof extra.channelState === "object" && extra.channelState !== null ? extra.channelState : {};
  const units = (value: unknown) => (typeof value === "string" && /^\d+$/.test(value) ? BigInt(value) : null);
  const balance = units(state.balance);
  const chargedCumulative = units(state.chargedCumulativeAmount);
  const depositAmount = units(receipt.amount);
  return {
    channelId: typeof state.channelId === "string" ? state.channelId : null,
    charged: units(extra.chargedAmount),
    chargedCumulative,
    balance,
    remaining: balance !== null && chargedCumulative !== null ? balance - chargedCumulative : null,
    deposit: receipt.transaction && depositAmount !== null ? { amount: depositAmount, transaction: receipt.transaction } : null,
    provisional: extra.provisional === true,
  };
}
