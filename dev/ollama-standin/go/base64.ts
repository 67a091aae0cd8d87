// encoding/json decodes a JSON string into []byte (Ollama's ImageData) with base64.StdEncoding.
// A port of its decodeQuantum, so a data: URI or a stray character fails with Go's own message,
// e.g. "illegal base64 data at input byte 4".

export type Base64Result = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;
const isNewline = (b: number | undefined) => b === 0x0a || b === 0x0d;

export function decodeGoBase64(text: string): Base64Result {
  const src = Buffer.from(text, "utf8");
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const quantum = decodeQuantum(src, si);
    out.push(...quantum.bytes);
    if (quantum.errorAt !== undefined) return { ok: false, message: `illegal base64 data at input byte ${quantum.errorAt}` };
    si = quantum.next;
  }
  return { ok: true, bytes: Uint8Array.from(out) };
}

interface Quantum {
  next: number;
  bytes: number[];
  errorAt?: number;
}

function decodeQuantum(src: Uint8Array, start: number): Quantum {
  const sextets = [0, 0, 0, 0];
  let si = start;
  let length = 4;
  let trailingErrorAt: number | undefined;
  for (let j = 0; j < 4; j++) {
    if (si === src.length) {
      // StdEncoding pads, so a quantum cut short is an error unless nothing of it was read.
      if (j === 0) return { next: si, bytes: [] };
      return { next: si, bytes: [], errorAt: si - j };
    }
    const input = src[si] ?? 0;
    si++;
    const value = DECODE[input] ?? -1;
    if (value >= 0) {
      sextets[j] = value;
      continue;
    }
    if (isNewline(input)) {
      j--;
      continue;
    }
    if (input !== PAD || j < 2) return { next: si, bytes: [], errorAt: si - 1 };
    if (j === 2) {
      // "==" is expected; the first "=" is consumed.
      while (si < src.length && isNewline(src[si])) si++;
      if (si === src.length) return { next: si, bytes: [], errorAt: src.length };
      if (src[si] !== PAD) return { next: si, bytes: [], errorAt: si - 1 };
      si++;
    }
    while (si < src.length && isNewline(src[si])) si++;
    if (si < src.length) trailingErrorAt = si;
    length = j;
    break;
  }
  const value = (sextets[0]! << 18) | (sextets[1]! << 12) | (sextets[2]! << 6) | sextets[3]!;
  const bytes = [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff].slice(0, length - 1);
  return trailingErrorAt === undefined ? { next: si, bytes } : { next: si, bytes, errorAt: trailingErrorAt };
}
