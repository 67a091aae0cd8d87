import { z } from "zod";

/** The OpenAI embeddings request. Token-array inputs are refused: the edge prices text it can read. */
/** The largest embeddings body read; discovery's price range is bounded by it. */
export const EMBEDDINGS_MAX_BODY_BYTES = 4 * 1024 * 1024;

export const EmbeddingsRequestSchema = z.object({
  model: z.string().min(1).max(200),
  input: z.union([
    z.string().min(1, "input must not be empty").max(100_000),
    z.array(z.string().min(1, "input strings must not be empty").max(100_000)).min(1).max(256),
  ]),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.int().min(1).max(16_384).nullish(),
  user: z.string().max(256).nullish(),
});

export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequestSchema>;

/** The response, as a schema for discovery documents (vectors as floats, or base64 float32). */
export const EmbeddingsResponseSchema = z.object({
  object: z.literal("list"),
  data: z.array(z.object({ object: z.literal("embedding"), index: z.int(), embedding: z.union([z.array(z.number()), z.string()]) })),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.int(), total_tokens: z.int() }),
});
