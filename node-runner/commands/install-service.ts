import { chmod, mkdir, rename, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { CONFIG_FILE_ENV, formatConfigProblems, loadRunnerConfig } from "../config.ts";
import { parseInstallServiceArgs } from "../service/install-args.ts";
import { launchdPlist } from "../service/launchd-plist.ts";
import {
  LAUNCHD_LABEL,
  SYSTEMD_UNIT,
  launchdLogFile,
  serviceEnvironment,
  serviceFilePath,
  stopTimeoutSeconds,
  type ServicePlatform,
  type ServiceSettings,
} from "../service/service-settings.ts";
import { systemdUnit } from "../service/systemd-unit.ts";
import { helpText } from "./help.ts";

export interface InstallServiceIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
}

/** Facts about this machine, injectable for tests. */
export interface InstallServiceContext {
  home?: string;
  cwd?: string;
  hostname?: string;
  platform?: NodeJS.Platform;
  /** @default process.execPath */
  nodePath?: string;
  /** @default this checkout's bin/node-runner.js */
  runnerScript?: string;
}

const RUNNER_SCRIPT = resolve(import.meta.dirname, "../../bin/node-runner.js");

/**
 * `node-runner install-service`: checks the settings exactly as `start` would, writes a launchd agent
 * (macOS) or a systemd user unit (Linux) that runs `node-runner start` with them, and prints the
 * commands that enable it — it runs none of them. Exit codes: 0 written/printed, 1 write failed,
 * 2 usage or configuration problem, or the file exists (pass --force).
 */
export async function installServiceCommand(argv: readonly string[], io: InstallServiceIo, context: InstallServiceContext = {}): Promise<number> {
  const args = parseInstallServiceArgs(argv);
  if (args.help) {
    io.stdout(`${helpText()}\n`);
    return 0;
  }
  if (args.problems.length > 0) {
    io.stderr(`node-runner install-service: ${args.problems.join("; ")}\nRun \`node-runner --help\` for usage.\n`);
    return 2;
  }
  const current = context.platform ?? process.platform;
  const platform: ServicePlatform | null = args.platform ?? (current === "darwin" || current === "linux" ? current : null);
  if (platform === null) {
    io.stderr(`node-runner install-service: ${current} is not supported; services are written for macOS (launchd) and Linux (systemd): pass --platform darwin|linux\n`);
    return 2;
  }

  const home = context.home ?? nonEmpty(io.env.HOME) ?? homedir();
  const cwd = context.cwd ?? process.cwd();
  const loaded = await loadRunnerConfig({
    flags: args.flags,
    env: io.env,
    home,
    cwd,
    ...(args.configFile !== undefined && { configFile: args.configFile }),
    ...(context.hostname !== undefined && { hostname: context.hostname }),
    ...(context.platform !== undefined && { platform: context.platform }),
  });
  if (!loaded.ok) {
    io.stderr(`${formatConfigProblems(loaded.problems)}\n`);
    return 2;
  }
  for (const warning of loaded.warnings) io.stderr(`warning: ${warning}\n`);

  const configFile = args.configFile ?? nonEmpty(io.env[CONFIG_FILE_ENV]);
  const settings: ServiceSettings = {
    nodePath: context.nodePath ?? process.execPath,
    runnerScript: context.runnerScript ?? RUNNER_SCRIPT,
    environment: serviceEnvironment({
      config: loaded.config,
      flags: args.flags,
      env: io.env,
      configFile: configFile === undefined ? null : resolve(cwd, configFile),
    }),
    stopTimeoutSeconds: stopTimeoutSeconds(loaded.config.graceMs),
    logFile: launchdLogFile(home),
  };
  let text: string;
  try {
    text = platform === "darwin" ? launchdPlist(settings) : systemdUnit(settings);
  } catch (error) {
    io.stderr(`node-runner install-service: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (args.print) {
    io.stdout(text);
    return 0;
  }

  const file = serviceFilePath(platform, home, io.env);
  try {
    await writeServiceFile(file, text, args.force);
    if (platform === "darwin") await mkdir(dirname(settings.logFile), { recursive: true, mode: 0o755 });
  } catch (error) {
    if (isErrnoCode(error, "EEXIST")) {
      io.stderr(`node-runner install-service: ${file} already exists; pass --force to replace it\n`);
      return 2;
    }
    io.stderr(`node-runner install-service: cannot write ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  io.stdout(nextSteps(platform, file, settings));
  return 0;
}

function nextSteps(platform: ServicePlatform, file: string, settings: ServiceSettings): string {
  const runs = `It runs ${settings.nodePath} ${settings.runnerScript} start with ${settings.environment.map(([name]) => name).join(", ")}.`;
  const node = "It names this Node binary by its full path: run install-service again (with --force) after moving or upgrading Node.";
  if (platform === "darwin") {
    return [
      `Wrote ${file}`,
      runs,
      node,
      "",
      "Enable it now and at every login (run these yourself):",
      `  launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL} 2>/dev/null   # only if an older one is loaded`,
      `  launchctl bootstrap gui/$(id -u) ${shellQuote(file)}`,
      "",
      `Logs: ${settings.logFile}. A LaunchAgent starts when you log in; for a headless Mac, turn on automatic login.`,
      "",
    ].join("\n");
  }
  return [
    `Wrote ${file}`,
    runs,
    node,
    "",
    "Enable it now and at every start of your user manager (run these yourself):",
    "  systemctl --user daemon-reload",
    `  systemctl --user enable --now ${SYSTEMD_UNIT}`,
    "",
    "To start it at boot without anyone logging in: loginctl enable-linger \"$USER\"",
    `Logs: journalctl --user -u ${SYSTEMD_UNIT} -f`,
    "",
  ].join("\n");
}

/** Created 0644 (no secrets inside; launchd ignores agents that group or others can write). */
async function writeServiceFile(file: string, text: string, force: boolean): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o755 });
  if (force) {
    // Beside the target, then renamed over it: never half-written, never briefly missing.
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await writeFile(temp, text, { mode: 0o644, flag: "w" });
      await chmod(temp, 0o644);
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    return;
  }
  // "wx" fails if the file exists, atomically.
  await writeFile(file, text, { mode: 0o644, flag: "wx" });
  await chmod(file, 0o644);
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function isErrnoCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === code;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
