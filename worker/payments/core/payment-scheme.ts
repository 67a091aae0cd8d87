import type { PaymentRequirements, SettleResponse } from "@x402/core/types";
import type { PaymentRequirementsV1 } from "@x402/core/types/v1";
import type { LandedTx } from "../../chain/relayer/relayer-core.ts";
import type { RecoveredPayment } from "./payment-book.ts";
import type { PaymentRefusal } from "./reasons.ts";
import type { PaidResource } from "./paid-resource.ts";
import type { PaymentPayload } from "./wire.ts";

/**
 * The seam between the payment core and a payment scheme (a transfer per call on EVM, a channel
 * scheme, a scheme on another chain family). The core (paid-call.ts) knows only this: it offers every
 * registered scheme in each 402, picks the one a payment names by `scheme` + `network`, and drives
 * it through one lifecycle:
 *
 *   offer → verify (local) → reserve → [job ∥ preflight] → settle → (finalize) → record
 *                                    ↘ release (nothing charged) or hold (outcome unknown)
 *
 * Modelled on the x402 reference's split of SchemeNetworkServer (requirements) and
 * SchemeNetworkFacilitator (verify/settle), registered per network; here one object per scheme and
 * network does both, because verification is local and settlement is the edge's own.
 * Schemes are registered in payments/schemes/registry.ts, the only place that names them.
 */
export interface PaymentScheme<P extends VerifiedPayment = VerifiedPayment> {
  /** x402 scheme name, as it appears in `accepts` and payloads. */
  readonly scheme: string;
  /** CAIP-2 network, e.g. "eip155:8453". */
  readonly network: string;
  /**
   * `fixed`: a payment is for exactly the amount offered (the price), and that is what is charged.
   * `metered`: the amount offered is a ceiling; the call is charged what it used, up to it.
   */
  readonly billing: "fixed" | "metered";
  /** Contracts the scheme needs on its network, by name (an operator's pre-flight check looks for their code). */
  readonly contracts?: Readonly<Record<string, `0x${string}`>>;

  /**
   * The `accepts` entry for `price` (base units of the network's asset) and `resource`, in both x402
   * versions (v1 null where the network has no v1 name). Deterministic — no clocks, no randomness —
   * so the requirements a client echoes on its paid retry are exactly the ones it was offered.
   */
  offer(price: bigint, resource: PaidResource): SchemeOffer;

  /**
   * Local verification of a payload whose scheme part already passed this scheme's schema: every
   * check that needs no chain round trip, each failure with its own reason. Refuses a payment that
   * cannot stay settleable for `ctx.minValidityMs`.
   */
  verify(payload: PaymentPayload, offer: SchemeOffer, ctx: VerifyContext): Promise<Verdict<P>>;

  /** Claims the payment's replay key for this call, atomically: a second use is refused until released. */
  reserve(payment: P, options: { leaseMs: number }): Promise<PaymentRefusal | null>;

  /**
   * Runs alongside the job: whether the payment can be settled as things stand (balance, unused
   * nonce, a deposit landed…). A refusal cancels the job; null means go ahead — including when the
   * check itself could not run, in which case settlement has the last word.
   */
  preflight(payment: P, offer: SchemeOffer): Promise<PaymentRefusal | null>;

  /** Nothing was charged: the payment may be used again. */
  release(payment: P): Promise<void>;

  /** Settlement's outcome is unknown (it may still land): the payment must never be served again. */
  hold(payment: P, reference: string | null): Promise<void>;

  /**
   * Charges `amount` (≤ `payment.maxAmount`; exactly it for `fixed` billing). `final: false` (metered
   * streams) commits the charge provisionally: the receipt can go out now, and `finalize` fixes the
   * amount actually used when the stream ends.
   */
  settle(payment: P, charge: { amount: bigint; final: boolean }, offer: SchemeOffer): Promise<SchemeSettlement>;

  /**
   * Metered schemes: completes a provisional settlement with the amount used (≤ the provisional one);
   * `receipt` states the final charge (a stream's last event carries it).
   */
  finalize?(payment: P, amount: bigint): Promise<{ charged: bigint; settlementRef: string; receipt: SettleResponse }>;

  /**
   * Schemes that hold the payer's funds (channels): gives back what the payer has left, with no job —
   * the x402 cooperative refund. Absent: the scheme has nothing to refund.
   */
  refund?(payment: P, offer: SchemeOffer): Promise<SchemeRefund>;
}

export type SchemeRefund =
  | { ok: true; receipt: SettleResponse; body: Record<string, unknown> }
  /** `settled`: the refund failed at settlement (the client gets the failed receipt) rather than being refused up front. */
  | { ok: false; refusal: PaymentRefusal; receipt: SettleResponse | null };

/** What a 402 offers for one scheme on one network. */
export interface SchemeOffer {
  v2: PaymentRequirements;
  /** null where the network has no x402 v1 name: v1 clients cannot pay there. */
  v1: PaymentRequirementsV1 | null;
}

/** A payment that passed a scheme's local checks, as the core sees it; schemes extend it with their own. */
export interface VerifiedPayment {
  readonly x402Version: 1 | 2;
  readonly payer: string;
  /** The most this payment allows to be charged, base units. */
  readonly maxAmount: bigint;
  /** Unique per payment within its scheme: the ledger's key, and what a replay is refused on. */
  readonly replayKey: string;
  /** Unix ms after which it can no longer be settled (the job must end well before); null: no deadline. */
  readonly settleBy: number | null;
}

export interface VerifyContext {
  nowMs: number;
  /** The payment must stay settleable at least this long from now (the shortest job plus settlement). */
  minValidityMs: number;
}

export type Verdict<P> = { ok: true; payment: P } | { ok: false; refusal: PaymentRefusal };

export type SchemeSettlement =
  | {
      ok: true;
      /** What was charged, base units (provisional when `final` was false). */
      charged: bigint;
      /** What settled it, in the scheme's terms: a transaction hash; a channel and cumulative amount. */
      settlementRef: string;
      /** The on-chain transaction that moved the money now, if one did. */
      transaction: string | null;
      /** The x402 SettleResponse for the client (PAYMENT-RESPONSE / MCP `_meta`). */
      receipt: SettleResponse;
    }
  | {
      ok: false;
      refusal: PaymentRefusal;
      /** The failed SettleResponse the client gets with the withheld result. */
      receipt: SettleResponse;
      /** The money may still move: the core holds the payment instead of releasing it. */
      outcomeUnknown: boolean;
      reference: string | null;
    };

/**
 * After a crash: a transaction a scheme had the relayer send landed while nobody waited for it.
 * The scheme reads its memo and receipt and says what to put in the ledger (null: nothing moved that
 * was a payment, e.g. a reverted inner call). Registered with the scheme, run by the relayer's sweep.
 */
export type SchemeRecovery = (landed: LandedTx) => RecoveredPayment | null;
