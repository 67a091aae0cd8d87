import type { SettleResponse } from "@x402/core/types";
import { chooseEntry } from "./choose-offer.ts";
import type { PaymentScheme } from "./payment-scheme.ts";
import { PaymentReason, type PaymentRefusal } from "./reasons.ts";
import type { PaidResource } from "./paid-resource.ts";
import type { SubmittedPayment } from "./submitted-payment.ts";
import { buildPaymentTerms, type PaymentTerms } from "./terms.ts";

export interface RefundCall {
  payment: SubmittedPayment;
  schemes: readonly PaymentScheme[];
  /** The price the terms are quoted at: it only has to be the same on the probe and on the refund. */
  price: bigint;
  resource: PaidResource;
  minValidityMs: number;
}

export type RefundCallResult =
  | { kind: "payment_required"; terms: PaymentTerms; refusal: PaymentRefusal }
  | { kind: "refund_failed"; terms: PaymentTerms; refusal: PaymentRefusal; receipt: SettleResponse }
  | { kind: "refunded"; receipt: SettleResponse; body: Record<string, unknown> };

/**
 * A payment-only call (x402 cooperative refund: the official channel client GETs the paid URL,
 * first with no payment for the terms, then with a refund payload): the scheme the payload names
 * verifies it and gives the payer's unused funds back. No job runs; nothing is charged.
 */
export async function runRefundCall(call: RefundCall): Promise<RefundCallResult> {
  const terms = buildPaymentTerms(call.schemes, call.price, call.resource);
  const refuse = (refusal: PaymentRefusal): RefundCallResult => ({ kind: "payment_required", terms, refusal });
  const { payment } = call;
  if (payment.kind === "none") return refuse({ reason: PaymentReason.paymentRequired, message: "send a refund payload to this URL to get back what is left in your channel; buy with POST" });
  if (payment.kind === "invalid") return refuse(payment.refusal);
  const chosen = chooseEntry(terms, payment.payload);
  if (!chosen.ok) return refuse(chosen.refusal);
  const { scheme, offer } = chosen.entry;
  if (!scheme.refund) return refuse({ reason: PaymentReason.invalidPayload, message: `${scheme.scheme} payments have nothing to refund; buy with POST` });
  const verdict = await scheme.verify(payment.payload, offer, { nowMs: Date.now(), minValidityMs: call.minValidityMs });
  if (!verdict.ok) return refuse(verdict.refusal);
  const refunded = await scheme.refund(verdict.payment, offer);
  if (refunded.ok) return { kind: "refunded", receipt: refunded.receipt, body: refunded.body };
  return refunded.receipt ? { kind: "refund_failed", terms, refusal: refunded.refusal, receipt: refunded.receipt } : refuse(refunded.refusal);
}
