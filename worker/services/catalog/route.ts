import { poolOf } from "../../tunnel/pool-binding.ts";
import type { Context } from "hono";
import { type AppEnv } from "../../app-context.ts";
import type { ServiceOffer } from "../../config/services-config.ts";
import { paidResourceFor } from "../../offers/paid-resource.ts";
import { jsonError } from "../../http/json-error.ts";
import { readJsonBody } from "../../http/read-json-body.ts";
import { jobFailureResponse } from "../../jobs/start-job.ts";
import { modelMsOf } from "../../jobs/model-time.ts";
import { jobOptions, servePaidCall } from "../paid-route.ts";
import { prepareCatalogInput } from "./catalog-input.ts";
import { runStructured } from "./run-structured.ts";

/** JSON bodies carry images as base64 (4/3 of the bytes) plus a little text. */
export const catalogBodyLimit = (imageBytes: number) => Math.ceil((imageBytes * 4) / 3) + 64 * 1024;

/**
 * POST /v1/<service> for every catalog service: the body and any image are validated before a price
 * is asked (400/413/415, never a 402), then the payment core runs the structured job.
 */
export async function catalogServiceRoute(c: Context<AppEnv>, offer: ServiceOffer, { paid = true }: { paid?: boolean } = {}): Promise<Response> {
  const config = c.var.config;
  const { definition } = offer;
  const body = await readJsonBody(c.req.raw, catalogBodyLimit(config.imageLimits.maxBytes));
  if (!body.ok) return body.response;
  const prepared = prepareCatalogInput(offer, body.value, { imageLimits: config.imageLimits, inputName: "body" });
  if (!prepared.ok) return jsonError(prepared.status, prepared.code, prepared.message, prepared.issues ? { issues: prepared.issues } : undefined);
  const { input, image } = prepared;

  return servePaidCall(c, {
    service: definition.id,
    price: offer.price,
    resource: paidResourceFor(offer, new URL(c.req.url).origin),
    run: async (options) => {
      const result = await runStructured(poolOf(c.env), offer, input, image, jobOptions(c, options));
      if (!result.ok) return { ok: false, code: result.failure.code, response: jobFailureResponse(result.failure, { service: definition.id, model: offer.model }) };
      return {
        ok: true,
        model: offer.model,
        runnerId: result.runnerId,
        usage: { promptTokens: result.metrics.prompt_eval_count, completionTokens: result.metrics.eval_count },
        modelMs: modelMsOf(result.metrics),
        abandon: () => {},
        deliver: (receipt) => {
          receipt.set("Content-Type", "application/json");
          return new Response(JSON.stringify(result.output), { status: 200, headers: receipt });
        },
      };
    },
  }, { paid });
}
