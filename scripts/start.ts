/**
 * npm start — the whole edge402 stack on this machine, on real parts:
 *   anvil (chain 31337) with Circle's USDC and a funded demo payer,
 *   the Worker under `wrangler dev` with the embedded facilitator on that chain,
 *   a node-runner with a fresh key, connected to Ollama at OLLAMA_HOST.
 * Writes .edge402/stack.json when ready; Ctrl-C stops everything and removes it.
 */
import { randomBytes } from "node:crypto";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ANVIL_KEYS } from "../dev/chain/accounts.ts";
import { startLocalChain, type LocalChain } from "../dev/chain/local-chain.ts";
import { startEdge, type Edge } from "../dev/edge.ts";
import { startRunnerProcess, type RunnerProcess } from "../dev/runner-process.ts";
import { generateRunnerKey } from "../dev/runner-keys.ts";
import { runnerIdFromPublicKey } from "../protocol/handshake.ts";
import { base64UrlToBytes } from "../protocol/base64.ts";
import { SEED_SERVICES } from "../protocol/catalog/catalog.ts";
import { checkOllama } from "./lib/ollama-check.ts";
import { step, warn } from "./lib/progress.ts";
import { STACK_FILE, STATE_DIR, removeStackFile, writeStackFile } from "./lib/stack-file.ts";

const EDGE_PORT = Number(process.env.EDGE_PORT ?? 8787);
const CHAIN_PORT = Number(process.env.CHAIN_PORT ?? 8545);
const OLLAMA_HOST = process.env.OLLAMA_HOST ?? "http://127.0.0.1:11434";
const CHAT_MODELS = process.env.CHAT_MODELS ?? "qwen2.5:7b,qwen2.5:0.5b";
const EMBED_MODELS = process.env.EMBED_MODELS ?? "nomic-embed-text";
/** Every model something on sale needs: the chat and embedding models, and each service's model. */
const WANTED_MODELS = [...new Set([...CHAT_MODELS.split(","), ...EMBED_MODELS.split(","), ...SEED_SERVICES.map((s) => s.defaultModel)])];

let chain: LocalChain | undefined;
let edge: Edge | undefined;
let runner: RunnerProcess | undefined;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  process.stdout.write("\nstopping…\n");
  removeStackFile();
  await runner?.stop("SIGTERM").catch(() => {});
  await edge?.stop().catch(() => {});
  await chain?.stop().catch(() => {});
  process.stdout.write("stopped.\n");
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  console.log("edge402 local stack\n");
  removeStackFile();
  // Fresh state every start: no stale Durable Object storage, no stale key.
  rmSync(join(STATE_DIR, "edge-state"), { recursive: true, force: true });
  mkdirSync(STATE_DIR, { recursive: true });

  chain = await step(`chain: anvil on 127.0.0.1:${CHAIN_PORT} with Circle USDC and the x402 channel escrow, demo payer funded`, () => startLocalChain({ port: CHAIN_PORT, chainId: 31337 }));
  const key = generateRunnerKey();
  const runnerId = await runnerIdFromPublicKey(base64UrlToBytes(key.publicKey)!);
  const adminToken = randomBytes(24).toString("base64url");
  const metricsToken = randomBytes(24).toString("base64url");
  // Signs channel claims and refunds; needs no gas (the relayer sends them). Fresh each start.
  const receiverAuthorizerKey = generatePrivateKey();
  const network = `eip155:${chain.chainId}`;

  edge = await step(`edge: wrangler dev on http://127.0.0.1:${EDGE_PORT} (embedded facilitator)`, () =>
    startEdge({
      port: EDGE_PORT,
      persistDir: join(STATE_DIR, "edge-state"),
      env: {
        NETWORK: network,
        USDC_ADDRESS: chain!.usdc.address,
        USDC_NAME: chain!.usdc.name,
        USDC_VERSION: chain!.usdc.version,
        PAY_TO: chain!.accounts.payTo.address,
        FACILITATOR: "embedded",
        RPC_URL: chain!.rpcUrl,
        // anvil's account 3: a publicly known test key that pays the gas of local settlements
        RELAYER_KEY: ANVIL_KEYS[3],
        RECEIVER_AUTHORIZER_KEY: receiverAuthorizerKey,
        ADMIN_TOKEN: adminToken,
        METRICS_TOKEN: metricsToken,
        RUNNER_KEYS: key.publicKey,
        CHAT_MODELS,
        EMBED_MODELS,
      },
    }),
  );

  const ollama = await step(`ollama: checking ${OLLAMA_HOST}`, () => checkOllama(OLLAMA_HOST, WANTED_MODELS));
  if (!ollama.reachable) {
    warn(`Ollama is not reachable at ${OLLAMA_HOST} (${ollama.error}).`);
    warn("Start Ollama (https://ollama.com) or set OLLAMA_HOST; the runner will offer models as soon as it answers.");
  } else if (ollama.missing.length > 0) {
    warn(`Ollama lacks ${ollama.missing.join(", ")}: run ${ollama.missing.map((m) => `\`ollama pull ${m}\``).join(" and ")}.`);
  }

  runner = await step(`runner: node-runner ${runnerId} → ${OLLAMA_HOST}`, async () => {
    const started = startRunnerProcess({ edgeUrl: edge!.url, ollamaHost: OLLAMA_HOST, key, name: "local" });
    await started.connected;
    return started;
  });
  // From here on the runner's own one-line logs (jobs, tokens, durations) are shown as they come.
  runner.process.child.stderr?.on("data", (chunk: Buffer) => process.stdout.write(prefixLines("runner │ ", chunk.toString())));
  void runner.process.exited.then((code) => {
    if (!stopping) {
      warn(`the runner exited (code ${code}); stopping the stack`);
      void shutdown(1);
    }
  });

  const payer = chain.accounts.payers[0];
  writeStackFile({
    edgeUrl: edge.url,
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    network,
    usdc: chain.usdc.address,
    payTo: chain.accounts.payTo.address,
    batchSettlement: chain.batchSettlement,
    receiverAuthorizer: privateKeyToAccount(receiverAuthorizerKey).address,
    payerAddress: payer.address,
    payerKey: ANVIL_KEYS[5],
    payerKeyNote: "publicly known anvil test key (account 5); it holds local test USDC only — never use it on a real network",
    runnerIds: [runnerId],
    adminToken,
    dashboardUrl: `${edge.url}/dashboard`,
    metricsToken,
    ollamaHost: OLLAMA_HOST,
    pids: { chain: chain.anvil.pid, edge: edge.process.pid, runner: runner.process.pid },
  });

  console.log(`
ready.
  edge     ${edge.url}          (what is for sale: ${edge.url}/)
  chain    ${chain.rpcUrl}     ${network}, USDC ${chain.usdc.address}
  payTo    ${chain.accounts.payTo.address}
  channels x402 batch-settlement escrow ${chain.batchSettlement.escrow} (offered first; exact too)
  payer    ${payer.address}  (1,000 test USDC)
  runner   ${runnerId}
  details  ${STACK_FILE}
  console  ${edge.url}/dashboard   sign in with the admin token ${adminToken}
  health   ${edge.url}/health · metrics ${edge.url}/metrics (bearer metricsToken from the details file) · npm run earnings

Try it:  npm run pay -- sentiment '{"text":"great"}'        (pays with the demo payer, prints the tx)
         npm run pay -- chat '{"model":"qwen2.5:0.5b","messages":[{"role":"user","content":"hi"}]}' --stream
Ctrl-C stops everything.
`);
} catch (error) {
  console.error(`\nstart failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}

function prefixLines(prefix: string, text: string): string {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => `${prefix}${line}\n`)
    .join("");
}
