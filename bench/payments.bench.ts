/**
 * npm run bench:payments — what x402 payment handling costs in edge402, against the x402 reference.
 *
 * One run, one anvil chain with Circle's USDC, one Ollama-API stand-in, the same model call:
 *   edge402 paid     the Worker (wrangler dev) with local verification, nonce reservation and the
 *                    embedded facilitator (Relayer Durable Object), via the tunnel and a node-runner
 *   edge402 unpaid   the same path without payment (the BENCH_ROUTES copy of the route)
 *   reference paid   @x402/hono on Node + the reference facilitator (@x402/core + @x402/evm) over HTTP
 *   reference unpaid the same Node handler without the middleware
 * Payments are signed before the clock starts (client signing is not what is measured).
 * Variants alternate request by request, so machine noise hits all of them; results are ratios.
 */
import { x402Facilitator } from "@x402/core/facilitator";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";
import type { LocalAccount } from "viem";
import { ANVIL_KEYS } from "../dev/chain/accounts.ts";
import { startLocalStack } from "../dev/local-stack.ts";
import { encodePayment, exactRequirements, paymentV2, readPaymentRequired } from "../dev/x402-payments.ts";
import { exactOffer } from "../worker/payments/schemes/exact/exact-offer.ts";
import { verifyExactPayment } from "../worker/payments/schemes/exact/verify-exact.ts";
import type { ExactPaymentPayloadV2 as PaymentPayloadV2 } from "../worker/payments/schemes/exact/exact-payload.ts";
import { startRpcRelay, type RpcRelay } from "../dev/rpc-relay.ts";
import { fmt, interleave, percentile, ratio, table, timed } from "./lib/stats.ts";
import { referenceFacilitatorSigner } from "./reference/facilitator-signer.ts";
import { startReferenceStack } from "./reference/reference-stack.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const THROUGHPUT_N = Number(process.env.BENCH_THROUGHPUT_N ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const VERIFY_N = Number(process.env.BENCH_VERIFY_N ?? 300);
/** Delay added to every JSON-RPC call of both stacks (0: anvil on loopback as it is). */
const RPC_LATENCY_MS = Number(process.env.BENCH_RPC_LATENCY_MS ?? 0);
const MODEL = "qwen2.5:7b";
const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "ping" }], max_tokens: 8 });

// Both the edge and the reference facilitators reach the chain through the same (optionally slow) relay.
let proxy: RpcRelay | undefined;
const stack = await startLocalStack({
  runners: 1,
  edgeEnv: { BENCH_ROUTES: "on" },
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
  const edgeHeaders = await presign(edgeRequired, ROUNDS + warm);
  const referenceHeaders = await presign(referenceRequired, ROUNDS + warm);
  const variants = {
    edgePaid: () => timed(() => expect200(post(edgePaidUrl, { "PAYMENT-SIGNATURE": edgeHeaders.pop()! }))),
    edgeUnpaid: () => timed(() => expect200(post(edgeUnpaidUrl))),
    referencePaid: () => timed(() => expect200(post(reference.paidUrl, { "PAYMENT-SIGNATURE": referenceHeaders.pop()! }))),
    referenceUnpaid: () => timed(() => expect200(post(reference.unpaidUrl))),
  };
  await interleave(warm, variants);
  const latency = await interleave(ROUNDS, variants);

  // ---------------------------------------------------------------- CPU per verification
  const verifyPayloads = await Promise.all(Array.from({ length: VERIFY_N }, (_, i) => paymentV2(edgeRequired, stack.chain.chainId, payers[i % payers.length]!)));
  const config = { network: stack.network as `eip155:${number}`, chainId: stack.chain.chainId, v1NetworkName: null, asset: stack.usdc, assetName: stack.chain.usdc.name, assetVersion: stack.chain.usdc.version, payTo: stack.payTo, maxTimeoutSeconds: 300, minValiditySeconds: 30 };
  const offer = exactOffer(config, price, { url: edgeRequired.resource.url, description: "", mimeType: "application/json" });
  const cpuPerCall = async (fn: (i: number) => Promise<unknown>) => {
    const start = process.cpuUsage();
    for (let i = 0; i < VERIFY_N; i++) await fn(i);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / VERIFY_N;
  };
  const edgeVerifyCpu = await cpuPerCall(async (i) => {
    const outcome = await verifyExactPayment(verifyPayloads[i] as PaymentPayloadV2, { config, offer, nowSeconds: Math.floor(Date.now() / 1000) });
    if (!outcome.ok) throw new Error(outcome.refusal.message);
  });
  const facilitator = new x402Facilitator().register(stack.network as `${string}:${string}`, new ExactEvmScheme(referenceFacilitatorSigner({ rpcUrl: proxy!.url, chainId: stack.chain.chainId, relayerKey: ANVIL_KEYS[0] })));
  const referenceVerifyCpu = await cpuPerCall(async (i) => {
    const payload = verifyPayloads[i] as unknown as PaymentPayload;
    const result = await facilitator.verify(payload, payload.accepted as PaymentRequirements);
    if (!result.isValid) throw new Error(result.invalidReason);
  });

  // ---------------------------------------------------------------- paid throughput, concurrent
  /** Delivered (200) paid calls per second, and how many paid calls failed. */
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
        }
      }),
    );
    return { rps: ok / ((performance.now() - start) / 1000), failed };
  };
  const managedRequired = readPaymentRequired(await post(managedReference.paidUrl));
  const batches = {
    edge: { url: edgePaidUrl, headers: await presign(edgeRequired, THROUGHPUT_N) },
    reference: { url: reference.paidUrl, headers: await presign(referenceRequired, THROUGHPUT_N) },
    managed: { url: managedReference.paidUrl, headers: await presign(managedRequired, THROUGHPUT_N) },
  };
  const runs: Record<keyof typeof batches, Array<{ rps: number; failed: number }>> = { edge: [], reference: [], managed: [] };
  // Two halves each, alternating, so no stack always runs on a warmer or a busier machine.
  for (const halfIndex of [0, 1]) {
    for (const [name, batch] of Object.entries(batches) as Array<[keyof typeof batches, (typeof batches)["edge"]]>) {
      const size = batch.headers.length / 2;
      runs[name].push(await throughput(batch.url, batch.headers.slice(halfIndex * size, (halfIndex + 1) * size)));
    }
  }
  const rps = (name: keyof typeof runs) => runs[name].reduce((a, r) => a + r.rps, 0) / runs[name].length;
  const failed = (name: keyof typeof runs) => runs[name].reduce((a, r) => a + r.failed, 0);

  const added = (paid: number[], unpaid: number[], q: number) => percentile(paid, q) - percentile(unpaid, q);
  console.log(`\nedge402 bench:payments — RPC latency +${RPC_LATENCY_MS} ms per call; price ${price} base units; ${ROUNDS} sequential calls per variant; ${VERIFY_N} verifications; ${THROUGHPUT_N} paid calls at concurrency ${CONCURRENCY}\n`);
  console.log(
    table([
      { measure: "paid call p50 (ms)", edge402: fmt(percentile(latency.edgePaid, 50)), reference: fmt(percentile(latency.referencePaid, 50)), "edge402/reference": ratio(percentile(latency.edgePaid, 50), percentile(latency.referencePaid, 50)) },
      { measure: "unpaid call p50 (ms)", edge402: fmt(percentile(latency.edgeUnpaid, 50)), reference: fmt(percentile(latency.referenceUnpaid, 50)), "edge402/reference": ratio(percentile(latency.edgeUnpaid, 50), percentile(latency.referenceUnpaid, 50)) },
      { measure: "payment handling added, p50 (ms)", edge402: fmt(added(latency.edgePaid, latency.edgeUnpaid, 50)), reference: fmt(added(latency.referencePaid, latency.referenceUnpaid, 50)), "edge402/reference": ratio(added(latency.edgePaid, latency.edgeUnpaid, 50), added(latency.referencePaid, latency.referenceUnpaid, 50)) },
      { measure: "payment handling added, p99 (ms)", edge402: fmt(added(latency.edgePaid, latency.edgeUnpaid, 99)), reference: fmt(added(latency.referencePaid, latency.referenceUnpaid, 99)), "edge402/reference": ratio(added(latency.edgePaid, latency.edgeUnpaid, 99), added(latency.referencePaid, latency.referenceUnpaid, 99)) },
      { measure: "CPU per verification (ms)", edge402: fmt(edgeVerifyCpu, 3), reference: fmt(referenceVerifyCpu, 3), "edge402/reference": ratio(edgeVerifyCpu, referenceVerifyCpu) },
      { measure: `delivered paid requests/s (C=${CONCURRENCY})`, edge402: fmt(rps("edge"), 1), reference: fmt(rps("reference"), 1), "edge402/reference": ratio(rps("edge"), rps("reference")) },
      { measure: `  …failed paid calls of ${THROUGHPUT_N}`, edge402: String(failed("edge")), reference: String(failed("reference")), "edge402/reference": "" },
      { measure: `  …reference + viem nonceManager`, edge402: fmt(rps("edge"), 1), reference: `${fmt(rps("managed"), 1)} (${failed("managed")} failed)`, "edge402/reference": ratio(rps("edge"), rps("managed")) },
    ]),
  );
  console.log(
    "\nAdded = paid − unpaid on the same path. Both settle on the same anvil (automine: settlement is near-instant here;" +
      "\non Base it adds ~2 s to both). CPU per verification: edge402's local check vs the reference facilitator's verify" +
      "\n(its RPC client work included, the chain's not), both in this Node process.",
  );
} finally {
  await reference.stop().catch(() => {});
  await managedReference.stop().catch(() => {});
  await proxy?.stop();
  await stack.stop();
}
