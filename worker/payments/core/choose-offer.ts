import { PaymentReason, type PaymentRefusal } from "./reasons.ts";
import type { PaymentTerms, TermsEntry } from "./terms.ts";
import { schemeOf, type PaymentPayload } from "./wire.ts";

/** The offer a payment answers: same scheme, same network (v1: the network's v1 name). */
export function chooseEntry(terms: PaymentTerms, payload: PaymentPayload): { ok: true; entry: TermsEntry } | { ok: false; refusal: PaymentRefusal } {
  const { scheme, network } = schemeOf(payload);
  const refuse = (reason: string, message: string) => ({ ok: false as const, refusal: { reason, message } });
  const sameScheme = terms.entries.filter((e) => e.offer.v2.scheme === scheme);
  if (sameScheme.length === 0) {
    return refuse(PaymentReason.unsupportedScheme, `scheme "${scheme}" is not offered; use ${quoteList(terms.entries.map((e) => e.offer.v2.scheme))}`);
  }
  if (payload.x402Version === 2) {
    const entry = sameScheme.find((e) => e.offer.v2.network === network);
    return entry ? { ok: true, entry } : refuse(PaymentReason.invalidNetwork, `network ${network} is not offered; use ${sameScheme.map((e) => e.offer.v2.network).join(" or ")}`);
  }
  const entry = sameScheme.find((e) => e.offer.v1?.network === network);
  if (entry) return { ok: true, entry };
  const v1Names = sameScheme.flatMap((e) => (e.offer.v1 ? [e.offer.v1.network] : []));
  return refuse(
    PaymentReason.invalidNetwork,
    v1Names.length > 0 ? `network ${network} is not offered; use ${v1Names.join(" or ")}` : `x402 v1 cannot pay on ${sameScheme.map((e) => e.offer.v2.network).join(", ")}; use x402 v2`,
  );
}


const quoteList = (names: string[]) => [...new Set(names)].map((n) => `"${n}"`).join(" or ");
