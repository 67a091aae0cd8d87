import { keccak256, type Address, type Hex, type TransactionSerializableEIP1559 } from "viem";
import { chainErrorText, type ChainClient, type ContractCall, type FeesPerGas, type MinedReceipt } from "../chain-client.ts";
import type { JournaledTx, TxJournal } from "./tx-journal.ts";

/** What signs the relayer's transactions: a viem local account fits. */
export interface RelayerSigner {
  readonly address: Address;
  signTransaction(transaction: TransactionSerializableEIP1559): Promise<Hex>;
}

export interface RelayerTiming {
  /** How long send() waits for a receipt before calling the outcome unknown. */
  receiptTimeoutMs: number;
  /** Receipt polls back off from this (a local chain mines at once) … */
  pollStartMs: number;
  /** … to this (Base mines every 2 s). */
  pollMaxMs: number;
  /**
   * A transaction the node took but has not mined after this long is sent again with the same nonce
   * and fees raised by a quarter: a node can drop a transaction or, as anvil does when one arrives
   * while the one before it is being mined, park it for good — and every later nonce waits behind it.
   */
  resendAfterMs: number;
  /** At most this many replacements, so fees stay bounded (×1.95 after three). */
  maxResends: number;
  /** Fee estimates are reused this long: one fewer round trip per send, at 2× base-fee headroom. */
  feeCacheMs: number;
  /** An acknowledged transaction is left this long to its caller to record, before the sweep hands it on anyway. */
  acknowledgedGraceMs: number;
  /** An unmined transaction is given up this long after its `expiresAt` (clock slack). */
  expirySlackMs: number;
}

export const DEFAULT_RELAYER_TIMING: RelayerTiming = {
  receiptTimeoutMs: 60_000,
  pollStartMs: 25,
  pollMaxMs: 1_000,
  resendAfterMs: 6_000,
  maxResends: 3,
  feeCacheMs: 5_000,
  acknowledgedGraceMs: 60_000,
  expirySlackMs: 60_000,
};

export interface RelayerOptions {
  client: ChainClient;
  signer: RelayerSigner;
  chainId: number;
  journal: TxJournal;
  timing?: Partial<RelayerTiming>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a sender asks the relayer for: the call, and what to remember about it should it land unobserved. */
export interface SendRequest {
  call: ContractCall;
  /** Kept in the journal with the transaction and handed back by the sweep; JSON. */
  memo?: unknown;
  /** Unix ms after which the transaction can no longer land with effect; null or absent: never. */
  expiresAt?: number | null;
}

export type SendOutcome =
  /** Mined: `receipt.status` says whether it succeeded or reverted (a revert used the nonce, moved nothing). */
  | { status: "mined"; receipt: MinedReceipt }
  /** Nothing reached the chain: the node refused it (`reverted`: the call itself reverts) or could not be reached. */
  | { status: "not_sent"; message: string; reverted: boolean }
  /** It may still land (the node took it and no receipt came, or the node could not say): never send it again blindly. */
  | { status: "unknown"; hash: Hex; message: string };

export type Simulation = { ok: true; gas: bigint } | { ok: false; message: string };

/** A journaled transaction that landed (success) while nobody was waiting for it, with its memo. */
export interface LandedTx {
  hash: Hex;
  memo: unknown;
  receipt: MinedReceipt;
}

/**
 * The relayer: sends any contract call from one account and pays its gas. One instance per network
 * and account (a Durable Object), because the account's nonce must be handed out by exactly one
 * place: concurrent senders would otherwise race for the same nonce.
 *
 * Nonces are allocated synchronously right before signing, only after gas is known (a call that
 * reverts in estimation is never broadcast and never consumes a nonce). A transaction that did not
 * reach the node resynchronises the nonce from the chain or, when later nonces are already out, has
 * its nonce used by a zero-value transaction so the later ones are not stuck behind the gap. One the
 * node took but does not mine is sent again with the same nonce and higher fees, for the same reason.
 *
 * Every transaction is journaled before it leaves. A send error is checked against the node before it
 * is called "not sent" (the node may have taken it and the answer been lost), and the sweep hands on
 * every journaled transaction that landed without its sender having seen it.
 */
export class RelayerCore {
  private readonly client: ChainClient;
  private readonly signer: RelayerSigner;
  private readonly chainId: number;
  private readonly journal: TxJournal;
  private readonly timing: RelayerTiming;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private nextNonce: number | null = null;
  private nonceSync: Promise<number> | null = null;
  private fees: { at: number; value: Promise<FeesPerGas> } | null = null;
  /** Transactions a send() of this instance is still seeing through (the sweep leaves them alone). */
  private readonly inFlight = new Set<Hex>();

  constructor(options: RelayerOptions) {
    this.client = options.client;
    this.signer = options.signer;
    this.chainId = options.chainId;
    this.journal = options.journal;
    this.timing = { ...DEFAULT_RELAYER_TIMING, ...options.timing };
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get address(): Address {
    return this.signer.address;
  }

  /** The relayer account's gas balance and the fee a transaction would pay per gas now (cached like sends), in wei. */
  async gasState(): Promise<{ balance: bigint; maxFeePerGas: bigint }> {
    const [balance, fees] = await Promise.all([this.client.balance(this.signer.address), this.feesPerGas()]);
    return { balance, maxFeePerGas: fees.maxFeePerGas };
  }

  /** Whether the call would succeed if the relayer sent it now (gas estimation from the relayer's account). */
  async simulate(call: { to: Address; data: Hex }): Promise<Simulation> {
    try {
      return { ok: true, gas: await this.client.estimateGas(this.signer.address, call) };
    } catch (error) {
      return { ok: false, message: chainErrorText(error) };
    }
  }

  /** Read-only calls (eth_call); null for one that failed. */
  read(calls: ReadonlyArray<{ to: Address; data: Hex }>): Promise<Array<Hex | null>> {
    return Promise.all(calls.map((call) => this.client.call(call).catch(() => null)));
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    const { call } = request;
    let gas = call.gas;
    if (gas === null) {
      const simulated = await this.simulate(call);
      if (!simulated.ok) return { status: "not_sent", message: simulated.message, reverted: /revert/i.test(simulated.message) };
      gas = (simulated.gas * 12n) / 10n;
    }

    let transaction: TransactionSerializableEIP1559;
    let serialized: Hex;
    try {
      const fees = await this.feesPerGas();
      const nonce = await this.allocateNonce();
      transaction = { type: "eip1559", chainId: this.chainId, to: call.to, data: call.data, gas, nonce, ...fees };
      // Signed with every field set, so sending is exactly one eth_sendRawTransaction.
      serialized = await this.signer.signTransaction(transaction);
    } catch (error) {
      this.nextNonce = null;
      return { status: "not_sent", message: `relayer could not prepare the transaction: ${chainErrorText(error)}`, reverted: false };
    }
    // The hash is known before sending: whatever the node answers, the transaction can be looked up.
    const hash = keccak256(serialized);
    const journaled = { nonce: transaction.nonce!, memo: request.memo ?? null, expiresAt: request.expiresAt ?? null };
    this.journal.sent({ hash, ...journaled }, this.now());
    // Every hash sent for this nonce (the first, then any replacement): at most one can land.
    const hashes: Hex[] = [hash];
    this.inFlight.add(hash);
    try {
      const outcome = await this.sendAndConfirm(transaction, serialized, hashes, journaled);
      if (outcome.status === "mined") {
        const landed = outcome.receipt.hash;
        const others = hashes.filter((h) => h !== landed);
        // A revert is final and moved nothing; a success is acknowledged (its caller records it).
        if (outcome.receipt.status === "success") this.journal.acknowledged(landed, this.now());
        this.journal.forget(outcome.receipt.status === "success" ? others : hashes);
      }
      // Anything else stays journaled: should it land after all, the sweep finds it.
      return outcome;
    } finally {
      for (const h of hashes) this.inFlight.delete(h);
    }
  }

  private async sendAndConfirm(
    transaction: TransactionSerializableEIP1559,
    serialized: Hex,
    hashes: Hex[],
    journaled: { nonce: number; memo: unknown; expiresAt: number | null },
  ): Promise<SendOutcome> {
    const hash = hashes[0]!;
    const nonce = transaction.nonce!;
    try {
      await this.client.sendRawTransaction(serialized);
    } catch (error) {
      const message = chainErrorText(error);
      // An error is not proof that nothing was sent: ask the node before calling it "not sent".
      const known = await this.client.transactionKnown(hash).catch(() => null);
      if (known === false) {
        // Later transactions may be out already with the nonces after this one, and the chain runs
        // none of them until this nonce is used: use it now, rather than leave them to time out.
        const laterOut = this.nextNonce !== null && this.nextNonce > nonce + 1;
        if (!laterOut || !(await this.fillNonceGap(nonce))) this.nextNonce = null;
        return { status: "not_sent", message: `relayer could not send the transaction: ${message}`, reverted: /revert/i.test(message) };
      }
      if (known === null) {
        this.nextNonce = null;
        return { status: "unknown", hash, message: `cannot tell whether transaction ${hash} reached the chain: ${message}` };
      }
      // The node has it after all: wait for its receipt like any other.
    }

    let resends = 0;
    let fees = { maxFeePerGas: transaction.maxFeePerGas!, maxPriorityFeePerGas: transaction.maxPriorityFeePerGas! };
    const receipt = await this.pollReceipt(hashes, async () => {
      if (resends >= this.timing.maxResends) return;
      resends++;
      fees = { maxFeePerGas: bump(fees.maxFeePerGas), maxPriorityFeePerGas: bump(fees.maxPriorityFeePerGas) };
      const replacement = await this.signer.signTransaction({ ...transaction, ...fees });
      const replacementHash = keccak256(replacement);
      // Journaled before it leaves, like the first: whichever of them lands is found by the sweep.
      this.journal.sent({ hash: replacementHash, ...journaled }, this.now());
      this.inFlight.add(replacementHash);
      hashes.push(replacementHash);
      // "nonce too low" (the first was just mined), "already known", "underpriced": every hash's receipt is watched either way.
      await this.client.sendRawTransaction(replacement).catch(() => {});
    });
    if (!receipt) return { status: "unknown", hash, message: `no receipt for ${hashes.join(", ")} after ${this.timing.receiptTimeoutMs} ms` };
    return { status: "mined", receipt };
  }

  /** Uses `nonce` with a zero-value transaction to the relayer itself; false if that could not be sent either. */
  private async fillNonceGap(nonce: number): Promise<boolean> {
    try {
      const fees = await this.feesPerGas();
      const serialized = await this.signer.signTransaction({ type: "eip1559", chainId: this.chainId, to: this.signer.address, value: 0n, gas: 21_000n, nonce, ...fees });
      await this.client.sendRawTransaction(serialized);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Polls for the receipt of any of `hashes` directly (a block watcher would wait for the next block
   * first); `onStall` runs each time `resendAfterMs` pass without one (it may add a hash).
   */
  private async pollReceipt(hashes: Hex[], onStall: () => Promise<void>): Promise<MinedReceipt | null> {
    const deadline = this.now() + this.timing.receiptTimeoutMs;
    let stallAt = this.now() + this.timing.resendAfterMs;
    let delay = this.timing.pollStartMs;
    while (this.now() < deadline) {
      for (const hash of [...hashes]) {
        const receipt = await this.client.receipt(hash).catch(() => null);
        if (receipt) return receipt;
      }
      if (this.now() >= stallAt) {
        await onStall().catch(() => {});
        stallAt = this.now() + this.timing.resendAfterMs;
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.timing.pollMaxMs);
    }
    return null;
  }

  private feesPerGas(): Promise<FeesPerGas> {
    if (!this.fees || this.now() - this.fees.at > this.timing.feeCacheMs) {
      const value = this.client.estimateFeesPerGas();
      this.fees = { at: this.now(), value };
      value.catch(() => (this.fees = null));
    }
    return this.fees.value;
  }

  private async allocateNonce(): Promise<number> {
    if (this.nextNonce === null) {
      this.nonceSync ??= this.client.transactionCount(this.signer.address, "pending").finally(() => {
        this.nonceSync = null;
      });
      const synced = await this.nonceSync;
      this.nextNonce ??= synced;
    }
    return this.nextNonce++;
  }

  /**
   * Looks at every journaled transaction no send() of this instance is seeing through. Those that
   * landed (and acknowledged ones past their grace time) go to `onLanded`, then leave the journal
   * once it returned; those that can never land are forgotten (reverted, their nonce taken by
   * another mined transaction, or expired); the rest wait for the next sweep. Returns whether any
   * remain. A chain that cannot be asked leaves everything for later.
   */
  async sweep(onLanded: (landed: LandedTx[]) => Promise<void>): Promise<{ remaining: boolean }> {
    const now = this.now();
    const landed: LandedTx[] = [];
    const dead: Hex[] = [];
    // Read before any receipt: a nonce below it was mined before the receipt was asked for, so an
    // entry with that nonce and no receipt lost its nonce to another transaction.
    const entries = this.journal.all();
    // The entries are a snapshot: one a send() was seeing through when it was taken may have been
    // acknowledged or forgotten since (while this awaited the node), so it is left to the next sweep.
    const busy = new Set(this.inFlight);
    const minedCount = entries.length === 0 ? null : await this.client.transactionCount(this.signer.address, "latest").catch(() => null);
    for (const entry of entries) {
      if (busy.has(entry.hash) || this.inFlight.has(entry.hash)) continue;
      if (entry.state === "acknowledged" && now - entry.updatedAt < this.timing.acknowledgedGraceMs) continue;
      const receipt = await this.client.receipt(entry.hash).catch(() => undefined);
      if (receipt === undefined) continue; // the chain cannot be asked now
      if (receipt === null) {
        if (this.cannotLand(entry, now, minedCount)) dead.push(entry.hash);
        continue;
      }
      if (receipt.status === "success") landed.push({ hash: entry.hash, memo: entry.memo, receipt });
      else dead.push(entry.hash);
    }
    if (landed.length > 0) await onLanded(landed);
    this.journal.forget([...dead, ...landed.map((t) => t.hash)]);
    return { remaining: !this.journal.isEmpty };
  }

  private cannotLand(entry: JournaledTx, now: number, minedCount: number | null): boolean {
    if (minedCount !== null && entry.nonce < minedCount) return true;
    return entry.expiresAt !== null && entry.expiresAt + this.timing.expirySlackMs < now;
  }
}

/** +25% and a wei: above the 10% a node asks of a replacement, even for tiny fees. */
function bump(fee: bigint): bigint {
  return (fee * 5n) / 4n + 1n;
}
