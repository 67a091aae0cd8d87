import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { PaymentRequired } from "@x402/core/types";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PayingMcpClient } from "../../client/mcp/paying-mcp-client.ts";
import { paymentRequiredOf, receiptOf } from "../../client/mcp/payment-required.ts";
import { SEED_SERVICES, serviceById } from "../../protocol/catalog/catalog.ts";
import { jsonSchemaOf } from "../../worker/offers/json-schemas.ts";
import { formatUsdc } from "../../worker/offers/usdc.ts";
import { runMcpPay } from "../../scripts/mcp-pay/run.ts";
import { ANVIL_KEYS } from "../../dev/chain/accounts.ts";
import { transferEvents, usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { MODEL_OUTPUT_FOR_EXAMPLE } from "../../dev/catalog-model-outputs.ts";
import { ADMIN_TOKEN, startLocalStack, type LocalStack } from "../../dev/local-stack.ts";
import { encodePayment, paymentV2 } from "../../dev/x402-payments.ts";

// x402 over MCP, end to end: the MCP SDK's own client against POST /mcp on wrangler dev, paying with
// USDC on anvil, jobs on a real runner process and the Ollama stand-in.
const sentiment = serviceById("sentiment")!;
const SENTIMENT_ARGS = sentiment.example.input as Record<string, unknown>;

let stack: LocalStack;
let raw: Client;
let paying: PayingMcpClient;

beforeAll(async () => {
  stack = await startLocalStack({ runners: 1 });
  raw = new Client({ name: "edge402-e2e", version: "0" });
  await raw.connect(new StreamableHTTPClientTransport(new URL(`${stack.edge.url}/mcp`)));
  // The exact tests pay by transfer explicitly: the edge lists its channel scheme first.
  paying = await PayingMcpClient.connect({ url: `${stack.edge.url}/mcp`, account: payer(), maxPrice: 50_000n, scheme: "exact" });
});
afterAll(async () => {
  await Promise.allSettled([raw?.close(), paying?.close()]);
  await stack?.stop();
});

const payer = () => stack.chain.accounts.payers[0];
const balance = (address = payer().address) => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, address);
const call = async (name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) =>
  (await raw.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) })) as CallToolResult;
const scriptSentiment = () => stack.standin.script({ content: JSON.stringify(MODEL_OUTPUT_FOR_EXAMPLE.sentiment), times: 1 });

async function unpaidTerms(name = "sentiment", args = SENTIMENT_ARGS): Promise<PaymentRequired> {
  const required = paymentRequiredOf(await call(name, args));
  if (!required) throw new Error("expected PaymentRequired");
  return required;
}

/** `npm run mcp-pay` in-process (no stack.json: everything from the environment). */
const run = async (argv: string[], env: Record<string, string>) => {
  const out = { stdout: "", stderr: "" };
  const code = await runMcpPay(argv, {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    env,
    stackFile: "/nonexistent/stack.json",
  });
  return { code, ...out };
};

async function ledgerTxHashes(): Promise<string[]> {
  const response = await stack.admin("/admin/payments?limit=500");
  const body = (await response.json()) as { payments: Array<{ txHash: string }> };
  return body.payments.map((p) => p.txHash);
}

describe("tools/list", () => {
  it("lists every catalog service as a tool with its input schema and its price in the description and _meta", async () => {
    const tools = await paying.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(SEED_SERVICES.map((s) => s.id).sort());
    for (const tool of tools) {
      const service = serviceById(tool.name)!;
      expect(tool.inputSchema).toEqual(jsonSchemaOf(service.input, "input"));
      expect(tool.outputSchema).toBeUndefined(); // see worker/mcp/tool-catalog.ts: it would break unpaid calls
      expect(tool._meta?.["edge402/outputSchema"]).toEqual(jsonSchemaOf(service.output));
      expect(tool.description).toContain(`${formatUsdc(service.defaultPrice)} USDC per call`);
      const price = tool._meta?.["edge402/price"] as { amount: string; network: string };
      expect(price).toMatchObject({ amount: service.defaultPrice.toString(), network: stack.network });
      const accepts = tool._meta?.["edge402/accepts"] as Array<{ amount: string; payTo: string }>;
      expect(accepts[0]).toMatchObject({ amount: service.defaultPrice.toString(), payTo: stack.payTo });
    }
  });

  it("a client that listed the tools still reads an unpaid call's PaymentRequired (the SDK checks outputSchema even on errors)", async () => {
    const client = new Client({ name: "lists-first", version: "0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${stack.edge.url}/mcp`)));
    try {
      await client.listTools();
      const result = (await client.callTool({ name: "sentiment", arguments: SENTIMENT_ARGS })) as CallToolResult;
      expect(paymentRequiredOf(result)?.accepts[0]?.amount).toBe(sentiment.defaultPrice.toString());
    } finally {
      await client.close();
    }
  });

  it("is free: listing moves no money and runs no job", async () => {
    const before = await balance();
    const requests = stack.standin.stats().requests;
    await paying.listTools();
    expect(await balance()).toBe(before);
    expect(stack.standin.stats().requests).toBe(requests);
  });
});

describe("a paid tool call", () => {
  it("unpaid: PaymentRequired in structuredContent and, identically, in content[0].text, with nothing run", async () => {
    const requests = stack.standin.stats().requests;
    const result = await call("sentiment", SENTIMENT_ARGS);
    expect(result.isError).toBe(true);
    const structured = result.structuredContent as PaymentRequired & { message: string };
    expect(structured).toMatchObject({
      x402Version: 2,
      error: "payment_required",
      resource: { url: "mcp://tool/sentiment" },
      accepts: [
        { scheme: "batch-settlement", network: stack.network, amount: sentiment.defaultPrice.toString(), asset: stack.usdc, payTo: stack.payTo },
        { scheme: "exact", network: stack.network, amount: sentiment.defaultPrice.toString(), asset: stack.usdc, payTo: stack.payTo },
      ],
    });
    expect(result.content[0]).toEqual({ type: "text", text: JSON.stringify(structured) });
    expect(stack.standin.stats().requests).toBe(requests);
  });

  it("paid: the result, its receipt in _meta, the balance down by exactly the price, one ledger row for the transfer", async () => {
    scriptSentiment();
    const before = await balance();
    const payToBefore = await balance(stack.payTo);
    const outcome = await paying.callTool("sentiment", SENTIMENT_ARGS);
    if (outcome.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
    expect(outcome.result.structuredContent).toEqual(sentiment.example.output);
    expect(JSON.parse((outcome.result.content[0] as { text: string }).text)).toEqual(sentiment.example.output);
    expect(outcome.receipt).toMatchObject({ success: true, network: stack.network, payer: payer().address });
    expect(outcome.paid).toBe(sentiment.defaultPrice);
    expect(await balance()).toBe(before - sentiment.defaultPrice);
    expect(await balance(stack.payTo)).toBe(payToBefore + sentiment.defaultPrice);
    const transfers = await transferEvents(stack.chain.rpcUrl, stack.usdc, { from: payer().address, to: stack.payTo });
    const transfer = transfers.find((t) => t.txHash === outcome.receipt!.transaction);
    expect(transfer?.value).toBe(sentiment.defaultPrice);
    expect(await ledgerTxHashes()).toContain(outcome.receipt!.transaction);
  });

  it("refuses a replayed _meta payment: the same authorization buys one result", async () => {
    const payload = await paymentV2(await unpaidTerms(), stack.chain.chainId, payer());
    scriptSentiment();
    const first = await call("sentiment", SENTIMENT_ARGS, { "x402/payment": payload });
    expect(first.isError).toBeFalsy();
    const before = await balance();
    const requests = stack.standin.stats().requests;
    const replay = await call("sentiment", SENTIMENT_ARGS, { "x402/payment": payload });
    expect(paymentRequiredOf(replay)?.error).toBe("invalid_exact_evm_nonce_already_used");
    expect(await balance()).toBe(before);
    expect(stack.standin.stats().requests).toBe(requests);
  });

  it("HTTP and MCP share one nonce space: a payment spent over HTTP is refused over MCP", async () => {
    const payload = await paymentV2(await unpaidTerms(), stack.chain.chainId, payer());
    scriptSentiment();
    const http = await fetch(`${stack.edge.url}/v1/sentiment`, {
      method: "POST",
      headers: { "content-type": "application/json", "PAYMENT-SIGNATURE": encodePayment(payload) },
      body: JSON.stringify(SENTIMENT_ARGS),
    });
    expect(http.status).toBe(200);
    const replay = await call("sentiment", SENTIMENT_ARGS, { "x402/payment": payload });
    expect(paymentRequiredOf(replay)?.error).toBe("invalid_exact_evm_nonce_already_used");
  });

  it("a failing tool charges nothing, writes no ledger row, and leaves the payment usable", async () => {
    const payload = await paymentV2(await unpaidTerms(), stack.chain.chainId, payer());
    const before = await balance();
    const rows = (await ledgerTxHashes()).length;
    stack.standin.injectFailure({ mode: "http_500", message: "model crashed" });
    const failed = await call("sentiment", SENTIMENT_ARGS, { "x402/payment": payload });
    expect(failed.isError).toBe(true);
    expect(paymentRequiredOf(failed)).toBeNull();
    expect(failed.structuredContent).toMatchObject({ error: { code: "ollama_error", status: 502 } });
    expect(receiptOf(failed)).toBeNull();
    expect(await balance()).toBe(before);
    expect((await ledgerTxHashes()).length).toBe(rows);
    scriptSentiment();
    const retried = await call("sentiment", SENTIMENT_ARGS, { "x402/payment": payload });
    expect(retried.isError).toBeFalsy();
    expect(await balance()).toBe(before - sentiment.defaultPrice);
  });

  it("refuses a payment for the wrong amount with its reason, running nothing", async () => {
    const payload = await paymentV2(await unpaidTerms(), stack.chain.chainId, payer(), { value: 1n, accepted: { amount: "1" } });
    const requests = stack.standin.stats().requests;
    const refused = await call("sentiment", SENTIMENT_ARGS, { "x402/payment": payload });
    expect(paymentRequiredOf(refused)?.error).toBe("invalid_exact_evm_payload_authorization_value_mismatch");
    expect(stack.standin.stats().requests).toBe(requests);
  });

  it("refuses a _meta payment that is not a PaymentPayload (a base64 header string) as invalid_payload", async () => {
    const payload = await paymentV2(await unpaidTerms(), stack.chain.chainId, payer());
    const refused = await call("sentiment", SENTIMENT_ARGS, { "x402/payment": encodePayment(payload) });
    expect(paymentRequiredOf(refused)?.error).toBe("invalid_payload");
  });

  it("bad arguments are a tool error before any price, even with a payment attached, and charge nothing", async () => {
    const payload = await paymentV2(await unpaidTerms(), stack.chain.chainId, payer());
    const before = await balance();
    const result = await call("sentiment", { text: "" }, { "x402/payment": payload });
    expect(result.isError).toBe(true);
    expect(paymentRequiredOf(result)).toBeNull();
    expect(result.structuredContent).toMatchObject({ error: { code: "invalid_request", status: 400, issues: expect.arrayContaining([expect.objectContaining({ path: "text" })]) } });
    expect(await balance()).toBe(before);
  });

  it("an unknown tool is a JSON-RPC error, not a price", async () => {
    await expect(call("no-such-tool", {})).rejects.toThrow(/unknown tool/);
  });
});

describe("the paying client's guard", () => {
  it("does not sign a payment above maxPrice and nothing moves", async () => {
    const cheap = await PayingMcpClient.connect({ url: `${stack.edge.url}/mcp`, account: payer(), maxPrice: sentiment.defaultPrice - 1n, scheme: "exact" });
    try {
      const before = await balance();
      const outcome = await cheap.callTool("sentiment", SENTIMENT_ARGS);
      expect(outcome).toMatchObject({ status: "over_max_price", price: sentiment.defaultPrice, maxPrice: sentiment.defaultPrice - 1n });
      expect(await balance()).toBe(before);
    } finally {
      await cheap.close();
    }
  });

  it("reports a refused payment once instead of paying again (payer without USDC)", async () => {
    const broke = privateKeyToAccount(generatePrivateKey());
    const client = await PayingMcpClient.connect({ url: `${stack.edge.url}/mcp`, account: broke, maxPrice: 50_000n, scheme: "exact" });
    const byChannel = await PayingMcpClient.connect({ url: `${stack.edge.url}/mcp`, account: broke, maxPrice: 50_000n, rpcUrl: stack.chain.rpcUrl });
    try {
      const outcome = await client.callTool("sentiment", SENTIMENT_ARGS);
      expect(outcome.status).toBe("payment_refused");
      if (outcome.status === "payment_refused") expect(outcome.reason).toBe("invalid_exact_evm_insufficient_balance");
      // By channel: its deposit cannot be paid; refused once (not a corrective refusal), nothing moved.
      const refused = await byChannel.callTool("sentiment", SENTIMENT_ARGS);
      expect(refused).toMatchObject({ status: "payment_refused", reason: expect.stringMatching(/^invalid_batch_settlement_evm_/) });
      expect(await balance(broke.address)).toBe(0n);
    } finally {
      await Promise.all([client.close(), byChannel.close()]);
    }
  });
});

describe("npm run mcp-pay", () => {


  it("lists the tools with their prices", async () => {
    const { code, stdout } = await run(["list"], { EDGE_URL: stack.edge.url });
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^sentiment\\s+${formatUsdc(sentiment.defaultPrice).replace(".", "\\.")} USDC`, "m"));
  });

  it("pays a call and prints the result and the transaction; the balance moves by the price", async () => {
    scriptSentiment();
    const before = await balance();
    const { code, stdout, stderr } = await run(["sentiment", JSON.stringify(SENTIMENT_ARGS), "--max-price", "0.05", "--scheme", "exact"], { EDGE_URL: stack.edge.url, PAYER_KEY: ANVIL_KEYS[5] });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout.slice(0, stdout.indexOf("\npaid")))).toEqual(sentiment.example.output);
    const tx = /^tx\s+(0x[0-9a-f]{64})/m.exec(stdout)?.[1];
    expect(await ledgerTxHashes()).toContain(tx);
    expect(await balance()).toBe(before - sentiment.defaultPrice);
  });
});

describe("a channel-paid tool call (batch-settlement)", () => {
  // Its own payer, so the exact tests' balances are untouched; channel state in memory (this client).
  const channelPayer = () => stack.chain.accounts.payers[1];
  let byChannel: PayingMcpClient;
  beforeAll(async () => {
    byChannel = await PayingMcpClient.connect({ url: `${stack.edge.url}/mcp`, account: channelPayer(), maxPrice: 50_000n, rpcUrl: stack.chain.rpcUrl });
  });
  afterAll(async () => {
    await byChannel?.close();
  });
  const channelRows = async () => {
    const response = await stack.admin(`/admin/payments?scheme=batch-settlement&payer=${channelPayer().address}`);
    return ((await response.json()) as { payments: Array<{ charged: string; txHash: string | null; service: string }> }).payments;
  };

  it("the first call deposits: the receipt names the deposit transaction and the charge, the balance drops by the deposit", async () => {
    scriptSentiment();
    const before = await balance(channelPayer().address);
    const outcome = await byChannel.callTool("sentiment", SENTIMENT_ARGS);
    if (outcome.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
    expect(outcome.result.structuredContent).toEqual(sentiment.example.output);
    expect(outcome.scheme).toBe("batch-settlement");
    expect(outcome.receipt).toMatchObject({ success: true, network: stack.network, transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    const channel = outcome.channel!;
    expect(channel.deposit?.transaction).toBe(outcome.receipt!.transaction);
    expect(channel.charged).toBe(outcome.paid);
    expect(outcome.paid).toBeGreaterThan(0n);
    expect(outcome.paid).toBeLessThanOrEqual(sentiment.defaultPrice);
    expect(channel).toMatchObject({ chargedCumulative: outcome.paid, balance: channel.deposit!.amount, remaining: channel.deposit!.amount - outcome.paid });
    expect(await balance(channelPayer().address)).toBe(before - channel.deposit!.amount);
    expect((await channelRows()).map((r) => [r.charged, r.txHash])).toEqual([[outcome.paid.toString(), outcome.receipt!.transaction]]);
  });

  it("the second call is a voucher: no chain transaction, nothing moves on chain, the charge adds up", async () => {
    scriptSentiment();
    const before = await balance(channelPayer().address);
    const first = (await channelRows())[0]!;
    const outcome = await byChannel.callTool("sentiment", SENTIMENT_ARGS);
    if (outcome.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
    expect(outcome.result.structuredContent).toEqual(sentiment.example.output);
    expect(outcome.receipt).toMatchObject({ success: true, transaction: "" });
    expect(outcome.channel).toMatchObject({ deposit: null, charged: outcome.paid, chargedCumulative: BigInt(first.charged) + outcome.paid });
    expect(await balance(channelPayer().address)).toBe(before);
    const rows = await channelRows();
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.txHash)).toHaveLength(1);
  });

  it("a client that lost its channel state resyncs from the corrective refusal's channel state and pays one voucher (was: MCP dropped the correction)", async () => {
    // Fresh storage, same payer: from the chain it knows the deposit but none of the charges (none
    // is claimed yet), so its voucher is too low and the edge refuses it as a cumulative mismatch —
    // with its channelState + voucherState in the batch-settlement terms, which the official
    // recovery checks against the escrow; the one retry then pays.
    const fresh = await PayingMcpClient.connect({ url: `${stack.edge.url}/mcp`, account: channelPayer(), maxPrice: 50_000n, rpcUrl: stack.chain.rpcUrl });
    try {
      scriptSentiment();
      const rows = await channelRows();
      const charged = rows.reduce((sum, r) => sum + BigInt(r.charged), 0n);
      const outcome = await fresh.callTool("sentiment", SENTIMENT_ARGS);
      if (outcome.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
      expect(outcome.receipt).toMatchObject({ success: true, transaction: "" });
      expect(outcome.channel).toMatchObject({ chargedCumulative: charged + outcome.paid });
      expect(await channelRows()).toHaveLength(rows.length + 1);
    } finally {
      await fresh.close();
    }
  });

  it("once the edge has claimed the channel, a client that lost its state recovers it from the chain alone and pays one voucher", async () => {
    const claim = await fetch(`${stack.edge.url}/admin/channels/claim`, { method: "POST", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(claim.status).toBe(200);
    const fresh = await PayingMcpClient.connect({ url: `${stack.edge.url}/mcp`, account: channelPayer(), maxPrice: 50_000n, rpcUrl: stack.chain.rpcUrl });
    try {
      scriptSentiment();
      const rows = await channelRows();
      const charged = rows.reduce((sum, r) => sum + BigInt(r.charged), 0n);
      const outcome = await fresh.callTool("sentiment", SENTIMENT_ARGS);
      if (outcome.status !== "ok") throw new Error(`expected ok, got ${outcome.status}`);
      expect(outcome.channel).toMatchObject({ deposit: null, chargedCumulative: charged + outcome.paid });
      expect(await channelRows()).toHaveLength(rows.length + 1);
    } finally {
      await fresh.close();
    }
  });

  it("npm run mcp-pay pays by channel by default, keeping the channel in --channels-dir between runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edge402-mcp-channels-"));
    try {
      const env = { EDGE_URL: stack.edge.url, PAYER_KEY: ANVIL_KEYS[7], RPC_URL: stack.chain.rpcUrl };
      scriptSentiment();
      const first = await run(["sentiment", JSON.stringify(SENTIMENT_ARGS), "--channels-dir", dir], env);
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^paid {6}\S+ USDC by channel 0x[0-9a-f]{64} \(eip155:\d+\)$/m);
      expect(first.stdout).toMatch(/^deposit {3}\S+ USDC into the channel, tx 0x[0-9a-f]{64}$/m);
      scriptSentiment();
      const second = await run(["sentiment", JSON.stringify(SENTIMENT_ARGS), "--channels-dir", dir], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain("deposit   none (a voucher: no chain transaction)");
      expect(second.stdout).toMatch(/^channel {3}\S+ USDC charged in all, \S+ USDC deposited, \S+ USDC left/m);
      expect(readdirSync(join(dir, "client"))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("transport", () => {
  it("GET /mcp is 405 (stateless server, no standalone stream)", async () => {
    const response = await fetch(`${stack.edge.url}/mcp`, { headers: { Accept: "text/event-stream" } });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });
});
