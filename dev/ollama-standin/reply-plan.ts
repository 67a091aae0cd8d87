import { exampleForSchema } from "./schema-example.ts";
import { splitTokens } from "./tokenizer.ts";

// What the "model" says: the content chosen for a request, cut into tokens and limited the way Ollama
// limits generation (stop strings, num_predict).

export type Channel = "thinking" | "content";

export interface OutputToken {
  channel: Channel;
  text: string;
}

export interface ReplyPlan {
  tokens: OutputToken[];
  doneReason: "stop" | "length";
}

/** The `format` field as Ollama's runner reads it. */
export type OutputFormat = { kind: "none" } | { kind: "json" } | { kind: "schema"; schema: Record<string, unknown> } | { kind: "invalid"; raw: string };

export function readFormat(format: unknown): OutputFormat {
  if (format === undefined || format === null || format === "") return { kind: "none" };
  if (format === "json") return { kind: "json" };
  if (typeof format === "object" && !Array.isArray(format)) return { kind: "schema", schema: { ...format } };
  return { kind: "invalid", raw: JSON.stringify(format) };
}

/** The runner's message for a format that is neither "json" nor a schema object (llm/llama_server.go). */
export function invalidFormatMessage(raw: string): string {
  return `invalid format: ${JSON.stringify(raw)}; expected "json" or a valid JSON Schema object`;
}

/** With nothing scripted: an echo of the user's words, which tests can predict. */
export function defaultReply(lastUserText: string): string {
  const words = lastUserText.trim().split(/\s+/).filter(Boolean);
  return words.length > 0 ? `You said: ${words.join(" ")}` : "You said nothing.";
}

export function thinkingText(lastUserText: string): string {
  const count = lastUserText.trim().split(/\s+/).filter(Boolean).length;
  return `The user wrote ${count} word${count === 1 ? "" : "s"}. I will answer briefly.`;
}

/** Scripted content wins; otherwise a format decides the shape; otherwise the echo. */
export function chooseContent(scripted: string | undefined, format: OutputFormat, lastUserText: string): string {
  if (scripted !== undefined) return scripted;
  if (format.kind === "json") return JSON.stringify({ reply: defaultReply(lastUserText) });
  if (format.kind === "schema") return JSON.stringify(exampleForSchema(format.schema));
  return defaultReply(lastUserText);
}

export function planReply(input: { content: string; thinking: string | undefined; numPredict: number | undefined; stop: ReadonlyArray<string> }): ReplyPlan {
  let doneReason: ReplyPlan["doneReason"] = "stop";
  const content = cutAtStop(input.content, input.stop);
  const tokens: OutputToken[] = [
    ...splitTokens(input.thinking ?? "").map((text): OutputToken => ({ channel: "thinking", text })),
    ...splitTokens(content).map((text): OutputToken => ({ channel: "content", text })),
  ];
  // Reaching num_predict means the end-of-sequence token was never sampled: "length", as in llama.cpp.
  if (input.numPredict !== undefined && input.numPredict > 0 && tokens.length >= input.numPredict) {
    tokens.length = input.numPredict;
    doneReason = "length";
  }
  return { tokens, doneReason };
}

function cutAtStop(text: string, stops: ReadonlyArray<string>): string {
  let end = text.length;
  for (const stop of stops) {
    const at = stop === "" ? -1 : text.indexOf(stop);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}
