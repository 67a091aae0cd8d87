import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { runnerIdFromPublicKey } from "../protocol/handshake.ts";

export interface TestRunnerKey {
  /** base64url raw public key, as RUNNER_KEYS lists it */
  publicKey: string;
  /** JWK with the private part, as `node-runner keygen` writes it */
  jwk: { kty: string; crv: string; x: string; d: string };
  privateKey: KeyObject;
}

/** A fresh Ed25519 runner identity (for tests and the local stack; never persisted). */
export function generateRunnerKey(): TestRunnerKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as { kty: string; crv: string; x: string; d: string };
  void publicKey;
  return { publicKey: jwk.x, jwk, privateKey };
}

/** The runner id the edge derives from this key (`rn_` + 20 hex of SHA-256 of the public key). */
export function runnerIdOf(key: TestRunnerKey): Promise<string> {
  return runnerIdFromPublicKey(new Uint8Array(Buffer.from(key.publicKey, "base64url")));
}
