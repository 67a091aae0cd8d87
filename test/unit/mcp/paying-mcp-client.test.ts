import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { InMemoryClientChannelStorage } from "@x402/evm/batch-settlement/client";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { PayingMcpClient, type PayingMcpClientOptions } from "../../../client/mcp/paying-mcp-client.ts";
import { channelRequirements, DEPOSIT_TX, FakeChannel, startFakeChainRpc } from "../../support/fake-channel.ts";

// PayingMcpClient against a fake MCP server speaking Streamable HTTP (JSON responses) with x402 in
// _meta; the channel behind it is a FakeChannel, the official client schemes run for real.
const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const ASSET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const PAY_TO = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const PRICE = 1000n;
const EXACT_TX = `0x${"ab".repeat(32)}`;

interface ServerOptions {
  price?: bigint;
  charge?: bigint;
  /** The tool fails after the payment was checked (nothing charged). */
  failTool?: boolean;
  /** Corrective refusals without the correction fields (how worker/mcp/tool-results.ts sends them today). */
  dropCorrection?: boolean;
}

function fakeMcpServer(channel: FakeChannel, options: ServerOptions = {}) {
  const price = options.price ?? PRICE;
  const payments: PaymentPayload[] = [];
  const accepts: PaymentRequirements[] = [
    channelRequirements({ amount: price.toString(), asset: ASSET, payTo: PAY_TO }),
    { scheme: "exact", network: "eip155:31337", asset: ASSET, amount: price.toString(), payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: "USD Coin", version: "2" } },
  ];
  const paymentRequired = (error: string, correction: Record<string, unknown> | null = null): CallToolResult => {
    const required = {
      x402Version: 2,
      error,
      message: error,
      resource: { url: "mcp://tool/sentiment" },
      accepts: accepts.map((a) => (a.scheme === "batch-settlement" && correction ? { ...a, extra: { ...a.extra, ...correction } } : a)),
    };
    return { isError: true, structuredContent: required, content: [{ type: "text", text: JSON.stringify(required) }] };
  };
  const call = (params: { _meta?: Record<string, unknown> }): CallToolResult => {
    const payment = params._meta?.["x402/payment"] as PaymentPayload | undefined;
    if (!payment) return paymentRequired("payment_required");
    payments.push(payment);
    if (payment.accepted.scheme === "exact") {
      return { structuredContent: { label: "positive" }, content: [{ type: "text", text: '{"label":"positive"}' }], _meta: { "x402/payment-response": { success: true, transaction: EXACT_TX, network: "eip155:31337", payer: account.address } } };
    }
    if (options.failTool) return { isError: true, structuredContent: { error: { code: "ollama_error", message: "model crashed; nothing was charged", status: 502 } }, content: [{ type: "text", text: "ollama_error" }] };
    const outcome = channel.pay(payment.payload, price, options.charge ?? price);
    if (!outcome.ok) return paymentRequired(outcome.reason, options.dropCorrection ? null : outcome.correction);
    return { structuredContent: { label: "positive" }, content: [{ type: "text", text: '{"label":"positive"}' }], _meta: { "x402/payment-response": outcome.receipt } };
  };
  const fetchImpl = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { Allow: "POST" } });
    const message = (await request.json()) as { id?: number; method: string; params: Record<string, unknown> };
    if (message.id === undefined) return new Response(null, { status: 202 });
    const result =
      message.method === "initialize"
        ? { protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "fake-edge", version: "0" } }
        : message.method === "tools/call"
          ? call(message.params as { _meta?: Record<string, unknown> })
          : {};
    return Response.json({ jsonrpc: "2.0", id: message.id, result });
  }) as typeof fetch;
  return { fetch: fetchImpl, payments };
}

const connect = (server: { fetch: typeof fetch }, options: Partial<PayingMcpClientOptions> = {}) =>
  PayingMcpClient.connect({ url: "http://edge.test/mcp", account, maxPrice: 50_000n, fetch: server.fetch, ...options });

describe("PayingMcpClient by channel", () => {
  it("pays by channel by default: a deposit first, then a voucher with no transaction; the receipt updates the stored state", async () => {
    const channel = new FakeChannel();
    const server = fakeMcpServer(channel);
    const storage = new InMemoryClientChannelStorage();
    const client = await connect(server, { channelStorage: storage });
    try {
      const first = await client.callTool("sentiment", { text: "great" });
      if (first.status !== "ok") throw new Error(JSON.stringify(first));
      expect(first).toMatchObject({ scheme: "batch-settlement", paid: PRICE, channel: { deposit: { amount: 1_000_000n, transaction: DEPOSIT_TX }, charged: PRICE, chargedCumulative: PRICE, balance: 1_000_000n, remaining: 999_000n } });
      const second = await client.callTool("sentiment", { text: "great" });
      expect(second).toMatchObject({ status: "ok", scheme: "batch-settlement", channel: { deposit: null, chargedCumulative: 2n * PRICE }, receipt: { transaction: "" } });
      expect(server.payments.map((p) => (p.payload as { type: string }).type)).toEqual(["deposit", "voucher"]);
      const id = client.channelIdOf(server.payments[0]!.accepted)!;
      expect(await storage.get(id.toLowerCase())).toEqual({ chargedCumulativeAmount: "2000", balance: "1000000" });
    } finally {
      await client.close();
    }
  });

  it("charges what a metered call used: paid is the channel's charge, and the next voucher builds on it", async () => {
    const channel = new FakeChannel();
    const server = fakeMcpServer(channel, { charge: 250n });
    const client = await connect(server);
    try {
      expect(await client.callTool("sentiment", {})).toMatchObject({ status: "ok", paid: 250n });
      await client.callTool("sentiment", {});
      expect(channel.seen.map((p) => p.voucher.maxClaimableAmount)).toEqual(["1000", "1250"]);
    } finally {
      await client.close();
    }
  });

  it("scheme: exact pays by transfer though a channel is offered first", async () => {
    const channel = new FakeChannel();
    const server = fakeMcpServer(channel);
    const client = await connect(server, { scheme: "exact" });
    try {
      expect(await client.callTool("sentiment", {})).toMatchObject({ status: "ok", scheme: "exact", paid: PRICE, receipt: { transaction: EXACT_TX } });
      expect(server.payments.map((p) => p.accepted.scheme)).toEqual(["exact"]);
      expect(channel.seen).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("maxPrice guards the call's amount, not the deposit; maxDeposit guards the deposit, before anything is signed", async () => {
    const server = fakeMcpServer(new FakeChannel());
    const cheap = await connect(server, { maxPrice: PRICE }); // the deposit (1 USDC) is 1000 × maxPrice
    try {
      expect(await cheap.callTool("sentiment", {})).toMatchObject({ status: "ok", channel: { deposit: { amount: 1_000_000n } } });
    } finally {
      await cheap.close();
    }
    const over = await connect(server, { maxPrice: PRICE - 1n });
    const small = await connect(fakeMcpServer(new FakeChannel(), { price: 20_000n }), { maxDeposit: 10_000n });
    try {
      expect(await over.callTool("sentiment", {})).toMatchObject({ status: "over_max_price", price: PRICE, maxPrice: PRICE - 1n });
      expect(await small.callTool("sentiment", {})).toMatchObject({ status: "over_max_deposit", deposit: 20_000n, maxDeposit: 10_000n });
      expect(server.payments).toHaveLength(1);
    } finally {
      await Promise.all([over.close(), small.close()]);
    }
  });

  it("resyncs from a corrective refusal with the official recovery and retries once (state lost, RPC known)", async () => {
    const channel = new FakeChannel();
    const server = fakeMcpServer(channel);
    const before = await connect(server);
    await before.callTool("sentiment", {});
    await before.callTool("sentiment", {});
    await before.close();
    const rpc = await startFakeChainRpc(channel);
    const fresh = await connect(server, { rpcUrl: rpc.url }); // empty storage: it reads the chain, which knows no charge
    try {
      const outcome = await fresh.callTool("sentiment", {});
      expect(outcome).toMatchObject({ status: "ok", channel: { chargedCumulative: 3n * PRICE } });
      expect(channel.seen.slice(2).map((p) => [p.type, p.voucher.maxClaimableAmount])).toEqual([["voucher", "1000"], ["voucher", "3000"]]);
      // And the state it resynced to carries on: the next call is one voucher.
      await fresh.callTool("sentiment", {});
      expect(channel.seen.slice(4).map((p) => p.voucher.maxClaimableAmount)).toEqual(["4000"]);
    } finally {
      await fresh.close();
      await rpc.close();
    }
  });

  it("never pays twice: a refusal it cannot resync from (no correction fields) is reported after one retry at most", async () => {
    const channel = new FakeChannel();
    const server = fakeMcpServer(channel, { dropCorrection: true });
    const before = await connect(server);
    await before.callTool("sentiment", {});
    await before.close();
    const rpc = await startFakeChainRpc(channel);
    const fresh = await connect(server, { rpcUrl: rpc.url });
    try {
      const outcome = await fresh.callTool("sentiment", {});
      expect(outcome).toMatchObject({ status: "payment_refused", reason: "invalid_batch_settlement_evm_cumulative_amount_mismatch" });
      expect(server.payments).toHaveLength(3); // the deposit, then one refused voucher and its one retry
      expect(channel.charged).toBe(PRICE);
    } finally {
      await fresh.close();
      await rpc.close();
    }
  });

  it("without an RPC a corrective refusal cannot be checked, so it is reported, not retried", async () => {
    const channel = new FakeChannel();
    const server = fakeMcpServer(channel);
    await (await connect(server)).callTool("sentiment", {});
    const fresh = await connect(server);
    try {
      // No record and no chain to read: it believes the channel is new and deposits again; the edge refuses.
      expect(await fresh.callTool("sentiment", {})).toMatchObject({ status: "payment_refused", reason: "invalid_batch_settlement_evm_cumulative_amount_mismatch" });
      expect(server.payments).toHaveLength(2);
    } finally {
      await fresh.close();
    }
  });

  it("a tool that fails after its payment was checked is a tool_error and leaves the channel state alone", async () => {
    const channel = new FakeChannel();
    const storage = new InMemoryClientChannelStorage();
    const ok = await connect(fakeMcpServer(channel), { channelStorage: storage });
    await ok.callTool("sentiment", {});
    await ok.close();
    const failing = await connect(fakeMcpServer(channel, { failTool: true }), { channelStorage: storage });
    try {
      expect(await failing.callTool("sentiment", {})).toMatchObject({ status: "tool_error" });
      const id = failing.channelIdOf(channelRequirements({ amount: PRICE.toString(), asset: ASSET, payTo: PAY_TO }))!;
      expect(await storage.get(id.toLowerCase())).toEqual({ chargedCumulativeAmount: "1000", balance: "1000000" });
    } finally {
      await failing.close();
    }
  });

  it("channel calls from one client go one at a time (the edge holds a channel for one request)", async () => {
    const channel = new FakeChannel();
    const client = await connect(fakeMcpServer(channel));
    try {
      const outcomes = await Promise.all([1, 2, 3].map(() => client.callTool("sentiment", {})));
      expect(outcomes.map((o) => o.status)).toEqual(["ok", "ok", "ok"]);
      expect(channel.seen.map((p) => p.voucher.maxClaimableAmount)).toEqual(["1000", "2000", "3000"]);
    } finally {
      await client.close();
    }
  });
});
