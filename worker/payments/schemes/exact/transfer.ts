import { eip3009ABI } from "@x402/evm";
import { encodeFunctionData, isAddressEqual, parseEventLogs, parseSignature, type Address, type Hex } from "viem";
import type { MinedReceipt } from "../../../chain/chain-client.ts";
import type { Authorization } from "./exact-payload.ts";

/**
 * Gas for transferWithAuthorization with an ECDSA signature (70–90k measured on FiatTokenV2_2).
 * Settling with a fixed limit skips a gas-estimation round trip: the simulation already ran in
 * preflight, alongside the job. Contract-wallet signatures are estimated, their cost varies.
 */
export const EOA_TRANSFER_GAS = 150_000n;

const transferEventAbi = [
  {
    type: "event",
    name: "Transfer",
    inputs: [
      { indexed: true, name: "from", type: "address" },
      { indexed: true, name: "to", type: "address" },
      { indexed: false, name: "value", type: "uint256" },
    ],
  },
] as const;

/** transferWithAuthorization calldata: the v,r,s overload for ECDSA, FiatTokenV2_2's bytes overload otherwise (ERC-1271). */
export function transferCalldata(a: Authorization, signature: Hex): Hex {
  const args = [a.from as Address, a.to as Address, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce as Hex] as const;
  if (isEcdsaSignature(signature)) {
    const { v, r, s, yParity } = parseSignature(signature);
    return encodeFunctionData({ abi: eip3009ABI, functionName: "transferWithAuthorization", args: [...args, Number(v ?? BigInt(yParity + 27)), r, s] });
  }
  return encodeFunctionData({ abi: eip3009ABI, functionName: "transferWithAuthorization", args: [...args, signature] });
}

export function balanceOfCalldata(owner: Address): Hex {
  return encodeFunctionData({ abi: eip3009ABI, functionName: "balanceOf", args: [owner] });
}

/** 65 bytes of hex: a plain ECDSA signature. */
export const isEcdsaSignature = (signature: Hex) => signature.length === 132;

/** Whether the receipt's logs hold the token Transfer the authorization promised. */
export function movedMoney(receipt: MinedReceipt, expected: { asset: Address; payer: Address; payee: Address; amount: string }): boolean {
  const logs = receipt.logs.map((log, logIndex) => ({ ...log, topics: log.topics as [Hex, ...Hex[]], blockHash: null, blockNumber: null, logIndex, transactionHash: null, transactionIndex: null, removed: false }));
  return parseEventLogs({ abi: transferEventAbi, logs, eventName: "Transfer" }).some(
    (log) =>
      isAddressEqual(log.address, expected.asset) &&
      isAddressEqual(log.args.from, expected.payer) &&
      isAddressEqual(log.args.to, expected.payee) &&
      log.args.value === BigInt(expected.amount),
  );
}
