import type { SettleResponse } from "@x402/core/types";
import type { JobUsage } from "../../payments/core/paid-call.ts";
import type { JobEvent } from "../../tunnel/job-events.ts";
import { finishReason, usageOf } from "./completion-body.ts";

const encoder = new TextEncoder();
const sse = (data: unknown) => encoder.encode(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);

export interface CompletionStreamArgs {
  id: string;
  created: number;
  model: string;
  includeUsage: boolean;
  first: Exclude<JobEvent, { type: "error" }>;
  rest: AsyncGenerator<JobEvent, void, undefined>;
  /** The prompt tokens the quote counted: what a stream cut short before Ollama counted them is charged. */
  promptTokensQuoted: number;
}

/** The key of the stream's last event that states a metered payment's final charge (before [DONE]). */
export const PAYMENT_RESPONSE_EVENT_KEY = "x402_payment_response";
/** How long the last event waits for the final charge to be committed. */
const FINAL_STATEMENT_WAIT_MS = 10_000;
/** A cautious characters-per-token ratio for output delivered before a client hung up (in the payer's favour). */
const DELIVERED_CHARS_PER_TOKEN = 4;

export interface CompletionStream {
  body: ReadableStream<Uint8Array>;
  /** Resolves when the stream ends: Ollama's counts, an estimate of what a client that hung up received, or null on an error. */
  usage: Promise<JobUsage | null>;
  /** Makes the stream state this final charge in its last event (metered payments). */
  stateFinalCharge(final: Promise<SettleResponse | null>): void;
}

/**
 * OpenAI's SSE sequence (role chunk, content chunks, finish chunk, optional usage chunk, [DONE]),
 * pulled from the job one event at a time so a slow client slows the job rather than buffering it.
 * A failure after the stream began can no longer change the status: it becomes an `error` event,
 * which OpenAI clients raise, and the stream ends without [DONE].
 */
export function completionStream(args: CompletionStreamArgs): CompletionStream {
  let settleUsage!: (usage: JobUsage | null) => void;
  const usage = new Promise<JobUsage | null>((resolve) => (settleUsage = resolve));
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id: args.id,
    object: "chat.completion.chunk",
    created: args.created,
    model: args.model,
    system_fingerprint: "fp_edge402",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  let pending: JobEvent | null = args.first;
  let final: Promise<SettleResponse | null> | null = null;
  let deliveredChars = 0;

  /** A metered payment's final receipt, as the stream's last event (before [DONE] or after an error). */
  const stateFinal = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    const statement = final ? await Promise.race([final, new Promise<null>((resolve) => setTimeout(() => resolve(null), FINAL_STATEMENT_WAIT_MS))]) : null;
    if (statement) controller.enqueue(sse({ ...chunk({}, null), choices: [], [PAYMENT_RESPONSE_EVENT_KEY]: statement }));
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(sse(chunk({ role: "assistant", content: "" }, null)));
    },
    async pull(controller) {
      const event: JobEvent = pending ?? (await nextEvent(args.rest));
      pending = null;
      if (event.type === "delta") {
        if (event.content) {
          deliveredChars += event.content.length;
          controller.enqueue(sse(chunk({ content: event.content }, null)));
        }
        return;
      }
      if (event.type === "done") {
        controller.enqueue(sse(chunk({}, finishReason(event.doneReason))));
        if (args.includeUsage) controller.enqueue(sse({ ...chunk({}, null), choices: [], usage: usageOf(event.metrics) }));
        settleUsage({ promptTokens: event.metrics.prompt_eval_count, completionTokens: event.metrics.eval_count });
        await stateFinal(controller);
        controller.enqueue(sse("[DONE]"));
      } else {
        controller.enqueue(sse({ error: { message: event.message, type: "api_error", code: event.code, param: null } }));
        // A stream that failed is charged nothing; a metered payment's statement says so, so the
        // client does not keep the provisional charge of the header receipt.
        settleUsage(null);
        await stateFinal(controller);
      }
      controller.close();
    },
    async cancel() {
      // The client hung up: it pays for what it received (the prompt as quoted, the output it got).
      settleUsage({ promptTokens: args.promptTokensQuoted, completionTokens: Math.ceil(deliveredChars / DELIVERED_CHARS_PER_TOKEN) });
      await args.rest.return();
    },
  });
  return { body, usage, stateFinalCharge: (statement) => void (final = statement) };
}

async function nextEvent(rest: AsyncGenerator<JobEvent, void, undefined>): Promise<JobEvent> {
  const next = await rest.next();
  return next.done ? { type: "error", code: "runner_disconnected", message: "job stream ended without a result" } : next.value;
}
