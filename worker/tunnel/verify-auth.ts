import { authMessage, HANDSHAKE_TIMEOUT_MS, MAX_CLOCK_SKEW_MS } from "../../protocol/handshake.ts";
import { base64UrlToBytes } from "../../protocol/base64.ts";
import type { AuthMessage } from "../../protocol/tunnel-messages.ts";
import type { TunnelCloseReason } from "../../protocol/close-codes.ts";
import type { RunnerKeyring } from "./runner-keys.ts";

export interface AuthContext {
  /** The challenge this socket was given. */
  issuedChallenge: string;
  /** When it was given: past HANDSHAKE_TIMEOUT_MS it is no longer accepted. */
  issuedAt: number;
  /** This edge's host as the socket reached it (`edgeHostOf(request.url)`): what the runner must have signed. */
  edgeHost: string;
  keyring: RunnerKeyring;
  now: number;
  /** Whether a challenge was already consumed by an earlier successful handshake. */
  wasChallengeUsed(challenge: string): boolean;
}

export type AuthVerdict = { ok: true; runnerId: string } | { ok: false; reason: TunnelCloseReason };

/**
 * Checks a runner's auth message against the challenge its socket was issued. The checks are ordered
 * so each failure gets its own close reason, and the signature (the only expensive step) comes last.
 */
export async function verifyRunnerAuth(auth: AuthMessage, ctx: AuthContext): Promise<AuthVerdict> {
  // The sweep closes late sockets only every so often; the deadline holds at the moment of answering too.
  if (ctx.now - ctx.issuedAt >= HANDSHAKE_TIMEOUT_MS) return { ok: false, reason: "handshake_timeout" };
  if (auth.challenge !== ctx.issuedChallenge) {
    return { ok: false, reason: ctx.wasChallengeUsed(auth.challenge) ? "challenge_replayed" : "challenge_mismatch" };
  }
  const key = ctx.keyring.get(auth.runnerId);
  if (!key) return { ok: false, reason: "unknown_runner" };
  if (Math.abs(ctx.now - auth.timestamp) > MAX_CLOCK_SKEW_MS) return { ok: false, reason: "stale_timestamp" };
  const signature = base64UrlToBytes(auth.signature);
  if (!signature || signature.length !== 64) return { ok: false, reason: "bad_signature" };
  const valid = await crypto.subtle.verify(
    "Ed25519",
    key,
    signature,
    authMessage({ edgeHost: ctx.edgeHost, challenge: auth.challenge, runnerId: auth.runnerId, timestampMs: auth.timestamp }),
  );
  return valid ? { ok: true, runnerId: auth.runnerId } : { ok: false, reason: "bad_signature" };
}
