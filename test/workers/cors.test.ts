import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";

// CORS per route class: paid, discovery and MCP answer browsers (preflight and simple, 402s and
// errors too); the operator's routes never do. With the default CORS_ORIGINS (*) through the test
// Worker, and with a list through the same app given other bindings. The browser itself: test/e2e/cors-browser.test.ts.

const PAGE = "https://shop.example";
const TOKEN = "test-admin-token-0123456789"; // test/workers/wrangler.test.toml
let client = 0;
const nextAddress = () => `198.51.100.${(client++ % 250) + 1}`;

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;
const defaultEdge: Fetch = (path, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", nextAddress());
  return exports.default.fetch(`http://edge.test${path}`, { ...init, headers });
};
/** The same app with CORS_ORIGINS set (another bindings object: the config is parsed per env). */
const edgeWith = (corsOrigins: string): Fetch => {
  const bindings = { ...(env as unknown as Record<string, unknown>), CORS_ORIGINS: corsOrigins } as unknown as Env;
  const app = createApp();
  return async (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("CF-Connecting-IP", nextAddress());
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(`http://edge.test${path}`, { ...init, headers }), bindings, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
};

const json = (body: unknown, origin = PAGE): RequestInit => ({ method: "POST", headers: { Origin: origin, "content-type": "application/json" }, body: JSON.stringify(body) });
const preflight = (method: string, origin = PAGE, headers = "content-type, payment-signature"): RequestInit => ({
  method: "OPTIONS",
  headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers },
});
const fromPage = (origin = PAGE): RequestInit => ({ headers: { Origin: origin } });
const mcpList = (origin = PAGE): RequestInit => ({
  method: "POST",
  headers: { Origin: origin, "content-type": "application/json", accept: "application/json, text/event-stream" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
});
const exposed = (response: Response) => (response.headers.get("Access-Control-Expose-Headers") ?? "").split(/\s*,\s*/).map((h) => h.toLowerCase());
const listed = (response: Response, name: string) => (response.headers.get(name) ?? "").split(/\s*,\s*/).map((h) => h.toLowerCase());

/** Every browser-facing route class, a request a page would make to it, and the status it answers. */
const BROWSER_ROUTES: Array<[string, string, RequestInit, number]> = [
  ["paid: an unpaid call (402)", "/v1/sentiment", json({ text: "good" }), 402],
  ["paid: a refused payment (402)", "/v1/sentiment", { ...json({ text: "good" }), headers: { Origin: PAGE, "content-type": "application/json", "PAYMENT-SIGNATURE": "bm90IGEgcGF5bWVudA==" } }, 402],
  ["paid: a bad body (400)", "/v1/sentiment", json({ text: 42 }), 400],
  ["paid: chat's 402", "/v1/chat/completions", json({ model: "qwen2.5:7b", messages: [{ role: "user", content: "hi" }] }), 402],
  ["paid: an unknown service (404)", "/v1/no-such-service", json({}), 404],
  ["paid: a paid URL's GET (terms, 402)", "/v1/sentiment", fromPage(), 402],
  ["free: /v1/models", "/v1/models", fromPage(), 200],
  ["discovery: /openapi.json", "/openapi.json", fromPage(), 200],
  ["discovery: /.well-known/x402", "/.well-known/x402", fromPage(), 200],
  ["discovery: /", "/", fromPage(), 200],
  ["mcp: tools/list", "/mcp", mcpList(), 200],
];

/** The operator's routes: no page on another origin may read them, whatever it sends. */
const OPERATOR_ROUTES: Array<[string, RequestInit]> = [
  ["/admin/payments", { headers: { Origin: PAGE, Authorization: `Bearer ${TOKEN}` } }],
  ["/admin/payments", fromPage()],
  ["/admin/stats", { headers: { Origin: PAGE, Authorization: `Bearer ${TOKEN}` } }],
  ["/dashboard", fromPage()],
  ["/dashboard/data", fromPage()],
  ["/metrics", fromPage()],
  ["/tunnel", fromPage()],
  ["/health", fromPage()],
];

describe("CORS with the default CORS_ORIGINS (*)", () => {
  it.each(BROWSER_ROUTES)("%s: any origin may read it, with the x402 headers exposed", async (_name, path, init, status) => {
    const response = await defaultEdge(path, init);
    expect(response.status).toBe(status);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(exposed(response)).toEqual(expect.arrayContaining(["payment-required", "payment-response", "x-payment-response"]));
    expect(response.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    expect(listed(response, "Vary")).not.toContain("origin"); // the same answer for every origin
    if (status === 402) expect(response.headers.get("PAYMENT-REQUIRED")).toBeTruthy();
  });

  it.each([
    ["/v1/sentiment", "POST", ["get", "post"]],
    ["/v1/chat/completions", "POST", ["get", "post"]],
    ["/openapi.json", "GET", ["get", "head"]],
    ["/.well-known/x402", "GET", ["get", "head"]],
    ["/", "GET", ["get", "head"]],
    ["/mcp", "POST", ["get", "post", "delete"]],
  ])("a preflight for %s answers 204 with what a page may send, before any route runs", async (path, method, methods) => {
    const response = await defaultEdge(path, preflight(method, PAGE, "content-type, payment-signature, x-payment, mcp-protocol-version"));
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(listed(response, "Access-Control-Allow-Methods")).toEqual(expect.arrayContaining([...methods, "options"]));
    expect(listed(response, "Access-Control-Allow-Headers")).toEqual(expect.arrayContaining(["content-type", "payment-signature", "x-payment", "mcp-protocol-version"]));
    expect(listed(response, "Access-Control-Allow-Headers")).not.toContain("authorization");
    expect(Number(response.headers.get("Access-Control-Max-Age"))).toBeGreaterThan(0);
    expect(await response.text()).toBe("");
  });

  it.each(OPERATOR_ROUTES)("%s never answers CORS", async (path, init) => {
    const response = await defaultEdge(path, init);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(response.headers.get("Access-Control-Expose-Headers")).toBeNull();
    const options = await defaultEdge(path, preflight("GET", PAGE, "authorization"));
    expect(options.status).not.toBe(204);
    expect(options.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(options.headers.get("Access-Control-Allow-Headers")).toBeNull();
  });
});

describe("CORS with a list of origins", () => {
  const edge = edgeWith("https://shop.example, http://localhost:5173");

  it.each(BROWSER_ROUTES)("%s: a listed origin is echoed, with Vary: Origin", async (_name, path, init, status) => {
    const response = await edge(path, init);
    expect(response.status).toBe(status);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe(PAGE);
    expect(exposed(response)).toContain("payment-required");
    expect(listed(response, "Vary")).toContain("origin");
  });

  it("an origin not listed gets the answer without CORS headers (the browser withholds it), still with Vary: Origin", async () => {
    for (const [, path, init] of BROWSER_ROUTES) {
      const other = new Headers(init.headers);
      other.set("Origin", "https://evil.example");
      const response = await edge(path, { ...init, headers: other });
      expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
      expect(listed(response, "Vary")).toContain("origin");
    }
    const options = await edge("/v1/sentiment", preflight("POST", "https://evil.example"));
    expect(options.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(options.headers.get("Access-Control-Allow-Methods")).toBeNull();
  });

  it("a listed origin's preflight is allowed, the other listed origin too", async () => {
    for (const origin of [PAGE, "http://localhost:5173"]) {
      const response = await edge("/v1/sentiment", preflight("POST", origin));
      expect(response.status).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe(origin);
      expect(listed(response, "Vary")).toContain("origin");
    }
  });

  it.each(OPERATOR_ROUTES)("%s never answers CORS, even to a listed origin", async (path, init) => {
    const response = await edge(path, init);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("a bad CORS_ORIGINS stops the edge with its configuration error, not an open door", async () => {
    const response = await edgeWith("shop.example")("/v1/sentiment", json({ text: "good" }));
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("edge_misconfigured");
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
