import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { extractPayment, type ExtractedPayment } from "../../../worker/payments/http/payment-header.ts";
import { PaymentReason } from "../../../worker/payments/core/reasons.ts";
import { getAddress } from "viem";
import {
  ADDRESS_CASINGS,
  anyAddress,
  badChecksum,
  base64OfText,
  bytesToBase64,
  deepJsonText,
  headerSafeText,
  hostileJson,
  invalidUintText,
  jsonWithRawAt,
  malformedAddress,
  numberWhereTextBelongs,
  oversizedText,
  recase,
  setAt,
} from "../../support/hostile-arbitraries.ts";
import { paymentV1, paymentV2 } from "../../../dev/x402-payments.ts";
import type { ExactEvmPayload } from "../../../worker/payments/schemes/exact/exact-payload.ts";
import { payer, paymentConfig, terms } from "../payments/fixtures.ts";

// Generated PAYMENT-SIGNATURE / X-PAYMENT headers: decoding never throws (a throw is a 500 in the
// Worker), and every refusal carries one of the decoder's reasons with a message that says what is
// wrong. extractPayment is pure and takes microseconds, so the properties afford a few hundred runs
// each; the deep-JSON one decodes ~10 KB per run and gets fewer.

const DECODER_REASONS: readonly string[] = [PaymentReason.invalidPayload, PaymentReason.invalidVersion];
/** A refusal message goes back in the 402 body: it may quote, but never echo kilobytes of input. */
const MAX_MESSAGE_CHARS = 1000;

const RUNS = { cheap: 300, deep: 60 } as const;

function decode(name: "PAYMENT-SIGNATURE" | "X-PAYMENT", value: string): ExtractedPayment {
  let result: ExtractedPayment | undefined;
  expect(() => (result = extractPayment(new Headers({ [name]: value })))).not.toThrow();
  return result!;
}

function expectRefused(result: ExtractedPayment, reason?: string): Extract<ExtractedPayment, { kind: "invalid" }>["refusal"] {
  if (result.kind !== "invalid") throw new Error(`expected a refusal, got ${result.kind}`);
  expect(DECODER_REASONS).toContain(result.refusal.reason);
  if (reason) expect(result.refusal.reason).toBe(reason);
  expect(result.refusal.message.length).toBeGreaterThan(10);
  expect(result.refusal.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  return result.refusal;
}

const header = fc.constantFrom("PAYMENT-SIGNATURE" as const, "X-PAYMENT" as const);

let v2: Record<string, unknown>;
let v1: Record<string, unknown>;
beforeAll(async () => {
  v2 = await paymentV2({ x402Version: 2, resource: { url: terms.resource.url }, accepts: [terms.v2] }, paymentConfig.chainId, payer);
  v1 = await paymentV1(terms.v1!, paymentConfig.chainId, payer);
});

const V2_PATHS = [
  ["x402Version"],
  ["resource"],
  ["resource", "url"],
  ["accepted"],
  ["accepted", "scheme"],
  ["accepted", "network"],
  ["accepted", "amount"],
  ["accepted", "asset"],
  ["accepted", "payTo"],
  ["accepted", "maxTimeoutSeconds"],
  ["accepted", "extra"],
  ["accepted", "extra", "name"],
  ["payload"],
  ["payload", "signature"],
  ["payload", "authorization"],
  ["payload", "authorization", "from"],
  ["payload", "authorization", "to"],
  ["payload", "authorization", "value"],
  ["payload", "authorization", "validAfter"],
  ["payload", "authorization", "validBefore"],
  ["payload", "authorization", "nonce"],
  ["extensions"],
] as const;
const V1_PATHS = [["x402Version"], ["scheme"], ["network"], ["payload"], ["payload", "signature"], ["payload", "authorization", "from"], ["payload", "authorization", "value"], ["payload", "authorization", "nonce"]] as const;
const UINT_FIELDS = ["value", "validAfter", "validBefore"] as const;

/** Drawn by name (so a counterexample prints "v2", not the whole payload), looked up in the property. */
const template = fc.constantFrom("v2" as const, "v1" as const);
const payloadOf = (name: "v1" | "v2") => (name === "v2" ? { payload: v2, paths: V2_PATHS } : { payload: v1, paths: V1_PATHS });

describe("payment header decoding, generated", () => {
  it("decodes the unmodified templates (the properties below start from valid payloads)", () => {
    expect(decode("PAYMENT-SIGNATURE", base64OfText(JSON.stringify(v2))).kind).toBe("v2");
    expect(decode("X-PAYMENT", base64OfText(JSON.stringify(v1))).kind).toBe("v1");
  });

  it("refuses any header text that is not base64 JSON as invalid_payload", () => {
    fc.assert(
      fc.property(header, headerSafeText(), (name, value) => {
        expectRefused(decode(name, value), PaymentReason.invalidPayload);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("refuses base64 of arbitrary bytes as invalid_payload", () => {
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 512 }), (name, bytes) => {
        expectRefused(decode(name, bytesToBase64(bytes)), PaymentReason.invalidPayload);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("refuses an oversized header before decoding it", () => {
    fc.assert(
      fc.property(header, fc.integer({ min: 16 * 1024 / 4 + 1, max: 64 * 1024 }), (name, quads) => {
        const refusal = expectRefused(decode(name, "AAAA".repeat(quads)), PaymentReason.invalidPayload);
        expect(refusal.message).toContain("larger than");
      }),
      { numRuns: 20 },
    );
  });

  it("refuses base64 of any JSON value that is not a payment, with a decoder reason", () => {
    fc.assert(
      fc.property(header, hostileJson, (name, json) => {
        expectRefused(decode(name, base64OfText(JSON.stringify(json) ?? "null")));
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("never throws, whatever JSON replaces any one field of a valid payload", () => {
    fc.assert(
      fc.property(header, template, fc.nat(), hostileJson, (name, version, pick, replacement) => {
        const { payload, paths } = payloadOf(version);
        const path = paths[pick % paths.length]!;
        const result = decode(name, base64OfText(JSON.stringify(setAt(payload, path, replacement))));
        // Some replacements are acceptable (e.g. any object as `extensions`); the rest are refusals.
        if (result.kind === "invalid") expectRefused(result);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("never throws on deeply nested JSON in any field (a header holds ~12k levels)", () => {
    fc.assert(
      fc.property(header, template, fc.nat(), deepJsonText(1_000, 6_000), (name, version, pick, deep) => {
        const { payload, paths } = payloadOf(version);
        const path = paths[pick % paths.length]!;
        const text = base64OfText(jsonWithRawAt(payload, path, deep));
        fc.pre(text.length <= 16 * 1024);
        // No field of a payment holds 1,000 levels: every one is refused (never passed on to overflow later).
        expectRefused(decode(name, text));
      }),
      { numRuns: RUNS.deep },
    );
  });

  it("refuses every non-canonical integer text in value, validAfter and validBefore, naming the field", () => {
    fc.assert(
      fc.property(header, template, fc.constantFrom(...UINT_FIELDS), fc.oneof(invalidUintText, numberWhereTextBelongs), (name, version, field, bad) => {
        const { payload } = payloadOf(version);
        const refusal = expectRefused(decode(name, base64OfText(JSON.stringify(setAt(payload, ["payload", "authorization", field], bad)))), PaymentReason.invalidPayload);
        expect(refusal.message).toContain(`payload.authorization.${field}`);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("refuses an x402Version that is not exactly 1 or 2 as invalid_x402_version", () => {
    const notAVersion = fc.oneof(hostileJson, fc.constantFrom("2", "1", 2.5, 0, -2, 3, [2], { v: 2 })).filter((v) => v !== 1 && v !== 2);
    fc.assert(
      fc.property(header, template, notAVersion, (name, which, version) => {
        const { payload } = payloadOf(which);
        expectRefused(decode(name, base64OfText(JSON.stringify(setAt(payload, ["x402Version"], version)))), PaymentReason.invalidVersion);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("refuses oversized strings in every text field as invalid_payload", () => {
    const textPaths = [["accepted", "scheme"], ["accepted", "network"], ["accepted", "amount"], ["accepted", "asset"], ["accepted", "payTo"], ["resource", "url"], ["payload", "signature"], ["payload", "authorization", "nonce"]] as const;
    fc.assert(
      fc.property(fc.constantFrom(...textPaths), oversizedText(2_049, 2_400), (path, text) => {
        const encoded = base64OfText(JSON.stringify(setAt(v2, path, text)));
        fc.pre(encoded.length <= 16 * 1024);
        const refusal = expectRefused(decode("PAYMENT-SIGNATURE", encoded), PaymentReason.invalidPayload);
        expect(refusal.message).toContain(path.join("."));
      }),
      // Each run decodes a ~12 KB header (1-6 ms); eight fields need only a few runs each.
      { numRuns: 40 },
    );
  });

  const addressField = fc.constantFrom("from" as const, "to" as const);

  it("decodes from and to written in any EIP-55 casing to the one checksummed address", () => {
    fc.assert(
      fc.property(template, addressField, anyAddress, fc.constantFrom(...ADDRESS_CASINGS), (version, field, address, casing) => {
        const { payload } = payloadOf(version);
        const result = decode("PAYMENT-SIGNATURE", base64OfText(JSON.stringify(setAt(payload, ["payload", "authorization", field], recase(address, casing)))));
        if (result.kind === "none" || result.kind === "invalid") throw new Error(`refused: ${JSON.stringify(result)}`);
        expect((result.payload.payload as ExactEvmPayload).authorization[field]).toBe(getAddress(address));
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a mixed-case address whose EIP-55 checksum is wrong, and anything not an address, naming the field", () => {
    const corrupted = fc.tuple(anyAddress, fc.nat()).map(([address, pick]) => badChecksum(address, pick)).filter((a): a is string => a !== null);
    fc.assert(
      fc.property(template, addressField, fc.oneof(corrupted, malformedAddress), (version, field, bad) => {
        const { payload } = payloadOf(version);
        const refusal = expectRefused(decode("PAYMENT-SIGNATURE", base64OfText(JSON.stringify(setAt(payload, ["payload", "authorization", field], bad)))), PaymentReason.invalidPayload);
        expect(refusal.message).toContain(`payload.authorization.${field}`);
      }),
      { numRuns: 100 },
    );
  });
});

describe("payment header decoding, regressions found by the properties above", () => {
  const withValue = (value: string) => base64OfText(JSON.stringify(setAt(v2, ["payload", "authorization", "value"], value)));

  it.each(["1.5", "1e0", "1_000", "true", ":"])("an authorization value of %j is refused as invalid_payload, not thrown from BigInt (a 500)", (value) => {
    expectRefused(decode("PAYMENT-SIGNATURE", withValue(value)), PaymentReason.invalidPayload);
  });

  it("an x402Version nested 5,000 arrays deep is refused as invalid_x402_version, not a stack overflow (a 500)", () => {
    const deep = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
    expectRefused(decode("PAYMENT-SIGNATURE", base64OfText(`{"x402Version":${deep}}`)), PaymentReason.invalidVersion);
  });

  it.each([
    ["extensions", ["extensions", "x"]],
    ["accepted.extra", ["accepted", "extra", "x"]],
    ["resource", ["resource", "x"]],
  ])("a v2 payload whose %s nests 4,000 levels is refused as invalid_payload, not passed on for serialisation to overflow", (_name, path) => {
    const text = base64OfText(jsonWithRawAt(v2, path, `${"[".repeat(4_000)}${"]".repeat(4_000)}`));
    expect(text.length).toBeLessThanOrEqual(16 * 1024);
    const refusal = expectRefused(decode("PAYMENT-SIGNATURE", text), PaymentReason.invalidPayload);
    expect(refusal.message).toContain("deeper than");
  });

  it("an authorization.to with a corrupted EIP-55 checksum is refused as invalid_payload, not treated as the payee", () => {
    const corrupted = badChecksum(paymentConfig.payTo, 0)!;
    const refusal = expectRefused(decode("PAYMENT-SIGNATURE", base64OfText(JSON.stringify(setAt(v2, ["payload", "authorization", "to"], corrupted)))), PaymentReason.invalidPayload);
    expect(refusal.message).toContain("checksum");
  });
});
