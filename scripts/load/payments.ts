import type { PaymentRequired } from "@x402/core/types";
import type { Address, Hex, LocalAccount } from "viem";
import { encodePayment, paymentV2, readPaymentRequired, exactRequirements } from "../../dev/x402-payments.ts";

/** One signed x402 v2 payment, ready to send as PAYMENT-SIGNATURE. */
export interface SignedPayment {
  header: string;
  payer: Address;
  nonce: Hex;
}

export interface Presigned {
  payments: SignedPayment[];
  /** Wall time spent signing (before the timed phase). */
  signingMs: number;
}

/** The unpaid request: the edge validates the body and quotes (402) without running anything. */
export async function quote(url: string, body: string): Promise<PaymentRequired> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  if (response.status !== 402) throw new Error(`expected a 402 quote from ${url}, got HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  await response.arrayBuffer();
  return readPaymentRequired(response);
}

/**
 * Signs `count` EIP-3009 authorizations for the quote, payers in turn, each valid for the quote's
 * maxTimeoutSeconds. Client-side signing (~2 ms each with viem) is not what a load run measures, so
 * it all happens before the clock starts.
 */
export async function presign(required: PaymentRequired, chainId: number, payers: readonly LocalAccount[], count: number): Promise<Presigned> {
  const accepted = exactRequirements(required);
  const started = performance.now();
  const validBefore = BigInt(Math.floor(Date.now() / 1000) + accepted.maxTimeoutSeconds);
  const payments: SignedPayment[] = [];
  for (let i = 0; i < count; i++) {
    // Signing never waits on I/O: let timers (the run's time budget, signals) in now and then.
    if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
    const payer = payers[i % payers.length]!;
    const payload = await paymentV2(required, chainId, payer, { validBefore });
    payments.push({ header: encodePayment(payload), payer: payer.address, nonce: payload.payload.authorization.nonce as Hex });
  }
  return { payments, signingMs: performance.now() - started };
}

/** The most any one payer is asked for in the run (payers take turns). */
export function largestPayerSpend(price: bigint, count: number, payerCount: number): bigint {
  return price * BigInt(Math.ceil(count / payerCount));
}
