import type { Hex } from "viem";

/** What a facilitator (the x402 HTTP API, or a scheme's own settlement) is asked to check or settle. */
export interface FacilitatorRequest {
  payer: string;
  /** The payload exactly as the client sent it, and the requirements we offered in its version. */
  paymentPayload: { x402Version: number };
  paymentRequirements: unknown;
}

export type SettleOutcome =
  | { success: true; transaction: Hex; payer: string }
  | {
      success: false;
      reason: string;
      message: string;
      /**
       * True when the money may still move (it was broadcast, or the facilitator did not answer):
       * the payment must then never be served again, even though this request is refused.
       */
      outcomeUnknown: boolean;
      transaction: Hex | null;
    };

export type PreflightOutcome =
  /** `balance`: the payer's token balance when the check learnt it (for the in-flight spend check). */
  | { ok: true; balance: bigint | null }
  /** `definitive`: the chain said no (not a timeout): the settlement cannot succeed as things stand. */
  | { ok: false; reason: string; message: string; definitive: boolean };
