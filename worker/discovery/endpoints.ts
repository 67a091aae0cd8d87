import type { EdgeConfig } from "../config/edge-config.ts";
import { CHAT_MAX_BODY_BYTES, ChatCompletionRequestSchema, ChatCompletionResponseSchema } from "../services/chat-completions/request-schema.ts";
import { chatCompletion } from "../services/chat-completions/completion-body.ts";
import { chatQuotedTokenRange, planChatJob } from "../services/chat-completions/to-job.ts";
import { EMBEDDINGS_MAX_BODY_BYTES, EmbeddingsRequestSchema, EmbeddingsResponseSchema } from "../services/embeddings/request-schema.ts";
import { embeddingsPrice, embeddingsQuotedTokenRange } from "../services/embeddings/price.ts";
import { jsonSchemaOf } from "../offers/json-schemas.ts";

/** How a paid endpoint is priced, for discovery: fixed per call, or quoted from each request. */
export type Pricing =
  | { kind: "per_call"; price: bigint }
  | { kind: "per_token"; basePrice: bigint; pricePerMillionTokens: bigint; note: string; tokenRange: { min: number; max: number } };

/** Everything the discovery documents (index page, /.well-known/x402, /openapi.json) say about a paid endpoint. */
export interface PaidEndpoint {
  id: string;
  path: string;
  title: string;
  description: string;
  models: string[];
  pricing: Pricing;
  /** The price of `example.input`: what a 402 for the example asks. */
  examplePrice: bigint;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  example: { input: unknown; output: unknown };
}

/** Every paid endpoint this edge sells, in one list: the catalog services, then the OpenAI-compatible API. */
export function paidEndpoints(config: EdgeConfig): PaidEndpoint[] {
  const services: PaidEndpoint[] = config.services.map(({ definition, price, model }) => ({
    id: definition.id,
    path: `/v1/${definition.id}`,
    title: definition.title,
    description: definition.description,
    models: [model],
    pricing: { kind: "per_call", price },
    examplePrice: price,
    inputSchema: jsonSchemaOf(definition.input, "input"),
    outputSchema: jsonSchemaOf(definition.output),
    example: definition.example,
  }));
  const chatExample = { model: config.chat.models[0] ?? "qwen2.5:7b", messages: [{ role: "user", content: "Hello!" }], max_tokens: 64 };
  const chatPlan = planChatJob(ChatCompletionRequestSchema.parse(chatExample), config);
  const embedExample = { model: config.embeddings.models[0] ?? "nomic-embed-text", input: "hello world" };
  const openai: PaidEndpoint[] = [];
  if (config.chat.models.length > 0 && chatPlan.ok) {
    openai.push({
      id: "chat.completions",
      path: "/v1/chat/completions",
      title: "Chat completions (OpenAI-compatible)",
      description: "OpenAI chat completions, streamed over SSE with stream: true; priced from the prompt size and max_tokens.",
      models: config.chat.models,
      pricing: { kind: "per_token", basePrice: config.chat.basePrice, pricePerMillionTokens: config.chat.pricePerMillionTokens, note: `(prompt characters ÷ 3 + 1024 per image + max_tokens, default ${config.chat.defaultMaxTokens}) tokens`, tokenRange: chatQuotedTokenRange(CHAT_MAX_BODY_BYTES) },
      examplePrice: chatPlan.price,
      inputSchema: jsonSchemaOf(ChatCompletionRequestSchema, "input"),
      outputSchema: jsonSchemaOf(ChatCompletionResponseSchema),
      example: {
        input: chatExample,
        output: chatCompletion({ id: "chatcmpl-example", created: 0, model: chatExample.model, content: "Hello! How can I help?", doneReason: "stop", metrics: { prompt_eval_count: 9, eval_count: 7, total_duration: 0, load_duration: 0, prompt_eval_duration: 0, eval_duration: 0 } }),
      },
    });
  }
  if (config.embeddings.models.length > 0) {
    openai.push({
      id: "embeddings",
      path: "/v1/embeddings",
      title: "Embeddings (OpenAI-compatible)",
      description: "OpenAI embeddings, float or base64 vectors; priced from the input length.",
      models: config.embeddings.models,
      pricing: { kind: "per_token", basePrice: config.embeddings.basePrice, pricePerMillionTokens: config.embeddings.pricePerMillionTokens, note: "(input characters ÷ 3) tokens", tokenRange: embeddingsQuotedTokenRange(EMBEDDINGS_MAX_BODY_BYTES) },
      examplePrice: embeddingsPrice([embedExample.input], config.embeddings),
      inputSchema: jsonSchemaOf(EmbeddingsRequestSchema, "input"),
      outputSchema: jsonSchemaOf(EmbeddingsResponseSchema),
      example: { input: embedExample, output: { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, -0.2] }], model: embedExample.model, usage: { prompt_tokens: 4, total_tokens: 4 } } },
    });
  }
  return [...services, ...openai];
}
