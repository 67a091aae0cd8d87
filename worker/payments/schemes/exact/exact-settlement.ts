import type { Hex } from "viem";
import type { FacilitatorRequest, PreflightOutcome, SettleOutcome } from "../../facilitator/facilitator-outcomes.ts";
import type { Authorization } from "./exact-payload.ts";

/** What settling one exact payment needs: the generic facilitator request plus the authorization itself. */
export interface ExactSettleRequest extends FacilitatorRequest {
  asset: Hex;
  network: string;
  /** The replay key, so that a transfer which lands unobserved can be put in the ledger (recovery.ts). */
  replayKey: string;
  authorization: Authorization;
  signature: Hex;
}

/**
 * Moves the money for a verified exact payment. Two implementations, chosen by config
 * (FACILITATOR): `embedded` has this edge's relayer submit transferWithAuthorization
 * (embedded-settlement.ts); `remote` calls an x402 facilitator's HTTP API (RemoteFacilitator).
 */
export interface ExactSettlement {
  /**
   * Asks the chain whether the transfer would succeed now (balance, unused nonce, signature).
   * It runs alongside the job, off the critical path; a definitive "no" cancels the job early.
   */
  preflight(request: ExactSettleRequest): Promise<PreflightOutcome>;
  settle(request: ExactSettleRequest): Promise<SettleOutcome>;
}
