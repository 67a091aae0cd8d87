import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { x402Client } from "@x402/core/client";
import type { PaymentRequirements, SettleResponse } from "@x402/core/types";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import type { LocalAccount } from "viem";
import { PAYMENT_META_KEY, paymentRequiredOf, receiptOf, type ToolPaymentRequired } from "./payment-required.ts";

export interface PayingMcpClientOptions {
  /** The MCP endpoint, e.g. https://edge.example/mcp. */
  url: string | URL;
  /** Signs the EIP-3009 USDC authorizations. */
  account: LocalAccount;
  /** The most one tool call may cost, in the asset's base units (USDC: 10000 = $0.01). Never exceeded. */
  maxPrice: bigint;
  /** Only pay on this CAIP-2 network (e.g. "eip155:8453"); any EVM network when absent. */
  network?: string;
  fetch?: typeof fetch;
}

/** How a tool call ended. Only `ok` with `paid > 0` moved money; every other outcome cost nothing. */
export type ToolCallOutcome =
  | { status: "ok"; result: CallToolResult; receipt: SettleResponse | null; paid: bigint }
  /** The tool failed (bad arguments, no capacity, model error): the server charged nothing. */
  | { status: "tool_error"; result: CallToolResult }
  /** The server refused the payment (or could not settle it); `receipt` is the failed one, if sent. */
  | { status: "payment_refused"; reason: string; message: string; paymentRequired: ToolPaymentRequired; receipt: SettleResponse | null }
  | { status: "over_max_price"; price: bigint; maxPrice: bigint; paymentRequired: ToolPaymentRequired }
  | { status: "no_acceptable_requirements"; paymentRequired: ToolPaymentRequired };

/**
 * An MCP client that pays for tool calls per the x402 MCP transport: call; on PaymentRequired, sign
 * the `exact` requirements with `account` (the official @x402/evm client scheme) if they cost at most
 * `maxPrice`, and call once more with the PaymentPayload in `_meta["x402/payment"]`. One payment per
 * call at most: a second PaymentRequired is reported, never paid again.
 */
export class PayingMcpClient {
  private constructor(
    readonly mcp: Client,
    private readonly options: PayingMcpClientOptions,
  ) {}

  static async connect(options: PayingMcpClientOptions): Promise<PayingMcpClient> {
    const mcp = new Client({ name: "edge402-mcp-pay", version: "0.1.0" });
    const url = typeof options.url === "string" ? new URL(options.url) : options.url;
    await mcp.connect(new StreamableHTTPClientTransport(url, options.fetch ? { fetch: options.fetch } : {}));
    return new PayingMcpClient(mcp, options);
  }

  async listTools(): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.mcp.listTools(cursor ? { cursor } : {});
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  async callTool(name: string, args: Record<string, unknown>): Promise<ToolCallOutcome> {
    const first = (await this.mcp.callTool({ name, arguments: args })) as CallToolResult;
    const required = paymentRequiredOf(first);
    if (!required) return first.isError ? { status: "tool_error", result: first } : { status: "ok", result: first, receipt: receiptOf(first), paid: 0n };

    const choice = required.accepts.find((r) => r.scheme === "exact" && r.network.startsWith("eip155:") && (!this.options.network || r.network === this.options.network));
    if (!choice) return { status: "no_acceptable_requirements", paymentRequired: required };
    const price = BigInt(choice.amount);
    if (price > this.options.maxPrice) return { status: "over_max_price", price, maxPrice: this.options.maxPrice, paymentRequired: required };

    const payload = await this.signer(choice).createPaymentPayload({ ...required, accepts: [choice] });
    const paid = (await this.mcp.callTool({ name, arguments: args, _meta: { [PAYMENT_META_KEY]: payload } })) as CallToolResult;
    const refused = paymentRequiredOf(paid);
    if (refused) {
      return { status: "payment_refused", reason: refused.error ?? "payment_required", message: refused.message ?? "", paymentRequired: refused, receipt: receiptOf(paid) };
    }
    if (paid.isError) return { status: "tool_error", result: paid };
    return { status: "ok", result: paid, receipt: receiptOf(paid), paid: price };
  }

  close(): Promise<void> {
    return this.mcp.close();
  }

  /**
   * The official exact-scheme client, allowed to pay exactly this asset on this network up to
   * maxPrice: its built-in table knows only public USDC deployments, and caps them at $1 by default.
   */
  private signer(choice: PaymentRequirements): x402Client {
    const client = new x402Client((_version, candidates) => candidates[0]!);
    registerExactEvmScheme(client, { signer: this.options.account });
    client.setSpendControls({ allowedAssets: [{ network: choice.network, asset: choice.asset, maxAmountPerPayment: this.options.maxPrice.toString() }] });
    return client;
  }
}
