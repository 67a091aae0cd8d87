import { z } from "zod";

/**
 * What validate-listing reads from an edge, as zod: the parts of an OpenAPI document that x402
 * indexes use, x402scan's `x-payment-info` (our reading of its integration spec: `price` fixed or
 * dynamic in decimal USD, `protocols` an array of protocol objects such as `{ "x402": {} }`), and
 * the fields of a 402's PaymentRequired that are checked. Anything else in those documents is
 * passed through untouched: an index ignores it too.
 */

/** Decimal USD, as x402scan wants it ("0.010000"); atomic units would read as dollars (caught by the price check). */
const UsdDecimal = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]{1,18})?$/, "must be a decimal USD amount such as 0.010000");

export const XPaymentInfo = z.object({
  price: z.discriminatedUnion("mode", [
    z.object({ mode: z.literal("fixed"), currency: z.string().min(1), amount: UsdDecimal }),
    z.object({ mode: z.literal("dynamic"), currency: z.string().min(1), min: UsdDecimal, max: UsdDecimal }),
  ]),
  protocols: z
    .array(z.record(z.string(), z.unknown()), { error: "must be an array of protocol objects such as { \"x402\": {} }" })
    .refine((protocols) => protocols.some((p) => "x402" in p), "must name x402 ({ \"x402\": {} })"),
});
export type XPaymentInfo = z.infer<typeof XPaymentInfo>;

const MediaTypes = z.record(z.string(), z.object({ schema: z.unknown().optional(), example: z.unknown().optional() }).loose());

export const OpenApiOperation = z
  .object({
    "x-payment-info": z.unknown().optional(),
    security: z.array(z.unknown()).optional(),
    requestBody: z.object({ content: MediaTypes }).loose().optional(),
    responses: z.record(z.string(), z.object({ content: MediaTypes.optional() }).loose()),
  })
  .loose();
export type OpenApiOperation = z.infer<typeof OpenApiOperation>;

export const OpenApiDocument = z
  .object({
    openapi: z.string().regex(/^3\./, "must be OpenAPI 3.x"),
    info: z.object({ title: z.string().min(1), version: z.string().min(1) }).loose(),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())).refine((paths) => Object.keys(paths).length > 0, "must list at least one path"),
  })
  .loose();

export const HTTP_METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;

/** A v2 PaymentRequired as far as it is checked: runtime amounts are atomic units, as x402scan insists. */
export const PaymentRequiredShape = z
  .object({
    x402Version: z.literal(2),
    accepts: z
      .array(z.object({ scheme: z.string().min(1), network: z.string().min(1), amount: z.string().regex(/^[0-9]+$/, "must be atomic units (an integer string)"), asset: z.string().min(1), payTo: z.string().min(1) }).loose())
      .min(1, "must offer at least one way to pay"),
    extensions: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type PaymentRequiredShape = z.infer<typeof PaymentRequiredShape>;
