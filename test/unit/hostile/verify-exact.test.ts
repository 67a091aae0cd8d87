import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { extractPayment } from "../../../worker/payments/http/payment-header.ts";
import { PaymentReason } from "../../../worker/payments/core/reasons.ts";
import { ExactReason } from "../../../worker/payments/schemes/exact/exact-reasons.ts";
import type { ExactPaymentPayloadV1, ExactPaymentPayloadV2 } from "../../../worker/payments/schemes/exact/exact-payload.ts";
import { verifyExactPayment, type VerifyOutcome } from "../../../worker/payments/schemes/exact/verify-exact.ts";
import { ADDRESS_CASINGS, anyAddress, badChecksum, base64OfText, hostileText, numberWhereTextBelongs, recase, setAt } from "../../support/hostile-arbitraries.ts";
import { paymentV2 } from "../../../dev/x402-payments.ts";
import { payer, paymentConfig, terms } from "../payments/fixtures.ts";

// Payments that decode (so every field has a valid shape) but carry hostile values, through the real
// pipeline: header → extractPayment → verifyExactPayment. Verification must never throw (in the
// Worker that is a 500) and must refuse with the reason an oracle predicts from the fields. Each run
// recovers one ECDSA signature (a few ms), so these properties run tens of times, not hundreds.

const now = Math.floor(Date.now() / 1000);
const price = terms.price;
const casing = fc.constantFrom(...ADDRESS_CASINGS);

type Payload = Record<string, unknown>;
let signed: Payload;
let original: { from: string; value: string; validAfter: string; validBefore: string; signature: string };

beforeAll(async () => {
  signed = await paymentV2({ x402Version: 2, resource: { url: terms.resource.url }, accepts: [terms.v2] }, paymentConfig.chainId, payer, {
    validAfter: BigInt(now - 60),
    validBefore: BigInt(now + 120),
  });
  const p = signed.payload as { signature: string; authorization: { from: string; value: string; validAfter: string; validBefore: string } };
  original = { from: p.authorization.from, value: p.authorization.value, validAfter: p.authorization.validAfter, validBefore: p.authorization.validBefore, signature: p.signature };
});

/** Header → decode → verify, as the paid path does; with an ERC-1271 checker that says no. */
async function verifyAsSent(payload: unknown): Promise<VerifyOutcome> {
  const extracted = extractPayment(new Headers({ "PAYMENT-SIGNATURE": base64OfText(JSON.stringify(payload)) }));
  if (extracted.kind !== "v1" && extracted.kind !== "v2") throw new Error(`did not decode: ${JSON.stringify(extracted)}`);
  return verifyExactPayment(extracted.payload as ExactPaymentPayloadV2 | ExactPaymentPayloadV1, { config: paymentConfig, offer: terms, nowSeconds: now, isValidContractSignature: async () => false });
}

function recased(payload: Payload, casings: { from: (typeof ADDRESS_CASINGS)[number]; to: (typeof ADDRESS_CASINGS)[number]; payTo: (typeof ADDRESS_CASINGS)[number]; asset: (typeof ADDRESS_CASINGS)[number] }): unknown {
  const p = payload as { accepted: { payTo: string; asset: string }; payload: { authorization: { from: string; to: string } } };
  let out: unknown = setAt(payload, ["payload", "authorization", "from"], recase(p.payload.authorization.from, casings.from));
  out = setAt(out, ["payload", "authorization", "to"], recase(p.payload.authorization.to, casings.to));
  out = setAt(out, ["accepted", "payTo"], recase(p.accepted.payTo, casings.payTo));
  return setAt(out, ["accepted", "asset"], recase(p.accepted.asset, casings.asset));
}

describe("verifyExactPayment, generated", () => {
  it("accepts the payer's payment whatever EIP-55 casing its four addresses are written in, and names the payer canonically", async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ from: casing, to: casing, payTo: casing, asset: casing }), async (casings) => {
        const outcome = await verifyAsSent(recased(signed, casings));
        if (!outcome.ok) throw new Error(`refused: ${outcome.refusal.reason} ${outcome.refusal.message}`);
        expect(outcome.payment.payer).toBe(payer.address);
        expect(outcome.payment.authorization.to).toBe(paymentConfig.payTo);
      }),
      // 81 casing combinations; 40 runs cover most, each costs one signature recovery.
      { numRuns: 40 },
    );
  });

  it("refuses an accepted payTo or asset whose EIP-55 checksum is corrupted with that field's mismatch reason", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("payTo" as const, "asset" as const), fc.nat(), async (field, pick) => {
        const corrupted = badChecksum(paymentConfig[field], pick);
        fc.pre(corrupted !== null);
        const outcome = await verifyAsSent(setAt(signed, ["accepted", field], corrupted));
        expect(!outcome.ok && outcome.refusal.reason).toBe(field === "payTo" ? ExactReason.recipientMismatch : ExactReason.assetMismatch);
        expect(!outcome.ok && outcome.refusal.message).toContain("checksum");
      }),
      { numRuns: 20 },
    );
  });

  it("refuses every well-formed but wrong payment with the reason the checks' order predicts, never throwing", async () => {
    const MAX_UINT256 = 2n ** 256n - 1n;
    const uint = (near: bigint) =>
      fc.oneof(fc.bigInt({ min: 0n, max: MAX_UINT256 }), fc.bigInt({ min: near - 400n, max: near + 400n }).filter((v) => v >= 0n), fc.constantFrom(0n, MAX_UINT256)).map(String);
    const keepOr = <T>(keep: T, other: fc.Arbitrary<T>) => fc.oneof({ weight: 2, arbitrary: fc.constant(keep) }, { weight: 1, arbitrary: other });
    const hexBytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
    const fields = fc.record({
      amount: keepOr(price.toString(), fc.oneof(hostileText(24), fc.constantFrom(`+${price}`, `0${price}`, `${price}.0`, ` ${price}`, `${price}e0`))),
      maxTimeoutSeconds: keepOr(paymentConfig.maxTimeoutSeconds, numberWhereTextBelongs),
      to: keepOr<string>(paymentConfig.payTo, fc.tuple(anyAddress, casing).map(([a, c]) => recase(a, c))),
      from: keepOr<string>("", fc.tuple(anyAddress, casing).map(([a, c]) => recase(a, c))),
      value: keepOr(price.toString(), uint(price)),
      validAfter: keepOr("", uint(BigInt(now))),
      validBefore: keepOr("", uint(BigInt(now + 200))),
      signature: keepOr("", fc.oneof(hexBytes(65, 65), hexBytes(66, 300))),
    });
    await fc.assert(
      fc.asyncProperty(fields, async (f) => {
        const a = { from: f.from || original.from, value: f.value, validAfter: f.validAfter || original.validAfter, validBefore: f.validBefore || original.validBefore };
        const signature = f.signature || original.signature;
        let payload: unknown = setAt(signed, ["accepted", "amount"], f.amount);
        payload = setAt(payload, ["accepted", "maxTimeoutSeconds"], f.maxTimeoutSeconds);
        payload = setAt(payload, ["payload", "signature"], signature);
        for (const [k, v] of Object.entries({ ...a, to: f.to })) payload = setAt(payload, ["payload", "authorization", k], v);

        const outcome = await verifyAsSent(payload);
        const expected = oracle(f, a, signature);
        if (expected === "ok") expect(outcome.ok).toBe(true);
        else expect(!outcome.ok && outcome.refusal.reason).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });
});

/** The refusal verifyExactPayment owes for these fields, in the order it checks them. */
function oracle(
  f: { amount: string; maxTimeoutSeconds: number; to: string },
  a: { from: string; value: string; validAfter: string; validBefore: string },
  signature: string,
): string {
  if (f.amount !== price.toString()) return ExactReason.valueMismatch;
  if (f.maxTimeoutSeconds !== paymentConfig.maxTimeoutSeconds) return PaymentReason.requirementsMismatch;
  if (f.to.toLowerCase() !== paymentConfig.payTo.toLowerCase()) return ExactReason.recipientMismatch;
  if (BigInt(a.value) !== price) return ExactReason.valueMismatch;
  if (BigInt(a.validAfter) > BigInt(now)) return ExactReason.validAfter;
  if (BigInt(a.validBefore) < BigInt(now + paymentConfig.minValiditySeconds)) return ExactReason.validBefore;
  if (BigInt(a.validBefore) > BigInt(now + paymentConfig.maxTimeoutSeconds + 60)) return ExactReason.windowTooLong;
  const untouched = a.from.toLowerCase() === original.from.toLowerCase() && a.validAfter === original.validAfter && a.validBefore === original.validBefore && signature === original.signature;
  return untouched ? "ok" : ExactReason.invalidSignature;
}

describe("verifyExactPayment, regressions found by the properties above", () => {
  it("a payment whose authorization.to is the payee in upper case verifies, instead of throwing from EIP-712 hashing (a 500)", async () => {
    const outcome = await verifyAsSent(setAt(signed, ["payload", "authorization", "to"], recase(paymentConfig.payTo, "upper")));
    expect(outcome).toMatchObject({ ok: true, payment: { payer: payer.address } });
  });

  it("a payment from an upper-case payer verifies and names the payer checksummed, instead of invalid_exact_evm_signature", async () => {
    const outcome = await verifyAsSent(setAt(signed, ["payload", "authorization", "from"], recase(payer.address, "upper")));
    expect(outcome).toMatchObject({ ok: true, payment: { payer: payer.address } });
  });

  it("an accepted payTo with a corrupted checksum is refused as a recipient mismatch, not taken for the payee", async () => {
    const outcome = await verifyAsSent(setAt(signed, ["accepted", "payTo"], badChecksum(paymentConfig.payTo, 0)));
    expect(!outcome.ok && outcome.refusal.reason).toBe(ExactReason.recipientMismatch);
  });
});

