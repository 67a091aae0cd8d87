// A deterministic stand-in for a BPE tokenizer: a word (letters, digits, underscore) or one other
// character, each carrying the whitespace before it. Pieces concatenate back to the exact text, so a
// streamed reply is the reply, and counts are stable across runs.
const PIECE = /\s*(?:[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_])|\s+$/gu;

export function splitTokens(text: string): string[] {
  return text.match(PIECE) ?? [];
}

export function countTokens(text: string): number {
  return splitTokens(text).length;
}

/** A plausible vocabulary id for a piece (Qwen2's vocabulary has 151,643 regular tokens). */
export function tokenId(piece: string): number {
  return fnv1a(piece) % 151_643;
}

export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
