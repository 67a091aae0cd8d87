import { join } from "node:path";
import { CONFIG_FIELDS, CONFIG_FILE_ENV, type ConfigField, type RunnerConfig } from "../config.ts";

/** What a service definition needs, whatever the service manager. */
export interface ServiceSettings {
  /** Absolute path of the node binary that runs the runner. */
  nodePath: string;
  /** Absolute path of bin/node-runner.js. */
  runnerScript: string;
  /** Variables set for the runner, in order. Settings and paths only: never key material. */
  environment: ReadonlyArray<readonly [name: string, value: string]>;
  /** How long the service manager waits after SIGTERM (the runner drains jobs) before SIGKILL. */
  stopTimeoutSeconds: number;
  /** launchd only (systemd logs to the journal): where the runner's stdout and stderr go. */
  logFile: string;
}

export type ServicePlatform = "darwin" | "linux";

export const LAUNCHD_LABEL = "dev.edge402.node-runner";
export const SYSTEMD_UNIT = "edge402-runner.service";

/** Where the definition goes: a per-user launchd agent, or a systemd user unit. */
export function serviceFilePath(platform: ServicePlatform, home: string, env: Readonly<Record<string, string | undefined>> = {}): string {
  if (platform === "darwin") return join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
  // systemd --user reads $XDG_CONFIG_HOME/systemd/user (default ~/.config); a relative value is ignored, as the spec says.
  const xdg = env.XDG_CONFIG_HOME;
  const configHome = xdg !== undefined && xdg.startsWith("/") ? xdg : join(home, ".config");
  return join(configHome, "systemd", "user", SYSTEMD_UNIT);
}

export function launchdLogFile(home: string): string {
  return join(home, "Library", "Logs", "edge402", "node-runner.log");
}

/**
 * The runner's environment in the service: the three settings every runner needs, resolved now
 * (absolute key path, normalized Ollama address), then every other setting the operator gave by flag
 * or environment, as given, and the config file's path so later edits to it still apply.
 */
export function serviceEnvironment(input: {
  config: RunnerConfig;
  flags: Readonly<Partial<Record<ConfigField, string>>>;
  env: Readonly<Record<string, string | undefined>>;
  /** Absolute path of the JSON config file, when one was used. */
  configFile: string | null;
}): Array<[string, string]> {
  const { config, flags, env, configFile } = input;
  const out: Array<[string, string]> = [
    [CONFIG_FIELDS.edgeUrl.env, config.edgeUrl],
    [CONFIG_FIELDS.keyFile.env, config.keyFile],
    [CONFIG_FIELDS.ollamaHost.env, config.ollamaHost],
  ];
  const resolvedAlready: ReadonlySet<ConfigField> = new Set(["edgeUrl", "keyFile", "ollamaHost"]);
  for (const field of Object.keys(CONFIG_FIELDS) as ConfigField[]) {
    if (resolvedAlready.has(field)) continue;
    const name = CONFIG_FIELDS[field].env;
    const given = flags[field] ?? nonEmpty(env[name]);
    if (given !== undefined) out.push([name, given.trim()]);
  }
  if (configFile !== null) out.push([CONFIG_FILE_ENV, configFile]);
  return out;
}

/** Seconds to wait for a draining runner: its grace period plus time to close the tunnel. */
export function stopTimeoutSeconds(graceMs: number): number {
  return Math.ceil(graceMs / 1000) + 15;
}

/** Service files cannot carry control characters (XML 1.0 forbids most; unit files are line-based). */
export function assertServiceValue(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new RangeError(`${what} contains a control character (a line break or similar); it cannot go into a service file`);
}

export function assertEnvName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`"${name}" is not an environment variable name`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
