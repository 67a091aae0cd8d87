import { sign } from "node:crypto";
import { bytesToBase64Url } from "../../protocol/base64.ts";
import { authMessage } from "../../protocol/handshake.ts";
import type { AuthMessage } from "../../protocol/tunnel-messages.ts";
import type { RunnerKey } from "../key-file.ts";

export interface ChallengeAnswer {
  /** The host of the edge this runner dialled (`edgeHostOf(tunnelUrl)`), never one the edge names. */
  edgeHost: string;
  challenge: string;
  timestamp: number;
}

/** The runner's answer to the edge's challenge: an Ed25519 signature over the protocol's auth message. */
export function answerChallenge(key: RunnerKey, { edgeHost, challenge, timestamp }: ChallengeAnswer): AuthMessage {
  const signature = sign(null, authMessage({ edgeHost, challenge, runnerId: key.runnerId, timestampMs: timestamp }), key.privateKey);
  return { type: "auth", runnerId: key.runnerId, challenge, timestamp, signature: bytesToBase64Url(signature) };
}
