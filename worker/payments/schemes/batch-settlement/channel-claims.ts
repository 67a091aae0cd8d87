import { DurableObject } from "cloudflare:workers";
import { decodeFunctionResult, encodeFunctionData, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { rpcChainClient, type ChainClient, type ChainLogReader } from "../../../chain/chain-client.ts";
import type { RelayerPort } from "../../../chain/relayer/relayer-port.ts";
import { edgeConfigFor, type EdgeConfig } from "../../../config/edge-config.ts";
import { batchDomain, claimBatchTypes, ESCROW_ADDRESS } from "./batch-constants.ts";
import { channelIdOf } from "./channel-id.ts";
import type { PaymentChannel } from "./channel-object.ts";
import { channelSettingsFor, type ChannelSettings } from "./channel-settings.ts";
import { escrowAbi } from "./escrow-abi.ts";
import { claimCalldata, readChannel, settleCall, WITHDRAW_INITIATED_TOPIC, type ClaimRow } from "./escrow-calls.ts";

/** What a channel tells the index about itself. */
export interface ChannelNote {
  channelId: string;
  /** Charged but not claimed, base units. */
  unclaimed: string;
  unclaimedSince: number | null;
  /** Unix seconds; 0 when no withdrawal is pending. */
  withdrawRequestedAt: number;
}

export interface ClaimReport {
  claims: Array<{ transaction: Hex; channels: number; amount: string }>;
  settle: { transaction: Hex } | null;
  failures: string[];
}

/** What the claim job is up to, for operators: who owes, when it next looks, how its last round went. */
export interface ClaimsStatus {
  owing: ChannelNote[];
  /** Epoch ms of the next alarm; null when nothing is owed. */
  nextClaimAt: number | null;
  lastRound: { endedAt: number; claims: number; failures: string[] } | null;
}

/** The official facilitator's batch size. */
const MAX_CLAIMS_PER_TX = 100;
/** A claim whose outcome was unknown is looked at again after this long (past the relayer's receipt wait). */
const RUN_RECHECK_MS = 90_000;
/** How far back the first withdrawal watch looks. */
const FIRST_WATCH_LOOKBACK_BLOCKS = 5_000n;
/** A claim round that failed is tried again after this long at most (sooner with a shorter CHANNEL_WATCH_SECONDS). */
const CLAIM_RETRY_SECONDS = 5;
/** The settle transaction's gas (the official facilitator's fixed value: estimating it is unreliable). */
const SETTLE_GAS = "120000";

type Clients = { config: EdgeConfig; settings: ChannelSettings; chain: ChainClient & ChainLogReader; relayer: RelayerPort };

/**
 * The claim job of one network (Durable Object named by the network): the index of channels that
 * owe a claim — they report themselves (channel-object.ts), nothing is scanned — and an alarm that
 * claims them in batches (many channels in one `claimWithSignature`) when a channel's unclaimed
 * value reaches CHANNEL_CLAIM_THRESHOLD, when its oldest unclaimed charge is CHANNEL_CLAIM_MAX_AGE
 * old, and at once when its payer has started a timed withdrawal (watched on chain every
 * CHANNEL_WATCH_SECONDS: `WithdrawInitiated` logs), then `settle`s the claimed funds to payTo.
 * A claim is idempotent on chain (totalClaimed is cumulative): one whose outcome was unknown is
 * reconciled from the escrow's state, never doubled.
 */
export class ChannelClaims extends DurableObject<Env> {
  private running: Promise<ClaimReport> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS claimable (
        channel_id TEXT PRIMARY KEY,
        unclaimed TEXT NOT NULL,
        unclaimed_since INTEGER,
        withdraw_requested_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS claim_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at INTEGER NOT NULL, channels TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS watch (id INTEGER PRIMARY KEY CHECK (id = 1), last_block TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS known_channels (channel_id TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS last_round (id INTEGER PRIMARY KEY CHECK (id = 1), ended_at INTEGER NOT NULL, claims INTEGER NOT NULL, failures TEXT NOT NULL);
      INSERT OR IGNORE INTO known_channels (channel_id) SELECT channel_id FROM claimable;
    `);
  }

  async note(note: ChannelNote): Promise<void> {
    const sql = this.ctx.storage.sql;
    // Every channel ever noted, owing or not: the withdrawal watch must see a withdrawal started while
    // a channel owed nothing, or a voucher accepted during it would wait for the claim by age.
    sql.exec("INSERT OR IGNORE INTO known_channels (channel_id) VALUES (?)", note.channelId);
    if (BigInt(note.unclaimed) <= 0n) {
      sql.exec("DELETE FROM claimable WHERE channel_id = ?", note.channelId);
    } else {
      sql.exec(
        "INSERT OR REPLACE INTO claimable (channel_id, unclaimed, unclaimed_since, withdraw_requested_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        note.channelId,
        note.unclaimed,
        note.unclaimedSince,
        note.withdrawRequestedAt,
        Date.now(),
      );
    }
    await this.scheduleNext();
  }

  /** Channels that owe a claim, for operators. */
  list(): ChannelNote[] {
    return this.ctx.storage.sql
      .exec<{ channel_id: string; unclaimed: string; unclaimed_since: number | null; withdraw_requested_at: number }>("SELECT * FROM claimable ORDER BY channel_id")
      .toArray()
      .map((r) => ({ channelId: r.channel_id, unclaimed: r.unclaimed, unclaimedSince: r.unclaimed_since, withdrawRequestedAt: Number(r.withdraw_requested_at) }));
  }

  async status(): Promise<ClaimsStatus> {
    const last = this.ctx.storage.sql.exec<{ ended_at: number; claims: number; failures: string }>("SELECT ended_at, claims, failures FROM last_round WHERE id = 1").toArray()[0];
    return {
      owing: this.list(),
      nextClaimAt: await this.ctx.storage.getAlarm(),
      lastRound: last ? { endedAt: last.ended_at, claims: last.claims, failures: JSON.parse(last.failures) as string[] } : null,
    };
  }

  /** Claims and settles everything unclaimed now (POST /admin/channels/claim), once the transactions are mined. */
  async claimNow(): Promise<ClaimReport> {
    return this.run(() => true);
  }

  override async alarm(): Promise<void> {
    const clients = this.clients();
    if (!clients.ok) return;
    const { settings } = clients;
    await this.reconcileRuns(clients);
    await this.watchWithdrawals(clients).catch((error: unknown) => console.error(`withdrawal watch failed (retried next round): ${describe(error)}`));
    const now = Date.now();
    await this.run((row) => row.withdraw_requested_at > 0 || BigInt(row.unclaimed) >= settings.claimThreshold || (row.unclaimed_since !== null && now - row.unclaimed_since >= settings.claimMaxAgeSeconds * 1000));
    await this.scheduleNext();
  }

  /** One claim round at a time (the alarm and an operator's claim may meet): a round starts when the last ended. */
  private run(due: (row: ClaimableRow) => boolean): Promise<ClaimReport> {
    const previous = this.running ?? Promise.resolve(null);
    const work = previous
      .catch(() => null)
      .then(() => this.claimDue(due))
      .then((report) => {
        this.ctx.storage.sql.exec(
          "INSERT OR REPLACE INTO last_round (id, ended_at, claims, failures) VALUES (1, ?, ?, ?)",
          Date.now(),
          report.claims.length,
          JSON.stringify(report.failures),
        );
        return report;
      });
    const settled = work.finally(() => {
      if (this.running === settled) this.running = null;
    });
    this.running = settled;
    return work;
  }

  private async claimDue(due: (row: ClaimableRow) => boolean): Promise<ClaimReport> {
    const report: ClaimReport = { claims: [], settle: null, failures: [] };
    const clients = this.clients();
    if (!clients.ok) return { ...report, failures: [clients.message] };
    const ids = this.rows().filter(due).map((r) => r.channel_id);
    const rows: Array<{ id: string; row: ClaimRow }> = [];
    for (const id of ids) {
      const row = await this.channel(id).claimRow();
      if (row) rows.push({ id, row });
      else this.ctx.storage.sql.exec("DELETE FROM claimable WHERE channel_id = ?", id);
    }
    for (let i = 0; i < rows.length; i += MAX_CLAIMS_PER_TX) {
      const batch = rows.slice(i, i + MAX_CLAIMS_PER_TX);
      const outcome = await this.claimBatch(clients, batch).catch((error: unknown) => ({ ok: false as const, message: describe(error) }));
      if (outcome.ok) report.claims.push(outcome.claim);
      else report.failures.push(outcome.message);
    }
    if (report.claims.length > 0 || ids.length === 0) {
      const settled = await this.settle(clients).catch((error: unknown) => ({ ok: false as const, message: describe(error) }));
      if (settled.ok) report.settle = settled.transaction ? { transaction: settled.transaction } : null;
      else report.failures.push(settled.message);
    }
    return report;
  }

  private async claimBatch(clients: Clients, batch: Array<{ id: string; row: ClaimRow }>): Promise<{ ok: true; claim: ClaimReport["claims"][number] } | { ok: false; message: string }> {
    const { config, settings, relayer } = clients;
    const chainId = config.payment.chainId;
    const authorizer = privateKeyToAccount(settings.receiverAuthorizerKey);
    const signature = await authorizer.signTypedData({
      domain: batchDomain(chainId),
      types: claimBatchTypes,
      primaryType: "ClaimBatch",
      message: { claims: batch.map(({ row }) => ({ channelId: channelIdOf(row.config, chainId), maxClaimableAmount: BigInt(row.signedMaxClaimable), totalClaimed: BigInt(row.totalClaimed) })) },
    });
    // Written before the claim is sent: should the outcome be lost, the channels are read from the escrow again.
    const run = this.ctx.storage.sql
      .exec<{ id: number }>("INSERT INTO claim_runs (started_at, channels) VALUES (?, ?) RETURNING id", Date.now(), JSON.stringify(batch.map((b) => b.id)))
      .one().id;
    const sent = await relayer.send({ call: { to: ESCROW_ADDRESS, data: claimCalldata(batch.map((b) => b.row), signature), gas: null }, memo: { scheme: "batch-settlement", kind: "claim" } });
    if (sent.status === "unknown") return { ok: false, message: `claim outcome unknown (${sent.message}); reconciled from the escrow later` };
    this.ctx.storage.sql.exec("DELETE FROM claim_runs WHERE id = ?", run);
    if (sent.status === "not_sent") return { ok: false, message: `claim not sent: ${sent.message}` };
    if (sent.receipt.status !== "success") return { ok: false, message: `claim ${sent.receipt.hash} reverted` };
    let amount = 0n;
    for (const { id, row } of batch) {
      await this.channel(id).claimedUpTo(row.totalClaimed);
      amount += BigInt(row.totalClaimed);
    }
    return { ok: true, claim: { transaction: sent.receipt.hash, channels: batch.length, amount: amount.toString() } };
  }

  /** Moves what was claimed and not yet settled to payTo (the receiver), when there is any. */
  private async settle(clients: Clients): Promise<{ ok: true; transaction: Hex | null } | { ok: false; message: string }> {
    const { payTo, asset } = clients.config.payment;
    const data = await clients.chain.call({ to: ESCROW_ADDRESS, data: encodeFunctionData({ abi: escrowAbi, functionName: "receivers", args: [payTo, asset] }) });
    const [totalClaimed, totalSettled] = decodeFunctionResult({ abi: escrowAbi, functionName: "receivers", data });
    if (totalClaimed <= totalSettled) return { ok: true, transaction: null };
    const sent = await clients.relayer.send({ call: { ...settleCall(payTo, asset), gas: SETTLE_GAS }, memo: { scheme: "batch-settlement", kind: "settle" } });
    if (sent.status !== "mined") return { ok: false, message: `settle ${sent.status}: ${sent.message}` };
    if (sent.receipt.status !== "success") return { ok: false, message: `settle ${sent.receipt.hash} reverted` };
    return { ok: true, transaction: sent.receipt.hash };
  }

  /** Claims sent by an instance that stopped before it learnt their outcome: the escrow says what landed. */
  private async reconcileRuns(clients: Clients): Promise<void> {
    const stale = this.ctx.storage.sql.exec<{ id: number; channels: string }>("SELECT id, channels FROM claim_runs WHERE started_at < ?", Date.now() - RUN_RECHECK_MS).toArray();
    for (const run of stale) {
      try {
        for (const id of JSON.parse(run.channels) as string[]) await this.channel(id).sync(await readChannel(clients.chain, id as Hex));
        this.ctx.storage.sql.exec("DELETE FROM claim_runs WHERE id = ?", run.id);
      } catch (error) {
        console.error(`claim reconciliation failed (retried next round): ${describe(error)}`);
      }
    }
  }

  /**
   * A payer's `initiateWithdraw` on a channel we know: its escrow state is read again, and it is claimed
   * this round; one that owes nothing yet keeps the withdrawal in its record, so its next voucher is due at once.
   */
  private async watchWithdrawals(clients: Clients): Promise<void> {
    const sql = this.ctx.storage.sql;
    const latest = await clients.chain.blockNumber();
    const stored = sql.exec<{ last_block: string }>("SELECT last_block FROM watch WHERE id = 1").toArray()[0];
    const from = stored ? BigInt(stored.last_block) + 1n : latest > FIRST_WATCH_LOOKBACK_BLOCKS ? latest - FIRST_WATCH_LOOKBACK_BLOCKS : 0n;
    if (from > latest) return;
    const logs = await clients.chain.logs({ address: ESCROW_ADDRESS, topic0: WITHDRAW_INITIATED_TOPIC, fromBlock: from, toBlock: latest });
    const known = (id: string) => sql.exec("SELECT 1 FROM known_channels WHERE channel_id = ?", id).toArray().length > 0;
    for (const log of logs) {
      const channelId = log.topics[1]?.toLowerCase();
      if (!channelId || !known(channelId)) continue;
      const onchain = await readChannel(clients.chain, channelId as Hex);
      await this.channel(channelId).sync(onchain);
      sql.exec("UPDATE claimable SET withdraw_requested_at = ? WHERE channel_id = ?", onchain.withdrawRequestedAt || Math.floor(Date.now() / 1000), channelId);
    }
    sql.exec("INSERT OR REPLACE INTO watch (id, last_block) VALUES (1, ?)", latest.toString());
  }

  /** The next time something may be due: a claim by age, or the next withdrawal watch while anything is owed. */
  private async scheduleNext(): Promise<void> {
    const clients = this.clients();
    if (!clients.ok) return;
    const { settings } = clients;
    const rows = this.rows();
    if (rows.length === 0 && this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM claim_runs").one().n === 0) return;
    const now = Date.now();
    let at = now + settings.watchSeconds * 1000;
    for (const row of rows) {
      if (row.withdraw_requested_at > 0 || BigInt(row.unclaimed) >= settings.claimThreshold) at = now;
      else if (row.unclaimed_since !== null) at = Math.min(at, row.unclaimed_since + settings.claimMaxAgeSeconds * 1000);
    }
    // After a failed round nothing is tried again before a pause — not by this alarm, nor by a channel
    // reporting a withdrawal meanwhile: due channels stay due, so an alarm set for "now" would retry
    // in a loop against the RPC (or relayer) that just failed it.
    const last = this.ctx.storage.sql.exec<{ ended_at: number; failures: string }>("SELECT ended_at, failures FROM last_round WHERE id = 1").toArray()[0];
    const pausedUntil = last && last.failures !== "[]" ? last.ended_at + Math.min(settings.watchSeconds, CLAIM_RETRY_SECONDS) * 1000 : 0;
    at = Math.max(at, pausedUntil);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at || current < pausedUntil) await this.ctx.storage.setAlarm(Math.max(at, now));
  }

  private rows(): ClaimableRow[] {
    return this.ctx.storage.sql.exec<ClaimableRow>("SELECT channel_id, unclaimed, unclaimed_since, withdraw_requested_at FROM claimable").toArray();
  }

  private channel(id: string): DurableObjectStub<PaymentChannel> {
    return this.env.PAYMENT_CHANNEL.getByName(id);
  }

  private clients(): ({ ok: true } & Clients) | { ok: false; message: string } {
    const parsed = edgeConfigFor(this.env);
    const settings = channelSettingsFor(this.env);
    if (!parsed.ok) return { ok: false, message: `edge is misconfigured: ${parsed.problems.join("; ")}` };
    if (!settings.ok || !settings.settings) return { ok: false, message: "channels are not configured (RECEIVER_AUTHORIZER_KEY)" };
    const { config } = parsed;
    if (config.facilitator.kind !== "embedded") return { ok: false, message: "channel claims need FACILITATOR=embedded" };
    return {
      ok: true,
      config,
      settings: settings.settings,
      chain: rpcChainClient(config.facilitator.rpcUrl, config.payment.chainId),
      relayer: this.env.RELAYER.getByName(config.payment.network),
    };
  }
}

type ClaimableRow = {
  channel_id: string;
  unclaimed: string;
  unclaimed_since: number | null;
  withdraw_requested_at: number;
};

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

