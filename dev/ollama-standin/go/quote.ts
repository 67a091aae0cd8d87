// How Go prints values inside error messages, so the stand-in's errors read like Ollama's.

/** strconv.Quote for the text the stand-in quotes (JSON's escaping agrees with it for printable text). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** encoding/json's quoteChar: a byte of a syntax error, e.g. 'x', '\'' or '\n'. */
export function goQuoteByte(byte: number): string {
  if (byte === 0x27) return "'\\''";
  if (byte === 0x22) return `'"'`;
  return `'${quoteRune(byte)}'`;
}

const ESCAPES: Readonly<Record<number, string>> = {
  0x07: "\\a", 0x08: "\\b", 0x0c: "\\f", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x0b: "\\v", 0x5c: "\\\\",
};

// Go converts the byte (not the UTF-8 sequence it starts) to a rune, so 0xC3 prints as 'Ã'.
function quoteRune(rune: number): string {
  const escape = ESCAPES[rune];
  if (escape !== undefined) return escape;
  const hex = rune.toString(16).padStart(2, "0");
  if (rune < 0x20 || rune === 0x7f) return `\\x${hex}`;
  if ((rune >= 0x80 && rune < 0xa1) || rune === 0xad) return `\\u00${hex}`;
  return String.fromCharCode(rune);
}

/** The reflect type name Go prints for a decoded JSON value of unknown shape (interface{}). */
export function goDynamicTypeName(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "float64";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "[]interface {}";
  if (value === null) return "%!s(<nil>)";
  return "map[string]interface {}";
}

/** The kind encoding/json names in "cannot unmarshal <kind> into …". */
export function jsonKind(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "array";
  return "object";
}
