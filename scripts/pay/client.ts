import { x402Client } from "@x402/core/client";
import type { PaymentRequirements } from "@x402/core/types";
import type { ClientEvmSigner } from "@x402/evm";
import type { ClientChannelStorage } from "@x402/evm/batch-settlement/client";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import type { LocalAccount } from "viem";
import { createChannelScheme, type ChannelScheme } from "../../client/x402/channels.ts";
import type { Quote } from "./quote.ts";

export interface PayingFetchOptions {
  payer: LocalAccount;
  /** The payer as the channel scheme signs with it (with `readContract` when an RPC is known). */
  channelSigner: ClientEvmSigner;
  /** Where the channel's state is kept (FileClientChannelStorage across runs). */
  channelStorage: ClientChannelStorage;
  /** The 402 already received and shown to the user: it is what gets paid. */
  quote: Quote;
  quoteResponse: { status: number; headers: Headers; body: string };
  /** Largest payment the client may sign, in base units: the quote, or --max-price when given. */
  cap: bigint;
  /** Largest channel deposit the client may sign, in base units. */
  maxDeposit: bigint;
  fetch?: typeof fetch;
}

export interface PayingFetch {
  fetch: typeof fetch;
  /** The batch-settlement scheme registered with the client (its receipts, its held stream receipt). */
  channel: ChannelScheme;
}

/**
 * The official x402 v2 client (@x402/fetch with @x402/evm's `exact` and `batch-settlement` client
 * schemes), unmodified, configured so it can pay exactly the quote the user saw and nothing else:
 *  - its first request is answered with that 402 (replayed, not re-sent), so the requirements it signs
 *    are the ones printed, and the request reaches the edge twice in all: once unpaid, once paid (a
 *    channel whose stored state the edge corrects costs one more, the official resync);
 *  - spend controls allow only the quoted asset on the quoted network, capped at `cap` per payment —
 *    a local chain's USDC is not one of the client's built-in assets, and Base's USDC would otherwise
 *    get the client's default $1 cap; a channel deposit is capped at `maxDeposit` (channels.ts);
 *  - the selector picks the quoted `accepts` entry (its scheme included), never another one.
 */
export function payingFetch(options: PayingFetchOptions): PayingFetch {
  const { payer, quote, quoteResponse, cap, fetch: fetchImpl = fetch } = options;
  const { accepted } = quote;
  const client = new x402Client((_version, candidates) => {
    const same = candidates.find((c) => sameRequirements(c, accepted));
    if (!same) throw new Error("the edge's payment requirements changed since the quote");
    return same;
  });
  registerExactEvmScheme(client, { signer: payer });
  const channel = createChannelScheme({ signer: options.channelSigner, storage: options.channelStorage, priceCap: cap, maxDeposit: options.maxDeposit });
  // Beside exact's "eip155:*": a scheme registered for one network alone would hide the other there.
  client.register("eip155:*", channel);
  client.setSpendControls({
    allowedAssets: [{ network: accepted.network, asset: accepted.asset, maxAmountPerPayment: cap.toString() }],
  });

  let replayed = false;
  const replayQuoteFirst = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    if (!replayed) {
      replayed = true;
      return new Response(quoteResponse.body, { status: quoteResponse.status, headers: quoteResponse.headers });
    }
    return fetchImpl(input, init);
  }) as typeof fetch;
  return { fetch: wrapFetchWithPayment(replayQuoteFirst, client) as typeof fetch, channel };
}

function sameRequirements(a: PaymentRequirements, b: PaymentRequirements): boolean {
  return (
    a.scheme === b.scheme &&
    a.network === b.network &&
    a.asset.toLowerCase() === b.asset.toLowerCase() &&
    a.payTo.toLowerCase() === b.payTo.toLowerCase() &&
    String(a.amount) === String(b.amount)
  );
}
