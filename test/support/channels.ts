import { x402Client } from "@x402/core/client";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme, computeChannelId } from "@x402/evm/batch-settlement/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import { expect } from "vitest";
import { createPublicClient, http, keccak256, toHex, type Abi, type Address, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { batchSettlementEscrowAbi, BATCH_SETTLEMENT_ESCROW_ADDRESS } from "../../dev/chain/batch-settlement.ts";
import { localPublicClient } from "../../dev/chain/local-client.ts";
import { fundEth, mintUsdc, usdcBalanceOf } from "../../dev/chain/usdc.ts";
import { ADMIN_TOKEN, type LocalStack } from "../../dev/local-stack.ts";
import { readPaymentRequired } from "../../dev/x402-payments.ts";

/**
 * Helpers for the channel (x402 batch-settlement) end-to-end tests: the official client on a fresh
 * payer, the escrow's state read through its view functions, the edge's claim and ledger.
 */

export const BATCH = "batch-settlement";

/** One HTTP exchange the paying client made (probe, paid attempt, corrective retry …). */
export interface Exchange {
  method: string;
  status: number;
  /** PAYMENT-REQUIRED `error` of a 402. */
  error: string | undefined;
  /** Whether it carried a PAYMENT-RESPONSE. */
  receipt: boolean;
  /** Whether the request carried a payment. */
  paid: boolean;
}

export interface ChannelClient {
  payer: LocalAccount;
  scheme: BatchSettlementEvmScheme;
  /** fetch that pays by channel (@x402/fetch + the official BatchSettlementEvmScheme). */
  pay: typeof fetch;
  /** Every HTTP exchange `pay` made, in order. */
  exchanges: Exchange[];
}

/**
 * The official client, unmodified: `BatchSettlementEvmScheme` with a signer that reads the chain (it
 * resynchronises from it), under `wrapFetchWithPayment`. Spend controls are off: the local USDC is not
 * one of the client's default assets. `salt` picks the channel (the default: one per wallet).
 */
export function channelClient(stack: LocalStack, payer: LocalAccount, options: { salt?: Hex } = {}): ChannelClient {
  const publicClient = createPublicClient({ chain: stack.chain.chain, transport: http(stack.chain.rpcUrl, { retryCount: 0 }) });
  const scheme = new BatchSettlementEvmScheme(toClientEvmSigner(payer, publicClient), options.salt ? { salt: options.salt } : undefined);
  const client = new x402Client();
  client.register(stack.network as `${string}:${string}`, scheme);
  client.setSpendControls(false as never);
  const exchanges: Exchange[] = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const required = response.status === 402 ? response.headers.get("PAYMENT-REQUIRED") : null;
    exchanges.push({
      method: request.method,
      status: response.status,
      error: required ? decodePaymentRequiredHeader(required).error : undefined,
      receipt: response.headers.has("PAYMENT-RESPONSE"),
      paid: request.headers.has("PAYMENT-SIGNATURE"),
    });
    return response;
  };
  return { payer, scheme, pay: wrapFetchWithPayment(recording, client) as typeof fetch, exchanges };
}

/** A 32-byte channel salt from a label (each label its own channel). */
export const saltOf = (label: string): Hex => keccak256(toHex(label));

/** A new payer with `usdc` base units and gas money (so it can also call the escrow itself). */
export async function newPayer(stack: LocalStack, usdc: bigint): Promise<LocalAccount> {
  const payer = privateKeyToAccount(generatePrivateKey());
  await fundEth(stack.chain.rpcUrl, payer.address, 10n ** 18n);
  if (usdc > 0n) await mintUsdc(stack.chain.rpcUrl, stack.usdc, payer.address, usdc);
  return payer;
}

export const usdcOf = (stack: LocalStack, who: Address) => usdcBalanceOf(stack.chain.rpcUrl, stack.usdc, who);

/** The escrow's view of a channel: `channels(id)` and `pendingWithdrawals(id)` (never storage slots). */
export async function escrowChannel(stack: LocalStack, channelId: Hex) {
  const client = localPublicClient(stack.chain.rpcUrl);
  const read = <T>(functionName: "channels" | "pendingWithdrawals") =>
    client.readContract({ address: BATCH_SETTLEMENT_ESCROW_ADDRESS, abi: batchSettlementEscrowAbi as Abi, functionName, args: [channelId] }) as Promise<T>;
  const [[balance, totalClaimed], [withdrawAmount, withdrawInitiatedAt]] = await Promise.all([read<[bigint, bigint]>("channels"), read<[bigint, number]>("pendingWithdrawals")]);
  return { balance, totalClaimed, withdrawAmount, withdrawInitiatedAt: Number(withdrawInitiatedAt) };
}

/** `receivers(payTo, usdc)`: what the escrow has claimed for payTo in all, and settled to it. */
export async function escrowReceiver(stack: LocalStack) {
  const [totalClaimed, totalSettled] = (await localPublicClient(stack.chain.rpcUrl).readContract({
    address: BATCH_SETTLEMENT_ESCROW_ADDRESS,
    abi: batchSettlementEscrowAbi as Abi,
    functionName: "receivers",
    args: [stack.payTo, stack.usdc],
  })) as [bigint, bigint];
  return { totalClaimed, totalSettled };
}

export interface ClaimReport {
  claims: Array<{ transaction: Hex; channels: number; amount: string }>;
  settle: { transaction: Hex } | null;
  failures: string[];
}

/** POST /admin/channels/claim: claims and settles everything owed now; the status and the edge's report. */
export async function claimNow(stack: LocalStack): Promise<{ status: number; report: ClaimReport }> {
  const response = await fetch(`${stack.edge.url}/admin/channels/claim`, { method: "POST", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: response.status, report: (await response.json()) as ClaimReport };
}

/** Claims everything owed, and asserts it worked and left nothing owing; the edge's report. */
export async function claimEverything(stack: LocalStack): Promise<ClaimReport> {
  const { status, report } = await claimNow(stack);
  expect(report.failures).toEqual([]);
  expect(status).toBe(200);
  expect(await owing(stack)).toEqual([]);
  return report;
}

export interface ClaimsStatus {
  owing: Array<{ channelId: string; unclaimed: string }>;
  nextClaimAt: number | null;
  lastRound: { endedAt: number; claims: number; failures: string[] } | null;
}

/** GET /admin/channels: who owes a claim, when the claim job next looks, how its last round went. */
export async function claimsStatus(stack: LocalStack): Promise<ClaimsStatus> {
  return (await (await stack.admin("/admin/channels")).json()) as ClaimsStatus;
}

/** The channels that owe a claim. */
export async function owing(stack: LocalStack): Promise<ClaimsStatus["owing"]> {
  return (await claimsStatus(stack)).owing;
}

export interface ChannelLedgerRow {
  replayKey: string;
  payer: string;
  authorized: string;
  charged: string;
  service: string;
  settlementRef: string;
  txHash: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

/** The ledger's batch-settlement rows of one payer (newest first) and its own totals for them. */
export async function channelLedger(stack: LocalStack, payer: Address): Promise<{ rows: ChannelLedgerRow[]; count: number; sum: bigint }> {
  const response = await stack.admin(`/admin/payments?scheme=${BATCH}&payer=${payer}&limit=1000`);
  const page = (await response.json()) as { payments: ChannelLedgerRow[]; totals: { count: number; amount: string } };
  return { rows: page.payments, count: page.totals.count, sum: BigInt(page.totals.amount) };
}

/** The batch-settlement entry of a 402. */
export function batchTerms(required: PaymentRequired): PaymentRequirements {
  const entry = required.accepts.find((a) => a.scheme === BATCH);
  if (!entry) throw new Error(`the 402 offers no ${BATCH}: ${required.accepts.map((a) => a.scheme).join(", ")}`);
  return entry;
}

/** POSTs a JSON body with an optional payment header; the 402 it answers unpaid is the quote. */
export function poster(stack: LocalStack, path: string) {
  const post = (body: unknown, payment?: unknown) =>
    fetch(`${stack.edge.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(payment ? { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(payment)).toString("base64") } : {}) },
      body: JSON.stringify(body),
    });
  const quote = async (body: unknown) => {
    const response = await post(body);
    if (response.status !== 402) throw new Error(`expected a 402 quote, got ${response.status}: ${await response.text()}`);
    const required = readPaymentRequired(response);
    return { required, terms: batchTerms(required) };
  };
  return { post, quote };
}

/** The channel id the official client derives for `payer` (and `salt`) under these terms. */
export function channelIdFor(scheme: BatchSettlementEvmScheme, terms: PaymentRequirements): Hex {
  return computeChannelId(scheme.buildChannelConfig(terms), terms.network).toLowerCase() as Hex;
}

/** The `extra` of a channel receipt. */
export function channelReceipt(receipt: SettleResponse) {
  const extra = (receipt.extra ?? {}) as { chargedAmount?: string; provisional?: boolean; channelState?: { channelId: string; balance: string; totalClaimed: string; chargedCumulativeAmount: string } };
  return { ...extra, chargedAmount: extra.chargedAmount === undefined ? undefined : BigInt(extra.chargedAmount) };
}

/** Polls `condition` (bounded) for state only observable by asking: the edge's background work. */
export async function until<T>(condition: () => Promise<T | null | undefined | false>, failure: string, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const value = await condition();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Generations the stand-in was asked for (the runner's /api/tags and the like are not jobs). */
export function jobsSeen(stack: LocalStack): number {
  return stack.standin.requests.filter((r) => r.method === "POST" && /^\/api\/(chat|generate|embed|embeddings)$/.test(r.path)).length;
}

/**
 * Holds every generation after its first token until `release()` (a rate so slow no token follows):
 * a call stays in flight, deterministically, for as long as a test needs.
 */
export function holdGenerations(stack: LocalStack): { release(): void } {
  stack.standin.setTokensPerSecond(0.001);
  return { release: () => stack.standin.setTokensPerSecond(0) };
}
