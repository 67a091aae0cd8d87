import type { Context } from "hono";
import type { AppEnv } from "../../app-context.ts";
import { adminGuardOf } from "../access/token-check.ts";
import { PAGE_HEADERS } from "./pages/page-headers.ts";
import { isSameOrigin } from "./same-origin.ts";
import { clearedSessionCookie } from "./session-cookie.ts";
import { currentSession } from "./session-gate.ts";

/**
 * POST /dashboard/sign-out: the session is revoked in the AdminGuard (a copied cookie stops working
 * too, not just this browser's) and the cookie cleared.
 */
export async function signOutRoute(c: Context<AppEnv>): Promise<Response> {
  if (!isSameOrigin(c.req.raw)) return c.text("This sign-out did not come from this edge's own page.", 403, PAGE_HEADERS);
  const session = await currentSession(c);
  if (session.ok) await adminGuardOf(c.env).revokeSession(session.claims.sid, session.claims.exp * 1000);
  return new Response(null, { status: 303, headers: { ...PAGE_HEADERS, Location: "/dashboard", "Set-Cookie": clearedSessionCookie(c.req.url) } });
}
