import { bytesToHex } from "./base64.ts";

/**
 * The tunnel handshake, shared by runner (signs) and edge (verifies with WebCrypto Ed25519):
 *   edge → runner  {type:"challenge", challenge}        32 fresh random bytes, base64url
 *   runner → edge  {type:"auth", runnerId, challenge, timestamp, signature}
 * The signature covers the bytes of `authMessage(...)`. The domain prefix keeps a runner key from
 * ever signing something that could be replayed as a different kind of message; the edge's host (as
 * the runner dialled it) keeps a signature made for one edge from being relayed to another that
 * lists the same key; the challenge ties it to one socket and the timestamp to the present.
 */
export const AUTH_DOMAIN = "edge402-tunnel-auth:v2";
export const CHALLENGE_BYTES = 32;
/** How far a runner's clock may be from the edge's, either way. */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** A socket that has not authenticated by then is closed, and its challenge is no longer accepted. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Frames before authentication are a challenge answer (~250 characters); anything longer is refused unread. */
export const MAX_HANDSHAKE_FRAME_CHARS = 1024;

export interface AuthMessageFields {
  /** The edge's host as the runner dialled it: `edgeHostOf(url)`. */
  edgeHost: string;
  challenge: string;
  runnerId: string;
  timestampMs: number;
}

export function authMessage({ edgeHost, challenge, runnerId, timestampMs }: AuthMessageFields): Uint8Array {
  return new TextEncoder().encode(`${AUTH_DOMAIN}\n${edgeHost}\n${challenge}\n${runnerId}\n${timestampMs}`);
}

/**
 * The host both ends put in the signed message: the WHATWG URL `host` (lower-case name, the port only
 * when it is not the scheme's default), so wss://Edge.example:443/tunnel on the runner and
 * https://edge.example/tunnel at the Worker give the same "edge.example".
 */
export function edgeHostOf(url: string | URL): string {
  return new URL(url).host;
}

/**
 * A runner's id is derived from its public key, so no runner can claim another's id:
 * the edge looks the key up by id and the signature must verify under that key.
 */
export async function runnerIdFromPublicKey(rawPublicKey: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", rawPublicKey as Uint8Array<ArrayBuffer>));
  return `rn_${bytesToHex(digest.subarray(0, 10))}`;
}

export const RUNNER_ID_PATTERN = /^rn_[0-9a-f]{20}$/;
