import { DurableObject } from "cloudflare:workers";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { rpcChainClient } from "../chain-client.ts";
import { RelayerCore, DEFAULT_RELAYER_TIMING, type LandedTx, type SendOutcome } from "./relayer-core.ts";
import type { RelayCall, RelayerPort, RelayPreflight } from "./relayer-port.ts";
import { SqlTxJournal } from "./sql-tx-journal.ts";
import { GasBook } from "./gas-book.ts";

export type { RelayCall, RelayPreflight } from "./relayer-port.ts";

/** Where and as whom the relayer sends: a network's RPC and the relayer key (a secret). */
export interface RelayerSettings {
  rpcUrl: string;
  relayerKey: Hex;
  chainId: number;
}

export interface RelayerStatus {
  address: Address | null;
  balanceWei: string | null;
  maxFeePerGasWei: string | null;
  /** Journaled transactions whose outcome is not known yet. */
  pending: number;
  journaled: number;
  error: string | null;
}

export type RelayerSettingsResult = { ok: true; settings: RelayerSettings } | { ok: false; message: string };

/** Journaled transactions are looked at again this long after they were sent (past any receipt wait). */
const SWEEP_AFTER_MS = DEFAULT_RELAYER_TIMING.receiptTimeoutMs + 15_000;

/**
 * The relayer as a Durable Object, one per network: its journal in SQLite, its sweep an alarm. What
 * it sends is the caller's business (any contract call, with an opaque memo); what becomes of a
 * transaction that landed unobserved is the subclass's (`recordLanded`), and so are its settings —
 * the chain layer knows nothing of payments or of the edge's configuration.
 */
export abstract class RelayerObject extends DurableObject<Env> implements RelayerPort {
  private core: RelayerCore | null = null;
  private readonly journal: SqlTxJournal;
  private readonly gas: GasBook;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.journal = new SqlTxJournal(ctx.storage.sql);
    this.gas = new GasBook(ctx.storage.sql);
    // A fresh instance is sending nothing: whatever the journal holds was left by one that stopped
    // (restart, deploy, crash) and is looked at now rather than at the sweep it had planned.
    if (!this.journal.isEmpty) void ctx.storage.setAlarm(Date.now()).catch(() => {});
  }

  protected abstract relayerSettings(): RelayerSettingsResult;

  /** Transactions that landed while nobody waited for them; throwing keeps them for the next sweep. */
  protected abstract recordLanded(landed: LandedTx[]): Promise<void>;

  /** The journal, for a subclass that adopts entries written by an older version of it. */
  protected get txJournal(): SqlTxJournal {
    return this.journal;
  }

  address(): Address | null {
    const core = this.relayer();
    return core.ok ? core.relayer.address : null;
  }

  /**
   * For the operator (/health, /metrics): the account, its balance and the fee per gas now (wei,
   * decimal strings; null when the node could not be asked — `error` says why), and how many
   * journaled transactions still wait for an outcome.
   */
  async status(): Promise<RelayerStatus> {
    const core = this.relayer();
    const entries = this.journal.all();
    const pending = entries.filter((e) => e.state === "sent").length;
    if (!core.ok) return { address: null, balanceWei: null, maxFeePerGasWei: null, pending, journaled: entries.length, error: core.message };
    try {
      const gas = await core.relayer.gasState();
      return { address: core.relayer.address, balanceWei: gas.balance.toString(), maxFeePerGasWei: gas.maxFeePerGas.toString(), pending, journaled: entries.length, error: null };
    } catch (error) {
      return { address: core.relayer.address, balanceWei: null, maxFeePerGasWei: null, pending, journaled: entries.length, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Simulates `call` from the relayer's account (what send would do) and runs `reads`, in parallel. */
  async preflight(request: { call: { to: Address; data: Hex }; reads: Array<{ to: Address; data: Hex }> }): Promise<RelayPreflight> {
    const core = this.relayer();
    if (!core.ok) return { simulation: { ok: false, message: core.message }, reads: request.reads.map(() => null) };
    const [simulation, reads] = await Promise.all([core.relayer.simulate(request.call), core.relayer.read(request.reads)]);
    return { simulation: simulation.ok ? { ok: true, gas: simulation.gas.toString() } : simulation, reads };
  }

  async send(request: { call: RelayCall; memo?: unknown; expiresAt?: number | null }): Promise<SendOutcome> {
    const core = this.relayer();
    if (!core.ok) return { status: "not_sent", message: core.message, reverted: false };
    await this.scheduleSweep(Date.now() + SWEEP_AFTER_MS);
    const { call } = request;
    const outcome = await core.relayer.send({ ...request, call: { to: call.to, data: call.data, gas: call.gas === null ? null : BigInt(call.gas) } });
    if (outcome.status === "mined") this.gas.spent(outcome.receipt, Date.now());
    return outcome;
  }

  /**
   * Transactions still journaled as sent past the receipt wait: send() gave up waiting for them
   * (its caller got `unknown`), and the sweep has yet to find out what became of them.
   */
  stuckTransactions(now = Date.now()): number {
    return this.journal.all().filter((e) => e.state === "sent" && now - e.updatedAt > DEFAULT_RELAYER_TIMING.receiptTimeoutMs).length;
  }

  /** Wei the relayer's mined transactions cost from the UTC day of `since` on (the dashboard's gas vs revenue). */
  gasSpentSince(since: number): string {
    return this.gas.since(since);
  }

  override async alarm(): Promise<void> {
    const core = this.relayer();
    if (!core.ok) return;
    const { remaining } = await core.relayer.sweep(async (landed) => {
      await this.recordLanded(landed);
      // Counted once handed on: a batch the subclass refused comes back at the next sweep.
      for (const tx of landed) this.gas.spent(tx.receipt, Date.now());
    });
    if (remaining) await this.scheduleSweep(Date.now() + SWEEP_AFTER_MS);
  }

  private async scheduleSweep(at: number) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private relayer(): { ok: true; relayer: RelayerCore } | { ok: false; message: string } {
    if (this.core) return { ok: true, relayer: this.core };
    const parsed = this.relayerSettings();
    if (!parsed.ok) return parsed;
    const { rpcUrl, relayerKey, chainId } = parsed.settings;
    this.core = new RelayerCore({ client: rpcChainClient(rpcUrl, chainId), signer: privateKeyToAccount(relayerKey), chainId, journal: this.journal });
    return { ok: true, relayer: this.core };
  }
}
