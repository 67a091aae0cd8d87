import { request } from "node:http";
import { crc32, deflateSync } from "node:zlib";

// Shared by the stand-in's tests: image fixtures and a raw HTTP client that can send any Host header.

/** A valid PNG (signature, IHDR, IDAT, IEND with correct CRCs) of one grey colour. */
export function pngImage(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  const rows = Buffer.alloc(height * (width + 1), 0x80);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0; // filter byte per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The marker segments of a baseline JPEG up to its frame header (SOI, APP0/JFIF, SOF0, EOI). */
export function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const sof0 = Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, 0, 0, 0, 0, 0x01, 0x01, 0x11, 0x00]);
  sof0.writeUInt16BE(height, 5);
  sof0.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof0, Buffer.from([0xff, 0xd9])]);
}

/** A RIFF/WEBP container with a VP8L (lossless) header of the given size. */
export function webpHeader(width: number, height: number): Buffer {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  const vp8l = Buffer.alloc(5);
  vp8l.writeUInt8(0x2f, 0); // VP8L signature
  vp8l.writeUInt32LE(bits >>> 0, 1);
  const payload = Buffer.concat([Buffer.from("VP8L", "latin1"), Buffer.from([vp8l.length, 0, 0, 0]), vp8l]);
  const riffSize = Buffer.alloc(4);
  riffSize.writeUInt32LE(4 + payload.length);
  return Buffer.concat([Buffer.from("RIFF", "latin1"), riffSize, Buffer.from("WEBP", "latin1"), payload]);
}

export const GIF_1X1 = Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, because fetch will not let a test choose the Host header. */
export function rawRequest(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  const target = new URL(options.path, url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: options.method ?? "GET", headers: options.headers, setHost: options.headers?.Host === undefined },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** POSTs JSON with fetch and returns status, content type and parsed body (or text). */
export async function postJson(url: string, path: string, body: unknown): Promise<{ status: number; contentType: string | null; body: unknown; text: string }> {
  const response = await fetch(new URL(path, url), { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (NDJSON or plain text): the text is the body
  }
  return { status: response.status, contentType: response.headers.get("content-type"), body: parsed, text };
}

/** Parses an NDJSON body into its lines. */
export function ndjsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** ollama-js throws ResponseError without exporting the class; tests read its fields by name. */
export interface ResponseErrorShape {
  name: string;
  message: string;
  status_code: number;
}

export async function caught(promise: Promise<unknown>): Promise<ResponseErrorShape> {
  try {
    await promise;
  } catch (error) {
    return error as ResponseErrorShape;
  }
  throw new Error("expected the promise to reject");
}
