import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runPay, type PayIo } from "../../../scripts/pay/run.ts";
import { channelRequirements, DEPOSIT_TX, FakeChannel, REFUND_TX, startFakeChainRpc } from "../../support/fake-channel.ts";

// The CLI paying by channel against a fake edge (the official batch-settlement client runs for real,
// its state in a FileClientChannelStorage under a temporary state dir, as beside stack.json).
const KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // anvil account 1, public
const PAYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const ASSET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const PAY_TO = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const EXACT_TX = `0x${"ab".repeat(32)}`;
const PRICE = 1005n;

const exactEntry = (amount: string): PaymentRequirements => ({
  scheme: "exact",
  network: "eip155:31337",
  asset: ASSET,
  amount,
  payTo: PAY_TO,
  maxTimeoutSeconds: 300,
  extra: { name: "USD Coin", version: "2" },
});

interface Seen {
  method: string;
  url: string;
  payment: unknown;
}

interface EdgeOptions {
  price?: bigint;
  /** What a call is charged (metered); the price by default. */
  charge?: bigint;
  /** Answer paid chat calls as a metered stream: provisional header, final charge in the last event. */
  stream?: { used: bigint };
  offers?: "both" | "exact" | "channel";
  minDeposit?: string;
}

/** A fake edge selling one service by channel (first) and by exact transfer. */
function fakeEdge(channel: FakeChannel, options: EdgeOptions = {}) {
  const price = options.price ?? PRICE;
  const seen: Seen[] = [];
  const accepts = [
    ...(options.offers === "exact" ? [] : [channelRequirements({ amount: price.toString(), asset: ASSET, payTo: PAY_TO, ...(options.minDeposit ? { minDeposit: options.minDeposit } : {}) })]),
    ...(options.offers === "channel" ? [] : [exactEntry(price.toString())]),
  ];
  const required = (error = "Payment required", correction: Record<string, unknown> | null = null): PaymentRequired => ({
    x402Version: 2,
    error,
    resource: { url: "http://edge.test/v1/sentiment" },
    accepts: accepts.map((a) => (a.scheme === "batch-settlement" && correction ? { ...a, extra: { ...a.extra, ...correction } } : a)),
  });
  const fetchImpl = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const request = new Request(input, init);
    const header = request.headers.get("PAYMENT-SIGNATURE");
    const payment = header ? decodePaymentSignatureHeader(header) : null;
    seen.push({ method: request.method, url: request.url, payment });
    if (request.url.endsWith("/.well-known/x402")) return Response.json({ resources: [{ id: "sentiment", method: "POST", path: "/v1/sentiment" }] });
    if (!payment) return new Response("{}", { status: 402, headers: { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(required()) } });
    const refuse = (reason: string, correction: Record<string, unknown> | null) =>
      new Response(JSON.stringify({ message: reason }), { status: 402, headers: { "PAYMENT-REQUIRED": encodePaymentRequiredHeader(required(reason, correction)) } });
    if (payment.accepted.scheme === "exact") {
      return Response.json({ label: "positive" }, { headers: { "PAYMENT-RESPONSE": encodePaymentResponseHeader({ success: true, transaction: EXACT_TX, network: "eip155:31337", payer: PAYER }) } });
    }
    if (request.method === "GET") {
      const outcome = channel.refund(payment.payload);
      if (!outcome.ok) return refuse(outcome.reason, outcome.correction);
      return Response.json({ message: "Refund acknowledged" }, { headers: { "PAYMENT-RESPONSE": encodePaymentResponseHeader(outcome.receipt) } });
    }
    if (options.stream) {
      const outcome = channel.pay(payment.payload, price, price, { provisional: true });
      if (!outcome.ok) return refuse(outcome.reason, outcome.correction);
      const final = channel.finalize(price, options.stream.used);
      const events = ['{"choices":[{"delta":{"content":"Par"}}]}', '{"choices":[{"delta":{"content":"is."}}]}', JSON.stringify({ choices: [], x402_payment_response: final }), "[DONE]"];
      return new Response(events.map((e) => `data: ${e}\n\n`).join(""), {
        headers: { "content-type": "text/event-stream", "PAYMENT-RESPONSE": encodePaymentResponseHeader(outcome.receipt) },
      });
    }
    const outcome = channel.pay(payment.payload, price, options.charge ?? price);
    if (!outcome.ok) return refuse(outcome.reason, outcome.correction);
    return Response.json({ label: "positive" }, { headers: { "PAYMENT-RESPONSE": encodePaymentResponseHeader(outcome.receipt) } });
  }) as typeof fetch;
  const paid = () => seen.filter((s) => s.payment !== null);
  return { fetch: fetchImpl, seen, paid };
}

let dir: string;
let stackFile: string;
const channelsDir = () => join(dir, "channels", "client");
async function writeStack(extra: Record<string, unknown> = {}) {
  await writeFile(stackFile, JSON.stringify({ edgeUrl: "http://edge.test", network: "eip155:31337", payerKey: KEY, payerKeyNote: "a public anvil key", ...extra }));
}
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pay-channel-"));
  stackFile = join(dir, "stack.json");
  await writeStack();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[], edge: { fetch: typeof fetch }, env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const io: PayIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, stackFile, fetch: edge.fetch };
  const code = await runPay(argv, io);
  return { code, stdout, stderr };
}

const storedRecords = async () => {
  const files = await readdir(channelsDir()).catch(() => [] as string[]);
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(channelsDir(), f), "utf8")) as Record<string, string>));
};
const TEXT = '{"text":"great"}';

describe("edge402-pay by channel (batch-settlement)", () => {
  it("pays by channel by default: the first run deposits the edge's minDeposit, the next run (state from disk) sends one voucher", async () => {
    const channel = new FakeChannel();
    const edge = fakeEdge(channel);
    const first = await run(["sentiment", TEXT], edge);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("scheme    batch-settlement: a payment channel (one deposit, then a signed voucher per call; the edge asks deposits of at least 1 USDC)");
    expect(first.stdout).toMatch(/^channel {3}0x[0-9a-f]{64} \(state in .*channels\): no record yet; this call deposits$/m);
    expect(first.stdout).toContain(`deposit   1 USDC into the channel, tx ${DEPOSIT_TX}`);
    expect(first.stdout).toContain("charged   0.001005 USDC for this call");
    expect(first.stdout).toContain("channel   0.001005 USDC charged in all, 1 USDC deposited, 0.998995 USDC left");
    expect(channel.seen.map((p) => [p.type, p.voucher.maxClaimableAmount, p.deposit?.amount])).toEqual([["deposit", "1005", "1000000"]]);
    expect(await storedRecords()).toEqual([{ chargedCumulativeAmount: "1005", balance: "1000000" }]);

    const second = await run(["sentiment", TEXT], edge);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("0.001005 USDC charged of 1 USDC deposited, 0.998995 USDC left; this call is a voucher (no deposit)");
    expect(second.stdout).toContain("deposit   none (a voucher: no chain transaction)");
    expect(second.stdout).toContain("channel   0.00201 USDC charged in all, 1 USDC deposited, 0.99799 USDC left");
    // One unpaid quote and one paid request per run: no resync.
    expect(edge.seen.filter((s) => s.url.endsWith("/v1/sentiment")).map((s) => s.payment === null)).toEqual([true, false, true, false]);
    expect(channel.seen.map((p) => [p.type, p.voucher.maxClaimableAmount])).toEqual([["deposit", "1005"], ["voucher", "2010"]]);
    expect(await storedRecords()).toEqual([{ chargedCumulativeAmount: "2010", balance: "1000000" }]);
  });

  it("a metered call is charged what it used: the next voucher builds on that, not on the maximum", async () => {
    const channel = new FakeChannel();
    const edge = fakeEdge(channel, { charge: 400n });
    const first = await run(["sentiment", TEXT], edge);
    expect(first.stdout).toContain("charged   0.0004 USDC for this call (at most 0.001005)");
    await run(["sentiment", TEXT], edge);
    expect(channel.seen.map((p) => p.voucher.maxClaimableAmount)).toEqual(["1005", "1405"]);
  });

  it("--stream: the final charge comes from the stream's last event, and the stored state follows it", async () => {
    const channel = new FakeChannel();
    const edge = fakeEdge(channel, { stream: { used: 300n } });
    const result = await run(["sentiment", TEXT, "--stream"], edge);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("\nParis.\n");
    expect(result.stdout).toContain("charged   0.0003 USDC for this call (at most 0.001005; final, from the stream's last event)");
    expect(result.stdout).toContain("channel   0.0003 USDC charged in all, 1 USDC deposited, 0.9997 USDC left");
    expect(result.stdout).not.toContain("differs from the edge");
    expect(await storedRecords()).toEqual([{ chargedCumulativeAmount: "300", balance: "1000000" }]);
    await run(["sentiment", TEXT, "--stream"], edge);
    expect(channel.seen.map((p) => p.voucher.maxClaimableAmount)).toEqual(["1005", "1305"]);
  });

  it("--scheme exact pays by transfer though a channel is offered first", async () => {
    const channel = new FakeChannel();
    const edge = fakeEdge(channel);
    const result = await run(["sentiment", TEXT, "--scheme", "exact"], edge);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("scheme    exact: one USDC transfer for this call");
    expect(result.stdout).toContain(`tx        ${EXACT_TX}`);
    expect(edge.paid().map((s) => (s.payment as { accepted: { scheme: string } }).accepted.scheme)).toEqual(["exact"]);
    expect(channel.seen).toEqual([]);
  });

  it("pays by transfer when no channel is offered; --scheme batch-settlement then refuses before signing", async () => {
    const auto = await run(["sentiment", TEXT], fakeEdge(new FakeChannel(), { offers: "exact" }));
    expect(auto.code).toBe(0);
    expect(auto.stdout).toContain(`tx        ${EXACT_TX}`);
    const edge = fakeEdge(new FakeChannel(), { offers: "exact" });
    const forced = await run(["sentiment", TEXT, "--scheme", "batch-settlement"], edge);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('it offers exact on eip155:31337; this client pays "batch-settlement" (--scheme batch-settlement)');
    expect(edge.paid()).toEqual([]);
  });

  it("--max-deposit caps the deposit, and refuses a call that needs more; --max-price applies to the call's price", async () => {
    const channel = new FakeChannel();
    const capped = await run(["sentiment", TEXT, "--max-deposit", "0.5"], fakeEdge(channel));
    expect(capped.code).toBe(0);
    expect(channel.seen[0]?.deposit?.amount).toBe("500000");

    const pricey = fakeEdge(new FakeChannel(), { price: 20_000n });
    await rm(join(dir, "channels"), { recursive: true, force: true });
    const refused = await run(["sentiment", TEXT, "--max-deposit", "0.01"], pricey);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "edge402-pay: refusing to pay: this call needs a channel deposit of at least 0.02 USDC, above --max-deposit 0.01 USDC; nothing was signed (raise --max-deposit, or pay by --scheme exact)\n",
    );
    expect(pricey.paid()).toEqual([]);

    // The deposit (1 USDC) is far above the price: --max-price caps the price only.
    const fresh = new FakeChannel();
    await rm(join(dir, "channels"), { recursive: true, force: true });
    expect((await run(["sentiment", TEXT, "--max-price", "0.001005"], fakeEdge(fresh))).code).toBe(0);
    expect(fresh.seen[0]?.deposit?.amount).toBe("1000000");
    const over = await run(["sentiment", TEXT, "--max-price", "0.001"], fakeEdge(fresh));
    expect(over.stderr).toContain("refusing to pay: the quote 0.001005 USDC is above --max-price 0.001 USDC; nothing was signed");
  });

  it("--dry-run shows the channel and whether the call would deposit, signing nothing", async () => {
    const channel = new FakeChannel();
    const edge = fakeEdge(channel);
    await run(["sentiment", TEXT], edge);
    const dry = await run(["sentiment", TEXT, "--dry-run"], edge);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^channel {3}0x[0-9a-f]{64} .*: 0\.001005 USDC charged of 1 USDC deposited, 0\.998995 USDC left; this call is a voucher \(no deposit\)$/m);
    expect(dry.stdout).toContain("dry run   nothing was signed or paid");
    expect(channel.seen).toHaveLength(1);
  });

  it("resyncs once from a corrective 402 (its state lost, an RPC to check the edge's voucher against the escrow)", async () => {
    const channel = new FakeChannel();
    const edge = fakeEdge(channel);
    await run(["sentiment", TEXT], edge);
    await run(["sentiment", TEXT], edge);
    await rm(join(dir, "channels"), { recursive: true, force: true });
    const rpc = await startFakeChainRpc(channel);
    try {
      await writeStack({ rpcUrl: rpc.url });
      const result = await run(["sentiment", TEXT], edge);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      // From the chain: 1 USDC deposited, nothing claimed → it signs 0 + price; the edge corrects it to 2010 + price.
      expect(channel.seen.slice(2).map((p) => [p.type, p.voucher.maxClaimableAmount])).toEqual([["voucher", "1005"], ["voucher", "3015"]]);
      expect(edge.paid()).toHaveLength(4);
      expect(rpc.calls.filter((c) => c === "channels").length).toBeGreaterThanOrEqual(2);
      expect(result.stdout).toContain("channel   0.003015 USDC charged in all, 1 USDC deposited, 0.996985 USDC left");
      expect(await storedRecords()).toMatchObject([{ chargedCumulativeAmount: "3015" }]);
    } finally {
      await rpc.close();
    }
  });

  it("refund <service>: the official cooperative refund of what is left; the record goes", async () => {
    const channel = new FakeChannel();
    const edge = fakeEdge(channel);
    await run(["sentiment", TEXT], edge);
    const result = await run(["refund", "sentiment"], edge);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("service   sentiment → GET http://edge.test/v1/sentiment (from the edge's catalog), to refund its channel");
    expect(result.stdout).toContain("0.001005 USDC charged of 1 USDC deposited, 0.998995 USDC left");
    expect(result.stdout).toContain(`refunded  0.998995 USDC to ${PAYER} (tx ${REFUND_TX})`);
    expect(result.stdout).toContain("channel   0.001005 USDC left in the escrow, 0.001005 USDC of it charged (the edge's)");
    expect(result.stdout).toMatch(/^record {4}removed \(.*\.json\)$/m);
    expect(channel.seen.at(-1)).toMatchObject({ type: "refund", voucher: { maxClaimableAmount: "1005" } });
    expect(await storedRecords()).toEqual([]);
  });

  it("--refund with --amount refunds part, keeping the record; a refund takes no call options", async () => {
    const channel = new FakeChannel();
    const edge = fakeEdge(channel);
    await run(["sentiment", TEXT], edge);
    const result = await run(["sentiment", "--refund", "--amount", "0.1"], edge);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("refunded  0.1 USDC");
    expect(result.stdout).toContain("record    kept: 0.001005 USDC charged of 0.9 USDC deposited, 0.898995 USDC left");
    const usage = await run(["refund", "sentiment", "--stream", "--scheme", "exact"], edge);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--stream does not apply to a refund");
    expect(usage.stderr).toContain("--scheme can only be batch-settlement");
  });

  it("a refund with nothing stored and no RPC fails with the official client's reason", async () => {
    const result = await run(["refund", "sentiment"], fakeEdge(new FakeChannel()));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("edge402-pay: the refund failed: Refund requires an existing channel record");
  });

  it("keeps channel state under ~/.edge402/channels for an edge that is not the local stack, or --channels-dir", async () => {
    const home = join(dir, "home");
    const channel = new FakeChannel();
    const result = await run(["sentiment", TEXT, "--edge", "http://edge.test"], fakeEdge(channel), { PAYER_KEY: KEY, HOME: home });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`(state in ${join(home, ".edge402", "channels")})`);
    expect(await readdir(join(home, ".edge402", "channels", "client"))).toHaveLength(1);
    const elsewhere = join(dir, "elsewhere");
    await run(["sentiment", TEXT, "--channels-dir", elsewhere], fakeEdge(new FakeChannel()));
    expect(await readdir(join(elsewhere, "client"))).toHaveLength(1);
  });
});
