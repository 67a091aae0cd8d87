import { sign } from "node:crypto";
import { bytesToBase64Url } from "../../protocol/base64.ts";
import { authMessage } from "../../protocol/handshake.ts";
import type { AuthMessage } from "../../protocol/tunnel-messages.ts";
import type { RunnerKey } from "../key-file.ts";

/** The runner's answer to the edge's challenge: an Ed25519 signature over the protocol's auth message. */
export function answerChallenge(key: RunnerKey, challenge: string, timestamp: number): AuthMessage {
  const signature = sign(null, authMessage(challenge, key.runnerId, timestamp), key.privateKey);
  return { type: "auth", runnerId: key.runnerId, challenge, timestamp, signature: bytesToBase64Url(signature) };
}
