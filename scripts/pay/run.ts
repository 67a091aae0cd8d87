import { join } from "node:path";
import type { PaymentRequirements, SettleResponse } from "@x402/core/types";
import type { ClientEvmSigner } from "@x402/evm";
import type { BatchSettlementClientContext } from "@x402/evm/batch-settlement/client";
import { FileClientChannelStorage } from "@x402/evm/batch-settlement/client/file-storage";
import type { Address, LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { channelReceipt, channelSigner, createChannelScheme, depositAboveCapOf, type ChannelReceipt, type ChannelScheme } from "../../client/x402/channels.ts";
import { BATCH_SETTLEMENT } from "../../client/x402/schemes.ts";
import { parseCommandLine, resolveSettings, type Env, type PaySettings } from "./args.ts";
import { readTokenBalance } from "./balance.ts";
import { defaultBodySources, loadBody, prepareBody, type BodySources } from "./body.ts";
import { payingFetch } from "./client.ts";
import { PayFailure, networkErrorCode } from "./failure.ts";
import { PAY_HELP } from "./help.ts";
import { bodyMessage, describeHttpError, printResult, type Output } from "./output.ts";
import { checkMaxPrice, paymentRequiredReason, quoteFromHeaders, quoteLines, receiptFromHeaders, type Quote } from "./quote.ts";
import { fetchCatalog, resolveService, type Catalog, type ResolvedService } from "./resolve-service.ts";
import { loadStackDefaults } from "./stack-defaults.ts";
import { formatBaseUnits, parseBaseUnits } from "./usdc-amount.ts";

export const CLI_NAME = "edge402-pay";

export interface PayIo extends Output {
  env: Env;
  /** .edge402/stack.json (or under EDGE402_STATE_DIR). */
  stackFile: string;
  fetch?: typeof fetch;
  bodySources?: BodySources;
}

/** The whole CLI minus the process: returns the exit code (0 done, 1 failed, 2 usage). */
export async function runPay(argv: readonly string[], io: PayIo): Promise<number> {
  const cli = parseCommandLine(argv);
  if (cli.help) {
    io.stdout(`${PAY_HELP}\n`);
    return 0;
  }
  const resolved = resolveSettings(cli, io.env, await loadStackDefaults(io.stackFile));
  const problems = resolved.ok ? [] : [...resolved.problems];
  let body: unknown;
  const bodyArg = cli.positionals[1];
  if (bodyArg !== undefined && bodyArg !== "") {
    const loaded = await loadBody(bodyArg, io.bodySources ?? defaultBodySources);
    if (loaded.ok) body = prepareBody(loaded.json, { stream: cli.stream });
    else problems.push(loaded.problem);
    if (loaded.ok && cli.stream && (typeof loaded.json !== "object" || loaded.json === null || Array.isArray(loaded.json))) {
      problems.push('--stream needs a JSON object body (it sets "stream": true)');
    }
  }
  if (problems.length > 0 || !resolved.ok) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    io.stderr(`${CLI_NAME}: ${count}:\n${problems.map((p) => `  - ${p}`).join("\n")}\nRun \`${CLI_NAME} --help\` for usage.\n`);
    return 2;
  }

  try {
    return await pay(resolved.settings, body, io);
  } catch (error) {
    if (error instanceof PayFailure) {
      io.stderr(`${CLI_NAME}: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`${CLI_NAME}: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function pay(settings: PaySettings, body: unknown, io: PayIo): Promise<number> {
  const fetchImpl = io.fetch ?? fetch;
  const service = await findService(settings, fetchImpl);
  if (settings.mode === "refund") return refund(settings, service, io, fetchImpl);
  const { url, init } = buildRequest(settings.edgeUrl, service, body);
  io.stdout(`service   ${settings.service} → ${service.method} ${url}${SOURCE_NOTE[service.source]}\n`);

  // 1. Unpaid: the edge validates the body and quotes a price (402) without running anything.
  const first = await send(() => fetchImpl(url, init), settings);
  if (first.status !== 402) {
    if (!first.ok) throw new PayFailure(`the edge refused the request: ${await describeHttpError(first)}`);
    io.stdout(`no payment was asked (HTTP ${first.status}); the result:\n`);
    const printed = await printResult(first, io);
    if (!printed.ok) throw new PayFailure(printed.problem);
    return 0;
  }
  const quoteBody = await first.text();
  const quoted = quoteFromHeaders(first.headers, settings.scheme);
  if (!quoted.ok) throw new PayFailure(quoted.problem);
  const { quote } = quoted;
  for (const line of quoteLines(quote, service)) io.stdout(`${line}\n`);
  const cap = checkMaxPrice(quote, settings.maxPrice);
  if (!cap.ok) throw new PayFailure(cap.problem);
  const byChannel = quote.scheme === BATCH_SETTLEMENT;
  const account = settings.payer ? privateKeyToAccount(settings.payer.key) : null;
  const wallet = account ? new Wallet(account, settings) : null;
  if (settings.dryRun) {
    if (byChannel && wallet) io.stdout(`${await wallet.channelPreview(quote.accepted, quote.amount)}\n`);
    io.stdout("dry run   nothing was signed or paid\n");
    return 0;
  }

  // 2. Paid: the official client signs exactly this quote and sends the request again.
  const payer = settings.payer;
  if (!payer || !account || !wallet) throw new PayFailure("no payer key", 2);
  guardDemoKey(settings, quote.accepted.network);
  io.stdout(`payer     ${account.address} (${keyNote(payer)})\n`);
  if (byChannel) {
    io.stdout(`${await wallet.channelPreview(quote.accepted, quote.amount)}\n`);
    if (settings.rpcUrl === null) io.stdout("note      no RPC known (set RPC_URL): the client pays from its stored channel state but cannot resync it from the chain\n");
  }
  const paying = payingFetch({
    payer: account,
    channelSigner: wallet.signer,
    channelStorage: wallet.storage,
    quote,
    quoteResponse: { status: first.status, headers: first.headers, body: quoteBody },
    cap: settings.maxPrice ?? quote.amount,
    maxDeposit: settings.maxDeposit,
    fetch: fetchImpl,
  });
  let paid: Response;
  try {
    paid = await send(() => paying.fetch(url, init), settings, "the payment could not be made");
  } catch (error) {
    const above = depositAboveCapOf(error);
    if (!above) throw error;
    throw new PayFailure(
      `refusing to pay: this call needs a channel deposit of at least ${formatBaseUnits(above.needed)} USDC, above --max-deposit ${formatBaseUnits(above.maxDeposit)} USDC; nothing was signed (raise --max-deposit, or pay by --scheme exact)`,
    );
  }
  const receipt = receiptFromHeaders(paid.headers);
  if (paid.status === 402) {
    const text = await paid.text().catch(() => "");
    const reason = (receipt && !receipt.success ? receipt.errorReason : null) ?? paymentRequiredReason(paid.headers) ?? "no reason given";
    const message = (receipt && !receipt.success ? receipt.errorMessage : null) ?? bodyMessage(text);
    const hint = byChannel && STALE_CHANNEL_REASONS.has(reason) ? `; if the channel's stored state is stale, remove ${wallet.recordPath(quote.accepted)}` : "";
    throw new PayFailure(`the edge refused the payment: ${reason}${message && message !== reason ? ` (${message})` : ""}${hint}`);
  }
  if (!paid.ok) throw new PayFailure(`the paid call failed: ${await describeHttpError(paid)}`);

  const printed = await printResult(paid, io);
  if (!receipt?.success) {
    io.stdout("receipt   none: the response carries no successful PAYMENT-RESPONSE\n");
  } else if (!byChannel) {
    io.stdout(`paid      ${formatBaseUnits(quote.amount)} USDC to ${quote.accepted.payTo} on ${receipt.network}\n`);
    io.stdout(`tx        ${receipt.transaction}\n`);
  } else {
    // A stream's header receipt is provisional; its last event states the final charge.
    const final = printed.paymentResponse?.success ? printed.paymentResponse : null;
    if (paying.channel.holding) await paying.channel.settleHeld(final);
    for (const line of channelLines(receipt, final, quote)) io.stdout(`${line}\n`);
    const stale = await wallet.staleNote(quote.accepted, channelReceipt(final ?? receipt));
    if (stale) io.stdout(`${stale}\n`);
  }
  await printWalletBalance(settings, quote.accepted.asset as Address, account.address, io);
  if (!printed.ok) throw new PayFailure(printed.problem);
  return 0;
}

/**
 * `refund <service>`: the official client's cooperative refund (`refund(url)`: a GET probe for the
 * channel's terms, then a zero-charge voucher the edge claims against and refunds the rest of).
 */
async function refund(settings: PaySettings, service: ResolvedService, io: PayIo, fetchImpl: typeof fetch): Promise<number> {
  const url = `${settings.edgeUrl}${service.path}`;
  io.stdout(`service   ${settings.service} → GET ${url}${SOURCE_NOTE[service.source]}, to refund its channel\n`);
  const payer = settings.payer;
  if (!payer) throw new PayFailure("no payer key", 2);
  const account = privateKeyToAccount(payer.key);
  const wallet = new Wallet(account, settings);
  // The channel's terms, to name the channel before anything is signed.
  const probe = await send(() => fetchImpl(url, { method: "GET" }), settings);
  const quoted = probe.status === 402 ? quoteFromHeaders(probe.headers, BATCH_SETTLEMENT) : null;
  await probe.body?.cancel().catch(() => {});
  if (!quoted) throw new PayFailure(`the edge offers no channel at ${url} to refund (GET answered HTTP ${probe.status}, not 402 with batch-settlement terms)`);
  if (!quoted.ok) throw new PayFailure(quoted.problem.replace("asks for no payment this client can make", "offers no channel to refund"));
  const { accepted } = quoted.quote;
  guardDemoKey(settings, accepted.network);
  io.stdout(`payer     ${account.address} (${keyNote(payer)})\n`);
  io.stdout(`${await wallet.channelPreview(accepted, null)}\n`);

  let settled: SettleResponse;
  try {
    settled = await wallet.scheme(0n).official.refund(url, { fetch: fetchImpl, ...(settings.refundAmount !== null ? { amount: settings.refundAmount.toString() } : {}) });
  } catch (error) {
    const code = networkErrorCode(error);
    if (code !== null) throw new PayFailure(`cannot reach the edge at ${settings.edgeUrl} (${code})`, 1, { cause: error });
    throw new PayFailure(`the refund failed: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });
  }
  const refunded = parseBaseUnits(String(settled.amount ?? "")) ?? 0n;
  io.stdout(`refunded  ${formatBaseUnits(refunded)} USDC to ${account.address}${settled.transaction ? ` (tx ${settled.transaction})` : ""}\n`);
  const state = channelReceipt(settled);
  if (state.balance !== null) {
    io.stdout(`channel   ${formatBaseUnits(state.balance)} USDC left in the escrow${state.chargedCumulative !== null ? `, ${formatBaseUnits(state.chargedCumulative)} USDC of it charged (the edge's)` : ""}\n`);
  }
  const record = await wallet.storage.get(wallet.scheme(0n).channelId(accepted).toLowerCase());
  io.stdout(record ? `record    kept: ${describeRecord(record)}\n` : `record    removed (${wallet.recordPath(accepted)})\n`);
  await printWalletBalance(settings, accepted.asset as Address, account.address, io);
  return 0;
}

/** The refusals a stale local channel record can cause that the official client does not resync from. */
const STALE_CHANNEL_REASONS: ReadonlySet<string> = new Set([
  "invalid_batch_settlement_evm_cumulative_exceeds_balance",
  "invalid_batch_settlement_evm_channel_not_found",
  "invalid_batch_settlement_evm_cumulative_amount_mismatch",
  "invalid_batch_settlement_evm_cumulative_below_claimed",
]);

/** The payer's side of a channel: its signer, where its state is stored, and how it reads. */
class Wallet {
  readonly signer: ClientEvmSigner;
  readonly storage: FileClientChannelStorage;

  constructor(
    readonly account: LocalAccount,
    private readonly settings: PaySettings,
  ) {
    this.signer = channelSigner(account, settings.rpcUrl);
    this.storage = new FileClientChannelStorage({ directory: settings.channelsDir });
  }

  scheme(priceCap: bigint): ChannelScheme {
    return createChannelScheme({ signer: this.signer, storage: this.storage, priceCap, maxDeposit: this.settings.maxDeposit });
  }

  recordPath(requirements: PaymentRequirements): string {
    return join(this.settings.channelsDir, "client", `${this.scheme(0n).channelId(requirements).toLowerCase()}.json`);
  }

  /** What the stored record says before a call (or a refund): the channel, and whether a deposit comes. */
  async channelPreview(requirements: PaymentRequirements, price: bigint | null): Promise<string> {
    const id = this.scheme(0n).channelId(requirements);
    const record = await this.storage.get(id.toLowerCase());
    const where = `state in ${this.settings.channelsDir}`;
    if (!record) {
      const next = price === null ? "" : this.settings.rpcUrl ? "; the client reads it from the chain, and deposits if it is empty" : "; this call deposits";
      return `channel   ${id} (${where}): no record yet${next}`;
    }
    const balance = BigInt(record.balance ?? "0");
    const charged = BigInt(record.chargedCumulativeAmount ?? "0");
    const next = price === null ? "" : balance === 0n || charged + price > balance ? "; this call deposits" : "; this call is a voucher (no deposit)";
    return `channel   ${id} (${where}): ${describeRecord(record)}${next}`;
  }

  /** After a call: says so when the stored record does not match what the edge charged in all. */
  async staleNote(requirements: PaymentRequirements, receipt: ChannelReceipt): Promise<string | null> {
    if (receipt.chargedCumulative === null) return null;
    const record = await this.storage.get(this.scheme(0n).channelId(requirements).toLowerCase());
    const stored = record?.chargedCumulativeAmount === undefined ? null : BigInt(record.chargedCumulativeAmount);
    if (stored === receipt.chargedCumulative) return null;
    return `note      the stored channel state (${stored === null ? "none" : `${formatBaseUnits(stored)} USDC charged`}) differs from the edge's; the next call resyncs it`;
  }
}

function describeRecord(record: BatchSettlementClientContext): string {
  const balance = BigInt(record.balance ?? "0");
  const charged = BigInt(record.chargedCumulativeAmount ?? "0");
  return `${formatBaseUnits(charged)} USDC charged of ${formatBaseUnits(balance)} USDC deposited, ${formatBaseUnits(balance - charged)} USDC left`;
}

/** A channel call's receipt as lines: the deposit (if one), this call's charge, the channel's totals. */
function channelLines(header: SettleResponse, final: SettleResponse | null, quote: Quote): string[] {
  const first = channelReceipt(header);
  const last = final ? channelReceipt(final) : first;
  const lines = [`paid      by channel${first.channelId ? ` ${first.channelId}` : ""} on ${header.network}`];
  lines.push(first.deposit ? `deposit   ${formatBaseUnits(first.deposit.amount)} USDC into the channel, tx ${first.deposit.transaction}` : "deposit   none (a voucher: no chain transaction)");
  if (last.charged !== null) {
    const notes = [
      ...(last.charged !== quote.amount ? [`at most ${formatBaseUnits(quote.amount)}`] : []),
      ...(final ? ["final, from the stream's last event"] : last.provisional ? ["provisional: the stream stated no final charge"] : []),
    ];
    lines.push(`charged   ${formatBaseUnits(last.charged)} USDC for this call${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`);
  }
  if (last.chargedCumulative !== null && last.balance !== null && last.remaining !== null) {
    lines.push(`channel   ${formatBaseUnits(last.chargedCumulative)} USDC charged in all, ${formatBaseUnits(last.balance)} USDC deposited, ${formatBaseUnits(last.remaining)} USDC left`);
  }
  return lines;
}

async function findService(settings: PaySettings, fetchImpl: typeof fetch): Promise<ResolvedService> {
  const catalog: Catalog = settings.service.startsWith("/") ? { status: "absent", why: "given as a path" } : await fetchCatalog(settings.edgeUrl, fetchImpl);
  const resolution = resolveService(settings.service, catalog);
  if (!resolution.ok) throw new PayFailure(resolution.problem, 2);
  return resolution.service;
}

function guardDemoKey(settings: PaySettings, network: string): void {
  if (settings.demoNetwork !== null && network !== settings.demoNetwork) {
    throw new PayFailure(
      `the local demo key from stack.json only pays on the local chain (${settings.demoNetwork}), but this edge asks for ${network}; set PAYER_KEY`,
      2,
    );
  }
}

function keyNote(payer: NonNullable<PaySettings["payer"]>): string {
  return payer.source === "PAYER_KEY" ? "PAYER_KEY" : `the local demo key from stack.json — ${payer.note ?? "a publicly known test key for the local chain only"}`;
}

async function printWalletBalance(settings: PaySettings, asset: Address, owner: Address, io: PayIo): Promise<void> {
  if (settings.rpcUrl === null) {
    io.stdout("balance   not read: no RPC known (set RPC_URL)\n");
    return;
  }
  const balance = await readTokenBalance(settings.rpcUrl, asset, owner);
  io.stdout(balance.ok ? `balance   ${formatBaseUnits(balance.balance)} USDC (${owner})\n` : `balance   not read: ${balance.problem}\n`);
}

const SOURCE_NOTE: Readonly<Record<ResolvedService["source"], string>> = {
  path: "",
  catalog: " (from the edge's catalog)",
  alias: " (built-in alias)",
  default: " (no catalog at the edge: /v1/<service>)",
};

function buildRequest(edgeUrl: string, service: ResolvedService, body: unknown): { url: string; init: RequestInit } {
  const url = new URL(`${edgeUrl}${service.path}`);
  if (service.method === "GET" || service.method === "HEAD") {
    // A body-less method takes the JSON object's fields as query parameters.
    if (typeof body === "object" && body !== null && !Array.isArray(body)) {
      for (const [key, value] of Object.entries(body)) url.searchParams.set(key, typeof value === "string" ? value : JSON.stringify(value));
    }
    return { url: url.href, init: { method: service.method } };
  }
  return { url: url.href, init: { method: service.method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) } };
}

/** Network failures become one line naming the edge; anything the x402 client throws is a failure too. */
async function send(request: () => Promise<Response>, settings: PaySettings, otherwise = "the request failed"): Promise<Response> {
  try {
    return await request();
  } catch (error) {
    const code = networkErrorCode(error);
    if (code !== null) {
      const hint = settings.edgeSource === "stack.json" ? "; is `npm start` still running?" : "";
      throw new PayFailure(`cannot reach the edge at ${settings.edgeUrl} (${code})${hint}`, 1, { cause: error });
    }
    throw new PayFailure(`${otherwise}: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });
  }
}
