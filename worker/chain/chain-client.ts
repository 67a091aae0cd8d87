import { BaseError, createPublicClient, defineChain, http, toHex, TransactionNotFoundError, TransactionReceiptNotFoundError, type Address, type Hex, type PublicClient } from "viem";

/** A call to a contract, as the relayer sends it. `gas: null` asks the node to estimate (×1.2). */
export interface ContractCall {
  to: Address;
  data: Hex;
  gas: bigint | null;
}

/** What the node says about a mined transaction, in a form that crosses Durable Object RPC (no bigints). */
export interface MinedReceipt {
  hash: Hex;
  status: "success" | "reverted";
  blockNumber: string;
  gasUsed: string;
  effectiveGasPrice: string;
  logs: Array<{ address: Address; topics: Hex[]; data: Hex }>;
}

export interface FeesPerGas {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/**
 * Everything the relayer asks of a node: the narrow capability it is tested against (a fake chain
 * in the unit tests, viem over JSON-RPC in the Worker). "Not found" answers are values (null /
 * false), never errors, so that an error always means "could not ask".
 */
export interface ChainClient {
  estimateGas(from: Address, call: { to: Address; data: Hex; value?: bigint }): Promise<bigint>;
  call(call: { to: Address; data: Hex }): Promise<Hex>;
  estimateFeesPerGas(): Promise<FeesPerGas>;
  /** The account's next nonce counting transactions the node holds (`pending`) or only mined ones. */
  transactionCount(address: Address, blockTag: "pending" | "latest"): Promise<number>;
  sendRawTransaction(serialized: Hex): Promise<void>;
  /** true: the node knows it (pending or mined); false: it does not. */
  transactionKnown(hash: Hex): Promise<boolean>;
  /** null: not mined (yet). */
  receipt(hash: Hex): Promise<MinedReceipt | null>;
  balance(address: Address): Promise<bigint>;
}

/** What a watcher of contract events asks of a node, beyond the relayer's needs. */
export interface ChainLogReader {
  blockNumber(): Promise<bigint>;
  /** Logs of `address` whose first topic is `topic0`, in an inclusive block range. */
  logs(filter: { address: Address; topic0: Hex; fromBlock: bigint; toBlock: bigint }): Promise<Array<{ topics: Hex[]; data: Hex; blockNumber: bigint }>>;
}

/** A ChainClient over JSON-RPC with viem. Every transaction field is set by the caller: the chain is just its id. */
export function rpcChainClient(rpcUrl: string, chainId: number, options: { timeoutMs?: number; retryCount?: number } = {}): ChainClient & ChainLogReader {
  const chain = defineChain({ id: chainId, name: `eip155:${chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [] } } });
  const client = createPublicClient({ chain, transport: http(rpcUrl, { timeout: options.timeoutMs ?? 15_000, retryCount: options.retryCount ?? 1 }) }) as PublicClient;
  const notFound = (error: unknown, kind: typeof TransactionNotFoundError | typeof TransactionReceiptNotFoundError) =>
    error instanceof BaseError && error.walk((e) => e instanceof kind) !== null;
  return {
    estimateGas: (from, call) => client.estimateGas({ account: from, ...call }),
    call: async (call) => (await client.call(call)).data ?? "0x",
    estimateFeesPerGas: async () => {
      const fees = await client.estimateFeesPerGas();
      return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
    },
    transactionCount: (address, blockTag) => client.getTransactionCount({ address, blockTag }),
    sendRawTransaction: async (serializedTransaction) => {
      await client.sendRawTransaction({ serializedTransaction });
    },
    transactionKnown: async (hash) => {
      try {
        await client.getTransaction({ hash });
        return true;
      } catch (error) {
        if (notFound(error, TransactionNotFoundError)) return false;
        throw error;
      }
    },
    receipt: async (hash) => {
      try {
        const r = await client.getTransactionReceipt({ hash });
        return {
          hash: r.transactionHash,
          status: r.status,
          blockNumber: r.blockNumber.toString(),
          gasUsed: r.gasUsed.toString(),
          effectiveGasPrice: r.effectiveGasPrice.toString(),
          logs: r.logs.map((l) => ({ address: l.address, topics: [...l.topics], data: l.data })),
        };
      } catch (error) {
        if (notFound(error, TransactionReceiptNotFoundError)) return null;
        throw error;
      }
    },
    balance: (address) => client.getBalance({ address }),
    blockNumber: () => client.getBlockNumber({ cacheTime: 0 }),
    logs: async ({ address, topic0, fromBlock, toBlock }) => {
      const logs = await client.request({ method: "eth_getLogs", params: [{ address, topics: [topic0], fromBlock: toHex(fromBlock), toBlock: toHex(toBlock) }] });
      return logs.map((l) => ({ topics: l.topics as Hex[], data: l.data, blockNumber: BigInt(l.blockNumber ?? "0x0") }));
    },
  };
}

/** A node's error as one short line (viem's details, else its message), for logs and refusals. */
export function chainErrorText(error: unknown): string {
  if (error instanceof BaseError) return (error.details || error.shortMessage).slice(0, 300);
  return error instanceof Error ? error.message.slice(0, 300) : String(error);
}
