import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { DEFAULT_MAX_DEPOSIT } from "../../client/x402/channels.ts";
import { SCHEME_CHOICES, type SchemeChoice } from "../../client/x402/schemes.ts";
import type { StackLoad } from "./stack-defaults.ts";
import { parseDecimalToBaseUnits } from "./usdc-amount.ts";

/**
 * `edge402-pay <service> <json | @file> [--edge URL] [--scheme S] [--max-price USDC] [--max-deposit USDC]
 * [--channels-dir DIR] [--dry-run] [--stream]`, or `edge402-pay refund <service> [--amount USDC]`
 * (or `<service> --refund`), plus EDGE_URL, PAYER_KEY and RPC_URL from the environment and defaults
 * from the local stack's stack.json. Hand-rolled (not util.parseArgs) so every problem is reported in one go.
 */
export interface CommandLine {
  help: boolean;
  positionals: string[];
  edge?: string;
  maxPrice?: string;
  scheme?: string;
  maxDeposit?: string;
  channelsDir?: string;
  amount?: string;
  /** `refund <service>` or `--refund`: positionals are then just the service. */
  refund: boolean;
  dryRun: boolean;
  stream: boolean;
  problems: string[];
}

const VALUE_FLAGS = new Set(["edge", "max-price", "scheme", "max-deposit", "channels-dir", "amount"]);
const BOOLEAN_FLAGS = new Set(["dry-run", "stream", "help", "refund"]);

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const problems: string[] = [];
  const positionals: string[] = [];
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  let optionsEnded = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (optionsEnded || !arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      optionsEnded = true;
      continue;
    }
    if (arg === "-h") {
      booleans.add("help");
      continue;
    }
    if (!arg.startsWith("--")) {
      problems.push(`unknown option ${arg}`);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq >= 0) problems.push(`--${name} takes no value`);
      booleans.add(name);
    } else if (VALUE_FLAGS.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--") ? argv[++i] : undefined;
      if (value === undefined) problems.push(`--${name} needs a value`);
      else if (values.has(name)) problems.push(`--${name} is given twice`);
      else values.set(name, value);
    } else {
      problems.push(`unknown option --${name}`);
    }
  }

  // `refund <service>` is the refund command; `<service> --refund` says the same.
  const command = positionals[0] === "refund" && positionals.length <= 2;
  const refund = booleans.has("refund") || command;
  if (command) positionals.shift();
  const allowed = refund ? 1 : 2;
  if (positionals.length > allowed) {
    const extra = positionals.slice(allowed);
    problems.push(`unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((p) => `"${p}"`).join(" ")}`);
  }
  const optional = (flag: string, key: keyof CommandLine) => {
    const value = values.get(flag);
    return value !== undefined ? { [key]: value } : {};
  };
  return {
    help: booleans.has("help"),
    positionals,
    ...optional("edge", "edge"),
    ...optional("max-price", "maxPrice"),
    ...optional("scheme", "scheme"),
    ...optional("max-deposit", "maxDeposit"),
    ...optional("channels-dir", "channelsDir"),
    ...optional("amount", "amount"),
    refund,
    dryRun: booleans.has("dry-run"),
    stream: booleans.has("stream"),
    problems,
  };
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface Payer {
  key: `0x${string}`;
  /** Where the key came from, for the output. */
  source: "PAYER_KEY" | "stack.json";
  /** stack.json's own warning about its demo key. */
  note?: string;
}

export interface PaySettings {
  /** A paid call, or the cooperative refund of the channel behind a service. */
  mode: "call" | "refund";
  /** A path (`/v1/…`) or a service name to resolve at the edge. */
  service: string;
  /** Inline JSON, `@path`, or `@-` for standard input ("" for a refund). */
  body: string;
  /** No trailing slash. */
  edgeUrl: string;
  edgeSource: "--edge" | "EDGE_URL" | "stack.json";
  /** Base units; null = no cap beyond the quote itself. */
  maxPrice: bigint | null;
  /** Which `accepts` entry to pay: `auto` = a channel when offered, else an exact transfer. */
  scheme: SchemeChoice;
  /** The largest channel deposit to sign, base units. */
  maxDeposit: bigint;
  /** Where channel state is kept between runs (FileClientChannelStorage's root). */
  channelsDir: string;
  /** A partial refund, base units; null = everything left. */
  refundAmount: bigint | null;
  dryRun: boolean;
  stream: boolean;
  /** Null only for --dry-run, which signs nothing. */
  payer: Payer | null;
  rpcUrl: string | null;
  /** The local stack's network, when the payer key is its demo key (it must not pay anywhere else). */
  demoNetwork: string | null;
}

export type SettingsResult = { ok: true; settings: PaySettings } | { ok: false; problems: string[] };

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .transform((value, check) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        check.addIssue({ code: "custom", message: `"${value}" is not a URL (expected e.g. http://127.0.0.1:8787)` });
        return z.NEVER;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        check.addIssue({ code: "custom", message: `${what} must be http:// or https://, not ${url.protocol}//` });
        return z.NEVER;
      }
      if (url.search || url.hash) {
        check.addIssue({ code: "custom", message: `${what} must not contain a query or fragment` });
        return z.NEVER;
      }
      return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    });

const usdc = z.string().transform((value, check) => {
  const parsed = parseDecimalToBaseUnits(value);
  if (parsed.ok) return parsed.value;
  check.addIssue({ code: "custom", message: parsed.error });
  return z.NEVER;
});

const SettingsInput = z.object({
  service: z
    .string({ error: "missing <service>: a name like chat, or a path like /v1/chat/completions" })
    .trim()
    .min(1, "<service> must not be empty"),
  body: z.string({ error: "missing <json | @file>: the request body" }).min(1, "<json | @file> must not be empty"),
  edgeUrl: httpUrl("the edge URL").optional(),
  maxPrice: usdc.optional(),
  maxDeposit: usdc.optional(),
  refundAmount: usdc.refine((value) => value > 0n, "must be more than 0").optional(),
  scheme: z
    .enum(SCHEME_CHOICES as [SchemeChoice, ...SchemeChoice[]], { error: (issue) => `"${String(issue.input)}" is not a scheme: use ${SCHEME_CHOICES.join(", ")}` })
    .optional(),
  payerKey: z
    .string()
    .trim()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key")
    .transform((key) => key as `0x${string}`)
    .optional(),
  rpcUrl: httpUrl("the RPC URL").optional(),
});

type InputField = keyof z.input<typeof SettingsInput>;

/** Flags, then environment, then stack.json; every problem is listed, each naming where its value came from. */
export function resolveSettings(cli: CommandLine, env: Env, stack: StackLoad): SettingsResult {
  const problems = [...cli.problems];
  const fromStack = stack.status === "ok" ? stack.stack : null;
  const labels: Partial<Record<InputField, string>> = {};
  const pick = <K extends InputField>(field: K, candidates: Array<[label: string, value: string | undefined]>) => {
    for (const [label, value] of candidates) {
      if (value !== undefined && value.trim() !== "") {
        labels[field] = label;
        return value;
      }
    }
    return undefined;
  };

  const edgeUrl = pick("edgeUrl", [["--edge", cli.edge], ["EDGE_URL", env.EDGE_URL], ["stack.json edgeUrl", fromStack?.edgeUrl]]);
  const payerKey = pick("payerKey", [["PAYER_KEY", env.PAYER_KEY], ["stack.json payerKey", fromStack?.payerKey]]);
  const rpcUrl = pick("rpcUrl", [["RPC_URL", env.RPC_URL], ["stack.json rpcUrl", fromStack?.rpcUrl]]);
  const maxPrice = pick("maxPrice", [["--max-price", cli.maxPrice]]);
  const maxDeposit = pick("maxDeposit", [["--max-deposit", cli.maxDeposit]]);
  const refundAmount = pick("refundAmount", [["--amount", cli.amount]]);
  const scheme = pick("scheme", [["--scheme", cli.scheme]]);
  if (cli.refund) {
    for (const [flag, given] of [["--stream", cli.stream], ["--dry-run", cli.dryRun], ["--max-price", cli.maxPrice !== undefined], ["--max-deposit", cli.maxDeposit !== undefined]] as const) {
      if (given) problems.push(`${flag} does not apply to a refund`);
    }
    if (cli.scheme !== undefined && cli.scheme !== "batch-settlement") problems.push("a refund is of a channel: --scheme can only be batch-settlement");
  } else if (cli.amount !== undefined) {
    problems.push("--amount is for a refund (refund <service> --amount USDC)");
  }

  const needsStack = edgeUrl === undefined || (payerKey === undefined && !cli.dryRun);
  if (needsStack && stack.status === "invalid") problems.push(stack.problem);
  if (edgeUrl === undefined) {
    problems.push(`no edge: pass --edge URL, set EDGE_URL, or start the local stack with \`npm start\` (no ${stack.path})`);
  }
  if (payerKey === undefined && !cli.dryRun) {
    problems.push(`no payer key: set PAYER_KEY (0x… private key of a wallet holding USDC), or start the local stack with \`npm start\``);
  }

  const parsed = SettingsInput.safeParse({
    service: cli.positionals[0],
    body: cli.refund ? "-" : cli.positionals[1],
    edgeUrl,
    maxPrice,
    maxDeposit,
    refundAmount,
    scheme,
    payerKey,
    rpcUrl,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as InputField;
      const label = labels[field];
      // Never echo a key back, even a malformed one: it may be a real one with a typo.
      problems.push(label ? `${label}: ${issue.message}` : issue.message);
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };

  const data = parsed.data;
  const edgeSource = labels.edgeUrl === "--edge" ? "--edge" : labels.edgeUrl === "EDGE_URL" ? "EDGE_URL" : "stack.json";
  const fromEnv = labels.payerKey === "PAYER_KEY";
  const note = fromEnv ? undefined : fromStack?.payerKeyNote;
  const payer: Payer | null = data.payerKey
    ? { key: data.payerKey, source: fromEnv ? "PAYER_KEY" : "stack.json", ...(note !== undefined && { note }) }
    : null;
  // Channel state: beside stack.json when paying the local stack (its channels die with its chain),
  // else in the user's ~/.edge402/channels; --channels-dir overrides both.
  const channelsDir = cli.channelsDir?.trim()
    ? resolve(cli.channelsDir.trim())
    : edgeSource === "stack.json"
      ? join(dirname(stack.path), "channels")
      : join(env.HOME?.trim() || homedir(), ".edge402", "channels");
  return {
    ok: true,
    settings: {
      mode: cli.refund ? "refund" : "call",
      service: data.service,
      body: cli.refund ? "" : data.body,
      edgeUrl: data.edgeUrl!,
      edgeSource,
      maxPrice: data.maxPrice ?? null,
      scheme: cli.refund ? "batch-settlement" : (data.scheme ?? "auto"),
      maxDeposit: data.maxDeposit ?? DEFAULT_MAX_DEPOSIT,
      channelsDir,
      refundAmount: data.refundAmount ?? null,
      dryRun: cli.dryRun,
      stream: cli.stream,
      payer,
      rpcUrl: data.rpcUrl ?? null,
      demoNetwork: payer?.source === "stack.json" ? (fromStack?.network ?? null) : null,
    },
  };
}
