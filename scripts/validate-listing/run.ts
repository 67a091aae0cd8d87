import { readFile } from "node:fs/promises";
import { z } from "zod";
import { checkPaidOperation, type ResourceReport } from "./check-resource.ts";
import { HTTP_METHODS, OpenApiDocument } from "./listing-shapes.ts";

export interface ValidateListingIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  stackFile: string;
  fetch?: typeof fetch;
}

export const HELP = `npm run validate-listing -- [--edge URL]

Checks an edge's listing the way x402 indexes read it: GET /openapi.json (every paid operation's
x-payment-info, its 402 response, input and output schemas), then each paid resource's live 402
(probed with the operation's example): the bazaar extension through the official validator
(@x402/extensions/bazaar) and the 402's amounts against the listed price. One line per resource.
The edge: --edge, else EDGE_URL, else the local stack's (stack.json).
Exit 0 all pass, 1 any failure, 2 usage.
`;

const StackFields = z.object({ edgeUrl: z.string().optional() });
const OPENAPI_TIMEOUT_MS = 15_000;

/** Exit codes: 0 every resource passes, 1 something failed (the listing, a resource, the edge), 2 usage. */
export async function runValidateListing(argv: readonly string[], io: ValidateListingIo): Promise<number> {
  const fetchImpl = io.fetch ?? fetch;
  const args = parseArgs(argv);
  if (!args.ok) {
    io.stderr(`validate-listing: ${args.problems.map((p) => `\n  - ${p}`).join("")}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    io.stdout(HELP);
    return 0;
  }
  const edge = args.edge ?? io.env.EDGE_URL ?? (await stackEdge(io.stackFile));
  if (!edge) {
    io.stderr(`validate-listing: no edge: pass --edge URL or set EDGE_URL (or start the local stack: npm start writes ${io.stackFile})\n`);
    return 2;
  }
  if (!isHttpUrl(edge)) {
    io.stderr(`validate-listing: the edge must be an http(s) URL, not "${edge}"\n`);
    return 2;
  }

  let document: z.infer<typeof OpenApiDocument>;
  try {
    const response = await fetchImpl(new URL("/openapi.json", edge), { signal: AbortSignal.timeout(OPENAPI_TIMEOUT_MS) });
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
    const parsed = OpenApiDocument.safeParse(await response.json());
    if (!parsed.success) throw new Error(`/openapi.json: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ")}`);
    document = parsed.data;
  } catch (error) {
    io.stderr(`validate-listing: ${edge}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }

  const reports: ResourceReport[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const paid = typeof operation === "object" && operation !== null && "x-payment-info" in operation;
      const free = typeof operation === "object" && operation !== null && Array.isArray((operation as { security?: unknown }).security) && (operation as { security: unknown[] }).security.length === 0;
      if (paid) reports.push(await checkPaidOperation(edge, path, method, operation, fetchImpl));
      // x402scan probes an operation that is neither paid nor `security: []`, and fails it when it is not x402.
      else if (!free) reports.push({ method: method.toUpperCase(), path, summary: "", problems: ["neither x-payment-info (paid) nor security: [] (free): indexes probe it and fail it"] });
    }
  }
  if (reports.length === 0) {
    io.stderr(`validate-listing: ${edge}/openapi.json lists no paid operation (none has x-payment-info)\n`);
    return 1;
  }
  for (const report of reports) {
    if (report.problems.length === 0) io.stdout(`ok    ${report.method} ${report.path}  ${report.summary}\n`);
    else io.stdout(`FAIL  ${report.method} ${report.path}\n${report.problems.map((p) => `        - ${p}\n`).join("")}`);
  }
  const failed = reports.filter((r) => r.problems.length > 0).length;
  io.stdout(`${reports.length - failed} passed, ${failed} failed (${edge})\n`);
  return failed > 0 ? 1 : 0;
}

type Args = { ok: true; help: boolean; edge: string | null } | { ok: false; problems: string[] };

function parseArgs(argv: readonly string[]): Args {
  const problems: string[] = [];
  let edge: string | null = null;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--edge" || arg.startsWith("--edge=")) {
      const value = arg === "--edge" ? argv[++i] : arg.slice("--edge=".length);
      if (!value || value.startsWith("--")) problems.push("--edge needs a URL");
      else if (edge !== null) problems.push("--edge is given twice");
      else if (!isHttpUrl(value)) problems.push(`--edge must be an http(s) URL, not "${value}"`);
      else edge = value;
    } else problems.push(`unexpected argument "${arg}"`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, help, edge };
}

async function stackEdge(file: string): Promise<string | null> {
  try {
    const parsed = StackFields.safeParse(JSON.parse(await readFile(file, "utf8")));
    return parsed.success ? (parsed.data.edgeUrl ?? null) : null;
  } catch {
    return null; // no local stack: the caller says what to pass instead
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
