import { DurableObject } from "cloudflare:workers";
import { eip3009ABI } from "@x402/evm";
import {
  BaseError,
  createPublicClient,
  defineChain,
  encodeFunctionData,
  http,
  isAddressEqual,
  keccak256,
  parseEventLogs,
  parseSignature,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Address,
  type Hex,
  type Log,
  type PublicClient,
} from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { ledgerOf } from "../../app-context.ts";
import { edgeConfigFor } from "../../config/edge-config.ts";
import { nonceKeyText, type RecoveredPayment } from "../payment-ledger.ts";
import { PaymentReason } from "../reasons.ts";
import type { Authorization } from "../wire.ts";
import type { SettleOutcome } from "./facilitator.ts";
import { reasonForRevert } from "./revert-reasons.ts";
import { TransferJournal, type JournaledTransfer } from "./transfer-journal.ts";

export type RelayPreflight =
  | { ok: true; balance: string | null }
  | { ok: false; reason: string; message: string; definitive: boolean };

export interface RelayRequest {
  asset: Address;
  authorization: Authorization;
  signature: Hex;
}

/**
 * Gas for transferWithAuthorization with an ECDSA signature (70–90k measured on FiatTokenV2_2).
 * Settling with a fixed limit skips a gas-estimation round trip: the simulation already ran in
 * preflight, alongside the job. Contract-wallet signatures are estimated, their cost varies.
 */
const EOA_TRANSFER_GAS = 150_000n;
const RECEIPT_TIMEOUT_MS = 60_000;
/** Receipt polls back off from 25 ms (a local chain mines at once) to 1 s (Base mines every 2 s). */
const RECEIPT_POLL_START_MS = 25;
const RECEIPT_POLL_MAX_MS = 1_000;
/** Fee estimates are reused this long: one fewer round trip per settlement, at 2× base-fee headroom. */
const FEE_CACHE_MS = 5_000;
/**
 * A transfer the node took but has not mined after this long is sent again with the same nonce and
 * fees raised by a quarter (above the 10% a replacement needs): a node can drop a transaction or, as
 * anvil does when a transaction arrives while the one before it is being mined, park it for good —
 * and every later nonce waits behind it. At most a few times, so fees stay bounded (×1.95).
 */
const RESEND_AFTER_MS = 6_000;
const MAX_RESENDS = 3;
/** Journaled transfers are looked at again this long after they were sent (past any receipt wait). */
const SWEEP_AFTER_MS = RECEIPT_TIMEOUT_MS + 15_000;
/** A settled transfer is left this long to its paid call to record, before the sweep makes sure. */
const SETTLED_GRACE_MS = 60_000;

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

/**
 * The embedded facilitator's transaction sender: submits `transferWithAuthorization` with the relayer
 * key (a secret) and pays the gas. One object per network, because the relayer's account nonce must
 * be handed out by exactly one place: concurrent settlements from many Worker isolates would
 * otherwise race for the same nonce.
 *
 * Nonces are allocated synchronously right before signing, only after gas estimation succeeded (a
 * reverting transfer is never broadcast and never consumes a nonce). A transfer that did not reach
 * the node resynchronises the nonce from the chain or, when later nonces are already out, has its
 * nonce used by a zero-value transaction so the later transfers are not stuck behind the gap. One
 * the node took but does not mine (dropped, or parked for good as anvil does under load) is sent
 * again with the same nonce and higher fees, for the same reason.
 *
 * Every transfer is journaled (transfer-journal.ts) before it is sent. A send error is checked
 * against the chain before the payment is released (the node may have taken the transaction), and an
 * alarm sweep puts any transfer that moved money without being recorded (its paid call, or this
 * object, stopped mid-settlement; the receipt came too late) into the ledger.
 */
export class Relayer extends DurableObject<Env> {
  private clients: { public: PublicClient; account: PrivateKeyAccount; chainId: number } | null = null;
  private nextNonce: number | null = null;
  private nonceSync: Promise<number> | null = null;
  private fees: { at: number; value: Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> } | null = null;
  private readonly journal: TransferJournal;
  /** Transfers a settle() call of this instance is still seeing through (the sweep leaves them alone). */
  private readonly settling = new Set<Hex>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.journal = new TransferJournal(ctx.storage.sql);
    // A fresh instance is settling nothing: whatever the journal holds was left by one that stopped
    // (restart, deploy, crash) and is looked at now rather than at the sweep it had planned.
    if (!this.journal.isEmpty) void ctx.storage.setAlarm(Date.now()).catch(() => {});
  }

  /**
   * Simulates the transfer from the relayer (what settle will send) and reads the payer's balance,
   * in parallel. A revert is definitive; an RPC failure is not (settlement will find out).
   */
  async preflight(request: RelayRequest): Promise<RelayPreflight> {
    const clients = this.getClients();
    if (!clients.ok) return { ok: false, reason: PaymentReason.unexpectedSettleError, message: clients.message, definitive: false };
    const { public: publicClient, account } = clients;
    const data = transferCalldata(request.authorization, request.signature);
    const [simulation, balance] = await Promise.allSettled([
      publicClient.estimateGas({ account, to: request.asset, data }),
      publicClient.readContract({ address: request.asset, abi: eip3009ABI, functionName: "balanceOf", args: [request.authorization.from as Address] }),
    ]);
    if (simulation.status === "rejected") {
      const message = errorText(simulation.reason);
      const reason = reasonForRevert(message);
      return { ok: false, reason, message, definitive: reason !== PaymentReason.transactionFailed || /revert/i.test(message) };
    }
    return { ok: true, balance: balance.status === "fulfilled" ? balance.value.toString() : null };
  }

  async settle(request: RelayRequest): Promise<SettleOutcome> {
    const clients = this.getClients();
    if (!clients.ok) return { success: false, reason: PaymentReason.unexpectedSettleError, message: clients.message, outcomeUnknown: false, transaction: null };
    const { public: publicClient, account, chainId } = clients;
    const data = transferCalldata(request.authorization, request.signature);

    let gas = EOA_TRANSFER_GAS;
    if (request.signature.length !== 132) {
      try {
        gas = ((await publicClient.estimateGas({ account, to: request.asset, data })) * 12n) / 10n;
      } catch (error) {
        const message = errorText(error);
        return { success: false, reason: reasonForRevert(message), message, outcomeUnknown: false, transaction: null };
      }
    }

    let serializedTransaction: Hex;
    let transaction: UnsignedTransfer;
    try {
      const fees = await this.feesPerGas(publicClient);
      const nonce = await this.allocateNonce(publicClient, account.address);
      transaction = { to: request.asset, data, gas, nonce, ...fees };
      // Signed here with every field set, so sending is exactly one eth_sendRawTransaction.
      serializedTransaction = await account.signTransaction({ type: "eip1559", chainId, ...transaction });
    } catch (error) {
      this.nextNonce = null;
      return { success: false, reason: PaymentReason.unexpectedSettleError, message: `relayer could not prepare the transfer: ${errorText(error)}`, outcomeUnknown: false, transaction: null };
    }
    // The hash is known before sending: whatever the node answers, the transfer can be looked up.
    const hash = keccak256(serializedTransaction);
    // Journaled, with a sweep planned, before it leaves: storage writes are durable before any further
    // output of this object, so no transfer reaches the chain without a trace here.
    this.journal.sent(hash, request.asset, request.authorization, Date.now());
    this.settling.add(hash);
    // The hashes sent for this transfer's nonce (the first, then any replacement): exactly one can land.
    const hashes: Hex[] = [hash];
    try {
      await this.scheduleSweep(Date.now() + SWEEP_AFTER_MS);
      const outcome = await this.sendAndConfirm(clients, request, { serializedTransaction, hash, transaction, hashes });
      if (outcome.success) {
        this.journal.settled(outcome.transaction, Date.now());
        this.journal.forget(hashes.filter((h) => h !== outcome.transaction));
      }
      // A reverted transfer is final (and used the nonce its replacements shared). Any other failure
      // stays journaled: should the transfer land after all (a node that took it and said
      // otherwise), the sweep still finds it.
      else if (outcome.reason === PaymentReason.transactionFailed && outcome.transaction !== null && hashes.includes(outcome.transaction)) this.journal.forget(hashes);
      return outcome;
    } finally {
      for (const h of hashes) this.settling.delete(h);
    }
  }

  /** Sends the signed transfer and waits for its outcome. */
  private async sendAndConfirm(
    { public: publicClient, account, chainId }: { public: PublicClient; account: PrivateKeyAccount; chainId: number },
    request: RelayRequest,
    { serializedTransaction, hash, transaction, hashes }: { serializedTransaction: Hex; hash: Hex; transaction: UnsignedTransfer; hashes: Hex[] },
  ): Promise<SettleOutcome> {
    const { nonce } = transaction;
    try {
      await publicClient.sendRawTransaction({ serializedTransaction });
    } catch (error) {
      const message = errorText(error);
      // An error is not proof that nothing was sent: the node may have taken the transaction and its
      // answer been lost (a timeout, a dropped connection). Ask it before releasing the payment.
      const sent = await transactionKnown(publicClient, hash);
      if (sent === false) {
        // Later transfers may be out already with the nonces after this one, and the chain runs none
        // of them until this nonce is used: use it now, rather than leave them to time out.
        const laterOut = this.nextNonce !== null && this.nextNonce > nonce + 1;
        if (!laterOut || !(await this.fillNonceGap(publicClient, account, chainId, nonce))) this.nextNonce = null;
        const reason = /revert/i.test(message) ? reasonForRevert(message) : PaymentReason.unexpectedSettleError;
        return { success: false, reason, message: `relayer could not send the transfer: ${message}`, outcomeUnknown: false, transaction: null };
      }
      if (sent === null) this.nextNonce = null;
      if (sent === null) {
        return { success: false, reason: PaymentReason.settlementPending, message: `cannot tell whether transfer ${hash} reached the chain: ${message}`, outcomeUnknown: true, transaction: hash };
      }
      // The node has it after all: wait for its receipt like any other.
    }

    let resends = 0;
    let fees = { maxFeePerGas: transaction.maxFeePerGas, maxPriorityFeePerGas: transaction.maxPriorityFeePerGas };
    const receipt = await pollReceipt(publicClient, hashes, async () => {
      if (resends >= MAX_RESENDS) return;
      resends++;
      fees = { maxFeePerGas: bump(fees.maxFeePerGas), maxPriorityFeePerGas: bump(fees.maxPriorityFeePerGas) };
      const replacement = await account.signTransaction({ type: "eip1559", chainId, ...transaction, ...fees });
      const replacementHash = keccak256(replacement);
      // Journaled before it leaves, like the first: whichever of them lands is found by the sweep.
      this.journal.sent(replacementHash, request.asset, request.authorization, Date.now());
      this.settling.add(replacementHash);
      hashes.push(replacementHash);
      // "nonce too low" (the first one was just mined), "already known", "underpriced": the receipts
      // of every hash sent are watched either way.
      await publicClient.sendRawTransaction({ serializedTransaction: replacement }).catch(() => {});
    });
    if (!receipt) {
      return { success: false, reason: PaymentReason.settlementPending, message: `no receipt for ${hashes.join(", ")} after ${RECEIPT_TIMEOUT_MS} ms`, outcomeUnknown: true, transaction: hash };
    }
    const landed = receipt.transactionHash;
    if (receipt.status !== "success") {
      // A reverted transfer moved nothing and left the authorization unused: nothing was charged.
      return { success: false, reason: PaymentReason.transactionFailed, message: `transfer ${landed} reverted`, outcomeUnknown: false, transaction: landed };
    }
    const { from, to, value } = request.authorization;
    if (!movedMoney(receipt.logs, { asset: request.asset, payer: from as Address, payee: to as Address, amount: value })) {
      return { success: false, reason: "invalid_exact_evm_transfer_event_mismatch", message: `transfer ${landed} has no matching Transfer event`, outcomeUnknown: true, transaction: landed };
    }
    return { success: true, transaction: landed, payer: from as Address };
  }

  /** Uses `nonce` with a zero-value transaction to the relayer itself; false if that could not be sent either. */
  private async fillNonceGap(client: PublicClient, account: PrivateKeyAccount, chainId: number, nonce: number): Promise<boolean> {
    try {
      const fees = await this.feesPerGas(client);
      const serializedTransaction = await account.signTransaction({ type: "eip1559", chainId, to: account.address, value: 0n, gas: 21_000n, nonce, ...fees });
      await client.sendRawTransaction({ serializedTransaction });
      return true;
    } catch {
      return false;
    }
  }

  private feesPerGas(client: PublicClient) {
    if (!this.fees || Date.now() - this.fees.at > FEE_CACHE_MS) {
      const value = client.estimateFeesPerGas();
      this.fees = { at: Date.now(), value };
      value.catch(() => (this.fees = null));
    }
    return this.fees.value;
  }

  private async allocateNonce(client: PublicClient, address: Address): Promise<number> {
    if (this.nextNonce === null) {
      this.nonceSync ??= client.getTransactionCount({ address, blockTag: "pending" }).finally(() => {
        this.nonceSync = null;
      });
      const synced = await this.nonceSync;
      this.nextNonce ??= synced;
    }
    return this.nextNonce++;
  }

  /**
   * The sweep: every journaled transfer no settle() of this instance is seeing through is checked on
   * chain. Those that moved the money go into the ledger (a no-op for those the paid call recorded);
   * those that never will are forgotten; the rest wait for the next sweep.
   */
  override async alarm(): Promise<void> {
    const clients = this.getClients();
    const config = edgeConfigFor(this.env);
    if (!clients.ok || !config.ok) return;
    const now = Date.now();
    const recovered: JournaledTransfer[] = [];
    const dead: Hex[] = [];
    for (const transfer of this.journal.all()) {
      if (this.settling.has(transfer.txHash)) continue;
      if (transfer.state === "settled") {
        if (now - transfer.updatedAt >= SETTLED_GRACE_MS) recovered.push(transfer);
        continue;
      }
      const receipt = await clients.public.getTransactionReceipt({ hash: transfer.txHash }).catch((error: unknown) =>
        error instanceof BaseError && error.walk((e) => e instanceof TransactionReceiptNotFoundError) ? null : undefined,
      );
      if (receipt === undefined) continue; // the chain cannot be asked now
      if (receipt === null) {
        // Not mined. Once its authorization has expired (with a minute's slack) it can no longer move money.
        if (transfer.validBefore * 1000 + 60_000 < now) dead.push(transfer.txHash);
        continue;
      }
      if (receipt.status === "success" && movedMoney(receipt.logs, { asset: transfer.asset, payer: transfer.payer, payee: transfer.payee, amount: transfer.amount })) {
        recovered.push(transfer);
      } else {
        dead.push(transfer.txHash);
      }
    }
    if (recovered.length > 0) {
      const { payment } = config.config;
      await ledgerOf(this.env).recordRecovered(
        recovered.map((t): RecoveredPayment => ({
          nonceKey: nonceKeyText({ chainId: payment.chainId, asset: t.asset, payer: t.payer, nonce: t.nonce }),
          network: payment.network,
          payer: t.payer,
          payTo: t.payee,
          asset: t.asset,
          amount: t.amount,
          txHash: t.txHash,
          validBefore: t.validBefore,
        })),
      );
    }
    this.journal.forget([...dead, ...recovered.map((t) => t.txHash)]);
    if (!this.journal.isEmpty) await this.scheduleSweep(now + SWEEP_AFTER_MS);
  }

  private async scheduleSweep(at: number) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private getClients(): { ok: true; public: PublicClient; account: PrivateKeyAccount; chainId: number } | { ok: false; message: string } {
    if (this.clients) return { ok: true, ...this.clients };
    const parsed = edgeConfigFor(this.env);
    if (!parsed.ok) return { ok: false, message: `edge is misconfigured: ${parsed.problems.join("; ")}` };
    const { facilitator, payment } = parsed.config;
    if (facilitator.kind !== "embedded") return { ok: false, message: "the relayer is only used with FACILITATOR=embedded" };
    const transport = http(facilitator.rpcUrl, { timeout: 15_000, retryCount: 1 });
    const chain = chainFor(payment.chainId);
    this.clients = {
      public: createPublicClient({ chain, transport }) as PublicClient,
      account: privateKeyToAccount(facilitator.relayerKey),
      chainId: payment.chainId,
    };
    return { ok: true, ...this.clients };
  }
}

/** Whether the node knows the transaction (pending or mined); null when it cannot be asked. */
async function transactionKnown(client: PublicClient, hash: Hex): Promise<boolean | null> {
  try {
    await client.getTransaction({ hash });
    return true;
  } catch (error) {
    return error instanceof BaseError && error.walk((e) => e instanceof TransactionNotFoundError) ? false : null;
  }
}

/** A transfer's transaction fields, kept so that it can be signed again with higher fees. */
interface UnsignedTransfer {
  to: Address;
  data: Hex;
  gas: bigint;
  nonce: number;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** +25% and a wei: above the 10% a node asks of a replacement, even for tiny fees. */
function bump(fee: bigint): bigint {
  return (fee * 5n) / 4n + 1n;
}

/**
 * Polls for the receipt of any of `hashes` directly (viem's watcher waits for a new block number
 * first); `onStall` runs each time RESEND_AFTER_MS pass without one (it may add a hash).
 */
async function pollReceipt(client: PublicClient, hashes: Hex[], onStall: () => Promise<void>) {
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
  let stallAt = Date.now() + RESEND_AFTER_MS;
  let delay = RECEIPT_POLL_START_MS;
  while (Date.now() < deadline) {
    for (const hash of [...hashes]) {
      const receipt = await client.getTransactionReceipt({ hash }).catch(() => null);
      if (receipt) return receipt;
    }
    if (Date.now() >= stallAt) {
      await onStall().catch(() => {});
      stallAt = Date.now() + RESEND_AFTER_MS;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, RECEIPT_POLL_MAX_MS);
  }
  return null;
}

/** Whether the receipt's logs hold the token Transfer the authorization promised. */
function movedMoney(logs: Log[], expected: { asset: Address; payer: Address; payee: Address; amount: string }): boolean {
  return parseEventLogs({ abi: transferEventAbi, logs, eventName: "Transfer" }).some(
    (log) =>
      isAddressEqual(log.address, expected.asset) &&
      isAddressEqual(log.args.from, expected.payer) &&
      isAddressEqual(log.args.to, expected.payee) &&
      log.args.value === BigInt(expected.amount),
  );
}

function transferCalldata(a: Authorization, signature: Hex): Hex {
  const args = [a.from as Address, a.to as Address, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce as Hex] as const;
  if (signature.length === 132) {
    const { v, r, s, yParity } = parseSignature(signature);
    return encodeFunctionData({
      abi: eip3009ABI,
      functionName: "transferWithAuthorization",
      args: [...args, Number(v ?? BigInt(yParity + 27)), r, s],
    });
  }
  // Contract wallets (ERC-1271): FiatTokenV2_2's bytes-signature overload.
  return encodeFunctionData({ abi: eip3009ABI, functionName: "transferWithAuthorization", args: [...args, signature] });
}

/** A minimal chain for viem: the id is all it needs (every transaction field is set explicitly). */
function chainFor(id: number) {
  return defineChain({ id, name: `eip155:${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [] } } });
}

function errorText(error: unknown): string {
  if (error instanceof BaseError) return (error.details || error.shortMessage).slice(0, 300);
  return error instanceof Error ? error.message.slice(0, 300) : String(error);
}
