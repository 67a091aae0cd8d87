import type { PaymentRequirements } from "@x402/core/types";

/**
 * Which of an edge's `accepts` entries a client of ours pays, by scheme — never by position: the edge
 * lists its schemes in its configured order (`batch-settlement` first by default), and another x402
 * server may list anything anywhere.
 */
export const EXACT = "exact";
export const BATCH_SETTLEMENT = "batch-settlement";
export type PayScheme = typeof EXACT | typeof BATCH_SETTLEMENT;

/** `auto`: a payment channel when the edge offers one this client can use, else an exact transfer. */
export type SchemeChoice = "auto" | PayScheme;
export const SCHEME_CHOICES: readonly SchemeChoice[] = ["auto", BATCH_SETTLEMENT, EXACT];

export type Picked = { ok: true; requirements: PaymentRequirements; scheme: PayScheme } | { ok: false; offered: string };

/**
 * The entry to pay: for `auto`, the first payable `batch-settlement` entry, else the first payable
 * `exact` one; for a named scheme, only that scheme. Payable = an EVM network (`eip155:<id>`, and
 * `network` when given), an amount in base units, and for a channel the receiver authorizer the
 * official client needs to build it.
 */
export function pickRequirements(accepts: readonly PaymentRequirements[], options: { scheme: SchemeChoice; network?: string | null }): Picked {
  const payable = (scheme: PayScheme) =>
    accepts.find(
      (a) =>
        a.scheme === scheme &&
        /^eip155:\d+$/.test(a.network) &&
        (!options.network || a.network === options.network) &&
        /^\d+$/.test(String(a.amount)) &&
        (scheme !== BATCH_SETTLEMENT || hasReceiverAuthorizer(a)),
    );
  const order: PayScheme[] = options.scheme === "auto" ? [BATCH_SETTLEMENT, EXACT] : [options.scheme];
  for (const scheme of order) {
    const found = payable(scheme);
    if (found) return { ok: true, requirements: found, scheme };
  }
  return { ok: false, offered: accepts.map((a) => `${a.scheme} on ${a.network}`).join(", ") || "nothing" };
}

function hasReceiverAuthorizer(requirements: PaymentRequirements): boolean {
  const authorizer = requirements.extra?.receiverAuthorizer;
  return typeof authorizer === "string" && /^0x[0-9a-fA-F]{40}$/.test(authorizer) && !/^0x0{40}$/.test(authorizer);
}
