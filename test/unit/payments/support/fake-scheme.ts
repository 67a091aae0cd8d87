import type { SettleResponse } from "@x402/core/types";
import type { JobUsage, PaymentBook, PaymentEntry, PaymentKey } from "../../../../worker/payments/core/payment-book.ts";
import type { PaymentScheme, SchemeOffer, SchemeSettlement, Verdict, VerifiedPayment, VerifyContext } from "../../../../worker/payments/core/payment-scheme.ts";
import type { PaymentRefusal } from "../../../../worker/payments/core/reasons.ts";
import type { PaidResource } from "../../../../worker/payments/core/terms.ts";
import type { PaymentPayload } from "../../../../worker/payments/core/wire.ts";

/** What a fake scheme was asked to do, in order. */
export type SchemeCall =
  | { op: "verify"; ctx: VerifyContext }
  | { op: "reserve"; leaseMs: number }
  | { op: "preflight" }
  | { op: "release" }
  | { op: "hold"; reference: string | null }
  | { op: "settle"; amount: bigint; final: boolean }
  | { op: "finalize"; amount: bigint };

export interface FakeSchemeScript {
  verify?: (payload: PaymentPayload) => Verdict<VerifiedPayment>;
  reserve?: PaymentRefusal | null;
  /** Resolves when the test says so, so that it can run before or after the job. */
  preflight?: () => Promise<PaymentRefusal | null>;
  settle?: (charge: { amount: bigint; final: boolean }) => Promise<SchemeSettlement>;
}

/**
 * A scheme that does what its script says and writes down every call: the payment core is tested
 * against it for every branch, without a chain, a Durable Object or workerd.
 */
export class FakeScheme implements PaymentScheme {
  readonly calls: SchemeCall[] = [];
  finalize?: PaymentScheme["finalize"];

  constructor(
    readonly scheme: string,
    readonly network: string,
    readonly billing: "fixed" | "metered",
    private readonly script: FakeSchemeScript = {},
    private readonly v1Network: string | null = null,
  ) {
    if (billing === "metered") {
      this.finalize = async (_payment, amount) => {
        this.calls.push({ op: "finalize", amount });
        return { charged: amount, settlementRef: `final:${amount}`, receipt: receipt(true, { extra: { chargedAmount: amount.toString() } }) };
      };
    }
  }

  offer(price: bigint, resource: PaidResource): SchemeOffer {
    const v2 = { scheme: this.scheme, network: this.network as `${string}:${string}`, amount: price.toString(), asset: "0xasset", payTo: "0xpayee", maxTimeoutSeconds: 60, extra: { kind: this.scheme } };
    const v1 = this.v1Network
      ? { scheme: this.scheme, network: this.v1Network as never, maxAmountRequired: price.toString(), resource: resource.url, description: resource.description, mimeType: resource.mimeType, outputSchema: {}, payTo: "0xpayee", maxTimeoutSeconds: 60, asset: "0xasset", extra: {} }
      : null;
    return { v2, v1 };
  }

  async verify(payload: PaymentPayload, _offer: SchemeOffer, ctx: VerifyContext): Promise<Verdict<VerifiedPayment>> {
    this.calls.push({ op: "verify", ctx });
    return this.script.verify?.(payload) ?? { ok: true, payment: verifiedPayment() };
  }

  async reserve(_payment: VerifiedPayment, { leaseMs }: { leaseMs: number }) {
    this.calls.push({ op: "reserve", leaseMs });
    return this.script.reserve ?? null;
  }

  async preflight() {
    this.calls.push({ op: "preflight" });
    return this.script.preflight ? this.script.preflight() : null;
  }

  async release() {
    this.calls.push({ op: "release" });
  }

  async hold(_payment: VerifiedPayment, reference: string | null) {
    this.calls.push({ op: "hold", reference });
  }

  async settle(_payment: VerifiedPayment, charge: { amount: bigint; final: boolean }): Promise<SchemeSettlement> {
    this.calls.push({ op: "settle", ...charge });
    if (this.script.settle) return this.script.settle(charge);
    return { ok: true, charged: charge.amount, settlementRef: `ref:${charge.amount}`, transaction: "0xtx", receipt: receipt(true) };
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

export function verifiedPayment(overrides: Partial<VerifiedPayment> = {}): VerifiedPayment {
  return { x402Version: 2, payer: "0xpayer", maxAmount: 1000n, replayKey: "replay-1", settleBy: null, ...overrides };
}

export function receipt(success: boolean, extra: Partial<SettleResponse> = {}): SettleResponse {
  return { success, transaction: success ? "0xtx" : "", network: "test:1", payer: "0xpayer", ...extra };
}

/** A ledger that keeps what it is told, and can be made to fail. */
export class FakeBook implements PaymentBook {
  readonly entries: PaymentEntry[] = [];
  readonly usage: Array<{ key: PaymentKey; usage: JobUsage }> = [];
  failing = false;

  async record(entry: PaymentEntry) {
    if (this.failing) throw new Error("ledger unavailable");
    this.entries.push(entry);
  }

  async recordUsage(key: PaymentKey, usage: JobUsage) {
    this.usage.push({ key: { scheme: key.scheme, replayKey: key.replayKey }, usage });
  }
}

/** A PaymentPayload (v2) naming `scheme` on `network`; its scheme part is whatever the fake wants. */
export function payloadFor(scheme: string, network: string): PaymentPayload {
  return { x402Version: 2, accepted: { scheme, network, amount: "1000", asset: "0xasset", payTo: "0xpayee", maxTimeoutSeconds: 60 }, payload: {} };
}
