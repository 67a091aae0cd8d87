/**
 * Server-sent events, incrementally: feed text as it arrives, get back the `data` of every event the
 * text completed (multi-line data joined with "\n"; comments, ids and event names ignored).
 */
export class SseParser {
  #buffer = "";
  #data: string[] = [];

  feed(text: string): string[] {
    this.#buffer += text;
    const events: string[] = [];
    let newline: number;
    while ((newline = this.#buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.#buffer.slice(0, newline);
      // "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
      if (this.#buffer[newline] === "\r" && newline === this.#buffer.length - 1) break;
      this.#buffer = this.#buffer.slice(newline + (this.#buffer.startsWith("\r\n", newline) ? 2 : 1));
      if (line === "") {
        if (this.#data.length > 0) events.push(this.#data.join("\n"));
        this.#data = [];
      } else if (line.startsWith("data:")) {
        this.#data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
      }
    }
    return events;
  }

  /** At end of stream: an event not yet closed by a blank line still counts. */
  end(): string[] {
    const events = this.feed("\n\n");
    this.#buffer = "";
    return events;
  }
}

/** What one chat-completions SSE event means to the printer. */
export type ChatStreamEvent =
  | { type: "delta"; text: string }
  | { type: "usage"; promptTokens: number; completionTokens: number }
  | { type: "done" }
  | { type: "error"; code: string; message: string }
  /** edge402's last event of a metered stream: the final charge (`x402_payment_response`, a SettleResponse). */
  | { type: "payment_response"; receipt: Record<string, unknown> }
  | { type: "other"; data: string };

/** The key of the event that states a metered stream's final charge (worker/services/chat-completions). */
export const PAYMENT_RESPONSE_EVENT_KEY = "x402_payment_response";

export function interpretChatEvent(data: string): ChatStreamEvent[] {
  if (data.trim() === "[DONE]") return [{ type: "done" }];
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return [{ type: "other", data }];
  }
  if (typeof json !== "object" || json === null) return [{ type: "other", data }];
  const record = json as {
    error?: { code?: unknown; message?: unknown };
    choices?: unknown;
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
    [PAYMENT_RESPONSE_EVENT_KEY]?: unknown;
  };
  if (record.error && typeof record.error === "object") {
    return [{ type: "error", code: String(record.error.code ?? "stream_error"), message: String(record.error.message ?? "the stream failed") }];
  }
  const events: ChatStreamEvent[] = [];
  if (Array.isArray(record.choices)) {
    for (const choice of record.choices as Array<{ delta?: { content?: unknown } }>) {
      const content = choice?.delta?.content;
      if (typeof content === "string" && content !== "") events.push({ type: "delta", text: content });
    }
  } else if (!(PAYMENT_RESPONSE_EVENT_KEY in record)) {
    events.push({ type: "other", data });
  }
  if (record.usage && typeof record.usage.prompt_tokens === "number" && typeof record.usage.completion_tokens === "number") {
    events.push({ type: "usage", promptTokens: record.usage.prompt_tokens, completionTokens: record.usage.completion_tokens });
  }
  const receipt = record[PAYMENT_RESPONSE_EVENT_KEY];
  if (typeof receipt === "object" && receipt !== null && typeof (receipt as { success?: unknown }).success === "boolean") {
    events.push({ type: "payment_response", receipt: receipt as Record<string, unknown> });
  }
  return events;
}
