import { RunnerError } from "../errors.ts";
import { readRunnerKey, writeNewRunnerKey, type RunnerKey } from "../key-file.ts";

export interface KeyCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** `node-runner keygen`: returns the exit code. */
export async function keygenCommand(file: string, force: boolean, io: KeyCommandIo): Promise<number> {
  try {
    const key = await writeNewRunnerKey(file, { force });
    io.stdout(`Wrote a new runner key to ${file} (mode 0600).\n${describeKey(key)}`);
    return 0;
  } catch (error) {
    return reportKeyError(error, io);
  }
}

/** `node-runner public-key`: prints what the edge operator needs, from an existing key file. */
export async function publicKeyCommand(file: string, io: KeyCommandIo): Promise<number> {
  try {
    io.stdout(describeKey(await readRunnerKey(file)));
    return 0;
  } catch (error) {
    return reportKeyError(error, io);
  }
}

export function describeKey(key: RunnerKey): string {
  return [
    `public key: ${key.publicKey}`,
    `runner id:  ${key.runnerId}`,
    "The edge operator adds this public key to RUNNER_KEYS; the private key never leaves this machine.",
    "",
  ].join("\n");
}

function reportKeyError(error: unknown, io: KeyCommandIo): number {
  if (error instanceof RunnerError) {
    io.stderr(`node-runner: ${error.message}\n`);
    return error.code === "key_file_write_failed" ? 1 : 2;
  }
  io.stderr(`node-runner: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
