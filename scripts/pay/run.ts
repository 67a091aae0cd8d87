import { privateKeyToAccount } from "viem/accounts";
import type { Address } from "viem";
import { parseCommandLine, resolveSettings, type Env, type PaySettings } from "./args.ts";
import { readTokenBalance } from "./balance.ts";
import { defaultBodySources, loadBody, prepareBody, type BodySources } from "./body.ts";
import { payingFetch } from "./client.ts";
import { PayFailure, networkErrorCode } from "./failure.ts";
import { PAY_HELP } from "./help.ts";
import { bodyMessage, describeHttpError, printResult, type Output } from "./output.ts";
import { checkMaxPrice, paymentRequiredReason, quoteFromHeaders, quoteLines, receiptFromHeaders } from "./quote.ts";
import { fetchCatalog, resolveService, type Catalog, type ResolvedService } from "./resolve-service.ts";
import { loadStackDefaults } from "./stack-defaults.ts";
import { formatBaseUnits } from "./usdc-amount.ts";

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
  const catalog: Catalog = settings.service.startsWith("/") ? { status: "absent", why: "given as a path" } : await fetchCatalog(settings.edgeUrl, fetchImpl);
  const resolution = resolveService(settings.service, catalog);
  if (!resolution.ok) throw new PayFailure(resolution.problem, 2);
  const service = resolution.service;
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
  const quoted = quoteFromHeaders(first.headers);
  if (!quoted.ok) throw new PayFailure(quoted.problem);
  const { quote } = quoted;
  for (const line of quoteLines(quote, service)) io.stdout(`${line}\n`);
  const cap = checkMaxPrice(quote, settings.maxPrice);
  if (!cap.ok) throw new PayFailure(cap.problem);
  if (settings.dryRun) {
    io.stdout("dry run   nothing was signed or paid\n");
    return 0;
  }

  // 2. Paid: the official client signs exactly this quote and sends the request again.
  const payer = settings.payer;
  if (!payer) throw new PayFailure("no payer key", 2);
  if (settings.demoNetwork !== null && quote.accepted.network !== settings.demoNetwork) {
    throw new PayFailure(
      `the local demo key from stack.json only pays on the local chain (${settings.demoNetwork}), but this edge asks for ${quote.accepted.network}; set PAYER_KEY`,
      2,
    );
  }
  const account = privateKeyToAccount(payer.key);
  const keyNote =
    payer.source === "PAYER_KEY"
      ? "PAYER_KEY"
      : `the local demo key from stack.json — ${payer.note ?? "a publicly known test key for the local chain only"}`;
  io.stdout(`payer     ${account.address} (${keyNote})\n`);
  const paying = payingFetch({
    payer: account,
    quote,
    quoteResponse: { status: first.status, headers: first.headers, body: quoteBody },
    cap: settings.maxPrice ?? quote.amount,
    fetch: fetchImpl,
  });
  const paid = await send(() => paying(url, init), settings, "the payment could not be made");
  const receipt = receiptFromHeaders(paid.headers);
  if (paid.status === 402) {
    const text = await paid.text().catch(() => "");
    const reason = (receipt && !receipt.success ? receipt.errorReason : null) ?? paymentRequiredReason(paid.headers) ?? "no reason given";
    const message = (receipt && !receipt.success ? receipt.errorMessage : null) ?? bodyMessage(text);
    throw new PayFailure(`the edge refused the payment: ${reason}${message && message !== reason ? ` (${message})` : ""}`);
  }
  if (!paid.ok) throw new PayFailure(`the paid call failed: ${await describeHttpError(paid)}`);

  const printed = await printResult(paid, io);
  if (receipt?.success) {
    io.stdout(`paid      ${formatBaseUnits(quote.amount)} USDC to ${quote.accepted.payTo} on ${receipt.network}\n`);
    io.stdout(`tx        ${receipt.transaction}\n`);
  } else {
    io.stdout("receipt   none: the response carries no successful PAYMENT-RESPONSE\n");
  }
  if (settings.rpcUrl === null) {
    io.stdout("balance   not read: no RPC known (set RPC_URL)\n");
  } else {
    const balance = await readTokenBalance(settings.rpcUrl, quote.accepted.asset as Address, account.address);
    io.stdout(balance.ok ? `balance   ${formatBaseUnits(balance.balance)} USDC (${account.address})\n` : `balance   not read: ${balance.problem}\n`);
  }
  if (!printed.ok) throw new PayFailure(printed.problem);
  return 0;
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
