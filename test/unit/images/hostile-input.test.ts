// Random and mutated inputs: the inspector must never throw, must answer every non-image with a 4xx,
// and must never accept dimensions outside the limits. Seeded, so a failure reproduces.

import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGE_LIMITS, inspectImageInput, type ImageInputResult } from "../../../protocol/image-input.ts";
import { b64, concat, ENCODED_5x3, gif, jpeg, png, PNG_SIGNATURE, webpVp8, webpVp8l, webpVp8x } from "./builders.ts";

/** mulberry32: a small, well-mixed 32-bit PRNG. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  return { int, bytes, pick: <T>(items: readonly T[]) => items[int(items.length)]! };
}

const CODES = new Set(["invalid_image_encoding", "image_url_not_supported", "image_path_not_supported", "image_too_large", "unsupported_image_type", "invalid_image", "image_dimensions_out_of_range"]);

function inspectSafely(value: string): ImageInputResult {
  let result: ImageInputResult | undefined;
  expect(() => (result = inspectImageInput(value))).not.toThrow();
  return result!;
}

/** Accepted results must be within the limits; refusals must be well formed. */
function expectWellFormed(result: ImageInputResult) {
  if (result.ok) {
    const { width, height } = result;
    expect(width).toBeGreaterThanOrEqual(DEFAULT_IMAGE_LIMITS.minSide);
    expect(height).toBeGreaterThanOrEqual(DEFAULT_IMAGE_LIMITS.minSide);
    expect(Math.max(width, height)).toBeLessThanOrEqual(DEFAULT_IMAGE_LIMITS.maxSide);
    expect(width * height).toBeLessThanOrEqual(DEFAULT_IMAGE_LIMITS.maxPixels);
    expect(Buffer.from(result.base64, "base64").toString("base64")).toBe(result.base64);
  } else {
    expect([400, 413, 415]).toContain(result.status);
    expect(CODES).toContain(result.code);
    expect(result.message.length).toBeGreaterThan(10);
  }
}

const SEEDS = [1, 2, 3];

describe("hostile input", () => {
  it.each(SEEDS)("random bytes as base64 are refused with a 4xx (seed %i)", (seed) => {
    const random = prng(seed);
    for (let i = 0; i < 500; i++) {
      const result = inspectSafely(b64(random.bytes(random.int(300))));
      expect(result.ok).toBe(false);
      expectWellFormed(result);
    }
  });

  it.each(SEEDS)("random text is refused with a 4xx (seed %i)", (seed) => {
    const random = prng(seed);
    const alphabet = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "=", " ", "\n", "\r", "\t", ":", ".", "/", "\\", "~", "-", "_", "%", ",", ";", "é", "\u0000", "\u2028", "😀"];
    const prefixes = ["", "", "data:", "data:image/png;base64,", "data:;base64,", "//", "/", "./", "~/", "C:\\", "http://", " "];
    for (let i = 0; i < 500; i++) {
      const text = random.pick(prefixes) + Array.from({ length: random.int(120) }, () => random.pick(alphabet)).join("");
      const result = inspectSafely(text);
      expect(result.ok).toBe(false);
      expectWellFormed(result);
    }
  });

  it.each(SEEDS)("random bytes behind each image signature never throw or break the limits (seed %i)", (seed) => {
    const random = prng(seed);
    const signatures = [PNG_SIGNATURE, [0xff, 0xd8, 0xff], [...Buffer.from("GIF89a")], [...Buffer.from("RIFF\0\0\0\0WEBPVP8 ")], [...Buffer.from("RIFF\0\0\0\0WEBPVP8L")], [...Buffer.from("RIFF\0\0\0\0WEBPVP8X")]];
    for (let i = 0; i < 500; i++) {
      expectWellFormed(inspectSafely(b64(concat(random.pick(signatures), random.bytes(random.int(64))))));
    }
  });

  it.each(SEEDS)("valid images, truncated or with bytes flipped, never throw or break the limits (seed %i)", (seed) => {
    const random = prng(seed);
    const images = [png(30, 20), gif(3, 2), jpeg(30, 20), webpVp8(30, 20), webpVp8l(30, 20), webpVp8x(30, 20), ...Object.values(ENCODED_5x3).map((s) => new Uint8Array(Buffer.from(s, "base64")))];
    for (let i = 0; i < 500; i++) {
      const bytes = random.pick(images).slice();
      for (let flips = random.int(4); flips > 0; flips--) bytes[random.int(Math.min(bytes.length, 64))] = random.int(256);
      expectWellFormed(inspectSafely(b64(bytes.subarray(0, random.int(bytes.length + 1)))));
    }
  });

  it("a JPEG of a megabyte of fill bytes ends quickly as invalid_image", () => {
    const bytes = concat([0xff, 0xd8], new Uint8Array(1_000_000).fill(0xff));
    expect(inspectImageInput(b64(bytes))).toMatchObject({ ok: false, code: "invalid_image" });
  });

  it("text of ten million characters that is not base64 is refused, without a stack overflow", () => {
    // isStrictBase64's regular expression throws RangeError on strings this long.
    expect(inspectImageInput(`${"A".repeat(10_000_000)}!`)).toMatchObject({ ok: false, code: "invalid_image_encoding" });
    expect(inspectImageInput(`${"AAAA\n".repeat(2_000_000)}!`)).toMatchObject({ ok: false, code: "invalid_image_encoding" });
    expect(inspectImageInput("\n".repeat(15_000_000))).toMatchObject({ ok: false, code: "invalid_image_encoding", message: "image is empty" });
  });

  it("whitespace that makes the text a quarter longer than the largest image is refused as too large", () => {
    const limits = { ...DEFAULT_IMAGE_LIMITS, maxBytes: 30_000 }; // 40,000 characters of base64
    const bytes = concat(png(30, 20), new Uint8Array(30_000 - png(30, 20).length));
    const spaced = (every: number) => b64(bytes).replace(new RegExp(`(.{${every}})`, "g"), "$1 ");
    expect(inspectImageInput(spaced(8), limits)).toMatchObject({ ok: true, bytes: 30_000 }); // 12.5% whitespace
    expect(inspectImageInput(spaced(2), limits)).toMatchObject({ ok: false, status: 413, code: "image_too_large" }); // 50%
  });
});
