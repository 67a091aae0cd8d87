import { parseArgs, type ParsedArgs } from "./args.ts";
import { helpText } from "./commands/help.ts";
import { installServiceCommand } from "./commands/install-service.ts";
import { keygenCommand, publicKeyCommand } from "./commands/keygen.ts";
import { startCommand } from "./commands/start.ts";
import { statusCommand } from "./commands/status.ts";
import { CONFIG_FIELDS } from "./config.ts";
import { describeError } from "./errors.ts";
import { defaultKeyFile } from "./key-file.ts";
import { readRunnerVersion } from "./version.ts";

export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  onSignal: (handler: (signal: string) => void) => void;
}

/** Everything the `node-runner` command does, minus the process itself; returns the exit code. */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  // install-service reads start's options plus its own, so it parses its arguments itself.
  if (argv[0] === "install-service") {
    try {
      return await installServiceCommand(argv.slice(1), io);
    } catch (error) {
      io.stderr(`node-runner: ${describeError(error)}\n`);
      return 1;
    }
  }
  const args = parseArgs(argv);
  if (args.problems.length > 0) {
    io.stderr(`node-runner: ${args.problems.join("; ")}\nRun \`node-runner --help\` for usage.\n`);
    return 2;
  }
  try {
    return await run(args, io);
  } catch (error) {
    // Expected failures return codes; this is for the unexpected, reported without a stack trace dump.
    io.stderr(`node-runner: ${describeError(error)}\n`);
    return 1;
  }
}

async function run(args: ParsedArgs, io: MainIo): Promise<number> {
  const keyFile = args.flags.keyFile ?? nonEmpty(io.env[CONFIG_FIELDS.keyFile.env]) ?? defaultKeyFile();
  switch (args.command) {
    case "help":
      io.stdout(`${helpText()}\n`);
      return 0;
    case "version":
      io.stdout(`${readRunnerVersion()}\n`);
      return 0;
    case "keygen":
      return keygenCommand(keyFile, args.force, io);
    case "public-key":
      return publicKeyCommand(keyFile, io);
    case "status":
      return statusCommand(keyFile, args.json, io);
    case "start":
      return startCommand(
        { flags: args.flags, env: io.env, ...(args.configFile !== undefined && { configFile: args.configFile }) },
        io,
      );
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
