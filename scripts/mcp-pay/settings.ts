import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_MAX_DEPOSIT } from "../../client/x402/channels.ts";
import { SCHEME_CHOICES, type SchemeChoice } from "../../client/x402/schemes.ts";
import type { StackLoad } from "../pay/stack-defaults.ts";
import { parseDecimalToBaseUnits } from "../pay/usdc-amount.ts";

/** Without --max-price a call may cost at most this: the top of the catalog's price range ($0.05). */
export const DEFAULT_MAX_PRICE = 50_000n;

export interface McpPaySettings {
  command: { kind: "list" } | { kind: "call"; tool: string; args: string };
  /** The MCP endpoint: <edge>/mcp. */
  mcpUrl: string;
  maxPrice: bigint;
  /** Which `accepts` entry to pay: `auto` = a channel when offered, else an exact transfer. */
  scheme: SchemeChoice;
  /** The largest channel deposit to sign, base units. */
  maxDeposit: bigint;
  /** Channel state between runs (the same place `npm run pay` keeps it: one channel for both). */
  channelsDir: string;
  /** JSON-RPC of the chain, for the channel client to recover or resync a channel; null = none known. */
  rpcUrl: string | null;
  payerKey: `0x${string}` | null;
  /** With the local stack's demo key, pay on the stack's network only. */
  network: string | null;
}

export type McpPaySettingsResult = { ok: true; settings: McpPaySettings; help: false } | { ok: true; help: true } | { ok: false; problems: string[] };

/** Flags, then environment (EDGE_URL, PAYER_KEY, RPC_URL), then the local stack's stack.json; every problem listed. */
export function resolveMcpPaySettings(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, stack: StackLoad): McpPaySettingsResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        edge: { type: "string" },
        "max-price": { type: "string" },
        scheme: { type: "string" },
        "max-deposit": { type: "string" },
        "channels-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
  }
  if (parsed.values.help) return { ok: true, help: true };
  const problems: string[] = [];
  const fromStack = stack.status === "ok" ? stack.stack : null;
  const [first, second, ...rest] = parsed.positionals;

  let command: McpPaySettings["command"] | null = null;
  if (first === undefined) problems.push("missing <tool>: a tool name, or `list` to see the tools and their prices");
  else if (first === "list") command = { kind: "list" };
  else if (second === undefined) problems.push(`missing <json | @file>: the arguments for ${first}`);
  else command = { kind: "call", tool: first, args: second };
  if (rest.length > 0 || (first === "list" && second !== undefined)) problems.push(`unexpected arguments: ${[...(first === "list" ? [second] : []), ...rest].join(" ")}`);

  const edgeFromStack = parsed.values.edge === undefined && !env.EDGE_URL;
  const edge = parsed.values.edge ?? env.EDGE_URL ?? fromStack?.edgeUrl;
  let mcpUrl = "";
  if (!edge) problems.push(`no edge: pass --edge URL, set EDGE_URL, or start the local stack with \`npm start\` (no ${stack.path})`);
  else {
    try {
      const url = new URL(edge);
      if (url.protocol !== "http:" && url.protocol !== "https:") problems.push(`the edge URL must be http:// or https://, not ${url.protocol}//`);
      mcpUrl = `${url.origin}${url.pathname.replace(/\/+$/, "")}/mcp`;
    } catch {
      problems.push(`"${edge}" is not a URL (expected e.g. http://127.0.0.1:8787)`);
    }
  }

  let maxPrice = DEFAULT_MAX_PRICE;
  const maxText = parsed.values["max-price"];
  if (maxText !== undefined) {
    const amount = parseDecimalToBaseUnits(maxText);
    if (amount.ok) maxPrice = amount.value;
    else problems.push(`--max-price: ${amount.error}`);
  }

  let maxDeposit = DEFAULT_MAX_DEPOSIT;
  const depositText = parsed.values["max-deposit"];
  if (depositText !== undefined) {
    const amount = parseDecimalToBaseUnits(depositText);
    if (amount.ok) maxDeposit = amount.value;
    else problems.push(`--max-deposit: ${amount.error}`);
  }
  const schemeText = parsed.values.scheme ?? "auto";
  const scheme = SCHEME_CHOICES.find((choice) => choice === schemeText);
  if (!scheme) problems.push(`--scheme: "${schemeText}" is not a scheme: use ${SCHEME_CHOICES.join(", ")}`);
  const dirFlag = parsed.values["channels-dir"]?.trim();
  const channelsDir = dirFlag
    ? resolve(dirFlag)
    : edgeFromStack
      ? join(dirname(stack.path), "channels")
      : join(env.HOME?.trim() || homedir(), ".edge402", "channels");
  const rpcUrl = env.RPC_URL?.trim() || fromStack?.rpcUrl || null;

  const keyFromEnv = env.PAYER_KEY?.trim() || undefined;
  const key = keyFromEnv ?? fromStack?.payerKey;
  let payerKey: `0x${string}` | null = null;
  if (command?.kind === "call") {
    // Never echo a key back, even a malformed one: it may be a real one with a typo.
    if (!key) problems.push("no payer key: set PAYER_KEY (0x… private key of a wallet holding USDC), or start the local stack with `npm start`");
    else if (!/^0x[0-9a-fA-F]{64}$/.test(key)) problems.push(`${keyFromEnv ? "PAYER_KEY" : "stack.json payerKey"}: must be a 0x-prefixed 32-byte hex private key`);
    else payerKey = key as `0x${string}`;
  }

  if (problems.length > 0 || !command || !scheme) return { ok: false, problems };
  const network = !keyFromEnv && fromStack?.network ? fromStack.network : null;
  return { ok: true, help: false, settings: { command, mcpUrl, maxPrice, scheme, maxDeposit, channelsDir, rpcUrl, payerKey, network } };
}
