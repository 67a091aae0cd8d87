/** Block explorers of the networks the edge knows (KNOWN_NETWORKS); the local chain has none. */
const EXPLORERS: Readonly<Record<string, string>> = {
  "eip155:8453": "https://basescan.org",
  "eip155:84532": "https://sepolia.basescan.org",
};

export function explorerFor(network: string): { tx: string; address: string } | null {
  const base = EXPLORERS[network];
  return base ? { tx: `${base}/tx/`, address: `${base}/address/` } : null;
}
