/**
 * Which browser origins may read the edge's answers, and what a CORS answer says. Pure: the
 * middleware (cors.ts) applies it, the config (config/cors-origins.ts) parses CORS_ORIGINS into it.
 */

/** `*`: any page may call (x402 needs no cookie, so no credentials are ever allowed); else exact origins. */
export type CorsOrigins = "*" | readonly string[];

/**
 * The x402 headers a page must read (the 402's terms, the receipt in v2 and v1), and what an
 * x402 or MCP answer carries besides; everything else a page reads is CORS-safelisted already.
 */
export const CORS_EXPOSED_HEADERS = ["PAYMENT-REQUIRED", "PAYMENT-RESPONSE", "X-PAYMENT-RESPONSE", "Retry-After", "Server-Timing", "Mcp-Session-Id"] as const;

/**
 * What a page may send: the payment (v2 and v1 header), a JSON body, and the MCP Streamable HTTP
 * client's own headers. A fixed list rather than echoing Access-Control-Request-Headers, so a page
 * can send nothing the edge did not mean to accept from browsers (no Authorization: /admin is not here).
 */
export const CORS_ALLOWED_HEADERS = ["Content-Type", "PAYMENT-SIGNATURE", "X-PAYMENT", "Mcp-Protocol-Version", "Mcp-Session-Id", "Last-Event-ID"] as const;

/** Chromium caps a preflight's cache at 2 h; asking for longer buys nothing there. */
export const CORS_MAX_AGE_SECONDS = 7200;

/** The origin to allow for this request's Origin header, or null (no CORS headers: the browser withholds the answer). */
export function allowedOrigin(origins: CorsOrigins, requestOrigin: string | null): string | null {
  if (origins === "*") return "*";
  return requestOrigin !== null && origins.includes(requestOrigin) ? requestOrigin : null;
}

/** The headers every answer (simple or preflight) of a CORS route carries. */
export function corsResponseHeaders(origins: CorsOrigins, requestOrigin: string | null): Record<string, string> {
  const allow = allowedOrigin(origins, requestOrigin);
  const headers: Record<string, string> = {};
  if (allow) {
    headers["Access-Control-Allow-Origin"] = allow;
    headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS.join(", ");
  }
  return headers;
}

/** A preflight's headers: the simple ones plus what may be sent, and for how long the browser may remember it. */
export function corsPreflightHeaders(origins: CorsOrigins, requestOrigin: string | null, methods: readonly string[]): Record<string, string> {
  const headers = corsResponseHeaders(origins, requestOrigin);
  if (!headers["Access-Control-Allow-Origin"]) return headers;
  headers["Access-Control-Allow-Methods"] = [...methods, "OPTIONS"].join(", ");
  headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS.join(", ");
  headers["Access-Control-Max-Age"] = String(CORS_MAX_AGE_SECONDS);
  return headers;
}

/** With a list, the answer depends on the Origin header: caches must key on it. With `*` it does not. */
export const corsVariesByOrigin = (origins: CorsOrigins): boolean => origins !== "*";
