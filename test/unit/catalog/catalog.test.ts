import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SEED_SERVICES, serviceById } from "../../../protocol/catalog/catalog.ts";
import { MAX_TEXT_CHARS } from "../../../protocol/catalog/services/fields.ts";
import { isBase64Image } from "../../../protocol/images.ts";
import { ModelNameSchema } from "../../../protocol/job.ts";
import { exampleForSchema } from "../../../dev/ollama-standin/schema-example.ts";
import { MODEL_OUTPUT_FOR_EXAMPLE, PNG_BASE64 } from "../../../dev/catalog-model-outputs.ts";

const TEXT_SERVICES = ["sentiment", "pii-detect"];
const VISION_SERVICES = ["alt-text", "screenshot-data", "invoice-extract", "document-intel"];

describe("the seed catalog", () => {
  it("lists the six services in order, each found by its id", () => {
    expect(SEED_SERVICES.map((s) => s.id)).toEqual([...TEXT_SERVICES, ...VISION_SERVICES]);
    for (const service of SEED_SERVICES) expect(serviceById(service.id)).toBe(service);
    expect(serviceById("chat-completions")).toBeUndefined();
    expect(serviceById("")).toBeUndefined();
  });

  it("keeps the seed product's prices and models", () => {
    expect(Object.fromEntries(SEED_SERVICES.map((s) => [s.id, [s.defaultPrice, s.defaultModel]]))).toEqual({
      sentiment: [10_000n, "qwen2.5:7b"],
      "pii-detect": [20_000n, "qwen2.5:7b"],
      "alt-text": [10_000n, "qwen2.5vl:7b"],
      "screenshot-data": [20_000n, "qwen2.5vl:7b"],
      "invoice-extract": [30_000n, "qwen2.5vl:7b"],
      "document-intel": [50_000n, "qwen2.5vl:7b"],
    });
  });
});

describe.each(SEED_SERVICES.map((s) => [s.id, s] as const))("%s", (id, service) => {
  const vision = VISION_SERVICES.includes(id);

  it("has a kebab-case id, a title, a one-sentence description, a model name and sane bounds", () => {
    expect(id).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
    expect(service.title.length).toBeGreaterThan(3);
    expect(service.description).toMatch(/^[A-Z][^\n]{20,200}\.$/);
    expect(ModelNameSchema.safeParse(service.defaultModel).success).toBe(true);
    expect(service.defaultPrice).toBeGreaterThan(0n);
    expect(Number.isInteger(service.maxOutputTokens) && service.maxOutputTokens >= 200 && service.maxOutputTokens <= 4_000).toBe(true);
    expect(service.imageField).toBe(vision ? "image" : undefined);
  });

  it("has an example whose input passes `input` and whose output passes `output`", () => {
    expect(service.input.safeParse(service.example.input).error).toBeUndefined();
    expect(service.output.safeParse(service.example.output).error).toBeUndefined();
    if (vision) expect(isBase64Image(service.example.input.image)).toBe(true);
  });

  it("gives Ollama a plain JSON Schema: objects with every property required and no extras, bounded strings and arrays", () => {
    const schema = z.toJSONSchema(service.modelOutput);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(schema.type).toBe("object");
    const problems: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      for (const key of ["anyOf", "oneOf", "allOf", "$ref", "not", "if"]) if (key in node) problems.push(`${path}: ${key}`);
      if (node.type === "object") {
        const properties = node.properties as Record<string, Record<string, unknown>>;
        expect(node.additionalProperties, path).toBe(false);
        expect([...(node.required as string[])].sort(), path).toEqual(Object.keys(properties).sort());
        for (const [key, sub] of Object.entries(properties)) walk(sub, `${path}.${key}`);
      } else if (node.type === "array") {
        if (typeof node.maxItems !== "number") problems.push(`${path}: array without maxItems`);
        walk(node.items as Record<string, unknown>, `${path}[]`);
      } else if (node.type === "string") {
        if (typeof node.maxLength !== "number" && !Array.isArray(node.enum)) problems.push(`${path}: string without maxLength`);
      } else if (node.type === "number" || node.type === "integer") {
        if (typeof node.minimum !== "number" || typeof node.maximum !== "number") problems.push(`${path}: unbounded number`);
      } else {
        problems.push(`${path}: type ${JSON.stringify(node.type)}`);
      }
    };
    walk(schema as Record<string, unknown>, "$");
    expect(problems).toEqual([]);
  });

  it("publishes its input and output as JSON Schema too (for discovery documents)", () => {
    expect(z.toJSONSchema(service.input, { io: "input" }).type).toBe("object");
    expect(z.toJSONSchema(service.output).type).toBe("object");
  });

  it("asks for JSON only, and puts the buyer's text in the prompt", () => {
    const { system, user } = service.prompt(service.example.input);
    expect(system).toMatch(/Reply with one JSON object/);
    expect(system).toMatch(/nothing else: no markdown, no code fences/);
    expect(system).toMatch(/Output shape: \{/);
    expect(user.length).toBeGreaterThan(10);
    if (!vision) expect(user).toContain(service.example.input.text);
    // The image travels as an attachment, never inside the prompt text.
    if (vision) expect(system + user).not.toContain(service.example.input.image);
  });

  it("finishes a plausible model output into exactly the example output", () => {
    const modelOutput = service.modelOutput.parse(MODEL_OUTPUT_FOR_EXAMPLE[id]);
    const result = service.finish(service.example.input, modelOutput);
    expect(result).toEqual({ ok: true, output: service.example.output });
    if (result.ok) expect(service.output.safeParse(result.output).error).toBeUndefined();
  });

  it("answers the Ollama stand-in's schema-derived reply with a valid output or a refusal, never a throw", () => {
    const modelOutput = service.modelOutput.parse(exampleForSchema(z.toJSONSchema(service.modelOutput)));
    const result = service.finish(service.example.input, modelOutput);
    if (result.ok) expect(service.output.safeParse(result.output).error).toBeUndefined();
    else expect(result.problem.length).toBeGreaterThan(0);
  });

  const badInputs: [string, unknown][] = vision
    ? [
        ["no body fields", {}],
        ["an empty image", { image: "" }],
        ["an image that is not a string", { image: 12345 }],
        ["an image as an array", { image: [PNG_BASE64] }],
        ["an oversized image", { image: "A".repeat(21 * 1024 * 1024) }],
        ["an unknown field", { image: PNG_BASE64, prompt: "ignore the image" }],
        ["null", null],
      ]
    : [
        ["no body fields", {}],
        ["empty text", { text: "" }],
        ["blank text", { text: " \n\t " }],
        ["text as a number", { text: 42 }],
        ["text as an array", { text: ["a"] }],
        ["oversized text", { text: "a".repeat(MAX_TEXT_CHARS + 1) }],
        ["an unknown field", { text: "fine", model: "llama3" }],
        ["a string body", "just text"],
      ];
  it.each(badInputs)("refuses %s", (_name, body) => {
    expect(service.input.safeParse(body).success).toBe(false);
  });

  // Text services only: vision services take no text field.
  if (!vision) {
    it("accepts text at its maximum length", () => {
      expect(service.input.safeParse({ text: "a".repeat(MAX_TEXT_CHARS) }).success).toBe(true);
    });
  }
});
