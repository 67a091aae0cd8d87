import type { Address, Hex } from "viem";
import type { SendOutcome } from "./relayer-core.ts";

/** A contract call as it crosses Durable Object RPC: amounts as decimal strings (bigints do not cross everywhere). */
export interface RelayCall {
  to: Address;
  data: Hex;
  /** Decimal gas limit, or null to have it estimated. */
  gas: string | null;
}

export interface RelayPreflight {
  simulation: { ok: true; gas: string } | { ok: false; message: string };
  reads: Array<Hex | null>;
}

/** What senders ask of the relayer Durable Object (RelayerObject implements it; a stub over RPC). */
export interface RelayerPort {
  /** Simulates `call` from the relayer's account (what send would do) and runs `reads`, in parallel. */
  preflight(request: { call: { to: Address; data: Hex }; reads: Array<{ to: Address; data: Hex }> }): Promise<RelayPreflight>;
  send(request: { call: RelayCall; memo?: unknown; expiresAt?: number | null }): Promise<SendOutcome>;
}
