import { parseAbiItem, type Address, type Hex } from "viem";
import { fiatTokenAbi } from "../../dev/chain/fiat-token-abi.ts";
import { localPublicClient } from "../../dev/chain/local-client.ts";

/** USDC balances of payTo and the payers at one block. */
export interface BalanceSnapshot {
  block: bigint;
  payTo: bigint;
  payers: ReadonlyMap<Address, bigint>;
}

export interface ChainTransfer {
  txHash: Hex;
  from: Address;
  value: bigint;
}

export interface ChainAudit {
  snapshot(at?: bigint): Promise<BalanceSnapshot>;
  /** USDC Transfer events to payTo in blocks from..to (both included), oldest first. */
  transfersToPayTo(fromBlock: bigint, toBlock: bigint): Promise<ChainTransfer[]>;
  /** How many of these authorizations the token has marked used (i.e. were charged). */
  countUsed(authorizations: ReadonlyArray<{ payer: Address; nonce: Hex }>): Promise<number>;
}

const transferEvent = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");

/** Reads what the chain itself says happened: balances, Transfer logs, used authorizations. */
export function chainAudit(options: { rpcUrl: string; usdc: Address; payTo: Address; payers: readonly Address[] }): ChainAudit {
  const client = localPublicClient(options.rpcUrl);
  const balanceAt = (who: Address, blockNumber: bigint) =>
    client.readContract({ address: options.usdc, abi: fiatTokenAbi, functionName: "balanceOf", args: [who], blockNumber });
  return {
    async snapshot(at) {
      const block = at ?? (await client.getBlockNumber());
      const [payTo, ...payers] = await Promise.all([options.payTo, ...options.payers].map((who) => balanceAt(who, block)));
      return { block, payTo: payTo!, payers: new Map(options.payers.map((who, i) => [who, payers[i]!])) };
    },
    async transfersToPayTo(fromBlock, toBlock) {
      if (toBlock < fromBlock) return [];
      const logs = await client.getLogs({ address: options.usdc, event: transferEvent, args: { to: options.payTo }, fromBlock, toBlock, strict: true });
      return logs.map((log) => ({ txHash: log.transactionHash, from: log.args.from, value: log.args.value }));
    },
    async countUsed(authorizations) {
      let used = 0;
      for (let i = 0; i < authorizations.length; i += 32) {
        const batch = authorizations.slice(i, i + 32);
        const states = await Promise.all(
          batch.map((a) => client.readContract({ address: options.usdc, abi: fiatTokenAbi, functionName: "authorizationState", args: [a.payer, a.nonce] })),
        );
        used += states.filter(Boolean).length;
      }
      return used;
    },
  };
}
