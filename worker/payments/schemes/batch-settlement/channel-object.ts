import { DurableObject } from "cloudflare:workers";
import { edgeConfigFor } from "../../../config/edge-config.ts";
import * as book from "./channel-book.ts";
import type { BeginRequest, BeginResult, ChannelRecord, CommitResult } from "./channel-book.ts";
import { channelSettingsFor } from "./channel-settings.ts";
import type { ClaimRow, OnchainChannel } from "./escrow-calls.ts";

/** What the claim index last heard from this channel: it is told again only when that changes. */
type Notified = { unclaimed: "none" | "some" | "threshold"; withdrawRequestedAt: number };

/**
 * One payment channel (Durable Object named by the channel id): its record in SQLite, its rules in
 * channel-book.ts. A Durable Object runs one call at a time between awaits and these calls never
 * await, so a channel's requests are serialised without a lock, and different channels never wait
 * on each other. When a channel starts to owe a claim, crosses the claim threshold or sees a
 * withdrawal, it tells the claim index (ChannelClaims), which claims in batches.
 */
export class PaymentChannel extends DurableObject<Env> {
  private record: ChannelRecord | null;
  private notified: Notified;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS channel (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT, notified TEXT)");
    const row = ctx.storage.sql.exec<{ record: string | null; notified: string | null }>("SELECT record, notified FROM channel WHERE id = 1").toArray()[0];
    this.record = row?.record ? (JSON.parse(row.record) as ChannelRecord) : null;
    this.notified = row?.notified ? (JSON.parse(row.notified) as Notified) : { unclaimed: "none", withdrawRequestedAt: 0 };
  }

  begin(request: BeginRequest): BeginResult {
    const step = book.begin(this.record, request, Date.now(), () => crypto.randomUUID());
    this.save(step.record);
    return step.result;
  }

  commit(pendingId: string, charge: { amount: string; final: boolean; deposited: string | null }): CommitResult {
    const step = book.commit(this.record, pendingId, charge, Date.now());
    this.save(step.record);
    this.tellIndex();
    return step.result;
  }

  finalize(pendingId: string, amount: string): CommitResult {
    const step = book.finalize(this.record, pendingId, amount, Date.now());
    this.save(step.record);
    this.tellIndex();
    return step.result;
  }

  abort(pendingId: string): void {
    this.save(book.abort(this.record, pendingId));
  }

  hold(pendingId: string): void {
    this.save(book.hold(this.record, pendingId));
  }

  claimRow(): ClaimRow | null {
    return book.claimRowOf(this.record);
  }

  /** A fresh read of the escrow (after a claim whose outcome was unknown, or a withdrawal seen on chain). */
  sync(onchain: OnchainChannel): void {
    this.save(book.claimed(this.record, onchain, Date.now()));
    this.tellIndex();
  }

  /** A claim of this channel landed, up to `totalClaimed`. */
  claimedUpTo(totalClaimed: string): void {
    this.save(book.claimedUpTo(this.record, totalClaimed, Date.now()));
    this.tellIndex();
  }

  refunded(pendingId: string, onchain: OnchainChannel): void {
    this.save(book.refunded(this.record, pendingId, onchain, Date.now()));
    this.tellIndex();
  }

  /** The record as it stands (operator views, tests). */
  snapshot(): ChannelRecord | null {
    return this.record;
  }

  private save(record: ChannelRecord | null) {
    this.record = record;
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO channel (id, record, notified) VALUES (1, ?, ?)",
      record ? JSON.stringify(record) : null,
      JSON.stringify(this.notified),
    );
  }

  /** Tells the claim index what it needs to know, only when it changed (not on every call). */
  private tellIndex() {
    const record = this.record;
    const config = edgeConfigFor(this.env);
    const settings = channelSettingsFor(this.env);
    if (!config.ok || !settings.ok || !settings.settings) return;
    const unclaimed = record ? BigInt(record.charged) - BigInt(record.onchain.totalClaimed) : 0n;
    const now: Notified = {
      unclaimed: unclaimed <= 0n ? "none" : unclaimed >= settings.settings.claimThreshold ? "threshold" : "some",
      withdrawRequestedAt: record?.onchain.withdrawRequestedAt ?? 0,
    };
    if (now.unclaimed === this.notified.unclaimed && now.withdrawRequestedAt === this.notified.withdrawRequestedAt) return;
    // Taken as told now; a failure below resets it, so the next change tells the index again.
    this.notified = now;
    this.save(record);
    const index = this.env.CHANNEL_CLAIMS.getByName(config.config.payment.network);
    this.ctx.waitUntil(
      index
        .note({
          channelId: record?.channelId ?? this.ctx.id.name ?? "",
          unclaimed: unclaimed > 0n ? unclaimed.toString() : "0",
          unclaimedSince: record?.unclaimedSince ?? null,
          withdrawRequestedAt: now.withdrawRequestedAt,
        })
        .catch((error: unknown) => {
          this.notified = { unclaimed: "none", withdrawRequestedAt: 0 };
          console.error(`channel claim index unreachable: ${error instanceof Error ? error.message : String(error)}`);
        }),
    );
  }
}
