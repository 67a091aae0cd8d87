import { createPublicClient, http, type PublicClient } from "viem";

/**
 * A public client for a node on this machine. viem's defaults (4 s polling, cached block numbers)
 * suit remote RPCs; anvil answers in well under a millisecond, so waiting on receipts would
 * dominate every test. No retries either: a local node that refuses a connection is down, not busy,
 * and retrying only delays the error by a second.
 */
export function localPublicClient(rpcUrl: string): PublicClient {
  return createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }), pollingInterval: 10, cacheTime: 0 });
}
