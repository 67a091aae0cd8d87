import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-context.ts";
import { jsonError } from "../http/json-error.ts";
import { clientAddressKey } from "./access/client-address.ts";
import { checkAdminToken } from "./access/token-check.ts";

/**
 * Bearer-token guard for /admin. Tokens are compared as SHA-256 digests with a constant-time
 * compare, so neither content nor length leaks through timing; wrong ones are counted per client
 * address by the AdminGuard (with the dashboard's sign-in form), which answers 429 once an address
 * has guessed too often.
 */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.var.config.adminToken;
    const presented = /^Bearer\s+(.+)$/i.exec(c.req.header("Authorization") ?? "")?.[1]?.trim();
    const unauthorized = () =>
      jsonError(401, "unauthorized", expected ? "admin endpoints need Authorization: Bearer <ADMIN_TOKEN>" : "admin endpoints are disabled: set the ADMIN_TOKEN secret", undefined, {
        "WWW-Authenticate": 'Bearer realm="edge402-admin"',
      });
    if (!expected || !presented) return unauthorized();
    const verdict = await checkAdminToken(c.env, expected, presented, clientAddressKey(c.req.raw));
    if (!verdict.ok && verdict.code === "too_many_attempts") {
      return jsonError(429, "too_many_attempts", "too many wrong admin tokens from this address; wait and try again", undefined, { "Retry-After": String(verdict.retryAfterSeconds) });
    }
    if (!verdict.ok) return unauthorized();
    await next();
  };
}
