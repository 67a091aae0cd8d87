import { describe, expect, it } from "vitest";
import { extractPayment } from "../../../worker/payments/http/payment-header.ts";
import { PaymentReason } from "../../../worker/payments/core/reasons.ts";
import { encodePayment, paymentV2 } from "../../../dev/x402-payments.ts";
import { paymentConfig, payer, terms } from "./fixtures.ts";

const headers = (name: string, value: string) => new Headers({ [name]: value });
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("extractPayment", () => {
  it("finds no payment when neither header is present", () => {
    expect(extractPayment(new Headers())).toEqual({ kind: "none" });
  });

  it("decodes a v2 payload from PAYMENT-SIGNATURE and a v1 payload from X-PAYMENT", async () => {
    const payload = await paymentV2({ x402Version: 2, resource: { url: "u" }, accepts: [terms.v2] }, paymentConfig.chainId, payer);
    expect(extractPayment(headers("PAYMENT-SIGNATURE", encodePayment(payload)))).toMatchObject({ kind: "v2", header: "PAYMENT-SIGNATURE" });
    const v1 = { x402Version: 1, scheme: "exact", network: "base-sepolia", payload: payload.payload };
    expect(extractPayment(headers("X-PAYMENT", encodePayment(v1)))).toMatchObject({ kind: "v1", header: "X-PAYMENT" });
  });

  it.each([
    ["not base64", "%%%not-base64%%%", PaymentReason.invalidPayload],
    ["base64 without padding", b64('{"x402Version":2}').replace(/=+$/, "") + "A", PaymentReason.invalidPayload],
    ["base64 of non-JSON", b64("hello, world"), PaymentReason.invalidPayload],
    ["base64 of invalid UTF-8", Buffer.from([0xff, 0xfe, 0xfd]).toString("base64"), PaymentReason.invalidPayload],
    ["a JSON array", b64("[1,2,3]"), PaymentReason.invalidPayload],
    ["x402Version 3", b64('{"x402Version":3}'), PaymentReason.invalidVersion],
    ["no x402Version", b64('{"scheme":"exact"}'), PaymentReason.invalidVersion],
    ["a v2 payload without a signature", b64(JSON.stringify({ x402Version: 2, accepted: terms.v2, payload: { authorization: {} } })), PaymentReason.invalidPayload],
    ["a value past 2^256", b64(JSON.stringify({ x402Version: 1, scheme: "exact", network: "base-sepolia", payload: { signature: `0x${"11".repeat(65)}`, authorization: { from: `0x${"1".repeat(40)}`, to: `0x${"2".repeat(40)}`, value: (2n ** 256n).toString(), validAfter: "0", validBefore: "1", nonce: `0x${"3".repeat(64)}` } } })), PaymentReason.invalidPayload],
    ["a negative value", b64(JSON.stringify({ x402Version: 1, scheme: "exact", network: "base-sepolia", payload: { signature: `0x${"11".repeat(65)}`, authorization: { from: `0x${"1".repeat(40)}`, to: `0x${"2".repeat(40)}`, value: "-1", validAfter: "0", validBefore: "1", nonce: `0x${"3".repeat(64)}` } } })), PaymentReason.invalidPayload],
    ["an oversized header", "A".repeat(20_000), PaymentReason.invalidPayload],
  ])("refuses %s with a reason", (_name, value, reason) => {
    const result = extractPayment(headers("PAYMENT-SIGNATURE", value));
    expect(result.kind).toBe("invalid");
    expect(result.kind === "invalid" && result.refusal.reason).toBe(reason);
  });
});
