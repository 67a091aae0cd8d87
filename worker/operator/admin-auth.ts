import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-context.ts";
import { jsonError } from "../http/json-error.ts";

const encoder = new TextEncoder();

/**
 * Bearer-token guard for /admin. Tokens are compared as SHA-256 digests with a constant-time
 * compare, so neither content nor length leaks through timing.
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
    const [a, b] = await Promise.all([digest(expected), digest(presented)]);
    if (!crypto.subtle.timingSafeEqual(a, b)) return unauthorized();
    await next();
  };
}

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}
