import { parseArgs } from "node:util";
import type { StackLoad } from "../pay/stack-defaults.ts";
import { parseDecimalToBaseUnits } from "../pay/usdc-amount.ts";

/** Without --max-price a call may cost at most this: the top of the catalog's price range ($0.05). */
export const DEFAULT_MAX_PRICE = 50_000n;

export interface McpPaySettings {
  command: { kind: "list" } | { kind: "call"; tool: string; args: string };
  /** The MCP endpoint: <edge>/mcp. */
  mcpUrl: string;
  maxPrice: bigint;
  payerKey: `0x${string}` | null;
  /** With the local stack's demo key, pay on the stack's network only. */
  network: string | null;
}

export type McpPaySettingsResult = { ok: true; settings: McpPaySettings; help: false } | { ok: true; help: true } | { ok: false; problems: string[] };

/** Flags, then environment (EDGE_URL, PAYER_KEY), then the local stack's stack.json; every problem listed. */
export function resolveMcpPaySettings(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, stack: StackLoad): McpPaySettingsResult {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { edge: { type: "string" }, "max-price": { type: "string" }, help: { type: "boolean", short: "h" } } });
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

  const keyFromEnv = env.PAYER_KEY?.trim() || undefined;
  const key = keyFromEnv ?? fromStack?.payerKey;
  let payerKey: `0x${string}` | null = null;
  if (command?.kind === "call") {
    // Never echo a key back, even a malformed one: it may be a real one with a typo.
    if (!key) problems.push("no payer key: set PAYER_KEY (0x… private key of a wallet holding USDC), or start the local stack with `npm start`");
    else if (!/^0x[0-9a-fA-F]{64}$/.test(key)) problems.push(`${keyFromEnv ? "PAYER_KEY" : "stack.json payerKey"}: must be a 0x-prefixed 32-byte hex private key`);
    else payerKey = key as `0x${string}`;
  }

  if (problems.length > 0 || !command) return { ok: false, problems };
  const network = !keyFromEnv && fromStack?.network ? fromStack.network : null;
  return { ok: true, help: false, settings: { command, mcpUrl, maxPrice, payerKey, network } };
}
