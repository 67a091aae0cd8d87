import { describe, expect, it } from "vitest";
import { computeChannelId } from "@x402/evm/batch-settlement/client";
import { privateKeyToAccount } from "viem/accounts";
import { PaymentReason } from "../../../../worker/payments/core/reasons.ts";
import { parsePaymentPayload } from "../../../../worker/payments/core/submitted-payment.ts";
import { BatchReason } from "../../../../worker/payments/schemes/batch-settlement/batch-reasons.ts";
import { BatchSettlementScheme } from "../../../../worker/payments/schemes/batch-settlement/batch-scheme.ts";
import { channelIdOf } from "../../../../worker/payments/schemes/batch-settlement/channel-id.ts";
import { parseChannelSettings, type ChannelSettings } from "../../../../worker/payments/schemes/batch-settlement/channel-settings.ts";
import { verifyBatchPayment } from "../../../../worker/payments/schemes/batch-settlement/verify-batch.ts";
import { SCHEME_PAYLOADS } from "../../../../worker/payments/schemes/payloads.ts";
import { depositPayload, voucherPayload } from "../../../support/batch-payloads.ts";
import { setAt } from "../../../support/hostile-arbitraries.ts";
import { payer, paymentConfig, stranger } from "../fixtures.ts";

// Local verification of batch-settlement payloads built by the official client's own functions:
// it accepts what the official client sends, and refuses each tampering with the reason the spec
// and @x402/evm give it.

const settings = (() => {
  const parsed = parseChannelSettings({ RECEIVER_AUTHORIZER_KEY: "0x" + "22".repeat(32) });
  if (!parsed.ok || !parsed.settings) throw new Error("settings");
  return parsed.settings as ChannelSettings;
})();
const resource = { url: "https://edge.example/v1/sentiment", description: "s", mimeType: "application/json" };
// Only offer() is used here: the scheme's bindings are never touched.
const scheme = new BatchSettlementScheme({ config: paymentConfig, settings, channels: {} as never, relayer: {} as never, chain: {} as never });
const offer = scheme.offer(10_000n, resource);
const NOW = Date.now();

async function verify(payload: unknown) {
  const decoded = parsePaymentPayload(payload, "test", SCHEME_PAYLOADS);
  if (decoded.kind === "invalid") return { ok: false as const, refusal: decoded.refusal };
  return verifyBatchPayment(decoded.payload, { payment: paymentConfig, settings, offer, nowMs: NOW, minValidityMs: 20_000 });
}

describe("batch-settlement offers", () => {
  it("carry the token's domain and the channel terms, as @x402/evm's server writes them", () => {
    expect(offer.v2).toEqual({
      scheme: "batch-settlement",
      network: paymentConfig.network,
      amount: "10000",
      asset: paymentConfig.asset,
      payTo: paymentConfig.payTo,
      maxTimeoutSeconds: 300,
      extra: { name: "USD Coin", version: "2", receiverAuthorizer: settings.receiverAuthorizer, withdrawDelay: 900, minDeposit: "1000000" },
    });
    expect(offer.v1).toBeNull();
    expect(scheme.offer(5_000_000n, resource).v2.extra.minDeposit).toBe("5000000");
  });
});

describe("verifyBatchPayment", () => {
  it("derives the channel id exactly as the official client does", async () => {
    const body = (await voucherPayload(payer, offer.v2, 10_000n)).payload;
    expect(channelIdOf(body.channelConfig as never, paymentConfig.chainId)).toBe(computeChannelId(body.channelConfig as never, paymentConfig.network).toLowerCase());
  });

  it("accepts the official client's voucher and deposit payloads", async () => {
    expect(await verify(await voucherPayload(payer, offer.v2, 30_000n))).toMatchObject({ ok: true, payment: { kind: "voucher", payer: payer.address, maxAmount: 10_000n, voucher: { maxClaimable: "30000" }, settleBy: null } });
    expect(await verify(await depositPayload(payer, offer.v2, 1_000_000n, 10_000n))).toMatchObject({ ok: true, payment: { kind: "deposit", deposit: { deposit: { amount: "1000000" } } } });
  });

  it.each([
    ["a voucher signed by someone else", async () => setAt(await voucherPayload(payer, offer.v2, 10_000n), ["payload", "voucher", "signature"], (await voucherPayload(stranger, offer.v2, 10_000n)).payload.voucher.signature), BatchReason.voucherSignature],
    ["a voucher for another channel", async () => setAt(await voucherPayload(payer, offer.v2, 10_000n), ["payload", "voucher", "channelId"], "0x" + "11".repeat(32)), BatchReason.channelIdMismatch],
    ["a malformed channel id", async () => setAt(await voucherPayload(payer, offer.v2, 10_000n), ["payload", "voucher", "channelId"], "0x1234"), BatchReason.channelIdInvalid],
    ["a channel paying someone else", async () => voucherPayload(payer, { ...offer.v2, payTo: stranger.address }, 10_000n).then((p) => ({ ...p, accepted: offer.v2 })), BatchReason.receiverMismatch],
    ["a channel with another receiver authorizer", async () => voucherPayload(payer, { ...offer.v2, extra: { ...offer.v2.extra, receiverAuthorizer: stranger.address } }, 10_000n).then((p) => ({ ...p, accepted: offer.v2 })), BatchReason.receiverAuthorizerMismatch],
    ["a channel in another token", async () => voucherPayload(payer, { ...offer.v2, asset: "0x036CbD53842c5426634e7929541eC2318f3dCF7e" }, 10_000n).then((p) => ({ ...p, accepted: offer.v2 })), BatchReason.tokenMismatch],
    ["a channel with another withdrawal delay", async () => voucherPayload(payer, { ...offer.v2, extra: { ...offer.v2.extra, withdrawDelay: 1000 } }, 10_000n).then((p) => ({ ...p, accepted: offer.v2 })), BatchReason.withdrawDelayMismatch],
    ["accepted terms on another network", async () => setAt(await voucherPayload(payer, offer.v2, 10_000n), ["accepted", "network"], "eip155:1"), PaymentReason.requirementsMismatch],
    ["accepted terms without minDeposit", async () => setAt(await voucherPayload(payer, offer.v2, 10_000n), ["accepted", "extra", "minDeposit"], "1"), PaymentReason.requirementsMismatch],
    ["a deposit authorization signed by someone else", async () => {
      const real = await depositPayload(payer, offer.v2, 1_000_000n, 10_000n);
      const other = await depositPayload(stranger, offer.v2, 1_000_000n, 10_000n);
      return setAt(real, ["payload", "deposit", "authorization", "erc3009Authorization", "signature"], (other.payload as { deposit: { authorization: { erc3009Authorization: { signature: string } } } }).deposit.authorization.erc3009Authorization.signature);
    }, BatchReason.receiveAuthorizationSignature],
    ["a deposit whose amount was raised after signing", async () => setAt(await depositPayload(payer, offer.v2, 1_000_000n, 10_000n), ["payload", "deposit", "amount"], "2000000"), BatchReason.receiveAuthorizationSignature],
    ["an expired deposit authorization", async () => setAt(await depositPayload(payer, offer.v2, 1_000_000n, 10_000n), ["payload", "deposit", "authorization", "erc3009Authorization", "validBefore"], String(Math.floor(NOW / 1000) - 1)), BatchReason.validBefore],
    ["a voucher above uint128", async () => setAt(await voucherPayload(payer, offer.v2, 10_000n), ["payload", "voucher", "maxClaimableAmount"], (2n ** 128n).toString()), PaymentReason.invalidPayload],
    ["an unknown payload type", async () => setAt(await voucherPayload(payer, offer.v2, 10_000n), ["payload", "type"], "claim"), PaymentReason.invalidPayload],
  ])("refuses %s", async (_name, build, reason) => {
    const outcome = await verify(await build());
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.refusal.reason).toBe(reason);
  });

  it("refuses a payer authorizer that is not the voucher's signer, with no contract-wallet fallback", async () => {
    const p = await voucherPayload(payer, offer.v2, 10_000n);
    const other = privateKeyToAccount("0x" + "33".repeat(32) as `0x${string}`);
    const tampered = setAt(p, ["payload", "channelConfig", "payerAuthorizer"], other.address);
    const outcome = await verify(tampered);
    // The config changed, so it is another channel: the id no longer matches.
    expect(!outcome.ok && outcome.refusal.reason).toBe(BatchReason.channelIdMismatch);
  });
});
