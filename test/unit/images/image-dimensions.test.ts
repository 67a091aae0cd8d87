import { describe, expect, it } from "vitest";
import { readImageDimensions } from "../../../protocol/image-dimensions.ts";
import { inspectImageInput } from "../../../protocol/image-input.ts";
import { b64, concat, jpeg, jpegSegment, sof, webpVp8, webpVp8l, webpVp8x } from "./builders.ts";

const SOI = [0xff, 0xd8];
const EOI = [0xff, 0xd9];
const size = (width: number, height: number) => ({ ok: true, width, height });
const failure = { ok: false, reason: expect.any(String) };

describe("JPEG frame header", () => {
  it.each(["C0", "C1", "C2", "C3", "C5", "C6", "C7", "C9", "CA", "CB", "CD", "CE", "CF"])("is found after FF%s", (marker) => {
    expect(readImageDimensions("jpeg", jpeg(640, 480, { sofMarker: parseInt(marker, 16) }))).toEqual(size(640, 480));
  });

  it.each([
    ["DHT", "C4"],
    ["JPG", "C8"],
    ["DAC", "CC"],
  ])("skips %s (FF%s) as an ordinary segment, though it sits in the SOF range", (_name, marker) => {
    // Its payload looks like a frame header of 1×1: it must not be read as one.
    const decoy = jpegSegment(parseInt(marker, 16), concat([8], [0, 1], [0, 1], [1, 1, 0x11, 0]));
    expect(readImageDimensions("jpeg", jpeg(640, 480, { beforeFrame: decoy }))).toEqual(size(640, 480));
  });

  it("skips fill bytes before a marker", () => {
    expect(readImageDimensions("jpeg", concat(SOI, [0xff, 0xff, 0xff], sof(0xc0, 33, 44), EOI))).toEqual(size(33, 44));
  });

  it("steps over standalone markers (TEM, RSTn), which have no length", () => {
    const standalone = [0xff, 0x01, 0xff, 0xd0, 0xff, 0xd7];
    expect(readImageDimensions("jpeg", concat(SOI, standalone, sof(0xc0, 33, 44), EOI))).toEqual(size(33, 44));
  });

  it("skips stray bytes between segments, as decoders do", () => {
    expect(readImageDimensions("jpeg", concat(SOI, jpegSegment(0xfe, [1, 2]), [0x00, 0x12, 0xff, 0x00], sof(0xc0, 33, 44), EOI))).toEqual(size(33, 44));
  });

  it("follows segment lengths over large metadata (EXIF, ICC)", () => {
    const app1 = jpegSegment(0xe1, new Uint8Array(65_533).fill(0xff)); // full of bytes that would look like markers
    const bytes = jpeg(640, 480, { beforeFrame: concat(app1, app1) });
    expect(readImageDimensions("jpeg", bytes)).toEqual(size(640, 480));
    // The frame header lies past the first 64 KiB the inspector decodes at first.
    expect(inspectImageInput(b64(bytes))).toMatchObject({ ok: true, width: 640, height: 480 });
  });

  it.each([
    ["EOI before any frame", concat(SOI, EOI)],
    ["SOS before any frame", concat(SOI, jpegSegment(0xda, [1, 1, 0, 0, 63, 0]), sof(0xc0, 1, 1))],
    ["a segment length of 0", concat(SOI, [0xff, 0xe0, 0x00, 0x00], sof(0xc0, 1, 1))],
    ["a segment length of 1", concat(SOI, [0xff, 0xe0, 0x00, 0x01], sof(0xc0, 1, 1))],
    ["a segment longer than the file", concat(SOI, [0xff, 0xe0, 0xff, 0xff, 0, 0], sof(0xc0, 1, 1).subarray(0, 4))],
    ["a frame header whose length is too short", concat(SOI, [0xff, 0xc0, 0x00, 0x05, 8, 0, 1, 0, 1, 1])],
    ["only fill bytes", concat(SOI, new Uint8Array(1000).fill(0xff))],
    ["only zeros", concat(SOI, [0xff], new Uint8Array(1000))],
    ["more than 1024 segments before the frame", concat(SOI, ...Array.from({ length: 1100 }, () => [0xff, 0xfe, 0x00, 0x02]), sof(0xc0, 1, 1))],
  ])("is missing after %s", (_name, bytes) => {
    expect(readImageDimensions("jpeg", bytes)).toEqual(failure);
  });
});

describe("WebP", () => {
  it("ignores the VP8 scaling bits above the 14-bit size", () => {
    expect(readImageDimensions("webp", webpVp8(640, 480, 3))).toEqual(size(640, 480));
    expect(readImageDimensions("webp", webpVp8(16383, 16383))).toEqual(size(16383, 16383));
  });

  it("reads VP8L sizes to their 14-bit maximum of 16384", () => {
    expect(readImageDimensions("webp", webpVp8l(1, 1))).toEqual(size(1, 1));
    expect(readImageDimensions("webp", webpVp8l(16384, 3))).toEqual(size(16384, 3));
  });

  it("reads the VP8X canvas, not the first frame, up to 2²⁴", () => {
    expect(readImageDimensions("webp", webpVp8x(20_000, 1))).toEqual(size(20_000, 1));
    expect(readImageDimensions("webp", webpVp8x(2 ** 24, 2 ** 24))).toEqual(size(2 ** 24, 2 ** 24));
  });

  it("refuses a VP8 frame that is not a key frame", () => {
    const bytes = webpVp8(10, 10);
    bytes[20]! |= 1;
    expect(readImageDimensions("webp", bytes)).toEqual(failure);
  });
});
