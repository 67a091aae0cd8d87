import { HEARTBEAT_TIMEOUT_MS } from "../../protocol/tunnel-messages.ts";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { RunnerConfig } from "./runner-config.ts";
import { defaultKeyFile } from "../key-file.ts";
import { LOG_LEVELS } from "../log.ts";
import { tunnelUrlFromEdgeUrl } from "./edge-url.ts";
import { CONFIG_DEFAULTS, CONFIG_FIELDS, type ConfigField } from "./fields.ts";
import { DEFAULT_CONCURRENCY, parseConcurrency, parseModelList } from "./model-settings.ts";
import { DEFAULT_OLLAMA_HOST, normalizeOllamaHost } from "./ollama-host.ts";

/**
 * One zod schema over the merged settings, so a single parse reports every problem; each problem
 * names the field and where its value came from (file, env variable or flag).
 */

export interface Context {
  home: string;
  cwd: string;
  hostname: string;
}

const wholeNumber = (min: number, max: number) =>
  z.preprocess(
    // Environment and flags are text; the file and the API give numbers.
    (value) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.int({ error: "must be a whole number" }).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`),
  );

function configSchema(ctx: Context) {
  const setting = <T>(parse: (value: unknown) => { ok: true; value: T } | { ok: false; errors: string[] }, fallback: T) =>
    z.unknown().optional().transform((value, check): T => {
      if (value === undefined) return fallback;
      const result = parse(value);
      if (result.ok) return result.value;
      for (const message of result.errors) check.addIssue({ code: "custom", message });
      return z.NEVER;
    });

  return z.object({
    edgeUrl: z
      .string({ error: (issue) => (issue.input === undefined ? "required (the edge's URL, e.g. https://edge.example.com)" : "must be a string") })
      .transform((value, check) => {
        const result = tunnelUrlFromEdgeUrl(value);
        if (result.ok) return { edgeUrl: value.trim(), tunnelUrl: result.tunnelUrl, warning: result.warning };
        check.addIssue({ code: "custom", message: result.error });
        return z.NEVER;
      }),
    keyFile: z
      .string({ error: "must be a path" })
      .trim()
      .min(1, "must not be empty")
      .default(defaultKeyFile(ctx.home))
      .transform((path) => expandPath(path, ctx)),
    ollamaHost: z
      .string({ error: "must be a string" })
      .default(DEFAULT_OLLAMA_HOST)
      .transform((value, check) => {
        const result = normalizeOllamaHost(value);
        if (result.ok) return result.url;
        check.addIssue({ code: "custom", message: result.error });
        return z.NEVER;
      }),
    models: setting(parseModelList, null),
    concurrency: setting(parseConcurrency, DEFAULT_CONCURRENCY),
    maxQueue: wholeNumber(0, 1024).default(CONFIG_DEFAULTS.maxQueue),
    jobTimeoutMs: wholeNumber(1_000, 3_600_000).default(CONFIG_DEFAULTS.jobTimeoutMs),
    // The edge drops a runner it has heard nothing from for 45 s; two pings must fit in that window.
    // The edge drops a tunnel silent for HEARTBEAT_TIMEOUT_MS: at least two pings must fit in it.
    heartbeatMs: wholeNumber(100, Math.floor(HEARTBEAT_TIMEOUT_MS / 2)).default(CONFIG_DEFAULTS.heartbeatMs),
    graceMs: wholeNumber(0, 3_600_000).default(CONFIG_DEFAULTS.graceMs),
    modelPollMs: wholeNumber(100, 3_600_000).default(CONFIG_DEFAULTS.modelPollMs),
    name: z
      .string({ error: "must be a string" })
      .trim()
      .min(1, "must not be empty")
      .max(64, "must be at most 64 characters")
      .default(ctx.hostname.slice(0, 64) || "node-runner"),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default(CONFIG_DEFAULTS.logLevel),
  });
}

export type Values = Partial<Record<ConfigField, unknown>>;
export type Sources = Partial<Record<ConfigField, string>>;

export interface Resolved {
  config: RunnerConfig | null;
  problems: string[];
  warnings: string[];
}

export function resolveValues(values: Values, sources: Sources, ctx: Context): Resolved {
  const parsed = configSchema(ctx).safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? "");
      const source = sources[field as ConfigField];
      return `${field}${source ? ` (${source})` : ""}: ${issue.message}`;
    });
    if (problems.some((problem) => problem.startsWith("edgeUrl: required"))) {
      const where = CONFIG_FIELDS.edgeUrl;
      problems[problems.findIndex((p) => p.startsWith("edgeUrl: required"))] +=
        `; set ${where.env}, --${where.flag}, or "edgeUrl" in the config file`;
    }
    return { config: null, problems, warnings: [] };
  }
  const { edgeUrl, ...rest } = parsed.data;
  const config: RunnerConfig = { ...rest, edgeUrl: edgeUrl.edgeUrl, tunnelUrl: edgeUrl.tunnelUrl };
  return { config, problems: [], warnings: edgeUrl.warning ? [edgeUrl.warning] : [] };
}

/** `~` and `~/x` as a shell would expand them; JSON files and quoted env values get no expansion. */
export function expandPath(path: string, ctx: Context): string {
  return resolve(ctx.cwd, path === "~" || path.startsWith("~/") ? join(ctx.home, path.slice(1)) : path);
}
