import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOllamaStandin, type OllamaStandin } from "../../../../dev/ollama-standin/index.ts";
import { runnerConfig, type RunnerConfigOptions } from "../../../../node-runner/config.ts";
import { startRunner, type RunnerDeps, type RunnerHandle } from "../../../../node-runner/daemon.ts";
import { writeNewRunnerKey, type RunnerKey } from "../../../../node-runner/key-file.ts";
import { captureLogger } from "./capture-logger.ts";
import { FakeEdge } from "./fake-edge.ts";

export interface RunnerFixture {
  edge: FakeEdge;
  ollama: OllamaStandin;
  runner: RunnerHandle;
  key: RunnerKey;
  keyFile: string;
  log: ReturnType<typeof captureLogger>;
  close(): Promise<void>;
}

export async function newKey(): Promise<{ key: RunnerKey; keyFile: string }> {
  const keyFile = join(await mkdtemp(join(tmpdir(), "runner-it-")), "runner-key.json");
  return { key: await writeNewRunnerKey(keyFile), keyFile };
}

/**
 * A fake edge that trusts a fresh key, the Ollama stand-in, and a runner started in-process between
 * them. Reconnects are immediate (random → 0) so tests that drop the link wait on events, not time.
 */
export async function startFixture(
  options: {
    config?: Partial<RunnerConfigOptions>;
    deps?: RunnerDeps;
    trustKey?: boolean;
    edge?: FakeEdge;
    ollama?: OllamaStandin;
  } = {},
): Promise<RunnerFixture> {
  const { key, keyFile } = await newKey();
  const edge = options.edge ?? (await FakeEdge.start());
  if (options.trustKey ?? true) await edge.trust(key.publicKey);
  const ollama = options.ollama ?? (await startOllamaStandin());
  const log = captureLogger();
  const config = runnerConfig({
    edgeUrl: edge.url,
    keyFile,
    ollamaHost: ollama.url,
    models: "qwen2.5:7b,qwen2.5vl:7b,all-minilm",
    graceMs: 10_000,
    modelPollMs: 600_000,
    ...options.config,
  });
  const runner = await startRunner(config, { key, logger: log.logger, random: () => 0, ...options.deps });
  return {
    edge,
    ollama,
    runner,
    key,
    keyFile,
    log,
    async close() {
      await runner.stopNow();
      await edge.close();
      await ollama.close();
    },
  };
}
