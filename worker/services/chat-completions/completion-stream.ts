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
}

/**
 * OpenAI's SSE sequence (role chunk, content chunks, finish chunk, optional usage chunk, [DONE]),
 * pulled from the job one event at a time so a slow client slows the job rather than buffering it.
 * A failure after the stream began can no longer change the status: it becomes an `error` event,
 * which OpenAI clients raise, and the stream ends without [DONE].
 */
export function completionStream(args: CompletionStreamArgs): { body: ReadableStream<Uint8Array>; usage: Promise<JobUsage | null> } {
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

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(sse(chunk({ role: "assistant", content: "" }, null)));
    },
    async pull(controller) {
      const event: JobEvent = pending ?? (await nextEvent(args.rest));
      pending = null;
      if (event.type === "delta") {
        if (event.content) controller.enqueue(sse(chunk({ content: event.content }, null)));
        return;
      }
      if (event.type === "done") {
        controller.enqueue(sse(chunk({}, finishReason(event.doneReason))));
        if (args.includeUsage) controller.enqueue(sse({ ...chunk({}, null), choices: [], usage: usageOf(event.metrics) }));
        controller.enqueue(sse("[DONE]"));
        settleUsage({ promptTokens: event.metrics.prompt_eval_count, completionTokens: event.metrics.eval_count });
      } else {
        controller.enqueue(sse({ error: { message: event.message, type: "api_error", code: event.code, param: null } }));
        settleUsage(null);
      }
      controller.close();
    },
    async cancel() {
      settleUsage(null);
      await args.rest.return();
    },
  });
  return { body, usage };
}

async function nextEvent(rest: AsyncGenerator<JobEvent, void, undefined>): Promise<JobEvent> {
  const next = await rest.next();
  return next.done ? { type: "error", code: "runner_disconnected", message: "job stream ended without a result" } : next.value;
}
