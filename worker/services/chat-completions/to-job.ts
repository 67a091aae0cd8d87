import { inspectImageInput } from "../../../protocol/image-input.ts";
import { ChatJobSchema, LIMITS, type ChatJob, type ChatMessage, type GenerationOptions } from "../../../protocol/job.ts";
import { normalizeModelName } from "../../../protocol/models.ts";
import type { EdgeConfig } from "../../config/edge-config.ts";
import type { ChatCompletionRequest } from "./request-schema.ts";
import { priceForTokens } from "../token-price.ts";

/** Ollama bills an image as at least this many prompt tokens (qwen2.5vl on Ollama ≥ 0.30). */
const TOKENS_PER_IMAGE = 1024;
/** A deliberately generous characters-per-token ratio: the quote must not undercharge. */
const CHARS_PER_TOKEN = 3;

/** The most output tokens a request may ask for (max_tokens / max_completion_tokens in request-schema.ts). */
const MAX_COMPLETION_TOKENS = 131_072;

/**
 * The fewest and most tokens a chat quote can count, for discovery's price range: every request asks
 * at least one output token; a prompt has at most as many characters as its body has bytes, at most
 * LIMITS.maxMessages messages of LIMITS.maxImagesPerJob images each (the job schema refuses more).
 */
export function chatQuotedTokenRange(maxBodyBytes: number): { min: number; max: number } {
  return { min: 1, max: Math.ceil(maxBodyBytes / CHARS_PER_TOKEN) + LIMITS.maxMessages * LIMITS.maxImagesPerJob * TOKENS_PER_IMAGE + MAX_COMPLETION_TOKENS };
}

export type ChatJobPlan =
  | { ok: true; job: ChatJob; price: bigint; maxTokens: number; model: string; promptTokens: number }
  | { ok: false; status: number; code: string; message: string };

/**
 * Turns an OpenAI request into a runner job and its price. The price depends only on the request
 * (prompt size and the max_tokens cap), so the 402 quote and the paid retry always agree, and the
 * cap is enforced on the runner (num_predict), so the quote bounds what is actually produced.
 */
export function planChatJob(request: ChatCompletionRequest, config: EdgeConfig): ChatJobPlan {
  const model = normalizeModelName(request.model);
  if (!config.chat.models.includes(model)) {
    return { ok: false, status: 400, code: "model_not_offered", message: `model ${request.model} is not offered here; available: ${config.chat.models.join(", ")}` };
  }

  const messages: ChatMessage[] = [];
  let chars = 0;
  let images = 0;
  for (const [i, message] of request.messages.entries()) {
    const role = message.role === "developer" ? "system" : message.role;
    if (typeof message.content === "string" || message.content === null) {
      const content = message.content ?? "";
      chars += content.length;
      messages.push({ role, content });
      continue;
    }
    const texts: string[] = [];
    const messageImages: string[] = [];
    for (const part of message.content) {
      if (part.type === "text") {
        texts.push(part.text);
        continue;
      }
      // Only inline images: the edge never fetches a URL, and the runner never reads a path.
      const url = typeof part.image_url === "string" ? part.image_url : part.image_url.url;
      const image = inspectImageInput(url, config.imageLimits);
      if (!image.ok) return { ok: false, status: image.status, code: image.code, message: `messages[${i}]: ${image.message}` };
      messageImages.push(image.base64);
    }
    const content = texts.join("\n");
    chars += content.length;
    images += messageImages.length;
    messages.push(messageImages.length ? { role, content, images: messageImages } : { role, content });
  }

  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? config.chat.defaultMaxTokens;
  const promptTokens = Math.ceil(chars / CHARS_PER_TOKEN) + images * TOKENS_PER_IMAGE;
  const price = priceForTokens(config.chat, promptTokens + maxTokens);

  const options: GenerationOptions = { num_predict: maxTokens };
  if (request.temperature != null) options.temperature = request.temperature;
  if (request.top_p != null) options.top_p = request.top_p;
  if (request.seed != null) options.seed = request.seed;
  if (request.stop != null) options.stop = typeof request.stop === "string" ? [request.stop] : request.stop;
  if (request.presence_penalty != null) options.presence_penalty = request.presence_penalty;
  if (request.frequency_penalty != null) options.frequency_penalty = request.frequency_penalty;

  const job: ChatJob = { kind: "chat", model, messages, options };
  const format = request.response_format;
  if (format?.type === "json_object") job.format = "json";
  if (format?.type === "json_schema") job.format = format.json_schema.schema;
  // The runner validates the job with this same schema: a job it would refuse must not be quoted,
  // or the agent pays for a call that can only fail after the 402 (per-message text and image
  // limits, format depth — bounds the OpenAI body schema does not have).
  const runnable = ChatJobSchema.safeParse(job);
  if (!runnable.success) {
    const issue = runnable.error.issues[0];
    return { ok: false, status: 400, code: "invalid_request", message: `this request exceeds what a runner accepts: ${issue?.path.join(".") || "job"}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, job, price, maxTokens, model, promptTokens };
}
