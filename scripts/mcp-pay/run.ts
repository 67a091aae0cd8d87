import { FileClientChannelStorage } from "@x402/evm/batch-settlement/client/file-storage";
import { privateKeyToAccount } from "viem/accounts";
import { PayingMcpClient, type ToolCallOutcome } from "../../client/mcp/paying-mcp-client.ts";
import { defaultBodySources, loadBody, type BodySources } from "../pay/body.ts";
import type { Output } from "../pay/output.ts";
import { loadStackDefaults } from "../pay/stack-defaults.ts";
import { formatBaseUnits } from "../pay/usdc-amount.ts";
import { MCP_PAY_HELP } from "./help.ts";
import { resolveMcpPaySettings, type McpPaySettings } from "./settings.ts";

export const MCP_CLI_NAME = "edge402-mcp-pay";

export interface McpPayIo extends Output {
  env: Readonly<Record<string, string | undefined>>;
  stackFile: string;
  fetch?: typeof fetch;
  bodySources?: BodySources;
}

/** The whole CLI minus the process: returns the exit code (0 done, 1 failed or refused, 2 usage). */
export async function runMcpPay(argv: readonly string[], io: McpPayIo): Promise<number> {
  const resolved = resolveMcpPaySettings(argv, io.env, await loadStackDefaults(io.stackFile));
  if (resolved.ok && resolved.help) {
    io.stdout(MCP_PAY_HELP);
    return 0;
  }
  if (!resolved.ok) {
    const count = resolved.problems.length === 1 ? "1 problem" : `${resolved.problems.length} problems`;
    io.stderr(`${MCP_CLI_NAME}: ${count}:${resolved.problems.map((p) => `\n  - ${p}`).join("")}\nRun \`${MCP_CLI_NAME} --help\` for usage.\n`);
    return 2;
  }
  const { settings } = resolved;
  let args: Record<string, unknown> = {};
  if (settings.command.kind === "call") {
    const loaded = await loadBody(settings.command.args, io.bodySources ?? defaultBodySources);
    if (!loaded.ok) return usage(io, loaded.problem);
    if (typeof loaded.json !== "object" || loaded.json === null || Array.isArray(loaded.json)) return usage(io, "tool arguments must be a JSON object");
    args = loaded.json as Record<string, unknown>;
  }

  let client: PayingMcpClient;
  try {
    client = await PayingMcpClient.connect({
      url: settings.mcpUrl,
      // `list` signs nothing; a throwaway key keeps the client's type simple.
      account: privateKeyToAccount(settings.payerKey ?? `0x${"11".repeat(32)}`),
      maxPrice: settings.maxPrice,
      scheme: settings.scheme,
      maxDeposit: settings.maxDeposit,
      // The directory `npm run pay` uses: HTTP and MCP calls share the payer's one channel.
      channelStorage: new FileClientChannelStorage({ directory: settings.channelsDir }),
      ...(settings.rpcUrl ? { rpcUrl: settings.rpcUrl } : {}),
      ...(settings.network ? { network: settings.network } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
    });
  } catch (error) {
    io.stderr(`${MCP_CLI_NAME}: cannot reach ${settings.mcpUrl}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    return settings.command.kind === "list" ? await list(client, io) : report(await client.callTool(settings.command.tool, args), settings, io);
  } catch (error) {
    io.stderr(`${MCP_CLI_NAME}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await client.close().catch(() => {});
  }
}

async function list(client: PayingMcpClient, io: McpPayIo): Promise<number> {
  for (const tool of await client.listTools()) {
    const price = tool._meta?.["edge402/price"] as { amount?: string } | undefined;
    const cost = price?.amount ? `${formatBaseUnits(BigInt(price.amount))} USDC` : "free";
    io.stdout(`${tool.name.padEnd(18)} ${cost.padEnd(14)} ${tool.title ?? ""}\n`);
  }
  return 0;
}

function report(outcome: ToolCallOutcome, settings: McpPaySettings, io: McpPayIo): number {
  switch (outcome.status) {
    case "ok": {
      io.stdout(`${JSON.stringify(outcome.result.structuredContent ?? outcome.result.content, null, 2)}\n`);
      const { receipt, channel } = outcome;
      if (receipt && channel) {
        io.stdout(`paid      ${formatBaseUnits(outcome.paid)} USDC by channel${channel.channelId ? ` ${channel.channelId}` : ""} (${receipt.network})\n`);
        io.stdout(channel.deposit ? `deposit   ${formatBaseUnits(channel.deposit.amount)} USDC into the channel, tx ${channel.deposit.transaction}\n` : "deposit   none (a voucher: no chain transaction)\n");
        if (channel.chargedCumulative !== null && channel.balance !== null && channel.remaining !== null) {
          io.stdout(`channel   ${formatBaseUnits(channel.chargedCumulative)} USDC charged in all, ${formatBaseUnits(channel.balance)} USDC deposited, ${formatBaseUnits(channel.remaining)} USDC left (state in ${settings.channelsDir})\n`);
        }
      } else if (receipt) {
        io.stdout(`paid      ${formatBaseUnits(outcome.paid)} USDC\ntx        ${receipt.transaction} (${receipt.network})\n`);
      }
      return 0;
    }
    case "tool_error": {
      const first = outcome.result.content[0];
      io.stderr(`${MCP_CLI_NAME}: the tool failed, nothing was charged: ${first?.type === "text" ? first.text : JSON.stringify(outcome.result.structuredContent)}\n`);
      return 1;
    }
    case "payment_refused":
      io.stderr(`${MCP_CLI_NAME}: payment refused (${outcome.reason}): ${outcome.message}\n`);
      return 1;
    case "over_max_price":
      io.stderr(`${MCP_CLI_NAME}: the tool costs ${formatBaseUnits(outcome.price)} USDC, above --max-price ${formatBaseUnits(settings.maxPrice)}; nothing was signed\n`);
      return 1;
    case "over_max_deposit":
      io.stderr(`${MCP_CLI_NAME}: the tool's channel needs a deposit of at least ${formatBaseUnits(outcome.deposit)} USDC, above --max-deposit ${formatBaseUnits(outcome.maxDeposit)}; nothing was signed (raise --max-deposit, or pay by --scheme exact)\n`);
      return 1;
    case "no_acceptable_requirements":
      io.stderr(`${MCP_CLI_NAME}: the server accepts no payment this client can make (${outcome.paymentRequired.accepts.map((a) => `${a.scheme} on ${a.network}`).join(", ")})${settings.network ? `; the demo key pays on ${settings.network} only` : ""}\n`);
      return 1;
  }
}

function usage(io: McpPayIo, problem: string): number {
  io.stderr(`${MCP_CLI_NAME}: ${problem}\nRun \`${MCP_CLI_NAME} --help\` for usage.\n`);
  return 2;
}
