/**
 * `npm run earnings -- [--since 7d] [--until TIME] [--csv] [--edge URL]`: TIME is a duration back from
 * now (`30m`, `24h`, `7d`, `2w`), a UTC date (`2026-12-01`), an ISO-8601 time or unix ms. Every
 * problem is listed at once (exit 2). Hand-rolled like scripts/pay/args.ts for that reason.
 */
export interface EarningsArgs {
  help: boolean;
  since: number;
  until: number;
  csv: boolean;
  edge: string | null;
}

export type ParsedArgs = { ok: true; args: EarningsArgs } | { ok: false; problems: string[] };

const VALUE_FLAGS = new Set(["since", "until", "edge"]);
const BOOLEAN_FLAGS = new Set(["csv", "help"]);
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
export const DEFAULT_SINCE = "7d";

export function parseEarningsArgs(argv: readonly string[], now: number): ParsedArgs {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const [, name, inline] = match as unknown as [string, string, string | undefined];
    if (BOOLEAN_FLAGS.has(name)) {
      if (inline !== undefined) problems.push(`--${name} takes no value`);
      booleans.add(name);
    } else if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith("--"))) {
        problems.push(`--${name} needs a value`);
        if (value?.startsWith("--")) i--;
      } else if (values.has(name)) problems.push(`--${name} is given twice`);
      else values.set(name, value);
    } else problems.push(`unknown option --${name}`);
  }
  if (booleans.has("help")) return { ok: true, args: { help: true, since: 0, until: 0, csv: false, edge: null } };

  const until = values.has("until") ? parseTime(values.get("until")!, now, "--until", problems) : now;
  const since = parseTime(values.get("since") ?? DEFAULT_SINCE, now, "--since", problems);
  if (since !== null && until !== null && since >= until) problems.push("--since must be before --until");
  const edge = values.get("edge") ?? null;
  if (edge !== null && !isHttpUrl(edge)) problems.push(`--edge must be an http(s) URL, not "${edge}"`);
  if (problems.length > 0 || since === null || until === null) return { ok: false, problems };
  return { ok: true, args: { help: false, since, until, csv: booleans.has("csv"), edge } };
}

function parseTime(text: string, now: number, flag: string, problems: string[]): number | null {
  const relative = /^(\d{1,6})([mhdw])$/.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const at = Date.parse(`${text}T00:00:00Z`);
    if (Number.isFinite(at)) return at;
  } else if (/^\d{1,15}$/.test(text)) return Number(text);
  else if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  }
  problems.push(`${flag} "${text}" is not a time: use a duration back from now (30m, 24h, 7d, 2w), a date (2026-12-01), an ISO time or unix ms`);
  return null;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export const HELP = `npm run earnings -- [--since 7d] [--until TIME] [--csv] [--edge URL]

What this edge earned per UTC day, service and scheme, from its admin API (GET /admin/stats).
  --since TIME   start of the range (default ${DEFAULT_SINCE}): 30m, 24h, 7d, 2w back from now, a date
                 (2026-12-01, UTC), an ISO-8601 time or unix ms
  --until TIME   end of the range (default now), same forms
  --csv          CSV instead of a table (amounts in base units and in USDC)
  --edge URL     the edge (default: EDGE_URL, else the local stack's .edge402/stack.json)
The admin token comes from ADMIN_TOKEN, else from the local stack's stack.json.
`;
