import type { Context } from "hono";
import { Ollama, type ChatResponse } from "ollama/browser";
import { randomUUID } from "node:crypto";
import { z } from "zod";

export interface ChatCompletionHandlerOptions {
  /** Ollama's base URL, e.g. http://127.0.0.1:11434 */
  ollamaHost: string;
  /** Used when the request names no model. */
  model: string;
}

/** The part of an OpenAI chat request that edge402's non-streamed path forwards to Ollama. */
const ChatCompletionRequest = z.object({
  model: z.string().min(1).optional(),
  messages: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })).min(1),
  max_tokens: z.int().min(1).optional(),
});

/**
 * POST handler for a non-streamed OpenAI chat completion: one ollama-js `chat` call, answered as a
 * `chat.completion` object. This is the model call edge402 makes, without the edge, so a benchmark
 * compares payment paths around the same work.
 */
export function chatCompletionHandler({ ollamaHost, model }: ChatCompletionHandlerOptions) {
  const ollama = new Ollama({ host: ollamaHost });
  return async (c: Context): Promise<Response> => {
    const parsed = ChatCompletionRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json({ error: { type: "invalid_request_error", message: z.prettifyError(parsed.error) } }, 400);
    }
    const request = parsed.data;
    let reply: ChatResponse;
    try {
      reply = await ollama.chat({
        model: request.model ?? model,
        messages: request.messages,
        stream: false,
        ...(request.max_tokens === undefined ? {} : { options: { num_predict: request.max_tokens } }),
      });
    } catch (error) {
      // A status >= 400 is also what makes @x402/hono skip settlement: a failed call is not charged.
      return c.json({ error: { type: "upstream_error", message: error instanceof Error ? error.message : String(error) } }, 502);
    }
    return c.json(toChatCompletion(reply));
  };
}

function toChatCompletion(reply: ChatResponse) {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: reply.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: reply.message.content },
        finish_reason: reply.done_reason === "length" ? "length" : "stop",
      },
    ],
    usage: {
      prompt_tokens: reply.prompt_eval_count,
      completion_tokens: reply.eval_count,
      total_tokens: reply.prompt_eval_count + reply.eval_count,
    },
  };
}
