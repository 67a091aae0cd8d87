import type { PaymentRequirements } from "@x402/core/types";
import type { PaymentRequirementsV1 } from "@x402/core/types/v1";
import type { Address, Hex } from "viem";
import type { VerifiedPayment } from "../verify-exact.ts";
import type { PaymentPayloadV1, PaymentPayloadV2 } from "../wire.ts";

export interface SettleRequest {
  payment: VerifiedPayment;
  /** The payload exactly as the client sent it, and the requirements we offered in its version. */
  paymentPayload: PaymentPayloadV1 | PaymentPayloadV2;
  paymentRequirements: PaymentRequirements | PaymentRequirementsV1;
}

export type SettleOutcome =
  | { success: true; transaction: Hex; payer: Address }
  | {
      success: false;
      reason: string;
      message: string;
      /**
       * True when the transfer may still land (it was broadcast, or the facilitator did not answer):
       * the authorization must then never be served again, even though this request is refused.
       */
      outcomeUnknown: boolean;
      transaction: Hex | null;
    };

export type PreflightOutcome =
  /** `balance`: the payer's token balance when the check learnt it (for the in-flight spend check). */
  | { ok: true; balance: bigint | null }
  /** `definitive`: the chain said no (not a timeout): the transfer cannot succeed as things stand. */
  | { ok: false; reason: string; message: string; definitive: boolean };

/**
 * Moves the money for a verified payment. Two implementations, chosen by config (FACILITATOR):
 * `embedded` submits transferWithAuthorization itself (see relayer.ts), `remote` calls an x402
 * facilitator's HTTP API.
 */
export interface Facilitator {
  /**
   * Asks the chain whether the transfer would succeed now (balance, unused nonce, signature).
   * It runs alongside the job, off the critical path; a definitive "no" cancels the job early.
   */
  preflight(request: SettleRequest): Promise<PreflightOutcome>;
  settle(request: SettleRequest): Promise<SettleOutcome>;
}
