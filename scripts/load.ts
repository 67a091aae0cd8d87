/**
 * npm run load — N paid calls at concurrency C through the whole local stack (anvil + Circle USDC,
 * the Worker under wrangler dev with the embedded facilitator, several node-runners, the Ollama-API
 * stand-in), then exact books: 200s = ledger rows = Transfer events on chain, amounts and tx hashes
 * one to one. Loopback only, bounded in count and time. Settings: LOAD_N, LOAD_C, LOAD_RUNNERS,
 * LOAD_MAX_SECONDS, LOAD_SERVICE, LOAD_RUNNER_SLOTS, LOAD_RUNNER_QUEUE, LOAD_BLOCK_MS, LOAD_OLLAMA_HOST.
 * Exit: 0 all checks hold, 1 a check failed or the run broke, 2 bad settings, 3 time budget exceeded,
 * 130 interrupted.
 */
import type { Address, LocalAccount } from "viem";
import { exactRequirements } from "../dev/x402-payments.ts";
import { step } from "./lib/progress.ts";
import { chainAudit } from "./load/chain-audit.ts";
import { loadConfigFromEnv } from "./load/config.ts";
import { drive } from "./load/driver.ts";
import { readLedger } from "./load/ledger.ts";
import { countReconnects } from "./load/reconnects.ts";
import { saveStackLogs } from "./load/logs.ts";
import { largestPayerSpend, presign, quote } from "./load/payments.ts";
import { reconcile } from "./load/reconcile.ts";
import { formatReport, passed } from "./load/report.ts";
import { startLoadStack, type LoadStack } from "./load/stack.ts";
import { countBy } from "./load/stats.ts";
import { loadTarget } from "./load/target.ts";
import { warmUp } from "./load/warm-up.ts";

const parsed = loadConfigFromEnv(process.env);
if (!parsed.ok) {
  console.error(`npm run load: ${parsed.problems.length} problem(s):\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(2);
}
const config = parsed.config;
const target = loadTarget(config.service);

let loadStack: LoadStack | undefined;
let finishing = false;
const abort = new AbortController();

async function finish(code: number, message?: string): Promise<never> {
  if (!finishing) {
    finishing = true;
    if (message) console.error(message);
    abort.abort();
    await loadStack?.stack.stop().catch(() => {});
  }
  process.exit(code);
}
process.on("SIGINT", () => void finish(130, "\ninterrupted; stopping the stack"));
process.on("SIGTERM", () => void finish(130, "\nterminated; stopping the stack"));
const budget = setTimeout(() => void finish(3, `\nABORTED: the time budget of ${config.maxSeconds} s (LOAD_MAX_SECONDS) ran out`), config.maxSeconds * 1000);

try {
  console.log(`edge402 load: ${config.n} × ${target.path} at concurrency ${config.c}, ${config.runners} runners, budget ${config.maxSeconds} s\n`);
  loadStack = await step(`stack: anvil + USDC, wrangler dev, ${config.runners} node-runners, ${config.ollamaHost ?? "the Ollama-API stand-in"}`, () => startLoadStack(config, target));
  const { stack } = loadStack;
  console.log(`    processes: anvil ${stack.chain.anvil.pid}, wrangler dev ${stack.edge.process.pid}, runners ${stack.runners.map((r) => r.process.pid).join(" ")}`);
  const url = `${stack.edge.url}${target.path}`;
  const payers = stack.chain.accounts.payers as readonly LocalAccount[];

  const required = await quote(url, target.body);
  const terms = exactRequirements(required); // the load pays by exact transfer, whatever the edge lists first
  const price = BigInt(terms.amount);
  const audit = chainAudit({ rpcUrl: stack.chain.rpcUrl, usdc: stack.usdc, payTo: stack.payTo, payers: payers.map((p) => p.address as Address) });
  const before = await audit.snapshot();
  const spend = largestPayerSpend(price, config.n, payers.length);
  const poorest = [...before.payers.values()].reduce((a, b) => (a < b ? a : b));
  if (spend > poorest) await finish(2, `LOAD_N too large: a payer would need ${spend} base units and holds ${poorest}`);

  const signed = await step(`sign: ${config.n} payments of ${price} base units from ${payers.length} payers`, () => presign(required, stack.chain.chainId, payers, config.n));

  const warmUpFailures = await step(`warm-up: ${2 * config.c} unpaid quotes at concurrency ${config.c}`, () => warmUp(url, target.body, config.c));
  const reconnects = countReconnects(stack.runners);
  const progressEvery = Math.max(1, Math.ceil(config.n / 10));
  const startedAt = performance.now();
  let lastProgress = startedAt;
  const driven = await step(`load: ${config.n} paid calls at concurrency ${config.c}`, () =>
    drive({
      url,
      body: target.body,
      payments: signed.payments,
      concurrency: config.c,
      signal: abort.signal,
      onProgress: (done) => {
        if (done % progressEvery !== 0 || done >= config.n) return;
        const now = performance.now();
        console.log(`    ${done}/${config.n}  ${((progressEvery * 1000) / (now - lastProgress)).toFixed(1)} responses/s over the last ${progressEvery}`);
        lastProgress = now;
      },
    }),
  );

  const report = await step("reconcile: receipts, the edge's ledger, the chain", async () => {
    const after = await audit.snapshot();
    const [transfers, ledger] = await Promise.all([audit.transfersToPayTo(before.block + 1n, after.block), readLedger(stack.admin)]);
    const refused = driven.results.filter((r) => r.status !== 200);
    const refusedButCharged = await audit.countUsed(refused);
    return {
      checks: reconcile({ results: driven.results, price, ledger, transfers, before, after, refusedButCharged }),
      jobsPerRunner: countBy(ledger.rows, (row) => row.runnerId ?? "(none)"),
    };
  });

  console.log(
    `\n${formatReport({
      config,
      method: "POST",
      path: target.path,
      price,
      models: config.ollamaHost ?? "the Ollama-API stand-in",
      payers: payers.length,
      signing: { count: signed.payments.length, ms: signed.signingMs },
      authorizationSeconds: terms.maxTimeoutSeconds,
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
