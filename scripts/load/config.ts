import { z } from "zod";
import { SEED_SERVICES } from "../../protocol/catalog/catalog.ts";
import { isLoopbackUrl } from "./loopback.ts";

/** Upper bounds: a load run is a bounded experiment on this machine, never a flood. */
export const LOAD_LIMITS = {
  maxN: 100_000,
  /**
   * Beyond ~128 new connections at once, wrangler dev's own proxy (ProxyWorker → the Worker) resets
   * some of them ("Your worker restarted mid-request", 503; measured 23 of 600 at C=256, none when
   * the same calls go to the Worker directly): a limit of the local dev server, not of the edge.
   */
  maxC: 128,
  maxRunners: 8,
  /** The edge of a load run offers authorizations valid this long (its MAX_TIMEOUT_SECONDS, at most 3600). */
  maxSeconds: 3_000,
  maxSlotsPerRunner: 64,
  maxQueuePerRunner: 1_024,
} as const;

/** What the calls buy: a catalog service by id, OpenAI-style chat, or embeddings. */
export const LOAD_SERVICES = [...SEED_SERVICES.map((s) => s.id), "chat", "embeddings"] as const;

/**
 * How the calls pay. `exact` stays the default (one EIP-3009 transfer per call: the chain is in every
 * call, the harder case for the edge, and what existing runs and CI compare against); `batch-settlement`
 * pays by channel with the official client, one payer and channel per concurrency slot.
 */
export const LOAD_SCHEMES = ["exact", "batch-settlement"] as const;
export type LoadScheme = (typeof LOAD_SCHEMES)[number];

export interface LoadConfig {
  scheme: LoadScheme;
  /** Paid calls to send. */
  n: number;
  /** Calls in flight at once (at most n). */
  c: number;
  runners: number;
  /** The whole run (start-up, signing, calls, reconciliation) is aborted after this many seconds. */
  maxSeconds: number;
  service: string;
  /** Jobs each runner runs at once per model (RUNNER_CONCURRENCY). */
  slotsPerRunner: number;
  /** Jobs each runner takes beyond its slots (RUNNER_MAX_QUEUE). */
  queuePerRunner: number;
  /** Real Ollama on this machine; absent: the Ollama-API stand-in. */
  ollamaHost: string | null;
  /**
   * Milliseconds between the local chain's blocks; 0: a block per transaction (anvil's automine).
   * Interval blocks by default: anvil's CPU per block grows with the chain's length (measured 2 →
   * 10 ms per transfer over 5,000 one-transaction blocks, flat at ~1.7 ms with 0.2 s blocks), so a long
   * automine run would end up measuring anvil rather than the edge.
   */
  blockMs: number;
}

export type LoadConfigResult = { ok: true; config: LoadConfig } | { ok: false; problems: string[] };

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const EnvSchema = z.object({
  LOAD_SCHEME: z.enum(LOAD_SCHEMES, { error: `must be one of ${LOAD_SCHEMES.join(", ")}` }).default("exact"),
  LOAD_N: int(1, LOAD_LIMITS.maxN).default(200),
  LOAD_C: int(1, LOAD_LIMITS.maxC).default(16),
  LOAD_RUNNERS: int(1, LOAD_LIMITS.maxRunners).default(3),
  LOAD_MAX_SECONDS: int(10, LOAD_LIMITS.maxSeconds).default(600),
  LOAD_SERVICE: z.enum(LOAD_SERVICES, { error: `must be one of ${LOAD_SERVICES.join(", ")}` }).default("sentiment"),
  LOAD_RUNNER_SLOTS: int(1, LOAD_LIMITS.maxSlotsPerRunner).optional(),
  LOAD_RUNNER_QUEUE: int(0, LOAD_LIMITS.maxQueuePerRunner).optional(),
  LOAD_BLOCK_MS: int(0, 2_000).default(250),
  LOAD_OLLAMA_HOST: z
    .string()
    .trim()
    .refine(isLoopbackUrl, "must be a loopback URL (http://127.0.0.1:11434): a load run never leaves this machine")
    .optional(),
});

/**
 * LOAD_* environment → the run's settings, with every problem listed. By default the runners get
 * enough slots and queue between them for C calls at once, so the run measures the edge rather than
 * an artificial slot limit; LOAD_RUNNER_SLOTS / LOAD_RUNNER_QUEUE set them to study saturation.
 */
export function loadConfigFromEnv(env: Record<string, string | undefined>): LoadConfigResult {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith("LOAD_") && value !== undefined && value !== ""));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${String(issue.path[0] ?? "LOAD_*")}: ${issue.message}`) };
  }
  const e = parsed.data;
  const c = Math.min(e.LOAD_C, e.LOAD_N);
  return {
    ok: true,
    config: {
      scheme: e.LOAD_SCHEME,
      n: e.LOAD_N,
      c,
      runners: e.LOAD_RUNNERS,
      maxSeconds: e.LOAD_MAX_SECONDS,
      service: e.LOAD_SERVICE,
      slotsPerRunner: e.LOAD_RUNNER_SLOTS ?? Math.min(LOAD_LIMITS.maxSlotsPerRunner, Math.ceil(c / e.LOAD_RUNNERS)),
      queuePerRunner: e.LOAD_RUNNER_QUEUE ?? c,
      ollamaHost: e.LOAD_OLLAMA_HOST ?? null,
      blockMs: e.LOAD_BLOCK_MS,
    },
  };
}
