import { runRefundCall, type RefundCall } from "../core/refund-call.ts";
import { extractPayment } from "./payment-header.ts";
import { paymentRequiredResponse, receiptHeaders, settlementFailedResponse } from "./x402-responses.ts";

/**
 * GET on a paid URL: the terms (402), or a cooperative refund when the payment is one — answered
 * 200 with the receipt, as the official channel client expects.
 */
export async function handleRefundCall(call: Omit<RefundCall, "payment"> & { request: Request }): Promise<Response> {
  const extracted = extractPayment(call.request.headers);
  const paidWith = extracted.kind === "none" ? "PAYMENT-SIGNATURE" : extracted.header;
  const result = await runRefundCall({ ...call, payment: extracted });
  switch (result.kind) {
    case "payment_required":
      return paymentRequiredResponse(result.terms, result.refusal);
    case "refund_failed":
      return settlementFailedResponse(result.terms, paidWith, result.receipt);
    case "refunded": {
      const headers = receiptHeaders(paidWith, result.receipt);
      headers.set("Content-Type", "application/json");
      return new Response(JSON.stringify(result.body), { status: 200, headers });
    }
  }
}
