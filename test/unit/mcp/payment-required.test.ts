import { describe, expect, it } from "vitest";
import { paymentRequiredOf, receiptOf } from "../../../client/mcp/payment-required.ts";
import { paymentFromMeta } from "../../../worker/mcp/x402-meta.ts";

const required = { x402Version: 2, error: "payment_required", resource: { url: "mcp://tool/x" }, accepts: [{ scheme: "exact", network: "eip155:1", amount: "1" }] };

describe("reading PaymentRequired from a tool result (client side)", () => {
  it("prefers structuredContent", () => {
    expect(paymentRequiredOf({ isError: true, structuredContent: required, content: [{ type: "text", text: "not json" }] })).toEqual(required);
  });

  it("falls back to content[0].text for servers that send no structuredContent", () => {
    expect(paymentRequiredOf({ isError: true, content: [{ type: "text", text: JSON.stringify(required) }] })).toEqual(required);
  });

  it("is null for a successful result, an ordinary tool error, or text that is not PaymentRequired", () => {
    expect(paymentRequiredOf({ structuredContent: required, content: [] })).toBeNull();
    expect(paymentRequiredOf({ isError: true, structuredContent: { error: { code: "no_runner" } }, content: [{ type: "text", text: "no_runner: busy" }] })).toBeNull();
    expect(paymentRequiredOf({ isError: true, content: [{ type: "text", text: '{"x402Version":2}' }] })).toBeNull();
  });

  it("reads the receipt from _meta only when it looks like one", () => {
    const receipt = { success: true, transaction: "0x1", network: "eip155:1", payer: "0x2" };
    expect(receiptOf({ content: [], _meta: { "x402/payment-response": receipt } })).toEqual(receipt);
    expect(receiptOf({ content: [], _meta: { "x402/payment-response": "0x1" } })).toBeNull();
    expect(receiptOf({ content: [] })).toBeNull();
  });
});

describe("reading the payment from _meta (server side)", () => {
  it("no key is no payment; anything else under the key is parsed, and refused with a reason if it is not a PaymentPayload", () => {
    expect(paymentFromMeta(undefined)).toEqual({ kind: "none" });
    expect(paymentFromMeta({ progressToken: 1 })).toEqual({ kind: "none" });
    expect(paymentFromMeta({ "x402/payment": "eyJ4NDAyVmVyc2lvbiI6Mn0=" })).toMatchObject({ kind: "invalid", refusal: { reason: "invalid_payload" } });
    expect(paymentFromMeta({ "x402/payment": { x402Version: 3 } })).toMatchObject({ kind: "invalid", refusal: { reason: "invalid_x402_version" } });
    expect(paymentFromMeta({ "x402/payment": { x402Version: 2, accepted: {} } })).toMatchObject({ kind: "invalid", refusal: { reason: "invalid_payload" } });
  });
});
