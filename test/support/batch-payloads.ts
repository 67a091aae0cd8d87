import type { PaymentRequirements } from "@x402/core/types";
import { toClientEvmSigner } from "@x402/evm";
import { buildChannelConfig, computeChannelId, createBatchSettlementEIP3009DepositPayload, signVoucher } from "@x402/evm/batch-settlement/client";
import type { LocalAccount } from "viem";

/**
 * batch-settlement payloads as the official client builds them (its own functions, no network):
 * for tests that send vouchers and deposits by hand. The signer has no readContract: nothing here
 * reads the chain.
 */
export function channelFor(payer: LocalAccount, requirements: PaymentRequirements, salt?: `0x${string}`) {
  const signer = toClientEvmSigner(payer);
  const config = buildChannelConfig({ signer, salt: salt ?? `0x${"00".repeat(32)}` } as Parameters<typeof buildChannelConfig>[0], requirements);
  return { signer, config, channelId: computeChannelId(config, requirements.network) };
}

export async function voucherPayload(payer: LocalAccount, requirements: PaymentRequirements, maxClaimable: bigint, options: { salt?: `0x${string}` } = {}) {
  const { signer, config, channelId } = channelFor(payer, requirements, options.salt);
  const voucher = await signVoucher(signer, channelId, maxClaimable.toString(), requirements.network);
  return { x402Version: 2, accepted: requirements, payload: { type: "voucher", channelConfig: config, voucher } };
}

export async function depositPayload(payer: LocalAccount, requirements: PaymentRequirements, deposit: bigint, maxClaimable: bigint, options: { salt?: `0x${string}` } = {}) {
  const { signer, config } = channelFor(payer, requirements, options.salt);
  const result = await createBatchSettlementEIP3009DepositPayload(signer, 2, requirements, config, deposit.toString(), maxClaimable.toString());
  return { x402Version: 2, accepted: requirements, payload: result.payload };
}
