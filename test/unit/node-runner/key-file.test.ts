import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { sign } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { base64UrlToBytes } from "../../../protocol/base64.ts";
import { authMessage, runnerIdFromPublicKey } from "../../../protocol/handshake.ts";
import { keygenCommand } from "../../../node-runner/commands/keygen.ts";
import { readRunnerKey, writeNewRunnerKey } from "../../../node-runner/key-file.ts";

const posix = process.platform !== "win32";

async function tempDir() {
  return mkdtemp(join(tmpdir(), "runner-key-"));
}

describe("keygen", () => {
  it.runIf(posix)("writes an Ed25519 JWK with mode 0600 in a 0700 directory it creates", async () => {
    const file = join(await tempDir(), "nested", "runner-key.json");
    await writeNewRunnerKey(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(file, ".."))).mode & 0o777).toBe(0o700);
    const jwk: unknown = JSON.parse(await readFile(file, "utf8"));
    expect(jwk).toEqual({ kty: "OKP", crv: "Ed25519", x: expect.stringMatching(/^[\w-]{43}$/), d: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it("refuses to overwrite without --force, and replaces with it", async () => {
    const file = join(await tempDir(), "k.json");
    const first = await writeNewRunnerKey(file);
    await expect(writeNewRunnerKey(file)).rejects.toMatchObject({ code: "key_file_exists" });
    expect((await readRunnerKey(file)).publicKey).toBe(first.publicKey);
    const second = await writeNewRunnerKey(file, { force: true });
    expect(second.publicKey).not.toBe(first.publicKey);
    expect((await readRunnerKey(file)).publicKey).toBe(second.publicKey);
    if (posix) expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("prints the public key and a runner id derived from it, as the edge derives it", async () => {
    const file = join(await tempDir(), "k.json");
    let out = "";
    const code = await keygenCommand(file, false, { stdout: (t) => (out += t), stderr: () => {} });
    expect(code).toBe(0);
    const key = await readRunnerKey(file);
    const raw = base64UrlToBytes(key.publicKey);
    expect(raw).not.toBeNull();
    expect(key.runnerId).toBe(await runnerIdFromPublicKey(raw ?? new Uint8Array()));
    expect(out).toContain(`public key: ${key.publicKey}`);
    expect(out).toContain(`runner id:  ${key.runnerId}`);
    expect(out).toContain("RUNNER_KEYS");
    expect(out).not.toContain(JSON.parse(await readFile(file, "utf8")).d);

    // The signature the runner makes verifies with WebCrypto against the printed key.
    const message = authMessage({ edgeHost: "edge.example", challenge: "c".repeat(43), runnerId: key.runnerId, timestampMs: 1234 });
    const signature = sign(null, message, key.privateKey);
    const publicKey = await crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, "Ed25519", false, ["verify"]);
    expect(await crypto.subtle.verify("Ed25519", publicKey, signature, message as Uint8Array<ArrayBuffer>)).toBe(true);

    let err = "";
    expect(await keygenCommand(file, false, { stdout: () => {}, stderr: (t) => (err += t) })).toBe(2);
    expect(err).toContain("--force");
  });

  it("rejects a key file whose public half does not match its private half", async () => {
    const dir = await tempDir();
    const a = await writeNewRunnerKey(join(dir, "a.json"));
    const b = JSON.parse(await readFile(join(dir, "a.json"), "utf8"));
    await writeNewRunnerKey(join(dir, "b.json"));
    const other = JSON.parse(await readFile(join(dir, "b.json"), "utf8"));
    await writeFile(join(dir, "mixed.json"), JSON.stringify({ ...b, x: other.x }));
    await expect(readRunnerKey(join(dir, "mixed.json"))).rejects.toMatchObject({ code: "key_file_invalid" });
    expect(a.publicKey).toBe(b.x);
  });

  it("never echoes key material in its errors", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "bad.json"), JSON.stringify({ kty: "OKP", crv: "X25519", x: "secret-x", d: "secret-d" }));
    const error: unknown = await readRunnerKey(join(dir, "bad.json")).catch((e: unknown) => e);
    expect(String(error)).not.toContain("secret");
  });
});
