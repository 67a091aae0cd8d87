import type { EdgeConfig } from "../../config/edge-config.ts";
import { channelSettingsFor } from "../../payments/schemes/batch-settlement/channel-settings.ts";
import { AdminStats, ChannelsAnswer, FacilitatorAnswer, PaymentsAnswer, readSource, RunnersAnswer, type AdminDispatch, type SourceResult } from "./admin-sources.ts";
import { summarizeCalls } from "./call-summary.ts";
import { channelDetails, type ChannelDetail } from "./channel-details.ts";
import { DashboardData } from "./data-schema.ts";
import { explorerFor } from "./explorers.ts";
import { relayerGas } from "./relayer-gas.ts";
import { revenueFromDays, windowStart } from "./revenue-windows.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * GET /dashboard/data: one read of every admin source, in parallel, shaped for the page. A source
 * that fails is listed in `problems` and its section left empty; the answer is parsed with
 * DashboardData before it leaves, so the page never gets a shape the schema does not describe.
 */
export async function dashboardData(admin: AdminDispatch, config: EdgeConfig, env: Env, now = Date.now()): Promise<DashboardData> {
  const since30 = windowStart(now, 30);
  const [month, day, runners, facilitator, channels, payments] = await Promise.all([
    readSource(admin, `/admin/stats?since=${since30}&until=${now + 1}&bucket=day`, AdminStats),
    readSource(admin, `/admin/stats?since=${now - 24 * 3_600_000}&until=${now + 1}&bucket=hour`, AdminStats),
    readSource(admin, "/admin/runners", RunnersAnswer),
    readSource(admin, "/admin/facilitator", FacilitatorAnswer),
    env.CHANNEL_CLAIMS ? readSource(admin, "/admin/channels", ChannelsAnswer) : Promise.resolve(null),
    readSource(admin, "/admin/payments?limit=20", PaymentsAnswer),
  ]);
  const problems = [month, day, runners, facilitator, channels, payments].flatMap((r: SourceResult<unknown> | null) => (r && !r.ok ? [{ source: r.source, code: r.code, message: r.message }] : []));

  const relayer = facilitator.ok && facilitator.value.kind === "embedded" ? facilitator.value : null;
  const gas = config.facilitator.kind === "embedded" ? await relayerGas(env, config.payment.network, since30) : { balanceWei: null, settlementsLeft: null, level: "unknown" as const, pendingTransactions: null, stuckTransactions: null, gasSpentWei: null };
  const channelSettings = (() => {
    const result = channelSettingsFor(env);
    return result.ok ? result.settings : null;
  })();
  const claimMaxAgeMs = channelSettings ? channelSettings.claimMaxAgeSeconds * 1000 : null;

  const details = channels && channels.ok ? await channelDetails(env, channels.value.owing) : new Map<string, ChannelDetail>();
  const unclaimedOf = (c: { channelId: string; unclaimed: string }) => details.get(c.channelId)?.unclaimed ?? c.unclaimed;

  return DashboardData.parse({
    generatedAt: iso(now),
    asset: month.ok ? month.value.asset : { network: config.payment.network, address: config.payment.asset, decimals: 6, symbol: "USDC" },
    explorer: explorerFor(config.payment.network),
    revenue: revenueFromDays(month.ok ? month.value.revenue.byDay : [], now),
    calls: month.ok ? summarizeCalls(month.value.calls) : null,
    latency: day.ok ? day.value.latency : [],
    runners: runners.ok
      ? runners.value.runners.map((r) => ({
          runnerId: r.runnerId,
          name: r.name ?? null,
          version: r.version,
          connectedAt: iso(r.connectedAt),
          draining: r.draining,
          models: r.models.map((m) => m.name),
          // A model's jobs beyond its slots wait in the runner's queue.
          slotsBusy: r.models.reduce((n, m) => n + Math.min(m.inFlight, m.capacity), 0),
          slotsTotal: r.models.reduce((n, m) => n + m.capacity, 0),
          queued: r.models.reduce((n, m) => n + Math.max(0, m.inFlight - m.capacity), 0),
          lastHeartbeatAt: iso(r.lastSeenAt),
          jobsServed: r.jobsServed,
        }))
      : [],
    settlement: {
      kind: config.facilitator.kind,
      network: config.payment.network,
      relayer: relayer?.relayer ?? null,
      facilitatorUrl: config.facilitator.kind === "remote" ? config.facilitator.url : null,
      ...gas,
    },
    channels:
      channels && channels.ok
        ? {
            owing: channels.value.owing.map((c) => ({
              channelId: c.channelId,
              unclaimed: unclaimedOf(c),
              deposit: details.get(c.channelId)?.deposit ?? null,
              unclaimedSince: c.unclaimedSince === null ? null : iso(c.unclaimedSince),
              // A pending withdrawal is claimed at the claim job's next round; otherwise by the age limit.
              nextClaimBy: c.withdrawRequestedAt > 0 ? iso(now) : c.unclaimedSince !== null && claimMaxAgeMs !== null ? iso(c.unclaimedSince + claimMaxAgeMs) : null,
              withdrawRequestedAt: c.withdrawRequestedAt > 0 ? iso(c.withdrawRequestedAt * 1000) : null,
              withdrawAmount: details.get(c.channelId)?.withdrawAmount ?? null,
              withdrawDeadline: c.withdrawRequestedAt > 0 && channelSettings ? iso((c.withdrawRequestedAt + channelSettings.withdrawDelaySeconds) * 1000) : null,
            })),
            unclaimedTotal: channels.value.owing.reduce((a, c) => a + BigInt(unclaimedOf(c)), 0n).toString(),
          }
        : null,
    payments: payments.ok
      ? payments.value.payments.map((p) => ({ id: p.id, settledAt: iso(p.settledAt), service: p.service, scheme: p.scheme, payer: p.payer, charged: p.charged, txHash: p.txHash, settlementRef: p.settlementRef }))
      : [],
    problems,
  });
}
