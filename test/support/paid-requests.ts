import type { PaymentRequired } from "@x402/core/types";
import type { LocalAccount } from "viem";
import { encodePayment, exactRequirements, paymentV2, readPaymentRequired, type PaymentTweaks } from "../../dev/x402-payments.ts";

/**
 * Paid calls made by hand, so a test holds the payment header itself: it can send it again (replay),
 * send it after a restart, or abort the call mid-way. (The happy paths use the official clients.)
 */
export interface PaidRequests {
  /** The 402 for `body`, and its price in base units. */
  quote(body: unknown): Promise<{ required: PaymentRequired; price: bigint }>;
  /** A signed v2 payment for `body` by `payer`. */
  sign(body: unknown, payer: LocalAccount, tweaks?: PaymentTweaks): Promise<{ header: string; price: bigint }>;
  /** POSTs `body` with the payment header (if any). */
  post(body: unknown, header?: string, init?: { signal?: AbortSignal }): Promise<Response>;
}

export function paidRequests(target: { edge: { url: string }; chain: { chainId: number } }, path = "/v1/chat/completions"): PaidRequests {
  const post = (body: unknown, header?: string, init: { signal?: AbortSignal } = {}) =>
    fetch(`${target.edge.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(header ? { "PAYMENT-SIGNATURE": header } : {}) },
      body: JSON.stringify(body),
      ...init,
    });
  const quote = async (body: unknown) => {
    const response = await post(body);
    if (response.status !== 402) throw new Error(`expected a 402 quote, got ${response.status}: ${await response.text()}`);
    const required = readPaymentRequired(response);
    return { required, price: BigInt(exactRequirements(required).amount) };
  };
  return {
    quote,
    async sign(body, payer, tweaks = {}) {
      const { required, price } = await quote(body);
      return { header: encodePayment(await paymentV2(required, target.chain.chainId, payer, tweaks)), price };
    },
    post,
  };
}

/** The `error` object of a JSON error response. */
export async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

/** The text content of an OpenAI chat-completion SSE event, if it carries any. */
export function contentOf(event: unknown): string | undefined {
  return (event as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content;
}
