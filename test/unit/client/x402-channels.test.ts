import type { PaymentRequirements, SettleResponse } from "@x402/core/types";
import { InMemoryClientChannelStorage } from "@x402/evm/batch-settlement/client";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { channelReceipt, createChannelScheme, DepositAboveCap, depositAboveCapOf, sizeDeposit } from "../../../client/x402/channels.ts";
import { pickRequirements } from "../../../client/x402/schemes.ts";
import { channelRequirements } from "../../support/fake-channel.ts";

const ASSET = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const PAY_TO = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const channel = channelRequirements({ amount: "1000", asset: ASSET, payTo: PAY_TO });
const exact: PaymentRequirements = { scheme: "exact", network: "eip155:31337", asset: ASSET, amount: "1000", payTo: PAY_TO, maxTimeoutSeconds: 300, extra: {} };

describe("pickRequirements: by scheme, never by position", () => {
  it("auto prefers a channel wherever it is listed, else exact; a named scheme only itself", () => {
    expect(pickRequirements([exact, channel], { scheme: "auto" })).toMatchObject({ ok: true, scheme: "batch-settlement", requirements: channel });
    expect(pickRequirements([channel, exact], { scheme: "exact" })).toMatchObject({ ok: true, scheme: "exact", requirements: exact });
    expect(pickRequirements([exact], { scheme: "auto" })).toMatchObject({ ok: true, scheme: "exact" });
    expect(pickRequirements([exact], { scheme: "batch-settlement" })).toEqual({ ok: false, offered: "exact on eip155:31337" });
  });

  it("skips entries it cannot pay: another network, a non-EVM one, no receiver authorizer, a non-integer amount", () => {
    const noAuthorizer = { ...channel, extra: { ...channel.extra, receiverAuthorizer: `0x${"0".repeat(40)}` } };
    expect(pickRequirements([noAuthorizer, exact], { scheme: "auto" })).toMatchObject({ scheme: "exact" });
    expect(pickRequirements([channel, exact], { scheme: "auto", network: "eip155:8453" })).toMatchObject({ ok: false });
    expect(pickRequirements([{ ...exact, network: "solana:mainnet" as `${string}:${string}` }], { scheme: "auto" })).toMatchObject({ ok: false });
    expect(pickRequirements([{ ...exact, amount: "0.5" }], { scheme: "exact" })).toMatchObject({ ok: false });
  });
});

describe("sizeDeposit: the edge's minDeposit, at least what the voucher needs, at most the cap", () => {
  const context = (needed: string, extra: Record<string, unknown> = { minDeposit: "1000000" }) => ({
    requestAmount: "1000",
    minimumDepositAmount: needed,
    paymentRequirements: { ...channel, extra: { ...channel.extra, ...extra } },
  });
  it("follows the hint, caps it, and without one deposits 5 × the price (the official default)", () => {
    expect(sizeDeposit(context("1000"), 5_000_000n)).toBe("1000000");
    expect(sizeDeposit(context("1000"), 300_000n)).toBe("300000");
    expect(sizeDeposit(context("1000", { minDeposit: undefined }), 5_000_000n)).toBe("5000");
    expect(sizeDeposit(context("7000", { minDeposit: undefined }), 5_000_000n)).toBe("7000");
  });
  it("refuses, signing nothing, when the voucher needs more than the cap", () => {
    expect(() => sizeDeposit(context("2000"), 1000n)).toThrow(DepositAboveCap);
    const wrapped = new Error("Failed to create payment payload: the channel needs a deposit of at least 2000 base units, above the deposit cap of 1000");
    expect(depositAboveCapOf(wrapped)).toMatchObject({ needed: 2000n, maxDeposit: 1000n });
    expect(depositAboveCapOf(new Error("other"))).toBeNull();
  });
  it("the official client signs the sized deposit, even far above 5 × its per-payment cap", async () => {
    const scheme = createChannelScheme({ signer: account, storage: new InMemoryClientChannelStorage(), priceCap: 1000n, maxDeposit: 2_000_000n });
    const payload = await scheme.createPaymentPayload(2, channel, { maxAmountPerPayment: "1000" });
    expect(payload.payload).toMatchObject({ type: "deposit", deposit: { amount: "1000000" }, voucher: { maxClaimableAmount: "1000" } });
  });
});

describe("ChannelScheme: a stream's provisional receipt waits for its final charge", () => {
  const receipt = (charged: string, cumulative: string, provisional = false): SettleResponse => ({
    success: true,
    transaction: "",
    network: "eip155:31337",
    amount: "",
    extra: { chargedAmount: charged, channelState: { chargedCumulativeAmount: cumulative, balance: "1000000" }, ...(provisional ? { provisional: true } : {}) },
  });
  it("applies the final receipt, not the provisional one; without a final one, the provisional", async () => {
    const storage = new InMemoryClientChannelStorage();
    const scheme = createChannelScheme({ signer: account, storage, priceCap: 1000n, maxDeposit: 1_000_000n });
    const key = scheme.channelId(channel).toLowerCase();
    await storage.set(key, { chargedCumulativeAmount: "0", balance: "1000000" });
    const created = await scheme.createPaymentPayload(2, channel);
    const ctx = { paymentPayload: { x402Version: 2, accepted: channel, payload: created.payload }, requirements: channel };
    await scheme.schemeHooks.onPaymentResponse!({ ...ctx, settleResponse: receipt("1000", "1000", true) });
    expect(scheme.holding).toBe(true);
    expect(await storage.get(key)).toEqual({ chargedCumulativeAmount: "0", balance: "1000000" });
    await scheme.settleHeld(receipt("300", "300"));
    expect(await storage.get(key)).toMatchObject({ chargedCumulativeAmount: "300" });
    await scheme.schemeHooks.onPaymentResponse!({ ...ctx, settleResponse: receipt("1000", "1300", true) });
    await scheme.settleHeld(null);
    expect(await storage.get(key)).toMatchObject({ chargedCumulativeAmount: "1300" });
  });
});

describe("channelReceipt", () => {
  it("reads a deposit receipt and a voucher receipt into numbers", () => {
    const state = { channelId: "0xab", balance: "1000000", totalClaimed: "0", chargedCumulativeAmount: "2000" };
    expect(channelReceipt({ success: true, transaction: "0xtx", network: "eip155:1", amount: "1000000", extra: { chargedAmount: "1000", channelState: state } })).toEqual({
      channelId: "0xab",
      charged: 1000n,
      chargedCumulative: 2000n,
      balance: 1_000_000n,
      remaining: 998_000n,
      deposit: { amount: 1_000_000n, transaction: "0xtx" },
      provisional: false,
    });
    expect(channelReceipt({ success: true, transaction: "", network: "eip155:1", amount: "", extra: { chargedAmount: "1000", channelState: state, provisional: true } })).toMatchObject({ deposit: null, provisional: true });
    expect(channelReceipt({ success: true, transaction: "", network: "eip155:1" })).toMatchObject({ charged: null, remaining: null, deposit: null });
  });
});
