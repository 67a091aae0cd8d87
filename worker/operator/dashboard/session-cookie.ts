import { z } from "zod";
import { base64UrlToBytes, bytesToBase64Url, bytesToHex } from "../../../protocol/base64.ts";

/**
 * The dashboard's session: a cookie holding `<claims>.<HMAC-SHA256 of claims>`, both base64url.
 * The HMAC key is derived from ADMIN_TOKEN with HKDF (no second secret to manage; rotating the
 * token signs every session out). Claims: a random session id (so one session can be signed out:
 * AdminGuard.revokeSession), issued-at and expiry; nothing secret is in them.
 */
export const SESSION_COOKIE = "edge402_dashboard";
/** The cookie goes only to the dashboard's own routes, never to /admin or the paid API. */
export const SESSION_PATH = "/dashboard";
export const SESSION_SECONDS = 8 * 60 * 60;

const Claims = z.object({
  v: z.literal(1),
  sid: z.string().regex(/^[0-9a-f]{32}$/),
  iat: z.int().min(0),
  exp: z.int().min(0),
});
export type SessionClaims = z.infer<typeof Claims>;

export type SessionCheck = { ok: true; claims: SessionClaims } | { ok: false; code: "no_session" | "malformed_session" | "bad_signature" | "session_expired" };

const encoder = new TextEncoder();

async function sessionKey(adminToken: string) {
  const material = await crypto.subtle.importKey("raw", encoder.encode(adminToken), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("edge402/dashboard-session"), info: encoder.encode("v1 hmac-sha256") },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

export async function issueSession(adminToken: string, now: number): Promise<{ value: string; claims: SessionClaims }> {
  const sid = bytesToHex(crypto.getRandomValues(new Uint8Array(16)));
  const iat = Math.floor(now / 1000);
  const claims: SessionClaims = { v: 1, sid, iat, exp: iat + SESSION_SECONDS };
  const body = bytesToBase64Url(encoder.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign("HMAC", await sessionKey(adminToken), encoder.encode(body));
  return { value: `${body}.${bytesToBase64Url(new Uint8Array(signature))}`, claims };
}

/** The signature is checked (crypto.subtle.verify: constant time) before the claims are even parsed. */
export async function readSession(adminToken: string, value: string | undefined, now: number): Promise<SessionCheck> {
  if (!value) return { ok: false, code: "no_session" };
  const match = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(value);
  const signature = match && base64UrlToBytes(match[2]!);
  if (!match || !signature) return { ok: false, code: "malformed_session" };
  if (!(await crypto.subtle.verify("HMAC", await sessionKey(adminToken), signature, encoder.encode(match[1]!)))) return { ok: false, code: "bad_signature" };
  let claims: SessionClaims;
  try {
    const parsed = Claims.safeParse(JSON.parse(new TextDecoder().decode(base64UrlToBytes(match[1]!) ?? new Uint8Array())));
    if (!parsed.success) return { ok: false, code: "malformed_session" };
    claims = parsed.data;
  } catch {
    return { ok: false, code: "malformed_session" };
  }
  const nowSeconds = Math.floor(now / 1000);
  if (claims.exp <= nowSeconds || claims.iat > nowSeconds + 60 || claims.exp - claims.iat > SESSION_SECONDS) return { ok: false, code: "session_expired" };
  return { ok: true, claims };
}

/**
 * `Secure` everywhere but loopback, where the local stack serves plain http (browsers would drop a
 * Secure cookie there). SameSite=Strict keeps it off every cross-site request (CSRF, with the
 * Origin check on POSTs); HttpOnly keeps it from the page's own scripts.
 */
export function sessionCookie(value: string, requestUrl: string, maxAgeSeconds = SESSION_SECONDS): string {
  const secure = isLoopback(requestUrl) ? "" : "; Secure";
  return `${SESSION_COOKIE}=${value}; Path=${SESSION_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

export const clearedSessionCookie = (requestUrl: string) => sessionCookie("", requestUrl, 0);

function isLoopback(url: string): boolean {
  const { hostname, protocol } = new URL(url);
  return protocol === "http:" && (hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname));
}
