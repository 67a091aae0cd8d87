import { poolOf } from "../tunnel/pool-binding.ts";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { type AppEnv } from "../app-context.ts";
import type { ServiceOffer } from "../config/services-config.ts";
import { runPaidCall } from "../payments/core/paid-call.ts";
import { prepareCatalogInput } from "../services/catalog/catalog-input.ts";
import { runStructured } from "../services/catalog/run-structured.ts";
import { modelMsOf } from "../jobs/model-time.ts";
import { jobOptions, paymentBindings } from "../services/paid-route.ts";
import { toolResource } from "./tool-catalog.ts";
import { deliveredResult, jobFailedResult, paymentRequiredResult, toolErrorResult } from "./tool-results.ts";
import { paymentFromMeta } from "./x402-meta.ts";

export interface ToolCall {
  arguments?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

/**
 * tools/call for a catalog service: the same input checks as POST /v1/<service> (refused before any
 * price is asked), then the same payment core, with the payment read from `_meta["x402/payment"]`.
 * `cancelled` is the MCP request's own signal (client cancellation, transport closed).
 */
export async function callCatalogTool(c: Context<AppEnv>, offer: ServiceOffer, call: ToolCall, cancelled: AbortSignal): Promise<CallToolResult> {
  const { config } = c.var;
  const prepared = prepareCatalogInput(offer, call.arguments ?? {}, { imageLimits: config.imageLimits, inputName: "arguments" });
  if (!prepared.ok) {
    const { status, code, message, issues } = prepared;
    return toolErrorResult({ code, message, status, ...(issues ? { issues } : {}) });
  }
  const { input, image } = prepared;

  const result = await runPaidCall<CallToolResult>({
    ...paymentBindings(c),
    payment: paymentFromMeta(call._meta),
    service: offer.definition.id,
    price: offer.price,
    resource: toolResource(offer),
    run: async (options) => {
      const job = await runStructured(poolOf(c.env), offer, input, image, jobOptions(c, options, [cancelled]));
      if (!job.ok) return { ok: false, code: job.failure.code, failure: jobFailedResult(job.failure) };
      return {
        ok: true,
        model: offer.model,
        runnerId: job.runnerId,
        usage: { promptTokens: job.metrics.prompt_eval_count, completionTokens: job.metrics.eval_count },
        modelMs: modelMsOf(job.metrics),
        abandon: () => {},
        deliver: ({ receipt }) => deliveredResult(job.output, receipt),
      };
    },
  });

  switch (result.kind) {
    case "payment_required":
      return paymentRequiredResult(result.terms, result.refusal);
    case "settlement_failed":
      return paymentRequiredResult(result.terms, result.refusal, result.receipt);
    case "job_failed":
      return result.failure;
    case "internal_error":
      return toolErrorResult({ code: "internal_error", message: "the job failed unexpectedly; nothing was charged", status: 500 });
    case "delivered":
      return result.result;
  }
}
