import { z } from "zod";
import { AddressText, Bytes32Text, SignatureText, UintText } from "../../core/wire.ts";

/** uint128, as the contract stores amounts: anything larger can never be claimed. */
const MAX_UINT128 = 2n ** 128n - 1n;
const Uint128Text = UintText.refine((s) => !/^[0-9]+$/.test(s) || BigInt(s) <= MAX_UINT128, "exceeds uint128");

export const ChannelConfigSchema = z.object({
  payer: AddressText,
  payerAuthorizer: AddressText,
  receiver: AddressText,
  receiverAuthorizer: AddressText,
  token: AddressText,
  withdrawDelay: z.number().int().min(0).max(2 ** 40 - 1),
  salt: Bytes32Text,
});

export const VoucherSchema = z.object({
  channelId: z.string().max(80),
  maxClaimableAmount: Uint128Text,
  signature: SignatureText,
});

const Erc3009AuthorizationSchema = z.object({
  validAfter: UintText,
  validBefore: UintText,
  salt: Bytes32Text,
  signature: SignatureText,
});

/**
 * The batch-settlement scheme's part of a PaymentPayload (spec §"Client: Payment Construction"):
 * a first or top-up `deposit` with the call's voucher, a plain `voucher`, or a cooperative `refund`.
 * Only the ERC-3009 deposit method is accepted (Circle USDC has it; Permit2 is not offered).
 */
export const BatchPayloadSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("deposit"),
    channelConfig: ChannelConfigSchema,
    voucher: VoucherSchema,
    deposit: z.object({
      amount: Uint128Text,
      authorization: z.object({ erc3009Authorization: Erc3009AuthorizationSchema }),
    }),
  }),
  z.object({ type: z.literal("voucher"), channelConfig: ChannelConfigSchema, voucher: VoucherSchema }),
  z.object({ type: z.literal("refund"), channelConfig: ChannelConfigSchema, voucher: VoucherSchema, amount: Uint128Text.optional() }),
]);

export type ChannelConfig = z.infer<typeof ChannelConfigSchema>;
export type Voucher = z.infer<typeof VoucherSchema>;
export type BatchPayload = z.infer<typeof BatchPayloadSchema>;
export type DepositPayload = Extract<BatchPayload, { type: "deposit" }>;
