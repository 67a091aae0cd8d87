import type { Abi, Address, Hex } from "viem";
import { z } from "zod";
import { BATCH_SETTLEMENT_ESCROW_ADDRESS, batchSettlementEscrowAbi } from "../../dev/chain/batch-settlement.ts";
import { localPublicClient } from "../../dev/chain/local-client.ts";

/** `receivers(payTo, token)`: what the escrow has claimed for payTo in all, and settled to it. */
export interface ReceiverTotals {
  totalClaimed: bigint;
  totalSettled: bigint;
}

/** `channels(id)`: what a channel holds (deposits less refunds) and what was claimed from it. */
export interface EscrowChannel {
  channelId: Hex;
  balance: bigint;
  totalClaimed: bigint;
}

/**
 * The escrow's own account of the channels, through its view functions only (never storage slots:
 * those are the contract's business, its getters are its interface).
 */
export function escrowAudit(rpcUrl: string, payTo: Address, token: Address) {
  const client = localPublicClient(rpcUrl);
  const read = (functionName: "receivers" | "channels", args: readonly unknown[]) =>
    client.readContract({ address: BATCH_SETTLEMENT_ESCROW_ADDRESS, abi: batchSettlementEscrowAbi as Abi, functionName, args });
  return {
    async receiver(): Promise<ReceiverTotals> {
      const [totalClaimed, totalSettled] = (await read("receivers", [payTo, token])) as [bigint, bigint];
      return { totalClaimed, totalSettled };
    },
    async channel(channelId: Hex): Promise<EscrowChannel> {
      const [balance, totalClaimed] = (await read("channels", [channelId])) as [bigint, bigint];
      return { channelId, balance, totalClaimed };
    },
  };
}

const Units = z.string().regex(/^\d+$/).transform(BigInt);
const OwingSchema = z.object({ owing: z.array(z.object({ channelId: z.string(), unclaimed: Units }).loose()) });
const ClaimReportSchema = z.object({
  claims: z.array(z.object({ transaction: z.string(), channels: z.number(), amount: Units }).loose()),
  settle: z.object({ transaction: z.string() }).loose().nullable(),
  failures: z.array(z.string()),
});
export type ClaimReport = z.infer<typeof ClaimReportSchema> & { status: number };

/** The edge's admin API for channels: GET /admin/channels (who owes) and POST /admin/channels/claim. */
export function channelAdmin(edgeUrl: string, adminToken: string) {
  const call = async (method: "GET" | "POST", path: string) => {
    const response = await fetch(`${edgeUrl}${path}`, { method, headers: { Authorization: `Bearer ${adminToken}` } });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path} answered ${response.status} with no JSON: ${text.slice(0, 300)}`);
    }
    return { status: response.status, json };
  };
  return {
    /** Unclaimed base units per channel id (lower case), as the channel objects report them. */
    async owing(): Promise<Map<string, bigint>> {
      const { status, json } = await call("GET", "/admin/channels");
      if (status !== 200) throw new Error(`GET /admin/channels answered ${status}`);
      return new Map(OwingSchema.parse(json).owing.map((o) => [o.channelId.toLowerCase(), o.unclaimed]));
    },
    /** Claims and settles everything owed now; answers once the transactions are mined. */
    async claim(): Promise<ClaimReport> {
      const { status, json } = await call("POST", "/admin/channels/claim");
      return { status, ...ClaimReportSchema.parse(json) };
    },
  };
}
