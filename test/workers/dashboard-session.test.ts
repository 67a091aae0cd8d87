import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FAILED_ATTEMPTS } from "../../worker/operator/access/attempt-limit.ts";
import { DashboardData } from "../../worker/operator/dashboard/data-schema.ts";

// The dashboard's sign-in, session and guard inside workerd (the browser test on the real stack
// is test/e2e/dashboard.test.ts).
const TOKEN = "test-admin-token-0123456789"; // test/workers/wrangler.test.toml
const ORIGIN = "https://edge.test";
const fetchEdge = (path: string, init: RequestInit = {}) => exports.default.fetch(new Request(`${ORIGIN}${path}`, { redirect: "manual", ...init }));
const signIn = (token: string, headers: Record<string, string> = {}) =>
  fetchEdge("/dashboard/sign-in", { method: "POST", headers: { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams({ token }).toString() });
const cookieOf = (response: Response) => response.headers.get("Set-Cookie")!.split(";")[0]!;

describe("signing in to the dashboard", () => {
  it("shows the form, and no data, without a session", async () => {
    const page = await fetchEdge("/dashboard");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('action="/dashboard/sign-in"');
    expect(html).not.toContain("data-figure");
    for (const path of ["/dashboard/data", "/dashboard/payments.csv"]) {
      const response = await fetchEdge(path);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("no_session");
    }
  });

  it("gives a signed session cookie for the right token: HttpOnly, SameSite=Strict, Secure, Path=/dashboard, expiring", async () => {
    const response = await signIn(TOKEN, { "CF-Connecting-IP": "198.51.100.1" });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/dashboard");
    const cookie = response.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^edge402_dashboard=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; /);
    expect(cookie.split("; ").slice(1).sort()).toEqual(["HttpOnly", "Max-Age=28800", "Path=/dashboard", "SameSite=Strict", "Secure"]);
    expect(cookie).not.toContain(TOKEN);

    const page = await fetchEdge("/dashboard", { headers: { Cookie: cookieOf(response) } });
    expect(await page.text()).toContain('data-figure="revenue-today"');
    const data = await fetchEdge("/dashboard/data", { headers: { Cookie: cookieOf(response) } });
    expect(data.status).toBe(200);
    const parsed = DashboardData.parse(await data.json());
    expect(parsed.asset.network).toBe("eip155:31337");
    expect(JSON.stringify(parsed)).not.toContain(TOKEN);
  });

  it("refuses a wrong token with the form again, never echoing what was typed", async () => {
    const response = await signIn("not-the-token-but-long-enough", { "CF-Connecting-IP": "198.51.100.2" });
    expect(response.status).toBe(401);
    expect(response.headers.get("Set-Cookie")).toBeNull();
    const html = await response.text();
    expect(html).toContain("data-sign-in-error");
    expect(html).not.toContain("not-the-token-but-long-enough");
  });

  it("refuses a sign-in posted from another origin, or with no Origin (CSRF)", async () => {
    for (const origin of ["https://evil.example", "null", undefined]) {
      const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
      if (origin) headers.Origin = origin;
      const response = await fetchEdge("/dashboard/sign-in", { method: "POST", headers, body: `token=${TOKEN}` });
      expect(response.status).toBe(403);
      expect(response.headers.get("Set-Cookie")).toBeNull();
    }
  });

  it("reads no form of undeclared or excessive length", async () => {
    const headers = { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded", "CF-Connecting-IP": "198.51.100.5" };
    const streamed = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(`token=${TOKEN}`)), c.close()) });
    expect((await fetchEdge("/dashboard/sign-in", { method: "POST", headers, body: streamed, duplex: "half" } as RequestInit)).status).toBe(411);
    expect((await fetchEdge("/dashboard/sign-in", { method: "POST", headers, body: `token=${TOKEN}&pad=${"x".repeat(5000)}` })).status).toBe(413);
  });

  it("changes nothing on GET: there is no GET sign-in or sign-out", async () => {
    for (const path of [`/dashboard/sign-in?token=${TOKEN}`, "/dashboard/sign-out"]) expect((await fetchEdge(path)).status).toBe(404);
  });

  it("refuses a forged or tampered cookie", async () => {
    const good = cookieOf(await signIn(TOKEN, { "CF-Connecting-IP": "198.51.100.3" }));
    const [name, value] = good.split("=") as [string, string];
    const [body, signature] = value.split(".") as [string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === "A" ? "B" : "A"}${signature.at(-1)}`;
    for (const cookie of [`${name}=${body}.${flipped}`, `${name}=${body}`, `${name}=garbage`]) {
      expect((await fetchEdge("/dashboard/data", { headers: { Cookie: cookie } })).status).toBe(401);
    }
  });

  it("signs out with a POST from its own page: that session (even a copy of the cookie) stops working", async () => {
    const cookie = cookieOf(await signIn(TOKEN, { "CF-Connecting-IP": "198.51.100.4" }));
    expect((await fetchEdge("/dashboard/data", { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await fetchEdge("/dashboard/sign-out", { method: "POST", headers: { Cookie: cookie, Origin: "https://evil.example" } })).status).toBe(403);
    const out = await fetchEdge("/dashboard/sign-out", { method: "POST", headers: { Cookie: cookie, Origin: ORIGIN } });
    expect(out.status).toBe(303);
    expect(out.headers.get("Set-Cookie")).toMatch(/^edge402_dashboard=; Path=\/dashboard; Max-Age=0; HttpOnly; SameSite=Strict; Secure$/);
    const after = await fetchEdge("/dashboard/data", { headers: { Cookie: cookie } });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe("signed_out");
  });
});

describe("failed sign-ins are limited per client address", () => {
  it(`counts ${MAX_FAILED_ATTEMPTS} wrong tokens sent at once, refuses the rest and then the right token too; other addresses are not affected`, async () => {
    const attacker = { "CF-Connecting-IP": "203.0.113.9" };
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(`wrong-token-number-${i}-padding`, attacker).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILED_ATTEMPTS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40 - MAX_FAILED_ATTEMPTS);
    const locked = await signIn(TOKEN, attacker);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(locked.headers.get("Set-Cookie")).toBeNull();
    expect((await signIn(TOKEN, { "CF-Connecting-IP": "203.0.113.10" })).status).toBe(303);
  });

  it("limits bad bearer tokens on /admin with the same counter", async () => {
    const attacker = { "CF-Connecting-IP": "2001:db8:7:7::1" };
    const statuses = await Promise.all(Array.from({ length: 20 }, () => fetchEdge("/admin/payments", { headers: { ...attacker, Authorization: "Bearer wrong-token-with-padding" } }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_FAILED_ATTEMPTS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - MAX_FAILED_ATTEMPTS);
    // Another address of the same /64 is the same client; the right token from it is refused too.
    const sameBlock = await fetchEdge("/admin/payments", { headers: { "CF-Connecting-IP": "2001:db8:7:7::2", Authorization: `Bearer ${TOKEN}` } });
    expect(sameBlock.status).toBe(429);
    expect((await fetchEdge("/admin/payments", { headers: { "CF-Connecting-IP": "2001:db8:7:8::1", Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });
});

describe("the dashboard's own files", () => {
  it("serves uPlot from its npm package and the page's scripts, under a CSP that allows only them", async () => {
    const uplot = await fetchEdge("/dashboard/assets/uPlot.iife.min.js");
    expect(uplot.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    expect(await uplot.text()).toContain("uPlot");
    expect((await fetchEdge("/dashboard/assets/dashboard.browser.js")).status).toBe(200);
    expect((await fetchEdge("/dashboard/assets/..%2Fadmin-guard.ts")).status).toBe(404);
    const page = await fetchEdge("/dashboard");
    expect(page.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    expect(page.headers.get("Cache-Control")).toBe("no-store");
  });
});
