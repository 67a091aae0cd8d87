import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { LOAD_LIMITS, type LoadConfig } from "./config.ts";
import type { LoadTarget } from "./target.ts";

/** The edge's MAX_TIMEOUT_SECONDS in a load run: pre-signed authorizations outlive the time budget. */
export const LOAD_AUTHORIZATION_SECONDS = 3_600;

export interface LoadStack {
  stack: LocalStack;
  /** Where the runners get their models: the stand-in's URL or LOAD_OLLAMA_HOST. */
  ollamaHost: string;
}

/**
 * The local stack `npm start` runs, on real parts and loopback ports of its own — anvil with Circle's
 * USDC (payers funded), the Worker under wrangler dev with the embedded facilitator, the Ollama-API
 * stand-in — with `config.runners` node-runner processes, each with its own key.
 */
export async function startLoadStack(config: LoadConfig, target: LoadTarget): Promise<LoadStack> {
  if (LOAD_AUTHORIZATION_SECONDS < LOAD_LIMITS.maxSeconds + 60) throw new Error("authorizations must outlive the longest time budget");
  const totalSlots = config.runners * config.slotsPerRunner;
  const stack = await startLocalStack({
    runners: 0,
    spareRunnerKeys: config.runners,
    // The stand-in generates as fast as it can; as many generations at once as the runners start.
    standin: { numParallel: totalSlots, maxQueue: Math.max(512, config.runners * config.queuePerRunner) },
    edgeEnv: { MAX_TIMEOUT_SECONDS: String(LOAD_AUTHORIZATION_SECONDS) },
    ...(config.blockMs > 0 ? { chainBlockTime: config.blockMs / 1000 } : {}),
  });
  try {
    const ollamaHost = config.ollamaHost ?? stack.standin.url;
    if (target.standinReply !== null && config.ollamaHost === null) stack.standin.script({ content: target.standinReply });
    const runners = stack.spareKeys.map((key, i) =>
      stack.startRunner(key, {
        name: `load-runner-${i}`,
        ollamaHost,
        env: { RUNNER_CONCURRENCY: `*=${config.slotsPerRunner}`, RUNNER_MAX_QUEUE: String(config.queuePerRunner) },
      }),
    );
    await Promise.all(runners.map((r) => r.connected));
    await stack.waitForRunners(config.runners);
    return { stack, ollamaHost };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
