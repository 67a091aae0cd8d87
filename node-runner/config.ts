import { homedir, hostname } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { readConfigFile } from "./config/config-file.ts";
import { expandPath, resolveValues, type Context, type Sources, type Values } from "./config/config-schema.ts";
import { CONFIG_FIELDS, CONFIG_FILE_ENV, type ConfigField } from "./config/fields.ts";
import { RunnerError } from "./errors.ts";
import { defaultKeyFile, keyFileModeWarning, readRunnerKey, type RunnerKey } from "./key-file.ts";
import type { LogLevel } from "./log.ts";
import type { RunnerConfig } from "./config/runner-config.ts";

export type { RunnerConfig } from "./config/runner-config.ts";
export { CONFIG_DEFAULTS, CONFIG_FIELDS, CONFIG_FILE_ENV, type ConfigField } from "./config/fields.ts";

/** The programmatic form (tests, the local stack): same fields, same checks, no file or env. */
export interface RunnerConfigOptions {
  edgeUrl: string;
  keyFile?: string;
  ollamaHost?: string;
  models?: string | readonly string[] | null;
  concurrency?: string | number | Readonly<Record<string, number>>;
  maxQueue?: number;
  jobTimeoutMs?: number;
  heartbeatMs?: number;
  graceMs?: number;
  modelPollMs?: number;
  name?: string;
  logLevel?: LogLevel;
}

function defaultContext(partial: Partial<Context> = {}): Context {
  return { home: partial.home ?? homedir(), cwd: partial.cwd ?? process.cwd(), hostname: partial.hostname ?? hostname() };
}

/** Builds a config in code. Throws RunnerError `config_invalid` listing every problem. */
export function runnerConfig(options: RunnerConfigOptions, context: Partial<Context> = {}): RunnerConfig {
  const sources: Sources = {};
  for (const key of Object.keys(options)) sources[key as ConfigField] = "option";
  const { config, problems } = resolveValues({ ...options }, sources, defaultContext(context));
  if (!config) throw new RunnerError("config_invalid", formatConfigProblems(problems), { details: problems });
  return config;
}

export interface ConfigSourcesInput {
  /** Flag values keyed by field name (the CLI maps `--max-queue` to `maxQueue`). */
  flags?: Readonly<Partial<Record<ConfigField, string>>>;
  /** `--config PATH`; falls back to EDGE402_RUNNER_CONFIG in env. */
  configFile?: string;
  env?: Readonly<Record<string, string | undefined>>;
  home?: string;
  cwd?: string;
  hostname?: string;
  platform?: NodeJS.Platform;
}

export type ConfigLoadResult =
  | { ok: true; config: RunnerConfig; key: RunnerKey; warnings: string[] }
  | { ok: false; problems: string[] };

/** The CLI's path: file, then env, then flags; then the key file must exist and parse. */
export async function loadRunnerConfig(input: ConfigSourcesInput = {}): Promise<ConfigLoadResult> {
  const ctx = defaultContext(input);
  const env = input.env ?? process.env;
  const problems: string[] = [];
  const values: Values = {};
  const sources: Sources = {};

  const filePath = input.configFile ?? nonEmpty(env[CONFIG_FILE_ENV]);
  if (filePath !== undefined) {
    const absolute = resolve(ctx.cwd, filePath);
    const file = await readConfigFile(absolute);
    problems.push(...file.problems);
    for (const [field, value] of Object.entries(file.values) as Array<[ConfigField, unknown]>) {
      // A relative key path in a file means relative to that file, wherever the runner is started.
      values[field] =
        field === "keyFile" && typeof value === "string" && !isAbsolute(value) && !value.startsWith("~") ? resolve(dirname(absolute), value) : value;
      sources[field] = `config file ${absolute}`;
    }
  }
  for (const [field, names] of Object.entries(CONFIG_FIELDS) as Array<[ConfigField, (typeof CONFIG_FIELDS)[ConfigField]]>) {
    const fromEnv = nonEmpty(env[names.env]);
    if (fromEnv !== undefined) {
      values[field] = fromEnv;
      sources[field] = `env ${names.env}`;
    }
    const fromFlag = input.flags?.[field];
    if (fromFlag !== undefined) {
      values[field] = fromFlag;
      sources[field] = `--${names.flag}`;
    }
  }

  const resolved = resolveValues(values, sources, ctx);
  problems.push(...resolved.problems);
  const warnings = [...resolved.warnings];

  // The key file is checked even when other fields are wrong, so one run reports everything.
  const keyFile = resolved.config?.keyFile ?? keyFileForCheck(values.keyFile, ctx);
  let key: RunnerKey | null = null;
  if (keyFile !== null) {
    try {
      key = await readRunnerKey(keyFile);
      const modeWarning = await keyFileModeWarning(keyFile, input.platform);
      if (modeWarning) warnings.push(modeWarning);
    } catch (error) {
      const source = sources.keyFile ? ` (${sources.keyFile})` : "";
      problems.push(`keyFile${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  if (problems.length > 0 || !resolved.config || !key) return { ok: false, problems };
  return { ok: true, config: resolved.config, key, warnings };
}

function keyFileForCheck(value: unknown, ctx: Context): string | null {
  if (value === undefined) return defaultKeyFile(ctx.home);
  if (typeof value !== "string" || value.trim() === "") return null;
  return expandPath(value.trim(), ctx);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

export function formatConfigProblems(problems: readonly string[]): string {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return `node-runner configuration has ${count}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`;
}
