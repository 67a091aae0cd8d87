import type { JobErrorCode, JobMetrics } from "../../protocol/job.ts";

/**
 * What a job produces, as the RunnerPool hands it to the Worker: NDJSON lines on a byte stream
 * (Durable Object RPC carries byte streams only). Exactly one `done` or `error` ends every stream.
 */
export type JobEvent =
  | { type: "delta"; content: string; thinking?: string }
  | { type: "done"; doneReason: string; metrics: JobMetrics; embeddings?: number[][] }
  | { type: "error"; code: JobErrorCode; message: string };

const encoder = new TextEncoder();

export function encodeJobEvent(event: JobEvent): Uint8Array {
  return encoder.encode(`${JSON.stringify(event)}\n`);
}

/**
 * Reads JobEvents off the pool's byte stream. The stream comes from our own Durable Object, so lines
 * are trusted to be well-formed; a stream that ends without `done`/`error` yields a synthetic error.
 * `onAbandon` runs when the consumer stops reading before the job ended (so the job can be cancelled).
 */
export async function* readJobEvents(stream: ReadableStream<Uint8Array>, onAbandon?: () => void): AsyncGenerator<JobEvent, void, undefined> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let finished = false;
  try {
    while (!finished) {
      let chunk: ReadableStreamReadResult<string>;
      try {
        chunk = await reader.read();
      } catch {
        // The pool object itself went away (restart, deploy): the job is lost, and says so.
        break;
      }
      const { value, done } = chunk;
      if (done) break;
      buffered += value;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        const event = JSON.parse(line) as JobEvent;
        yield event;
        if (event.type !== "delta") {
          finished = true;
          break;
        }
      }
    }
    if (!finished) yield { type: "error", code: "runner_disconnected", message: "job stream ended without a result" };
  } finally {
    if (!finished) onAbandon?.();
    await reader.cancel().catch(() => {});
  }
}
