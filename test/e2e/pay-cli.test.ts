import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_KEYS } from "../../dev/chain/accounts.ts";
import { usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { startProcess, type ManagedProcess } from "../../dev/child-process.ts";
import { startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import type { StackFile } from "../../scripts/lib/stack-file.ts";
import { formatBaseUnits, parseDecimalToBaseUnits } from "../../scripts/pay/usdc-amount.ts";

// `npm run pay` / `edge402-pay` as an agent's operator runs it: a child process that finds the edge
// and the demo payer in stack.json, quotes, pays with the official x402 client on anvil's USDC (by
// exact transfer, or by payment channel with its state kept beside stack.json between runs), and
// prints the result, the receipt and the balance read back from the chain.
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
const parseUnits = (usdc: string) => {
  const parsed = parseDecimalToBaseUnits(usdc);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};
/** The channel records the CLI keeps beside stack.json (FileClientChannelStorage). */
const channelRecords = (): Array<Record<string, string>> => {
  const dir = join(stateDir, "channels", "client");
  return existsSync(dir) ? readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, string>) : [];
};

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

  it("--scheme exact pays a chat call: prints the result and the transaction, and the balance drops by exactly the quote", async () => {
    stack.standin.script({ match: "capital of France", content: "Paris." });
    const before = await payerBalance();
    const { code, output } = await finished(pay(["chat", chat("capital of France?"), "--scheme", "exact"]));
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
      const cli = pay(["chat", chat("tell me a story"), "--stream", "--max-price", "0.1", "--scheme", "exact"]);
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

  it("pays by channel by default: the first call deposits (one transaction), the next run is a voucher (none), state kept between runs", async () => {
    stack.standin.script({ match: "capital of Italy", content: "Rome." });
    const before = await payerBalance();
    const first = await finished(pay(["chat", chat("capital of Italy?")]));
    expect(first.output).not.toContain("edge402-pay:");
    expect(first.code).toBe(0);
    expect(first.output).toContain('"content": "Rome."');
    expect(first.output).toMatch(/^scheme {4}batch-settlement: a payment channel/m);
    expect(first.output).toMatch(/^channel {3}0x[0-9a-f]{64} \(state in .*channels\): no record yet; the client reads it from the chain, and deposits if it is empty$/m);
    const deposit = /^deposit {3}(\S+) USDC into the channel, tx (0x[0-9a-f]{64})$/m.exec(first.output);
    expect(deposit).not.toBeNull();
    const deposited = parseUnits(deposit![1]!);
    const afterDeposit = await payerBalance();
    expect(afterDeposit).toBe(before - deposited); // the deposit moved; the charge is claimed from it later
    const charged = parseUnits(/^charged {3}(\S+) USDC for this call/m.exec(first.output)![1]!);
    expect(charged).toBeGreaterThan(0n);
    expect(charged).toBeLessThanOrEqual(quotedUnits(first.output));
    expect(first.output).toContain(`channel   ${formatBaseUnits(charged)} USDC charged in all, ${formatBaseUnits(deposited)} USDC deposited, ${formatBaseUnits(deposited - charged)} USDC left`);
    expect(channelRecords()).toMatchObject([{ chargedCumulativeAmount: charged.toString(), balance: deposited.toString() }]);

    stack.standin.script({ match: "capital of Spain", content: "Madrid." });
    const second = await finished(pay(["chat", chat("capital of Spain?")]));
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/; this call is a voucher \(no deposit\)$/m);
    expect(second.output).toContain("deposit   none (a voucher: no chain transaction)");
    expect(second.output).not.toContain("differs from the edge");
    const charged2 = parseUnits(/^charged {3}(\S+) USDC for this call/m.exec(second.output)![1]!);
    expect(second.output).toContain(`channel   ${formatBaseUnits(charged + charged2)} USDC charged in all`);
    expect(await payerBalance()).toBe(afterDeposit);
    const ledger = (await (await stack.admin(`/admin/payments?scheme=batch-settlement&payer=${stack.chain.accounts.payers[0].address}`)).json()) as { payments: Array<{ charged: string; txHash: string | null }> };
    expect(ledger.payments.map((p) => p.charged).sort()).toEqual([charged.toString(), charged2.toString()].sort());
    expect(ledger.payments.filter((p) => p.txHash).map((p) => p.txHash)).toEqual([deposit![2]]);
  });

  it("--stream by channel: the final charge from the stream's last event, and the stored state follows it", async () => {
    stack.standin.script({ match: "count to five", content: "one two three four five" });
    const recordBefore = channelRecords()[0]!;
    const { code, output } = await finished(pay(["chat", chat("count to five"), "--stream"]));
    expect(code).toBe(0);
    expect(output).toContain("one two three four five");
    const charged = parseUnits(/^charged {3}(\S+) USDC for this call.*final, from the stream's last event\)$/m.exec(output)![1]!);
    expect(charged).toBeLessThanOrEqual(quotedUnits(output));
    expect(output).not.toContain("differs from the edge");
    expect(channelRecords()).toEqual([{ ...recordBefore, chargedCumulativeAmount: (BigInt(recordBefore.chargedCumulativeAmount!) + charged).toString() }]);
  });

  it("with its channel state lost, resyncs from the edge's corrective 402 (checked against the chain) and pays once", async () => {
    const charged = BigInt(channelRecords()[0]!.chargedCumulativeAmount!);
    rmSync(join(stateDir, "channels"), { recursive: true, force: true });
    stack.standin.script({ match: "capital of Portugal", content: "Lisbon." });
    const before = await payerBalance();
    const { code, output } = await finished(pay(["chat", chat("capital of Portugal?")]));
    expect(output).not.toContain("edge402-pay:");
    expect(code).toBe(0);
    expect(output).toContain("deposit   none (a voucher: no chain transaction)");
    const now = parseUnits(/^charged {3}(\S+) USDC for this call/m.exec(output)![1]!);
    expect(output).toContain(`channel   ${formatBaseUnits(charged + now)} USDC charged in all`);
    expect(channelRecords()[0]).toMatchObject({ chargedCumulativeAmount: (charged + now).toString() });
    expect(await payerBalance()).toBe(before);
  });

  it("refund <service>: gets back what the channel holds beyond its charges; the next call deposits again", async () => {
    const record = channelRecords()[0]!;
    const left = BigInt(record.balance!) - BigInt(record.chargedCumulativeAmount!);
    const before = await payerBalance();
    const { code, output } = await finished(pay(["refund", "chat"]));
    expect(output).not.toContain("edge402-pay:");
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^refunded  ${formatBaseUnits(left).replace(".", "\\.")} USDC to 0x[0-9a-fA-F]{40} \\(tx 0x[0-9a-f]{64}\\)$`, "m"));
    expect(output).toMatch(/^record {4}removed/m);
    expect(await payerBalance()).toBe(before + left);
    expect(channelRecords()).toEqual([]);

    stack.standin.script({ match: "capital of Greece", content: "Athens." });
    const again = await finished(pay(["chat", chat("capital of Greece?")]));
    expect(again.code).toBe(0);
    expect(again.output).toMatch(/^deposit {3}\S+ USDC into the channel, tx 0x[0-9a-f]{64}$/m);
  });

  it("an unknown option or bad JSON is a usage error (exit 2) listing every problem", async () => {
    const { code, output } = await finished(pay(["chat", "{not json", "--bogus"]));
    expect(code).toBe(2);
    expect(output).toContain("edge402-pay: 2 problems:");
    expect(output).toContain("unknown option --bogus");
    expect(output).toContain("the request body is not valid JSON");
  });
});
