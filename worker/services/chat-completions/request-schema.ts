import { z } from "zod";

/**
 * The OpenAI chat completions request as edge402 accepts it. Unknown fields are ignored (clients send
 * many harmless ones); fields that would change the meaning of the call and are not supported
 * (`tools`, `n > 1`, `logprobs`) are refused with a 400 rather than silently dropped.
 */
const ImageUrl = z.union([z.string(), z.object({ url: z.string(), detail: z.string().optional() })]);

const ContentPart = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image_url"), image_url: ImageUrl }),
]);

const Message = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"]),
  content: z.union([z.string(), z.array(ContentPart).max(64), z.null()]),
  name: z.string().max(64).optional(),
});

const ResponseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({ name: z.string().max(64), schema: z.record(z.string(), z.unknown()), strict: z.boolean().nullish() }),
  }),
]);

/** The largest chat body read (images inline as base64 make bodies large); discovery's price range is bounded by it. */
export const CHAT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export const ChatCompletionRequestSchema = z.object({
  model: z.string().min(1).max(200),
  messages: z.array(Message).min(1).max(256),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.int().min(1).max(131_072).nullish(),
  max_completion_tokens: z.int().min(1).max(131_072).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  seed: z.int().min(-(2 ** 31)).max(2 ** 31 - 1).nullish(),
  stop: z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(4)]).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  response_format: ResponseFormat.nullish(),
  n: z.literal(1, { error: "only n = 1 is supported" }).nullish(),
  tools: z.array(z.unknown()).max(0, { error: "tool calling is not supported yet" }).nullish(),
  logprobs: z.literal(false, { error: "logprobs are not supported" }).nullish(),
  user: z.string().max(256).nullish(),
});

export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

/** The non-streamed response, as a schema for discovery documents. */
export const ChatCompletionResponseSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.int(),
  model: z.string(),
  // Every field chatCompletion() (completion-body.ts) sends: the discovery schema is strict, and the bazaar validator holds the example to it.
  system_fingerprint: z.string(),
  choices: z.array(
    z.object({
      index: z.int(),
      message: z.object({ role: z.literal("assistant"), content: z.string() }),
      logprobs: z.null(),
      finish_reason: z.enum(["stop", "length"]),
    }),
  ),
  usage: z.object({ prompt_tokens: z.int(), completion_tokens: z.int(), total_tokens: z.int() }),
});
