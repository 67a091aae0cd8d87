import { describe, expect, it } from "vitest";
import { toEventSignature, toFunctionSignature, type AbiEvent, type AbiFunction } from "viem";
import { fiatTokenAbi, fiatTokenProxyAbi } from "../../../dev/chain/fiat-token-abi.ts";
import { linkBytecode, loadStablecoinArtifact } from "../../../dev/chain/stablecoin-artifacts.ts";

// Compares what decides encoding and decoding: signature, mutability, indexed flags. Parameter names
// are ours to choose.
function describeEntry(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null || !("type" in entry)) return undefined;
  if (entry.type === "function") {
    const fn = entry as AbiFunction;
    return `${toFunctionSignature(fn)} ${fn.stateMutability} -> ${fn.outputs.map((o) => o.type).join(",")}`;
  }
  if (entry.type === "event") {
    const event = entry as AbiEvent;
    return `${toEventSignature(event)} indexed ${event.inputs.map((i) => Boolean(i.indexed)).join(",")}`;
  }
  if (entry.type === "constructor" && "inputs" in entry && Array.isArray(entry.inputs)) {
    return `constructor(${entry.inputs.map((i: { type: string }) => i.type).join(",")})`;
  }
  return undefined;
}

describe("hand-written ABIs match Circle's artifacts", () => {
  it.each([
    ["FiatTokenV2_2", fiatTokenAbi, "fiatTokenV2_2"],
    ["FiatTokenProxy", fiatTokenProxyAbi, "fiatTokenProxy"],
  ] as const)("%s", (_, abi, artifactName) => {
    const published = new Set(loadStablecoinArtifact(artifactName).abi.map(describeEntry));
    const ours = abi.map(describeEntry);
    expect(ours.filter((entry) => !published.has(entry))).toEqual([]);
  });
});

describe("linkBytecode", () => {
  it("refuses to leave the SignatureChecker slot unlinked", () => {
    expect(() => linkBytecode(loadStablecoinArtifact("fiatTokenV2_2"), {})).toThrow(/SignatureChecker/);
  });

  it("writes the library address into every reference", () => {
    const artifact = loadStablecoinArtifact("fiatTokenV2_2");
    const library = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const linked = linkBytecode(artifact, { "contracts/util/SignatureChecker.sol:SignatureChecker": library });
    const references = artifact.linkReferences["contracts/util/SignatureChecker.sol"]?.["SignatureChecker"] ?? [];
    expect(references.length).toBeGreaterThan(0);
    for (const { start } of references) {
      expect(linked.slice(2 + start * 2, 2 + start * 2 + 40)).toBe(library.slice(2).toLowerCase());
    }
    expect(linked.length).toBe(artifact.bytecode.length);
  });
});
