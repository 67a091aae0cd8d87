import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { x402Client } from "@x402/core/client";
import type { PaymentPayload, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { InMemoryClientChannelStorage, type ClientChannelStorage } from "@x402/evm/batch-settlement/client";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import type { LocalAccount } from "viem";
import { channelReceipt, channelSigner, CORRECTIVE_REASONS, createChannelScheme, DEFAULT_MAX_DEPOSIT, depositAboveCapOf, type ChannelReceipt, type ChannelScheme } from "../x402/channels.ts";
import { BATCH_SETTLEMENT, pickRequirements, type PayScheme, type SchemeChoice } from "../x402/schemes.ts";
import { PAYMENT_META_KEY, paymentRequiredOf, receiptOf, type ToolPaymentRequired } from "./payment-required.ts";

export interface PayingMcpClientOptions {
  /** The MCP endpoint, e.g. https://edge.example/mcp. */
  url: string | URL;
  /** Signs the USDC authorizations (exact transfers, channel deposits) and the channel vouchers. */
  account: LocalAccount;
  /** The most one tool call may cost, in the asset's base units (USDC: 10000 = $0.01). Never exceeded. */
  maxPrice: bigint;
  /** Only pay on this CAIP-2 network (e.g. "eip155:8453"); any EVM network when absent. */
  network?: string;
  /** Which `accepts` entry to pay: `auto` (default) a channel when offered, else an exact transfer. */
  scheme?: SchemeChoice;
  /**
   * Where channel state is kept: in memory (this client's lifetime) by default. A
   * `FileClientChannelStorage` keeps it across runs; the directory `npm run pay` uses shares the
   * channel with HTTP calls (it is one channel per payer and edge either way).
   */
  channelStorage?: ClientChannelStorage;
  /** JSON-RPC of the chain: lets the channel client recover a channel it has no record of and check the edge's corrections. */
  rpcUrl?: string;
  /**
   * The largest channel deposit to sign, base units (default 1 USDC). A deposit is not a call's
   * price — it stays the payer's until charged and can be refunded — so `maxPrice` does not cap it.
   */
  maxDeposit?: bigint;
  fetch?: typeof fetch;
}

/** How a tool call ended. Only `ok` with `paid > 0` moved money (or, by channel, charged it); every other outcome cost nothing. */
export type ToolCallOutcome =
  | {
      status: "ok";
      result: CallToolResult;
      receipt: SettleResponse | null;
      /** What the call cost: the exact price, or what the channel charged for it. */
      paid: bigint;
      scheme: PayScheme | null;
      /** A channel call's receipt in numbers: its deposit (if one), this charge, the channel's totals. */
      channel?: ChannelReceipt;
    }
  /** The tool failed (bad arguments, no capacity, model error): the server charged nothing. */
  | { status: "tool_error"; result: CallToolResult }
  /** The server refused the payment (or could not settle it); `receipt` is the failed one, if sent. */
  | { status: "payment_refused"; reason: string; message: string; paymentRequired: ToolPaymentRequired; receipt: SettleResponse | null }
  | { status: "over_max_price"; price: bigint; maxPrice: bigint; paymentRequired: ToolPaymentRequired }
  /** The call's channel would need a deposit above `maxDeposit`: nothing was signed. */
  | { status: "over_max_deposit"; deposit: bigint; maxDeposit: bigint; paymentRequired: ToolPaymentRequired }
  | { status: "no_acceptable_requirements"; paymentRequired: ToolPaymentRequired };

/**
 * An MCP client that pays for tool calls per the x402 MCP transport: call; on PaymentRequired, pick
 * the requirements by scheme (a `batch-settlement` channel first, unless told otherwise; `exact`
 * otherwise), sign them with the official @x402/evm client scheme if the call costs at most
 * `maxPrice`, and call once more with the PaymentPayload in `_meta["x402/payment"]`.
 *
 * By channel, the receipt in `_meta["x402/payment-response"]` updates the channel's stored state
 * through the official scheme's own response hook (as @x402/fetch does with PAYMENT-RESPONSE); a
 * corrective refusal (the edge's cumulative charge differs from ours) is resynced with the official
 * `processCorrectivePaymentRequired` and the call is retried once with a fresh voucher. One payment
 * per call at most: a refused voucher moved nothing, and a second refusal is reported, never retried.
 */
export class PayingMcpClient {
  private readonly channel: ChannelScheme;
  /** Channel calls go one at a time: the edge serves one request per channel at once. */
  private channelQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly mcp: Client,
    private readonly options: PayingMcpClientOptions,
  ) {
    this.channel = createChannelScheme({
      signer: channelSigner(options.account, options.rpcUrl ?? null),
      storage: options.channelStorage ?? new InMemoryClientChannelStorage(),
      priceCap: options.maxPrice,
      maxDeposit: options.maxDeposit ?? DEFAULT_MAX_DEPOSIT,
    });
  }

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

  /** The channel a tool's requirements open or continue, for this payer (null for other schemes). */
  channelIdOf(requirements: PaymentRequirements): `0x${string}` | null {
    return requirements.scheme === BATCH_SETTLEMENT ? this.channel.channelId(requirements) : null;
  }

  async callTool(name: string, args: Record<string, unknown>): Promise<ToolCallOutcome> {
    const first = (await this.mcp.callTool({ name, arguments: args })) as CallToolResult;
    const required = paymentRequiredOf(first);
    if (!required) return first.isError ? { status: "tool_error", result: first } : { status: "ok", result: first, receipt: receiptOf(first), paid: 0n, scheme: null };

    const picked = pickRequirements(required.accepts, { scheme: this.options.scheme ?? "auto", network: this.options.network ?? null });
    if (!picked.ok) return { status: "no_acceptable_requirements", paymentRequired: required };
    const choice = picked.requirements;
    const price = BigInt(choice.amount);
    if (price > this.options.maxPrice) return { status: "over_max_price", price, maxPrice: this.options.maxPrice, paymentRequired: required };

    if (picked.scheme === BATCH_SETTLEMENT) {
      const turn = this.channelQueue.then(() => this.payByChannel(name, args, required, choice));
      this.channelQueue = turn.catch(() => {});
      return turn;
    }
    const payload = await this.x402For(choice).createPaymentPayload({ ...required, accepts: [choice] });
    const paid = await this.send(name, args, payload);
    return this.outcome(paid, price, "exact");
  }

  close(): Promise<void> {
    return this.mcp.close();
  }

  private async payByChannel(name: string, args: Record<string, unknown>, required: ToolPaymentRequired, choice: PaymentRequirements): Promise<ToolCallOutcome> {
    // Every voucher is built from the first PaymentRequired (as @x402/fetch does): a correction's
    // extra fields are for the resync, not for the terms the edge matches the payment against.
    const terms = { ...required, accepts: [choice] };
    const client = this.x402For(choice);
    const sign = async (): Promise<PaymentPayload | DepositStop> => {
      try {
        return await client.createPaymentPayload(terms);
      } catch (error) {
        const above = depositAboveCapOf(error);
        if (above) return { stop: { status: "over_max_deposit", deposit: above.needed, maxDeposit: above.maxDeposit, paymentRequired: required } };
        throw error;
      }
    };

    let payload = await sign();
    if ("stop" in payload) return payload.stop;
    let paid = await this.send(name, args, payload);
    if (await this.afterChannelCall(client, payload, paid, { mayRecover: true })) {
      payload = await sign();
      if ("stop" in payload) return payload.stop;
      paid = await this.send(name, args, payload);
      await this.afterChannelCall(client, payload, paid, { mayRecover: false });
    }
    return this.outcome(paid, BigInt(choice.amount), BATCH_SETTLEMENT);
  }

  /**
   * What the official client does after a paid HTTP request (x402HTTPClient.processPaymentResult):
   * a receipt goes to the scheme's response hook (the channel's new cumulative charge and balance);
   * a corrective refusal without one is resynced. True when the call should be retried once.
   */
  private async afterChannelCall(client: x402Client, payload: PaymentPayload, result: CallToolResult, { mayRecover }: { mayRecover: boolean }): Promise<boolean> {
    const receipt = receiptOf(result);
    if (receipt) {
      await client.handlePaymentResponse({ paymentPayload: payload, requirements: payload.accepted, settleResponse: receipt });
      if (this.channel.holding) await this.channel.settleHeld(null);
      return false;
    }
    const refused = paymentRequiredOf(result);
    if (!mayRecover || !refused || !CORRECTIVE_REASONS.has(refused.error ?? "")) return false;
    return this.channel.official.processCorrectivePaymentRequired(refused);
  }

  private send(name: string, args: Record<string, unknown>, payload: PaymentPayload): Promise<CallToolResult> {
    return this.mcp.callTool({ name, arguments: args, _meta: { [PAYMENT_META_KEY]: payload } }) as Promise<CallToolResult>;
  }

  private outcome(paid: CallToolResult, price: bigint, scheme: PayScheme): ToolCallOutcome {
    const refused = paymentRequiredOf(paid);
    if (refused) {
      return { status: "payment_refused", reason: refused.error ?? "payment_required", message: refused.message ?? "", paymentRequired: refused, receipt: receiptOf(paid) };
    }
    if (paid.isError) return { status: "tool_error", result: paid };
    const receipt = receiptOf(paid);
    if (scheme !== BATCH_SETTLEMENT || !receipt) return { status: "ok", result: paid, receipt, paid: price, scheme };
    const channel = channelReceipt(receipt);
    return { status: "ok", result: paid, receipt, paid: channel.charged ?? price, scheme, channel };
  }

  /**
   * The official x402 client with both EVM schemes, allowed to pay exactly this asset on this network
   * up to maxPrice a call: its built-in table knows only public USDC deployments, and caps them at $1
   * by default. The channel scheme is this client's one instance (its storage is the channel's state).
   */
  private x402For(choice: PaymentRequirements): x402Client {
    const client = new x402Client((_version, candidates) => candidates[0]!);
    registerExactEvmScheme(client, { signer: this.options.account });
    client.register("eip155:*", this.channel);
    client.setSpendControls({ allowedAssets: [{ network: choice.network, asset: choice.asset, maxAmountPerPayment: this.options.maxPrice.toString() }] });
    return client;
  }
}

type DepositStop = { stop: Extract<ToolCallOutcome, { status: "over_max_deposit" }> };
