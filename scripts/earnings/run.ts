import { readFile } from "node:fs/promises";
import { z } from "zod";
import { AdminStats } from "../../worker/operator/stats-types.ts";
import { HELP, parseEarningsArgs } from "./args.ts";
import { earningsCsv, earningsTable } from "./report.ts";

export interface EarningsIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  stackFile: string;
  fetch?: typeof fetch;
  now?: number;
}

/** The local stack's file as far as this tool reads it: the file belongs to `npm start`, so only these fields. */
const StackFields = z.object({ edgeUrl: z.string().optional(), adminToken: z.string().optional() });

/** Exit codes: 0 printed, 1 the edge refused or failed, 2 usage (every problem listed). */
export async function runEarnings(argv: readonly string[], io: EarningsIo): Promise<number> {
  const parsed = parseEarningsArgs(argv, io.now ?? Date.now());
  if (!parsed.ok) {
    io.stderr(`earnings: ${parsed.problems.length} problem${parsed.problems.length === 1 ? "" : "s"}:\n${parsed.problems.map((p) => `  - ${p}\n`).join("")}\n${HELP}`);
    return 2;
  }
  const { args } = parsed;
  if (args.help) {
    io.stdout(HELP);
    return 0;
  }

  const stack = await readStack(io.stackFile);
  const edge = args.edge ?? io.env.EDGE_URL ?? stack?.edgeUrl ?? null;
  // The stack's token is only offered to the stack's own edge: never send one edge's token to another.
  const token = io.env.ADMIN_TOKEN ?? (stack?.adminToken && stack.edgeUrl && edge && sameOrigin(edge, stack.edgeUrl) ? stack.adminToken : null);
  const problems: string[] = [];
  if (!edge) problems.push(`no edge: pass --edge URL or set EDGE_URL (or start the local stack: npm start writes ${io.stackFile})`);
  if (!token) problems.push("no admin token: set ADMIN_TOKEN (the local stack's stack.json has it for its own edge)");
  if (problems.length > 0 || !edge || !token) {
    io.stderr(`earnings: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}\n`).join("")}`);
    return 2;
  }

  const url = new URL("/admin/stats", edge);
  url.searchParams.set("since", String(args.since));
  url.searchParams.set("until", String(args.until));
  let response: Response;
  try {
    response = await (io.fetch ?? fetch)(url, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    io.stderr(`earnings: ${url.origin} cannot be reached: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (response.status === 401) {
    io.stderr(`earnings: ${url.origin} refused the admin token (401)\n`);
    return 1;
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = z.object({ error: z.object({ message: z.string() }) }).safeParse(body);
    io.stderr(`earnings: ${url.origin} answered ${response.status}${message.success ? `: ${message.data.error.message}` : ""}\n`);
    return 1;
  }
  const stats = AdminStats.safeParse(body);
  if (!stats.success) {
    io.stderr(`earnings: ${url.origin}/admin/stats did not answer in the expected shape (${stats.error.issues[0]?.path.join(".") || "(root)"}: ${stats.error.issues[0]?.message}); is it an edge402 of this version?\n`);
    return 1;
  }
  io.stdout(args.csv ? earningsCsv(stats.data) : earningsTable(stats.data));
  return 0;
}

async function readStack(path: string): Promise<z.infer<typeof StackFields> | null> {
  try {
    const parsed = StackFields.safeParse(JSON.parse(await readFile(path, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
