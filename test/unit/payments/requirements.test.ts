import { describe, expect, it } from "vitest";
import { encodePaymentRequiredHeader } from "@x402/core/http";
import type { PaymentScheme } from "../../../worker/payments/core/payment-scheme.ts";
import { buildPaymentTerms, paymentRequiredV2 } from "../../../worker/payments/core/terms.ts";
import { exactOffer } from "../../../worker/payments/schemes/exact/exact-offer.ts";
import { paymentConfig } from "./fixtures.ts";

const resource = { url: "https://edge.example/v1/chat/completions", description: "chat", mimeType: "application/json" };
/** Only the offer is exercised here: terms are built from config and price, nothing else. */
const exactOnly = (config = paymentConfig) => [{ scheme: "exact", network: config.network, offer: (price: bigint, r: typeof resource) => exactOffer(config, price, r) } as unknown as PaymentScheme];

describe("payment terms", () => {
  it("are identical for identical inputs, so a paid retry matches its 402", () => {
    expect(exactOffer(paymentConfig, 1000n, resource)).toEqual(exactOffer(paymentConfig, 1000n, resource));
  });

  it("carry the token's EIP-712 domain in extra and the exact price as an integer string", () => {
    const offer = exactOffer(paymentConfig, 10_000n, resource);
    expect(offer.v2).toEqual({
      scheme: "exact",
      network: "eip155:84532",
      amount: "10000",
      asset: paymentConfig.asset,
      payTo: paymentConfig.payTo,
      maxTimeoutSeconds: 300,
      extra: { name: "USD Coin", version: "2" },
    });
    expect(offer.v1).toMatchObject({ network: "base-sepolia", maxAmountRequired: "10000", resource: resource.url, mimeType: "application/json" });
  });

  it("offer no v1 terms where the network has no v1 name", () => {
    expect(exactOffer({ ...paymentConfig, v1NetworkName: null }, 1n, resource).v1).toBeNull();
  });

  it("keep the PAYMENT-REQUIRED header well under 8 KB", () => {
    const terms = buildPaymentTerms(exactOnly(), 10n ** 30n, { ...resource, description: "d".repeat(300) });
    expect(encodePaymentRequiredHeader(paymentRequiredV2(terms, "payment_required")).length).toBeLessThan(2048);
  });
});
