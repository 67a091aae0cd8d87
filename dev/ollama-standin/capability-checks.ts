import type { Think } from "./api-requests.ts";
import { goQuote } from "./go/quote.ts";
import type { InstalledModel } from "./model-catalog.ts";
import { inspectImage, imagePromptTokens, UNKNOWN_IMAGE_FORMAT } from "./images.ts";

// The checks Ollama's chat and generate handlers make before they schedule the model, with their messages.

export type Needed = "completion" | "tools" | "vision" | "insert";

export type Check = { ok: true } | { ok: false; status: number; message: string };

const OK: Check = { ok: true };

/** ThinkValue.Bool(): true and every level ("low" … "max") ask for thinking. */
export function wantsThinking(think: Think | undefined): boolean {
  return think !== undefined && think !== false;
}

/**
 * Thinking models think unless told not to; others refuse a request that asks for it
 * (`"qwen2.5:7b" does not support thinking`, with the model as the client spelled it).
 */
export function checkThinking(model: InstalledModel, requestModel: string, think: Think | undefined): Check {
  if (model.capabilities.includes("thinking") || !wantsThinking(think)) return OK;
  return { ok: false, status: 400, message: `${goQuote(requestModel)} does not support thinking` };
}

/**
 * CheckCapabilities as scheduleRunner reports it: a model that cannot complete is refused by endpoint
 * name; other gaps carry the registry-qualified name. Ollama has no vision check of its own; the
 * stand-in reports images sent to a text model in the same style.
 */
export function checkCapabilities(model: InstalledModel, requestModel: string, endpoint: "chat" | "generate", needed: ReadonlyArray<Needed>): Check {
  const has = model.capabilities as ReadonlyArray<string>;
  const missing = needed.filter((capability) => !has.includes(capability));
  if (missing.length === 0) return OK;
  if (missing.includes("completion")) return { ok: false, status: 400, message: `${goQuote(requestModel)} does not support ${endpoint}` };
  // errors.Join puts one missing capability per line.
  return { ok: false, status: 400, message: `${model.qualifiedName} does not support ${missing.join("\n")}` };
}

export type ImageCheck = { ok: true; promptTokens: number } | { ok: false; status: number; message: string };

/** Each image must be PNG, JPEG or WebP; their prompt cost is added to prompt_eval_count. */
export function checkImages(images: ReadonlyArray<Uint8Array | undefined>): ImageCheck {
  let promptTokens = 0;
  for (const image of images) {
    if (image === undefined) continue;
    const info = inspectImage(image);
    if (info === null) return { ok: false, status: 400, message: UNKNOWN_IMAGE_FORMAT };
    promptTokens += imagePromptTokens(info);
  }
  return { ok: true, promptTokens };
}
