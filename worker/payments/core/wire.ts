import { z } from "zod";
import { nestsDeeperThan } from "../../../protocol/json-depth.ts";
import { parseEvmAddress } from "../../chain/evm-address.ts";

/**
 * x402 wire formats, as this edge accepts them: the PaymentPayload envelopes of both versions, with
 * the scheme's own `payload` left to the scheme (each registers its zod schema; see
 * submitted-payment.ts), and the building blocks schemes describe their payloads with. Written in
 * zod v4 because @x402/core's schemas leave `payload` untyped; the envelopes match its
 * PaymentPayloadV1/V2 types.
 */

const MAX_UINT256 = 2n ** 256n - 1n;

/** Any casing EIP-55 allows, made canonical (checksummed); see chain/evm-address.ts. */
export const AddressText = z.string().transform((text, ctx) => {
  const parsed = parseEvmAddress(text);
  if (parsed.ok) return parsed.address;
  ctx.addIssue({ code: "custom", message: parsed.message });
  return z.NEVER;
});
const CANONICAL_UINT = /^(0|[1-9][0-9]{0,77})$/;
export const UintText = z
  .string()
  .regex(CANONICAL_UINT, "must be a non-negative integer string")
  // zod runs a refinement even after the regex failed: BigInt() must only ever see digits.
  .refine((s) => !CANONICAL_UINT.test(s) || BigInt(s) <= MAX_UINT256, "exceeds uint256");
export const Bytes32Text = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");
/** 65-byte ECDSA, or longer for contract wallets (ERC-1271); bounded so no one uploads megabytes. */
export const SignatureText = z.string().regex(/^0x(?:[0-9a-fA-F]{2}){65,2048}$/, "must be a hex signature");

/**
 * Fields a client may fill with any JSON (extensions, extra, resource, a scheme's payload before
 * its schema looked at it) are still bounded in depth: a header holds ~12k levels, and a payload is
 * later serialised (to a remote facilitator), which overflows the stack at a few thousand. Echoed
 * bazaar schemas nest a dozen or so.
 */
const MAX_JSON_DEPTH = 64;
const shallow = (value: unknown) => !nestsDeeperThan(value, MAX_JSON_DEPTH);
const DEPTH_MESSAGE = `must not nest deeper than ${MAX_JSON_DEPTH} levels`;
export const JsonRecord = z.record(z.string(), z.unknown()).refine(shallow, DEPTH_MESSAGE);

/** What a v2 client echoes back as `accepted`: compared field by field with what we offered. */
export const AcceptedRequirementsSchema = z.object({
  scheme: z.string().max(64),
  network: z.string().max(64),
  amount: z.string().max(80),
  asset: z.string().max(64),
  payTo: z.string().max(64),
  maxTimeoutSeconds: z.number(),
  extra: JsonRecord.optional(),
});

export const PaymentPayloadV2Schema = z.object({
  x402Version: z.literal(2),
  resource: z.object({ url: z.string().max(2048) }).passthrough().refine(shallow, DEPTH_MESSAGE).optional(),
  accepted: AcceptedRequirementsSchema,
  payload: JsonRecord,
  extensions: JsonRecord.optional(),
});

export const PaymentPayloadV1Schema = z.object({
  x402Version: z.literal(1),
  scheme: z.string().max(64),
  network: z.string().max(64),
  payload: JsonRecord,
});

export type AcceptedRequirements = z.infer<typeof AcceptedRequirementsSchema>;
/** A payload whose scheme part (`payload`) has been checked by the scheme's own schema, typed `P`. */
export type PaymentPayloadV2<P = unknown> = Omit<z.infer<typeof PaymentPayloadV2Schema>, "payload"> & { payload: P };
export type PaymentPayloadV1<P = unknown> = Omit<z.infer<typeof PaymentPayloadV1Schema>, "payload"> & { payload: P };
export type PaymentPayload<P = unknown> = PaymentPayloadV1<P> | PaymentPayloadV2<P>;

/** The scheme and network a payload names (v2: in `accepted`; v1: at the top). */
export function schemeOf(payload: PaymentPayload): { scheme: string; network: string } {
  return payload.x402Version === 2 ? { scheme: payload.accepted.scheme, network: payload.accepted.network } : { scheme: payload.scheme, network: payload.network };
}
