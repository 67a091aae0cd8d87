import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_KEYS } from "../../dev/chain/accounts.ts";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { startProcess, type ManagedProcess } from "../../dev/child-process.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import type { StackFile } from "../../scripts/lib/stack-file.ts";
import { formatBaseUnits } from "../../scripts/pay/usdc-amount.ts";

// `npm run pay` / `edge402-pay` as an agent's operator runs it: a child process that finds the edge
// and the demo payer in stack.json, quotes, pays with the official x402 client on anvil's USDC, and
// prints the result, the transaction and the balance read back from the chain.
const ROOT = resolve(import.meta.dirname, "../..");
let stack: LocalStack;
let stateDir: string;

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1 });
  stateDir = mkdtempSync(join(tmpdir(), "edge402-pay-"));
  const payer = stack.chain.accounts.payers[0]; // ANVIL_KEYS[5], as `npm start` writes it
  const file: StackFile = {
    edgeUrl: stack.edge.url,
    rpcUrl: stack.chain.rpcUrl,
    chainId: stack.chain.chainId,
    network: stack.network,
    usdc: stack.usdc,
    payTo: stack.payTo,
    payerAddress: payer.address,
    payerKey: ANVIL_KEYS[5],
    payerKeyNote: "publicly known anvil test key (account 5); it holds local test USDC only",
    runnerIds: [],
    adminToken: "",
    ollamaHost: stack.standin.url,
    pids: { chain: stack.chain.anvil.pid, edge: stack.edge.process.pid, runner: stack.runners[0]!.process.pid },
  };
  writeFileSync(join(stateDir, "stack.json"), JSON.stringify(file));
});
afterAll(async () => {
  await stack?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** The CLI through its bin launcher, with no payment settings inherited from the test's own environment. */
function pay(args: string[]): ManagedProcess {
  const { EDGE_URL: _edge, PAYER_KEY: _key, RPC_URL: _rpc, ...env } = process.env;
  return startProcess("edge402-pay", process.execPath, [join(ROOT, "bin", "edge402-pay.js"), ...args], {
    cwd: ROOT,
    env: { ...env, EDGE402_STATE_DIR: stateDir },
  });
}

async function finished(cli: ManagedProcess): Promise<{ code: number | null; output: string }> {
  const code = await cli.exited;
  return { code, output: cli.output() };
}

const payerBalance = () => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, stack.chain.accounts.payers[0].address);
const chat = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "qwen2.5:7b", messages: [{ role: "user", content }], max_tokens: 64, ...extra });
const quotedUnits = (output: string) => BigInt(/^price\s+\S+ USDC \((\d+) base units\)/m.exec(output)![1]!);

describe("edge402-pay", () => {
  it("--dry-run prints the quote and moves no money", async () => {
    const before = await payerBalance();
    const requestsBefore = stack.standin.stats().requests;
    const { code, output } = await finished(pay(["chat", chat("dry run please"), "--dry-run"]));
    expect(code).toBe(0);
    expect(output).toMatch(/^price {5}0\.\d+ USDC \(\d+ base units\) for POST \/v1\/chat\/completions$/m);
    expect(output).toContain(`payTo     ${stack.payTo}`);
    expect(output).toContain(`network   ${stack.network}`);
    expect(output).toContain(`asset     ${stack.usdc} (USD Coin v2)`);
    expect(output).toContain("dry run   nothing was signed or paid");
    expect(await payerBalance()).toBe(before);
    expect(stack.standin.stats().requests).toBe(requestsBefore);
  });

  it("pays a chat call: prints the result and the transaction, and the balance drops by exactly the quote", async () => {
    stack.standin.script({ match: "capital of France", content: "Paris." });
    const before = await payerBalance();
    const { code, output } = await finished(pay(["chat", chat("capital of France?")]));
    expect(output).not.toContain("edge402-pay:");
    expect(code).toBe(0);
    const price = quotedUnits(output);
    expect(output).toContain('"content": "Paris."');
    expect(output).toContain("the local demo key from stack.json");
    const tx = /^tx {8}(0x[0-9a-f]{64})$/m.exec(output)?.[1];
    expect(tx).toBeDefined();
    const after = await payerBalance();
    expect(after).toBe(before - price);
    // The balance it printed is the chain's, after settlement.
    expect(output).toContain(`balance   ${formatBaseUnits(after)} USDC (${stack.chain.accounts.payers[0].address})`);
    const ledger = (await (await stack.admin(`/admin/payments?payer=${stack.chain.accounts.payers[0].address}`)).json()) as { payments: Array<{ txHash: string; amount: string }> };
    expect(ledger.payments.find((p) => p.txHash === tx)).toMatchObject({ amount: price.toString() });
  });

  it("refuses a quote above --max-price: non-zero exit, no money moved", async () => {
    const before = await payerBalance();
    const { code, output } = await finished(pay(["chat", chat("too expensive"), "--max-price", "0.000001"]));
    expect(code).toBe(1);
    expect(output).toMatch(/^edge402-pay: refusing to pay: the quote 0\.\d+ USDC is above --max-price 0\.000001 USDC; nothing was signed$/m);
    expect(await payerBalance()).toBe(before);
  });

  it("--stream prints the text while the model is still generating", async () => {
    const story = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    stack.standin.script({ match: "tell me a story", content: story });
    stack.standin.setTokensPerSecond(25);
    try {
      const before = await payerBalance();
      const completedBefore = stack.standin.stats().streamsCompleted;
      const cli = pay(["chat", chat("tell me a story"), "--stream", "--max-price", "0.1"]);
      await cli.waitForOutput(/word0 word1/);
      // The first words are on the terminal and the stand-in has not finished the generation.
      expect(stack.standin.stats().streamsCompleted).toBe(completedBefore);
      const { code, output } = await finished(cli);
      expect(code).toBe(0);
      expect(output).toContain(story);
      expect(output).toMatch(/^tx {8}0x[0-9a-f]{64}$/m);
      expect(await payerBalance()).toBe(before - quotedUnits(output));
    } finally {
      stack.standin.setTokensPerSecond(0);
    }
  });

  it("an unknown option or bad JSON is a usage error (exit 2) listing every problem", async () => {
    const { code, output } = await finished(pay(["chat", "{not json", "--bogus"]));
    expect(code).toBe(2);
    expect(output).toContain("edge402-pay: 2 problems:");
    expect(output).toContain("unknown option --bogus");
    expect(output).toContain("the request body is not valid JSON");
  });
});
