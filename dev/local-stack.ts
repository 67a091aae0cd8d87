import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ANVIL_KEYS } from "./chain/accounts.ts";
import { startLocalChain, type LocalChain } from "./chain/local-chain.ts";
import { startEdge, type Edge } from "./edge.ts";
import { startOllamaStandin, type OllamaStandin, type StandinOptions } from "./ollama-standin/index.ts";
import { startRunnerProcess, type RunnerProcess, type RunnerProcessOptions } from "./runner-process.ts";
import { generateRunnerKey, type TestRunnerKey } from "./runner-keys.ts";

export const ADMIN_TOKEN = "e2e-admin-token-not-a-secret";
export const METRICS_TOKEN = "e2e-metrics-token-not-a-secret";

export interface LocalStackOptions {
  chainId?: number;
  /** Seconds between blocks on the local chain; absent: a block per transaction (automine). */
  chainBlockTime?: number;
  /** How many runner processes to start (each with its own key, all allowed at the edge). */
  runners?: number;
  /** Keys the edge allows but no process uses yet (for tests that start runners later). */
  spareRunnerKeys?: number;
  standin?: StandinOptions;
  /** Extra edge vars (e.g. prices, models, timeouts). */
  edgeEnv?: Record<string, string>;
  runnerEnv?: Record<string, string>;
  /** More edge vars computed once the chain runs (an RPC relay in front of it, a facilitator on it…). */
  prepareEdge?: (chain: LocalChain) => Promise<Record<string, string>>;
}

export interface LocalStack {
  chain: LocalChain;
  standin: OllamaStandin;
  /** The edge now running (replaced by restartEdge, at the same URL). */
  readonly edge: Edge;
  runners: RunnerProcess[];
  spareKeys: TestRunnerKey[];
  network: string;
  usdc: Address;
  payTo: Address;
  /** Signs the edge's channel claims and refunds (a fresh key per stack: RECEIVER_AUTHORIZER_KEY). */
  receiverAuthorizer: Address;
  startRunner(key: TestRunnerKey, extra?: Partial<RunnerProcessOptions>): RunnerProcess;
  /** Waits (30 s by default) until the edge lists `count` runners that have sent their models. */
  waitForRunners(count: number, options?: { timeoutMs?: number }): Promise<void>;
  admin(path: string): Promise<Response>;
  /**
   * Stops the edge (gracefully, or `crash: true` for SIGKILL) and starts it again on the same port
   * with the same Durable Object storage and vars, as a restart of the edge's process would.
   * Runners reconnect by themselves (their backoff), so this does not wait for them.
   */
  restartEdge(options?: { crash?: boolean }): Promise<Edge>;
  stop(): Promise<void>;
}

/**
 * Everything real, on loopback: anvil with Circle's USDC, the Ollama-API stand-in, the Worker under
 * wrangler dev with the embedded facilitator, and node-runner processes.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const runnerCount = options.runners ?? 1;
  const keys = Array.from({ length: runnerCount + (options.spareRunnerKeys ?? 0) }, () => generateRunnerKey());
  const [chain, standin] = await Promise.all([startLocalChain({ chainId: options.chainId ?? 31337, ...(options.chainBlockTime === undefined ? {} : { blockTime: options.chainBlockTime }) }), startOllamaStandin(options.standin)]);
  const network = `eip155:${chain.chainId}`;
  // The stack owns the edge's storage, so it outlives a restart of the edge process.
  const persistDir = mkdtempSync(join(tmpdir(), "edge402-state-"));
  let edge: Edge;
  let edgeEnv: Record<string, string>;
  const receiverAuthorizerKey: Hex = generatePrivateKey();
  try {
    const prepared = options.prepareEdge ? await options.prepareEdge(chain) : {};
    edgeEnv = {
      NETWORK: network,
      USDC_ADDRESS: chain.usdc.address,
      USDC_NAME: chain.usdc.name,
      USDC_VERSION: chain.usdc.version,
      PAY_TO: chain.accounts.payTo.address,
      FACILITATOR: "embedded",
      RPC_URL: chain.rpcUrl,
      RELAYER_KEY: ANVIL_KEYS[3], // the `relayer` role; a public anvil key
      RECEIVER_AUTHORIZER_KEY: receiverAuthorizerKey,
      ADMIN_TOKEN,
      METRICS_TOKEN,
      RUNNER_KEYS: keys.map((k) => k.publicKey).join(","),
      CHAT_MODELS: "qwen2.5:7b,qwen2.5:0.5b,qwen2.5vl:7b",
      ...options.edgeEnv,
      ...prepared,
    };
    edge = await startEdge({ env: edgeEnv, persistDir });
  } catch (error) {
    await Promise.allSettled([chain.stop(), standin.close()]);
    rmSync(persistDir, { recursive: true, force: true });
    throw error;
  }

  const startRunner = (key: TestRunnerKey, extra: Partial<RunnerProcessOptions> = {}) =>
    startRunnerProcess({ edgeUrl: edge.url, ollamaHost: standin.url, key, env: options.runnerEnv ?? {}, ...extra });
  const runners = keys.slice(0, runnerCount).map((key, i) => startRunner(key, { name: `runner-${i}` }));
  const admin = (path: string) => fetch(`${edge.url}${path}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });

  const stack: LocalStack = {
    chain,
    standin,
    get edge() {
      return edge;
    },
    runners,
    spareKeys: keys.slice(runnerCount),
    network,
    usdc: chain.usdc.address,
    payTo: chain.accounts.payTo.address,
    receiverAuthorizer: privateKeyToAccount(receiverAuthorizerKey).address,
    startRunner: (key, extra) => {
      const runner = startRunner(key, extra);
      runners.push(runner);
      return runner;
    },
    async waitForRunners(count, { timeoutMs = 30_000 } = {}) {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
        const response = await admin("/admin/runners");
        const body = (await response.json()) as { runners: Array<{ models: unknown[]; draining: boolean }> };
        if (body.runners.filter((r) => r.models.length > 0 && !r.draining).length >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`the edge never listed ${count} ready runners`);
    },
    admin,
    async restartEdge({ crash = false } = {}) {
      const { port } = edge;
      await edge.stop({ crash });
      edge = await startEdge({ env: edgeEnv, persistDir, port });
      return edge;
    },
    async stop() {
      await Promise.allSettled(runners.map((r) => r.kill()));
      await Promise.allSettled([edge.stop(), chain.stop(), standin.close()]);
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(runners.map((r) => r.connected));
    await stack.waitForRunners(runnerCount);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
