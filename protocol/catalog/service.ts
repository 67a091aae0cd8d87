import type { z } from "zod";

/**
 * One thing edge402 sells, as data: the HTTP body it takes, what the model must produce (given to
 * Ollama as `format`, a JSON Schema generated from `modelOutput`), what the agent receives, the
 * prompt, and defaults the operator's config may override (model, price, on/off).
 *
 * The edge runs every service the same way: validate `input` (400 before any 402), validate the image
 * bytes if `imageField` is set (415/413), quote `defaultPrice` or the configured price, run a chat job
 * built from `prompt()` with `format`, parse the model's JSON with `modelOutput`, then `finish()` —
 * which repairs what can be repaired (e.g. PII offsets) and refuses what cannot. One retry on invalid
 * output, then 502 and no charge.
 */
export interface ServiceDefinition<Input = unknown, ModelOutput = unknown, Output = unknown> {
  /** kebab-case id, also the last path segment: "pii-detect" → POST /v1/pii-detect */
  id: string;
  title: string;
  /** One sentence, shown in the 402, /.well-known/x402, /openapi.json and the index page. */
  description: string;
  input: z.ZodType<Input>;
  /** The input field holding an image (raw base64 or a data: URL), when the service reads one. */
  imageField?: keyof Input & string;
  modelOutput: z.ZodType<ModelOutput>;
  output: z.ZodType<Output>;
  defaultModel: string;
  /** USDC base units (1 USDC = 1_000_000). */
  defaultPrice: bigint;
  /** Upper bound on generated tokens (Ollama num_predict). */
  maxOutputTokens: number;
  /** System and user messages; the edge attaches the validated image to the user message. */
  prompt(input: Input): { system: string; user: string };
  finish(input: Input, modelOutput: ModelOutput): FinishResult<Output>;
  /** A realistic request and answer, for discovery documents and as a test fixture. */
  example: { input: Input; output: Output };
}

export type FinishResult<Output> = { ok: true; output: Output } | { ok: false; problem: string };

/** Erases the type parameters so definitions of different services can live in one list. */
export type AnyServiceDefinition = ServiceDefinition<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
