import { z } from "zod";
import { isBase64Image } from "./images.ts";
import { nestsDeeperThan } from "./json-depth.ts";
import { MODEL_NAME_PATTERN } from "./models.ts";

/**
 * What the edge asks a runner to do. These are a strict subset of Ollama's request bodies:
 * every field that reaches Ollama is named here, bounded, and validated on both ends of the tunnel.
 */

export const LIMITS = {
  maxMessages: 256,
  maxTextChars: 512_000,
  maxImagesPerJob: 8,
  /** Base64 characters of one image (≈ 15 MiB of bytes); the edge enforces its own, smaller, limit. */
  maxImageBase64Chars: 20 * 1024 * 1024,
  maxEmbedInputs: 256,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 15 * 60_000,
} as const;

export const ModelNameSchema = z.string().regex(MODEL_NAME_PATTERN, "not an Ollama model name");

/** Raw base64 image bytes (no data: prefix), sniffed as png, jpeg, webp or gif. */
export const ImageDataSchema = z
  .string()
  .max(LIMITS.maxImageBase64Chars)
  .refine(isBase64Image, "image must be raw base64 of a png, jpeg, webp or gif");

const TextSchema = z.string().max(LIMITS.maxTextChars);

export const ChatMessageSchema = z.strictObject({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: TextSchema,
  images: z.array(ImageDataSchema).max(LIMITS.maxImagesPerJob).optional(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** The runtime options a buyer may influence; load-time options stay under the operator's control. */
export const GenerationOptionsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().min(1).max(1000).optional(),
  min_p: z.number().min(0).max(1).optional(),
  num_predict: z.int().min(1).max(131_072).optional(),
  seed: z.int().min(-(2 ** 31)).max(2 ** 31 - 1).optional(),
  stop: z.array(z.string().min(1).max(200)).max(8).optional(),
  repeat_penalty: z.number().min(0).max(4).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  num_ctx: z.int().min(256).max(262_144).optional(),
});
export type GenerationOptions = z.infer<typeof GenerationOptionsSchema>;

/** Real output schemas nest a dozen levels; thousands overflow the serialisers between edge and Ollama. */
export const MAX_FORMAT_DEPTH = 64;

/** Ollama's `format`: "json" or a JSON Schema object the output must conform to. */
export const OutputFormatSchema = z.union([
  z.literal("json"),
  z.record(z.string(), z.unknown()).refine((schema) => !nestsDeeperThan(schema, MAX_FORMAT_DEPTH), `must not nest deeper than ${MAX_FORMAT_DEPTH} levels`),
]);

export const ChatJobSchema = z.strictObject({
  kind: z.literal("chat"),
  model: ModelNameSchema,
  messages: z.array(ChatMessageSchema).min(1).max(LIMITS.maxMessages),
  format: OutputFormatSchema.optional(),
  options: GenerationOptionsSchema.optional(),
  think: z.boolean().optional(),
});

export const GenerateJobSchema = z.strictObject({
  kind: z.literal("generate"),
  model: ModelNameSchema,
  prompt: TextSchema.min(1),
  system: TextSchema.optional(),
  images: z.array(ImageDataSchema).max(LIMITS.maxImagesPerJob).optional(),
  format: OutputFormatSchema.optional(),
  options: GenerationOptionsSchema.optional(),
});

export const EmbedJobSchema = z.strictObject({
  kind: z.literal("embed"),
  model: ModelNameSchema,
  input: z.union([TextSchema.min(1), z.array(TextSchema.min(1)).min(1).max(LIMITS.maxEmbedInputs)]),
  dimensions: z.int().min(1).max(16_384).optional(),
  truncate: z.boolean().optional(),
});

export const JobSpecSchema = z.discriminatedUnion("kind", [ChatJobSchema, GenerateJobSchema, EmbedJobSchema]);
export type JobSpec = z.infer<typeof JobSpecSchema>;
export type ChatJob = z.infer<typeof ChatJobSchema>;
export type GenerateJob = z.infer<typeof GenerateJobSchema>;
export type EmbedJob = z.infer<typeof EmbedJobSchema>;

/** Ollama's own counters from the final `done` chunk, names unchanged. Durations are nanoseconds. */
export const JobMetricsSchema = z.strictObject({
  prompt_eval_count: z.int().min(0).default(0),
  eval_count: z.int().min(0).default(0),
  total_duration: z.int().min(0).default(0),
  load_duration: z.int().min(0).default(0),
  prompt_eval_duration: z.int().min(0).default(0),
  eval_duration: z.int().min(0).default(0),
});
export type JobMetrics = z.infer<typeof JobMetricsSchema>;

/**
 * Typed failure codes. The first group is produced by runners; the second only by the edge.
 * The edge maps each to an HTTP status (see worker/http/job-error-status.ts).
 */
export const JobErrorCodeSchema = z.enum([
  "model_not_found",
  "invalid_job",
  "ollama_unavailable",
  "ollama_error",
  "timeout",
  "cancelled",
  "runner_busy",
  "runner_shutting_down",
  "internal",
  // edge-only
  "no_runner",
  "runner_disconnected",
  "invalid_output",
]);
export type JobErrorCode = z.infer<typeof JobErrorCodeSchema>;
