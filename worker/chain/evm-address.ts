import { getAddress, type Address } from "viem";

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export type AddressParse = { ok: true; address: Address } | { ok: false; reason: "malformed" | "bad_checksum"; message: string };

/**
 * An EVM address as EIP-55 allows it to be written — all lower case, all upper case (no checksum),
 * or mixed case that is the checksum — returned in its one canonical (checksummed) form, so
 * comparisons, EIP-712 hashing (viem refuses non-checksum mixed or upper case) and ledger rows
 * never depend on how a client cased it. Mixed case with a wrong checksum is a corrupted address (a
 * typo, a flipped bit), not another casing of the same one, and is refused.
 */
export function parseEvmAddress(text: string): AddressParse {
  if (!HEX_ADDRESS.test(text)) return { ok: false, reason: "malformed", message: "must be a 0x-prefixed 20-byte hex address" };
  const body = text.slice(2);
  const address = getAddress(text);
  if (body === body.toLowerCase() || body === body.toUpperCase() || address === text) return { ok: true, address };
  return { ok: false, reason: "bad_checksum", message: "mixed-case address with an invalid EIP-55 checksum (a typo?); write it checksummed or all lower case" };
}
