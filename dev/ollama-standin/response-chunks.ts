import { formatUtc, nowNs } from "./clock.ts";
import type { OutputToken } from "./reply-plan.ts";

// The JSON objects /api/chat and /api/generate send, with Ollama's field order and omitempty rules.

export type Endpoint = "chat" | "generate";

export interface Metrics {
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
}

export interface ChunkShape {
  endpoint: Endpoint;
  /** Echoed as the client spelled it, like Ollama does. */
  model: string;
}

export interface Text {
  content: string;
  thinking: string;
}

export function partialChunk(shape: ChunkShape, token: OutputToken): Record<string, unknown> {
  const text: Text = token.channel === "thinking" ? { content: "", thinking: token.text } : { content: token.text, thinking: "" };
  return { ...head(shape, text), done: false };
}

export function finalChunk(
  shape: ChunkShape,
  text: Text,
  doneReason: string,
  metrics: Metrics,
  context: number[] | undefined,
): Record<string, unknown> {
  return {
    ...head(shape, text),
    done: true,
    done_reason: doneReason,
    ...(shape.endpoint === "generate" && context && context.length > 0 ? { context } : {}),
    ...nonZero(metrics),
  };
}

/** The answer to a load or unload request (empty messages or prompt): one object, never a stream. */
export function loadResponse(shape: ChunkShape, doneReason: "load" | "unload"): Record<string, unknown> {
  return { ...head(shape, { content: "", thinking: "" }), done: true, done_reason: doneReason };
}

function head(shape: ChunkShape, text: Text): Record<string, unknown> {
  const stamp = { model: shape.model, created_at: formatUtc(nowNs()) };
  const thinking = text.thinking ? { thinking: text.thinking } : {};
  if (shape.endpoint === "chat") return { ...stamp, message: { role: "assistant", content: text.content, ...thinking } };
  return { ...stamp, response: text.content, ...thinking };
}

// api.Metrics fields are omitempty.
function nonZero(metrics: Metrics): Partial<Metrics> {
  return Object.fromEntries(Object.entries(metrics).filter(([, value]) => value !== 0));
}
