import type { Address } from "viem";
import type { BalanceSnapshot } from "./chain-audit.ts";
import type { ClaimReport, EscrowChannel, ReceiverTotals } from "./channel-audit.ts";
import type { ChannelCallResult } from "./channel-driver.ts";
import type { LedgerRead } from "./ledger.ts";
import { isShed, type Check } from "./reconcile.ts";

export interface ChannelReconcileInput {
  results: readonly ChannelCallResult[];
  /** Each slot's channel and payer. */
  channels: ReadonlyArray<{ channelId: string; payer: Address }>;
  /** The edge's ledger (a load stack's starts empty: every row is the run's). */
  ledger: LedgerRead;
  /** The operator's claim at the end of the run (POST /admin/channels/claim). */
  claim: ClaimReport;
  /** `channels(id)` of every slot's channel after the claim. */
  escrow: readonly EscrowChannel[];
  /** `receivers(payTo, token)` before the run and after the claim. */
  receiverBefore: ReceiverTotals;
  receiverAfter: ReceiverTotals;
  /** What the channel objects still have unclaimed after the claim (GET /admin/channels), by channel id. */
  owing: ReadonlyMap<string, bigint>;
  /** USDC of payTo and the slots' payers before the run and after the claim. */
  before: BalanceSnapshot;
  after: BalanceSnapshot;
}

const sum = (values: Iterable<bigint>) => {
  let total = 0n;
  for (const v of values) total += v;
  return total;
};

/**
 * The books of a run paid by channel, each number from a source of its own: what agents were told
 * (receipts), what the edge recorded (its ledger), what the channel objects still owe (admin API) and
 * what the escrow and the token say (view functions and balances). Charged = claimed + unclaimed,
 * per channel and in all; deposits = what the payers lost = what the channels hold.
 */
export function reconcileChannels(input: ChannelReconcileInput): Check[] {
  const { results, ledger, escrow, owing, before, after } = input;
  const ok = results.filter((r) => r.status === 200 && r.channel !== null);
  const charged = sum(ok.map((r) => r.channel!.charged ?? 0n));
  const ledgerCharged = sum(ledger.rows.map((r) => BigInt(r.charged)));
  const claimedDelta = input.receiverAfter.totalClaimed - input.receiverBefore.totalClaimed;
  const unclaimed = sum(owing.values());

  // Per channel: the receipts' sum, the last cumulative the edge stated, and escrow + channel object.
  const escrowById = new Map(escrow.map((e) => [e.channelId.toLowerCase(), e]));
  const channelProblems: string[] = [];
  for (const { channelId } of input.channels) {
    const id = channelId.toLowerCase();
    const mine = ok.filter((r) => r.channel!.channelId?.toLowerCase() === id);
    const receipts = sum(mine.map((r) => r.channel!.charged ?? 0n));
    const last = mine.reduce((max, r) => ((r.channel!.chargedCumulative ?? 0n) > max ? r.channel!.chargedCumulative! : max), 0n);
    const onchain = (escrowById.get(id)?.totalClaimed ?? 0n) + (owing.get(id) ?? 0n);
    if (receipts !== last || receipts !== onchain) channelProblems.push(`${id.slice(0, 10)}… receipts ${receipts}, cumulative ${last}, claimed + unclaimed ${onchain}`);
  }
  const strangers = [...owing.keys()].filter((id) => !input.channels.some((c) => c.channelId.toLowerCase() === id));

  const deposits = sum(ok.map((r) => r.channel!.deposit?.amount ?? 0n));
  const depositCount = ok.filter((r) => r.channel!.deposit !== null).length;
  const held = sum(escrow.map((e) => e.balance));
  let payersDelta = 0n;
  for (const [payer, balance] of after.payers) payersDelta += (before.payers.get(payer) ?? 0n) - balance;
  const settledDelta = input.receiverAfter.totalSettled - input.receiverBefore.totalSettled;
  const payToDelta = after.payTo - before.payTo;

  const receiptRefs = ok.map((r) => `${r.channel!.channelId?.toLowerCase()}@${r.channel!.chargedCumulative}`);
  const ledgerRefs = ledger.rows.map((r) => r.settlementRef.toLowerCase());
  const otherSchemes = ledger.rows.filter((r) => r.scheme !== "batch-settlement").length;
  const fiveHundreds = results.filter((r) => r.status >= 500 && !isShed(r));
  const unexpected = results.filter((r) => !(r.status === 200 && r.reason === "ok") && !isShed(r));

  return [
    {
      name: "count: 200s = ledger rows (batch-settlement)",
      detail: `${ok.length} = ${ledger.rows.length}` + (ledger.totals.count === ledger.rows.length ? "" : ` (ledger totals say ${ledger.totals.count})`) + (otherSchemes > 0 ? `; ${otherSchemes} rows of another scheme` : ""),
      ok: ok.length === ledger.rows.length && ledger.totals.count === ledger.rows.length && otherSchemes === 0,
    },
    {
      name: "charged: receipts = ledger = claimed on chain + unclaimed",
      detail: `${charged} = ${ledgerCharged} = ${claimedDelta} + ${unclaimed}` + (ledger.totals.amount === ledgerCharged ? "" : ` (ledger totals say ${ledger.totals.amount})`),
      ok: charged === ledgerCharged && ledger.totals.amount === ledgerCharged && charged === claimedDelta + unclaimed,
    },
    {
      name: "per channel: receipts = cumulative = escrow claimed + owing",
      detail: channelProblems.length === 0 && strangers.length === 0 ? `${input.channels.length} channels` : [...channelProblems.slice(0, 3), ...(strangers.length > 0 ? [`${strangers.length} owing channels not the run's`] : [])].join("; "),
      ok: channelProblems.length === 0 && strangers.length === 0 && sum(escrow.map((e) => e.totalClaimed)) === claimedDelta,
    },
    { name: "settlement refs one-to-one: receipts ↔ ledger", ...sameSet(receiptRefs, ledgerRefs) },
    {
      name: "deposits: receipts = payers' −Δ = escrow balances",
      detail: `${deposits} = ${payersDelta} = ${held} (${depositCount} deposits, ${input.channels.length} channels)`,
      ok: deposits === payersDelta && payersDelta === held && depositCount <= input.channels.length,
    },
    { name: "settled to payTo: escrow totalSettled Δ = payTo Δ", detail: `${settledDelta} = ${payToDelta}`, ok: settledDelta === payToDelta },
    {
      name: "claim: POST /admin/channels/claim",
      detail: `HTTP ${input.claim.status}, ${input.claim.claims.length} claim tx, settle ${input.claim.settle ? "sent" : "none"}` + (input.claim.failures.length > 0 ? `; failures: ${input.claim.failures.join("; ").slice(0, 200)}` : ""),
      ok: input.claim.status === 200 && input.claim.failures.length === 0,
    },
    { name: "5xx other than shed 503s", detail: String(fiveHundreds.length), ok: fiveHundreds.length === 0 },
    { name: "calls neither 200 nor shed", detail: String(unexpected.length), ok: unexpected.length === 0 },
  ];
}

function sameSet(a: string[], b: string[]): { detail: string; ok: boolean } {
  const setA = new Set(a);
  const setB = new Set(b);
  const problems: string[] = [];
  if (setA.size !== a.length) problems.push(`${a.length - setA.size} duplicate(s) in receipts`);
  if (setB.size !== b.length) problems.push(`${b.length - setB.size} duplicate(s) in ledger`);
  const aNotB = [...setA].filter((x) => !setB.has(x)).length;
  const bNotA = [...setB].filter((x) => !setA.has(x)).length;
  if (aNotB > 0) problems.push(`${aNotB} in receipts not in ledger`);
  if (bNotA > 0) problems.push(`${bNotA} in ledger not in receipts`);
  return problems.length === 0 ? { detail: `${setA.size} matched`, ok: true } : { detail: problems.join("; "), ok: false };
}
