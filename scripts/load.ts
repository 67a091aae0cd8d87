/**
 * npm run load — N paid calls at concurrency C through the whole local stack (anvil + Circle USDC,
 * the Worker under wrangler dev with the embedded facilitator, several node-runners, the Ollama-API
 * stand-in), then exact books. LOAD_SCHEME=exact (the default): 200s = ledger rows = Transfer events
 * on chain, amounts and tx hashes one to one. LOAD_SCHEME=batch-settlement: one payer and channel per
 * slot (the official client), claimed at the end; receipts = ledger = claimed on chain + unclaimed,
 * deposits = payers' loss = channel balances. Loopback only, bounded in count and time.
 * Settings: LOAD_SCHEME, LOAD_N, LOAD_C, LOAD_RUNNERS,
 * LOAD_MAX_SECONDS, LOAD_SERVICE, LOAD_RUNNER_SLOTS, LOAD_RUNNER_QUEUE, LOAD_BLOCK_MS, LOAD_OLLAMA_HOST.
 * Exit: 0 all checks hold, 1 a check failed or the run broke, 2 bad settings, 3 time budget exceeded,
 * 130 interrupted.
 */
import { step } from "./lib/progress.ts";
import { loadConfigFromEnv } from "./load/config.ts";
import { countReconnects } from "./load/reconnects.ts";
import { saveStackLogs } from "./load/logs.ts";
import { formatReport, passed } from "./load/report.ts";
import { UnworkableSettings, type LoadRun } from "./load/run.ts";
import { prepareChannels } from "./load/run-channels.ts";
import { prepareExact } from "./load/run-exact.ts";
import { startLoadStack, type LoadStack } from "./load/stack.ts";
import { loadTarget } from "./load/target.ts";
import { warmUp } from "./load/warm-up.ts";

const parsed = loadConfigFromEnv(process.env);
if (!parsed.ok) {
  console.error(`npm run load: ${parsed.problems.length} problem(s):\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(2);
}
const config = parsed.config;
const target = loadTarget(config.service);

/** The stack while it starts, so that a budget or a Ctrl-C that falls during its start still stops it. */
let stackStarting: Promise<LoadStack> | undefined;
let finishing: Promise<never> | undefined;
const abort = new AbortController();

/** The first reason to finish wins: later ones (the run failing as its stack stops) wait for it. */
function finish(code: number, message?: string): Promise<never> {
  finishing ??= (async () => {
    if (message) console.error(message);
    abort.abort();
    const loadStack = await stackStarting?.catch(() => undefined);
    await loadStack?.stack.stop().catch(() => {});
    process.exit(code);
  })();
  return finishing;
}
process.on("SIGINT", () => void finish(130, "\ninterrupted; stopping the stack"));
process.on("SIGTERM", () => void finish(130, "\nterminated; stopping the stack"));
const budget = setTimeout(() => void finish(3, `\nABORTED: the time budget of ${config.maxSeconds} s (LOAD_MAX_SECONDS) ran out`), config.maxSeconds * 1000);

try {
  console.log(`edge402 load: ${config.n} × ${target.path} at concurrency ${config.c} by ${config.scheme}, ${config.runners} runners, budget ${config.maxSeconds} s\n`);
  stackStarting = step(`stack: anvil + USDC, wrangler dev, ${config.runners} node-runners, ${config.ollamaHost ?? "the Ollama-API stand-in"}`, () => startLoadStack(config, target));
  const { stack } = await stackStarting;
  console.log(`    processes: anvil ${stack.chain.anvil.pid}, wrangler dev ${stack.edge.process.pid}, runners ${stack.runners.map((r) => r.process.pid).join(" ")}`);
  const context = { config, stack, target, url: `${stack.edge.url}${target.path}` };

  let run: LoadRun;
  try {
    run = await step(`prepare: ${config.scheme}`, () => (config.scheme === "batch-settlement" ? prepareChannels(context) : prepareExact(context)));
  } catch (error) {
    if (error instanceof UnworkableSettings) await finish(2, error.message);
    throw error;
  }
  console.log(`    ${run.prepared}`);

  const warmUpFailures = await step(`warm-up: ${2 * config.c} unpaid quotes at concurrency ${config.c}`, () => warmUp(context.url, target.body, config.c));
  const reconnects = countReconnects(stack.runners);
  const progressEvery = Math.max(1, Math.ceil(config.n / 10));
  let lastProgress = performance.now();
  const driven = await step(`load: ${config.n} paid calls at concurrency ${config.c}`, () =>
    run.drive({
      signal: abort.signal,
      onProgress: (done) => {
        if (done % progressEvery !== 0 || done >= config.n) return;
        const now = performance.now();
        console.log(`    ${done}/${config.n}  ${((progressEvery * 1000) / (now - lastProgress)).toFixed(1)} responses/s over the last ${progressEvery}`);
        lastProgress = now;
      },
    }),
  );

  const report = await step(config.scheme === "batch-settlement" ? "reconcile: claim, receipts, the edge's ledger and channels, the escrow" : "reconcile: receipts, the edge's ledger, the chain", () => run.reconcile());

  console.log(
    `\n${formatReport({
      config,
      method: "POST",
      path: target.path,
      price: run.price,
      models: config.ollamaHost ?? "the Ollama-API stand-in",
      payers: run.payers,
      payment: run.reportLines(),
      warmUp: { count: 2 * config.c, failed: warmUpFailures },
      results: driven.results,
      wallMs: driven.wallMs,
      tunnelReconnects: reconnects.count(),
      jobsPerRunner: report.jobsPerRunner,
      checks: report.checks,
    })}\n`,
  );
  if (driven.results.some((r) => r.status !== 200) || !passed(report.checks)) console.log(`edge and runner logs: ${saveStackLogs(stack)}`);
  clearTimeout(budget);
  await finish(passed(report.checks) ? 0 : 1);
} catch (error) {
  await finish(1, `\nload run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
