import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { SettleResponse } from "@x402/core/types";
import { DEFAULT_RETRY_AFTER_SECONDS, JOB_ERROR_STATUS } from "../jobs/job-error-status.ts";
import type { JobFailure } from "../jobs/start-job.ts";
import type { PaymentRefusal } from "../payments/core/reasons.ts";
import { paymentRequiredV2, type PaymentTerms } from "../payments/core/terms.ts";
import type { InputIssue } from "../validation/input-issues.ts";
import { PAYMENT_RESPONSE_META_KEY } from "./x402-meta.ts";

/**
 * x402's PaymentRequired as a tool result, per the MCP transport: `isError`, the object in
 * `structuredContent` and the same JSON in `content[0].text`. `error` is the reason code (as in the
 * HTTP 402), `message` says it in words. A failed settlement also carries its failed receipt in `_meta`.
 */
export function paymentRequiredResult(terms: PaymentTerms, refusal: PaymentRefusal, failedReceipt?: SettleResponse): CallToolResult {
  // The whole refusal, not its reason: a scheme's correction (a channel's state) rides in its terms.
  const required = { ...paymentRequiredV2(terms, refusal), message: refusal.message };
  return {
    isError: true,
    structuredContent: required,
    content: [{ type: "text", text: JSON.stringify(required) }],
    ...(failedReceipt ? { _meta: { [PAYMENT_RESPONSE_META_KEY]: failedReceipt } } : {}),
  };
}

/** The tool's result, with the settlement receipt in `_meta["x402/payment-response"]`. */
export function deliveredResult(output: unknown, receipt: SettleResponse): CallToolResult {
  return {
    structuredContent: output as Record<string, unknown>,
    content: [{ type: "text", text: JSON.stringify(output) }],
    _meta: { [PAYMENT_RESPONSE_META_KEY]: receipt },
  };
}

export interface ToolError {
  code: string;
  message: string;
  /** The status the same failure has over HTTP, so agents can treat both transports alike. */
  status: number;
  retryAfterSeconds?: number;
  issues?: InputIssue[];
}

/**
 * A tool error that is not about payment (bad arguments, no runner, model failure): nothing was
 * charged. Its `structuredContent` has no `x402Version`/`accepts`, so no client mistakes it for a price.
 */
export function toolErrorResult(error: ToolError): CallToolResult {
  return {
    isError: true,
    structuredContent: { error },
    content: [{ type: "text", text: `${error.code}: ${error.message}` }],
  };
}

export function jobFailedResult(failure: JobFailure): CallToolResult {
  const status = JOB_ERROR_STATUS[failure.code];
  return toolErrorResult({
    code: failure.code,
    message: `${failure.message}; nothing was charged`,
    status,
    ...(status === 503 ? { retryAfterSeconds: failure.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS } : {}),
  });
}
