import type { Address } from "viem";
import { fmt } from "../../bench/lib/stats.ts";
import { localPublicClient } from "../../dev/chain/local-client.ts";
import { ADMIN_TOKEN } from "../../dev/local-stack.ts";
import { chainAudit } from "./chain-audit.ts";
import { channelAdmin, escrowAudit, type ReceiverTotals } from "./channel-audit.ts";
import { channelClient } from "./channel-client.ts";
import { driveChannels, type ChannelCallResult, type ChannelDriveResult } from "./channel-driver.ts";
import { reconcileChannels } from "./channel-reconcile.ts";
import { fundSlots, planSlots } from "./channel-slots.ts";
import { readLedger } from "./ledger.ts";
import { quote } from "./payments.ts";
import { type LoadRun, type RunContext } from "./run.ts";
import { countBy } from "./stats.ts";

/**
 * Paying by `batch-settlement`: one fresh payer and channel per concurrency slot, each driven by the
 * official client (a deposit of its calls × the price with its first call, then a voucher per call);
 * at the end the operator's claim, then the books: receipts = ledger = claimed on chain + unclaimed,
 * deposits = what the payers lost = what the channels hold.
 */
export async function prepareChannels({ config, stack, target, url }: RunContext): Promise<LoadRun> {
  const required = await quote(url, target.body);
  const terms = required.accepts.find((a) => a.scheme === "batch-settlement");
  if (!terms) throw new Error(`the edge offers no batch-settlement (RECEIVER_AUTHORIZER_KEY unset?): ${required.accepts.map((a) => a.scheme).join(", ")}`);
  const price = BigInt(terms.amount);
  const slots = await fundSlots(stack.chain.rpcUrl, stack.usdc, planSlots(config.n, config.c, price));
  const publicClient = localPublicClient(stack.chain.rpcUrl);
  const clients = slots.map((slot) => ({ client: channelClient({ payer: slot.payer, required, publicClient, deposit: slot.deposit }), calls: slot.calls }));
  const channels = clients.map(({ client }) => ({ channelId: client.channelId, payer: client.payer.address as Address }));
  const escrow = escrowAudit(stack.chain.rpcUrl, stack.payTo, stack.usdc);
  const admin = channelAdmin(stack.edge.url, ADMIN_TOKEN);
  const audit = chainAudit({ rpcUrl: stack.chain.rpcUrl, usdc: stack.usdc, payTo: stack.payTo, payers: channels.map((c) => c.payer) });
  const [before, receiverBefore] = await Promise.all([audit.snapshot(), escrow.receiver()]);
  let driven: ChannelDriveResult = { results: [], wallMs: 0, signingMs: 0, signed: 0 };
  let claimLine = "";

  return {
    price,
    payers: slots.length,
    prepared: `funded ${slots.length} fresh payers with one deposit each (${slots.map((s) => s.deposit).reduce((a, b) => a + b, 0n)} base units in all)`,
    async drive({ signal, onProgress }) {
      driven = await driveChannels({ url, body: target.body, slots: clients, signal, onProgress });
      return driven;
    },
    async reconcile() {
      const claim = await admin.claim();
      const [receiverAfter, owing, ledger, after, onchain] = await Promise.all([
        escrow.receiver(),
        admin.owing(),
        readLedger(stack.admin),
        audit.snapshot(),
        Promise.all(channels.map((c) => escrow.channel(c.channelId))),
      ]);
      claimLine = claimSummary(claim.claims.length, receiverBefore, receiverAfter);
      return {
        checks: reconcileChannels({ results: driven.results as ChannelCallResult[], channels, ledger, claim, escrow: onchain, receiverBefore, receiverAfter, owing, before, after }),
        jobsPerRunner: countBy(ledger.rows, (row) => row.runnerId ?? "(none)"),
      };
    },
    reportLines: () => [
      `scheme batch-settlement: ${slots.length} channels (one payer and channel per slot, the official BatchSettlementEvmScheme), one deposit each with its first call, then a voucher per call`,
      `signed ${driven.signed} payloads inline in ${fmt(driven.signingMs / 1000, 1)} s (${fmt(driven.signingMs / Math.max(1, driven.signed), 2)} ms each; in the wall time, not in latency: a voucher builds on the last receipt)`,
      claimLine,
    ],
  };
}

function claimSummary(transactions: number, before: ReceiverTotals, after: ReceiverTotals): string {
  return `claimed by the end (the claim job's rounds and the operator's POST /admin/channels/claim, ${transactions} transaction(s)): ${after.totalClaimed - before.totalClaimed} base units, ${after.totalSettled - before.totalSettled} settled to payTo`;
}
