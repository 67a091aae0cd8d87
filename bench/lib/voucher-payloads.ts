import { x402Client } from "@x402/core/client";
import type { PaymentPayload, PaymentRequired } from "@x402/core/types";
import { BatchSettlementEvmScheme, computeChannelId, InMemoryClientChannelStorage } from "@x402/evm/batch-settlement/client";
import type { LocalAccount } from "viem";

/**
 * `count` voucher payloads for one channel, built by the official client (x402Client +
 * BatchSettlementEvmScheme) as it would for consecutive calls: its stored channel state is set to a
 * funded channel with i calls charged before each one, so each is the voucher-only payload of call
 * i + 1 (distinct cumulative amounts, distinct signatures). For timing the edge's local check only:
 * nothing here is sent.
 */
export async function voucherPayloads(required: PaymentRequired, payer: LocalAccount, count: number): Promise<PaymentPayload[]> {
  const terms = required.accepts.find((a) => a.scheme === "batch-settlement");
  if (!terms) throw new Error("the 402 offers no batch-settlement");
  const price = BigInt(terms.amount);
  const storage = new InMemoryClientChannelStorage();
  const scheme = new BatchSettlementEvmScheme(payer as never, { storage });
  const client = new x402Client().register(terms.network, scheme).setSpendControls(false);
  const channelId = computeChannelId(scheme.buildChannelConfig(terms), terms.network).toLowerCase();
  const payloads: PaymentPayload[] = [];
  for (let i = 0; i < count; i++) {
    await storage.set(channelId, { balance: (price * BigInt(count + 1)).toString(), chargedCumulativeAmount: (price * BigInt(i)).toString() });
    const payload = await client.createPaymentPayload(required);
    if ((payload.payload as { type?: unknown }).type !== "voucher") throw new Error("the official client built a deposit, not a voucher");
    payloads.push(payload);
  }
  return payloads;
}
