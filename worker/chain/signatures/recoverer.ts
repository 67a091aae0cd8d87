import type { Address, Hex } from "viem";

/**
 * Who signed a 32-byte digest: the one question both payment schemes' local verification asks of
 * secp256k1. Behind an interface so the Worker can answer it with libsecp256k1 in WebAssembly
 * (secp256k1-wasm.ts, ~0.3 ms) while Node tests, scripts and a Worker whose wasm failed use viem's
 * pure-JS noble (noble-recoverer.ts, ~2–4 ms) — the same answers either way (a property test holds
 * them to it).
 *
 * `digest` is 0x + 64 hex digits, `signature` 0x + 130 (r ‖ s ‖ v, v ∈ {0, 1, 27, 28}). Anything
 * that is not a recoverable signature of that digest (bad lengths, r or s = 0 or ≥ n, another v,
 * r not on the curve) is null, never a throw: a refusal, not an error.
 */
export interface SignatureRecoverer {
  /** For the log line and the bench: which implementation answers. */
  readonly name: string;
  /** The checksummed address whose key made `signature` over `digest`, or null. */
  recoverAddress(digest: Hex, signature: Hex): Promise<Address | null>;
}

/** The two shapes the interface accepts; the implementations check them themselves. */
export const DIGEST_HEX = /^0x[0-9a-fA-F]{64}$/;
export const SIGNATURE_HEX = /^0x[0-9a-fA-F]{130}$/;
