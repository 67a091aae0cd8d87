import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PaymentRequirements, SettleResponse } from "@x402/core/types";
import { decodeFunctionData, encodeFunctionResult, parseAbi, type Hex } from "viem";

/**
 * A payment channel as an edge keeps it, without an edge: the cumulative rule (a voucher must be for
 * what was charged plus this call's maximum), deposits, receipts shaped like edge402's
 * (worker/payments/schemes/batch-settlement/batch-scheme.ts), and the corrective fields a refusal
 * carries. For client tests that fake the network edge but run the official client for real.
 */
export const RECEIVER_AUTHORIZER = "0x1563915e194D8CfBA1943570603F7606A3115508";
export const DEPOSIT_TX = `0x${"de".repeat(32)}`;
export const REFUND_TX = `0x${"5e".repeat(32)}`;

export function channelRequirements(options: { amount: string; asset: string; payTo: string; network?: string; minDeposit?: string }): PaymentRequirements {
  return {
    scheme: "batch-settlement",
    network: (options.network ?? "eip155:31337") as `${string}:${string}`,
    asset: options.asset,
    amount: options.amount,
    payTo: options.payTo,
    maxTimeoutSeconds: 300,
    extra: { name: "USD Coin", version: "2", receiverAuthorizer: RECEIVER_AUTHORIZER, withdrawDelay: 900, minDeposit: options.minDeposit ?? "1000000" },
  };
}

interface VoucherPayload {
  type: "deposit" | "voucher" | "refund";
  voucher: { channelId: string; maxClaimableAmount: string; signature: string };
  deposit?: { amount: string };
  amount?: string;
}

export type ChannelOutcome =
  | { ok: true; receipt: SettleResponse; kind: "deposit" | "voucher" }
  | { ok: false; reason: string; correction: Record<string, unknown> | null };

export class FakeChannel {
  charged = 0n;
  balance = 0n;
  totalClaimed = 0n;
  signedMax = 0n;
  signature: string | null = null;
  channelId: string | null = null;
  readonly seen: VoucherPayload[] = [];

  /** A deposit or voucher for a call of at most `amount`, charged `charge` (≤ amount). */
  pay(raw: unknown, amount: bigint, charge: bigint = amount, options: { provisional?: boolean } = {}): ChannelOutcome {
    const payload = raw as VoucherPayload;
    this.seen.push(payload);
    const max = BigInt(payload.voucher.maxClaimableAmount);
    if (max !== this.charged + amount) return { ok: false, reason: "invalid_batch_settlement_evm_cumulative_amount_mismatch", correction: this.correction() };
    const deposit = payload.type === "deposit" && payload.deposit ? BigInt(payload.deposit.amount) : null;
    if (max > this.balance + (deposit ?? 0n)) return { ok: false, reason: "invalid_batch_settlement_evm_cumulative_exceeds_balance", correction: null };
    if (deposit !== null) this.balance += deposit;
    this.channelId = payload.voucher.channelId;
    this.signedMax = max;
    this.signature = payload.voucher.signature;
    this.charged += charge;
    return { ok: true, kind: deposit !== null ? "deposit" : "voucher", receipt: this.receipt(charge, deposit, options.provisional === true) };
  }

  /** A stream ended using `used` (≤ the provisional charge): the final receipt of its last event. */
  finalize(provisional: bigint, used: bigint): SettleResponse {
    this.charged -= provisional - used;
    return this.receipt(used, null, false);
  }

  /** The cooperative refund of everything not charged (or `amount` of it). */
  refund(raw: unknown): ChannelOutcome {
    const payload = raw as VoucherPayload;
    this.seen.push(payload);
    if (BigInt(payload.voucher.maxClaimableAmount) !== this.charged) return { ok: false, reason: "invalid_batch_settlement_evm_cumulative_amount_mismatch", correction: this.correction() };
    const left = this.balance - this.charged;
    const refunded = payload.amount !== undefined && BigInt(payload.amount) < left ? BigInt(payload.amount) : left;
    this.balance -= refunded;
    this.totalClaimed = this.charged;
    return {
      ok: true,
      kind: "voucher",
      receipt: { success: true, transaction: REFUND_TX, network: "eip155:31337", payer: "0x", amount: refunded.toString(), extra: { channelState: this.state() } },
    };
  }

  private receipt(charge: bigint, deposit: bigint | null, provisional: boolean): SettleResponse {
    return {
      success: true,
      transaction: deposit !== null ? DEPOSIT_TX : "",
      network: "eip155:31337",
      payer: "0x",
      amount: deposit !== null ? deposit.toString() : "",
      extra: { chargedAmount: charge.toString(), channelState: this.state(), ...(provisional ? { provisional: true } : {}) },
    };
  }

  private state() {
    return {
      channelId: this.channelId,
      balance: this.balance.toString(),
      totalClaimed: this.totalClaimed.toString(),
      withdrawRequestedAt: 0,
      refundNonce: "0",
      chargedCumulativeAmount: this.charged.toString(),
    };
  }

  /** What a corrective refusal adds to the channel's accepts entry (the official shape). */
  private correction(): Record<string, unknown> | null {
    if (!this.signature) return null;
    return {
      channelState: this.state(),
      voucherState: { signedMaxClaimable: this.signedMax.toString(), signature: this.signature },
    };
  }
}

const ESCROW_ABI = parseAbi(["function channels(bytes32) view returns (uint128 balance, uint128 totalClaimed)", "function balanceOf(address) view returns (uint256)"]);

/**
 * A JSON-RPC node that knows one escrow channel and one token balance: what the official client reads
 * (`channels(id)`) to recover a channel, and what the CLI reads for the payer's balance.
 */
export async function startFakeChainRpc(channel: FakeChannel, walletBalance = 1_000_000_000n): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    request.on("end", () => {
      const body = JSON.parse(text) as { id: number; method: string; params?: Array<{ data?: Hex }> } | Array<{ id: number; method: string; params?: Array<{ data?: Hex }> }>;
      const answer = (one: { id: number; method: string; params?: Array<{ data?: Hex }> }) => {
        calls.push(one.method);
        if (one.method === "eth_chainId") return { jsonrpc: "2.0", id: one.id, result: "0x7a69" };
        if (one.method === "eth_call") {
          const { functionName } = decodeFunctionData({ abi: ESCROW_ABI, data: one.params![0]!.data! });
          calls.push(functionName);
          const result =
            functionName === "channels"
              ? encodeFunctionResult({ abi: ESCROW_ABI, functionName, result: [channel.balance, channel.totalClaimed] })
              : encodeFunctionResult({ abi: ESCROW_ABI, functionName: "balanceOf", result: walletBalance });
          return { jsonrpc: "2.0", id: one.id, result };
        }
        return { jsonrpc: "2.0", id: one.id, error: { code: -32601, message: `not here: ${one.method}` } };
      };
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
