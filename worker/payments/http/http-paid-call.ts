import type { SettleResponse } from "@x402/core/types";
import { jsonError } from "../../http/json-error.ts";
import { runPaidCall, type JobOutcome, type PaidCall } from "../core/paid-call.ts";
import { extractPayment } from "./payment-header.ts";
import { serverTimingHeader } from "./server-timing.ts";
import { paymentRequiredResponse, receiptHeaders, settlementFailedResponse } from "./x402-responses.ts";

/** What an HTTP service produced: an error Response, or a result delivered with the receipt headers. */
export type HttpJobOutcome =
  | { ok: false; response: Response; code?: string }
  | (Omit<Extract<JobOutcome<Response>, { ok: true }>, "deliver"> & {
      /** `final`: a metered stream's final charge, for its last event (see Settlement.final). */
      deliver(receipt: Headers, final?: Promise<SettleResponse | null>): Response;
    });

export interface HttpPaidCall extends Omit<PaidCall<Response>, "payment" | "run"> {
  request: Request;
  run(options: { timeoutMs: number; signal: AbortSignal }): Promise<HttpJobOutcome>;
}

/**
 * x402 over HTTP: the payment arrives in `PAYMENT-SIGNATURE` / `X-PAYMENT`, a refusal is a 402 with
 * `PAYMENT-REQUIRED`, the receipt goes back in the header matching the one the client used.
 */
export async function handlePaidCall(call: HttpPaidCall): Promise<Response> {
  const extracted = extractPayment(call.request.headers);
  const paidWith = extracted.kind === "none" ? "PAYMENT-SIGNATURE" : extracted.header;
  const result = await runPaidCall<Response>({
    ...call,
    payment: extracted,
    run: async (options) => {
      const outcome = await call.run(options);
      if (!outcome.ok) return { ok: false, failure: outcome.response, ...(outcome.code ? { code: outcome.code } : {}) };
      return {
        ...outcome,
        deliver: ({ receipt, stages, final }) => {
          const headers = receiptHeaders(paidWith, receipt);
          headers.set("Server-Timing", serverTimingHeader(stages));
          return outcome.deliver(headers, final);
        },
      };
    },
  });
  switch (result.kind) {
    case "payment_required":
      return paymentRequiredResponse(result.terms, result.refusal);
    case "settlement_failed":
      return settlementFailedResponse(result.terms, paidWith, result.receipt);
    case "job_failed":
      return result.failure;
    case "internal_error":
      return jsonError(500, "internal_error", "the job failed unexpectedly; nothing was charged");
    case "delivered":
      return result.result;
  }
}

/**
 * The same job path without payment, for the benchmark that measures what payment handling adds.
 * Only reachable when BENCH_ROUTES is on, which the config allows on the local chain only.
 */
export async function handleUnpaidCall(call: HttpPaidCall): Promise<Response> {
  const outcome = await call.run({ timeoutMs: call.jobTimeoutMs, signal: new AbortController().signal });
  return outcome.ok ? outcome.deliver(new Headers({ "Cache-Control": "no-store" })) : outcome.response;
}
