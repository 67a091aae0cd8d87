import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { startProcess } from "../../dev/child-process.ts";

// `npm run load` as CI runs it: a small N through the whole local stack (anvil + USDC, wrangler dev,
// node-runners, the stand-in), then the exact books — by exact: 200s = ledger rows = Transfer events;
// by channel: receipts = ledger = claimed on chain + unclaimed, deposits = payers' loss = escrow balances.
const ROOT = resolve(import.meta.dirname, "../..");

function load(env: Record<string, string>) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("LOAD_")));
  return startProcess("npm run load", process.execPath, [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/load.ts"], {
    cwd: ROOT,
    env: { ...inherited, ...env },
  });
}

describe("npm run load", () => {
  it("sends 60 paid calls at concurrency 8 through 3 runners and reconciles receipts, ledger and chain exactly", async () => {
    const run = load({ LOAD_N: "60", LOAD_C: "8", LOAD_RUNNERS: "3", LOAD_MAX_SECONDS: "110" });
    const code = await run.exited;
    const output = run.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/^N 60 {2}C 8 {2}runners 3 /m);
    expect(output).toMatch(/^pre-signed 60 payments in [\d.]+ s before the clock started/m);
    expect(output).toMatch(/^200 ok +60$/m);
    expect(output).toMatch(/^latency p50 \(ms, 200s\) +\d+\.\d$/m);
    expect(output).toMatch(/^latency p99 \(ms, 200s\) +\d+\.\d$/m);
    expect(output).toMatch(/^throughput \(200s\/s\) +\d+\.\d$/m);
    expect(output).toMatch(/^count: 200s = ledger rows = Transfer events +ok +60 = 60 = 60$/m);
    expect(output).toMatch(/^amount: .* +ok +600000 = 600000 = 600000 = 600000 = 600000$/m);
    expect(output).toMatch(/^tx hashes one-to-one: receipts ↔ ledger ↔ chain +ok +60 matched$/m);
    expect(output).toMatch(/^5xx other than shed 503s +ok +0$/m);
    expect(output).toMatch(/^PASS$/m);
  }, 120_000);

  it("LOAD_SCHEME=batch-settlement: 40 calls at concurrency 4 on 4 channels (official client), claimed, reconciled to the base unit", async () => {
    const run = load({ LOAD_SCHEME: "batch-settlement", LOAD_N: "40", LOAD_C: "4", LOAD_RUNNERS: "2", LOAD_MAX_SECONDS: "110" });
    const code = await run.exited;
    const output = run.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/^edge402 load — POST \/v1\/sentiment, (\d+) base units per call by batch-settlement,/m);
    const price = BigInt(/(\d+) base units per call by batch-settlement/.exec(output)![1]!);
    const total = (40n * price).toString();
    expect(output).toMatch(/^N 40 {2}C 4 {2}runners 2 /m);
    expect(output).toMatch(/^scheme batch-settlement: 4 channels /m);
    expect(output).toMatch(/^200 ok +40$/m);
    // Each figure comes from its own source: receipts, ledger, the escrow's views, the channel objects, the token.
    expect(output).toMatch(/^count: 200s = ledger rows \(batch-settlement\) +ok +40 = 40$/m);
    expect(output).toMatch(new RegExp(`^charged: receipts = ledger = claimed on chain \\+ unclaimed +ok +${total} = ${total} = ${total} \\+ 0$`, "m"));
    expect(output).toMatch(/^per channel: receipts = cumulative = escrow claimed \+ owing +ok +4 channels$/m);
    expect(output).toMatch(/^settlement refs one-to-one: receipts ↔ ledger +ok +40 matched$/m);
    expect(output).toMatch(new RegExp(`^deposits: receipts = payers' −Δ = escrow balances +ok +${total} = ${total} = ${total} \\(4 deposits, 4 channels\\)$`, "m"));
    expect(output).toMatch(new RegExp(`^settled to payTo: escrow totalSettled Δ = payTo Δ +ok +${total} = ${total}$`, "m"));
    expect(output).toMatch(/^claim: POST \/admin\/channels\/claim +ok +HTTP 200, [1-9]\d* claim tx, settle sent$/m);
    expect(output).toMatch(/^PASS$/m);
  }, 120_000);

  it("aborts with exit 3 once LOAD_MAX_SECONDS has passed, and leaves none of its processes behind", async () => {
    // The budget must run out during the load, after the stack is up (its start alone takes 10 s and
    // more on two busy cores); 100,000 calls cannot finish in it.
    const run = load({ LOAD_N: "100000", LOAD_C: "64", LOAD_MAX_SECONDS: "25" });
    const started = Date.now();
    expect(await run.exited).toBe(3);
    expect(Date.now() - started).toBeLessThan(55_000);
    const output = run.output();
    expect(output).toContain("ABORTED: the time budget of 25 s (LOAD_MAX_SECONDS) ran out");
    const pids = /processes: anvil (\d+), wrangler dev (\d+), runners ([\d ]+)/.exec(output);
    expect(pids, output).not.toBeNull();
    for (const pid of [pids![1]!, pids![2]!, ...pids![3]!.trim().split(" ")].map(Number)) expect(isRunning(pid), `pid ${pid}`).toBe(false);
  }, 90_000);

  it("refuses settings beyond its bounds before starting anything", async () => {
    const run = load({ LOAD_N: "1000000", LOAD_C: "5000", LOAD_OLLAMA_HOST: "http://10.0.0.5:11434", LOAD_SCHEME: "upto" });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain("LOAD_SCHEME: must be one of exact, batch-settlement");
    expect(run.output()).toContain("LOAD_N: must be at most 100000");
    expect(run.output()).toContain("LOAD_C: must be at most 128");
    expect(run.output()).toContain("LOAD_OLLAMA_HOST: must be a loopback URL");
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
