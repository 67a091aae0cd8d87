import { z } from "zod";
import type { JobMetrics } from "../../protocol/job.ts";

/**
 * Ollama's answers, checked before use: the runner trusts its local Ollama to be honest but not to be
 * any particular version. Everything beyond the text and the counters is optional and ignored.
 */

const count = z.number().optional().catch(undefined);
const text = z.string().optional().catch(undefined);

const MetricsShape = {
  prompt_eval_count: count,
  eval_count: count,
  total_duration: count,
  load_duration: count,
  prompt_eval_duration: count,
  eval_duration: count,
};

export const ChatPartSchema = z.looseObject({
  message: z.looseObject({ content: text, thinking: text }).optional(),
  done: z.boolean().optional(),
  done_reason: text,
  ...MetricsShape,
});
export type ChatPart = z.infer<typeof ChatPartSchema>;

export const GeneratePartSchema = z.looseObject({
  response: text,
  thinking: text,
  done: z.boolean().optional(),
  done_reason: text,
  ...MetricsShape,
});

export const EmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.array(z.number())),
  ...MetricsShape,
});

type MetricSource = Partial<Record<keyof JobMetrics, number | undefined>>;

/** Ollama omits zero counters; the protocol wants all six as non-negative integers. */
export function metricsFrom(source: MetricSource): JobMetrics {
  const read = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? 0 : Math.max(0, Math.round(value)));
  return {
    prompt_eval_count: read(source.prompt_eval_count),
    eval_count: read(source.eval_count),
    total_duration: read(source.total_duration),
    load_duration: read(source.load_duration),
    prompt_eval_duration: read(source.prompt_eval_duration),
    eval_duration: read(source.eval_duration),
  };
}

/** Thrown when Ollama answers with something that is not one of the shapes above. */
export class OllamaShapeError extends Error {
  override readonly name = "OllamaShapeError";
}
