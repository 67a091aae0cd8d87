import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";

// Who gets past the admin guard: only `Authorization: Bearer <ADMIN_TOKEN>`, on every /admin path,
// and nobody at all when no token is configured. admin-api.test.ts has the basic refusals and what
// the routes return.

const TOKEN = "test-admin-token-0123456789"; // test/workers/wrangler.test.toml
// Each request from its own client address: this file sends far more wrong tokens than the guard
// lets one address try (dashboard-session.test.ts tests that limit), and asks who gets past the check.
let client = 0;
const nextAddress = () => `192.0.2.${(client++ % 250) + 1}`;
const request = (path: string, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", nextAddress());
  return exports.default.fetch(`http://edge.test${path}`, { ...init, headers });
};
const withAuth = (authorization: string, path = "/admin/payments") => request(path, { headers: { Authorization: authorization } });

interface Refusal {
  status: number;
  authenticate: string | null;
  body: string;
}
const refusalOf = async (response: Response): Promise<Refusal> => ({
  status: response.status,
  authenticate: response.headers.get("WWW-Authenticate"),
  body: await response.text(),
});

const ROUTES = ["/admin/payments", "/admin/facilitator", "/admin/runners"];
const UNKNOWN = ["/admin/unknown", "/admin/payments/", "/admin/payments/1", "/admin/.env", "/admin/", "/admin", "/admin//payments", "/admin/%70ayments", "/admin/runners/../payments"];

describe("admin: without the token every /admin path answers the same 401", () => {
  it.each([...ROUTES, ...UNKNOWN])("GET %s", async (path) => {
    const reference = await refusalOf(await request("/admin/payments"));
    expect(reference.status).toBe(401);
    expect(reference.authenticate).toBe('Bearer realm="edge402-admin"');
    // Unknown paths look exactly like real ones: no oracle for which admin routes exist.
    expect(await refusalOf(await request(path))).toEqual(reference);
  });

  it.each(["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])("%s on a real route and on an unknown one", async (method) => {
    for (const path of ["/admin/payments", "/admin/unknown"]) {
      const response = await request(path, { method });
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
      await response.body?.cancel();
    }
  });

  it("with the token, an unknown admin path is a plain 404 and the real ones answer", async () => {
    expect((await withAuth(`Bearer ${TOKEN}`, "/admin/unknown")).status).toBe(404);
    for (const path of ROUTES) expect((await withAuth(`Bearer ${TOKEN}`, path)).status).toBe(200);
  });
});

describe("admin: token variants", () => {
  it.each([
    ["a wrong token of the same length", `Bearer ${"x".repeat(TOKEN.length)}`],
    ["the token without its last character", `Bearer ${TOKEN.slice(0, -1)}`],
    ["the token with one more character", `Bearer ${TOKEN}0`],
    ["the token twice", `Bearer ${TOKEN}${TOKEN}`],
    ["the token's first 16 characters", `Bearer ${TOKEN.slice(0, 16)}`],
    ["the token in upper case", `Bearer ${TOKEN.toUpperCase()}`],
    ["the token in quotes", `Bearer "${TOKEN}"`],
    ["the token with a space inside", `Bearer ${TOKEN.slice(0, 10)} ${TOKEN.slice(10)}`],
    ["an empty bearer", "Bearer "],
    ["the scheme alone", "Bearer"],
    ["the token without a scheme", TOKEN],
    ["the token with another scheme", `Token ${TOKEN}`],
    ["the token as a basic credential", `Basic ${btoa(`admin:${TOKEN}`)}`],
    ["the scheme glued to the token", `Bearer${TOKEN}`],
    ["a wrong token, then the right one", `Bearer wrong, Bearer ${TOKEN}`],
    ["the right token, then a wrong one", `Bearer ${TOKEN}, Bearer wrong`],
  ])("refuses %s", async (_name, authorization) => {
    expect((await withAuth(authorization)).status).toBe(401);
  });

  it.each([
    ["token", `?token=${TOKEN}`],
    ["access_token", `?access_token=${TOKEN}`],
    ["ADMIN_TOKEN", `?ADMIN_TOKEN=${TOKEN}`],
    ["authorization", `?authorization=${encodeURIComponent(`Bearer ${TOKEN}`)}`],
  ])("refuses the token in the query string (%s)", async (_name, query) => {
    expect((await request(`/admin/payments${query}`)).status).toBe(401);
  });

  it.each([
    ["X-Admin-Token", { "X-Admin-Token": TOKEN }],
    ["a cookie", { Cookie: `token=${TOKEN}; ADMIN_TOKEN=${TOKEN}` }],
    ["Proxy-Authorization", { "Proxy-Authorization": `Bearer ${TOKEN}` }],
  ])("refuses the token in %s", async (_name, headers) => {
    expect((await request("/admin/payments", { headers })).status).toBe(401);
  });

  it("refuses the right token sent in two Authorization headers (joined, they are not the token)", async () => {
    const headers = new Headers();
    headers.append("Authorization", `Bearer ${TOKEN}`);
    headers.append("Authorization", `Bearer ${TOKEN}`);
    expect((await request("/admin/payments", { headers })).status).toBe(401);
  });

  // RFC 9110 §11.1: the scheme is case-insensitive, and one or more spaces separate it from the token.
  it.each([
    ["a lower-case scheme", `bearer ${TOKEN}`],
    ["an upper-case scheme", `BEARER ${TOKEN}`],
    ["several spaces after the scheme", `Bearer    ${TOKEN}`],
    ["a tab after the scheme", `Bearer\t${TOKEN}`],
    ["trailing spaces (trimmed by HTTP)", `Bearer ${TOKEN}   `],
  ])("accepts the right token with %s", async (_name, authorization) => {
    expect((await withAuth(authorization)).status).toBe(200);
  });
});

describe("admin: when no ADMIN_TOKEN is configured the admin API is closed, not open", () => {
  // The same Worker with the same bindings, minus (or with a blank) ADMIN_TOKEN.
  async function fetchWith(adminToken: string | undefined, path: string, authorization?: string): Promise<Response> {
    const { ADMIN_TOKEN: _configured, ...rest } = env as unknown as Record<string, unknown>;
    const bindings = (adminToken === undefined ? rest : { ...rest, ADMIN_TOKEN: adminToken }) as unknown as Env;
    const ctx = createExecutionContext();
    const response = await createApp().fetch(
      new Request(`http://edge.test${path}`, { headers: { "CF-Connecting-IP": nextAddress(), ...(authorization === undefined ? {} : { Authorization: authorization }) } }),
      bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return response;
  }

  it.each([
    ["unset", undefined],
    ["blank", ""],
    ["only spaces", "   "],
  ])("ADMIN_TOKEN %s: every admin route refuses every credential with 401", async (_name, adminToken) => {
    for (const path of ROUTES) {
      for (const authorization of [undefined, "Bearer ", "Bearer undefined", "Bearer null", `Bearer ${TOKEN}`, "Bearer    "]) {
        const response = await fetchWith(adminToken, path, authorization);
        expect(response.status).toBe(401);
        expect(((await response.json()) as { error: { message: string } }).error.message).toContain("disabled");
      }
    }
  });

  it("a configured token that is too short makes the edge refuse to run (500), not admit it", async () => {
    const response = await fetchWith("short", "/admin/payments", "Bearer short");
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("edge_misconfigured");
  });

  it("the control: the same app with the token configured admits it", async () => {
    expect((await fetchWith(TOKEN, "/admin/runners", `Bearer ${TOKEN}`)).status).toBe(200);
  });
});
