import { patternExample } from "./pattern-example.ts";

// Stands in for grammar-constrained decoding: given the JSON Schema sent as `format`, builds a value that
// conforms to it. Deterministic, and covers what zod's toJSONSchema emits: objects, arrays, strings
// with enum/const/format/length (and a best effort at pattern), numbers with bounds, booleans,
// nullable/anyOf/oneOf (first branch), allOf (merged) and local $ref.

type Schema = Readonly<Record<string, unknown>>;

interface Context {
  root: unknown;
  depth: number;
  /** Item position in an array, varied so uniqueItems holds. */
  variant: number;
}

// Past this depth recursive schemas produce only what they must (required properties, minItems).
const SHALLOW_DEPTH = 8;
const MAX_DEPTH = 32;

export function exampleForSchema(schema: unknown): unknown {
  return generate(schema, { root: schema, depth: 0, variant: 0 });
}

function generate(node: unknown, ctx: Context): unknown {
  if (!isSchema(node) || ctx.depth > MAX_DEPTH) return node === false ? null : "example";
  if ("const" in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[ctx.variant % node.enum.length];
  if (typeof node.$ref === "string") return generate(resolvePointer(ctx.root, node.$ref), deeper(ctx));
  const branches = firstArray(node.anyOf, node.oneOf);
  if (branches) return generate({ ...withoutKeys(node, ["anyOf", "oneOf"]), ...asSchema(branches[0]) }, ctx);
  if (Array.isArray(node.allOf)) return generate(mergeAll(withoutKeys(node, ["allOf"]), node.allOf, ctx.root), ctx);
  switch (typeOf(node)) {
    case "object":
      return exampleObject(node, ctx);
    case "array":
      return exampleArray(node, ctx);
    case "string":
      return exampleString(node, ctx.variant);
    case "integer":
      return exampleNumber(node, true, ctx.variant);
    case "number":
      return exampleNumber(node, false, ctx.variant);
    case "boolean":
      return ctx.variant % 2 === 0;
    case "null":
      return null;
    default:
      return "example";
  }
}

function typeOf(node: Schema): string | undefined {
  const { type } = node;
  // ["string", "null"]: the first type, as for anyOf.
  if (Array.isArray(type)) return typeof type[0] === "string" ? type[0] : undefined;
  if (typeof type === "string") return type;
  if ("properties" in node || "required" in node || "additionalProperties" in node) return "object";
  if ("items" in node || "prefixItems" in node || "minItems" in node) return "array";
  if ("minLength" in node || "maxLength" in node || "pattern" in node || "format" in node) return "string";
  if ("minimum" in node || "maximum" in node || "multipleOf" in node) return "number";
  return undefined;
}

function exampleObject(node: Schema, ctx: Context): Record<string, unknown> {
  const properties = isSchema(node.properties) ? node.properties : {};
  const required = Array.isArray(node.required) ? node.required.filter((k): k is string => typeof k === "string") : [];
  const shallow = ctx.depth >= SHALLOW_DEPTH;
  const result: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(properties)) {
    if (shallow && !required.includes(key)) continue;
    result[key] = generate(sub, deeper(ctx));
  }
  for (const key of required) if (!(key in result)) result[key] = "example";
  return result;
}

function exampleArray(node: Schema, ctx: Context): unknown[] {
  const prefix = Array.isArray(node.prefixItems) ? node.prefixItems : [];
  const minItems = typeof node.minItems === "number" ? node.minItems : 0;
  const maxItems = typeof node.maxItems === "number" ? node.maxItems : Infinity;
  const wanted = ctx.depth >= SHALLOW_DEPTH ? minItems : Math.max(minItems, prefix.length, 1);
  const count = Math.min(wanted, maxItems);
  return Array.from({ length: count }, (_, i) => {
    const itemSchema = i < prefix.length ? prefix[i] : node.items === undefined ? {} : node.items;
    return generate(itemSchema, { ...deeper(ctx), variant: i });
  });
}

const FORMAT_EXAMPLES: Readonly<Record<string, (variant: number) => string>> = {
  email: (v) => `user${v || ""}@example.com`,
  "date-time": (v) => `2025-01-${String(1 + (v % 28)).padStart(2, "0")}T00:00:00Z`,
  date: (v) => `2025-01-${String(1 + (v % 28)).padStart(2, "0")}`,
  time: (v) => `00:00:${String(v % 60).padStart(2, "0")}`,
  uri: (v) => `https://example.com/${v || ""}`,
  url: (v) => `https://example.com/${v || ""}`,
  "uri-reference": (v) => `/example/${v}`,
  uuid: (v) => `123e4567-e89b-42d3-a456-${String(426614174000 + v).padStart(12, "0")}`,
  ipv4: (v) => `192.0.2.${1 + (v % 254)}`,
  ipv6: (v) => `2001:db8::${(1 + v).toString(16)}`,
  hostname: (v) => `host${v || ""}.example.com`,
  duration: (v) => `P${1 + v}D`,
};

// Strings that often satisfy simple patterns (codes, digits, words), tried in order.
const PATTERN_CANDIDATES = ["example", "a", "A", "0", "abc", "ABC", "123", "a1", "AB-123", "example.com", "2025-01-01"];

function exampleString(node: Schema, variant: number): string {
  const fromFormat = typeof node.format === "string" ? FORMAT_EXAMPLES[node.format]?.(variant) : undefined;
  const base = fromFormat ?? (variant === 0 ? "example" : `example ${variant + 1}`);
  let value = base;
  const pattern = typeof node.pattern === "string" ? compile(node.pattern) : undefined;
  if (pattern && !pattern.test(value)) {
    const candidates = [patternExample(String(node.pattern)), ...PATTERN_CANDIDATES.map((c) => (variant === 0 ? c : `${c}${variant}`))];
    value = candidates.find((c): c is string => c !== undefined && pattern.test(c)) ?? base;
  }
  const chars = [...value];
  const minLength = typeof node.minLength === "number" ? node.minLength : 0;
  const maxLength = typeof node.maxLength === "number" ? node.maxLength : Infinity;
  while (chars.length < minLength) chars.push("x");
  return chars.slice(0, maxLength).join("");
}

function exampleNumber(node: Schema, integer: boolean, variant: number): number {
  const bounds = numericBounds(node);
  const multipleOf = typeof node.multipleOf === "number" && node.multipleOf > 0 ? node.multipleOf : undefined;
  const step = multipleOf ?? 1;
  const fits = (n: number) =>
    (integer ? Number.isInteger(n) : true) &&
    (bounds.low === undefined || (bounds.lowExclusive ? n > bounds.low : n >= bounds.low)) &&
    (bounds.high === undefined || (bounds.highExclusive ? n < bounds.high : n <= bounds.high)) &&
    (multipleOf === undefined || Math.abs(n / multipleOf - Math.round(n / multipleOf)) < 1e-9);
  const inside = startingPoint(bounds, integer, step);
  const start = multipleOf === undefined ? inside : Math.ceil(inside / multipleOf) * multipleOf;
  // Walk away from the starting point in steps, so the variants of an array stay distinct.
  for (let i = 0; i <= variant + 64; i++) {
    for (const candidate of [start + (variant + i) * step, start - (variant + i) * step]) {
      if (fits(candidate)) return candidate;
    }
  }
  return start;
}

interface Bounds {
  low: number | undefined;
  lowExclusive: boolean;
  high: number | undefined;
  highExclusive: boolean;
}

function numericBounds(node: Schema): Bounds {
  // JSON Schema 2019+ uses numbers for exclusive bounds; draft 4 used booleans beside minimum/maximum.
  const low = typeof node.exclusiveMinimum === "number" ? node.exclusiveMinimum : numberOrUndefined(node.minimum);
  const high = typeof node.exclusiveMaximum === "number" ? node.exclusiveMaximum : numberOrUndefined(node.maximum);
  return {
    low,
    lowExclusive: typeof node.exclusiveMinimum === "number" || node.exclusiveMinimum === true,
    high,
    highExclusive: typeof node.exclusiveMaximum === "number" || node.exclusiveMaximum === true,
  };
}

// 0 when allowed (it reads as "no signal"), else a point inside the bounds.
function startingPoint(bounds: Bounds, integer: boolean, step: number): number {
  const { low, high } = bounds;
  const aboveLow = low === undefined || (bounds.lowExclusive ? 0 > low : 0 >= low);
  const belowHigh = high === undefined || (bounds.highExclusive ? 0 < high : 0 <= high);
  if (aboveLow && belowHigh) return 0;
  let point: number;
  if (low !== undefined && high !== undefined) point = (low + high) / 2;
  else if (low !== undefined) point = bounds.lowExclusive ? low + step : low;
  else point = bounds.highExclusive ? (high ?? 0) - step : (high ?? 0);
  if (!integer) return point;
  return low !== undefined ? Math.ceil(point) : Math.floor(point);
}

function mergeAll(base: Schema, parts: unknown[], root: unknown): Schema {
  const merged: Record<string, unknown> = { ...base };
  for (const raw of parts) {
    const part = isSchema(raw) && typeof raw.$ref === "string" ? asSchema(resolvePointer(root, raw.$ref)) : asSchema(raw);
    for (const [key, value] of Object.entries(part)) {
      if (key === "properties" && isSchema(merged.properties) && isSchema(value)) merged.properties = { ...merged.properties, ...value };
      else if (key === "required" && Array.isArray(merged.required) && Array.isArray(value)) merged.required = [...merged.required, ...value];
      else merged[key] = value;
    }
  }
  return merged;
}

// "#", "#/$defs/Name", "#/definitions/Name" and any other JSON pointer into the same document.
function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").slice(1)) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    node = isSchema(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
  }
  return node ?? {};
}

function compile(pattern: string): RegExp | undefined {
  for (const flags of ["u", ""]) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // Not valid with these flags; JSON Schema patterns are ECMA-262, so try without "u".
    }
  }
  return undefined;
}

function deeper(ctx: Context): Context {
  return { ...ctx, depth: ctx.depth + 1, variant: 0 };
}

function firstArray(...candidates: unknown[]): unknown[] | undefined {
  return candidates.find((c): c is unknown[] => Array.isArray(c) && c.length > 0);
}

function withoutKeys(node: Schema, keys: string[]): Schema {
  return Object.fromEntries(Object.entries(node).filter(([key]) => !keys.includes(key)));
}

function asSchema(value: unknown): Schema {
  return isSchema(value) ? value : {};
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
