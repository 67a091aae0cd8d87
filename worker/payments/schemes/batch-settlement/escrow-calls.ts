import { decodeFunctionResult, encodeAbiParameters, encodeFunctionData, keccak256, toEventSelector, type Address, type Hex } from "viem";
import type { ChainClient } from "../../../chain/chain-client.ts";
import { DEPOSIT_COLLECTOR_ADDRESS, ESCROW_ADDRESS } from "./batch-constants.ts";
import type { ChannelConfig, DepositPayload } from "./batch-payload.ts";
import { escrowAbi } from "./escrow-abi.ts";

/** A channel's state as the escrow holds it, amounts as decimal strings (they cross Durable Object RPC). */
export interface OnchainChannel {
  balance: string;
  totalClaimed: string;
  /** Unix seconds a timed withdrawal was started; 0 when none is pending. */
  withdrawRequestedAt: number;
  withdrawAmount: string;
  refundNonce: string;
}

/** One row of a claim: the highest voucher the payer signed, and the cumulative amount actually charged. */
export interface ClaimRow {
  config: ChannelConfig;
  signedMaxClaimable: string;
  signature: Hex;
  totalClaimed: string;
}

const contractConfig = (c: ChannelConfig) => ({ ...c, payer: c.payer, salt: c.salt as Hex, withdrawDelay: c.withdrawDelay });

/** The ERC-3009 nonce of a deposit: keccak256(abi.encode(channelId, salt)), as the collector checks it. */
export function depositNonce(channelId: Hex, salt: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [channelId, BigInt(salt)]));
}

export function depositCall(payload: DepositPayload): { to: Address; data: Hex } {
  const auth = payload.deposit.authorization.erc3009Authorization;
  const collectorData = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "bytes" }],
    [BigInt(auth.validAfter), BigInt(auth.validBefore), BigInt(auth.salt), auth.signature as Hex],
  );
  return {
    to: ESCROW_ADDRESS,
    data: encodeFunctionData({ abi: escrowAbi, functionName: "deposit", args: [contractConfig(payload.channelConfig), BigInt(payload.deposit.amount), DEPOSIT_COLLECTOR_ADDRESS, collectorData] }),
  };
}

function claimArgs(rows: readonly ClaimRow[]) {
  return rows.map((r) => ({ voucher: { channel: contractConfig(r.config), maxClaimableAmount: BigInt(r.signedMaxClaimable) }, signature: r.signature, totalClaimed: BigInt(r.totalClaimed) }));
}

export function claimCalldata(rows: readonly ClaimRow[], authorizerSignature: Hex): Hex {
  return encodeFunctionData({ abi: escrowAbi, functionName: "claimWithSignature", args: [claimArgs(rows), authorizerSignature] });
}

export function settleCall(receiver: Address, token: Address): { to: Address; data: Hex } {
  return { to: ESCROW_ADDRESS, data: encodeFunctionData({ abi: escrowAbi, functionName: "settle", args: [receiver, token] }) };
}

/** A claim row and the refund in one transaction (the escrow's multicall), as the spec bundles them. */
export function claimAndRefundCall(row: ClaimRow, claimSignature: Hex, amount: bigint, nonce: bigint, refundSignature: Hex): { to: Address; data: Hex } {
  const refund = encodeFunctionData({ abi: escrowAbi, functionName: "refundWithSignature", args: [contractConfig(row.config), amount, nonce, refundSignature] });
  return { to: ESCROW_ADDRESS, data: encodeFunctionData({ abi: escrowAbi, functionName: "multicall", args: [[claimCalldata([row], claimSignature), refund]] }) };
}

/** Reads a channel's escrow state: three eth_calls in parallel, no storage slots. */
export async function readChannel(client: Pick<ChainClient, "call">, channelId: Hex): Promise<OnchainChannel> {
  const call = (functionName: "channels" | "pendingWithdrawals" | "refundNonce") =>
    client.call({ to: ESCROW_ADDRESS, data: encodeFunctionData({ abi: escrowAbi, functionName, args: [channelId] }) });
  const [channels, pending, nonce] = await Promise.all([call("channels"), call("pendingWithdrawals"), call("refundNonce")]);
  const [balance, totalClaimed] = decodeFunctionResult({ abi: escrowAbi, functionName: "channels", data: channels });
  const [withdrawAmount, initiatedAt] = decodeFunctionResult({ abi: escrowAbi, functionName: "pendingWithdrawals", data: pending });
  const refundNonce = decodeFunctionResult({ abi: escrowAbi, functionName: "refundNonce", data: nonce });
  return { balance: balance.toString(), totalClaimed: totalClaimed.toString(), withdrawRequestedAt: Number(initiatedAt), withdrawAmount: withdrawAmount.toString(), refundNonce: refundNonce.toString() };
}

export const WITHDRAW_INITIATED_TOPIC = toEventSelector("WithdrawInitiated(bytes32,uint128,uint40)");
