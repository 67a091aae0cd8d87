import { base64ToBytes, bytesToBase64 } from "./base64.ts";
import { isAsciiWhitespace, scanBase64 } from "./image-base64-scan.ts";
import { readImageDimensions } from "./image-dimensions.ts";
import { sniffImageType, type ImageType } from "./images.ts";

export interface ImageLimits {
  /** Decoded bytes. */
  maxBytes: number;
  /** width × height. */
  maxPixels: number;
  /** Longest allowed width or height. */
  maxSide: number;
  /** Shortest allowed width or height. */
  minSide: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxSide: 8192,
  minSide: 1,
};

export type ImageInputResult =
  | {
      ok: true;
      type: ImageType;
      /** Raw (no data: prefix), whitespace-free, canonical standard base64 of the bytes: what Ollama takes. */
      base64: string;
      /** Decoded size. */
      bytes: number;
      width: number;
      height: number;
    }
  | { ok: false; status: 400 | 413 | 415; code: ImageInputErrorCode; message: string };

/** Every code an image input can be refused with, each naming what to fix. */
export const IMAGE_INPUT_ERROR_CODES = [
  "invalid_image_encoding",
  "image_url_not_supported",
  "image_path_not_supported",
  "image_too_large",
  "unsupported_image_type",
  "invalid_image",
  "image_dimensions_out_of_range",
] as const;

export type ImageInputErrorCode = (typeof IMAGE_INPUT_ERROR_CODES)[number];

/** The data: URL header ("data:image/png;param=x;base64,") must fit in this many characters. */
const MAX_DATA_URL_HEADER = 256;
/** The first 64 KiB of bytes hold the header of any PNG, GIF or WebP, and of nearly every JPEG. */
const HEAD_BASE64_CHARS = 4 * Math.ceil(65_536 / 3);
/** Longest text that is still judged a file path rather than base64 of some other file. */
const MAX_PATH_CHARS = 4096;

/**
 * Validates an image an agent sent inline, before any payment is asked: the encoding, the size, the
 * real type (sniffed from the bytes, never taken from a declared mime type) and the dimensions read
 * from the header. Never throws and never fetches or reads anything.
 *
 * Accepted forms:
 *  - raw standard base64 with padding, e.g. "iVBORw0KGgo…";
 *  - `data:[<mime>][;<param>=<value>]*;base64,<base64>`: "data:" and "base64" in any case, the mime
 *    type ignored (the bytes decide), a header of at most 256 characters.
 * ASCII whitespace (space, tab, CR, LF, FF) anywhere in the base64, or around the whole value, is
 * removed first, so the wrapped output of `base64` or `openssl base64` is accepted; it does not count
 * towards `maxBytes`, but text more than a quarter longer than the largest allowed base64 is refused
 * as too large without being read. base64url, missing padding and percent-encoded data URLs are
 * refused with invalid_image_encoding.
 *
 * Checks run in this order, the first failure answering: URL scheme (`http:`, `https:`, `file:`,
 * `scheme://`…) → size → encoding → type → header → dimensions. Raw text that is not base64 of an
 * image is then reported as a URL when it starts with "//", or as a file path when it is one line
 * starting with "/", "./", "../", "~/", "~user/", "C:", "C:/" or "\" (so "/usr/bin/python3",
 * which is valid base64, is called a path, and base64 of a real JPEG, which starts "/9j/", never is).
 *
 * The result's `base64` is canonical: whitespace removed and unused trailing bits cleared.
 *
 * @example
 * const image = inspectImageInput(body.image);
 * if (!image.ok) return c.json({ error: { code: image.code, message: image.message } }, image.status);
 */
export function inspectImageInput(value: string, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): ImageInputResult {
  // The type says string, but this is the first thing to touch an untrusted JSON body.
  if (typeof value !== "string") return refuse(400, "invalid_image_encoding", `image must be a string of base64 or a data: URL, not ${describeValue(value)}`);

  let start = 0;
  while (start < value.length && start < MAX_PATH_CHARS && isAsciiWhitespace(value.charCodeAt(start))) start++;
  const head = value.slice(start, start + MAX_DATA_URL_HEADER + 16);

  let payloadStart = start;
  const isDataUrl = /^data:/i.test(head);
  if (isDataUrl) {
    const header = /^data:([^,]*),/i.exec(head);
    if (!header || header[1]!.length > MAX_DATA_URL_HEADER) {
      return refuse(400, "invalid_image_encoding", `image data: URL has no "," within its first ${MAX_DATA_URL_HEADER} characters`);
    }
    const params = header[1]!.split(";");
    if (params.length < 2 || params.at(-1)!.trim().toLowerCase() !== "base64") {
      return refuse(400, "invalid_image_encoding", 'image data: URL must be base64-encoded ("data:image/png;base64,…")');
    }
    payloadStart = start + header[0].length;
  } else if (/^(?:[a-z][a-z0-9+.-]+:\/\/|(?:https?|file|ftps?|blob|wss?):)/i.test(head)) {
    // A ":" is never base64, so this is decided before looking any further.
    return refuse(400, "image_url_not_supported", `image must be inline base64 or a data: URL; URLs are never fetched (got ${preview(head)})`);
  }

  // Size first, before decoding. Text far longer than the largest image's base64 is refused after
  // one comparison, without being read: a 100 MB string costs nothing.
  const maxChars = 4 * Math.ceil(limits.maxBytes / 3);
  const maxText = Math.ceil(maxChars * 1.25) + 1024; // a quarter for whitespace: line wrapping adds 1–3%
  if (value.length - payloadStart > maxText) {
    return refuse(413, "image_too_large", `image is larger than the limit of ${limits.maxBytes} bytes (its text is ${value.length - payloadStart} characters)`);
  }
  const scan = scanBase64(value, payloadStart, maxChars);
  if (scan.kind === "too_long") return tooLarge(Math.floor((scan.chars * 3) / 4), limits);
  if (scan.kind !== "ok") return notAnImage(value, isDataUrl, () => refuse(400, "invalid_image_encoding", encodingProblem(scan)));
  if (scan.length === 0) return refuse(400, "invalid_image_encoding", "image is empty");
  const bytes = (scan.length / 4) * 3 - scan.padding;
  if (bytes > limits.maxBytes) return tooLarge(bytes, limits);
  const base64 = scan.text;

  // Only the head is decoded to sniff and measure; the whole image is decoded only for a JPEG whose
  // frame header comes later than that (a large EXIF or ICC block).
  let decoded = base64ToBytes(base64.length > HEAD_BASE64_CHARS ? base64.slice(0, HEAD_BASE64_CHARS) : base64);
  const type = sniffImageType(decoded);
  if (type === null) {
    const kind = describeBytes(decoded);
    return notAnImage(value, isDataUrl, () =>
      refuse(415, "unsupported_image_type", `image is not a png, jpeg, webp or gif${kind ? ` (it looks like ${kind})` : ""}`),
    );
  }
  let size = readImageDimensions(type, decoded);
  if (!size.ok && type === "jpeg" && decoded.length < bytes) {
    decoded = base64ToBytes(base64);
    size = readImageDimensions(type, decoded);
  }
  if (!size.ok) return refuse(400, "invalid_image", `image dimensions cannot be read: ${size.reason}`);

  const { width, height } = size;
  if (width < limits.minSide || height < limits.minSide || width > limits.maxSide || height > limits.maxSide || width * height > limits.maxPixels) {
    return refuse(
      400,
      "image_dimensions_out_of_range",
      `image is ${width}×${height}; each side must be ${limits.minSide}–${limits.maxSide} pixels and the area at most ${limits.maxPixels} pixels`,
    );
  }

  return { ok: true, type, base64: canonicalTail(base64, scan.padding), bytes, width, height };
}

function tooLarge(bytes: number, limits: ImageLimits): ImageInputResult {
  return refuse(413, "image_too_large", `image is ${bytes} bytes; the limit is ${limits.maxBytes}`);
}

function refuse(status: 400 | 413 | 415, code: ImageInputErrorCode, message: string): ImageInputResult {
  return { ok: false, status, code, message };
}

/**
 * Raw text that is not an image may have been meant as a reference to one. "//host/x" and
 * "/usr/bin/python3" are valid base64, so this is asked only once the bytes are known not to be
 * an image; a data: URL already said it carries bytes.
 */
function notAnImage(value: string, isDataUrl: boolean, otherwise: () => ImageInputResult): ImageInputResult {
  if (isDataUrl || value.length > MAX_PATH_CHARS) return otherwise();
  const text = value.trim();
  if (text.startsWith("//")) {
    return refuse(400, "image_url_not_supported", `image must be inline base64 or a data: URL; URLs are never fetched (got ${preview(text)})`);
  }
  // A leading "/", "./", "../", "~/", "~user/", "C:\" or "C:/", or "\\server": one line, no control characters.
  if (/^(?:\/|\.{1,2}[\\/]|~[\w.-]*[\\/]|[a-z]:[\\/]|\\\\)[^\x00-\x1f\x7f]*$/i.test(text)) {
    return refuse(400, "image_path_not_supported", `image must be the file's bytes as base64, not a file path; files are never read (got ${preview(text)})`);
  }
  return otherwise();
}

function encodingProblem(scan: ReturnType<typeof scanBase64>): string {
  switch (scan.kind) {
    case "bad_char":
      if (scan.char === "-" || scan.char === "_") return `image is base64url ("${scan.char}" at character ${scan.index}); send standard base64 with padding`;
      if (scan.char === "%") return `image contains "%" at character ${scan.index}: percent-encoded data is not accepted; send base64`;
      return `image is not base64: ${JSON.stringify(scan.char)} at character ${scan.index} (whitespace not counted)`;
    case "data_after_padding":
      return 'image base64 has characters after its "=" padding';
    case "bad_length":
      return `image base64 has ${scan.length} characters, not a multiple of 4: it is truncated or missing its "=" padding`;
    default:
      return "image is not base64";
  }
}

/**
 * base64 of 1 or 2 trailing bytes leaves 4 or 2 unused bits, which atob ignores; clear them so the
 * same bytes always give the same text. Only the last four characters can differ.
 */
function canonicalTail(base64: string, padding: number): string {
  if (padding === 0) return base64;
  const tail = base64.slice(-4);
  const canonical = bytesToBase64(base64ToBytes(tail));
  return canonical === tail ? base64 : base64.slice(0, -4) + canonical;
}

/** Names a few formats agents send by mistake, for the message only. */
function describeBytes(bytes: Uint8Array): string | null {
  const text = String.fromCharCode(...bytes.subarray(0, 12));
  if (text.startsWith("%PDF-")) return "a PDF";
  if (text.startsWith("BM")) return "a BMP";
  if (text.startsWith("II*\0") || text.startsWith("MM\0*")) return "a TIFF";
  if (text.slice(4, 8) === "ftyp") return /^(?:heic|heix|mif1|msf1|hevc)$/.test(text.slice(8, 12)) ? "a HEIC" : /^avi[fs]$/.test(text.slice(8, 12)) ? "an AVIF" : "an ISO media file";
  if (text.startsWith("PK\x03\x04")) return "a ZIP";
  if (/^\s*</.test(text)) return "SVG, HTML or XML text";
  return null;
}

function describeValue(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);
}
