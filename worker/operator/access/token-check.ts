import type { AttemptVerdict } from "./attempt-limit.ts";

const encoder = new TextEncoder();

/** The guard object every admin-token check goes through (one per edge). */
export const adminGuardOf = (env: Env) => env.ADMIN_GUARD.getByName("admin");

/**
 * Checks a presented admin token: compared as SHA-256 digests in constant time (neither content nor
 * length leaks through timing), then counted by the AdminGuard, which refuses an address that has
 * guessed too often — even when this guess is right.
 */
export async function checkAdminToken(env: Env, expected: string, presented: string, address: string): Promise<AttemptVerdict> {
  const [a, b] = await Promise.all([digest(expected), digest(presented)]);
  return adminGuardOf(env).attempt(address, crypto.subtle.timingSafeEqual(a, b));
}

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}
