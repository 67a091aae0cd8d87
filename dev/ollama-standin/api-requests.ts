import { decodeInto, goAny, goBool, goInt, goString, type GoType } from "./go/decode.ts";
import { parseGoDuration } from "./go/duration.ts";
import { scanFirstValue } from "./go/json-scan.ts";
import { goDynamicTypeName } from "./go/quote.ts";

// Ollama's request types (api/types.go) and how gin decodes them, field by field.

export type Think = boolean | "high" | "medium" | "low" | "max";

/** keep_alive in milliseconds; Infinity keeps the model loaded forever, 0 unloads it after the request. */
export type KeepAliveMs = number;

export interface ChatMessage {
  role?: string;
  content?: string;
  thinking?: string;
  images?: Array<Uint8Array | undefined>;
  tool_calls?: unknown[];
  tool_name?: string;
  tool_call_id?: string;
}

export interface CompletionFields {
  model?: string;
  stream?: boolean;
  format?: unknown;
  keep_alive?: KeepAliveMs;
  options?: Record<string, unknown>;
  think?: Think;
  truncate?: boolean;
  shift?: boolean;
  logprobs?: boolean;
  top_logprobs?: number;
}

export interface ChatRequest extends CompletionFields {
  messages?: Array<ChatMessage | undefined>;
  tools?: unknown[];
}

export interface GenerateRequest extends CompletionFields {
  prompt?: string;
  suffix?: string;
  system?: string;
  template?: string;
  context?: number[];
  raw?: boolean;
  images?: Array<Uint8Array | undefined>;
}

export interface EmbedRequest {
  model?: string;
  input?: unknown;
  truncate?: boolean;
  dimensions?: number;
  keep_alive?: KeepAliveMs;
  options?: Record<string, unknown>;
}

export interface EmbeddingsRequest {
  model?: string;
  prompt?: string;
  keep_alive?: KeepAliveMs;
  options?: Record<string, unknown>;
}

export interface ShowRequest {
  model?: string;
  name?: string;
  verbose?: boolean;
}

const THINK_LEVELS = ["high", "medium", "low", "max"];

// api.ThinkValue.UnmarshalJSON
const think: GoType = {
  kind: "custom",
  decode: (value) => {
    if (typeof value === "boolean") return { ok: true, value };
    if (typeof value === "string") {
      if (THINK_LEVELS.includes(value)) return { ok: true, value };
      return { ok: false, message: `invalid think value: ${JSON.stringify(value)} (must be "high", "medium", "low", "max", true, or false)` };
    }
    return { ok: false, message: `think must be a boolean or string ("high", "medium", "low", "max", true, or false)` };
  },
};

// api.Duration.UnmarshalJSON: seconds as a number, a Go duration as a string, negative = forever.
const keepAlive: GoType = {
  kind: "custom",
  decode: (value) => {
    if (typeof value === "number") return { ok: true, value: value < 0 ? Infinity : value * 1000 };
    if (typeof value === "string") {
      const parsed = parseGoDuration(value);
      if (!parsed.ok) return parsed;
      return { ok: true, value: parsed.ms < 0 ? Infinity : parsed.ms };
    }
    return { ok: false, message: `Unsupported type: '${goDynamicTypeName(value)}'` };
  },
};

const optionsMap: GoType = { kind: "map", name: "map[string]interface {}" };
const images: GoType = { kind: "slice", name: "[]api.ImageData", elem: { kind: "bytes", name: "api.ImageData" } };

const completionFields: Record<string, GoType> = {
  model: goString,
  stream: goBool,
  format: goAny,
  keep_alive: keepAlive,
  options: optionsMap,
  think,
  truncate: goBool,
  shift: goBool,
  logprobs: goBool,
  top_logprobs: goInt,
};

const message: GoType = {
  kind: "struct",
  name: "Alias",
  ownDecoder: true,
  fields: {
    role: goString,
    content: goString,
    thinking: goString,
    images,
    tool_calls: { kind: "slice", name: "[]api.ToolCall", elem: goAny },
    tool_name: goString,
    tool_call_id: goString,
  },
};

export const CHAT_REQUEST = {
  kind: "struct",
  name: "ChatRequest",
  fields: { ...completionFields, messages: { kind: "slice", name: "[]api.Message", elem: message }, tools: { kind: "slice", name: "api.Tools", elem: goAny } },
} as const satisfies GoType;

export const GENERATE_REQUEST = {
  kind: "struct",
  name: "GenerateRequest",
  fields: {
    ...completionFields,
    prompt: goString,
    suffix: goString,
    system: goString,
    template: goString,
    context: { kind: "slice", name: "[]int", elem: goInt },
    raw: goBool,
    images,
  },
} as const satisfies GoType;

export const EMBED_REQUEST = {
  kind: "struct",
  name: "EmbedRequest",
  fields: { model: goString, input: goAny, truncate: goBool, dimensions: goInt, keep_alive: keepAlive, options: optionsMap },
} as const satisfies GoType;

export const EMBEDDINGS_REQUEST = {
  kind: "struct",
  name: "EmbeddingRequest",
  fields: { model: goString, prompt: goString, keep_alive: keepAlive, options: optionsMap },
} as const satisfies GoType;

export const SHOW_REQUEST = {
  kind: "struct",
  name: "ShowRequest",
  fields: { model: goString, name: goString, system: goString, template: goString, verbose: goBool, options: optionsMap },
} as const satisfies GoType;

export type DecodedRequest<T> =
  | { kind: "empty" }
  | { kind: "error"; message: string }
  /** `raw` is the body as the client sent it, for scripted replies. */
  | { kind: "ok"; request: T; raw: unknown };

/**
 * gin's ShouldBindJSON. The type parameter names the interface that matches `spec`; the decoder has
 * checked every field's type, which is what makes the one cast below sound.
 */
export function decodeRequest<T>(body: Uint8Array, spec: GoType & { kind: "struct" }): DecodedRequest<T> {
  const scanned = scanFirstValue(body);
  if (scanned.kind === "empty") return { kind: "empty" };
  if (scanned.kind === "syntax-error") return { kind: "error", message: scanned.message };
  const decoded = decodeInto(scanned.value, spec);
  if (!decoded.ok) return { kind: "error", message: decoded.message };
  return { kind: "ok", request: decoded.value as T, raw: scanned.value };
}
