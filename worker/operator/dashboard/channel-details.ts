import type { ChannelNote } from "../../payments/schemes/batch-settlement/channel-claims.ts";

/** At most this many channels are read for one dashboard answer (one Durable Object call each). */
const MAX_CHANNELS_READ = 50;

export interface ChannelDetail {
  /** Charged minus claimed on chain, base units: what a claim would move now. */
  unclaimed: string;
  /** The escrow's balance for the channel as its object last read it (the payer's deposits). */
  deposit: string | null;
  withdrawAmount: string | null;
}

/**
 * The claim index (ChannelClaims) is told about a channel only when it starts to owe, crosses the
 * claim threshold or sees a withdrawal — not on every call — so its `unclaimed` can lag. The
 * dashboard reads each owing channel's own object (PaymentChannel.snapshot) for the current figures,
 * and falls back on the index's note for a channel it could not read.
 */
export async function channelDetails(env: Env, owing: readonly ChannelNote[]): Promise<Map<string, ChannelDetail>> {
  const details = new Map<string, ChannelDetail>();
  await Promise.all(
    owing.slice(0, MAX_CHANNELS_READ).map(async (note) => {
      try {
        const record = await env.PAYMENT_CHANNEL.getByName(note.channelId).snapshot();
        if (!record) return;
        const unclaimed = BigInt(record.charged) - BigInt(record.onchain.totalClaimed);
        details.set(note.channelId, { unclaimed: (unclaimed > 0n ? unclaimed : 0n).toString(), deposit: record.onchain.balance, withdrawAmount: record.onchain.withdrawRequestedAt > 0 ? record.onchain.withdrawAmount : null });
      } catch {
        // The note stands in for it.
      }
    }),
  );
  return details;
}
