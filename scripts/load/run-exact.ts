import type { Address, LocalAccount } from "viem";
import { fmt } from "../../bench/lib/stats.ts";
import { exactRequirements } from "../../dev/x402-payments.ts";
import { chainAudit } from "./chain-audit.ts";
import { drive, type CallResult } from "./driver.ts";
import { readLedger } from "./ledger.ts";
import { largestPayerSpend, presign, quote } from "./payments.ts";
import { reconcile } from "./reconcile.ts";
import { UnworkableSettings, type LoadRun, type RunContext } from "./run.ts";
import { countBy } from "./stats.ts";

/**
 * Paying by `exact`: N EIP-3009 authorizations signed before the clock starts (the stack's funded
 * payers in turn), one transfer per call; the books are receipts = ledger = Transfer events.
 */
export async function prepareExact({ config, stack, target, url }: RunContext): Promise<LoadRun> {
  const payers = stack.chain.accounts.payers as readonly LocalAccount[];
  const required = await quote(url, target.body);
  const terms = exactRequirements(required); // pays by exact transfer, whatever the edge lists first
  const price = BigInt(terms.amount);
  const audit = chainAudit({ rpcUrl: stack.chain.rpcUrl, usdc: stack.usdc, payTo: stack.payTo, payers: payers.map((p) => p.address as Address) });
  const before = await audit.snapshot();
  const spend = largestPayerSpend(price, config.n, payers.length);
  const poorest = [...before.payers.values()].reduce((a, b) => (a < b ? a : b));
  if (spend > poorest) throw new UnworkableSettings(`LOAD_N too large: a payer would need ${spend} base units and holds ${poorest}`);
  const signed = await presign(required, stack.chain.chainId, payers, config.n);
  let results: CallResult[] = [];

  return {
    price,
    payers: payers.length,
    prepared: `signed ${config.n} payments of ${price} base units from ${payers.length} payers`,
    async drive({ signal, onProgress }) {
      const driven = await drive({ url, body: target.body, payments: signed.payments, concurrency: config.c, signal, onProgress });
      results = driven.results;
      return driven;
    },
    async reconcile() {
      const after = await audit.snapshot();
      const [transfers, ledger] = await Promise.all([audit.transfersToPayTo(before.block + 1n, after.block), readLedger(stack.admin)]);
      const refusedButCharged = await audit.countUsed(results.filter((r) => r.status !== 200));
      return {
        checks: reconcile({ results, price, ledger, transfers, before, after, refusedButCharged }),
        jobsPerRunner: countBy(ledger.rows, (row) => row.runnerId ?? "(none)"),
      };
    },
    reportLines: () => [
      `scheme exact: one EIP-3009 transfer per call, settled by the edge's relayer`,
      `pre-signed ${signed.payments.length} payments in ${fmt(signed.signingMs / 1000, 1)} s before the clock started (${fmt(signed.signingMs / Math.max(1, signed.payments.length), 2)} ms each; not in the figures below; valid ${terms.maxTimeoutSeconds} s, the edge's MAX_TIMEOUT_SECONDS here)`,
    ],
  };
}
