import { encodeFunctionData, type Address, type Hash, type Hex, type LocalAccount } from "viem";
import { accounts } from "./accounts.ts";
import { fiatTokenAbi } from "./fiat-token-abi.ts";
import { localPublicClient } from "./local-client.ts";
import { sendInOrder } from "./send-in-order.ts";

export interface MintOptions {
  /** Must hold a minter allowance (deployUsdc's `minter`). @default accounts.tokenOwner */
  minter?: LocalAccount;
}

// Measured 90k for the first mint, 73k after; fixed so a batch needs no estimation round trips.
const MINT_GAS = 200_000n;

/** Mints `amount` base units (6 decimals) to `to`, and resolves once it is mined. */
export async function mintUsdc(
  rpcUrl: string,
  usdc: Address,
  to: Address,
  amount: bigint,
  options: MintOptions = {},
): Promise<Hash> {
  const [hash] = await mintUsdcBatch(rpcUrl, usdc, [{ to, amount }], options);
  if (hash === undefined) throw new Error("mint produced no transaction");
  return hash;
}

/** Several mints with consecutive nonces and a single wait, for funding many payers at once. */
export async function mintUsdcBatch(
  rpcUrl: string,
  usdc: Address,
  mints: ReadonlyArray<{ to: Address; amount: bigint }>,
  options: MintOptions = {},
): Promise<Hash[]> {
  const { minter = accounts.tokenOwner } = options;
  const receipts = await sendInOrder(
    rpcUrl,
    minter,
    mints.map(({ to, amount }) => ({
      label: `mint ${amount} to ${to}`,
      to: usdc,
      data: encodeFunctionData({ abi: fiatTokenAbi, functionName: "mint", args: [to, amount] }),
      gas: MINT_GAS,
    })),
  );
  return receipts.map((receipt) => receipt.transactionHash);
}

export function usdcBalanceOf(rpcUrl: string, usdc: Address, who: Address): Promise<bigint> {
  return localPublicClient(rpcUrl).readContract({
    address: usdc,
    abi: fiatTokenAbi,
    functionName: "balanceOf",
    args: [who],
  });
}

/** True once `nonce` has been used (or cancelled) by `authorizer`; x402 nonces are random bytes32. */
export function authorizationState(rpcUrl: string, usdc: Address, authorizer: Address, nonce: Hex): Promise<boolean> {
  return localPublicClient(rpcUrl).readContract({
    address: usdc,
    abi: fiatTokenAbi,
    functionName: "authorizationState",
    args: [authorizer, nonce],
  });
}

export interface TransferEvent {
  from: Address;
  to: Address;
  value: bigint;
  txHash: Hash;
  blockNumber: bigint;
  logIndex: number;
}

export interface TransferEventsOptions {
  /** @default 0n */
  fromBlock?: bigint;
  from?: Address;
  to?: Address;
}

/** Transfer events of `usdc`, oldest first; mints appear with `from` = the zero address. */
export async function transferEvents(
  rpcUrl: string,
  usdc: Address,
  options: TransferEventsOptions = {},
): Promise<TransferEvent[]> {
  const { fromBlock = 0n, from, to } = options;
  const logs = await localPublicClient(rpcUrl).getContractEvents({
    address: usdc,
    abi: fiatTokenAbi,
    eventName: "Transfer",
    args: { from, to },
    fromBlock,
    toBlock: "latest",
    strict: true,
  });
  return logs.map((log) => ({
    from: log.args.from,
    to: log.args.to,
    value: log.args.value,
    txHash: log.transactionHash,
    blockNumber: log.blockNumber,
    logIndex: log.logIndex,
  }));
}
