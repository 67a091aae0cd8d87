import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { PaymentReason } from "../../../worker/payments/core/reasons.ts";
import { ExactReason } from "../../../worker/payments/schemes/exact/exact-reasons.ts";
import { verifyExactPayment } from "../../../worker/payments/schemes/exact/verify-exact.ts";
import { paymentV1, paymentV2, type PaymentTweaks } from "../../../dev/x402-payments.ts";
import { paymentConfig, payer, stranger, terms } from "./fixtures.ts";
import type { ExactPaymentPayloadV1 as PaymentPayloadV1, ExactPaymentPayloadV2 as PaymentPayloadV2 } from "../../../worker/payments/schemes/exact/exact-payload.ts";

const now = Math.floor(Date.now() / 1000);
const required = { x402Version: 2, resource: { url: terms.resource.url }, accepts: [terms.v2] };

async function v2(tweaks: PaymentTweaks = {}) {
  return (await paymentV2(required, paymentConfig.chainId, payer, tweaks)) as PaymentPayloadV2;
}
const verify = (payload: PaymentPayloadV1 | PaymentPayloadV2, extra: Partial<Parameters<typeof verifyExactPayment>[1]> = {}) =>
  verifyExactPayment(payload, { config: paymentConfig, offer: terms, nowSeconds: now, ...extra });

describe("verifyExactPayment", () => {
  it("accepts what @x402/fetch would send and names the payer", async () => {
    const outcome = await verify(await v2());
    expect(outcome).toMatchObject({ ok: true, payment: { payer: payer.address, x402Version: 2 } });
  });

  it("accepts a v1 payload on a network with a v1 name", async () => {
    const payload = (await paymentV1(terms.v1!, paymentConfig.chainId, payer, { validAfter: BigInt(now - 600) })) as PaymentPayloadV1;
    expect(await verify(payload)).toMatchObject({ ok: true, payment: { x402Version: 1 } });
  });

  const cases: Array<[string, PaymentTweaks, string]> = [
    ["another scheme", { accepted: { scheme: "upto" } }, PaymentReason.unsupportedScheme],
    ["another network", { accepted: { network: "eip155:8453" } }, PaymentReason.invalidNetwork],
    ["another asset", { accepted: { asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e" } }, ExactReason.assetMismatch],
    ["another payTo in accepted", { accepted: { payTo: stranger.address } }, ExactReason.recipientMismatch],
    ["another amount in accepted", { accepted: { amount: "1" } }, ExactReason.valueMismatch],
    ["changed maxTimeoutSeconds", { accepted: { maxTimeoutSeconds: 9999 } }, PaymentReason.requirementsMismatch],
    ["an authorization to someone else", { to: stranger.address }, ExactReason.recipientMismatch],
    ["underpaying", { value: 12_344n }, ExactReason.valueMismatch],
    ["overpaying", { value: 12_346n }, ExactReason.valueMismatch],
    ["not yet valid", { validAfter: BigInt(now + 60) }, ExactReason.validAfter],
    ["expired", { validBefore: BigInt(now - 1) }, ExactReason.validBefore],
    ["expiring inside the settlement buffer", { validBefore: BigInt(now + 10) }, ExactReason.validBefore],
    ["a validity window far longer than offered", { validBefore: BigInt(now + 3600) }, ExactReason.windowTooLong],
    ["a corrupted signature", { corruptSignature: true }, ExactReason.invalidSignature],
    ["a signature by another key", { signer: stranger }, ExactReason.invalidSignature],
    ["a signature for another token", { domain: { verifyingContract: "0x036CbD53842c5426634e7929541eC2318f3dCF7e" } }, ExactReason.invalidSignature],
    ["a signature for another chain", { domain: { chainId: 8453 } }, ExactReason.invalidSignature],
    ["a signature with another EIP-712 name", { domain: { name: "USDC" } }, ExactReason.invalidSignature],
  ];
  it.each(cases)("refuses %s", async (_name, tweaks, reason) => {
    const outcome = await verify(await v2(tweaks));
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.refusal.reason).toBe(reason);
  });

  it("uses the v1 reason for a v1 value mismatch", async () => {
    const payload = (await paymentV1(terms.v1!, paymentConfig.chainId, payer, { value: 1n })) as PaymentPayloadV1;
    const outcome = await verify(payload);
    expect(!outcome.ok && outcome.refusal.reason).toBe(ExactReason.valueMismatchV1);
  });

  it("refuses v1 on a network that has no v1 name", async () => {
    const payload = (await paymentV1(terms.v1!, paymentConfig.chainId, payer)) as PaymentPayloadV1;
    const outcome = await verify(payload, { config: { ...paymentConfig, v1NetworkName: null } });
    expect(!outcome.ok && outcome.refusal.reason).toBe(PaymentReason.invalidNetwork);
  });

  it("asks the contract wallet (ERC-1271) when the signature is not the payer's ECDSA signature", async () => {
    const wallet: Address = "0x000000000000000000000000000000000000c0de";
    const seen: Array<[Address, Hex]> = [];
    const payload = await v2({ from: wallet });
    const isValidContractSignature = async (w: Address, _digest: Hex, signature: Hex) => {
      seen.push([w, signature]);
      return true;
    };
    expect(await verify(payload, { isValidContractSignature })).toMatchObject({ ok: true, payment: { payer: wallet } });
    expect(seen).toEqual([[wallet, payload.payload.signature]]);
    const refused = await verify(payload, { isValidContractSignature: async () => false });
    expect(!refused.ok && refused.refusal.reason).toBe(ExactReason.invalidSignature);
  });
});
