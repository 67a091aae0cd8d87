// Vision input: Ollama accepts PNG, JPEG and WebP. The stand-in identifies them by their leading
// bytes and reads their size from the header; it does not decode pixels.

export type ImageKind = "png" | "jpeg" | "webp";

export interface ImageInfo {
  kind: ImageKind;
  width: number | undefined;
  height: number | undefined;
}

/** Go's image.Decode message for bytes of no registered format. */
export const UNKNOWN_IMAGE_FORMAT = "image: unknown format";

export function inspectImage(bytes: Uint8Array): ImageInfo | null {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length >= 8 && view.subarray(0, 8).equals(PNG_SIGNATURE)) return { kind: "png", ...pngSize(view) };
  if (view.length >= 3 && view[0] === 0xff && view[1] === 0xd8 && view[2] === 0xff) return { kind: "jpeg", ...jpegSize(view) };
  if (view.length >= 12 && view.toString("latin1", 0, 4) === "RIFF" && view.toString("latin1", 8, 12) === "WEBP") {
    return { kind: "webp", ...webpSize(view) };
  }
  return null;
}

/**
 * Prompt tokens one image costs. Qwen2.5-VL covers about 28×28 px per token, and Ollama ≥ 0.30 starts it
 * with --image-min-tokens 1024, so never fewer than 1024.
 */
export function imagePromptTokens(info: ImageInfo): number {
  if (info.width === undefined || info.height === undefined) return 1024;
  return Math.max(1024, Math.ceil(info.width / 28) * Math.ceil(info.height / 28));
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type Size = Pick<ImageInfo, "width" | "height">;
const UNKNOWN_SIZE: Size = { width: undefined, height: undefined };

// IHDR is always the first chunk.
function pngSize(view: Buffer): Size {
  if (view.length < 24) return UNKNOWN_SIZE;
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
}

// Walk the marker segments to the first start-of-frame.
function jpegSize(view: Buffer): Size {
  let at = 2;
  while (at + 4 <= view.length) {
    if (view[at] !== 0xff) return UNKNOWN_SIZE;
    const marker = view[at + 1] ?? 0;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const standalone = marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);
    if (standalone) {
      at += 2;
      continue;
    }
    const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame && at + 9 <= view.length) return { height: view.readUInt16BE(at + 5), width: view.readUInt16BE(at + 7) };
    at += 2 + view.readUInt16BE(at + 2);
  }
  return UNKNOWN_SIZE;
}

function webpSize(view: Buffer): Size {
  const chunk = view.toString("latin1", 12, 16);
  if (chunk === "VP8 " && view.length >= 30) {
    return { width: view.readUInt16LE(26) & 0x3fff, height: view.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === "VP8L" && view.length >= 25) {
    const bits = view.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X" && view.length >= 30) {
    return { width: view.readUIntLE(24, 3) + 1, height: view.readUIntLE(27, 3) + 1 };
  }
  return UNKNOWN_SIZE;
}
