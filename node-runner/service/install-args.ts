import { parseArgs } from "../args.ts";
import type { ConfigField } from "../config.ts";
import type { ServicePlatform } from "./service-settings.ts";

/**
 * `node-runner install-service [--print] [--platform darwin|linux] [--force] [start's options]`.
 * Its own three flags are taken out here; the rest is read by the runner's own parser as `start`
 * would read it, so the two commands can never disagree on a setting.
 */
export interface InstallServiceArgs {
  help: boolean;
  print: boolean;
  force: boolean;
  platform?: ServicePlatform;
  flags: Partial<Record<ConfigField, string>>;
  configFile?: string;
  problems: string[];
}

const PLATFORMS: readonly ServicePlatform[] = ["darwin", "linux"];

export function parseInstallServiceArgs(argv: readonly string[]): InstallServiceArgs {
  const problems: string[] = [];
  const rest: string[] = [];
  let help = false;
  let print = false;
  let force = false;
  let platform: string | undefined;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--print") print = true;
    else if (arg === "--force") force = true;
    else if (arg === "--platform" || arg.startsWith("--platform=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--") ? argv[++i] : undefined;
      if (value === undefined) problems.push("--platform needs a value (darwin or linux)");
      else platform = value;
    } else rest.push(arg);
  }
  if (platform !== undefined && !PLATFORMS.includes(platform as ServicePlatform)) {
    problems.push(`--platform must be darwin (launchd) or linux (systemd), not "${platform}"`);
  }

  const start = parseArgs(["start", ...rest]);
  problems.push(...start.problems.map((problem) => problem.replace("`start`", "`install-service`")));
  if (start.command === "version") problems.push("--version is not an option of `install-service`");

  return {
    help,
    print,
    force,
    ...(platform !== undefined && PLATFORMS.includes(platform as ServicePlatform) && { platform: platform as ServicePlatform }),
    flags: start.flags,
    ...(start.configFile !== undefined && { configFile: start.configFile }),
    problems,
  };
}
