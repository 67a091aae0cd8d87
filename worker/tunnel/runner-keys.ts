import { base64UrlToBytes } from "../../protocol/base64.ts";
import { runnerIdFromPublicKey } from "../../protocol/handshake.ts";

/** The runners allowed to connect: runner id (derived from the key) → Ed25519 verify key. */
export type RunnerKeyring = ReadonlyMap<string, CryptoKey>;

export async function buildRunnerKeyring(rawKeys: readonly Uint8Array[]): Promise<RunnerKeyring> {
  const entries = await Promise.all(
    rawKeys.map(async (raw) => {
      const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
      return [await runnerIdFromPublicKey(raw), key] as const;
    }),
  );
  return new Map(entries);
}

export type RunnerKeysParse = { ok: true; keys: Uint8Array[] } | { ok: false; problems: string[] };

/** RUNNER_KEYS: base64url Ed25519 public keys (as `node-runner keygen` prints them), comma or space separated. */
export function parseRunnerKeys(text: string | undefined): RunnerKeysParse {
  const keys: Uint8Array[] = [];
  const problems: string[] = [];
  const entries = (text ?? "").split(/[\s,]+/).filter(Boolean);
  for (const [i, entry] of entries.entries()) {
    const bytes = base64UrlToBytes(entry);
    if (!bytes || bytes.length !== 32) problems.push(`RUNNER_KEYS[${i}]: not a base64url Ed25519 public key (32 bytes)`);
    else keys.push(bytes);
  }
  return problems.length ? { ok: false, problems } : { ok: true, keys };
}
