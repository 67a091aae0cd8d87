import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../app-context.ts";
import { clientAddressKey } from "../access/client-address.ts";
import { checkAdminToken } from "../access/token-check.ts";
import { signInPage } from "./pages/sign-in-page.ts";
import { PAGE_HEADERS } from "./pages/page-headers.ts";
import { isSameOrigin } from "./same-origin.ts";
import { issueSession, sessionCookie } from "./session-cookie.ts";

const MAX_FORM_BYTES = 4096;
const SignInForm = z.object({ token: z.string().min(1).max(1024) });

/**
 * POST /dashboard/sign-in (a form: `token`). The token travels only in this body — never in a URL —
 * and is never echoed or logged; a right one gets a session cookie and a 303 to /dashboard (so a
 * reload does not post again), a wrong one the form again, and an address that guessed too often
 * 429 until its window ends (AdminGuard, shared with /admin's bearer check).
 */
export async function signInRoute(c: Context<AppEnv>): Promise<Response> {
  const page = (status: number, message: string, headers: Record<string, string> = {}) => c.html(signInPage({ message }), status as 401, { ...PAGE_HEADERS, ...headers });
  const expected = c.var.config.adminToken;
  if (!expected) return page(503, "The dashboard is disabled: set the ADMIN_TOKEN secret.");
  if (!isSameOrigin(c.req.raw)) return page(403, "This sign-in did not come from this edge's own page.");
  if (!(c.req.header("Content-Type") ?? "").startsWith("application/x-www-form-urlencoded")) return page(415, "Sign in with the form.");
  // A browser's form post always declares its length; without one the body is not read at all.
  const declared = Number(c.req.header("Content-Length") ?? "NaN");
  if (!Number.isFinite(declared)) return page(411, "Sign in with the form.");
  if (declared > MAX_FORM_BYTES) return page(413, "That form was too large.");
  const text = await c.req.text();
  if (text.length > MAX_FORM_BYTES) return page(413, "That form was too large.");
  const form = SignInForm.safeParse(Object.fromEntries(new URLSearchParams(text)));
  if (!form.success) return page(400, "Enter the admin token.");

  const verdict = await checkAdminToken(c.env, expected, form.data.token, clientAddressKey(c.req.raw));
  if (!verdict.ok && verdict.code === "too_many_attempts") {
    const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
    return page(429, `Too many wrong tokens from your address. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, { "Retry-After": String(verdict.retryAfterSeconds) });
  }
  if (!verdict.ok) return page(401, "That is not this edge's admin token.");

  const session = await issueSession(expected, Date.now());
  return new Response(null, { status: 303, headers: { ...PAGE_HEADERS, Location: "/dashboard", "Set-Cookie": sessionCookie(session.value, c.req.url) } });
}
