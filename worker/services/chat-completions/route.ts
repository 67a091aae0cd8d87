import { poolOf } from "../../tunnel/pool-binding.ts";
import type { Context } from "hono";
import type { AppEnv } from "../../app-context.ts";
import { readJsonBody } from "../../http/read-json-body.ts";
import { jsonError } from "../../http/json-error.ts";
import { validationError } from "../../http/validation-error.ts";
import { collectOutput, jobFailureResponse, startJob } from "../../jobs/start-job.ts";
import { modelMsOf } from "../../jobs/model-time.ts";
import { jobOptions, servePaidCall } from "../paid-route.ts";
import { chatCompletion } from "./completion-body.ts";
import { completionStream } from "./completion-stream.ts";
import { CHAT_MAX_BODY_BYTES, ChatCompletionRequestSchema, ChatCompletionResponseSchema } from "./request-schema.ts";
import { jsonSchemaOf } from "../../offers/json-schemas.ts";
import { paidResource } from "../../offers/paid-resource.ts";
import { planChatJob } from "./to-job.ts";
import { priceForTokens } from "../token-price.ts";


/**
 * POST /v1/chat/completions — OpenAI-compatible, paid per call, streamed over SSE when asked.
 * `paid: false` serves the benchmark route (local chain only; see BENCH_ROUTES).
 */
export async function chatCompletionsRoute(c: Context<AppEnv>, { paid = true }: { paid?: boolean } = {}): Promise<Response> {
  const config = c.var.config;
  const body = await readJsonBody(c.req.raw, CHAT_MAX_BODY_BYTES);
  if (!body.ok) return body.response;
  const parsed = ChatCompletionRequestSchema.safeParse(body.value);
  if (!parsed.success) return validationError(parsed.error);
  const plan = planChatJob(parsed.data, config);
  if (!plan.ok) return jsonError(plan.status, plan.code, plan.message);
  const wantsStream = parsed.data.stream === true;
  const includeUsage = parsed.data.stream_options?.include_usage === true;
  const url = new URL(c.req.url);

  return servePaidCall(c, {
    service: "chat.completions",
    price: plan.price,
    // Metered schemes charge the tokens actually processed and produced (never more than the quote).
    meter: (usage) => priceForTokens(config.chat, usage.promptTokens + usage.completionTokens),
    resource: paidResource({
      url: `${url.origin}${url.pathname}`,
      description: `Chat completion with ${plan.model}, up to ${plan.maxTokens} output tokens`,
      mimeType: wantsStream ? "text/event-stream" : "application/json",
      inputSchema: jsonSchemaOf(ChatCompletionRequestSchema, "input"),
      outputSchema: jsonSchemaOf(ChatCompletionResponseSchema),
      exampleBody: { model: plan.model, messages: [{ role: "user", content: "Hello!" }], max_tokens: 64 },
      exampleOutput: chatCompletion({ id: "chatcmpl-example", created: 0, model: plan.model, content: "Hello! How can I help?", doneReason: "stop", metrics: { prompt_eval_count: 9, eval_count: 7, total_duration: 0, load_duration: 0, prompt_eval_duration: 0, eval_duration: 0 } }),
    }),
    run: async (options) => {
      const started = await startJob(poolOf(c.env), plan.job, jobOptions(c, options));
      if (!started.ok) return { ok: false, code: started.failure.code, response: jobFailureResponse(started.failure, { model: plan.model }) };
      const id = `chatcmpl-${started.jobId}`;
      const created = Math.floor(Date.now() / 1000);
      const meta = { model: plan.model, runnerId: started.runnerId };

      if (wantsStream) {
        const stream = completionStream({ id, created, model: plan.model, includeUsage, first: started.first, rest: started.rest, promptTokensQuoted: plan.promptTokens });
        return {
          ok: true,
          ...meta,
          usage: null,
          streamUsage: stream.usage,
          abandon: () => void stream.body.cancel().catch(() => {}),
          deliver: (receipt, final) => {
            if (final) stream.stateFinalCharge(final);
            receipt.set("Content-Type", "text/event-stream; charset=utf-8");
            receipt.set("Cache-Control", "no-cache, no-store, private");
            return new Response(stream.body, { status: 200, headers: receipt });
          },
        };
      }

      const collected = await collectOutput(started);
      if (!collected.ok) return { ok: false, code: collected.failure.code, response: jobFailureResponse(collected.failure, { model: plan.model }) };
      const { content, done } = collected.output;
      const completion = chatCompletion({ id, created, model: plan.model, content, doneReason: done.doneReason, metrics: done.metrics });
      return {
        ok: true,
        ...meta,
        usage: { promptTokens: done.metrics.prompt_eval_count, completionTokens: done.metrics.eval_count },
        modelMs: modelMsOf(done.metrics),
        abandon: () => {},
        deliver: (receipt) => {
          receipt.set("Content-Type", "application/json");
          return new Response(JSON.stringify(completion), { status: 200, headers: receipt });
        },
      };
    },
  }, { paid });
}
