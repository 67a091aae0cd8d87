import { edgeConfigFor } from "../../config/edge-config.ts";
import type { LandedTx } from "../../chain/relayer/relayer-core.ts";
import { RelayerObject, type RelayerSettingsResult } from "../../chain/relayer/relayer-object.ts";
import type { RecoveredPayment } from "../core/payment-book.ts";
import { ledgerOf } from "../ledger/ledger-binding.ts";
import { adoptLegacyTransferJournal } from "./exact/legacy-journal.ts";
import { recoveryFor } from "./registry.ts";

/**
 * The edge's Relayer Durable Object (one per network): the generic sender of chain/relayer, given
 * its settings from the edge's config and told what a transaction that landed unobserved means —
 * each scheme's recovery turns its memo into a ledger row.
 */
export class Relayer extends RelayerObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = edgeConfigFor(env);
    const adopted = adoptLegacyTransferJournal(ctx.storage.sql, this.txJournal, config.ok ? config.config.payment : null);
    if (adopted > 0) void ctx.storage.setAlarm(Date.now()).catch(() => {});
  }

  protected override relayerSettings(): RelayerSettingsResult {
    const parsed = edgeConfigFor(this.env);
    if (!parsed.ok) return { ok: false, message: `edge is misconfigured: ${parsed.problems.join("; ")}` };
    const { facilitator, payment } = parsed.config;
    if (facilitator.kind !== "embedded") return { ok: false, message: "the relayer is only used with FACILITATOR=embedded" };
    return { ok: true, settings: { rpcUrl: facilitator.rpcUrl, relayerKey: facilitator.relayerKey, chainId: payment.chainId } };
  }

  protected override async recordLanded(landed: LandedTx[]): Promise<void> {
    const recovered = landed.flatMap((tx): RecoveredPayment[] => {
      const payment = recoveryFor(tx.memo)?.(tx);
      return payment ? [payment] : [];
    });
    if (recovered.length > 0) await ledgerOf(this.env).recordRecovered(recovered);
  }
}
