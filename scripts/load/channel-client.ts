import { x402Client, x402HTTPClient } from "@x402/core/client";
import type { PaymentPayload, PaymentRequired, SettleResponse } from "@x402/core/types";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme, computeChannelId } from "@x402/evm/batch-settlement/client";
import type { Hex, LocalAccount, PublicClient } from "viem";
import { BATCH_SETTLEMENT } from "../../client/x402/schemes.ts";

/**
 * The official x402 batch-settlement buyer (`BatchSettlementEvmScheme` under `x402HTTPClient`),
 * unmodified, for one payer and one channel: it signs each call's payload from its own channel state
 * and updates that state from each receipt (or a corrective 402), as @x402/fetch does after its
 * probe. The load and the bench already hold the quote (every call costs the same), so they skip the
 * probe and send the paid request at once: one request per call, like the exact driver.
 */
export interface ChannelClient {
  payer: LocalAccount;
  channelId: Hex;
  /** The payload for the next call (a deposit + voucher first, then vouchers) and its header. */
  sign(): Promise<{ payload: PaymentPayload; header: string }>;
  /** Hands the paid call's response (receipt or corrective 402) to the official client. */
  observe(payload: PaymentPayload, headers: Headers, status: number): Promise<{ recovered: boolean; settleResponse?: SettleResponse }>;
}

export interface ChannelClientOptions {
  payer: LocalAccount;
  /** The 402 of the target (its batch-settlement entry is what the client pays). */
  required: PaymentRequired;
  /** Reads the escrow (the official client's recovery and corrective resync need it). */
  publicClient: PublicClient;
  /** The one deposit to make: raised to what the voucher needs if that is more. */
  deposit: bigint;
}

export function channelClient({ payer, required, publicClient, deposit }: ChannelClientOptions): ChannelClient {
  const terms = required.accepts.find((a) => a.scheme === BATCH_SETTLEMENT);
  if (!terms) throw new Error(`the edge offers no ${BATCH_SETTLEMENT}: ${required.accepts.map((a) => a.scheme).join(", ")}`);
  const scheme = new BatchSettlementEvmScheme(toClientEvmSigner(payer as never, publicClient as never), {
    depositStrategy: ({ minimumDepositAmount }) => (BigInt(minimumDepositAmount) > deposit ? BigInt(minimumDepositAmount) : deposit),
  });
  // Only this scheme is registered, so the client pays the batch-settlement entry whatever the order.
  // Spend controls are off: the local USDC is not one of the client's built-in assets.
  const client = new x402Client().register(terms.network, scheme).setSpendControls(false);
  const http = new x402HTTPClient(client);
  return {
    payer,
    channelId: computeChannelId(scheme.buildChannelConfig(terms), terms.network).toLowerCase() as Hex,
    async sign() {
      const payload = await http.createPaymentPayload(required);
      const header = http.encodePaymentSignatureHeader(payload)["PAYMENT-SIGNATURE"];
      if (!header) throw new Error("the x402 client encoded no PAYMENT-SIGNATURE header");
      return { payload, header };
    },
    observe: (payload, headers, status) => http.processPaymentResult(payload, (name) => headers.get(name), status),
  };
}
