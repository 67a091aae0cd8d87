// Base64 helpers that behave the same in Node and in workerd (both have atob/btoa).

// Single character classes: linear scans. (A grouped, repeated pattern here overflowed V8's regex
// stack on multi-megabyte images.)
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Standard alphabet, padded, no whitespace: the only form accepted for images and x402 headers. */
export function isStrictBase64(value: string): boolean {
  if (value.length % 4 !== 0 || NOT_BASE64.test(value)) return false;
  const padding = value.indexOf("=");
  if (padding === -1) return true;
  // "=" may only end the text, once or twice.
  return padding >= value.length - 2 && (padding === value.length - 1 || value.charCodeAt(value.length - 1) === 0x3d);
}

export function base64ToBytes(value: string): Uint8Array {
  const binary = atob(value);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  // Chunked so large images do not blow the argument limit of String.fromCharCode.
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Returns null when the text is not unpadded base64url. */
export function base64UrlToBytes(value: string): Uint8Array | null {
  if (!BASE64URL.test(value) || value.length % 4 === 1) return null;
  const padded = value.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (value.length % 4)) % 4);
  return base64ToBytes(padded);
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
