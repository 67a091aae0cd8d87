import type { Hex } from "viem";
import { typedDataDigest } from "../../../chain/signatures/typed-data-digest.ts";
import { batchDomain, channelConfigTypes } from "./batch-constants.ts";
import type { ChannelConfig } from "./batch-payload.ts";

/**
 * A channel's id: the EIP-712 hash of its config under the batch-settlement domain — bound to the
 * chain and the escrow, so the same config names another channel elsewhere. Lower case, as ids are
 * stored (the contract and the official client agree on the value, not the casing).
 */
export function channelIdOf(config: ChannelConfig, chainId: number): Hex {
  return typedDataDigest({
    domain: batchDomain(chainId),
    types: channelConfigTypes,
    primaryType: "ChannelConfig",
    message: { ...config, withdrawDelay: config.withdrawDelay, salt: config.salt as Hex },
  }).toLowerCase() as Hex;
}
