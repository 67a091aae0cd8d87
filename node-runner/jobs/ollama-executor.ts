// The fetch-only build: the Node build reads any image string that names an existing file from disk,
// which for a daemon fed by strangers would be a file-read primitive.
import { Ollama, type ChatRequest, type GenerateRequest, type Message } from "ollama/browser";
import type { ChatJob, EmbedJob, GenerateJob, JobMetrics, JobSpec } from "../../protocol/job.ts";
import type { Delta } from "./chunk-batcher.ts";
import {
  ChatPartSchema,
  EmbedResponseSchema,
  GeneratePartSchema,
  metricsFrom,
  OllamaShapeError,
} from "./ollama-responses.ts";

export interface JobResult {
  doneReason: string;
  metrics: JobMetrics;
  /** Embed jobs only. */
  embeddings?: number[][];
}

/** Runs one job on Ollama; rejects on failure (including abort through `signal`). */
export type JobExecutor = (spec: JobSpec, signal: AbortSignal, onDelta: (delta: Delta) => void) => Promise<JobResult>;

export interface OllamaExecutorOptions {
  /** Normalized base URL, e.g. http://127.0.0.1:11434. */
  host: string;
  fetch: typeof fetch;
}

export function createOllamaExecutor({ host, fetch: baseFetch }: OllamaExecutorOptions): JobExecutor {
  return (spec, signal, onDelta) => {
    // A client per job, whose every request carries the job's signal. ollama-js only aborts streamed
    // calls by itself; through fetch, embed (one JSON response) aborts too.
    const jobFetch: typeof fetch = (input, init) =>
      baseFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
    // No headers are configured: nothing from the edge reaches Ollama but the validated job fields.
    // (Ollama answers 403 to a foreign Host header; fetch sets Host from `host`.)
    const ollama = new Ollama({ host, fetch: jobFetch });
    switch (spec.kind) {
      case "chat":
        return runChat(ollama, spec, onDelta);
      case "generate":
        return runGenerate(ollama, spec, onDelta);
      case "embed":
        return runEmbed(ollama, spec);
    }
  };
}

/** Images arrive as validated raw base64 (protocol ImageDataSchema); Ollama gets them as bytes only. */
function imageBytes(images: readonly string[] | undefined): Uint8Array[] | undefined {
  return images?.map((image) => new Uint8Array(Buffer.from(image, "base64")));
}

export function chatRequest(spec: ChatJob): ChatRequest & { stream: true } {
  const messages: Message[] = spec.messages.map((message) => {
    const images = imageBytes(message.images);
    return images ? { role: message.role, content: message.content, images } : { role: message.role, content: message.content };
  });
  return {
    model: spec.model,
    messages,
    // Streamed even when the edge buffers the whole answer: only a streamed call can be aborted mid-way.
    stream: true,
    ...(spec.format !== undefined && { format: spec.format }),
    ...(spec.options !== undefined && { options: spec.options }),
    ...(spec.think !== undefined && { think: spec.think }),
  };
}

export function generateRequest(spec: GenerateJob): GenerateRequest & { stream: true } {
  const images = imageBytes(spec.images);
  return {
    model: spec.model,
    prompt: spec.prompt,
    stream: true,
    ...(spec.system !== undefined && { system: spec.system }),
    ...(images !== undefined && { images }),
    ...(spec.format !== undefined && { format: spec.format }),
    ...(spec.options !== undefined && { options: spec.options }),
  };
}

/** One streamed chunk, whichever endpoint it came from. */
interface StreamPart {
  content: string;
  thinking?: string;
  /** Present on the final chunk only: the raw chunk, for its done_reason and counters. */
  final?: Parameters<typeof metricsFrom>[0] & { done_reason?: string };
}

function runChat(ollama: Ollama, spec: ChatJob, onDelta: (delta: Delta) => void): Promise<JobResult> {
  return drain(ollama.chat(chatRequest(spec)), onDelta, (raw) => {
    const part = ChatPartSchema.safeParse(raw);
    if (!part.success) throw new OllamaShapeError("unexpected chat chunk from Ollama");
    const { message, done } = part.data;
    return { content: message?.content ?? "", ...(message?.thinking ? { thinking: message.thinking } : {}), ...(done ? { final: part.data } : {}) };
  });
}

function runGenerate(ollama: Ollama, spec: GenerateJob, onDelta: (delta: Delta) => void): Promise<JobResult> {
  return drain(ollama.generate(generateRequest(spec)), onDelta, (raw) => {
    const part = GeneratePartSchema.safeParse(raw);
    if (!part.success) throw new OllamaShapeError("unexpected generate chunk from Ollama");
    const { response, thinking, done } = part.data;
    return { content: response ?? "", ...(thinking ? { thinking } : {}), ...(done ? { final: part.data } : {}) };
  });
}

/** Forwards every delta of an Ollama stream and returns its final counters. */
async function drain(
  started: Promise<AsyncIterable<unknown> & { abort(): void }>,
  onDelta: (delta: Delta) => void,
  parse: (raw: unknown) => StreamPart,
): Promise<JobResult> {
  const stream = await started;
  let finished = false;
  try {
    for await (const raw of stream) {
      const part = parse(raw);
      onDelta({ content: part.content, ...(part.thinking ? { thinking: part.thinking } : {}) });
      if (part.final) {
        finished = true;
        return { doneReason: (part.final.done_reason ?? "stop").slice(0, 32), metrics: metricsFrom(part.final) };
      }
    }
  } finally {
    // Leaving early (a bad chunk) must still close the HTTP request so Ollama stops generating.
    if (!finished) stream.abort();
  }
  // ollama-js throws its own "Did not receive done" before we get here; this is belt and braces.
  throw new OllamaShapeError("Ollama's stream ended without a final message");
}

async function runEmbed(ollama: Ollama, spec: EmbedJob): Promise<JobResult> {
  const raw: unknown = await ollama.embed({
    model: spec.model,
    input: spec.input,
    ...(spec.dimensions !== undefined && { dimensions: spec.dimensions }),
    ...(spec.truncate !== undefined && { truncate: spec.truncate }),
  });
  const parsed = EmbedResponseSchema.safeParse(raw);
  if (!parsed.success) throw new OllamaShapeError("unexpected embed response from Ollama");
  return { doneReason: "stop", metrics: metricsFrom(parsed.data), embeddings: parsed.data.embeddings };
}
