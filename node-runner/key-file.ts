import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { chmod, mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { base64UrlToBytes } from "../protocol/base64.ts";
import { runnerIdFromPublicKey } from "../protocol/handshake.ts";
import { RunnerError } from "./errors.ts";

/**
 * The runner's identity: an Ed25519 key pair stored as a private JWK. The edge holds only the public
 * half (the JWK `x`) and derives the runner id from it, so the file never leaves this machine.
 */
export interface RunnerKey {
  readonly privateKey: KeyObject;
  /** base64url of the raw 32-byte public key: what the edge operator adds to RUNNER_KEYS. */
  readonly publicKey: string;
  readonly runnerId: string;
}

export function defaultKeyFile(home: string = homedir()): string {
  return join(home, ".edge402", "runner-key.json");
}

const Base64Url32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be 43 base64url characters (32 bytes)");
const KeyJwkSchema = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: Base64Url32,
  d: Base64Url32,
});

/** Larger files are not key files; refusing early keeps a wrong path from being read whole. */
const MAX_KEY_FILE_BYTES = 16 * 1024;

export async function readRunnerKey(file: string): Promise<RunnerKey> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new RunnerError("key_file_invalid", `key file ${file} is not a regular file`);
    if (info.size > MAX_KEY_FILE_BYTES) throw new RunnerError("key_file_invalid", `key file ${file} is too large to be a key`);
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof RunnerError) throw error;
    if (isErrnoCode(error, "ENOENT")) {
      throw new RunnerError("key_file_missing", `key file ${file} does not exist; create one with \`node-runner keygen\``);
    }
    throw new RunnerError("key_file_invalid", `key file ${file} cannot be read: ${errorMessage(error)}`, { cause: error });
  }
  return parseRunnerKey(text, file);
}

export async function parseRunnerKey(text: string, file = "(key)"): Promise<RunnerKey> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RunnerError("key_file_invalid", `key file ${file} is not JSON`);
  }
  const parsed = KeyJwkSchema.safeParse(json);
  if (!parsed.success) {
    // Only paths and issue texts: never echo the file's values, which include the private key.
    const where = parsed.error.issues.map((issue) => issue.path.join(".") || "(root)").join(", ");
    throw new RunnerError("key_file_invalid", `key file ${file} is not an Ed25519 private JWK (check ${where})`);
  }
  const { x, d } = parsed.data;
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x, d }, format: "jwk" });
  } catch (error) {
    throw new RunnerError("key_file_invalid", `key file ${file} holds an unusable Ed25519 key`, { cause: error });
  }
  // A hand-edited file could pair one key's `x` with another's `d`; the edge would then reject every
  // signature with a confusing bad_signature, so catch it here.
  const derived = createPublicKey(privateKey).export({ format: "jwk" });
  if (derived.x !== x) {
    throw new RunnerError("key_file_invalid", `key file ${file}: public key "x" does not belong to private key "d"`);
  }
  const raw = base64UrlToBytes(x);
  if (raw === null || raw.length !== 32) throw new RunnerError("key_file_invalid", `key file ${file}: bad public key`);
  return { privateKey, publicKey: x, runnerId: await runnerIdFromPublicKey(raw) };
}

/** A warning when group or others can read the key (POSIX only; Windows has no such mode bits). */
export async function keyFileModeWarning(file: string, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (platform === "win32") return null;
  try {
    const mode = (await stat(file)).mode & 0o777;
    if ((mode & 0o077) === 0) return null;
    return `key file ${file} has mode ${mode.toString(8).padStart(4, "0")}, readable by others; run: chmod 600 ${JSON.stringify(file)}`;
  } catch {
    return null;
  }
}

export interface WriteKeyOptions {
  /** Replace an existing file. Without it an existing key is never touched. */
  force?: boolean;
}

export async function writeNewRunnerKey(file: string, { force = false }: WriteKeyOptions = {}): Promise<RunnerKey> {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  const text = `${JSON.stringify({ kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d }, null, 2)}\n`;
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    if (force) {
      // Write beside the target and rename over it, so the file is never briefly missing or
      // half-written, and the new file is created 0600 rather than inheriting the old file's mode.
      const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await writeFile(temp, text, { mode: 0o600, flag: "wx" });
        await rename(temp, file);
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw error;
      }
    } else {
      // "wx" fails if the file exists, atomically: no check-then-write race.
      await writeFile(file, text, { mode: 0o600, flag: "wx" });
    }
    // The umask can only narrow 0600, but an explicit chmod makes the result independent of it.
    await chmod(file, 0o600);
  } catch (error) {
    if (isErrnoCode(error, "EEXIST")) {
      throw new RunnerError("key_file_exists", `key file ${file} already exists; pass --force to replace it (the old key stops working)`);
    }
    throw new RunnerError("key_file_write_failed", `cannot write key file ${file}: ${errorMessage(error)}`, { cause: error });
  }
  return parseRunnerKey(text, file);
}

function isErrnoCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === code;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
