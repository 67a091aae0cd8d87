import { z } from "zod";
import { AddressText, Bytes32Text, SignatureText, UintText, type PaymentPayloadV1, type PaymentPayloadV2 } from "../../core/wire.ts";

/** The exact scheme's part of a PaymentPayload on EVM: an EIP-3009 transferWithAuthorization, signed. */
export const AuthorizationSchema = z.object({
  from: AddressText,
  to: AddressText,
  value: UintText,
  validAfter: UintText,
  validBefore: UintText,
  nonce: Bytes32Text,
});

export const ExactEvmPayloadSchema = z.object({
  signature: SignatureText,
  authorization: AuthorizationSchema,
});

export type Authorization = z.infer<typeof AuthorizationSchema>;
export type ExactEvmPayload = z.infer<typeof ExactEvmPayloadSchema>;

/** PaymentPayloads whose scheme part is an exact EVM payload. */
export type ExactPaymentPayloadV2 = PaymentPayloadV2<ExactEvmPayload>;
export type ExactPaymentPayloadV1 = PaymentPayloadV1<ExactEvmPayload>;
