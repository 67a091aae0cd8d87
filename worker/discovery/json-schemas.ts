import { z } from "zod";

const caches = { input: new WeakMap<z.ZodType, Record<string, unknown>>(), output: new WeakMap<z.ZodType, Record<string, unknown>>() };

/**
 * JSON Schema (draft 2020-12) of a zod schema, generated once per schema: what Ollama's `format`,
 * the 402's bazaar extension, /.well-known/x402 and /openapi.json all publish. `io: "input"` describes
 * what a client may send (fields with defaults stay optional).
 */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output" = "output"): Record<string, unknown> {
  let json = caches[io].get(schema);
  if (!json) {
    const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
    json = rest;
    caches[io].set(schema, json);
  }
  return json;
}
