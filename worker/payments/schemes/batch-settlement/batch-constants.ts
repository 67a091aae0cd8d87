import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, BATCH_SETTLEMENT_SCHEME, ERC3009_DEPOSIT_COLLECTOR_ADDRESS } from "@x402/evm";
import type { Address } from "viem";

/** x402 `batch-settlement` on EVM: the names, addresses and EIP-712 types every party signs against. */
export const BATCH = BATCH_SETTLEMENT_SCHEME;

/** The escrow and its ERC-3009 deposit collector: CREATE2, the same on every chain (the official client knows them). */
export const ESCROW_ADDRESS = BATCH_SETTLEMENT_ADDRESS as Address;
export const DEPOSIT_COLLECTOR_ADDRESS = ERC3009_DEPOSIT_COLLECTOR_ADDRESS as Address;

/** Bounds the contract puts on a channel's withdrawal delay, seconds. */
export const MIN_WITHDRAW_DELAY = 900;
export const MAX_WITHDRAW_DELAY = 30 * 24 * 3600;

export const batchDomain = (chainId: number) => ({ ...BATCH_SETTLEMENT_DOMAIN, chainId, verifyingContract: ESCROW_ADDRESS });

export const channelConfigTypes = {
  ChannelConfig: [
    { name: "payer", type: "address" },
    { name: "payerAuthorizer", type: "address" },
    { name: "receiver", type: "address" },
    { name: "receiverAuthorizer", type: "address" },
    { name: "token", type: "address" },
    { name: "withdrawDelay", type: "uint40" },
    { name: "salt", type: "bytes32" },
  ],
} as const;

export { claimBatchTypes, refundTypes, voucherTypes } from "@x402/evm";

export const receiveWithAuthorizationTypes = {
  ReceiveWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;
