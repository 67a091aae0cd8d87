import { defineConfig } from "vitest/config";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { generateRunnerKey } from "./dev/runner-keys.ts";

// Two runner identities the workerd tests authenticate with, and one the edge does not know.
const runnerKeys = [generateRunnerKey(), generateRunnerKey(), generateRunnerKey()];

// Three projects, one per runtime and cost, run one after another (groupOrder):
//  - unit:    Node, fast, no child processes beyond the ones a test starts itself
//  - workers: inside workerd (Durable Objects, WebSockets) via the Workers vitest pool
//  - e2e:     Node, real processes (wrangler dev, anvil, node-runner, the Ollama stand-in)
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./test/workers/wrangler.test.toml" },
            miniflare: {
              bindings: {
                RUNNER_KEYS: `${runnerKeys[0]!.publicKey},${runnerKeys[1]!.publicKey}`,
                TEST_RUNNER_JWKS: JSON.stringify(runnerKeys.map((k) => k.jwk)),
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          testTimeout: 20_000,
          // The first Durable Object call of a run loads the Worker's whole module graph through the
          // pool's module service (10–18 s cold on two cores): whichever hook or test makes it pays that.
          hookTimeout: 60_000,
          // The tunnel tests share one RunnerPool object (the Worker routes every runner to it) and
          // the same runner identities: files running side by side would replace each other's sockets.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Each file starts its own chain, edge and runners; two cores cannot run many at once.
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
