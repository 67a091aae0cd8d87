import type { JobMetrics } from "../../protocol/job.ts";

/**
 * The model's own run time in ms, from Ollama's `total_duration` (ns) as the runner reported it;
 * null when it reported none (0 is the schema's default for a missing counter — Ollama's real
 * answers always carry a positive duration).
 */
export function modelMsOf(metrics: Pick<JobMetrics, "total_duration">): number | null {
  return metrics.total_duration > 0 ? metrics.total_duration / 1e6 : null;
}
