import { keccak256, parseTransaction, recoverTransactionAddress, type Address, type Hex } from "viem";
import type { ChainClient, FeesPerGas, MinedReceipt } from "../../../../worker/chain/chain-client.ts";

/** A transaction as the fake chain read it from the raw bytes it was sent (the calldata is never decoded). */
export interface FakeTx {
  hash: Hex;
  from: Address;
  to: Address;
  nonce: number;
  value: bigint;
  data: Hex;
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** What the node does with the next raw transaction it is sent (the default is `accept`). */
export type SendScript =
  /** Takes it and says so (it may still refuse it for the usual reasons: nonce too low, underpriced, known). */
  | { kind: "accept" }
  /** Takes it, but the answer is lost: the caller gets an error. */
  | { kind: "lose-answer" }
  /** Does not take it, and says so with an error. */
  | { kind: "refuse"; message?: string }
  /** From now on every call fails (until `unreachable` is set back to false); `took`: it had taken the transaction first. */
  | { kind: "unreachable"; took?: boolean };

export interface FakeExecution {
  status: "success" | "reverted";
  logs: MinedReceipt["logs"];
}

type Method = keyof ChainClient;

/** A node error, as a plain error: the relayer must never depend on its text beyond "revert". */
export class FakeNodeError extends Error {
  override readonly name = "FakeNodeError";
}

interface PoolTx extends FakeTx {
  parked: boolean;
}

/**
 * A small in-memory EVM node behind the ChainClient port: per-account nonces, a mempool (a transaction
 * with the same sender and nonce replaces one there only with both fees at least 10% higher), mined
 * transactions with receipts. It can be scripted: what happens to each raw transaction sent
 * (`scriptSends`), whether every call fails (`unreachable`), which transactions are parked for good
 * (`park`: never mined, and every later nonce of that account waits behind it, until a replacement
 * arrives), whether it mines on every accepted transaction (`automine`) or on `mine()`, what a
 * transaction does when mined (`execute`), what gas estimation says (`estimateGasFor`) and the fees.
 */
export class FakeChain implements ChainClient {
  automine = true;
  unreachable = false;
  fees: FeesPerGas = { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
  /** Throw to make estimation fail (e.g. a revert). */
  estimateGasFor: (from: Address, call: { to: Address; data: Hex; value?: bigint }) => bigint = () => 100_000n;
  execute: (tx: FakeTx) => FakeExecution = () => ({ status: "success", logs: [] });
  /** Whether a transaction the node takes is parked (held forever; a replacement takes its place). */
  park: (tx: FakeTx) => boolean = () => false;
  /** Awaited at the start of every call (e.g. a virtual-time sleep: a slow answer); null: none. */
  latency: ((method: Method, arg: unknown) => Promise<void> | undefined) | null = null;
  /** Called synchronously for every raw transaction sent, the moment sendRawTransaction is called (before anything else). */
  onSend: ((tx: Omit<FakeTx, "from">) => void) | null = null;

  /** Every raw transaction sent, in order, whatever became of it. */
  readonly sent: FakeTx[] = [];
  readonly calls: Record<Method, number> = {
    estimateGas: 0,
    call: 0,
    estimateFeesPerGas: 0,
    transactionCount: 0,
    sendRawTransaction: 0,
    transactionKnown: 0,
    receipt: 0,
    balance: 0,
  };
  blockNumber = 0;

  private readonly script: Array<{ when: (tx: FakeTx) => boolean; step: SendScript }> = [];
  private readonly minedNonces = new Map<Address, number>();
  private readonly pool = new Map<Hex, PoolTx>();
  private readonly receipts = new Map<Hex, MinedReceipt>();
  /** Hashes the node once held and dropped (replaced): it no longer knows them. */
  readonly dropped: Hex[] = [];

  /** What happens to the next raw transactions sent, one entry each. */
  scriptSends(...steps: SendScript[]): void {
    for (const step of steps) this.script.push({ when: () => true, step });
  }

  /** What happens to the next raw transaction sent that `when` picks (once). */
  scriptSend(when: (tx: FakeTx) => boolean, step: SendScript): void {
    this.script.push({ when, step });
  }

  /** Starts `address` with `count` transactions already mined. */
  seedNonce(address: Address, count: number): void {
    this.minedNonces.set(lower(address), count);
  }

  // ---- ChainClient ----

  async estimateGas(from: Address, call: { to: Address; data: Hex; value?: bigint }): Promise<bigint> {
    await this.ask("estimateGas", call);
    return this.estimateGasFor(from, call);
  }

  async call(_call: { to: Address; data: Hex }): Promise<Hex> {
    await this.ask("call", _call);
    return "0x";
  }

  async estimateFeesPerGas(): Promise<FeesPerGas> {
    await this.ask("estimateFeesPerGas", undefined);
    return { ...this.fees };
  }

  async transactionCount(address: Address, blockTag: "pending" | "latest"): Promise<number> {
    await this.ask("transactionCount", address);
    const mined = this.minedNonce(address);
    if (blockTag === "latest") return mined;
    // Like geth's pool: the next nonce after the run of consecutive ones it holds (parked ones count).
    let next = mined;
    while (this.poolTx(lower(address), next)) next++;
    return next;
  }

  async sendRawTransaction(serialized: Hex): Promise<void> {
    this.onSend?.(parseRaw(serialized));
    await this.ask("sendRawTransaction", serialized);
    const tx = await readTransaction(serialized);
    this.sent.push(tx);
    const index = this.script.findIndex((entry) => entry.when(tx));
    const step = index < 0 ? ({ kind: "accept" } as const) : this.script.splice(index, 1)[0]!.step;
    switch (step.kind) {
      case "accept":
        this.admit(tx);
        return;
      case "lose-answer":
        this.admit(tx);
        throw new FakeNodeError("socket hang up");
      case "refuse":
        throw new FakeNodeError(step.message ?? "connection reset by peer");
      case "unreachable":
        if (step.took) this.admit(tx);
        this.unreachable = true;
        throw new FakeNodeError("fetch failed: ECONNREFUSED");
    }
  }

  async transactionKnown(hash: Hex): Promise<boolean> {
    await this.ask("transactionKnown", hash);
    return this.pool.has(hash) || this.receipts.has(hash);
  }

  async receipt(hash: Hex): Promise<MinedReceipt | null> {
    await this.ask("receipt", hash);
    return this.receipts.get(hash) ?? null;
  }

  async balance(_address: Address): Promise<bigint> {
    await this.ask("balance", _address);
    return 10n ** 18n;
  }

  // ---- scripting and inspection ----

  /** Mines one block with every transaction that can run (consecutive nonces, none parked); returns them. */
  mine(): MinedReceipt[] {
    const block: MinedReceipt[] = [];
    const blockNumber = this.blockNumber + 1;
    for (let progress = true; progress; ) {
      progress = false;
      for (const tx of [...this.pool.values()]) {
        if (tx.parked || tx.nonce !== this.minedNonce(tx.from)) continue;
        this.pool.delete(tx.hash);
        this.minedNonces.set(tx.from, tx.nonce + 1);
        const { status, logs } = this.execute(tx);
        const receipt: MinedReceipt = {
          hash: tx.hash,
          status,
          blockNumber: String(blockNumber),
          gasUsed: tx.gas.toString(),
          effectiveGasPrice: tx.maxFeePerGas.toString(),
          logs,
        };
        this.receipts.set(tx.hash, receipt);
        block.push(receipt);
        progress = true;
      }
    }
    if (block.length > 0) this.blockNumber = blockNumber;
    return block;
  }

  /** Lets a parked transaction be mined (as anvil sometimes does after all). */
  release(hash: Hex): void {
    const tx = this.pool.get(hash);
    if (!tx) throw new Error(`release: ${hash} is not in the mempool`);
    tx.parked = false;
    if (this.automine) this.mine();
  }

  /** The transactions the node holds, unmined. */
  mempool(): FakeTx[] {
    return [...this.pool.values()].map(({ parked: _parked, ...tx }) => tx);
  }

  minedNonce(address: Address): number {
    return this.minedNonces.get(lower(address)) ?? 0;
  }

  /** The raw transactions sent with `nonce` (the first, its replacements, a gap filler). */
  sentWithNonce(nonce: number): FakeTx[] {
    return this.sent.filter((tx) => tx.nonce === nonce);
  }

  private admit(tx: FakeTx): void {
    if (this.pool.has(tx.hash) || this.receipts.has(tx.hash)) throw new FakeNodeError("already known");
    if (tx.nonce < this.minedNonce(tx.from)) throw new FakeNodeError("nonce too low");
    const current = this.poolTx(tx.from, tx.nonce);
    if (current) {
      const enough = (fresh: bigint, old: bigint) => fresh * 10n >= old * 11n;
      if (!enough(tx.maxFeePerGas, current.maxFeePerGas) || !enough(tx.maxPriorityFeePerGas, current.maxPriorityFeePerGas)) {
        throw new FakeNodeError("replacement transaction underpriced");
      }
      this.pool.delete(current.hash);
      this.dropped.push(current.hash);
    }
    this.pool.set(tx.hash, { ...tx, parked: this.park(tx) });
    if (this.automine) this.mine();
  }

  private poolTx(from: Address, nonce: number): PoolTx | undefined {
    for (const tx of this.pool.values()) if (tx.from === from && tx.nonce === nonce) return tx;
    return undefined;
  }

  private async ask(method: Method, arg: unknown): Promise<void> {
    this.calls[method]++;
    await this.latency?.(method, arg);
    if (this.unreachable) throw new FakeNodeError(`fetch failed: ECONNREFUSED (${method})`);
  }
}

/** Nonce, fees and recipient of a signed EIP-1559 transaction; its hash is keccak256 of the bytes. */
export function parseRaw(serialized: Hex): Omit<FakeTx, "from"> {
  const parsed = parseTransaction(serialized);
  if (parsed.type !== "eip1559") throw new FakeNodeError(`unsupported transaction type ${parsed.type}`);
  return {
    hash: keccak256(serialized),
    to: lower(parsed.to ?? "0x"),
    nonce: parsed.nonce ?? 0,
    value: parsed.value ?? 0n,
    data: parsed.data ?? "0x",
    gas: parsed.gas ?? 0n,
    maxFeePerGas: parsed.maxFeePerGas ?? 0n,
    maxPriorityFeePerGas: parsed.maxPriorityFeePerGas ?? 0n,
  };
}

/** The transaction with its sender, recovered from the signature. */
export async function readTransaction(serialized: Hex): Promise<FakeTx> {
  const from = lower(await recoverTransactionAddress({ serializedTransaction: serialized as `0x02${string}` }));
  return { ...parseRaw(serialized), from };
}

function lower(address: Address): Address {
  return address.toLowerCase() as Address;
}
