import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { PaymentRequired, SettleResponse } from "@x402/core/types";

export const PAYMENT_META_KEY = "x402/payment";
export const PAYMENT_RESPONSE_META_KEY = "x402/payment-response";

/** PaymentRequired plus the `message` edge402 adds (other servers may leave it out). */
export type ToolPaymentRequired = PaymentRequired & { message?: string };

/**
 * The PaymentRequired in an error tool result, as the x402 MCP transport says a client reads it:
 * `structuredContent` first, then `content[0].text` parsed as JSON; null when the error is another kind.
 */
export function paymentRequiredOf(result: CallToolResult): ToolPaymentRequired | null {
  if (!result.isError) return null;
  if (isPaymentRequired(result.structuredContent)) return result.structuredContent;
  const first = result.content[0];
  if (first?.type !== "text") return null;
  try {
    const parsed: unknown = JSON.parse(first.text);
    return isPaymentRequired(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The settlement receipt a server put in `_meta["x402/payment-response"]`, if any. */
export function receiptOf(result: CallToolResult): SettleResponse | null {
  const receipt = result._meta?.[PAYMENT_RESPONSE_META_KEY];
  return typeof receipt === "object" && receipt !== null && typeof (receipt as { success?: unknown }).success === "boolean" ? (receipt as SettleResponse) : null;
}

function isPaymentRequired(value: unknown): value is ToolPaymentRequired {
  if (typeof value !== "object" || value === null) return false;
  const { x402Version, accepts } = value as { x402Version?: unknown; accepts?: unknown };
  return typeof x402Version === "number" && Array.isArray(accepts);
}
