import { z } from "zod";
import type { CorsOrigins } from "../http/cors-policy.ts";

/**
 * CORS_ORIGINS: `*` (any page may call the paid, discovery and MCP routes: x402 needs no cookie,
 * the payment is the credential) or a comma-separated list of exact origins. A browser sends its
 * Origin as scheme://host[:port] with nothing after it, so anything else in the list could never
 * match: it is refused as the operator's typo rather than silently never allowing anyone.
 */
export const CorsOriginsSchema = z
  .string()
  .default("*")
  .transform((text, ctx): CorsOrigins => {
    const entries = text
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (entries.length === 1 && entries[0] === "*") return "*";
    const origins: string[] = [];
    for (const entry of entries) {
      const origin = originOf(entry);
      if (origin) origins.push(origin);
      else ctx.addIssue({ code: "custom", message: `"${entry}" is not an origin: use * alone, or origins such as https://app.example.com (scheme://host[:port], no path)` });
    }
    if (entries.length === 0) ctx.addIssue({ code: "custom", message: "must be * or at least one origin" });
    return [...new Set(origins)];
  });

/** The entry as a browser would send it in Origin (lower-case host, default port dropped), or null. */
function originOf(entry: string): string | null {
  if (!/^https?:\/\/[^/?#@]+\/?$/i.test(entry)) return null;
  try {
    const url = new URL(entry);
    return url.origin === "null" ? null : url.origin;
  } catch {
    return null;
  }
}
