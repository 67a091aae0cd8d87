import { z } from "zod";
import { scanFirstValue } from "./go/json-scan.ts";
import { sendError, sendJson } from "./http-io.ts";
import type { Route } from "./router.ts";
import type { FailurePlan, RecordedRequest, ScriptedReply, StandinStats } from "./types.ts";

// /__standin/*: the programmatic API over HTTP, for a stand-in running as its own process (the local
// stack, e2e tests). Not part of Ollama's API, and not counted in stats or the request log.

export const CONTROL_PREFIX = "/__standin/";

export interface StandinControls {
  injectFailure(plan: FailurePlan): void;
  clearFailures(): void;
  script(reply: ScriptedReply): void;
  clearScripts(): void;
  stats(): StandinStats;
  setTokensPerSecond(tps: number): void;
  readonly requests: ReadonlyArray<RecordedRequest>;
}

// JSON has no Infinity: "Infinity" or null stand for it.
const times = z
  .union([z.number().positive(), z.literal("Infinity"), z.null()])
  .optional()
  .transform((value) => (value === "Infinity" || value === null ? Infinity : value));

const FailurePlanBody = z.object({
  mode: z.enum(["http_500", "error_mid_stream", "drop_mid_stream", "hang", "never_ending"]),
  afterTokens: z.number().int().min(0).optional(),
  model: z.string().optional(),
  times,
  message: z.string().optional(),
  dropStyle: z.enum(["eof", "reset"]).optional(),
});

const ScriptBody = z.object({
  model: z.string().optional(),
  match: z.string().optional(),
  content: z.string(),
  times,
});

const TpsBody = z.object({ tokensPerSecond: z.number().min(0) });

export function controlRoutes(controls: StandinControls): Route[] {
  const ok = { ok: true };
  return [
    {
      method: "POST",
      path: "/__standin/failures",
      handler: ({ res, body }) => withBody(res, body, FailurePlanBody, (plan) => (controls.injectFailure(plan), ok)),
    },
    { method: "DELETE", path: "/__standin/failures", handler: ({ res }) => (controls.clearFailures(), sendJson(res, 200, ok)) },
    {
      method: "POST",
      path: "/__standin/script",
      handler: ({ res, body }) => withBody(res, body, ScriptBody, (reply) => (controls.script(reply), ok)),
    },
    { method: "DELETE", path: "/__standin/script", handler: ({ res }) => (controls.clearScripts(), sendJson(res, 200, ok)) },
    { method: "GET", path: "/__standin/stats", handler: ({ res }) => sendJson(res, 200, controls.stats()) },
    {
      method: "POST",
      path: "/__standin/tps",
      handler: ({ res, body }) => withBody(res, body, TpsBody, ({ tokensPerSecond }) => (controls.setTokensPerSecond(tokensPerSecond), ok)),
    },
    { method: "GET", path: "/__standin/requests", handler: ({ res }) => sendJson(res, 200, controls.requests) },
  ];
}

function withBody<T>(res: Parameters<typeof sendJson>[0], body: Buffer, schema: z.ZodType<T>, apply: (value: T) => unknown): void {
  const scanned = scanFirstValue(body);
  if (scanned.kind !== "value") return sendError(res, 400, scanned.kind === "empty" ? "missing request body" : scanned.message);
  const parsed = schema.safeParse(scanned.value);
  if (!parsed.success) return sendError(res, 400, z.prettifyError(parsed.error));
  try {
    sendJson(res, 200, apply(parsed.data));
  } catch (error) {
    sendError(res, 400, error instanceof Error ? error.message : String(error));
  }
}
