import type { JobMetrics } from "../../../protocol/job.ts";
import { bytesToBase64 } from "../../../protocol/base64.ts";

/** OpenAI's base64 embedding: the vector as little-endian float32 bytes (what its SDK decodes). */
export function float32Base64(vector: readonly number[]): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return bytesToBase64(bytes);
}

export function embeddingsBody(args: { model: string; embeddings: number[][]; encoding: "float" | "base64"; metrics: JobMetrics }) {
  return {
    object: "list",
    data: args.embeddings.map((vector, index) => ({
      object: "embedding",
      index,
      embedding: args.encoding === "base64" ? float32Base64(vector) : vector,
    })),
    model: args.model,
    usage: { prompt_tokens: args.metrics.prompt_eval_count, total_tokens: args.metrics.prompt_eval_count },
  };
}
