import { poolOf } from "../../tunnel/pool-binding.ts";
import type { Context } from "hono";
import { normalizeModelName } from "../../../protocol/models.ts";
import { type AppEnv } from "../../app-context.ts";
import { paidResource } from "../../offers/paid-resource.ts";
import { jsonSchemaOf } from "../../offers/json-schemas.ts";
import { jsonError } from "../../http/json-error.ts";
import { readJsonBody } from "../../http/read-json-body.ts";
import { validationError } from "../../http/validation-error.ts";
import { collectOutput, jobFailureResponse, startJob } from "../../jobs/start-job.ts";
import { modelMsOf } from "../../jobs/model-time.ts";
import { jobOptions, servePaidCall } from "../paid-route.ts";
import { embeddingsBody } from "./embeddings-body.ts";
import { embeddingsPrice } from "./price.ts";
import { priceForTokens } from "../token-price.ts";
import { EMBEDDINGS_MAX_BODY_BYTES, EmbeddingsRequestSchema, EmbeddingsResponseSchema } from "./request-schema.ts";


/** POST /v1/embeddings — OpenAI-compatible, float or base64 vectors, priced from the input length. */
export async function embeddingsRoute(c: Context<AppEnv>, { paid = true }: { paid?: boolean } = {}): Promise<Response> {
  const config = c.var.config;
  const body = await readJsonBody(c.req.raw, EMBEDDINGS_MAX_BODY_BYTES);
  if (!body.ok) return body.response;
  const parsed = EmbeddingsRequestSchema.safeParse(body.value);
  if (!parsed.success) return validationError(parsed.error);
  const request = parsed.data;
  const model = normalizeModelName(request.model);
  if (!config.embeddings.models.includes(model)) {
    return jsonError(400, "model_not_offered", `model ${request.model} is not offered here; available: ${config.embeddings.models.join(", ")}`);
  }
  const inputs = typeof request.input === "string" ? [request.input] : request.input;
  const url = new URL(c.req.url);

  return servePaidCall(c, {
    service: "embeddings",
    price: embeddingsPrice(inputs, config.embeddings),
    meter: (usage) => priceForTokens(config.embeddings, usage.promptTokens),
    resource: paidResource({
      url: `${url.origin}${url.pathname}`,
      description: `Embeddings with ${model}`,
      mimeType: "application/json",
      inputSchema: jsonSchemaOf(EmbeddingsRequestSchema, "input"),
      outputSchema: jsonSchemaOf(EmbeddingsResponseSchema),
      exampleBody: { model, input: "hello" },
      exampleOutput: { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, -0.2] }], model, usage: { prompt_tokens: 1, total_tokens: 1 } },
    }),
    run: async (options) => {
      const job = { kind: "embed" as const, model, input: inputs, ...(request.dimensions ? { dimensions: request.dimensions } : {}) };
      const started = await startJob(poolOf(c.env), job, jobOptions(c, options));
      if (!started.ok) return { ok: false, code: started.failure.code, response: jobFailureResponse(started.failure, { model }) };
      const collected = await collectOutput(started);
      if (!collected.ok) return { ok: false, code: collected.failure.code, response: jobFailureResponse(collected.failure, { model }) };
      const { done } = collected.output;
      if (!done.embeddings || done.embeddings.length !== inputs.length) {
        return { ok: false, code: "invalid_output", response: jobFailureResponse({ code: "invalid_output", message: `expected ${inputs.length} vectors, the runner returned ${done.embeddings?.length ?? 0}` }, { model }) };
      }
      const result = embeddingsBody({ model, embeddings: done.embeddings, encoding: request.encoding_format ?? "float", metrics: done.metrics });
      return {
        ok: true,
        model,
        runnerId: started.runnerId,
        usage: { promptTokens: done.metrics.prompt_eval_count, completionTokens: 0 },
        modelMs: modelMsOf(done.metrics),
        abandon: () => {},
        deliver: (receipt) => {
          receipt.set("Content-Type", "application/json");
          return new Response(JSON.stringify(result), { status: 200, headers: receipt });
        },
      };
    },
  }, { paid });
}
