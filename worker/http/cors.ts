import type { Context, MiddlewareHandler } from "hono";
import { corsPreflightHeaders, corsResponseHeaders, corsVariesByOrigin, type CorsOrigins } from "./cors-policy.ts";

/**
 * CORS for one class of routes (paid, discovery, MCP): a browser's x402 client must read a 402's
 * PAYMENT-REQUIRED and a receipt, so every answer of these routes — 402s and errors included, since
 * a page cannot read a refusal without them — gets the headers after the handler ran. A preflight
 * (OPTIONS with Access-Control-Request-Method) is answered here, before any route or payment logic.
 * Mounted only on the routes meant for browsers: /admin, /dashboard, /metrics and /tunnel never
 * see it, so no page on another origin can read them.
 */
export function cors<E extends { Variables: object }>(originsOf: (c: Context<E>) => CorsOrigins, methods: readonly string[]): MiddlewareHandler<E> {
  return async (c, next) => {
    const origins = originsOf(c);
    const requestOrigin = c.req.header("Origin") ?? null;
    if (c.req.method === "OPTIONS" && c.req.header("Access-Control-Request-Method")) {
      const headers = new Headers(corsPreflightHeaders(origins, requestOrigin, methods));
      if (corsVariesByOrigin(origins)) headers.set("Vary", "Origin");
      return new Response(null, { status: 204, headers });
    }
    await next();
    for (const [name, value] of Object.entries(corsResponseHeaders(origins, requestOrigin))) c.header(name, value);
    if (corsVariesByOrigin(origins) && !/(^|,)\s*origin\s*(,|$)/i.test(c.res.headers.get("Vary") ?? "")) c.header("Vary", "Origin", { append: true });
  };
}
