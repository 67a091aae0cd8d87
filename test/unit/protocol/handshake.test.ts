import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { base64UrlToBytes } from "../../../protocol/base64.ts";
import { authMessage, edgeHostOf, RUNNER_ID_PATTERN, runnerIdFromPublicKey } from "../../../protocol/handshake.ts";

describe("handshake", () => {
  it("derives a stable runner id from the public key", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const raw = base64UrlToBytes((privateKey.export({ format: "jwk" }) as { x: string }).x)!;
    const id = await runnerIdFromPublicKey(raw);
    expect(id).toMatch(RUNNER_ID_PATTERN);
    expect(await runnerIdFromPublicKey(raw)).toBe(id);
    const other = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) as { x: string };
    expect(await runnerIdFromPublicKey(base64UrlToBytes(other.x)!)).not.toBe(id);
  });

  it("signs bytes that a WebCrypto Ed25519 verifier (what workerd runs) accepts, and only those", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const fields = { edgeHost: "edge.example", challenge: "A".repeat(43), runnerId: "rn_0123456789abcdef0123", timestampMs: 1_700_000_000_000 };
    const message = authMessage(fields);
    const signature = sign(null, message, privateKey);
    const key = await crypto.subtle.importKey("raw", publicKey.export({ format: "der", type: "spki" }).subarray(12), { name: "Ed25519" }, false, ["verify"]);
    expect(await crypto.subtle.verify("Ed25519", key, signature, message)).toBe(true);
    for (const tampered of [{ timestampMs: fields.timestampMs + 1 }, { edgeHost: "edge.example:8443" }, { challenge: "B".repeat(43) }, { runnerId: "rn_0123456789abcdef0124" }]) {
      expect(await crypto.subtle.verify("Ed25519", key, signature, authMessage({ ...fields, ...tampered }))).toBe(false);
    }
  });

  it.each([
    ["wss://Edge.Example/tunnel", "https://edge.example/tunnel", "edge.example"],
    ["wss://edge.example:443/tunnel", "https://edge.example/tunnel", "edge.example"],
    ["ws://127.0.0.1:8787/tunnel", "http://127.0.0.1:8787/tunnel", "127.0.0.1:8787"],
  ])("runner (%s) and Worker (%s) name the same edge host", (runnerUrl, workerUrl, host) => {
    expect(edgeHostOf(runnerUrl)).toBe(host);
    expect(edgeHostOf(workerUrl)).toBe(host);
  });
});
