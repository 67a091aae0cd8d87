import { x402Client } from "@x402/core/client";
import type { PaymentRequirements } from "@x402/core/types";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPayment } from "@x402/fetch";
import type { LocalAccount } from "viem";
import type { Quote } from "./quote.ts";

export interface PayingFetchOptions {
  payer: LocalAccount;
  /** The 402 already received and shown to the user: it is what gets paid. */
  quote: Quote;
  quoteResponse: { status: number; headers: Headers; body: string };
  /** Largest payment the client may sign, in base units: the quote, or --max-price when given. */
  cap: bigint;
  fetch?: typeof fetch;
}

/**
 * The official x402 v2 client (@x402/fetch with @x402/evm's exact scheme), unmodified, configured so it
 * can pay exactly the quote the user saw and nothing else:
 *  - its first request is answered with that 402 (replayed, not re-sent), so the requirements it signs
 *    are the ones printed, and the request reaches the edge twice in all: once unpaid, once paid;
 *  - spend controls allow only the quoted asset on the quoted network, capped at `cap` — a local
 *    chain's USDC is not one of the client's built-in assets, and Base's USDC would otherwise get the
 *    client's default $1 cap;
 *  - the selector picks the quoted `accepts` entry, never another one the edge may list.
 */
export function payingFetch({ payer, quote, quoteResponse, cap, fetch: fetchImpl = fetch }: PayingFetchOptions): typeof fetch {
  const { accepted } = quote;
  const client = new x402Client((_version, candidates) => {
    const same = candidates.find((c) => sameRequirements(c, accepted));
    if (!same) throw new Error("the edge's payment requirements changed since the quote");
    return same;
  });
  registerExactEvmScheme(client, { signer: payer });
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
  return wrapFetchWithPayment(replayQuoteFirst, client) as typeof fetch;
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
