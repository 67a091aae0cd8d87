import { describe, expect, it } from "vitest";
import { isStrictBase64 } from "../../../protocol/base64.ts";
import { DEFAULT_IMAGE_LIMITS, inspectImageInput, type ImageInputResult, type ImageLimits } from "../../../protocol/image-input.ts";
import { ascii, b64, concat, ENCODED_5x3, gif, jpeg, jpegWithoutFrame, png, PNG_SIGNATURE, pngChunk, u16le, u32be, u32le, webpVp8, webpVp8l, webpVp8x } from "./builders.ts";

/** A real 1×1 PNG, the same one the job-spec tests use. */
const PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PNG_300x200 = png(300, 200);

const refusal = (result: ImageInputResult) => (result.ok ? result : { status: result.status, code: result.code });
const limits = (overrides: Partial<ImageLimits>): ImageLimits => ({ ...DEFAULT_IMAGE_LIMITS, ...overrides });
const wrap = (text: string, width: number, newline: string) => text.replace(new RegExp(`(.{${width}})`, "g"), `$1${newline}`);

describe("inspectImageInput accepts", () => {
  it("has the documented default limits", () => {
    expect(DEFAULT_IMAGE_LIMITS).toEqual({ maxBytes: 10 * 1024 * 1024, maxSide: 8192, maxPixels: 40_000_000, minSide: 1 });
  });

  it.each([
    ["png", 1, 1, png(1, 1)],
    ["png", 300, 200, PNG_300x200],
    ["gif", 1, 1, gif(1, 1)],
    ["gif", 300, 200, gif(300, 200)],
    ["gif", 7, 5, gif(7, 5, "87a")],
    ["jpeg", 1, 1, jpeg(1, 1)],
    ["jpeg", 300, 200, jpeg(300, 200)],
    ["jpeg", 300, 200, jpeg(300, 200, { sofMarker: 0xc2 })],
    ["webp", 300, 200, webpVp8(300, 200)],
    ["webp", 300, 200, webpVp8l(300, 200)],
    ["webp", 300, 200, webpVp8x(300, 200)],
  ] as const)("a %s of %i×%i", (type, width, height, bytes) => {
    expect(inspectImageInput(b64(bytes))).toEqual({ ok: true, type, base64: b64(bytes), bytes: bytes.length, width, height });
  });

  it.each([
    ["webp", ENCODED_5x3.webpLossy],
    ["webp", ENCODED_5x3.webpLossless],
    ["webp", ENCODED_5x3.webpExtendedAlpha],
    ["jpeg", ENCODED_5x3.jpegBaseline],
    ["jpeg", ENCODED_5x3.jpegProgressive],
  ] as const)("a 5×3 %s written by a real encoder", (type, base64) => {
    expect(inspectImageInput(base64)).toEqual({ ok: true, type, base64, bytes: Buffer.from(base64, "base64").length, width: 5, height: 3 });
  });

  it("the 1×1 PNG the job specs use", () => {
    expect(inspectImageInput(PNG_1x1)).toMatchObject({ ok: true, type: "png", width: 1, height: 1, base64: PNG_1x1, bytes: 70 });
  });

  it.each([
    ["the true mime type", "data:image/png;base64,"],
    ["a lying mime type", "data:image/gif;base64,"],
    ["a non-image mime type", "data:application/octet-stream;base64,"],
    ["text/plain", "data:text/plain;base64,"],
    ["no mime type", "data:;base64,"],
    ["parameters before base64", "data:image/png;name=cat.png;charset=binary;base64,"],
    ["upper case", "DATA:IMAGE/PNG;BASE64,"],
    ["leading whitespace", "\n  data:image/jpeg;base64,"],
  ])("a data: URL with %s; the bytes decide and the prefix is dropped", (_name, prefix) => {
    expect(inspectImageInput(prefix + b64(PNG_300x200))).toEqual({ ok: true, type: "png", base64: b64(PNG_300x200), bytes: PNG_300x200.length, width: 300, height: 200 });
  });

  it.each([
    ["wrapped at 76 with LF (base64 CLI)", (t: string) => `${wrap(t, 76, "\n")}\n`],
    ["wrapped at 64 with CRLF (openssl, Windows)", (t: string) => wrap(t, 64, "\r\n")],
    ["surrounded by spaces and tabs", (t: string) => ` \t${t}\t \n`],
    ["inside a data: URL", (t: string) => `data:image/jpeg;base64,\n${wrap(t, 76, "\n")}`],
  ])("base64 %s, returning it without the whitespace", (_name, format) => {
    const bytes = jpeg(300, 200);
    const input = format(b64(bytes));
    expect(input).toMatch(/\s/);
    expect(inspectImageInput(input)).toEqual({ ok: true, type: "jpeg", base64: b64(bytes), bytes: bytes.length, width: 300, height: 200 });
  });

  it.each([1, 2])("base64 with non-zero unused trailing bits (%i padding), returning canonical base64", (padding) => {
    // Grow the PNG (bytes after IEND are ignored) until its base64 ends in the padding wanted.
    let bytes = png(2, 2);
    while (b64(bytes).match(/=*$/)![0].length !== padding) bytes = concat(bytes, [0]);
    const canonical = b64(bytes);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = canonical.length - padding - 1;
    const sloppy = canonical.slice(0, last) + alphabet[alphabet.indexOf(canonical[last]!) | 1] + "=".repeat(padding);
    expect(sloppy).not.toBe(canonical);
    expect(Buffer.from(sloppy, "base64")).toEqual(Buffer.from(bytes));
    expect(inspectImageInput(sloppy)).toMatchObject({ ok: true, base64: canonical, bytes: bytes.length });
  });
});

describe("inspectImageInput refuses", () => {
  it.each([
    ["null", null],
    ["a number", 42],
    ["an object", { url: "x" }],
    ["an array", [PNG_1x1]],
  ])("%s instead of a string", (_name, value) => {
    expect(refusal(inspectImageInput(value as unknown as string))).toEqual({ status: 400, code: "invalid_image_encoding" });
  });

  it.each([
    ["an empty string", ""],
    ["only whitespace", " \n\t "],
    ["prose", "a picture of a cat"],
    ["a JSON-ish string", '{"image":"cat"}'],
    ["base64url", b64(jpeg(8, 8)).replace(/\+/g, "-").replace(/\//g, "_")],
    ["base64 without its padding", PNG_1x1.replace(/=+$/, "")],
    ["base64 cut short", PNG_1x1.slice(0, -5)],
    ["characters after the padding", `${PNG_1x1}QUFB`],
    ["three padding characters", "QQ===="],
    ["non-ASCII", `${PNG_1x1.slice(0, 20)}é${PNG_1x1.slice(21)}`],
    ["a percent-encoded data: URL", `data:image/png,${encodeURIComponent(String.fromCharCode(...png(1, 1)))}`],
    ["a data: URL without a comma", "data:image/png;base64"],
    ["a data: URL whose header is too long", `data:image/png;${"x=y;".repeat(80)}base64,${PNG_1x1}`],
    ["a data: URL with invalid base64", "data:image/png;base64,not base64!"],
    ["a data: URL with an empty payload", "data:image/png;base64,"],
    ["base64 written as a token, not a parameter", `data:base64,${PNG_1x1}`],
  ])("%s as invalid_image_encoding", (_name, value) => {
    const result = inspectImageInput(value);
    expect(refusal(result)).toEqual({ status: 400, code: "invalid_image_encoding" });
    expect(result.ok || result.message.length).toBeGreaterThan(10);
  });

  it("says base64url and missing padding by name", () => {
    expect(inspectImageInput("_9j_4AAQ")).toMatchObject({ message: expect.stringContaining("base64url") });
    expect(inspectImageInput("iVBORw0KGgo")).toMatchObject({ message: expect.stringContaining("padding") });
  });

  it.each([
    "https://example.com/cat.png",
    "http://127.0.0.1:11434/api/tags",
    "HTTPS://EXAMPLE.COM/CAT.PNG",
    "file:///etc/passwd",
    "file:cat.png",
    "ftp://example.com/cat.png",
    "s3://bucket/cat.png",
    "//cdn.example.com/cat.png",
    "//8AAAAA", // a scheme-relative URL that is also valid base64 of bytes no image starts with
    "  https://example.com/cat.png  ",
  ])("the URL %j: the edge never fetches", (value) => {
    const result = inspectImageInput(value);
    expect(refusal(result)).toEqual({ status: 400, code: "image_url_not_supported" });
    expect(result.ok || result.message).toContain("never fetched");
  });

  it.each([
    "/etc/hostname",
    "/etc/passwd",
    "/usr/bin/python3",
    "/home/agent/AAAA",
    "./cat.png",
    "../images/cat.png",
    "~/Pictures/cat.png",
    "~agent/cat.png",
    "C:\\Users\\me\\cat.png",
    "c:/Users/me/My Pictures/cat.png",
    "\\\\server\\share\\cat.png",
  ])("the file path %j: the runner never reads files", (value) => {
    const result = inspectImageInput(value);
    expect(refusal(result)).toEqual({ status: 400, code: "image_path_not_supported" });
    expect(result.ok || result.message).toContain("not a file path");
  });

  it("a path that is also valid base64, judged by its decoded bytes", () => {
    expect(isStrictBase64("/usr/bin/python3")).toBe(true);
    expect(isStrictBase64("/home/agent/AAAA")).toBe(true);
    // In a data: URL the sender said it is bytes: they are simply not an image.
    expect(refusal(inspectImageInput("data:image/png;base64,/usr/bin/python3"))).toEqual({ status: 415, code: "unsupported_image_type" });
  });

  it("base64 of a real image that happens to start with '/' (every JPEG does) is never taken for a path", () => {
    expect(b64(jpeg(1, 1))).toMatch(/^\/9j\//);
    expect(inspectImageInput(b64(jpeg(1, 1)))).toMatchObject({ ok: true, type: "jpeg" });
    // A corrupt one is an invalid image, not a path.
    expect(refusal(inspectImageInput(b64(jpegWithoutFrame())))).toEqual({ status: 400, code: "invalid_image" });
  });

  describe("too large", () => {
    it("a 100 MB string, before decoding or even reading it", () => {
      const huge = "A".repeat(100_000_000);
      expect(refusal(inspectImageInput(huge))).toEqual({ status: 413, code: "image_too_large" });
      expect(refusal(inspectImageInput(`data:image/png;base64,${huge}`))).toEqual({ status: 413, code: "image_too_large" });
    });

    it("a string just past the limit, found while scanning", () => {
      const small = limits({ maxBytes: 3000 });
      const base64 = b64(concat(PNG_300x200, new Uint8Array(3003 - PNG_300x200.length)));
      expect(refusal(inspectImageInput(base64, small))).toEqual({ status: 413, code: "image_too_large" });
    });

    it.each([0, 1, 2])("at exactly maxBytes, and one byte over (size ≡ %i mod 3)", (residue) => {
      let bytes = png(4, 4);
      while (bytes.length % 3 !== residue) bytes = concat(bytes, [0]);
      const base64 = b64(bytes);
      expect(inspectImageInput(base64, limits({ maxBytes: bytes.length }))).toMatchObject({ ok: true, bytes: bytes.length });
      const over = inspectImageInput(base64, limits({ maxBytes: bytes.length - 1 }));
      expect(refusal(over)).toEqual({ status: 413, code: "image_too_large" });
      expect(over.ok || over.message).toBe(`image is ${bytes.length} bytes; the limit is ${bytes.length - 1}`);
    });

    it("whitespace does not count towards the size", () => {
      const base64 = b64(PNG_300x200);
      const wrapped = wrap(base64, 76, "\r\n");
      expect(inspectImageInput(wrapped, limits({ maxBytes: PNG_300x200.length }))).toMatchObject({ ok: true, base64 });
    });

    it("an image of nearly 10 MiB, the default limit", () => {
      // Bytes after IEND are ignored by decoders; a 14-million-character string is what matters here.
      const bytes = concat(PNG_300x200, new Uint8Array(DEFAULT_IMAGE_LIMITS.maxBytes - PNG_300x200.length));
      const base64 = b64(bytes);
      expect(inspectImageInput(base64)).toMatchObject({ ok: true, type: "png", bytes: DEFAULT_IMAGE_LIMITS.maxBytes, width: 300, height: 200 });
      expect(refusal(inspectImageInput(b64(concat(bytes, [0]))))).toEqual({ status: 413, code: "image_too_large" });
    });
  });

  it.each([
    ["a PDF", ascii("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), "a PDF"],
    ["a BMP", concat(ascii("BM"), u32le(70), [0, 0, 0, 0], u32le(54), u32le(40), u32le(1), u32le(1), new Uint8Array(40)), "a BMP"],
    ["a TIFF", concat(ascii("II*\0"), u32le(8), new Uint8Array(16)), "a TIFF"],
    ["a HEIC", concat(u32be(24), ascii("ftypheic"), new Uint8Array(12)), "a HEIC"],
    ["an AVIF", concat(u32be(24), ascii("ftypavif"), new Uint8Array(12)), "an AVIF"],
    ["an SVG", ascii('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'), "SVG"],
    ["a shell script", ascii("#!/bin/sh\ncurl evil | sh\n"), undefined],
    ["a WAV (RIFF but not WEBP)", concat(ascii("RIFF"), u32le(36), ascii("WAVEfmt "), new Uint8Array(24)), undefined],
    ["a PNG signature cut short", Uint8Array.from(PNG_SIGNATURE.slice(0, 6)), undefined],
  ])("%s as unsupported_image_type", (_name, bytes, named) => {
    const result = inspectImageInput(b64(bytes));
    expect(refusal(result)).toEqual({ status: 415, code: "unsupported_image_type" });
    if (named) expect(result.ok || result.message).toContain(named);
  });

  it("a non-image behind a data: URL that claims image/png", () => {
    expect(refusal(inspectImageInput(`data:image/png;base64,${b64(ascii("%PDF-1.4\n"))}`))).toEqual({ status: 415, code: "unsupported_image_type" });
  });

  it.each([
    ["a PNG cut inside its IHDR", png(300, 200).subarray(0, 24)],
    ["a PNG cut before the IHDR checksum", png(300, 200).subarray(0, 30)],
    ["a PNG with a wrong IHDR checksum", (() => { const bytes = png(300, 200); bytes[32]! ^= 0xff; return bytes; })()],
    ["a PNG with dimensions edited but not its checksum", (() => { const bytes = png(300, 200); bytes[19] = 0x01; return bytes; })()],
    ["a PNG whose first chunk is not IHDR", concat(PNG_SIGNATURE, pngChunk("tEXt", ascii("Comment\0hello")), pngChunk("IEND", []))],
    ["a GIF cut inside its screen descriptor", gif(300, 200).subarray(0, 10)],
    ["a JPEG with no frame header", jpegWithoutFrame()],
    ["a JPEG cut inside its frame header", jpeg(300, 200).subarray(0, 2 + 18 + 69 + 6)],
    ["a JPEG that is only its signature", Uint8Array.from([0xff, 0xd8, 0xff])],
    ["a WebP cut before its first chunk", webpVp8(300, 200).subarray(0, 16)],
    ["a WebP cut inside its VP8 frame header", webpVp8(300, 200).subarray(0, 28)],
    ["a WebP with an unknown first chunk", concat(ascii("RIFF"), u32le(24), ascii("WEBPVP9 "), u32le(12), new Uint8Array(12))],
    ["a WebP VP8 without its start code", (() => { const bytes = webpVp8(300, 200); bytes[23] = 0; return bytes; })()],
    ["a WebP VP8L with a wrong signature", (() => { const bytes = webpVp8l(300, 200); bytes[20] = 0x2e; return bytes; })()],
    ["a WebP VP8L of an unknown version", webpVp8l(300, 200, 1)],
  ])("%s as invalid_image", (_name, bytes) => {
    const result = inspectImageInput(b64(bytes));
    expect(refusal(result)).toEqual({ status: 400, code: "invalid_image" });
  });

  it.each([
    ["a PNG of width 0", png(1, 1, { width: 0 })],
    ["a PNG of height 0", png(1, 1, { height: 0 })],
    ["a PNG of 2³²-1 × 2³²-1", png(1, 1, { width: 0xffffffff, height: 0xffffffff })],
    ["a PNG wider than 8192", png(1, 1, { width: 8193 })],
    ["a PNG of 8192 × 8192 (67 megapixels)", png(1, 1, { width: 8192, height: 8192 })],
    ["a GIF of 0 × 0", concat(gif(1, 1).subarray(0, 6), u16le(0), u16le(0), gif(1, 1).subarray(10))],
    ["a GIF of 65535 × 65535", concat(gif(1, 1).subarray(0, 6), u16le(65535), u16le(65535), gif(1, 1).subarray(10))],
    ["a JPEG whose height comes later (DNL)", jpeg(300, 0)],
    ["a JPEG of 65535 × 65535", jpeg(65535, 65535)],
    ["a WebP VP8 of width 0", webpVp8(0, 200)],
    ["a WebP VP8L of 16384 × 16384", webpVp8l(16384, 16384)],
    ["a WebP VP8X of 2²⁴ × 1", webpVp8x(2 ** 24, 1)],
  ])("%s as image_dimensions_out_of_range", (_name, bytes) => {
    const result = inspectImageInput(b64(bytes));
    expect(refusal(result)).toEqual({ status: 400, code: "image_dimensions_out_of_range" });
  });

  it("dimensions at each limit, and one past it", () => {
    const check = (bytes: Uint8Array, custom?: ImageLimits) => {
      const result = inspectImageInput(b64(bytes), custom);
      return result.ok || { status: result.status, code: result.code };
    };
    expect(check(png(1, 1, { width: 8192, height: 4882 }))).toBe(true); // 39,993,344 pixels
    expect(check(png(1, 1, { width: 8192, height: 4883 }))).toEqual({ status: 400, code: "image_dimensions_out_of_range" }); // 40,001,536
    expect(check(png(1, 1, { width: 8192, height: 1 }))).toBe(true);
    expect(check(png(1, 1, { width: 1, height: 8193 }))).toEqual({ status: 400, code: "image_dimensions_out_of_range" });
    const atLeast32 = limits({ minSide: 32 });
    expect(check(png(1, 1, { width: 32, height: 32 }), atLeast32)).toBe(true);
    expect(check(png(1, 1, { width: 31, height: 300 }), atLeast32)).toEqual({ status: 400, code: "image_dimensions_out_of_range" });
    expect(check(webpVp8x(2 ** 24, 1), limits({ maxSide: 2 ** 24 }))).toBe(true);
  });

  it("names the dimensions and the limits in the message", () => {
    expect(inspectImageInput(b64(png(1, 1, { width: 9000, height: 10 })))).toMatchObject({
      message: "image is 9000×10; each side must be 1–8192 pixels and the area at most 40000000 pixels",
    });
  });
});
