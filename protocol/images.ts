import { base64ToBytes, isStrictBase64 } from "./base64.ts";

export type ImageType = "png" | "jpeg" | "webp" | "gif";

/** Identifies an image by its leading bytes; the declared type of an upload is never trusted. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const at = (i: number) => bytes[i] ?? -1;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47 && at(4) === 0x0d && at(5) === 0x0a && at(6) === 0x1a && at(7) === 0x0a) return "png";
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "jpeg";
  if (at(0) === 0x47 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x38 && (at(4) === 0x37 || at(4) === 0x39) && at(5) === 0x61) return "gif";
  if (at(0) === 0x52 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x46 && at(8) === 0x57 && at(9) === 0x45 && at(10) === 0x42 && at(11) === 0x50) return "webp";
  return null;
}

/**
 * True only for raw base64 (no data: prefix) whose bytes are a known image format.
 * This is what keeps a file path, a URL or arbitrary bytes from ever reaching Ollama:
 * ollama-js (Node build) would read a string naming an existing file from disk.
 */
export function isBase64Image(value: string): boolean {
  if (!isStrictBase64(value) || value.length < 16) return false;
  // Only the head is needed to sniff the type; decoding it is cheap even for large images.
  return sniffImageType(base64ToBytes(value.slice(0, 16))) !== null;
}
