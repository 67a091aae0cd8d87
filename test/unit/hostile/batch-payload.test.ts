import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { PaymentReason } from "../../../worker/payments/core/reasons.ts";
import { parsePaymentPayload } from "../../../worker/payments/core/submitted-payment.ts";
import { BatchReason } from "../../../worker/payments/schemes/batch-settlement/batch-reasons.ts";
import { BatchSettlementScheme } from "../../../worker/payments/schemes/batch-settlement/batch-scheme.ts";
import { parseChannelSettings, type ChannelSettings } from "../../../worker/payments/schemes/batch-settlement/channel-settings.ts";
import { verifyBatchPayment } from "../../../worker/payments/schemes/batch-settlement/verify-batch.ts";
import { SCHEME_PAYLOADS } from "../../../worker/payments/schemes/payloads.ts";
import { depositPayload, voucherPayload } from "../../support/batch-payloads.ts";
import { anyAddress, deepJsonText, hostileJson, invalidUintText, jsonWithRawAt, setAt } from "../../support/hostile-arbitraries.ts";
import { payer, paymentConfig } from "../payments/fixtures.ts";

// Generated batch-settlement payloads through decoding and local verification, as the paid path
// runs them: never a throw (a 500 in the Worker), every refusal one of the reasons these steps own,
// and no change to a signed field ever verifies. Decoding and verifying take ~0.1–3 ms (ECDSA
// recovery), so a few hundred runs each.

const KNOWN_REASONS = new Set<string>([...Object.values(BatchReason), PaymentReason.invalidPayload, PaymentReason.invalidVersion, PaymentReason.requirementsMismatch]);
const RUNS = { cheap: 200, deep: 40 } as const;

const settings = (() => {
  const parsed = parseChannelSettings({ RECEIVER_AUTHORIZER_KEY: "0x" + "22".repeat(32) });
  if (!parsed.ok || !parsed.settings) throw new Error("settings");
  return parsed.settings as ChannelSettings;
})();
const offer = new BatchSettlementScheme({ config: paymentConfig, settings, channels: {} as never, relayer: {} as never, chain: {} as never }).offer(10_000n, { url: "u", description: "d", mimeType: "application/json" });

let voucher: Record<string, unknown>;
let deposit: Record<string, unknown>;
beforeAll(async () => {
  voucher = (await voucherPayload(payer, offer.v2, 30_000n)) as Record<string, unknown>;
  deposit = (await depositPayload(payer, offer.v2, 1_000_000n, 10_000n)) as Record<string, unknown>;
});

async function run(payload: unknown) {
  let decoded: ReturnType<typeof parsePaymentPayload> | undefined;
  expect(() => (decoded = parsePaymentPayload(payload, "PAYMENT-SIGNATURE header", SCHEME_PAYLOADS))).not.toThrow();
  if (decoded!.kind === "invalid") return { ok: false as const, refusal: decoded!.refusal };
  return verifyBatchPayment(decoded!.payload, { payment: paymentConfig, settings, offer, nowMs: Date.now(), minValidityMs: 20_000 });
}

const PATHS = [
  ["accepted", "extra", "receiverAuthorizer"], ["accepted", "extra", "withdrawDelay"], ["accepted", "extra", "minDeposit"], ["accepted", "amount"],
  ["payload"], ["payload", "type"], ["payload", "channelConfig"], ["payload", "channelConfig", "payer"], ["payload", "channelConfig", "payerAuthorizer"],
  ["payload", "channelConfig", "receiver"], ["payload", "channelConfig", "receiverAuthorizer"], ["payload", "channelConfig", "token"],
  ["payload", "channelConfig", "withdrawDelay"], ["payload", "channelConfig", "salt"], ["payload", "voucher"], ["payload", "voucher", "channelId"],
  ["payload", "voucher", "maxClaimableAmount"], ["payload", "voucher", "signature"],
] as const;
const DEPOSIT_PATHS = [...PATHS, ["payload", "deposit", "amount"], ["payload", "deposit", "authorization"], ["payload", "deposit", "authorization", "erc3009Authorization", "validBefore"], ["payload", "deposit", "authorization", "erc3009Authorization", "salt"], ["payload", "deposit", "authorization", "erc3009Authorization", "signature"]] as const;
const template = fc.constantFrom("voucher" as const, "deposit" as const);
const pick = (name: "voucher" | "deposit") => (name === "voucher" ? { payload: voucher, paths: PATHS } : { payload: deposit, paths: DEPOSIT_PATHS });

describe("batch-settlement payloads, generated", () => {
  it("accepts the unmodified templates", async () => {
    expect((await run(voucher)).ok).toBe(true);
    expect((await run(deposit)).ok).toBe(true);
  });

  it("never throws, and refuses with its own reasons, whatever JSON replaces one field", async () => {
    await fc.assert(
      fc.asyncProperty(template, fc.nat(), hostileJson, async (name, n, replacement) => {
        const { payload, paths } = pick(name);
        const outcome = await run(setAt(payload, paths[n % paths.length]!, replacement));
        if (!outcome.ok) expect(KNOWN_REASONS).toContain(outcome.refusal.reason);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("never verifies a payment whose signed fields changed", async () => {
    const signed = [
      ["payload", "voucher", "maxClaimableAmount"], ["payload", "channelConfig", "payer"], ["payload", "channelConfig", "payerAuthorizer"], ["payload", "channelConfig", "salt"],
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...signed), fc.oneof(anyAddress, fc.bigInt({ min: 1n, max: 2n ** 100n }).map(String), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}`)), async (path, value) => {
        const outcome = await run(setAt(voucher, path, value));
        expect(outcome.ok).toBe(false);
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("refuses every non-canonical amount text as invalid_payload, naming the field", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(["payload", "voucher", "maxClaimableAmount"] as const, ["payload", "deposit", "amount"] as const), invalidUintText, async (path, bad) => {
        const outcome = await run(setAt(path[1] === "deposit" ? deposit : voucher, path, bad));
        expect(!outcome.ok && outcome.refusal).toMatchObject({ reason: PaymentReason.invalidPayload, message: expect.stringContaining(path.join(".")) });
      }),
      { numRuns: RUNS.cheap },
    );
  });

  it("never throws on deeply nested JSON in any field", async () => {
    await fc.assert(
      fc.asyncProperty(template, fc.nat(), deepJsonText(1_000, 4_000), async (name, n, deep) => {
        const { payload, paths } = pick(name);
        const outcome = await run(JSON.parse(jsonWithRawAt(payload, paths[n % paths.length]!, deep)));
        expect(outcome.ok).toBe(false);
      }),
      { numRuns: RUNS.deep },
    );
  });
});
