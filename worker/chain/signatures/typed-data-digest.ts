import { concat, hashDomain, hashStruct, keccak256, validateTypedData, type Hex, type TypedData, type TypedDataDefinition, type TypedDataDomain } from "viem";

/**
 * viem's `hashTypedData`, with the domain separator computed once per domain. A payment check hashes
 * one or two EIP-712 messages under domains fixed by the edge's config (the token's, the escrow's per
 * chain); hashing the domain again each time is about half of viem's hashing work. The message is
 * still validated and hashed by viem on every call. Keys come from config, never from a payer, so the
 * map stays a handful of entries (bounded all the same).
 */
const MAX_DOMAINS = 16;
const separators = new Map<string, Hex>();

export function typedDataDigest<const T extends TypedData | Record<string, unknown>, P extends keyof T | "EIP712Domain">(typedData: TypedDataDefinition<T, P>): Hex {
  const { domain = {}, message, primaryType } = typedData as { domain?: TypedDataDomain; message: Record<string, unknown>; primaryType: string };
  const types = { EIP712Domain: domainFields(domain), ...(typedData.types as Record<string, unknown>) } as TypedData;
  // The same checks hashTypedData makes (addresses, integer ranges, byte lengths): a bad message throws.
  validateTypedData({ domain, message, primaryType, types } as never);
  const parts: Hex[] = ["0x1901", domainSeparator(domain, types)];
  if (primaryType !== "EIP712Domain") parts.push(hashStruct({ data: message, primaryType, types }));
  return keccak256(concat(parts));
}

function domainSeparator(domain: TypedDataDomain, types: TypedData): Hex {
  const key = JSON.stringify([domain.name, domain.version, domain.chainId?.toString(), domain.verifyingContract?.toLowerCase(), domain.salt]);
  let separator = separators.get(key);
  if (separator === undefined) {
    separator = hashDomain({ domain, types });
    if (separators.size >= MAX_DOMAINS) separators.clear();
    separators.set(key, separator);
  }
  return separator;
}

/** EIP712Domain's fields: the ones the domain has, in the standard's order, present by viem's rule (truthy). */
function domainFields(domain: TypedDataDomain): { name: string; type: string }[] {
  return [
    typeof domain.name === "string" && { name: "name", type: "string" },
    Boolean(domain.version) && { name: "version", type: "string" },
    (typeof domain.chainId === "number" || typeof domain.chainId === "bigint") && { name: "chainId", type: "uint256" },
    Boolean(domain.verifyingContract) && { name: "verifyingContract", type: "address" },
    Boolean(domain.salt) && { name: "salt", type: "bytes32" },
  ].filter((field): field is { name: string; type: string } => field !== false);
}

/** Any typed data (for callers that pass one of several shapes along). */
export type TypedDataInput = Parameters<typeof typedDataDigest>[0];

/** The digest, or null when viem refuses the message (a bad address, an integer out of range). */
export function digestOrNull(typedData: TypedDataInput): Hex | null {
  try {
    return typedDataDigest(typedData);
  } catch {
    return null;
  }
}
