/**
 * npm run bench:payments — what x402 payment handling costs in edge402, against the x402 reference.
 *
 * One run, one anvil chain with Circle's USDC, one Ollama-API stand-in, the same model call:
 *   edge402 paid     the Worker (wrangler dev) with local verification, nonce reservation and the
 *                    embedded facilitator (Relayer Durable Object), via the tunnel and a node-runner
 *   edge402 channel  the same route paid by batch-settlement: a voucher per call from the official
 *                    client on a funded channel (checked locally, committed in its channel object)
 *   edge402 unpaid   the same path without payment (the BENCH_ROUTES copy of the route)
 *   reference paid   @x402/hono on Node + the reference facilitator (@x402/core + @x402/evm) over HTTP
 *   reference unpaid the same Node handler without the middleware
 * Payments are signed before the clock starts (client signing is not what is measured); a voucher
 * is signed just before its request (it builds on the last receipt) and timed without its signing,
 * except in the throughput run, whose wall time includes it.
 * Variants alternate request by request, so machine noise hits all of them; results are ratios.
 * Gas per call by channel: deposit + claim share + settle share from the mined receipts' gasUsed,
 * over BENCH_CALLS_PER_CHANNEL calls per channel, priced at a stated Base fee (BENCH_GAS_GWEI, BENCH_ETH_USD).
 */
import { x402Facilitator } from "@x402/core/facilitator";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import type { Hex, LocalAccount } from "viem";
import { batchDomain, voucherTypes } from "../worker/payments/schemes/batch-settlement/batch-constants.ts";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { localPublicClient } from "../dev/chain/local-client.ts";
import { ADMIN_TOKEN } from "../dev/local-stack.ts";
import { channelAdmin } from "../scripts/load/channel-audit.ts";
import { channelClient } from "../scripts/load/channel-client.ts";
import { fundSlots } from "../scripts/load/channel-slots.ts";
import { parseChannelSettings } from "../worker/payments/schemes/batch-settlement/channel-settings.ts";
import { verifyBatchPayment } from "../worker/payments/schemes/batch-settlement/verify-batch.ts";
import type { PaymentPayload as EdgePaymentPayload } from "../worker/payments/core/wire.ts";
import { benchEnv } from "./lib/bench-env.ts";
import { chargedByChannel, channelThroughput } from "./lib/channel-calls.ts";
import { gasCost, gasPerCallText, REFERENCE_PRICE_BASE_UNITS, withinPercent, type FeeAssumption } from "./lib/gas.ts";
import { voucherPayloads } from "./lib/voucher-payloads.ts";
import { ANVIL_KEYS } from "../dev/chain/accounts.ts";
import { nodeWasmRecoverer } from "../dev/secp256k1-wasm.ts";
import { typedDataDigest } from "../worker/chain/signatures/typed-data-digest.ts";
import { startLocalStack } from "../dev/local-stack.ts";
import { encodePayment, exactRequirements, paymentV2, readPaymentRequired } from "../dev/x402-payments.ts";
import { exactOffer } from "../worker/payments/schemes/exact/exact-offer.ts";
import { verifyExactPayment } from "../worker/payments/schemes/exact/verify-exact.ts";
import type { ExactPaymentPayloadV2 as PaymentPayloadV2 } from "../worker/payments/schemes/exact/exact-payload.ts";
import { startRpcRelay, type RpcRelay } from "../dev/rpc-relay.ts";
import { fmt, interleave, percentile, ratio, table, timed } from "./lib/stats.ts";

const formatGas = (gas: bigint) => gas.toString();
import { referenceFacilitatorSigner } from "./reference/facilitator-signer.ts";
import { startReferenceStack } from "./reference/reference-stack.ts";

const env = benchEnv(process.env);
const ROUNDS = env.BENCH_ROUNDS;
const THROUGHPUT_N = env.BENCH_THROUGHPUT_N;
const CONCURRENCY = env.BENCH_CONCURRENCY;
const VERIFY_N = env.BENCH_VERIFY_N;
/** Delay added to every JSON-RPC call of both stacks (0: anvil on loopback as it is). */
const RPC_LATENCY_MS = env.BENCH_RPC_LATENCY_MS;
/** Calls per channel in the channel throughput run (its deposit call included): what the gas is spread over. */
const CALLS_PER_CHANNEL = env.BENCH_CALLS_PER_CHANNEL;
const FEE: FeeAssumption = { gasGwei: env.BENCH_GAS_GWEI, ethUsd: env.BENCH_ETH_USD };
/** The issue's goals, printed met or not (no timing assertions anywhere). */
const GOALS = { throughputRatio: 10, gasPercent: "1", voucherCpuMs: 1 };
const MODEL = "qwen2.5:7b";
const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "ping" }], max_tokens: 8 });

// Both the edge and the reference facilitators reach the chain through the same (optionally slow) relay.
let proxy: RpcRelay | undefined;
const stack = await startLocalStack({
  runners: 1,
  // Automine by default (settlement waits for no block: exact's best case); BENCH_BLOCK_MS=2000 is Base's block time.
  ...(env.BENCH_BLOCK_MS > 0 ? { chainBlockTime: env.BENCH_BLOCK_MS / 1000 } : {}),
  // Claims only when the bench asks (POST /admin/channels/claim): every channel in one claim, as the
  // claim job batches them, instead of one early claim per channel crossing the default $1 threshold.
  edgeEnv: { BENCH_ROUTES: "on", CHANNEL_CLAIM_THRESHOLD: "1000000000000000" },
  prepareEdge: async (chain) => ({ RPC_URL: (proxy = await startRpcRelay(chain.rpcUrl, { delayMs: RPC_LATENCY_MS })).url }),
  runnerEnv: { RUNNER_CONCURRENCY: `*=${CONCURRENCY}`, RUNNER_MAX_QUEUE: "256" },
  standin: { numParallel: CONCURRENCY },
});
const edgePaidUrl = `${stack.edge.url}/v1/chat/completions`;
const edgeUnpaidUrl = `${stack.edge.url}/__bench/v1/chat/completions`;
const post = (url: string, headers: Record<string, string> = {}) => fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

const edgeRequired = readPaymentRequired(await post(edgePaidUrl));
const price = BigInt(exactRequirements(edgeRequired).amount);
const startReference = (relayerKey: `0x${string}`, nonceManager: boolean) =>
  startReferenceStack({
    rpcUrl: proxy!.url,
    chainId: stack.chain.chainId,
    usdc: { address: stack.usdc, name: stack.chain.usdc.name, version: stack.chain.usdc.version },
    payTo: stack.payTo,
    relayerKey,
    nonceManager,
    ollamaHost: stack.standin.url,
    model: MODEL,
    price,
  });
// Relayer keys differ from the edge's (key 3): two senders sharing an account would fight over its
// nonce. Key 1 is the USDC proxy admin, whose calls the proxy never forwards to the token.
const reference = await startReference(ANVIL_KEYS[0], false);
// The reference again with viem's nonce manager: what an operator must add before it can settle
// concurrent payments (its default signer collides on the relayer nonce).
const managedReference = await startReference(ANVIL_KEYS[2], true);

try {
  const referenceRequired = readPaymentRequired(await post(reference.paidUrl));
  const payers = stack.chain.accounts.payers as readonly LocalAccount[];
  let next = 0;
  const presign = async (required: typeof edgeRequired, count: number) => {
    const headers: string[] = [];
    for (let i = 0; i < count; i++) headers.push(encodePayment(await paymentV2(required, stack.chain.chainId, payers[next++ % payers.length]!)));
    return headers;
  };
  const expect200 = async (response: Promise<Response>) => {
    const r = await response;
    if (r.status !== 200) {
      const receipt = r.headers.get("PAYMENT-RESPONSE");
      throw new Error(`HTTP ${r.status}: ${await r.text()} ${receipt ? Buffer.from(receipt, "base64").toString() : ""}`);
    }
    await r.arrayBuffer();
  };

  // ---------------------------------------------------------------- latency, sequential
  const warm = 10;
  // Each payment is signed just before its request, outside its timer: presigned ones (valid 120 s)
  // would expire in a run with block times (BENCH_BLOCK_MS), where every paid call waits for a block.
  const signed = async (required: typeof edgeRequired) => ({ "PAYMENT-SIGNATURE": (await presign(required, 1))[0]! });
  const channelTerms = edgeRequired.accepts.find((a) => a.scheme === "batch-settlement");
  if (!channelTerms) throw new Error(`the edge offers no batch-settlement: ${edgeRequired.accepts.map((a) => a.scheme).join(", ")}`);
  const ceiling = BigInt(channelTerms.amount); // a voucher adds at most this; chat is charged what it used
  // Fresh payers, each minted exactly its one deposit: the latency channel's, then one per throughput slot.
  const slots = await fundSlots(stack.chain.rpcUrl, stack.usdc, [
    { calls: ROUNDS + warm, deposit: ceiling * BigInt(ROUNDS + warm) },
    ...Array.from({ length: CONCURRENCY }, () => ({ calls: CALLS_PER_CHANNEL, deposit: ceiling * BigInt(CALLS_PER_CHANNEL) })),
  ]);
  const rpcClient = localPublicClient(stack.chain.rpcUrl);
  const [latencyChannel, ...throughputChannels] = slots.map((slot) => channelClient({ payer: slot.payer, required: edgeRequired, publicClient: rpcClient, deposit: slot.deposit }));
  const variants = {
    edgePaid: async () => {
      const headers = await signed(edgeRequired);
      return timed(() => expect200(post(edgePaidUrl, headers)));
    },
    // The first (warm-up) round deposits; every timed round is a voucher.
    edgeChannel: async () => (await chargedByChannel(edgePaidUrl, body, latencyChannel!)).ms,
    edgeUnpaid: () => timed(() => expect200(post(edgeUnpaidUrl))),
    referencePaid: async () => {
      const headers = await signed(referenceRequired);
      return timed(() => expect200(post(reference.paidUrl, headers)));
    },
    referenceUnpaid: () => timed(() => expect200(post(reference.unpaidUrl))),
  };
  await interleave(warm, variants);
  const latency = await interleave(ROUNDS, variants);

  // ---------------------------------------------------------------- CPU per verification
  const verifyPayloads = await Promise.all(Array.from({ length: VERIFY_N }, (_, i) => paymentV2(edgeRequired, stack.chain.chainId, payers[i % payers.length]!)));
  const config = { network: stack.network as `eip155:${number}`, chainId: stack.chain.chainId, v1NetworkName: null, asset: stack.usdc, assetName: stack.chain.usdc.name, assetVersion: stack.chain.usdc.version, payTo: stack.payTo, maxTimeoutSeconds: 300, minValiditySeconds: 30 };
  const offer = exactOffer(config, price, { url: edgeRequired.resource.url, description: "", mimeType: "application/json" });
  // The Worker's recoverer (libsecp256k1 in wasm, worker/index.ts), the module read from disk here.
  const recoverer = nodeWasmRecoverer();
  const cpuPerCall = async (fn: (i: number) => Promise<unknown>) => {
    // A tenth untimed first, alike for every variant: the first calls pay for the JIT and for the
    // curve's lazily built tables, which a running edge has long paid.
    for (let i = 0; i < Math.ceil(VERIFY_N / 10); i++) await fn(i);
    const start = process.cpuUsage();
    for (let i = 0; i < VERIFY_N; i++) await fn(i);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / VERIFY_N;
  };
  const edgeVerifyCpu = await cpuPerCall(async (i) => {
    const outcome = await verifyExactPayment(verifyPayloads[i] as PaymentPayloadV2, { config, offer, nowSeconds: Math.floor(Date.now() / 1000), recoverer });
    if (!outcome.ok) throw new Error(outcome.refusal.message);
  });
  // The voucher check, measured the same way: the edge's local verification (verify-batch.ts) of
  // vouchers the official client built, against the edge's own 402 entry.
  const vouchers = await voucherPayloads(edgeRequired, privateKeyToAccount(generatePrivateKey()), VERIFY_N);
  const channelSettings = parseChannelSettings({ RECEIVER_AUTHORIZER_KEY: generatePrivateKey(), CHANNEL_WITHDRAW_DELAY_SECONDS: String(channelTerms.extra.withdrawDelay) });
  if (!channelSettings.ok || !channelSettings.settings) throw new Error("channel settings");
  // Verification compares with the authorizer's address only (its key signs claims, not used here).
  const settings = { ...channelSettings.settings, receiverAuthorizer: stack.receiverAuthorizer };
  const channelConfig = { ...config, maxTimeoutSeconds: channelTerms.maxTimeoutSeconds };
  const voucherCpu = await cpuPerCall(async (i) => {
    const outcome = await verifyBatchPayment(vouchers[i] as unknown as EdgePaymentPayload, { payment: channelConfig, settings, offer: { v2: channelTerms, v1: null }, nowMs: Date.now(), minValidityMs: 30_000, recoverer });
    if (!outcome.ok) throw new Error(outcome.refusal.message);
  });
  // Of which the voucher's EIP-712 digest and signature recovery alone, as the check makes them: its floor.
  const recoveryCpu = await cpuPerCall(async (i) => {
    const { voucher } = (vouchers[i] as unknown as { payload: { voucher: { channelId: Hex; maxClaimableAmount: string; signature: Hex } } }).payload;
    const digest = typedDataDigest({ domain: batchDomain(stack.chain.chainId), types: voucherTypes, primaryType: "Voucher", message: { channelId: voucher.channelId, maxClaimableAmount: BigInt(voucher.maxClaimableAmount) } });
    if ((await recoverer.recoverAddress(digest, voucher.signature)) === null) throw new Error("voucher signature did not recover");
  });
  const facilitator = new x402Facilitator().register(stack.network as `${string}:${string}`, new ExactEvmScheme(referenceFacilitatorSigner({ rpcUrl: proxy!.url, chainId: stack.chain.chainId, relayerKey: ANVIL_KEYS[0] })));
  const referenceVerifyCpu = await cpuPerCall(async (i) => {
    const payload = verifyPayloads[i] as unknown as PaymentPayload;
    const result = await facilitator.verify(payload, payload.accepted as PaymentRequirements);
    if (!result.isValid) throw new Error(result.invalidReason);
  });

  // ---------------------------------------------------------------- paid throughput, concurrent
  /** Delivered (200) paid calls per second, and how many paid calls failed. */
  const exactTransactions: Hex[] = [];
  const throughput = async (url: string, headers: string[]) => {
    const start = performance.now();
    let cursor = 0;
    let ok = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (cursor < headers.length) {
          const response = await post(url, { "PAYMENT-SIGNATURE": headers[cursor++]! });
          await response.arrayBuffer();
          if (response.status === 200) ok++;
          else failed++;
          // The edge's transfers, for gas per call by exact (the receipt names the transaction).
          const receipt = url === edgePaidUrl ? response.headers.get("PAYMENT-RESPONSE") : null;
          if (receipt) exactTransactions.push(JSON.parse(Buffer.from(receipt, "base64").toString()).transaction as Hex);
        }
      }),
    );
    return { rps: ok / ((performance.now() - start) / 1000), failed };
  };
  const managedRequired = readPaymentRequired(await post(managedReference.paidUrl));
  const batches = {
    edge: { url: edgePaidUrl, required: edgeRequired },
    reference: { url: reference.paidUrl, required: referenceRequired },
    managed: { url: managedReference.paidUrl, required: managedRequired },
  };
  /** The same loop unpaid: what the path delivers with no payment at all (the ceiling for any scheme here). */
  const unpaidThroughput = async (url: string, count: number) => {
    const start = performance.now();
    let sent = 0;
    let ok = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent++ < count) {
          const response = await post(url);
          await response.arrayBuffer();
          if (response.status === 200) ok++;
          else failed++;
        }
      }),
    );
    return { rps: ok / ((performance.now() - start) / 1000), failed };
  };
  const runs: Record<keyof typeof batches | "channel" | "edgeUnpaid" | "referenceUnpaid", Array<{ rps: number; failed: number }>> = { edge: [], reference: [], managed: [], channel: [], edgeUnpaid: [], referenceUnpaid: [] };
  // Each channel's first call deposits (a transaction, like any exact call): made before the clock,
  // so the timed calls are the vouchers a channel is for. It counts in the calls per channel.
  const deposits = await Promise.all(throughputChannels.map((c) => chargedByChannel(edgePaidUrl, body, c)));
  const voucherCalls = CALLS_PER_CHANNEL - 1;
  // Two halves each, alternating, so no stack always runs on a warmer or a busier machine.
  for (const halfIndex of [0, 1]) {
    for (const [name, batch] of Object.entries(batches) as Array<[keyof typeof batches, (typeof batches)["edge"]]>) {
      // Signed just before each half (still before its clock): authorizations are valid 120 s, and the
      // channel half in between can take longer than that.
      runs[name].push(await throughput(batch.url, await presign(batch.required, THROUGHPUT_N / 2)));
    }
    const half = halfIndex === 0 ? Math.ceil(voucherCalls / 2) : Math.floor(voucherCalls / 2);
    runs.channel.push(await channelThroughput(edgePaidUrl, body, throughputChannels, half));
    runs.edgeUnpaid.push(await unpaidThroughput(edgeUnpaidUrl, THROUGHPUT_N / 2));
    runs.referenceUnpaid.push(await unpaidThroughput(reference.unpaidUrl, THROUGHPUT_N / 2));
  }

  // ---------------------------------------------------------------- gas per call
  // One claim for every channel, one settle to payTo; gas from the mined receipts (deposit, claim, settle).
  const claim = await channelAdmin(stack.edge.url, ADMIN_TOKEN).claim();
  if (claim.status !== 200 || claim.failures.length > 0 || !claim.settle) throw new Error(`the claim failed: ${claim.failures.join("; ")}`);
  const gasOf = async (hash: string) => (await rpcClient.getTransactionReceipt({ hash: hash as Hex })).gasUsed;
  const depositGas = await Promise.all(deposits.map((d) => gasOf(d.receipt.transaction)));
  const claimGas = await Promise.all(claim.claims.map(async (c) => ({ gas: await gasOf(c.transaction), channels: BigInt(c.channels) })));
  const settleGas = await gasOf(claim.settle.transaction);
  const claimedChannels = claimGas.reduce((a, c) => a + c.channels, 0n);
  // Per throughput channel: its deposit, its share of the claim transaction(s) and of the one settle.
  const n = BigInt(throughputChannels.length);
  const claimShare = claimGas.reduce((a, c) => a + c.gas, 0n) * n / claimedChannels;
  const settleShare = (settleGas * n) / claimedChannels;
  const channelGas = { totalGas: depositGas.reduce((a, g) => a + g, 0n) + claimShare + settleShare, calls: n * BigInt(CALLS_PER_CHANNEL) };
  const exactGasUsed = await Promise.all(exactTransactions.map(gasOf));
  const exactGas = { totalGas: exactGasUsed.reduce((a, g) => a + g, 0n), calls: BigInt(Math.max(1, exactGasUsed.length)) };
  const channelCost = gasCost(channelGas, FEE);
  const exactCost = gasCost(exactGas, FEE);
  const rps = (name: keyof typeof runs) => runs[name].reduce((a, r) => a + r.rps, 0) / runs[name].length;
  const failed = (name: keyof typeof runs) => runs[name].reduce((a, r) => a + r.failed, 0);

  const added = (paid: number[], unpaid: number[], q: number) => percentile(paid, q) - percentile(unpaid, q);
  const p = (q: number) => ({
    paid: percentile(latency.edgePaid, q),
    channel: percentile(latency.edgeChannel, q),
    reference: percentile(latency.referencePaid, q),
    addedExact: added(latency.edgePaid, latency.edgeUnpaid, q),
    addedChannel: added(latency.edgeChannel, latency.edgeUnpaid, q),
    addedReference: added(latency.referencePaid, latency.referenceUnpaid, q),
  });
  const [p50, p99] = [p(50), p(99)];
  const channelRps = rps("channel");
  const row = (measure: string, exact: number, channel: number, ref: number, digits = 2) => ({
    measure,
    edge402: fmt(exact, digits),
    "edge402 batch-settlement": fmt(channel, digits),
    reference: fmt(ref, digits),
    "edge402/reference": ratio(exact, ref),
    "batch/exact": ratio(channel, exact),
    "batch/reference": ratio(channel, ref),
  });
  console.log(
    `\nedge402 bench:payments — RPC latency +${RPC_LATENCY_MS} ms per call; blocks ${env.BENCH_BLOCK_MS > 0 ? `every ${env.BENCH_BLOCK_MS} ms` : "per transaction (automine)"}; price ${price} base units; ${ROUNDS} sequential calls per variant; ${VERIFY_N} verifications;` +
      ` ${THROUGHPUT_N} paid calls at concurrency ${CONCURRENCY} (exact, reference); ${CONCURRENCY} channels × ${CALLS_PER_CHANNEL} calls (batch-settlement)\n`,
  );
  const blank = { "edge402 batch-settlement": "", "batch/exact": "", "batch/reference": "" };
  console.log(
    table([
      row("paid call p50 (ms)", p50.paid, p50.channel, p50.reference),
      { measure: "unpaid call p50 (ms)", edge402: fmt(percentile(latency.edgeUnpaid, 50)), reference: fmt(percentile(latency.referenceUnpaid, 50)), "edge402/reference": ratio(percentile(latency.edgeUnpaid, 50), percentile(latency.referenceUnpaid, 50)), ...blank },
      row("payment handling added, p50 (ms)", p50.addedExact, p50.addedChannel, p50.addedReference),
      row("payment handling added, p99 (ms)", p99.addedExact, p99.addedChannel, p99.addedReference),
      { ...row("CPU per verification (ms)", edgeVerifyCpu, Number.NaN, referenceVerifyCpu, 3), "edge402 batch-settlement": "", "batch/exact": "", "batch/reference": "" },
      { measure: "CPU per voucher check (ms)", edge402: "", "edge402 batch-settlement": fmt(voucherCpu, 3), reference: "", "edge402/reference": "", "batch/exact": ratio(voucherCpu, edgeVerifyCpu), "batch/reference": ratio(voucherCpu, referenceVerifyCpu) },
      { measure: "  …of which signature recovery (ms)", edge402: "", "edge402 batch-settlement": fmt(recoveryCpu, 3), reference: "", "edge402/reference": "", "batch/exact": "", "batch/reference": "" },
      row(`delivered paid requests/s (C=${CONCURRENCY})`, rps("edge"), channelRps, rps("reference"), 1),
      { measure: `  …failed paid calls`, edge402: `${failed("edge")} of ${THROUGHPUT_N}`, "edge402 batch-settlement": `${failed("channel")} of ${CONCURRENCY * voucherCalls}`, reference: `${failed("reference")} of ${THROUGHPUT_N}`, "edge402/reference": "", "batch/exact": "", "batch/reference": "" },
      { measure: `  …reference + viem nonceManager`, edge402: fmt(rps("edge"), 1), "edge402 batch-settlement": fmt(channelRps, 1), reference: `${fmt(rps("managed"), 1)} (${failed("managed")} failed)`, "edge402/reference": ratio(rps("edge"), rps("managed")), "batch/exact": "", "batch/reference": ratio(channelRps, rps("managed")) },
      { measure: `unpaid requests/s (C=${CONCURRENCY}), the ceiling`, edge402: fmt(rps("edgeUnpaid"), 1), "edge402 batch-settlement": `${fmt((100 * channelRps) / rps("edgeUnpaid"), 0)}% of it paid`, reference: fmt(rps("referenceUnpaid"), 1), "edge402/reference": ratio(rps("edgeUnpaid"), rps("referenceUnpaid")), "batch/exact": "", "batch/reference": "" },
      { measure: `gas per call (${CALLS_PER_CHANNEL} calls per channel)`, edge402: gasPerCallText(exactGas), "edge402 batch-settlement": gasPerCallText(channelGas), reference: "", "edge402/reference": "", "batch/exact": `${fmt(Number(channelGas.totalGas) / Number(channelGas.calls) / (Number(exactGas.totalGas) / Number(exactGas.calls)), 4)}×`, "batch/reference": "" },
      { measure: `  …as % of a $0.001 price`, edge402: `${exactCost.percentOfPrice}%`, "edge402 batch-settlement": `${channelCost.percentOfPrice}%`, reference: "", "edge402/reference": "", "batch/exact": "", "batch/reference": "" },
    ]),
  );
  const perChannel = (total: bigint) => formatGas(total / n);
  console.log(
    `\nGas by channel, from the mined receipts: deposit ${perChannel(depositGas.reduce((a, g) => a + g, 0n))} per channel; claim ${claimGas.map((c) => `${c.gas} for ${c.channels} channels`).join(", ")};` +
      ` settle ${settleGas} for ${claimedChannels} channels → ${perChannel(channelGas.totalGas)} per channel over ${CALLS_PER_CHANNEL} calls. By exact: ${exactGasUsed.length} transfers, mean ${gasPerCallText(exactGas)}.` +
      `\nPriced at ${FEE.gasGwei} gwei (a stated Base L2 fee; Base's L1 data fee is extra, not modelled) and ETH at $${FEE.ethUsd}: $${channelCost.usdPerCall} per call by channel, $${exactCost.usdPerCall} by exact;` +
      ` the price compared with is $0.001 (${REFERENCE_PRICE_BASE_UNITS} base units).`,
  );
  const throughputRatio = channelRps / rps("edge");
  const goal = (met: boolean) => (met ? "met" : "NOT met");
  console.log(
    `\nGoals: paid throughput by channel ≥ ${GOALS.throughputRatio}× exact: ${fmt(throughputRatio, 1)}× — ${goal(throughputRatio >= GOALS.throughputRatio)};` +
      ` gas per call ≤ ${GOALS.gasPercent}% of $0.001: ${channelCost.percentOfPrice}% — ${goal(withinPercent(channelCost, GOALS.gasPercent))};` +
      ` CPU per voucher check ≤ ${GOALS.voucherCpuMs} ms: ${fmt(voucherCpu, 3)} ms — ${goal(voucherCpu <= GOALS.voucherCpuMs)}.`,
  );
  console.log(
    `\nAdded = paid − unpaid on the same path. Both settle on the same anvil (${env.BENCH_BLOCK_MS > 0 ? `a block every ${env.BENCH_BLOCK_MS} ms: every exact call waits for one` : "automine: settlement is near-instant here;"}` +
      `\n${env.BENCH_BLOCK_MS > 0 ? "as on Base, whose blocks are 2 s" : "on Base it adds ~2 s to exact, BENCH_BLOCK_MS=2000"}). CPU per verification: edge402's local check vs the reference facilitator's verify` +
      "\n(its RPC client work included, the chain's not), both in this Node process, edge402's recovering with the Worker's" +
      "\nlibsecp256k1 in wasm (worker/chain/signatures/). CPU per voucher check: edge402's local" +
      "\nvoucher verification the same way (the channel object's cumulative rule not included). Channel throughput: one channel" +
      "\nper slot, each voucher signed in the loop (in the wall time), deposits made before the clock.",
  );
} finally {
  await reference.stop().catch(() => {});
  await managedReference.stop().catch(() => {});
  await proxy?.stop();
  await stack.stop();
}
