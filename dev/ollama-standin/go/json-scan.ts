import { goQuoteByte } from "./quote.ts";

// gin's ShouldBindJSON is json.NewDecoder(body).Decode(&req): it reads one JSON value, reports syntax
// errors in the words of Go's scanner, io.EOF for a body with no value, and ignores what follows.

export type ScanResult =
  | { kind: "empty" } // io.EOF: Ollama answers "missing request body"
  | { kind: "syntax-error"; message: string }
  | { kind: "value"; value: unknown };

export function scanFirstValue(body: Uint8Array): ScanResult {
  const scanner = new Scanner(body);
  scanner.skipSpace();
  if (scanner.atEnd()) return { kind: "empty" };
  const start = scanner.pos;
  try {
    scanner.value();
  } catch (error) {
    if (error instanceof GoSyntaxError) return { kind: "syntax-error", message: error.message };
    throw error;
  }
  const text = Buffer.from(body.subarray(start, scanner.pos)).toString("utf8");
  return { kind: "value", value: JSON.parse(text) };
}

class GoSyntaxError extends Error {}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isHex = (b: number) => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
const code = (c: string) => c.charCodeAt(0);

class Scanner {
  pos = 0;
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  atEnd(): boolean {
    return this.pos >= this.#bytes.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && isSpace(this.#peek())) this.pos++;
  }

  value(): void {
    this.skipSpace();
    const c = this.#current();
    if (c === code("{")) return this.#object();
    if (c === code("[")) return this.#array();
    if (c === code('"')) return this.#string();
    if (c === code("-") || isDigit(c)) return this.#number();
    if (c === code("t")) return this.#literal("true");
    if (c === code("f")) return this.#literal("false");
    if (c === code("n")) return this.#literal("null");
    this.#invalid(c, "looking for beginning of value");
  }

  #object(): void {
    this.pos++;
    this.skipSpace();
    if (this.#current() === code("}")) {
      this.pos++;
      return;
    }
    for (;;) {
      const c = this.#current();
      if (c !== code('"')) this.#invalid(c, "looking for beginning of object key string");
      this.#string();
      this.skipSpace();
      const colon = this.#current();
      if (colon !== code(":")) this.#invalid(colon, "after object key");
      this.pos++;
      this.value();
      this.skipSpace();
      const next = this.#current();
      this.pos++;
      if (next === code("}")) return;
      if (next !== code(",")) this.#invalid(next, "after object key:value pair");
      this.skipSpace();
    }
  }

  #array(): void {
    this.pos++;
    this.skipSpace();
    if (this.#current() === code("]")) {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.skipSpace();
      const next = this.#current();
      this.pos++;
      if (next === code("]")) return;
      if (next !== code(",")) this.#invalid(next, "after array element");
    }
  }

  #string(): void {
    this.pos++;
    for (;;) {
      const c = this.#current();
      this.pos++;
      if (c === code('"')) return;
      if (c < 0x20) this.#invalid(c, "in string literal");
      if (c !== code("\\")) continue;
      const escape = this.#current();
      this.pos++;
      if (`"\\/bfnrt`.includes(String.fromCharCode(escape))) continue;
      if (escape !== code("u")) this.#invalid(escape, "in string escape code");
      for (let i = 0; i < 4; i++) {
        const h = this.#current();
        if (!isHex(h)) this.#invalid(h, "in \\u hexadecimal character escape");
        this.pos++;
      }
    }
  }

  #number(): void {
    if (this.#peek() === code("-")) {
      this.pos++;
      const first = this.#current();
      if (!isDigit(first)) this.#invalid(first, "in numeric literal");
    }
    if (this.#peek() === code("0")) this.pos++;
    else this.#digits();
    if (this.#peek() === code(".")) {
      this.pos++;
      const c = this.#current();
      if (!isDigit(c)) this.#invalid(c, "after decimal point in numeric literal");
      this.#digits();
    }
    if (this.#peek() === code("e") || this.#peek() === code("E")) {
      this.pos++;
      if (this.#peek() === code("+") || this.#peek() === code("-")) this.pos++;
      const c = this.#current();
      if (!isDigit(c)) this.#invalid(c, "in exponent of numeric literal");
      this.#digits();
    }
  }

  #digits(): void {
    while (!this.atEnd() && isDigit(this.#peek())) this.pos++;
  }

  #literal(word: string): void {
    for (let i = 1; i < word.length; i++) {
      this.pos++;
      const c = this.#current();
      const expected = code(word[i] ?? "");
      if (c !== expected) this.#invalid(c, `in literal ${word} (expecting ${goQuoteByte(expected)})`);
    }
    this.pos++;
  }

  // The byte at pos, or -1 past the end (which never equals a byte we look for).
  #peek(): number {
    return this.#bytes[this.pos] ?? -1;
  }

  // The byte at pos where the grammar needs one: the end of the body here is io.ErrUnexpectedEOF.
  #current(): number {
    const b = this.#bytes[this.pos];
    if (b === undefined) throw new GoSyntaxError("unexpected EOF");
    return b;
  }

  #invalid(byte: number, context: string): never {
    throw new GoSyntaxError(`invalid character ${goQuoteByte(byte)} ${context}`);
  }
}
