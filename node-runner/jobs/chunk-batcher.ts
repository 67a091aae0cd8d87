import type { Clock, Timer } from "../clock.ts";

/**
 * Merges token deltas into fewer tunnel frames. Every frame costs the edge's Durable Object a wake-up
 * and a context switch, so one frame per token would cap throughput; but the first token is what an
 * agent waits for (time to first byte), so it always goes out alone and at once.
 */
export interface Delta {
  content: string;
  thinking?: string;
}

export interface Batch {
  content: string;
  /** Empty when the model did not think in this batch. */
  thinking: string;
}

export const BATCH_DEFAULTS = { maxChars: 2048, maxDelayMs: 25 } as const;

export interface ChunkBatcherOptions {
  emit: (batch: Batch) => void;
  clock: Pick<Clock, "setTimeout">;
  /** Flush as soon as this many characters are buffered. */
  maxChars?: number;
  /** Flush this long after the first delta of a batch was buffered. */
  maxDelayMs?: number;
}

export interface ChunkBatcher {
  push(delta: Delta): void;
  /** Emit whatever is buffered now (before done/error). */
  flush(): void;
  /** Drop the pending timer; later pushes are ignored. */
  dispose(): void;
}

export function createChunkBatcher({
  emit,
  clock,
  maxChars = BATCH_DEFAULTS.maxChars,
  maxDelayMs = BATCH_DEFAULTS.maxDelayMs,
}: ChunkBatcherOptions): ChunkBatcher {
  let content = "";
  let thinking = "";
  let sentFirst = false;
  let timer: Timer | null = null;
  let disposed = false;

  const flush = () => {
    timer?.cancel();
    timer = null;
    if (content === "" && thinking === "") return;
    const batch = { content, thinking };
    content = "";
    thinking = "";
    emit(batch);
  };

  return {
    push(delta) {
      if (disposed) return;
      const deltaThinking = delta.thinking ?? "";
      // Ollama's final chunk carries an empty content; it is not a token.
      if (delta.content === "" && deltaThinking === "") return;
      content += delta.content;
      thinking += deltaThinking;
      if (!sentFirst) {
        sentFirst = true;
        flush();
        return;
      }
      if (content.length + thinking.length >= maxChars) flush();
      else if (!timer) timer = clock.setTimeout(flush, maxDelayMs);
    },
    flush() {
      if (!disposed) flush();
    },
    dispose() {
      disposed = true;
      timer?.cancel();
      timer = null;
    },
  };
}
