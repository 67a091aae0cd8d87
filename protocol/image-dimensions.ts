// Width and height read straight from an image's header: no decoding, no libraries, and no trust.
// Every read is bounds-checked and every loop ends within the byte length, so hostile bytes only
// ever produce { ok: false }.

import type { ImageType } from "./images.ts";

export type ImageDimensions = { ok: true; width: number; height: number } | { ok: false; reason: string };

export function readImageDimensions(type: ImageType, bytes: Uint8Array): ImageDimensions {
  switch (type) {
    case "png":
      return pngDimensions(bytes);
    case "gif":
      return gifDimensions(bytes);
    case "jpeg":
      return jpegDimensions(bytes);
    case "webp":
      return webpDimensions(bytes);
  }
}

const fail = (reason: string): ImageDimensions => ({ ok: false, reason });

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let text = "";
  for (let i = at; i < at + length && i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

// PNG: signature (8), then IHDR must be the first chunk: length 13, "IHDR", width, height (u32 BE),
// five one-byte fields, CRC-32 over type and data. The CRC is checked because Go's image/png (what
// Ollama decodes with) refuses a PNG whose checksum is wrong.
function pngDimensions(bytes: Uint8Array): ImageDimensions {
  if (bytes.length < 33) return fail("PNG is truncated before the end of its IHDR chunk");
  const data = view(bytes);
  if (data.getUint32(8) !== 13 || ascii(bytes, 12, 4) !== "IHDR") return fail("PNG does not start with an IHDR chunk");
  if (crc32(bytes.subarray(12, 29)) !== data.getUint32(29)) return fail("PNG IHDR checksum does not match");
  return { ok: true, width: data.getUint32(16), height: data.getUint32(20) };
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// GIF: "GIF87a"/"GIF89a", then the logical screen descriptor: width, height (u16 LE), packed
// fields, background colour, aspect ratio.
function gifDimensions(bytes: Uint8Array): ImageDimensions {
  if (bytes.length < 13) return fail("GIF is truncated before the end of its logical screen descriptor");
  const data = view(bytes);
  return { ok: true, width: data.getUint16(6, true), height: data.getUint16(8, true) };
}

/** More segments than any real encoder writes before the frame header (EXIF, XMP, ICC in chunks, tables). */
const MAX_JPEG_SEGMENTS = 1024;

// JPEG: walk the marker segments after SOI to the first start-of-frame (SOF0..SOF15 except DHT C4,
// JPG C8 and DAC CC). Fill bytes (runs of FF) are skipped; bytes between segments that are not a
// marker are skipped as libjpeg, stb_image and Go do; standalone markers (TEM, RSTn) carry no length.
function jpegDimensions(bytes: Uint8Array): ImageDimensions {
  const data = view(bytes);
  let at = 2;
  for (let segments = 0; segments < MAX_JPEG_SEGMENTS; segments++) {
    // Find FF followed by a marker code (not FF fill, not a stuffed 00). Each step moves forward.
    while (at + 1 < bytes.length && !(bytes[at] === 0xff && bytes[at + 1] !== 0xff && bytes[at + 1] !== 0x00)) at++;
    if (at + 1 >= bytes.length) return fail("JPEG ends before a start-of-frame marker");
    const marker = bytes[at + 1]!;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9) return fail("JPEG ends (EOI) before a start-of-frame marker");
    if (marker === 0xda) return fail("JPEG scan data starts (SOS) before a start-of-frame marker");
    if (at + 4 > bytes.length) return fail("JPEG is truncated inside a segment header");
    const length = data.getUint16(at + 2);
    if (length < 2) return fail(`JPEG segment FF${hex(marker)} has an impossible length ${length}`);
    const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) {
      // length, precision, height, width, component count: 8 bytes after the marker.
      if (length < 8) return fail(`JPEG start-of-frame FF${hex(marker)} is too short (${length} bytes)`);
      if (at + 10 > bytes.length) return fail("JPEG is truncated inside its start-of-frame segment");
      return { ok: true, height: data.getUint16(at + 5), width: data.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  return fail(`JPEG has more than ${MAX_JPEG_SEGMENTS} segments before a start-of-frame marker`);
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}

// WebP: "RIFF" size "WEBP", then the first chunk: FourCC, size (u32 LE), payload at 20.
//  - "VP8 " (lossy): frame tag (3 bytes, bit 0 = 0 on a key frame), start code 9D 01 2A, then
//    width and height as u16 LE whose top two bits are a scaling hint, not size.
//  - "VP8L" (lossless): signature 2F, then 14 bits width-1, 14 bits height-1, 1 bit alpha, 3 bits version (0).
//  - "VP8X" (extended): flags and 3 reserved bytes, then canvas width-1 and height-1 as u24 LE.
function webpDimensions(bytes: Uint8Array): ImageDimensions {
  if (bytes.length < 20) return fail("WebP is truncated before its first chunk");
  const data = view(bytes);
  const chunk = ascii(bytes, 12, 4);
  const chunkSize = data.getUint32(16, true);
  if (chunk === "VP8 ") {
    if (chunkSize < 10 || bytes.length < 30) return fail("WebP VP8 chunk is truncated before its frame header");
    if ((bytes[20]! & 1) !== 0) return fail("WebP VP8 chunk does not start with a key frame");
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return fail("WebP VP8 chunk has no frame start code");
    return { ok: true, width: data.getUint16(26, true) & 0x3fff, height: data.getUint16(28, true) & 0x3fff };
  }
  if (chunk === "VP8L") {
    if (chunkSize < 5 || bytes.length < 25) return fail("WebP VP8L chunk is truncated before its header");
    if (bytes[20] !== 0x2f) return fail("WebP VP8L chunk has no signature byte");
    const bits = data.getUint32(21, true);
    if (bits >>> 29 !== 0) return fail("WebP VP8L chunk has an unknown version");
    return { ok: true, width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X") {
    if (chunkSize < 10 || bytes.length < 30) return fail("WebP VP8X chunk is truncated before its canvas size");
    const u24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    return { ok: true, width: u24(24) + 1, height: u24(27) + 1 };
  }
  return fail(`WebP starts with an unknown chunk ${JSON.stringify(chunk)}`);
}
