import type { SettleResponse } from "@x402/core/types";
import { SseParser, interpretChatEvent } from "./sse.ts";

export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** `paymentResponse`: the final charge a metered stream stated in its last event, if it did. */
export type Printed = ({ ok: true } | { ok: false; problem: string }) & { paymentResponse?: SettleResponse };

/**
 * A successful response: SSE is printed as it arrives (chat deltas as plain text), JSON is
 * pretty-printed, anything else is printed as is.
 */
export async function printResult(response: Response, out: Output): Promise<Printed> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("text/event-stream") && response.body) return printStream(response.body, out);
  const text = await response.text();
  const shown = prettyJson(text) ?? text;
  out.stdout(`${shown}${shown.endsWith("\n") ? "" : "\n"}`);
  return { ok: true };
}

async function printStream(body: ReadableStream<Uint8Array>, out: Output): Promise<Printed> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let done = false;
  let failure: string | null = null;
  let usage: string | null = null;
  let paymentResponse: SettleResponse | undefined;
  let atLineStart = true;
  const write = (text: string) => {
    if (text === "") return;
    out.stdout(text);
    atLineStart = text.endsWith("\n");
  };
  const handle = (data: string) => {
    for (const event of interpretChatEvent(data)) {
      if (event.type === "delta") write(event.text);
      else if (event.type === "done") done = true;
      else if (event.type === "usage") usage = `usage     ${event.promptTokens} prompt + ${event.completionTokens} completion tokens`;
      else if (event.type === "error") failure = `the stream failed after it started: ${event.code}: ${event.message}`;
      else if (event.type === "payment_response") paymentResponse = event.receipt as unknown as SettleResponse;
      else write(`${event.data}\n`);
    }
  };
  try {
    for await (const chunk of body) for (const data of parser.feed(decoder.decode(chunk, { stream: true }))) handle(data);
    for (const data of parser.end()) handle(data);
  } catch (error) {
    failure = `the stream broke off: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (!atLineStart) write("\n");
  if (usage) write(`${usage}\n`);
  const stated = paymentResponse ? { paymentResponse } : {};
  if (failure) return { ok: false, problem: failure, ...stated };
  if (!done) return { ok: false, problem: "the stream ended without [DONE]: the answer may be incomplete", ...stated };
  return { ok: true, ...stated };
}

/** `HTTP 503 no_runner: no runner offers qwen2.5:7b (retry after 5 s)` from the edge's error envelope. */
export async function describeHttpError(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  let detail = text.trim().slice(0, 300);
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof json.error === "object" && json.error !== null) {
      const { code, message } = json.error as { code?: unknown; message?: unknown };
      detail = [code, message].filter((v) => typeof v === "string" && v !== "").join(": ");
    } else if (typeof json.error === "string") {
      detail = [json.error, typeof json.message === "string" ? json.message : ""].filter(Boolean).join(": ");
    }
  } catch {
    // Not JSON: the (shortened) text is the best description there is.
  }
  const retry = response.headers.get("retry-after");
  return `HTTP ${response.status}${detail ? ` ${detail}` : ""}${retry ? ` (retry after ${retry} s)` : ""}`;
}

/** The `message` a 402's JSON body may carry next to its reason. */
export function bodyMessage(text: string): string | null {
  try {
    const json = JSON.parse(text) as { message?: unknown };
    return typeof json.message === "string" && json.message !== "" ? json.message : null;
  } catch {
    return null;
  }
}

function prettyJson(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}
