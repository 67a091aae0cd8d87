import { decodeGoBase64 } from "./base64.ts";
import { jsonKind } from "./quote.ts";

// encoding/json's second step: storing the scanned value into Ollama's request structs. Keys match
// fields case-insensitively, unknown keys and nulls are ignored, and the first error wins while
// decoding goes on, all as in Go. The result keeps only known fields, under their canonical names.

export type CustomDecode = (value: unknown) => { ok: true; value: unknown } | { ok: false; message: string };

export type GoType =
  | { kind: "string" }
  | { kind: "bool" }
  | { kind: "int" }
  | { kind: "float"; name: "float32" | "float64" }
  | { kind: "any" }
  | { kind: "bytes"; name: string }
  | { kind: "slice"; name: string; elem: GoType }
  | { kind: "map"; name: string }
  | { kind: "struct"; name: string; fields: Readonly<Record<string, GoType>>; ownDecoder?: boolean }
  | { kind: "custom"; decode: CustomDecode };

export const goString: GoType = { kind: "string" };
export const goBool: GoType = { kind: "bool" };
export const goInt: GoType = { kind: "int" };
export const goAny: GoType = { kind: "any" };

export type DecodeResult = { ok: true; value: unknown } | { ok: false; message: string };

export function decodeInto(value: unknown, type: GoType & { kind: "struct" }, packageName = "api"): DecodeResult {
  const state: DecodeState = { firstError: undefined, packageName };
  const decoded = decode(value, type, state, { struct: undefined, fields: [] });
  return state.firstError === undefined ? { ok: true, value: decoded ?? {} } : { ok: false, message: state.firstError };
}

interface DecodeState {
  firstError: string | undefined;
  packageName: string;
}

interface ErrorContext {
  struct: string | undefined;
  fields: string[];
}

function decode(value: unknown, type: GoType, state: DecodeState, context: ErrorContext): unknown {
  if (value === null) return undefined;
  switch (type.kind) {
    case "string":
      return typeof value === "string" ? value : mismatch(state, context, value, "string");
    case "bool":
      return typeof value === "boolean" ? value : mismatch(state, context, value, "bool");
    case "int":
      if (typeof value === "number" && Number.isInteger(value)) return value;
      return mismatch(state, context, value, "int", typeof value === "number" ? `number ${value}` : undefined);
    case "float":
      return typeof value === "number" ? value : mismatch(state, context, value, type.name);
    case "any":
      return value;
    case "bytes": {
      if (typeof value !== "string") return mismatch(state, context, value, type.name);
      const result = decodeGoBase64(value);
      if (result.ok) return result.bytes;
      save(state, result.message);
      return undefined;
    }
    case "slice":
      if (!Array.isArray(value)) return mismatch(state, context, value, type.name);
      return value.map((item) => decode(item, type.elem, state, context));
    case "map":
      return isRecord(value) ? value : mismatch(state, context, value, type.name);
    case "struct":
      return decodeStruct(value, type, state, context);
    case "custom": {
      const result = type.decode(value);
      if (result.ok) return result.value;
      save(state, result.message);
      return undefined;
    }
  }
}

function decodeStruct(value: unknown, type: GoType & { kind: "struct" }, state: DecodeState, outer: ErrorContext): unknown {
  // A type with its own UnmarshalJSON (api.Message) runs a nested json.Unmarshal into an alias type:
  // its errors name that alias and start a fresh field path.
  const base: ErrorContext = type.ownDecoder ? { struct: undefined, fields: [] } : outer;
  if (!isRecord(value)) return mismatch(state, base, value, `${state.packageName}.${type.name}`);
  const result: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const field = matchField(type.fields, key);
    if (field === undefined) continue;
    const fieldType = type.fields[field];
    if (fieldType === undefined) continue;
    const decoded = decode(raw, fieldType, state, { struct: type.name, fields: [...base.fields, field] });
    if (decoded !== undefined) result[field] = decoded;
  }
  return result;
}

function matchField(fields: Readonly<Record<string, GoType>>, key: string): string | undefined {
  if (Object.hasOwn(fields, key)) return key;
  const folded = key.toLowerCase();
  return Object.keys(fields).find((name) => name.toLowerCase() === folded);
}

function mismatch(state: DecodeState, context: ErrorContext, value: unknown, typeName: string, kind = jsonKind(value)): undefined {
  const target =
    context.struct === undefined
      ? `Go value of type ${typeName}`
      : `Go struct field ${context.struct}.${context.fields.join(".")} of type ${typeName}`;
  save(state, `json: cannot unmarshal ${kind} into ${target}`);
  return undefined;
}

function save(state: DecodeState, message: string): void {
  state.firstError ??= message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
