const encoder = new TextEncoder();

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerTokenOf(header: string | undefined | null): string | null {
  return /^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim() || null;
}

/**
 * Whether a presented secret equals the expected one, in constant time: both are hashed (SHA-256)
 * first, so neither the content nor the length of the expected one leaks through timing.
 */
export async function secretsEqual(expected: string, presented: string): Promise<boolean> {
  const [a, b] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(expected)), crypto.subtle.digest("SHA-256", encoder.encode(presented))]);
  return crypto.subtle.timingSafeEqual(a, b);
}
