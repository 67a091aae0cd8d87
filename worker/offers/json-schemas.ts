import { z } from "zod";

const caches = { input: new WeakMap<z.ZodType, Record<string, unknown>>(), output: new WeakMap<z.ZodType, Record<string, unknown>>() };

/**
 * JSON Schema (draft 2020-12) of a zod schema, generated once per schema: what Ollama's `format`,
 * the 402's bazaar extension, /.well-known/x402 and /openapi.json all publish. `io: "input"` describes
 * what a client may send (fields with defaults stay optional). Compacted without changing its meaning,
 * because it travels in the PAYMENT-REQUIRED header (and back in the client's payment header).
 */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output" = "output"): Record<string, unknown> {
  let json = caches[io].get(schema);
  if (!json) {
    const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
    json = compact(rest) as Record<string, unknown>;
    caches[io].set(schema, json);
  }
  return json;
}

const SAFE_MIN = Number.MIN_SAFE_INTEGER;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Meaning-preserving simplifications of zod's output: integer bounds that only restate the safe-
 * integer range, `propertyNames: {type: "string"}` (true of every JSON object), nested `anyOf`s
 * flattened, and `anyOf: [{type: T, …}, {type: "null"}]` written as `{type: [T, "null"], …}`.
 */
export function compact(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(compact);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "minimum" && value === SAFE_MIN) continue;
    if (key === "maximum" && value === SAFE_MAX) continue;
    if (key === "propertyNames" && isStringType(value)) continue;
    out[key] = compact(value);
  }
  if (Array.isArray(out.anyOf)) {
    const members = (out.anyOf as unknown[]).flatMap((m) => (isOnlyAnyOf(m) ? (m.anyOf as unknown[]) : [m]));
    const nonNull = members.filter((m) => !isNullType(m));
    const single = nonNull[0];
    if (members.length === 2 && nonNull.length === 1 && isObject(single) && typeof single.type === "string" && Object.keys(out).length === 1) {
      return { ...single, type: [single.type, "null"] };
    }
    out.anyOf = members;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringType = (v: unknown) => isObject(v) && v.type === "string" && Object.keys(v).length === 1;
const isNullType = (v: unknown) => isObject(v) && v.type === "null" && Object.keys(v).length === 1;
const isOnlyAnyOf = (v: unknown): v is { anyOf: unknown[] } => isObject(v) && Array.isArray(v.anyOf) && Object.keys(v).length === 1;
