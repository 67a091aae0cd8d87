import type { JobMetrics } from "../../../protocol/job.ts";

/** OpenAI's finish_reason from Ollama's done_reason. */
export function finishReason(doneReason: string): "stop" | "length" {
  return doneReason === "length" ? "length" : "stop";
}

export function usageOf(metrics: JobMetrics) {
  return {
    prompt_tokens: metrics.prompt_eval_count,
    completion_tokens: metrics.eval_count,
    total_tokens: metrics.prompt_eval_count + metrics.eval_count,
  };
}

export function chatCompletion(args: { id: string; created: number; model: string; content: string; doneReason: string; metrics: JobMetrics }) {
  return {
    id: args.id,
    object: "chat.completion",
    created: args.created,
    model: args.model,
    system_fingerprint: "fp_edge402",
    choices: [{ index: 0, message: { role: "assistant", content: args.content }, logprobs: null, finish_reason: finishReason(args.doneReason) }],
    usage: usageOf(args.metrics),
  };
}
