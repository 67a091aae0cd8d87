// Real images assembled byte by byte, so each test states exactly what it feeds the inspector.
// The PNG, GIF and JPEG builders produce files a decoder fully decodes (checked against libvips
// while writing them); the WebP builders write headers libwebp accepts, followed by filler, not pixels.

import { deflateSync } from "node:zlib";

export const concat = (...parts: ArrayLike<number>[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const u16be = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
export const u16le = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
export const u24le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff];
export const u32be = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
export const u32le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** Independent of the code under test: Node's own encoder. */
export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: ArrayLike<number>): Uint8Array {
  const typeAndData = concat(ascii(type), data);
  return concat(u32be(data.length), typeAndData, u32be(crc32(typeAndData)));
}

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** An 8-bit greyscale PNG with real pixel data. `ihdr` can claim other dimensions than the pixels. */
export function png(width: number, height: number, ihdr: { width?: number; height?: number } = {}): Uint8Array {
  const row = concat([0], new Uint8Array(width).fill(0x80)); // filter type 0, then the pixels
  const raw = concat(...Array.from({ length: height }, () => row));
  return concat(
    PNG_SIGNATURE,
    pngChunk("IHDR", concat(u32be(ihdr.width ?? width), u32be(ihdr.height ?? height), [8, 0, 0, 0, 0])),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", []),
  );
}

/**
 * A GIF89a with a two-colour table. The LZW stream sends a clear code before every pixel, so the
 * code size stays at 3 bits and no dictionary is needed to write it.
 */
export function gif(width: number, height: number, version: "87a" | "89a" = "89a"): Uint8Array {
  const bits: number[] = [];
  const code = (value: number) => {
    for (let i = 0; i < 3; i++) bits.push((value >> i) & 1);
  };
  for (let i = 0; i < width * height; i++) {
    code(4); // clear
    code(1); // colour 1
  }
  code(5); // end of information
  const lzw = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => (lzw[i >> 3]! |= bit << (i & 7)));
  const blocks: number[] = [];
  for (let at = 0; at < lzw.length; at += 255) {
    const block = lzw.subarray(at, at + 255);
    blocks.push(block.length, ...block);
  }
  return concat(
    ascii(`GIF${version}`),
    u16le(width),
    u16le(height),
    [0x80, 0, 0], // global colour table of 2 entries, background 0, no aspect ratio
    [0, 0, 0, 0xff, 0xff, 0xff],
    [0x2c, 0, 0, 0, 0],
    u16le(width),
    u16le(height),
    [0], // image descriptor: no local table, not interlaced
    [2], // LZW minimum code size
    blocks,
    [0, 0x3b], // block terminator, trailer
  );
}

export const jpegSegment = (marker: number, data: ArrayLike<number>) => concat([0xff, marker], u16be(data.length + 2), data);

const APP0_JFIF = jpegSegment(0xe0, concat(ascii("JFIF\0"), [1, 1, 0], u16be(1), u16be(1), [0, 0]));
const DQT = jpegSegment(0xdb, concat([0], new Uint8Array(64).fill(1)));
// One Huffman code, "0", in each table: DC category 0 and AC end-of-block.
const DHT_DC = jpegSegment(0xc4, concat([0x00, 1], new Uint8Array(15), [0x00]));
const DHT_AC = jpegSegment(0xc4, concat([0x10, 1], new Uint8Array(15), [0x00]));
const SOS = jpegSegment(0xda, [1, 1, 0x00, 0, 63, 0]);

export function sof(marker: number, width: number, height: number): Uint8Array {
  return jpegSegment(marker, concat([8], u16be(height), u16be(width), [1, 1, 0x11, 0]));
}

/**
 * A greyscale baseline JPEG: SOI, APP0, DQT, SOF0, DHT, SOS, entropy data, EOI. Every 8×8 block is
 * DC difference 0 and end-of-block, two "0" bits, so the scan is all zero bytes (no FF to stuff).
 * `beforeFrame` is inserted between DQT and the frame header. Above 100,000 blocks the scan is cut
 * to a few bytes: only the headers are valid then.
 */
export function jpeg(width: number, height: number, options: { sofMarker?: number; beforeFrame?: ArrayLike<number> } = {}): Uint8Array {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const scan = new Uint8Array(blocks > 100_000 ? 4 : Math.ceil((blocks * 2) / 8));
  if (blocks <= 100_000 && (blocks * 2) % 8 !== 0) scan[scan.length - 1] = 0xff >> ((blocks * 2) % 8); // pad with 1 bits
  return concat([0xff, 0xd8], APP0_JFIF, DQT, options.beforeFrame ?? [], sof(options.sofMarker ?? 0xc0, width, height), DHT_DC, DHT_AC, SOS, scan, [0xff, 0xd9]);
}

/** The same JPEG without its frame header. */
export function jpegWithoutFrame(): Uint8Array {
  return concat([0xff, 0xd8], APP0_JFIF, DQT, DHT_DC, DHT_AC, SOS, [0, 0], [0xff, 0xd9]);
}

const riff = (chunk: Uint8Array) => concat(ascii("RIFF"), u32le(4 + chunk.length), ascii("WEBP"), chunk);
const riffChunk = (fourcc: string, data: ArrayLike<number>) => concat(ascii(fourcc), u32le(data.length), data, data.length % 2 ? [0] : []);

/** Lossy WebP: key frame tag, start code, 14-bit sizes with `scale` in the top two bits, filler. */
export function webpVp8(width: number, height: number, scale = 0): Uint8Array {
  const frameTag = [0x10, 0x02, 0x00]; // key frame, version 0, shown, first partition 16 bytes
  return riff(riffChunk("VP8 ", concat(frameTag, [0x9d, 0x01, 0x2a], u16le(width | (scale << 14)), u16le(height | (scale << 14)), new Uint8Array(16))));
}

/** Lossless WebP: signature 2F, then (width-1) | (height-1) << 14 | alpha << 28 | version << 29. */
export function webpVp8l(width: number, height: number, version = 0): Uint8Array {
  const bits = ((width - 1) | ((height - 1) << 14) | (1 << 28) | (version << 29)) >>> 0;
  return riff(riffChunk("VP8L", concat([0x2f], u32le(bits), new Uint8Array(8))));
}

/** Extended WebP: VP8X with the canvas size as 24-bit (size-1), then a lossy frame header of the same size (14 bits at most). */
export function webpVp8x(width: number, height: number): Uint8Array {
  const vp8x = riffChunk("VP8X", concat([0, 0, 0, 0], u24le(width - 1), u24le(height - 1)));
  const frame = webpVp8(width & 0x3fff, height & 0x3fff).subarray(12);
  const chunks = concat(vp8x, frame);
  return concat(ascii("RIFF"), u32le(4 + chunks.length), ascii("WEBP"), chunks);
}

/** Small files written by libwebp and libjpeg (via libvips), each 5×3: a check the builders cannot give. */
export const ENCODED_5x3 = {
  webpLossy: "UklGRjgAAABXRUJQVlA4ICwAAACQAQCdASoFAAMAAsBMJaACdLoAA5gA/u5DH+5sc4twV/9tD/9aH/60P+lAAA==",
  webpLossless: "UklGRhwAAABXRUJQVlA4TA8AAAAvBIAAAAcQ/Y/+ByKi/wEA",
  webpExtendedAlpha:
    "UklGRlwAAABXRUJQVlA4WAoAAAAQAAAABAAAAgAAQUxQSAoAAAABB1DAiAhERP8DVlA4ICwAAACQAQCdASoFAAMAAsBMJaACdLoAA5gA/u+ax9CjZRKpf/SbP+Js/4mz45gAAA==",
  jpegBaseline:
    "/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAADAAUDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABQb/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCKALXj/9k=",
  jpegProgressive:
    "/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wgARCAADAAUDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAT/xAAVAQEBAAAAAAAAAAAAAAAAAAAEBf/aAAwDAQACEAMQAAABiBb3/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABBQJ//8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAgBAwEBPwF//8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAgBAgEBPwF//8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQAGPwJ//8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPyF//9oADAMBAAIAAwAAABAD/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAgBAwEBPxB//8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAgBAgEBPxB//8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxB//9k=",
} as const;
