import type { Context } from "hono";
import type { AppEnv } from "../app-context.ts";
import { MIN_JOB_TIME_MS } from "../payments/core/paid-call.ts";
import type { PaidResource } from "../payments/core/paid-resource.ts";
import { handleRefundCall } from "../payments/http/http-refund-call.ts";
import { paymentSchemesFor } from "../payments/schemes/registry.ts";

/**
 * GET on a paid URL (x402 cooperative refund): the terms at the endpoint's reference price, then the
 * refund itself. The official channel client asks the URL it paid for what is left in its channel.
 */
export function refundRoute(c: Context<AppEnv>, endpoint: { price: bigint; resource: PaidResource }): Promise<Response> {
  return handleRefundCall({
    request: c.req.raw,
    schemes: paymentSchemesFor(c.var.config, c.env),
    price: endpoint.price,
    resource: endpoint.resource,
    minValidityMs: MIN_JOB_TIME_MS,
  });
}
