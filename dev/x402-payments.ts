import { authorizationTypes } from "@x402/evm";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import type { PaymentRequirementsV1 } from "@x402/core/types/v1";
import { bytesToHex, type Address, type Hex, type LocalAccount } from "viem";
import { randomBytes } from "node:crypto";

/**
 * Hand-built x402 payments for refusal tests: what the official clients send, with one field changed
 * at a time. The happy paths in the e2e tests use the official clients themselves.
 */
export interface PaymentTweaks {
  value?: bigint;
  to?: Address;
  validAfter?: bigint;
  validBefore?: bigint;
  nonce?: Hex;
  /** Sign with another key than `from` claims. */
  signer?: LocalAccount;
  from?: Address;
  /** EIP-712 domain overrides (a signature for another token or chain). */
  domain?: { name?: string; version?: string; chainId?: number; verifyingContract?: Address };
  accepted?: Partial<PaymentRequirements> & Record<string, unknown>;
  corruptSignature?: boolean;
}

export function readPaymentRequired(response: Response): PaymentRequired {
  const header = response.headers.get("PAYMENT-REQUIRED");
  if (!header) throw new Error(`no PAYMENT-REQUIRED header on HTTP ${response.status}`);
  return decodePaymentRequiredHeader(header);
}

export function readReceipt(response: Response): SettleResponse {
  const header = response.headers.get("PAYMENT-RESPONSE") ?? response.headers.get("X-PAYMENT-RESPONSE");
  if (!header) throw new Error(`no payment receipt header on HTTP ${response.status}`);
  return decodePaymentResponseHeader(header);
}

export async function signAuthorization(requirements: { asset: string; payTo: string; amount: string; extra: Record<string, unknown> }, chainId: number, payer: LocalAccount, tweaks: PaymentTweaks = {}) {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const authorization = {
    from: tweaks.from ?? payer.address,
    to: tweaks.to ?? (requirements.payTo as Address),
    value: tweaks.value ?? BigInt(requirements.amount),
    validAfter: tweaks.validAfter ?? 0n,
    validBefore: tweaks.validBefore ?? now + 120n,
    nonce: tweaks.nonce ?? bytesToHex(randomBytes(32)),
  };
  const signer = tweaks.signer ?? payer;
  let signature = await signer.signTypedData!({
    domain: {
      name: tweaks.domain?.name ?? String(requirements.extra.name),
      version: tweaks.domain?.version ?? String(requirements.extra.version),
      chainId: tweaks.domain?.chainId ?? chainId,
      verifyingContract: tweaks.domain?.verifyingContract ?? (requirements.asset as Address),
    },
    types: authorizationTypes,
    primaryType: "TransferWithAuthorization",
    message: authorization,
  });
  if (tweaks.corruptSignature) signature = `${signature.slice(0, 10)}${signature[10] === "0" ? "1" : "0"}${signature.slice(11)}` as Hex;
  return {
    signature,
    authorization: {
      from: authorization.from,
      to: authorization.to,
      value: authorization.value.toString(),
      validAfter: authorization.validAfter.toString(),
      validBefore: authorization.validBefore.toString(),
      nonce: authorization.nonce,
    },
  };
}

/** The `exact` entry of a 402's `accepts` (a channel scheme may be listed first). */
export function exactRequirements(required: PaymentRequired) {
  const exact = required.accepts.find((a) => a.scheme === "exact");
  if (!exact) throw new Error(`the 402 offers no exact scheme: ${required.accepts.map((a) => a.scheme).join(", ")}`);
  return exact;
}

/** A v2 PaymentPayload for the `exact` entry of a 402, as @x402/fetch with the exact client would build it. */
export async function paymentV2(required: PaymentRequired, chainId: number, payer: LocalAccount, tweaks: PaymentTweaks = {}) {
  const accepted = exactRequirements(required);
  return {
    x402Version: 2,
    resource: required.resource,
    accepted: { ...accepted, ...tweaks.accepted },
    payload: await signAuthorization(accepted, chainId, payer, tweaks),
  };
}

/** A v1 PaymentPayload, as x402-fetch would build it. */
export async function paymentV1(requirements: PaymentRequirementsV1, chainId: number, payer: LocalAccount, tweaks: PaymentTweaks = {}) {
  return {
    x402Version: 1,
    scheme: requirements.scheme,
    network: requirements.network,
    payload: await signAuthorization({ ...requirements, amount: requirements.maxAmountRequired }, chainId, payer, tweaks),
  };
}

export function encodePayment(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), "utf8").toString("base64");
}
