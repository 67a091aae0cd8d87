import { z } from "zod";
import { RUNNER_ID_PATTERN } from "./handshake.ts";
import { JobErrorCodeSchema, JobMetricsSchema, JobSpecSchema, ModelNameSchema, LIMITS } from "./job.ts";

/**
 * Every message on the runner tunnel: JSON text frames, discriminated by `type`, with a job id where
 * one applies. Both ends parse with these schemas and drop the connection on anything else.
 */

/** 2: the auth signature also covers the edge's host (see protocol/handshake.ts). */
export const PROTOCOL_VERSION = 2;
/** Frames longer than this (in UTF-16 code units) are refused before JSON parsing; images make jobs the largest. */
export const MAX_FRAME_CHARS = 24 * 1024 * 1024;

/** The runner pings this often; the edge answers without waking (Durable Object auto-response). */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** Either side treats a tunnel that carried nothing for this long as dead (three missed heartbeats). */
export const HEARTBEAT_TIMEOUT_MS = 3 * HEARTBEAT_INTERVAL_MS;

export const JobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
const JobId = JobIdSchema;
const RunnerId = z.string().regex(RUNNER_ID_PATTERN);
const Base64Url = (bytes: number) =>
  z.string().length(Math.ceil((bytes * 4) / 3)).regex(/^[A-Za-z0-9_-]+$/);

// ---------------------------------------------------------------- edge → runner

export const ChallengeMessageSchema = z.strictObject({
  type: z.literal("challenge"),
  protocol: z.literal(PROTOCOL_VERSION),
  challenge: Base64Url(32),
});

export const ReadyMessageSchema = z.strictObject({
  type: z.literal("ready"),
  runnerId: RunnerId,
});

export const JobMessageSchema = z.strictObject({
  type: z.literal("job"),
  id: JobId,
  spec: JobSpecSchema,
  /** The runner aborts the Ollama call after this long and reports `timeout`. */
  timeoutMs: z.int().min(LIMITS.minTimeoutMs).max(LIMITS.maxTimeoutMs),
});

export const CancelMessageSchema = z.strictObject({
  type: z.literal("cancel"),
  id: JobId,
  reason: z.enum(["client_gone", "timeout", "edge_shutdown"]),
});

export const PongMessageSchema = z.strictObject({ type: z.literal("pong") });

export const EdgeMessageSchema = z.discriminatedUnion("type", [
  ChallengeMessageSchema,
  ReadyMessageSchema,
  JobMessageSchema,
  CancelMessageSchema,
  PongMessageSchema,
]);
export type EdgeMessage = z.infer<typeof EdgeMessageSchema>;

// ---------------------------------------------------------------- runner → edge

export const AuthMessageSchema = z.strictObject({
  type: z.literal("auth"),
  runnerId: RunnerId,
  challenge: Base64Url(32),
  timestamp: z.int().min(0),
  signature: Base64Url(64),
});

export const ModelOfferSchema = z.strictObject({
  name: ModelNameSchema,
  /** How many jobs for this model the runner runs at once. */
  capacity: z.int().min(1).max(64),
  capabilities: z.array(z.string().max(32)).max(16).optional(),
  family: z.string().max(64).optional(),
  parameterSize: z.string().max(32).optional(),
  quantization: z.string().max(32).optional(),
});
export type ModelOffer = z.infer<typeof ModelOfferSchema>;

export const HelloMessageSchema = z.strictObject({
  type: z.literal("hello"),
  runnerId: RunnerId,
  /** Free-form label for logs (e.g. the host name); never used for authorization. */
  name: z.string().max(64).optional(),
  version: z.string().max(32),
  models: z.array(ModelOfferSchema).max(256),
  /** Jobs the runner will queue per model beyond its capacity before answering runner_busy. */
  maxQueue: z.int().min(0).max(1024),
});
export type HelloMessage = z.infer<typeof HelloMessageSchema>;

/** Several Ollama deltas merged into one frame, so a fast stream is not one message per token. */
export const ChunkMessageSchema = z.strictObject({
  type: z.literal("chunk"),
  id: JobId,
  seq: z.int().min(0),
  content: z.string().max(LIMITS.maxTextChars),
  thinking: z.string().max(LIMITS.maxTextChars).optional(),
});

export const DoneMessageSchema = z.strictObject({
  type: z.literal("done"),
  id: JobId,
  /** Ollama's done_reason ("stop", "length", …); embed jobs, which have none, send "stop". */
  doneReason: z.string().max(32),
  metrics: JobMetricsSchema,
  /** Only for embed jobs: one vector per input. */
  embeddings: z.array(z.array(z.number())).max(LIMITS.maxEmbedInputs).optional(),
});

export const ErrorMessageSchema = z.strictObject({
  type: z.literal("error"),
  id: JobId,
  code: JobErrorCodeSchema,
  message: z.string().max(1000),
});

export const DrainingMessageSchema = z.strictObject({ type: z.literal("draining") });
export const PingMessageSchema = z.strictObject({ type: z.literal("ping") });

export const RunnerMessageSchema = z.discriminatedUnion("type", [
  AuthMessageSchema,
  HelloMessageSchema,
  ChunkMessageSchema,
  DoneMessageSchema,
  ErrorMessageSchema,
  DrainingMessageSchema,
  PingMessageSchema,
]);
export type RunnerMessage = z.infer<typeof RunnerMessageSchema>;

export type JobMessage = z.infer<typeof JobMessageSchema>;
export type CancelMessage = z.infer<typeof CancelMessageSchema>;
export type ChunkMessage = z.infer<typeof ChunkMessageSchema>;
export type DoneMessage = z.infer<typeof DoneMessageSchema>;
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;
export type AuthMessage = z.infer<typeof AuthMessageSchema>;

/**
 * Heartbeats are these exact strings so the edge can answer them with the Durable Object
 * auto-response, without waking a hibernated object.
 */
export const PING_FRAME = JSON.stringify({ type: "ping" });
export const PONG_FRAME = JSON.stringify({ type: "pong" });

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

function parseFrame<T>(schema: z.ZodType<T>, frame: string | ArrayBuffer | Uint8Array): ParseResult<T> {
  if (typeof frame !== "string") return { ok: false, error: "binary frames are not part of the protocol" };
  if (frame.length > MAX_FRAME_CHARS) return { ok: false, error: "frame too large" };
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { ok: false, error: "frame is not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, error: `invalid message: ${first?.path.join(".") || "(root)"}: ${first?.message ?? "unknown"}` };
  }
  return { ok: true, message: parsed.data };
}

export const parseRunnerMessage = (frame: string | ArrayBuffer | Uint8Array) => parseFrame(RunnerMessageSchema, frame);
export const parseEdgeMessage = (frame: string | ArrayBuffer | Uint8Array) => parseFrame(EdgeMessageSchema, frame);
