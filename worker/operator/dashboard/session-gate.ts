import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../../app-context.ts";
import { adminGuardOf } from "../access/token-check.ts";
import { readSession, SESSION_COOKIE, type SessionCheck } from "./session-cookie.ts";

/** The request's dashboard session: signed by this edge's key, unexpired, and not signed out. */
export async function currentSession(c: Context<AppEnv>): Promise<SessionCheck | { ok: false; code: "signed_out" | "dashboard_disabled" }> {
  const token = c.var.config.adminToken;
  if (!token) return { ok: false, code: "dashboard_disabled" };
  const check = await readSession(token, getCookie(c, SESSION_COOKIE), Date.now());
  if (!check.ok) return check;
  if (await adminGuardOf(c.env).sessionRevoked(check.claims.sid)) return { ok: false, code: "signed_out" };
  return check;
}
