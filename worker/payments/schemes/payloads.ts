import type { SchemePayloadSchemas } from "../core/submitted-payment.ts";
import { EXACT } from "./exact/exact-offer.ts";
import { ExactEvmPayloadSchema } from "./exact/exact-payload.ts";
import { BATCH } from "./batch-settlement/batch-constants.ts";
import { BatchPayloadSchema } from "./batch-settlement/batch-payload.ts";

/**
 * The static half of the scheme registry: each registered scheme's payload schema, which decoding a
 * payment (HTTP headers, MCP `_meta`) needs. Apart from registry.ts so that decoding imports no
 * Worker bindings (it runs, and is fuzzed, in plain Node too). registry.ts checks the two agree.
 */
export const SCHEME_PAYLOADS: SchemePayloadSchemas = {
  [EXACT]: ExactEvmPayloadSchema,
  [BATCH]: BatchPayloadSchema,
};
