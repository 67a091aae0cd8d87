import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startProcess, type ManagedProcess } from "./child-process.ts";
import { generateRunnerKey, type TestRunnerKey } from "./runner-keys.ts";

const ROOT = resolve(import.meta.dirname, "..");

export interface RunnerProcessOptions {
  edgeUrl: string;
  ollamaHost: string;
  key?: TestRunnerKey;
  /** Extra RUNNER_* environment (concurrency, models, grace…). */
  env?: Record<string, string>;
  name?: string;
}

export interface RunnerProcess {
  key: TestRunnerKey;
  /** Its key file (removed when the process exits); its status file is beside it (`node-runner status`). */
  keyFile: string;
  process: ManagedProcess;
  /** Resolves once the runner has authenticated and sent its hello. */
  connected: Promise<unknown>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  kill(): Promise<void>;
}

/** A real node-runner process (bin/node-runner.js), with its own key file. */
export function startRunnerProcess(options: RunnerProcessOptions): RunnerProcess {
  const key = options.key ?? generateRunnerKey();
  const dir = mkdtempSync(join(tmpdir(), "edge402-runner-"));
  const keyFile = join(dir, "runner-key.json");
  writeFileSync(keyFile, JSON.stringify(key.jwk), { mode: 0o600 });
  const proc = startProcess("node-runner", process.execPath, [join(ROOT, "bin", "node-runner.js"), "start"], {
    cwd: ROOT,
    env: {
      ...process.env,
      EDGE_URL: options.edgeUrl,
      OLLAMA_HOST: options.ollamaHost,
      RUNNER_KEY_FILE: keyFile,
      RUNNER_NAME: options.name ?? "test-runner",
      ...options.env,
    },
  });
  void proc.exited.then(() => rmSync(dir, { recursive: true, force: true }));
  return {
    key,
    keyFile,
    process: proc,
    connected: proc.waitForOutput(/ info connected /, 30_000),
    stop: (signal = "SIGTERM") => proc.stop({ signal, graceMs: 15_000 }),
    kill: async () => {
      await proc.stop({ signal: "SIGKILL", graceMs: 0 });
    },
  };
}
