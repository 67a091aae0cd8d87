import { zeroAddress, type Address } from "viem";
import { transferEvents, usdcBalanceOf } from "../../dev/chain/usdc.ts";

/**
 * The edge's books against the chain's: every settlement the ledger lists (`GET /admin/payments`) is
 * a USDC `Transfer` to payTo on chain with the same transaction, payer and amount, and every such
 * transfer is in the ledger, exactly once. Balance deltas since a checkpoint say who paid what.
 */

/** What reconciliation needs from a running stack (a LocalStack has all of it). */
export interface ReconcileTarget {
  chain: { rpcUrl: string };
  network: string;
  usdc: Address;
  payTo: Address;
  admin(path: string): Promise<Response>;
}

/** One payment as both sides can state it. */
export interface Settlement {
  txHash: string;
  payer: string;
  amount: bigint;
}

export interface LedgerEntry extends Settlement {
  id: number;
  network: string;
  payTo: string;
  asset: string;
  service: string;
  model: string | null;
  runnerId: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

export interface Checkpoint {
  /** Ledger rows and chain transfers listed at the checkpoint, by tx hash. */
  ledgerTx: ReadonlySet<string>;
  chainTx: ReadonlySet<string>;
  /** USDC balances at the checkpoint: payTo and every watched payer (lower-case addresses). */
  balances: ReadonlyMap<string, bigint>;
}

export interface Reconciliation {
  /** Ledger rows added since the checkpoint, oldest first. */
  newEntries: LedgerEntry[];
  /** Chain settlements since the checkpoint, oldest first. */
  newSettlements: Settlement[];
}

export interface ExpectReconciledOptions {
  since: Checkpoint;
  /**
   * What each payer must have been charged since the checkpoint (0n for "nothing"). Every payer with
   * a new ledger row must be listed here, and payTo must have gained exactly the sum.
   */
  charged: Record<Address, bigint>;
  /** How long the books may take to settle (work that outlived its client runs on). @default 15_000 */
  timeoutMs?: number;
}

export class ReconcileError extends Error {
  override name = "ReconcileError";
}

/** The whole ledger, every page. */
export async function readLedger(target: ReconcileTarget): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for (let offset = 0; ; offset += 1000) {
    const response = await target.admin(`/admin/payments?limit=1000&offset=${offset}`);
    if (response.status !== 200) throw new ReconcileError(`GET /admin/payments answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { payments: Array<Omit<LedgerEntry, "amount"> & { amount: string }>; totals: { count: number; amount: string } };
    entries.push(...page.payments.map((p) => ({ ...p, txHash: p.txHash.toLowerCase(), payer: p.payer.toLowerCase(), amount: BigInt(p.amount) })));
    if (page.payments.length < 1000) {
      // The ledger's own totals must agree with its rows.
      const sum = entries.reduce((total, e) => total + e.amount, 0n);
      if (page.totals.count !== entries.length || BigInt(page.totals.amount) !== sum) {
        throw new ReconcileError(`ledger totals ${page.totals.count} rows / ${page.totals.amount} disagree with its rows: ${entries.length} / ${sum}`);
      }
      return entries.sort((a, b) => a.id - b.id);
    }
  }
}

/** Every USDC transfer into payTo that is not a mint: what the chain says the edge was paid. */
export async function readChainSettlements(target: ReconcileTarget): Promise<Settlement[]> {
  const events = await transferEvents(target.chain.rpcUrl, target.usdc, { to: target.payTo });
  return events
    .filter((e) => e.from !== zeroAddress)
    .map((e) => ({ txHash: e.txHash.toLowerCase(), payer: e.from.toLowerCase(), amount: e.value }));
}

export async function checkpoint(target: ReconcileTarget, payers: Address[]): Promise<Checkpoint> {
  const accounts = [...new Set([target.payTo, ...payers].map((a) => a.toLowerCase() as Address))];
  const [ledger, chain, balances] = await Promise.all([
    readLedger(target),
    readChainSettlements(target),
    Promise.all(accounts.map(async (a) => [a, await usdcBalanceOf(target.chain.rpcUrl, target.usdc, a)] as const)),
  ]);
  return { ledgerTx: new Set(ledger.map((e) => e.txHash)), chainTx: new Set(chain.map((s) => s.txHash)), balances: new Map(balances) };
}

/**
 * Waits (bounded) until the ledger matches the chain exactly and the balances moved by exactly the
 * charges given, then returns what was added since the checkpoint. Throws with the differences if
 * that never happens.
 */
export async function expectReconciled(target: ReconcileTarget, options: ExpectReconciledOptions): Promise<Reconciliation> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const attempt = await reconcileOnce(target, options);
    if (attempt.problems.length === 0) return attempt.result;
    if (Date.now() >= deadline) throw new ReconcileError(`ledger and chain disagree:\n  - ${attempt.problems.join("\n  - ")}`);
    // Polled, not slept on: each round re-reads both books and stops as soon as they agree.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function reconcileOnce(target: ReconcileTarget, { since, charged }: ExpectReconciledOptions): Promise<{ problems: string[]; result: Reconciliation }> {
  const [ledger, chain] = await Promise.all([readLedger(target), readChainSettlements(target)]);
  const problems: string[] = [];
  const key = (s: Settlement) => `${s.txHash} ${s.payer} ${s.amount}`;

  // 1. The whole history, both ways, exactly once each.
  const ledgerCounts = countBy(ledger.map(key));
  const chainCounts = countBy(chain.map(key));
  for (const [k, n] of ledgerCounts) {
    const onChain = chainCounts.get(k) ?? 0;
    if (onChain !== n) problems.push(`ledger lists ${k} ${n}×, the chain has it ${onChain}×`);
  }
  for (const [k, n] of chainCounts) if (!ledgerCounts.has(k)) problems.push(`the chain has ${k} (${n}×), the ledger does not`);
  for (const e of ledger) {
    const wrong = [
      e.network !== target.network && `network ${e.network}`,
      e.payTo !== target.payTo.toLowerCase() && `payTo ${e.payTo}`,
      e.asset !== target.usdc.toLowerCase() && `asset ${e.asset}`,
    ].filter(Boolean);
    if (wrong.length) problems.push(`ledger row ${e.id} (${e.txHash}) has ${wrong.join(", ")}`);
  }

  // 2. Since the checkpoint: new rows only for the payers named, each charged exactly as said.
  const newEntries = ledger.filter((e) => !since.ledgerTx.has(e.txHash));
  const newSettlements = chain.filter((s) => !since.chainTx.has(s.txHash));
  const expected = new Map(Object.entries(charged).map(([payer, amount]) => [payer.toLowerCase(), amount]));
  const ledgerByPayer = new Map<string, bigint>();
  for (const e of newEntries) ledgerByPayer.set(e.payer, (ledgerByPayer.get(e.payer) ?? 0n) + e.amount);
  for (const payer of ledgerByPayer.keys()) if (!expected.has(payer)) problems.push(`unexpected new ledger rows for payer ${payer}`);
  let total = 0n;
  for (const [payer, amount] of expected) {
    total += amount;
    const inLedger = ledgerByPayer.get(payer) ?? 0n;
    if (inLedger !== amount) problems.push(`payer ${payer}: ledger charged ${inLedger} since the checkpoint, expected ${amount}`);
    const before = since.balances.get(payer);
    if (before === undefined) throw new ReconcileError(`payer ${payer} was not watched by the checkpoint`);
    const now = await usdcBalanceOf(target.chain.rpcUrl, target.usdc, payer as Address);
    if (before - now !== amount) problems.push(`payer ${payer}: balance fell by ${before - now}, expected ${amount}`);
  }
  const payTo = target.payTo.toLowerCase();
  const payToNow = await usdcBalanceOf(target.chain.rpcUrl, target.usdc, target.payTo);
  const payToGain = payToNow - since.balances.get(payTo)!;
  if (payToGain !== total) problems.push(`payTo gained ${payToGain}, expected ${total}`);
  return { problems, result: { newEntries, newSettlements } };
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}
