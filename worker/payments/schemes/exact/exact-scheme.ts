import type { SettleResponse } from "@x402/core/types";
import type { Address, Hex } from "viem";
import type { SignatureRecoverer } from "../../../chain/signatures/recoverer.ts";
import type { PaymentConfig } from "../../../config/edge-config.ts";
import type { PaymentScheme, SchemeOffer, SchemeSettlement, VerifyContext } from "../../core/payment-scheme.ts";
import { PaymentReason, type PaymentRefusal } from "../../core/reasons.ts";
import type { PaidResource } from "../../core/terms.ts";
import type { PaymentPayload } from "../../core/wire.ts";
import type { PaymentLedger } from "../../ledger/payment-ledger.ts";
import { EXACT, exactOffer } from "./exact-offer.ts";
import type { ExactEvmPayload } from "./exact-payload.ts";
import { ExactReason } from "./exact-reasons.ts";
import type { ExactSettleRequest, ExactSettlement } from "./exact-settlement.ts";
import { verifyExactPayment, type ExactPayment } from "./verify-exact.ts";

export interface ExactSchemeOptions {
  config: PaymentConfig;
  /** Where exact payments reserve their nonce and are written down. */
  ledger: DurableObjectStub<PaymentLedger>;
  settlement: ExactSettlement;
  /** ERC-1271 for contract wallets; absent without an RPC URL (EOA signatures only). */
  isValidContractSignature?: (wallet: Address, digest: Hex, signature: Hex) => Promise<boolean>;
  /** Who signed a digest; default noble (verify-exact.ts). */
  recoverer?: SignatureRecoverer;
}

/**
 * x402 `exact` on EVM with EIP-3009: the payer signs transferWithAuthorization for exactly the
 * price; verification is local (EIP-712 recovery); the EIP-3009 nonce is reserved in the ledger; the
 * chain simulation runs alongside the job; settlement is one transfer per call.
 */
export class ExactEvmScheme implements PaymentScheme<ExactPayment> {
  readonly scheme = EXACT;
  readonly billing = "fixed" as const;
  readonly network: string;

  constructor(private readonly options: ExactSchemeOptions) {
    this.network = options.config.network;
  }

  offer(price: bigint, resource: PaidResource): SchemeOffer {
    return exactOffer(this.options.config, price, resource);
  }

  verify(payload: PaymentPayload, offer: SchemeOffer, ctx: VerifyContext) {
    const { config, isValidContractSignature, recoverer } = this.options;
    return verifyExactPayment(payload as PaymentPayload<ExactEvmPayload>, {
      config,
      offer,
      nowSeconds: Math.floor(ctx.nowMs / 1000),
      nowMs: ctx.nowMs,
      minValidityMs: ctx.minValidityMs,
      ...(isValidContractSignature ? { isValidContractSignature } : {}),
      ...(recoverer ? { recoverer } : {}),
    });
  }

  async reserve(payment: ExactPayment, { leaseMs }: { leaseMs: number }): Promise<PaymentRefusal | null> {
    const reserved = await this.options.ledger.reserve(this.key(payment), { payer: payment.payer, amount: payment.maxAmount.toString(), validUntil: payment.validBefore, leaseMs });
    if (reserved.ok) return null;
    switch (reserved.state) {
      case "settled":
        return { reason: ExactReason.nonceAlreadyUsed, message: "this payment authorization was already used for a result" };
      case "pending":
        return { reason: PaymentReason.settlementPending, message: "this payment authorization is being settled; sign a new one" };
      case "in_flight":
        return { reason: PaymentReason.paymentInFlight, message: "this payment authorization is already paying for a request in progress" };
    }
  }

  /**
   * The chain's answer (the simulated transfer) and, when it learnt the payer's balance, whether the
   * payer's payments in flight fit in it: one wallet may not start more jobs than it can pay for.
   */
  async preflight(payment: ExactPayment, offer: SchemeOffer): Promise<PaymentRefusal | null> {
    const outcome = await this.options.settlement.preflight(this.settleRequest(payment, offer));
    if (!outcome.ok) return outcome.definitive ? { reason: outcome.reason, message: outcome.message } : null;
    if (outcome.balance === null) return null;
    const admitted = await this.options.ledger.admitSpend(this.key(payment), outcome.balance.toString());
    return admitted.ok ? null : { reason: ExactReason.insufficientBalance, message: `the payer's balance ${outcome.balance} does not cover its ${admitted.inFlight} in flight` };
  }

  async release(payment: ExactPayment): Promise<void> {
    await this.options.ledger.release(this.key(payment));
  }

  async hold(payment: ExactPayment, reference: string | null): Promise<void> {
    await this.options.ledger.markPending(this.key(payment), reference ?? "unknown");
  }

  async settle(payment: ExactPayment, charge: { amount: bigint }, offer: SchemeOffer): Promise<SchemeSettlement> {
    const network = receiptNetwork(payment, offer);
    if (charge.amount !== payment.maxAmount) {
      // The exact scheme moves exactly the authorized value; anything else is a defect in the caller.
      const message = `exact settles exactly ${payment.maxAmount}, not ${charge.amount}`;
      return { ok: false, refusal: { reason: PaymentReason.unexpectedSettleError, message }, receipt: failed(payment, network, PaymentReason.unexpectedSettleError, message, null), outcomeUnknown: false, reference: null };
    }
    const settled = await this.options.settlement.settle(this.settleRequest(payment, offer));
    if (!settled.success) {
      return {
        ok: false,
        refusal: { reason: settled.reason, message: settled.message },
        receipt: failed(payment, network, settled.reason, settled.message, settled.transaction),
        outcomeUnknown: settled.outcomeUnknown,
        reference: settled.transaction,
      };
    }
    return {
      ok: true,
      charged: payment.maxAmount,
      settlementRef: settled.transaction,
      transaction: settled.transaction,
      receipt: { success: true, transaction: settled.transaction, network, payer: settled.payer },
    };
  }

  private key(payment: ExactPayment) {
    return { scheme: EXACT, replayKey: payment.replayKey };
  }

  private settleRequest(payment: ExactPayment, offer: SchemeOffer): ExactSettleRequest {
    return {
      payer: payment.payer,
      paymentPayload: payment.payload,
      paymentRequirements: payment.x402Version === 1 && offer.v1 ? offer.v1 : offer.v2,
      asset: this.options.config.asset,
      network: this.network,
      replayKey: payment.replayKey,
      authorization: payment.authorization,
      signature: payment.signature,
    };
  }
}

/** Receipts name the network the way the client's x402 version does (v1: its v1 name). */
function receiptNetwork(payment: ExactPayment, offer: SchemeOffer): SettleResponse["network"] {
  return (payment.x402Version === 1 && offer.v1 ? offer.v1.network : offer.v2.network) as SettleResponse["network"];
}

function failed(payment: ExactPayment, network: SettleResponse["network"], reason: string, message: string, transaction: string | null): SettleResponse {
  return { success: false, errorReason: reason, errorMessage: message, payer: payment.payer, transaction: transaction ?? "", network };
}
