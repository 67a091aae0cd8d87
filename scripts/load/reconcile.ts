import type { Address } from "viem";
import type { BalanceSnapshot, ChainTransfer } from "./chain-audit.ts";
import type { CallResult } from "./driver.ts";
import type { LedgerRead } from "./ledger.ts";

export interface ReconcileInput {
  results: readonly CallResult[];
  /** The quoted price: every paid call costs the same. */
  price: bigint;
  ledger: LedgerRead;
  /** Transfer events to payTo in the run's block range. */
  transfers: readonly ChainTransfer[];
  before: BalanceSnapshot;
  after: BalanceSnapshot;
  /** Calls that did not get a 200 whose authorization the token nevertheless marked used. */
  refusedButCharged: number;
}

export interface Check {
  name: string;
  detail: string;
  ok: boolean;
}

/** The edge's own capacity refusals (worker/jobs/job-error-status.ts): 503 + Retry-After, nothing charged. */
const SHED_CODES: ReadonlySet<string> = new Set(["no_runner", "runner_busy", "runner_shutting_down"]);

/**
 * A 503 with Retry-After and one of the edge's capacity codes is the edge shedding load (no runner
 * free; nothing charged — checked on chain separately): legitimate back-pressure, reported but not a
 * failure. Any other 503 (e.g. a dev proxy's) is a failure.
 */
export function isShed(result: CallResult): boolean {
  return result.status === 503 && result.retryAfter !== null && SHED_CODES.has(result.reason);
}

/**
 * The exact books of a run: what agents got (200s with receipts), what the edge recorded (its ledger)
 * and what the chain did (Transfer events to payTo, balances) must be the same payments, one to one.
 */
export function reconcile(input: ReconcileInput): Check[] {
  const { results, price, ledger, transfers, before, after } = input;
  const ok = results.filter((r) => r.status === 200);
  const receiptHashes = ok.map((r) => r.txHash?.toLowerCase() ?? "(no receipt)");
  const ledgerHashes = ledger.rows.map((r) => r.txHash?.toLowerCase() ?? "(no tx hash)");
  const chainHashes = transfers.map((t) => t.txHash.toLowerCase());

  const paidAmount = price * BigInt(ok.length);
  const ledgerAmount = ledger.rows.reduce((sum, r) => sum + BigInt(r.amount), 0n);
  const chainAmount = transfers.reduce((sum, t) => sum + t.value, 0n);
  const payToDelta = after.payTo - before.payTo;
  let payersDelta = 0n;
  for (const [payer, balance] of after.payers) payersDelta += (before.payers.get(payer) ?? 0n) - balance;

  const fiveHundreds = results.filter((r) => r.status >= 500 && !isShed(r));
  const unexpected = results.filter((r) => !(r.status === 200 && r.reason === "ok") && !isShed(r));
  const refused = results.length - ok.length;

  return [
    {
      name: "count: 200s = ledger rows = Transfer events",
      detail: `${ok.length} = ${ledger.rows.length} = ${transfers.length}` + (ledger.totals.count === ledger.rows.length ? "" : ` (ledger totals say ${ledger.totals.count})`),
      ok: ok.length === ledger.rows.length && ledger.rows.length === transfers.length && ledger.totals.count === ledger.rows.length,
    },
    {
      name: "amount: 200s × price = ledger = events = payTo Δ = payers' −Δ",
      detail: [paidAmount, ledgerAmount, chainAmount, payToDelta, payersDelta].join(" = ") + (ledger.totals.amount === ledgerAmount ? "" : ` (ledger totals say ${ledger.totals.amount})`),
      ok: [ledgerAmount, chainAmount, payToDelta, payersDelta, ledger.totals.amount].every((a) => a === paidAmount),
    },
    { name: "tx hashes one-to-one: receipts ↔ ledger ↔ chain", ...matchOneToOne(receiptHashes, ledgerHashes, chainHashes) },
    {
      name: "Transfer events: from a payer, exactly the price",
      detail: `${transfers.filter((t) => !isPayer(after, t.from) || t.value !== price).length} of ${transfers.length} otherwise`,
      ok: transfers.every((t) => isPayer(after, t.from) && t.value === price),
    },
    { name: "refused calls charged on chain", detail: `${input.refusedButCharged} of ${refused}`, ok: input.refusedButCharged === 0 },
    { name: "5xx other than shed 503s", detail: String(fiveHundreds.length), ok: fiveHundreds.length === 0 },
    { name: "calls neither 200 nor shed", detail: String(unexpected.length), ok: unexpected.length === 0 },
  ];
}

function isPayer(snapshot: BalanceSnapshot, address: Address): boolean {
  for (const payer of snapshot.payers.keys()) if (payer.toLowerCase() === address.toLowerCase()) return true;
  return false;
}

function matchOneToOne(receipts: string[], ledger: string[], chain: string[]): { detail: string; ok: boolean } {
  const sets = { receipts: new Set(receipts), ledger: new Set(ledger), chain: new Set(chain) };
  const problems: string[] = [];
  for (const [name, list] of [["receipts", receipts], ["ledger", ledger], ["chain", chain]] as const) {
    const duplicates = list.length - sets[name].size;
    if (duplicates > 0) problems.push(`${duplicates} duplicate(s) in ${name}`);
  }
  const missing = (from: Set<string>, to: Set<string>) => [...from].filter((h) => !to.has(h)).length;
  // Equal sets are transitive: receipts = ledger and ledger = chain is all of it.
  for (const [a, b] of [["receipts", "ledger"], ["ledger", "receipts"], ["ledger", "chain"], ["chain", "ledger"]] as const) {
    const count = missing(sets[a], sets[b]);
    if (count > 0) problems.push(`${count} in ${a} not in ${b}`);
  }
  return problems.length === 0 ? { detail: `${sets.receipts.size} matched`, ok: true } : { detail: problems.join("; "), ok: false };
}
