import { encodePaymentRequiredHeader } from "@x402/core/http";
import { describe, expect, it } from "vitest";
import { parseEdgeConfig } from "../../../worker/config/edge-config.ts";
import { paidEndpoints, type PaidEndpoint } from "../../../worker/discovery/endpoints.ts";
import { openApiDocument } from "../../../worker/discovery/openapi.ts";
import { bazaarExtension } from "../../../worker/offers/bazaar.ts";
import type { PaymentScheme } from "../../../worker/payments/core/payment-scheme.ts";
import { runValidateListing } from "../../../scripts/validate-listing/run.ts";

// validate-listing against an edge made of the real discovery documents (openapi.ts, bazaar.ts),
// served by a fake fetch so that each entry can be broken the way a real regression would break
// it: every broken entry must fail, by name, with exit 1. The live edge: test/e2e/validate-listing.test.ts.
const EDGE = "http://edge.test";
const parsed = parseEdgeConfig({
  NETWORK: "eip155:31337",
  PAY_TO: "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65",
  USDC_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  FACILITATOR: "embedded",
  RPC_URL: "http://127.0.0.1:8545",
  RELAYER_KEY: `0x${"ab".repeat(32)}`,
});
if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
const config = parsed.config;
const schemes = [{ scheme: "exact" }] as unknown as PaymentScheme[];

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>> };
interface Breakage {
  openapi?: (doc: Doc) => void;
  bazaar?: (id: string, extension: ReturnType<typeof bazaarExtension>) => void;
  status?: (id: string, method: string) => number;
}

/** The 402 the edge would send for an endpoint, from the same modules the routes use. */
function paymentRequired(endpoint: PaidEndpoint, breakage: Breakage): string {
  const bazaar = bazaarExtension({ exampleBody: endpoint.example.input, exampleOutput: endpoint.example.output, inputSchema: endpoint.inputSchema, outputSchema: endpoint.outputSchema });
  breakage.bazaar?.(endpoint.id, bazaar);
  return encodePaymentRequiredHeader({
    x402Version: 2,
    error: "payment_required",
    resource: { url: `${EDGE}${endpoint.path}`, description: endpoint.description, mimeType: "application/json" },
    accepts: [{ scheme: "exact", network: config.payment.network, amount: endpoint.examplePrice.toString(), asset: config.payment.asset, payTo: config.payment.payTo, maxTimeoutSeconds: 300, extra: {} }],
    extensions: { bazaar },
  });
}

function fakeEdge(breakage: Breakage = {}): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const method = init?.method ?? "GET";
    if (url.pathname === "/openapi.json") {
      const doc = structuredClone(openApiDocument(config, schemes, EDGE)) as unknown as Doc;
      breakage.openapi?.(doc);
      return Response.json(doc);
    }
    const endpoint = paidEndpoints(config).find((e) => e.path === url.pathname);
    if (!endpoint) return Response.json({ error: { code: "not_found" } }, { status: 404 });
    const status = breakage.status?.(endpoint.id, method) ?? 402;
    return new Response("{}", { status, headers: status === 402 ? { "PAYMENT-REQUIRED": paymentRequired(endpoint, breakage) } : {} });
  }) as typeof fetch;
}

async function validate(breakage?: Breakage, argv: string[] = ["--edge", EDGE]) {
  let stdout = "";
  let stderr = "";
  const code = await runValidateListing(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, stackFile: "/nonexistent/stack.json", fetch: fakeEdge(breakage) });
  return { code, stdout, stderr };
}

/** The FAIL block of one resource (its problems), or null when it passed. */
const failureOf = (stdout: string, resource: string) => new RegExp(`^FAIL  ${resource.replaceAll("/", "\\/")}\\n((?: {8}- .*\\n)+)`, "m").exec(stdout)?.[1] ?? null;

describe("validate-listing", () => {
  it("passes the edge's real documents: every paid resource, fixed and dynamic prices", async () => {
    const { code, stdout } = await validate();
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("ok    POST /v1/sentiment  fixed $0.010000; 402 asks 10000 by exact; bazaar valid");
    expect(stdout).toMatch(/ok {4}POST \/v1\/embeddings {2}dynamic \$0\.000101–\$\d+\.\d{6}/);
    expect(stdout).toContain(`${paidEndpoints(config).length} passed, 0 failed`);
  });

  it.each<[string, string, Breakage, RegExp]>([
    ["a price in atomic units instead of decimal USD", "POST /v1/sentiment", { openapi: (d) => void ((d.paths["/v1/sentiment"]!.post!["x-payment-info"] as { price: { amount: string } }).price.amount = "10000") }, /x-payment-info says \$10000 .* the 402 asks 10000/],
    ["protocols as plain strings", "POST /v1/pii-detect", { openapi: (d) => void ((d.paths["/v1/pii-detect"]!.post!["x-payment-info"] as { protocols: unknown }).protocols = ["x402"]) }, /x-payment-info: protocols/],
    ["a price mode x402scan does not know", "POST /v1/alt-text", { openapi: (d) => void ((d.paths["/v1/alt-text"]!.post!["x-payment-info"] as { price: { mode: string } }).price.mode = "per-call") }, /x-payment-info: price/],
    ["no 402 response listed", "POST /v1/invoice-extract", { openapi: (d) => void delete (d.paths["/v1/invoice-extract"]!.post!.responses as Record<string, unknown>)["402"] }, /responses: no 402/],
    ["no input schema", "POST /v1/document-intel", { openapi: (d) => void delete (d.paths["/v1/document-intel"]!.post!.requestBody as { content: Record<string, unknown> }).content["application/json"] }, /requestBody: no application\/json schema/],
    ["a dynamic range the 402's quote falls outside", "POST /v1/chat/completions", { openapi: (d) => void Object.assign((d.paths["/v1/chat/completions"]!.post!["x-payment-info"] as { price: object }).price, { min: "0.000001", max: "0.000002" }) }, /outside x-payment-info's \$0\.000001–\$0\.000002/],
    ["a bazaar example that does not fit its schema", "POST /v1/sentiment", { bazaar: (id, ext) => void (id === "sentiment" && ((ext.info.input as { body: unknown }).body = { text: 42 })) }, /POST 402 bazaar: \/input\/body\/text: must be string/],
    ["a bazaar extension naming another method", "POST /v1/screenshot-data", { bazaar: (id, ext) => void (id === "screenshot-data" && ((ext.info.input as { method: string }).method = "GET")) }, /bazaar: .*method/],
    ["a bazaar extension with an external $ref", "POST /v1/embeddings", { bazaar: (id, ext) => void (id === "embeddings" && ((ext.schema.properties.output.properties as Record<string, unknown>).example = { $ref: "https://example.com/schema.json" })) }, /external \$ref/],
    ["a bazaar extension without its info", "POST /v1/pii-detect", { bazaar: (id, ext) => void (id === "pii-detect" && Object.assign(ext, { info: undefined })) }, /POST 402 bazaar: Missing or invalid 'info' field/],
    ["a probe refused before the 402 (validation first)", "POST /v1/alt-text", { status: (id, method) => (id === "alt-text" && method === "POST" ? 400 : 402) }, /expected 402, got 400/],
  ])("fails %s, naming the resource, exit 1", async (_name, resource, breakage, message) => {
    const { code, stdout } = await validate(breakage);
    expect(code).toBe(1);
    const failure = failureOf(stdout, resource);
    expect(failure, stdout).not.toBeNull();
    expect(failure).toMatch(message);
    expect(stdout).toMatch(/\d+ passed, [1-9]\d* failed/);
  });

  it("fails an operation that is neither paid nor marked free, and skips one marked security: []", async () => {
    const unclassified = await validate({ openapi: (d) => void (d.paths["/v1/status"] = { get: { responses: { "200": { description: "ok" } } } }) });
    expect(unclassified.code).toBe(1);
    expect(failureOf(unclassified.stdout, "GET /v1/status")).toMatch(/neither x-payment-info/);
    const free = await validate({ openapi: (d) => void (d.paths["/v1/status"] = { get: { security: [], responses: { "200": { description: "ok" } } } }) });
    expect(free.code, free.stdout).toBe(0);
    expect(free.stdout).not.toContain("/v1/status");
  });

  it("exits 1 on a listing that is not OpenAPI, 2 on usage errors", async () => {
    const notOpenApi = await validate({ openapi: (d) => void Object.assign(d, { openapi: "2.0" }) });
    expect(notOpenApi.code).toBe(1);
    expect(notOpenApi.stderr).toContain("must be OpenAPI 3.x");
    expect((await validate(undefined, [])).code).toBe(2); // no --edge, no EDGE_URL, no stack file
    const usage = await validate(undefined, ["--edge", "not a url", "extra"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--edge must be an http\(s\) URL[\s\S]*unexpected argument "extra"/);
  });
});
