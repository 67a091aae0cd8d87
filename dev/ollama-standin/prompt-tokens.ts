import { countTokens } from "./tokenizer.ts";

// prompt_eval_count: the templated prompt, not just the user's words. Each message is wrapped in a
// ChatML frame (<|im_start|>role\n … <|im_end|>\n), the prompt ends with the assistant header, and
// Qwen2.5's template adds its own system prompt when the request has none.

const MESSAGE_FRAME_TOKENS = 5;
const ASSISTANT_HEADER_TOKENS = 3;
const QWEN25_DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

export interface PromptMessage {
  role: string;
  content: string;
}

export function chatPromptTokens(input: { family: string; messages: ReadonlyArray<PromptMessage>; tools: ReadonlyArray<unknown> }): number {
  let total = ASSISTANT_HEADER_TOKENS;
  const hasSystem = input.messages.some((m) => m.role === "system");
  if (!hasSystem && input.family === "qwen2") total += MESSAGE_FRAME_TOKENS + countTokens(QWEN25_DEFAULT_SYSTEM);
  for (const message of input.messages) total += MESSAGE_FRAME_TOKENS + countTokens(message.content);
  // Tool definitions are rendered into the system turn as JSON.
  if (input.tools.length > 0) total += MESSAGE_FRAME_TOKENS + countTokens(JSON.stringify(input.tools));
  return total;
}

/** /api/generate: the prompt as one user turn (plus system), or verbatim with raw:true. */
export function generatePromptTokens(input: { family: string; prompt: string; system: string; raw: boolean }): number {
  if (input.raw) return countTokens(input.prompt);
  const messages: PromptMessage[] = input.system ? [{ role: "system", content: input.system }] : [];
  messages.push({ role: "user", content: input.prompt });
  return chatPromptTokens({ family: input.family, messages, tools: [] });
}

/** Embedding models add a start and an end token ([CLS] … [SEP]) to each input. */
export function embeddingInputTokens(text: string): number {
  return countTokens(text) + 2;
}
