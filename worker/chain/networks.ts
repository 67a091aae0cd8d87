import type { Address } from "viem";

/**
 * What the edge knows about each network it can be paid on. `v1Name` is the x402 v1 network name;
 * a network without one (the local anvil chain) is offered to v2 clients only.
 * `usdc` is Circle's USDC with the EIP-712 domain its `name()`/`version()` return on that chain.
 */
export interface KnownNetwork {
  chainId: number;
  v1Name: string | null;
  usdc: { address: Address; name: string; version: string } | null;
}

export const KNOWN_NETWORKS: Readonly<Record<string, KnownNetwork>> = {
  "eip155:8453": {
    chainId: 8453,
    v1Name: "base",
    usdc: { address: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", name: "USD Coin", version: "2" },
  },
  "eip155:84532": {
    chainId: 84532,
    v1Name: "base-sepolia",
    usdc: { address: "0x036CbD53842c5426634e7929541eC2318f3dCF7e", name: "USDC", version: "2" },
  },
  "eip155:31337": { chainId: 31337, v1Name: null, usdc: null },
};

/** Null unless `network` is eip155:<id> with an id a number holds exactly (16 digits can exceed 2^53). */
export function chainIdOf(network: string): number | null {
  const match = /^eip155:([1-9][0-9]{0,15})$/.exec(network);
  const id = match ? Number(match[1]) : null;
  return id !== null && Number.isSafeInteger(id) ? id : null;
}
