import { CONFIG_FIELDS, type ConfigField } from "./config.ts";

/**
 * The command line: `node-runner [start|keygen|public-key|help] [--flag value | --flag=value]…`.
 * Hand-rolled rather than util.parseArgs so that every unknown or malformed flag is reported in
 * one go, like the configuration problems.
 */
export type Command = "start" | "keygen" | "public-key" | "status" | "help" | "version";

export interface ParsedArgs {
  command: Command;
  /** Config flags, keyed by field name. */
  flags: Partial<Record<ConfigField, string>>;
  configFile?: string;
  force: boolean;
  /** status --json */
  json: boolean;
  problems: string[];
}

const COMMANDS: ReadonlySet<string> = new Set(["start", "keygen", "public-key", "status", "help"]);

const FLAG_TO_FIELD = new Map<string, ConfigField>(
  (Object.entries(CONFIG_FIELDS) as Array<[ConfigField, { flag: string }]>).map(([field, names]) => [names.flag, field]),
);

/** Which flags each command takes (help and version take none). */
const ALLOWED: Readonly<Record<Command, ReadonlySet<string>>> = {
  start: new Set(["config", ...FLAG_TO_FIELD.keys()]),
  keygen: new Set(["key-file", "force"]),
  "public-key": new Set(["key-file"]),
  status: new Set(["key-file", "json"]),
  help: new Set(),
  version: new Set(),
};

const BOOLEAN_FLAGS: ReadonlySet<string> = new Set(["force", "help", "version", "json"]);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const problems: string[] = [];
  let command: Command | null = null;
  const values = new Map<string, string>();
  const booleans = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-h") {
      booleans.add("help");
      continue;
    }
    if (!arg.startsWith("--")) {
      if (command === null && COMMANDS.has(arg)) command = arg as Command;
      else problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq >= 0) problems.push(`--${name} takes no value`);
      booleans.add(name);
      continue;
    }
    if (name !== "config" && !FLAG_TO_FIELD.has(name)) {
      problems.push(`unknown option --${name}`);
      // Skip its value too, so it is not reported again as an unexpected argument.
      if (eq < 0 && argv[i + 1] !== undefined && !argv[i + 1]?.startsWith("-")) i++;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]?.startsWith("--")) value = argv[++i];
    if (value === undefined) {
      problems.push(`--${name} needs a value`);
      continue;
    }
    values.set(name, value);
  }

  const resolved: Command = booleans.has("help") ? "help" : booleans.has("version") ? "version" : (command ?? "start");
  const allowed = ALLOWED[resolved];
  if (resolved !== "help" && resolved !== "version") {
    for (const name of [...values.keys(), ...booleans]) {
      if (!allowed.has(name)) problems.push(`--${name} is not an option of \`${resolved}\``);
    }
  }

  const flags: Partial<Record<ConfigField, string>> = {};
  for (const [name, value] of values) {
    const field = FLAG_TO_FIELD.get(name);
    if (field) flags[field] = value;
  }
  const configFile = values.get("config");
  return { command: resolved, flags, ...(configFile !== undefined && { configFile }), force: booleans.has("force"), json: booleans.has("json"), problems };
}
